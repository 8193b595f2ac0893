"""``CredHandle`` / ``CtxtHandle`` and the table that resolves them.

A handle is two pointer-sized integers, ``dwLower`` and ``dwUpper``, as
``SecHandle`` is in C.  ``dwLower`` is an index into a process-wide table and
``dwUpper`` a tag saying which kind of object it names, so a context handle
passed where a credential is expected, a deleted handle, or numbers made up
by the caller resolve to nothing and the API answers ``SEC_E_INVALID_HANDLE``
instead of crashing.  Lookup is one dict access (the hot paths use it).
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Dict, Optional, Tuple

__all__ = [
    "CredHandle",
    "CtxtHandle",
    "SecHandle",
    "SecInvalidateHandle",
    "SecIsValidHandle",
]

_INVALID = 0xFFFFFFFFFFFFFFFF  # SecInvalidateHandle: (ULONG_PTR)(INT_PTR)-1

# Tags for dwUpper.  A random per-process salt makes handles from another
# process (or forged ones) miss instead of aliasing a live object.
_SALT = int.from_bytes(os.urandom(3), "little") << 8
CRED_TAG = 0x43720000_00000000 | _SALT | 0x01
CTXT_TAG = 0x43740000_00000000 | _SALT | 0x02

_counter = itertools.count(0x1000)
_table: Dict[Tuple[int, int], Any] = {}


class SecHandle:
    """``SecHandle``: ``dwLower``/``dwUpper``; a fresh one is invalid."""

    __slots__ = ("dwLower", "dwUpper")

    def __init__(self, dwLower: int = _INVALID, dwUpper: int = _INVALID) -> None:
        self.dwLower = dwLower
        self.dwUpper = dwUpper

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SecHandle):
            return (self.dwLower, self.dwUpper) == (other.dwLower, other.dwUpper)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.dwLower, self.dwUpper))

    def __repr__(self) -> str:
        if not SecIsValidHandle(self):
            return f"{type(self).__name__}(invalid)"
        return f"{type(self).__name__}(dwLower={self.dwLower:#x}, dwUpper={self.dwUpper:#x})"


class CredHandle(SecHandle):
    """``CredHandle``: names a credential acquired by AcquireCredentialsHandle."""

    __slots__ = ()


class CtxtHandle(SecHandle):
    """``CtxtHandle``: names a security context built by ISC/ASC."""

    __slots__ = ()


def SecIsValidHandle(handle: SecHandle) -> bool:
    """The ``SecIsValidHandle`` macro: not the all-ones invalid value."""
    return not (handle.dwLower == _INVALID and handle.dwUpper == _INVALID)


def SecInvalidateHandle(handle: SecHandle) -> None:
    """The ``SecInvalidateHandle`` macro."""
    handle.dwLower = _INVALID
    handle.dwUpper = _INVALID


# --- the table (used by _api only) -----------------------------------------


def register(handle: SecHandle, tag: int, obj: Any) -> None:
    """Store ``obj`` under a new key and write that key into ``handle``."""
    lower = next(_counter)
    _table[(lower, tag)] = obj
    handle.dwLower = lower
    handle.dwUpper = tag


def lookup(handle: Any, tag: int) -> Optional[Any]:
    """The object ``handle`` names if it is a live handle of kind ``tag``."""
    try:
        return _table.get((handle.dwLower, handle.dwUpper)) if handle.dwUpper == tag else None
    except (AttributeError, TypeError):
        return None


# The raw table lookup, for hot paths that check the tag themselves.
table_get = _table.get


def rebind(handle: SecHandle, tag: int, obj: Any) -> None:
    """Point an existing live handle at a new object (reauthentication)."""
    _table[(handle.dwLower, tag)] = obj


def unregister(handle: SecHandle, tag: int) -> Optional[Any]:
    """Remove the entry; the caller's handle is left as it is (as in C)."""
    try:
        if handle.dwUpper != tag:
            return None
        return _table.pop((handle.dwLower, handle.dwUpper), None)
    except (AttributeError, TypeError):
        return None
