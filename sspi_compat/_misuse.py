"""Python misuse of the API: the one kind of error the SSPI functions raise.

SSPI failures are returned as statuses; wrong argument *types* (a str where
a SecBufferDesc belongs, the wrong SecPkgContext_* structure) are bugs in
the calling program and raise :class:`MisuseError`, a TypeError, so they
are not mistaken for a status and are not swallowed as SEC_E_INTERNAL_ERROR.
"""

from __future__ import annotations


class MisuseError(TypeError):
    """An argument of the wrong type or shape for the SSPI function called."""
