"""SecBufferDesc access: finding typed buffers, reading and writing them safely.

Every read is bounded by both ``cbBuffer`` and the real size of
``pvBuffer``, so a descriptor that lies about its sizes yields an SSPI
status, never an IndexError.  Writes happen only after every check has
passed, so a failed call leaves the caller's buffers as they were.
"""

from __future__ import annotations

from typing import Any, Optional

from .._constants import SECBUFFER_ATTRMASK
from .._types import SecBuffer

__all__ = ["BadBufferError", "capacity", "find", "read", "write"]


class BadBufferError(Exception):
    """A descriptor or buffer that cannot be used as given (bad layout, too small)."""

    def __init__(self, too_small: bool = False) -> None:
        super().__init__("buffer too small" if too_small else "bad buffer")
        self.too_small = too_small


def find(desc: Any, buffer_type: int) -> Optional[SecBuffer]:
    """The first buffer of ``buffer_type`` (attribute flags ignored), or None."""
    if desc is None:
        return None
    for buf in desc.pBuffers:
        if buf.BufferType & ~SECBUFFER_ATTRMASK == buffer_type:
            return buf  # type: ignore[no-any-return]
    return None


def read(buf: SecBuffer) -> bytes:
    """The first ``cbBuffer`` bytes; raises BadBufferError if cbBuffer is impossible."""
    pv = buf.pvBuffer
    cb = buf.cbBuffer
    if pv is None:
        if cb:
            raise BadBufferError()
        return b""
    if not isinstance(cb, int) or cb < 0 or cb > len(pv):
        raise BadBufferError()
    return bytes(pv[:cb]) if cb != len(pv) or not isinstance(pv, bytes) else pv


def capacity(buf: SecBuffer) -> int:
    """How many bytes the buffer's memory can hold."""
    pv = buf.pvBuffer
    return 0 if pv is None else len(pv)


def write(buf: SecBuffer, data: bytes, allocate: bool) -> Optional[bytearray]:
    """Store ``data`` in ``buf``; returns the new memory when it allocated.

    With ``allocate`` (ISC_REQ_ALLOCATE_MEMORY) the package always hands out
    fresh memory that FreeContextBuffer releases.  Otherwise the caller's
    memory must be large enough (BadBufferError(too_small=True) if not); a
    ``bytes`` object, being immutable, is replaced by a bytearray copy of the
    same capacity (Python cannot write into it).
    """
    n = len(data)
    if allocate:
        mem = bytearray(data)
        buf.pvBuffer = mem
        buf.cbBuffer = n
        return mem
    pv = buf.pvBuffer
    if pv is None or len(pv) < n:
        raise BadBufferError(too_small=True)
    if isinstance(pv, bytes) or (isinstance(pv, memoryview) and pv.readonly):
        mem = bytearray(pv)
        mem[:n] = data
        buf.pvBuffer = mem
    else:
        pv[:n] = data
    buf.cbBuffer = n
    return None
