"""A drop-in for the SSPI part of pywin32: ``win32security``, ``sspi``, ``sspicon``,
``pywintypes`` and ``win32api``, written on the public core API.

Unmodified Windows code that does ``import win32security, sspi, sspicon``
runs on Linux once the modules are registered under those names::

    import sspi_compat.pywin32
    sspi_compat.pywin32.install()

    import sspi                                  # this package's sspi module
    client = sspi.ClientAuth("Kerberos", targetspn="HTTP/web.example.com")
    err, out = client.authorize(None)

or, for a script that must not be touched at all::

    python -m sspi_compat.pywin32 script.py [args...]

The modules can also be imported from here directly
(``from sspi_compat.pywin32 import win32security``) without registering
anything.

Why real pywin32 wins: :func:`install` registers nothing when a real
``win32security`` can be imported (pywin32 installed — i.e. on Windows):
code that runs on the real SSPI should keep doing so, and two different
``pywintypes.error`` classes in one process would make ``except`` clauses
miss.  ``install(force=True)`` registers the façade regardless.  Modules of
those names that were already imported from somewhere else are replaced.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Dict, Tuple

from . import pywintypes, sspi, sspicon, win32api, win32security

__all__ = [
    "MODULE_NAMES",
    "install",
    "installed",
    "pywintypes",
    "real_pywin32_available",
    "sspi",
    "sspicon",
    "uninstall",
    "win32api",
    "win32security",
]

#: The names :func:`install` registers, in import order.
MODULE_NAMES: Tuple[str, ...] = ("pywintypes", "sspicon", "win32api", "win32security", "sspi")

_MODULES: Dict[str, ModuleType] = {
    "pywintypes": pywintypes,
    "sspicon": sspicon,
    "win32api": win32api,
    "win32security": win32security,
    "sspi": sspi,
}


def installed() -> bool:
    """True when every pywin32 name in ``sys.modules`` is this façade's module."""
    return all(sys.modules.get(name) is module for name, module in _MODULES.items())


def real_pywin32_available() -> bool:
    """True when a ``win32security`` other than this façade can be imported."""
    current = sys.modules.get("win32security")
    if current is not None:
        return current is not win32security
    try:
        return importlib.util.find_spec("win32security") is not None
    except (ImportError, ValueError):
        return False


def install(force: bool = False) -> bool:
    """Register the façade as ``win32security``, ``sspi``, ``sspicon``, ``pywintypes``
    and ``win32api`` in ``sys.modules``.

    Does nothing (and returns False) when real pywin32 is importable, unless
    ``force``.  Returns True when the façade's modules are in place.
    Idempotent.
    """
    if installed():
        return True
    if not force and real_pywin32_available():
        return False
    sys.modules.update(_MODULES)
    return True


def uninstall() -> None:
    """Remove the façade's modules from ``sys.modules`` (only those that are ours)."""
    for name, module in _MODULES.items():
        if sys.modules.get(name) is module:
            del sys.modules[name]
