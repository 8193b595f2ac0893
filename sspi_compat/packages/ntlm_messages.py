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

from typing import Any, List, Optional, Union

from .. import _status as s
from .. import gss
from .._constants import SECQOP_WRAP_NO_ENCRYPT
from .._status import SECURITY_STATUS
from ..mapping.status import gss_to_status
from . import _message_buffers as mb
from ._message_buffers import Message, Part, RejectedError

__all__ = ["SIGNATURE_SIZE", "decrypt_message", "encrypt_message", "make_signature",
           "verify_signature"]

SIGNATURE_SIZE = 16


def _ready(ctx: Any) -> Optional[SECURITY_STATUS]:
    if ctx.failed or not ctx.complete or ctx.gss is None:
        return s.SEC_E_INVALID_HANDLE
    return None


def _outgoing(ctx: Any, message: Any) -> Union[Message, SECURITY_STATUS]:
    """EncryptMessage / MakeSignature: the parsed message, or the status that
    refuses it (context not ready, no TOKEN or DATA, TOKEN under 16 bytes)."""
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        msg = mb.parse(message)
        if msg.token is None or not msg.parts:
            return s.SEC_E_INVALID_TOKEN
        if len(mb.view(msg.token)) < SIGNATURE_SIZE:
            return s.SEC_E_BUFFER_TOO_SMALL
    except RejectedError as rejected:
        return rejected.status
    return msg


def _incoming(ctx: Any, message: Any, seqno: Any, qop_out: Any,
              ) -> Union[Message, SECURITY_STATUS]:
    """DecryptMessage / VerifySignature: the parsed message, or the status that
    refuses it (context not ready, unusable descriptor)."""
    mb.check_args(0, message, seqno)
    mb.check_qop_out(qop_out)
    bad = _ready(ctx)
    if bad is not None:
        return bad
    try:
        return mb.parse(message)
    except RejectedError as rejected:
        return rejected.status


def _status(failure: gss.GssFailure, incoming: bool = False) -> SECURITY_STATUS:
    # ``incoming``: GSS was reading the peer's token, so a bare GSS_S_FAILURE
    # is a bad token (as for Kerberos, kerberos_messages._failure_status).
    return gss_to_status(failure.major, failure.minor, False, consumed_token=incoming)


def _joined(parts: List[Part], checksummed: bool) -> bytes:
    return b"".join(view for _, view, only in parts if checksummed or not only)


def _spread(parts: List[Part], data: bytes) -> None:
    """Write ``data`` back over the sealable DATA parts, each at its length."""
    offset = 0
    for buf, view, only in parts:
        if only:
            continue
        n = len(view)
        if n:
            mb.writable(buf)[:n] = data[offset:offset + n]
        buf.cbBuffer = n
        offset += n


# --- EncryptMessage / DecryptMessage ---------------------------------------------


def encrypt_message(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                    ) -> SECURITY_STATUS:
    """EncryptMessage (NTLM): 16-byte signature into TOKEN, DATA sealed in place."""
    mb.check_args(qop, message, seqno)
    if qop not in (0, SECQOP_WRAP_NO_ENCRYPT):
        return s.SEC_E_QOP_NOT_SUPPORTED
    msg = _outgoing(ctx, message)
    if not isinstance(msg, Message):
        return msg
    if any(only for _, _, only in msg.parts):
        return s.SEC_E_UNSUPPORTED_FUNCTION
    data = _joined(msg.parts, False)
    try:
        out, _ = gss.wrap(ctx.gss, data, True)
    except gss.GssFailure as failure:
        return _status(failure)
    if len(out) != SIGNATURE_SIZE + len(data):
        return s.SEC_E_INTERNAL_ERROR  # not gss-ntlmssp's layout
    mb.writable(msg.token)[:SIGNATURE_SIZE] = out[:SIGNATURE_SIZE]
    msg.token.cbBuffer = SIGNATURE_SIZE
    _spread(msg.parts, out[SIGNATURE_SIZE:])
    if msg.padding is not None:
        msg.padding.cbBuffer = 0
    return s.SEC_E_OK


def decrypt_message(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                    ) -> SECURITY_STATUS:
    """DecryptMessage (NTLM): ``[TOKEN, DATA...]`` or ``[STREAM, DATA]``, in place."""
    msg = _incoming(ctx, message, seqno, qop_out)
    if not isinstance(msg, Message):
        return msg
    try:
        if any(only for _, _, only in msg.parts):
            return s.SEC_E_UNSUPPORTED_FUNCTION
        if msg.stream is not None:
            targets = [p for p in msg.parts if not p[2]]
            whole = mb.view(msg.stream)
            if not targets or len(whole) < SIGNATURE_SIZE:
                return s.SEC_E_INVALID_TOKEN
            try:
                plain, _, _ = gss.unwrap(ctx.gss, whole.tobytes())
            except gss.GssFailure as failure:
                return _status(failure, incoming=True)
            memory = mb.writable(msg.stream)
            end = SIGNATURE_SIZE + len(plain)
            memory[SIGNATURE_SIZE:end] = plain
            data_buf = targets[0][0]
            data_buf.pvBuffer = memory[SIGNATURE_SIZE:end]
            data_buf.cbBuffer = len(plain)
        else:
            if msg.token is None or not msg.parts:
                return s.SEC_E_INVALID_TOKEN
            token = mb.view(msg.token)
            if len(token) < SIGNATURE_SIZE:
                return s.SEC_E_INVALID_TOKEN
            data = _joined(msg.parts, False)
            try:
                plain, _, _ = gss.unwrap(ctx.gss, token.tobytes() + data)
            except gss.GssFailure as failure:
                return _status(failure, incoming=True)
            if len(plain) != len(data):
                return s.SEC_E_INVALID_TOKEN
            _spread(msg.parts, plain)
    except RejectedError as rejected:
        return rejected.status
    if qop_out is not None:
        qop_out.value = 0
    return s.SEC_E_OK


# --- MakeSignature / VerifySignature -----------------------------------------------


def make_signature(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                   ) -> SECURITY_STATUS:
    """MakeSignature (NTLM): the 16-byte signature over the DATA buffers, into TOKEN."""
    mb.check_args(qop, message, seqno)
    if qop:
        return s.SEC_E_QOP_NOT_SUPPORTED
    msg = _outgoing(ctx, message)
    if not isinstance(msg, Message):
        return msg
    try:
        mic = gss.get_mic(ctx.gss, _joined(msg.parts, True))
    except gss.GssFailure as failure:
        return _status(failure)
    mb.writable(msg.token)[:len(mic)] = mic
    msg.token.cbBuffer = len(mic)
    return s.SEC_E_OK


def verify_signature(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                     ) -> SECURITY_STATUS:
    """VerifySignature (NTLM): check the TOKEN buffer's signature over the DATA buffers."""
    msg = _incoming(ctx, message, seqno, qop_out)
    if not isinstance(msg, Message):
        return msg
    try:
        if msg.token is None or not msg.parts:
            return s.SEC_E_INVALID_TOKEN
        mic = mb.view(msg.token).tobytes()
    except RejectedError as rejected:
        return rejected.status
    if len(mic) != SIGNATURE_SIZE:
        return s.SEC_E_INVALID_TOKEN
    try:
        gss.verify_mic(ctx.gss, _joined(msg.parts, True), mic)
    except gss.GssFailure as failure:
        return _status(failure, incoming=True)
    if qop_out is not None:
        qop_out.value = 0
    return s.SEC_E_OK
