"""MakeSignature, VerifySignature, EncryptMessage and DecryptMessage (NTLM).

Windows behaviour reproduced (the same pages, MS-NLMP 3.4):

* EncryptMessage seals the ``SECBUFFER_DATA`` buffers in place, at the same
  length (RC4 is a stream cipher), and writes the 16-byte NTLM signature
  (version, checksum, sequence number) into the ``SECBUFFER_TOKEN`` buffer,
  whose ``cbBuffer`` becomes 16; a ``SECBUFFER_PADDING`` buffer gets
  ``cbBuffer`` 0.  ``TOKEN || DATA`` is exactly what gss-ntlmssp's
  ``gss_wrap`` produces (signature then sealed data, DESIGN.md §3), so any
  NTLM peer (SSPI, gss-ntlmssp, pyspnego) unseals it.
* Several DATA buffers form one message (sealed as one RC4 stream, signed
  together); ``SECBUFFER_READONLY`` DATA buffers are left out.
* ``fQOP`` ``SECQOP_WRAP_NO_ENCRYPT`` is accepted and the message is sealed
  all the same: NTLM always encrypts (pywin32's sspi demo says so of
  Windows, and gss-ntlmssp's ``gss_wrap`` ignores ``conf_req_flag`` too), so
  DecryptMessage unseals it and reports ``pfQOP`` 0.
* DecryptMessage takes ``[TOKEN, DATA...]``, or ``[STREAM, DATA]`` with the
  whole message in STREAM: it is unsealed in place inside STREAM and the
  DATA buffer is set to describe the plaintext there (``pvBuffer`` a
  memoryview into STREAM's memory, ``cbBuffer`` its length).
* MakeSignature writes the 16-byte signature over the DATA buffers (those
  flagged ``SECBUFFER_READONLY_WITH_CHECKSUM`` included) into TOKEN;
  VerifySignature checks it.
* Failures: a tampered message or signature, or one out of order,
  ``SEC_E_MESSAGE_ALTERED`` (NTLM's sequence number is inside the checksum,
  so gss-ntlmssp cannot tell the two apart); a TOKEN under 16 bytes
  ``SEC_E_BUFFER_TOO_SMALL`` (Encrypt/MakeSignature) or
  ``SEC_E_INVALID_TOKEN`` (Decrypt/Verify); no TOKEN or DATA buffer
  ``SEC_E_INVALID_TOKEN``; an unfinished context ``SEC_E_INVALID_HANDLE``.
  On failure no caller buffer is changed.  After a tampered message the
  context stays usable (both RC4 states stay in step: measured); after a
  lost or reordered message it does not, since NTLM seals with one RC4
  stream per direction (Windows' NTLM neither recovers).

Differences:

* ``SECBUFFER_READONLY_WITH_CHECKSUM`` buffers cannot be combined with
  sealing (gss-ntlmssp has no ``gss_wrap_iov``): EncryptMessage and
  DecryptMessage with such a buffer answer ``SEC_E_UNSUPPORTED_FUNCTION``.
* ``MessageSeqNo`` is ignored: connection-oriented NTLM keeps its own
  sequence numbers, as on Windows.
* ``bytes`` (immutable) ``pvBuffer`` objects cannot be written in place: a
  buffer that must be written gets a ``bytearray`` copy of the same
  capacity holding the result.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Tuple

from .. import _status as s
from .. import gss
from .._constants import (
    SECBUFFER_ATTRMASK,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
    SECQOP_WRAP_NO_ENCRYPT,
)
from .._misuse import MisuseError
from .._status import SECURITY_STATUS
from .._types import ULONG, SecBuffer, SecBufferDesc
from ..mapping.status import gss_to_status

__all__ = ["SIGNATURE_SIZE", "decrypt_message", "encrypt_message", "make_signature",
           "verify_signature"]

SIGNATURE_SIZE = 16
_TYPE_MASK = ~SECBUFFER_ATTRMASK & 0xFFFFFFFF


class _RejectError(Exception):
    def __init__(self, status: SECURITY_STATUS) -> None:
        super().__init__(str(status))
        self.status = status


class _Message(NamedTuple):
    token: Any
    stream: Any
    padding: Any
    parts: List[Tuple[Any, memoryview, bool]]  # (buffer, view, checksummed-only)


def _check(qop: Any, message: Any, seqno: Any, qop_out: Any = None) -> None:
    for value, what in ((qop, "fQOP"), (seqno, "MessageSeqNo")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MisuseError(f"{what} must be an int, not {type(value).__name__}")
    if message is not None and not isinstance(message, SecBufferDesc):
        raise MisuseError(f"pMessage must be a SecBufferDesc, not {type(message).__name__}")
    if qop_out is not None and not isinstance(qop_out, ULONG):
        raise MisuseError(f"pfQOP must be a ULONG or None, not {type(qop_out).__name__}")


def _view(buf: Any) -> memoryview:
    pv, cb = buf.pvBuffer, buf.cbBuffer
    if isinstance(cb, bool) or not isinstance(cb, int) or cb < 0:
        raise _RejectError(s.SEC_E_INVALID_TOKEN)
    if pv is None:
        if cb:
            raise _RejectError(s.SEC_E_INVALID_TOKEN)
        return memoryview(b"")
    try:
        if isinstance(pv, (bytes, bytearray)):
            mv = memoryview(pv)
        elif isinstance(pv, memoryview):
            mv = pv if pv.format == "B" and pv.ndim == 1 else pv.cast("B")
        else:
            raise _RejectError(s.SEC_E_INVALID_TOKEN)
        if cb > mv.nbytes:
            raise _RejectError(s.SEC_E_INVALID_TOKEN)
        return mv[:cb]
    except (ValueError, TypeError):
        raise _RejectError(s.SEC_E_INVALID_TOKEN) from None


def _writable(buf: Any) -> memoryview:
    """The whole buffer memory, writable (immutable memory becomes a bytearray copy)."""
    pv = buf.pvBuffer
    if isinstance(pv, bytearray):
        return memoryview(pv)
    if isinstance(pv, memoryview) and not pv.readonly:
        return pv if pv.format == "B" and pv.ndim == 1 else pv.cast("B")
    copy = bytearray(pv if pv is not None else b"")
    buf.pvBuffer = copy
    return memoryview(copy)


def _parse(message: Any) -> _Message:
    if message is None:
        raise _RejectError(s.SEC_E_INVALID_TOKEN)
    token = stream = padding = None
    parts: List[Tuple[Any, memoryview, bool]] = []
    for buf in list(message.pBuffers):
        if not isinstance(buf, SecBuffer):
            raise MisuseError(f"SecBufferDesc holds SecBuffer objects, not {type(buf).__name__}")
        btype = buf.BufferType
        if isinstance(btype, bool) or not isinstance(btype, int):
            raise _RejectError(s.SEC_E_INVALID_TOKEN)
        kind = btype & _TYPE_MASK
        if kind == SECBUFFER_DATA:
            if btype & SECBUFFER_READONLY_WITH_CHECKSUM:
                parts.append((buf, _view(buf), True))
            elif not btype & SECBUFFER_READONLY:
                parts.append((buf, _view(buf), False))
        elif kind == SECBUFFER_TOKEN and token is None:
            token = buf
        elif kind == SECBUFFER_STREAM and stream is None:
            stream = buf
        elif kind == SECBUFFER_PADDING and padding is None:
            padding = buf
    return _Message(token, stream, padding, parts)


def _ready(ctx: Any) -> Optional[SECURITY_STATUS]:
    if ctx.failed or not ctx.complete or ctx.gss is None:
        return s.SEC_E_INVALID_HANDLE
    return None


def _status(failure: gss.GssFailure) -> SECURITY_STATUS:
    return gss_to_status(failure.major, failure.minor, False)


def _joined(parts: List[Tuple[Any, memoryview, bool]], checksummed: bool) -> bytes:
    return b"".join(view for _, view, only in parts if checksummed or not only)


def _spread(parts: List[Tuple[Any, memoryview, bool]], data: bytes) -> None:
    """Write ``data`` back over the sealable DATA parts, each at its length."""
    offset = 0
    for buf, view, only in parts:
        if only:
            continue
        n = len(view)
        if n:
            _writable(buf)[:n] = data[offset:offset + n]
        buf.cbBuffer = n
        offset += n


# --- EncryptMessage / DecryptMessage ---------------------------------------------


def encrypt_message(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                    ) -> SECURITY_STATUS:
    """EncryptMessage (NTLM): 16-byte signature into TOKEN, DATA sealed in place."""
    _check(qop, message, seqno)
    if qop not in (0, SECQOP_WRAP_NO_ENCRYPT):
        return s.SEC_E_QOP_NOT_SUPPORTED
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        msg = _parse(message)
        if msg.token is None or not msg.parts:
            return s.SEC_E_INVALID_TOKEN
        if len(_view(msg.token)) < SIGNATURE_SIZE:
            return s.SEC_E_BUFFER_TOO_SMALL
    except _RejectError as rejected:
        return rejected.status
    if any(only for _, _, only in msg.parts):
        return s.SEC_E_UNSUPPORTED_FUNCTION
    data = _joined(msg.parts, False)
    try:
        out, _ = gss.wrap(ctx.gss, data, True)
    except gss.GssFailure as failure:
        return _status(failure)
    if len(out) != SIGNATURE_SIZE + len(data):
        return s.SEC_E_INTERNAL_ERROR  # not gss-ntlmssp's layout
    _writable(msg.token)[:SIGNATURE_SIZE] = out[:SIGNATURE_SIZE]
    msg.token.cbBuffer = SIGNATURE_SIZE
    _spread(msg.parts, out[SIGNATURE_SIZE:])
    if msg.padding is not None:
        msg.padding.cbBuffer = 0
    return s.SEC_E_OK


def decrypt_message(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                    ) -> SECURITY_STATUS:
    """DecryptMessage (NTLM): ``[TOKEN, DATA...]`` or ``[STREAM, DATA]``, in place."""
    _check(0, message, seqno, qop_out)
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        msg = _parse(message)
        if any(only for _, _, only in msg.parts):
            return s.SEC_E_UNSUPPORTED_FUNCTION
        if msg.stream is not None:
            targets = [p for p in msg.parts if not p[2]]
            whole = _view(msg.stream)
            if not targets or len(whole) < SIGNATURE_SIZE:
                return s.SEC_E_INVALID_TOKEN
            try:
                plain, _, _ = gss.unwrap(ctx.gss, whole.tobytes())
            except gss.GssFailure as failure:
                return _status(failure)
            memory = _writable(msg.stream)
            end = SIGNATURE_SIZE + len(plain)
            memory[SIGNATURE_SIZE:end] = plain
            data_buf = targets[0][0]
            data_buf.pvBuffer = memory[SIGNATURE_SIZE:end]
            data_buf.cbBuffer = len(plain)
        else:
            if msg.token is None or not msg.parts:
                return s.SEC_E_INVALID_TOKEN
            token = _view(msg.token)
            if len(token) < SIGNATURE_SIZE:
                return s.SEC_E_INVALID_TOKEN
            data = _joined(msg.parts, False)
            try:
                plain, _, _ = gss.unwrap(ctx.gss, token.tobytes() + data)
            except gss.GssFailure as failure:
                return _status(failure)
            if len(plain) != len(data):
                return s.SEC_E_INVALID_TOKEN
            _spread(msg.parts, plain)
    except _RejectError as rejected:
        return rejected.status
    if qop_out is not None:
        qop_out.value = 0
    return s.SEC_E_OK


# --- MakeSignature / VerifySignature -----------------------------------------------


def make_signature(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                   ) -> SECURITY_STATUS:
    """MakeSignature (NTLM): the 16-byte signature over the DATA buffers, into TOKEN."""
    _check(qop, message, seqno)
    if qop:
        return s.SEC_E_QOP_NOT_SUPPORTED
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        msg = _parse(message)
        if msg.token is None or not msg.parts:
            return s.SEC_E_INVALID_TOKEN
        if len(_view(msg.token)) < SIGNATURE_SIZE:
            return s.SEC_E_BUFFER_TOO_SMALL
    except _RejectError as rejected:
        return rejected.status
    try:
        mic = gss.get_mic(ctx.gss, _joined(msg.parts, True))
    except gss.GssFailure as failure:
        return _status(failure)
    _writable(msg.token)[:len(mic)] = mic
    msg.token.cbBuffer = len(mic)
    return s.SEC_E_OK


def verify_signature(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                     ) -> SECURITY_STATUS:
    """VerifySignature (NTLM): check the TOKEN buffer's signature over the DATA buffers."""
    _check(0, message, seqno, qop_out)
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        msg = _parse(message)
        if msg.token is None or not msg.parts:
            return s.SEC_E_INVALID_TOKEN
        mic = _view(msg.token).tobytes()
    except _RejectError as rejected:
        return rejected.status
    if len(mic) != SIGNATURE_SIZE:
        return s.SEC_E_INVALID_TOKEN
    try:
        gss.verify_mic(ctx.gss, _joined(msg.parts, True), mic)
    except gss.GssFailure as failure:
        return _status(failure)
    if qop_out is not None:
        qop_out.value = 0
    return s.SEC_E_OK
