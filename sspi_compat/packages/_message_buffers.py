"""The buffer handling MakeSignature, VerifySignature, EncryptMessage and
DecryptMessage share across packages (:mod:`.kerberos_messages`,
:mod:`.ntlm_messages`).

A message is the caller's ``SecBufferDesc``; :func:`parse` sorts its
buffers as every package reads them (Windows' rules, the EncryptMessage /
DecryptMessage pages):

* ``SECBUFFER_DATA`` buffers form the message, in order; one flagged
  ``SECBUFFER_READONLY_WITH_CHECKSUM`` is signed only, one flagged
  ``SECBUFFER_READONLY`` is left out;
* the first ``SECBUFFER_TOKEN``, ``SECBUFFER_STREAM`` and
  ``SECBUFFER_PADDING`` buffers are the token, stream and padding; further
  ones, ``SECBUFFER_EMPTY`` and unknown types are ignored.

A buffer whose ``cbBuffer`` lies about its memory, or a layout a call
cannot use, raises :class:`RejectedError` carrying the status to return
(``SEC_E_INVALID_TOKEN``); something that is not a ``SecBuffer`` in the
descriptor is Python misuse.  Nothing here writes before the package knows
the call succeeds: :func:`writable` and :func:`put` are for the results.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple, Tuple

from .. import _status as s
from .._constants import (
    SECBUFFER_ATTRMASK,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
)
from .._misuse import MisuseError
from .._status import SECURITY_STATUS
from .._types import ULONG, SecBuffer, SecBufferDesc

__all__ = ["Message", "Part", "RejectedError", "check_args", "check_qop_out", "parse", "put",
           "view", "writable"]

_TYPE_MASK = ~SECBUFFER_ATTRMASK & 0xFFFFFFFF
_INVALID_TOKEN = s.SEC_E_INVALID_TOKEN

#: (the DATA buffer, a view of its first cbBuffer bytes, signed only)
Part = Tuple[Any, memoryview, bool]


class RejectedError(Exception):
    """A buffer or layout the call cannot use; carries the status to return."""

    def __init__(self, status: SECURITY_STATUS) -> None:
        super().__init__(str(status))
        self.status = status


class Message(NamedTuple):
    token: Any  # the SecBuffer, or None
    stream: Any
    padding: Any
    parts: List[Part]  # the DATA buffers, in order


def check_args(qop: Any, message: Any, seqno: Any) -> None:
    """``fQOP`` and ``MessageSeqNo`` ints, ``pMessage`` a SecBufferDesc or None (MisuseError)."""
    if isinstance(qop, bool) or not isinstance(qop, int):
        raise MisuseError(f"fQOP must be an int, not {type(qop).__name__}")
    if isinstance(seqno, bool) or not isinstance(seqno, int):
        raise MisuseError(f"MessageSeqNo must be an int, not {type(seqno).__name__}")
    if message is not None and not isinstance(message, SecBufferDesc):
        raise MisuseError(f"pMessage must be a SecBufferDesc, not {type(message).__name__}")


def check_qop_out(qop_out: Any) -> None:
    """``pfQOP`` a ULONG or None (MisuseError)."""
    if qop_out is not None and not isinstance(qop_out, ULONG):
        raise MisuseError(f"pfQOP must be a ULONG or None, not {type(qop_out).__name__}")


def view(buf: Any) -> memoryview:
    """The first cbBuffer bytes of a buffer, as a byte memoryview (no copy)."""
    pv = buf.pvBuffer
    cb = buf.cbBuffer
    if isinstance(cb, bool) or not isinstance(cb, int) or cb < 0:
        raise RejectedError(_INVALID_TOKEN)
    if pv is None:
        if cb:
            raise RejectedError(_INVALID_TOKEN)
        return memoryview(b"")
    try:
        if isinstance(pv, (bytes, bytearray)):
            mv = memoryview(pv)
        elif isinstance(pv, memoryview):
            mv = pv if pv.format == "B" and pv.ndim == 1 else pv.cast("B")
        else:
            raise RejectedError(_INVALID_TOKEN)
        if cb > mv.nbytes:
            raise RejectedError(_INVALID_TOKEN)
        return mv[:cb]
    except (ValueError, TypeError):  # released, non-contiguous or odd memoryviews
        raise RejectedError(_INVALID_TOKEN) from None


def writable(buf: Any) -> memoryview:
    """A writable byte view of the whole buffer memory; immutable memory is
    replaced by a bytearray copy of the same capacity (call only after success)."""
    pv = buf.pvBuffer
    if isinstance(pv, bytearray):
        return memoryview(pv)
    if isinstance(pv, memoryview) and not pv.readonly:
        return pv if pv.format == "B" and pv.ndim == 1 else pv.cast("B")
    copy = bytearray(pv if pv is not None else b"")
    buf.pvBuffer = copy
    return memoryview(copy)


def put(buf: Any, data: Any, offset: int = 0) -> None:
    """Write ``data`` into the buffer's memory at ``offset`` (cbBuffer unchanged)."""
    n = len(data)
    if n:
        writable(buf)[offset:offset + n] = data


def parse(message: Any) -> Message:
    """Sort a SecBufferDesc's buffers (see the module docstring)."""
    if message is None:
        raise RejectedError(_INVALID_TOKEN)
    token = stream = padding = None
    parts: List[Part] = []
    try:
        buffers = list(message.pBuffers)
    except TypeError:
        raise RejectedError(_INVALID_TOKEN) from None
    for buf in buffers:
        if not isinstance(buf, SecBuffer):
            raise MisuseError(f"SecBufferDesc holds SecBuffer objects, not {type(buf).__name__}")
        btype = buf.BufferType
        if isinstance(btype, bool) or not isinstance(btype, int):
            raise RejectedError(_INVALID_TOKEN)
        kind = btype & _TYPE_MASK
        if kind == SECBUFFER_DATA:
            if btype & SECBUFFER_READONLY_WITH_CHECKSUM:
                parts.append((buf, view(buf), True))
            elif not btype & SECBUFFER_READONLY:
                parts.append((buf, view(buf), False))
        elif kind == SECBUFFER_TOKEN and token is None:
            token = buf
        elif kind == SECBUFFER_STREAM and stream is None:
            stream = buf
        elif kind == SECBUFFER_PADDING and padding is None:
            padding = buf
    return Message(token, stream, padding, parts)
