"""Memory the packages allocate for the caller (ISC_REQ_ALLOCATE_MEMORY & co).

FreeContextBuffer only frees what a package handed out, as on Windows; the
objects are kept here until then (keyed by identity, which stays unique
while the object is referenced from this table).
"""

from __future__ import annotations

from typing import Any, Dict

_allocated: Dict[int, Any] = {}


def track(obj: Any) -> Any:
    """Record ``obj`` as package-allocated and return it."""
    _allocated[id(obj)] = obj
    return obj


def release(obj: Any) -> bool:
    """Forget ``obj``; False if it was not package-allocated (or already freed)."""
    held = _allocated.get(id(obj))
    if held is None or held is not obj:
        return False
    del _allocated[id(obj)]
    return True


def outstanding() -> int:
    """How many allocations have not been freed (for tests and leak checks)."""
    return len(_allocated)
