"""Code written the way real consumers of pywin32's SSPI write it.

Each module imports ``win32security``, ``sspi``, ``sspicon``, ``pywintypes``
or ``win32api`` at top level, as the Windows originals do, and uses only
what pywin32 offers; nothing in them knows about Linux.  The tests import
them after ``sspi_compat.pywin32.install()`` (see ``conftest.py``).  Each
module names the project whose code it follows.
"""
