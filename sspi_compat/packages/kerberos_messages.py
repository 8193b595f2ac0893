"""MakeSignature, VerifySignature, EncryptMessage and DecryptMessage (Kerberos).

Windows behaviour reproduced (EncryptMessage (Kerberos), DecryptMessage
(Kerberos), MakeSignature, VerifySignature pages; MS-KILE 3.4.5.4; the
layouts measured in DESIGN.md §3):

* EncryptMessage seals the ``SECBUFFER_DATA`` buffers in place, at the same
  length, and writes the token header into the ``SECBUFFER_TOKEN`` buffer,
  whose ``cbBuffer`` shrinks to what was written (60 bytes for AES-SHA1, 64
  for AES128-SHA256, 72 for AES256-SHA384, 76/80/88 for DCE-style contexts,
  45-49 for RC4); RC4 also writes one byte into ``SECBUFFER_PADDING``
  (``cbBuffer`` 0 for AES).  ``TOKEN || DATA || PADDING`` is a standard
  RFC 4121 / RFC 4757 wrap token, so any GSSAPI peer unwraps it.
* Buffer order does not matter (``[TOKEN, DATA]``, ``[DATA, TOKEN]``,
  ``[TOKEN, DATA, PADDING]``); several DATA buffers form one message;
  ``SECBUFFER_EMPTY`` and unknown buffers are ignored; a DATA buffer flagged
  ``SECBUFFER_READONLY_WITH_CHECKSUM`` is signed but neither encrypted nor
  decrypted (DCE RPC headers), one flagged ``SECBUFFER_READONLY`` is left
  out entirely.
* ``fQOP`` 0 encrypts, ``SECQOP_WRAP_NO_ENCRYPT`` (``KERB_WRAP_NO_ENCRYPT``)
  signs only; DecryptMessage reports the same in ``pfQOP``.
* DecryptMessage takes ``[TOKEN, DATA(, PADDING)]`` in Windows' layout or
  any other split of a token, or ``[STREAM, DATA]`` with the whole token in
  STREAM: it is decrypted in place inside STREAM and the DATA buffer is set
  to describe the plaintext there (``pvBuffer`` a memoryview into STREAM's
  memory, ``cbBuffer`` its length), as on Windows.
* MakeSignature writes the MIC (28/32/40 bytes for AES, 37 for RC4) into the
  TOKEN buffer over all DATA buffers; VerifySignature checks it.
* Failures: tampering ``SEC_E_MESSAGE_ALTERED``; a replayed, reordered or
  missing message ``SEC_E_OUT_OF_SEQUENCE`` (as the context's REPLAY /
  SEQUENCE flags ask; without them GSS accepts it, as Windows does); a
  context past its lifetime ``SEC_E_CONTEXT_EXPIRED`` (checked here: MIT
  does not); garbage ``SEC_E_INVALID_TOKEN``; a TOKEN (or PADDING) buffer
  too small for what must be written, or DATA buffers too small for the
  plaintext, ``SEC_E_BUFFER_TOO_SMALL``; no TOKEN or DATA buffer
  ``SEC_E_INVALID_TOKEN``.  On failure no caller buffer is changed, and the
  context stays usable.

Differences:

* ``MessageSeqNo`` is ignored, as Windows' Kerberos package does (it keeps
  its own sequence numbers).
* ``fQOP`` values other than 0 and ``SECQOP_WRAP_NO_ENCRYPT`` answer
  ``SEC_E_QOP_NOT_SUPPORTED`` (Wine's choice; Windows' is not documented).
  MakeSignature with ``SECQOP_WRAP_NO_ENCRYPT`` answers
  ``SEC_E_INVALID_TOKEN``, as Windows was reported to (dotnet/runtime#103461).
* ``bytes`` (immutable) ``pvBuffer`` objects cannot be written in place: a
  buffer that must be written gets a ``bytearray`` copy of the same
  capacity holding the result.
* RC4 (non-DCE) needs somewhere to put its padding byte: without a
  ``SECBUFFER_PADDING`` buffer of at least one byte EncryptMessage answers
  ``SEC_E_BUFFER_TOO_SMALL``.
* A header that parses but fails GSS's consistency check (a tampered
  sequence number, EC or RRC) is reported as ``SEC_E_MESSAGE_ALTERED``
  where MIT says "defective token", since Windows treats every checksum
  mismatch as alteration.

Speed (DESIGN.md §7): the common layouts (one TOKEN, one DATA, optionally an
empty PADDING, ``bytearray`` memory, AES, not DCE) take a fast path that is
one ``gss_wrap``/``gss_unwrap`` plus slicing; everything else goes through the
general path, which uses ``gss_wrap_iov``/``gss_unwrap_iov`` where plain
wrap cannot express the layout (DCE style, RC4 DCE, signed-only buffers).
The four entry points repeat their first steps inline (the context's cached
layout, the exported-context and expiry checks, the ``[TOKEN, DATA]``
classification) instead of calling a shared helper: one measured 50-110 ns
more per call, about 1% of a 100-byte Encrypt+Decrypt and 3% of a
Sign+Verify, on a budget already at its limit.  Change them together.
"""

from __future__ import annotations

import struct
import time
from typing import Any, List, NamedTuple, Optional, Tuple, Union

from .. import _status as s
from .. import gss
from .._constants import (
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_TOKEN,
    SECQOP_WRAP_NO_ENCRYPT,
)
from .._status import SECURITY_STATUS
from .._types import ULONG, SecBufferDesc
from ..mapping import wrap_layout as wl
from ..mapping.enctypes import enctype_info
from ..mapping.flags import GSS_C_DCE_STYLE
from ..mapping.status import GSS_S_DEFECTIVE_TOKEN, ROUTINE_MASK, gss_to_status
from . import _message_buffers as mb
from ._message_buffers import Message, Part, RejectedError

__all__ = ["decrypt_message", "encrypt_message", "make_signature", "verify_signature"]

_OK = s.SEC_E_OK
_INVALID_HANDLE = s.SEC_E_INVALID_HANDLE
_INVALID_TOKEN = s.SEC_E_INVALID_TOKEN
_EXPIRED = s.SEC_E_CONTEXT_EXPIRED
_TOO_SMALL = s.SEC_E_BUFFER_TOO_SMALL
_ALTERED = s.SEC_E_MESSAGE_ALTERED
_QOP = s.SEC_E_QOP_NOT_SUPPORTED

_time = time.time
# Typed loosely: the hot paths hand them bytearrays, which python-gssapi takes.
_wrap: Any = gss.wrap
_unwrap: Any = gss.unwrap
_get_mic: Any = gss.get_mic
_verify_mic: Any = gss.verify_mic
_GssFailure = gss.GssFailure

_BIG = 4096  # above this, slice through a memoryview instead of copying twice


class _Layout(NamedTuple):
    """What a context's enctype means for message layouts (cached per context)."""

    cfx: bool  # RFC 4121 tokens (the AES enctypes)
    v1: bool  # RFC 1964 / 4757 tokens (RC4)
    dce: bool  # DCE-style context
    fast: bool  # plain gss_wrap + rotation gives Windows' layout
    cksum: int  # CFX checksum length
    hl_sealed: int  # TOKEN size, encrypted (CFX only; else 0: GSS sizes it)
    hl_integ: int  # TOKEN size, integrity only (CFX only)
    rrc_sealed: bytes
    rrc_integ: bytes
    mic_size: int  # 0 = unknown
    # Writers of Windows' TOKEN from an RRC-0 token's pieces (header bytes 0-6,
    # the new RRC, header bytes 8-16, the trailer, the confounder), straight
    # into the caller's memory: cheaper than joining and slice-assigning.
    pack_sealed: Any = None
    pack_integ: Any = None


def _prepare(ctx: Any) -> Union[_Layout, SECURITY_STATUS]:
    """The context's layout facts (computed once, when first used complete),
    or SEC_E_INVALID_HANDLE for a context that is not established."""
    if ctx.failed or not ctx.complete or ctx.gss is None:
        return _INVALID_HANDLE
    # Any GSS context class works (a Negotiate context over Kerberos, say): an
    # unknown enctype takes the general path, where GSS sizes everything.
    enctype = getattr(ctx, "enctype", 0)
    dce = bool(getattr(ctx, "gss_flags", 0) & GSS_C_DCE_STYLE)
    cksum = wl.cfx_checksum_size(enctype)
    if cksum is not None:
        rrc_sealed, rrc_integ = wl.cfx_rrc(cksum, True), wl.cfx_rrc(cksum, False)
        lay = _Layout(True, False, dce, not dce, cksum,
                      wl.cfx_wrap_header_size(cksum, True, dce),
                      wl.cfx_wrap_header_size(cksum, False, dce),
                      rrc_sealed.to_bytes(2, "big"), rrc_integ.to_bytes(2, "big"),
                      enctype_info(enctype).mic_size,
                      struct.Struct(f"6s2s8s{rrc_sealed}s16s"),
                      struct.Struct(f"6s2s8s{rrc_integ}s"))
    else:
        v1 = enctype == 23
        lay = _Layout(False, v1, dce, False, 0, 0, 0, b"", b"",
                      wl.v1_mic_size() if v1 else 0)
    ctx.msg_layout = lay
    return lay


# --- failures ------------------------------------------------------------------


def _failure_status(failure: Any, token: Any = None, *, incoming: bool = False,
                    ) -> SECURITY_STATUS:
    # ``incoming``: GSS was reading the peer's token (Decrypt/Verify), so a
    # bare GSS_S_FAILURE (Heimdal's answer to some garbage) is a bad token.
    status = gss_to_status(failure.major, failure.minor, False, consumed_token=incoming,
                           per_message=incoming)
    if (token is not None and failure.major & ROUTINE_MASK == GSS_S_DEFECTIVE_TOKEN
            and wl.parse_cfx_header(token) is not None and len(token) > wl.CFX_HEADER_LEN):
        # A well-formed header GSS found inconsistent after the checksum
        # step (tampered SND_SEQ, EC or RRC): Windows calls that alteration.
        return _ALTERED
    return status


# --- buffers -----------------------------------------------------------------------


def _signed_data(parts: List[Part]) -> bytes:
    if len(parts) == 1:
        return parts[0][1].tobytes()
    return b"".join(view for _, view, _ in parts)


def _distribute(parts: List[Part], plain: Any) -> None:
    """Write ``plain`` across the DATA parts in order; each cbBuffer becomes its share."""
    offset = 0
    total = len(plain)
    for buf, view, sign in parts:
        if sign:
            continue
        take = min(len(view), total - offset)
        if take:
            mb.put(buf, memoryview(plain)[offset:offset + take] if take > _BIG
                 else plain[offset:offset + take])
        buf.cbBuffer = take
        offset += take


def _capacity(parts: List[Part]) -> int:
    return sum(len(view) for _, view, sign in parts if not sign)


def _set_qop(qop_out: Any, encrypted: bool) -> None:
    if qop_out is not None:
        qop_out.value = 0 if encrypted else SECQOP_WRAP_NO_ENCRYPT


# --- EncryptMessage ----------------------------------------------------------------


def _fast_pair(buffers: Any) -> Tuple[Any, Any, Any]:
    """(TOKEN, DATA, PADDING or None) for the layouts the fast paths take, else Nones.

    Taken: ``[TOKEN, DATA]``, ``[DATA, TOKEN]`` and ``[TOKEN, DATA, PADDING]``
    with the exact buffer types (no attribute flags).
    """
    try:
        count = len(buffers)
        if count == 2:
            first, second = buffers
            if first.BufferType == SECBUFFER_TOKEN and second.BufferType == SECBUFFER_DATA:
                return first, second, None
            if first.BufferType == SECBUFFER_DATA and second.BufferType == SECBUFFER_TOKEN:
                return second, first, None
        elif count == 3:
            first, second, third = buffers
            if (first.BufferType == SECBUFFER_TOKEN and second.BufferType == SECBUFFER_DATA
                    and third.BufferType == SECBUFFER_PADDING):
                return first, second, third
    except (AttributeError, TypeError):
        pass
    return None, None, None


def encrypt_message(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                    ) -> SECURITY_STATUS:
    """EncryptMessage (Kerberos): seal the DATA buffers in place, header into TOKEN."""
    if type(qop) is not int or type(message) is not SecBufferDesc or type(seqno) is not int:
        mb.check_args(qop, message, seqno)
        if message is None:
            return _INVALID_TOKEN  # a NULL pMessage
    if qop == 0:
        conf = True
    elif qop == SECQOP_WRAP_NO_ENCRYPT:
        conf = False
    else:
        return _QOP
    g = ctx.gss
    try:
        lay = ctx.msg_layout
    except AttributeError:
        lay = _prepare(ctx)
        if type(lay) is not _Layout:
            return lay  # type: ignore[return-value]
    if g is None:
        return _INVALID_HANDLE  # exported with SECPKG_CONTEXT_EXPORT_DELETE_OLD
    expiry = ctx.expiry
    if expiry is not None and _time() >= expiry:
        return _EXPIRED
    tok = None
    if lay.fast:
        # Fast path (DESIGN.md §7): one gss_wrap, the trailer rotated into
        # TOKEN by slicing, the ciphertext copied back over DATA.
        bufs = message.pBuffers
        pad_buf = None
        try:
            if len(bufs) == 2:
                tok_buf, data_buf = bufs
                if tok_buf.BufferType != SECBUFFER_TOKEN:
                    tok_buf, data_buf = data_buf, tok_buf
                if tok_buf.BufferType != SECBUFFER_TOKEN or data_buf.BufferType != SECBUFFER_DATA:
                    tok_buf = None
            else:
                tok_buf, data_buf, pad_buf = _fast_pair(bufs)
        except AttributeError:  # not a SecBuffer: mb.parse says so
            tok_buf = None
        if tok_buf is not None:
            dpv = data_buf.pvBuffer
            tpv = tok_buf.pvBuffer
            tcb = tok_buf.cbBuffer
            need = lay.hl_sealed if conf else lay.hl_integ
            if (type(dpv) is bytearray and type(tpv) is bytearray and type(tcb) is int
                    and data_buf.cbBuffer == len(dpv) and need <= tcb <= len(tpv)):
                try:
                    tok, _ = _wrap(g, dpv, conf)
                except _GssFailure as failure:
                    return _failure_status(failure)
                n = len(dpv)
                if len(tok) == need + n:  # always, with MIT's EC 0
                    if conf:
                        lay.pack_sealed.pack_into(tpv, 0, tok[:6], lay.rrc_sealed, tok[8:16],
                                                  tok[32 + n:], tok[16:32])
                        dpv[:] = tok[32:32 + n] if n <= _BIG else memoryview(tok)[32:32 + n]
                    else:
                        lay.pack_integ.pack_into(tpv, 0, tok[:6], lay.rrc_integ, tok[8:16],
                                                 tok[16 + n:])
                    tok_buf.cbBuffer = need
                    if pad_buf is not None:
                        pad_buf.cbBuffer = 0
                    return _OK
    try:
        return _encrypt_general(ctx, lay, conf, mb.parse(message), tok)
    except RejectedError as rejected:
        return rejected.status


def _encrypt_general(ctx: Any, lay: _Layout, conf: bool, msg: Message,
                     token: Optional[bytes] = None) -> SECURITY_STATUS:
    """Any layout.  ``token``: a gss_wrap result the fast path already has."""
    tok_buf, parts = msg.token, msg.parts
    if tok_buf is None or not parts:
        return _INVALID_TOKEN
    room = len(mb.view(tok_buf))
    pad_room = len(mb.view(msg.padding)) if msg.padding is not None else 0
    g = ctx.gss
    sign_only = any(sign for _, _, sign in parts)
    if lay.cfx and not lay.dce and not sign_only:
        if room < (lay.hl_sealed if conf else lay.hl_integ):
            return _TOO_SMALL
        if token is None:
            try:
                token, _ = _wrap(g, _signed_data(parts), conf)
            except _GssFailure as failure:
                return _failure_status(failure)
        try:
            header, lead = wl.windows_cfx_header(token, lay.cksum)
        except ValueError:
            return s.SEC_E_INTERNAL_ERROR
        if room < len(header):
            return _TOO_SMALL  # unreachable with MIT (EC 0); the message is spent
        mb.put(tok_buf, header)
        tok_buf.cbBuffer = len(header)
        if conf:
            _distribute(parts, memoryview(token)[lead:len(token) - len(header) + lead])
        if msg.padding is not None:
            msg.padding.cbBuffer = 0
        return _OK

    # General: gss_wrap_iov, which lays out DCE style, RC4 and signed-only
    # buffers the way Windows does.
    # CFX writes no padding (its filler is in the header): Heimdal's DCE-style
    # gss_wrap_iov refuses a PADDING buffer (EINVAL), so it is not given one.
    with_padding = msg.padding is not None and not (lay.cfx and lay.dce and _DCE_BY_IOV)
    if lay.v1 and not lay.dce and not with_padding:
        return _TOO_SMALL  # RC4's padding byte has no buffer (see Differences)
    iov_parts = [(sign, view.tobytes()) for _, view, sign in parts]
    try:
        need_header, need_padding = gss.wrap_iov_length(g, iov_parts, conf, with_padding)
        if room < need_header or (with_padding and pad_room < need_padding):
            return _TOO_SMALL
        header, outputs, padding, _ = gss.wrap_iov(g, iov_parts, conf, with_padding)
    except _GssFailure as failure:
        return _failure_status(failure)
    mb.put(tok_buf, header)
    tok_buf.cbBuffer = len(header)
    for (buf, _, sign), out in zip(parts, outputs):
        if not sign:
            mb.put(buf, out)
    if with_padding:
        mb.put(msg.padding, padding)
        msg.padding.cbBuffer = len(padding)
    elif msg.padding is not None:
        msg.padding.cbBuffer = 0
    return _OK


# --- DecryptMessage ----------------------------------------------------------------


def decrypt_message(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                    ) -> SECURITY_STATUS:
    """DecryptMessage (Kerberos): unseal in place; pfQOP says whether it was encrypted."""
    if type(message) is not SecBufferDesc or type(seqno) is not int:
        mb.check_args(0, message, seqno)
        if message is None:
            return _INVALID_TOKEN
    if qop_out is not None and type(qop_out) is not ULONG:
        mb.check_qop_out(qop_out)
    g = ctx.gss
    try:
        lay = ctx.msg_layout
    except AttributeError:
        lay = _prepare(ctx)
        if type(lay) is not _Layout:
            return lay  # type: ignore[return-value]
    if g is None:
        return _INVALID_HANDLE  # exported with SECPKG_CONTEXT_EXPORT_DELETE_OLD
    expiry = ctx.expiry
    if expiry is not None and _time() >= expiry:
        return _EXPIRED
    if lay.fast:
        # Fast path: TOKEN || DATA in Windows' layout (TOKEN exactly the
        # header size), one gss_unwrap, the plaintext copied back over DATA.
        bufs = message.pBuffers
        pad_buf = None
        try:
            if len(bufs) == 2:
                tok_buf, data_buf = bufs
                if tok_buf.BufferType != SECBUFFER_TOKEN:
                    tok_buf, data_buf = data_buf, tok_buf
                if tok_buf.BufferType != SECBUFFER_TOKEN or data_buf.BufferType != SECBUFFER_DATA:
                    tok_buf = None
            else:
                tok_buf, data_buf, pad_buf = _fast_pair(bufs)
        except AttributeError:
            tok_buf = None
        if tok_buf is not None and (pad_buf is None or pad_buf.cbBuffer == 0):
            dpv = data_buf.pvBuffer
            tpv = tok_buf.pvBuffer
            tcb = tok_buf.cbBuffer
            if (type(dpv) is bytearray and type(tpv) is bytearray
                    and (tcb == lay.hl_sealed or tcb == lay.hl_integ)
                    and data_buf.cbBuffer == len(dpv) and tcb <= len(tpv)):
                sealed_size = tcb == lay.hl_sealed
                if len(dpv) > _BIG and tpv[6:8] == (lay.rrc_sealed if sealed_size
                                                    else lay.rrc_integ):
                    # Large: rotate back to RRC 0 in the one copy that joins
                    # TOKEN and DATA, sparing MIT a second pass over the data.
                    tail = tcb - (32 if sealed_size else 16)
                    full = bytearray().join((tpv[:6], b"\0\0", tpv[8:16], tpv[16 + tail:tcb],
                                             dpv, tpv[16:16 + tail]))
                else:
                    full = (tpv if tcb == len(tpv) else tpv[:tcb]) + dpv
                try:
                    plain, encrypted, _ = _unwrap(g, full)
                except _GssFailure as failure:
                    return _failure_status(failure, full, incoming=True)
                if len(plain) == len(dpv):
                    dpv[:] = plain
                    if qop_out is not None:
                        qop_out.value = 0 if encrypted else SECQOP_WRAP_NO_ENCRYPT
                    return _OK
                if len(plain) > len(dpv):
                    return _TOO_SMALL
                dpv[:len(plain)] = plain
                data_buf.cbBuffer = len(plain)
                _set_qop(qop_out, encrypted)
                return _OK
    try:
        msg = mb.parse(message)
        if msg.stream is not None:
            return _decrypt_stream(ctx, lay, msg, qop_out)
        return _decrypt_token(ctx, lay, msg, qop_out)
    except RejectedError as rejected:
        return rejected.status


# Heimdal's library: a DCE-style message goes back through gss_unwrap_iov, the
# call that wrote it (normalize_cfx rebuilds MIT's gss_wrap form, which
# Heimdal's gss_unwrap refuses as altered for DCE contexts). Decided once.
_DCE_BY_IOV = gss.is_heimdal()


def _normalized(lay: _Layout, full: bytearray) -> bytearray:
    if lay.cfx and lay.dce and wl.parse_cfx_header(full) is not None:
        return wl.normalize_cfx(full, True)
    return full


def _decrypt_token(ctx: Any, lay: _Layout, msg: Message, qop_out: Any) -> SECURITY_STATUS:
    tok_buf, parts = msg.token, msg.parts
    if tok_buf is None or not parts:
        return _INVALID_TOKEN
    token = mb.view(tok_buf)
    padding = mb.view(msg.padding) if msg.padding is not None else None
    sign_only = any(sign for _, _, sign in parts)
    room = _capacity(parts)
    g = ctx.gss
    if not sign_only and not (lay.v1 and lay.dce) and not (lay.dce and _DCE_BY_IOV):
        full = bytearray(token)
        for _, view, _ in parts:
            full += view
        if padding is not None:
            full += padding
        full = _normalized(lay, full)
        if lay.cfx:
            head = wl.parse_cfx_header(full)
            expected = wl.expected_plaintext_length(head, len(full), lay.cksum) \
                if head is not None else None
            if expected is not None and expected > room:
                return _TOO_SMALL
        altered_check = bytes(full[:wl.CFX_HEADER_LEN + 1])
        try:
            plain, encrypted, _ = _unwrap(g, full)
        except _GssFailure as failure:
            return _failure_status(failure, altered_check if lay.cfx else None, incoming=True)
        if len(plain) > room:
            return _TOO_SMALL
        _distribute(parts, plain)
        _set_qop(qop_out, encrypted)
        return _OK

    # gss_unwrap_iov: signed-only buffers, RC4 in DCE style, DCE style on Heimdal.
    iov_parts = [(sign, view.tobytes()) for _, view, sign in parts]
    pad: Optional[bytes] = None
    if padding is not None and not (lay.cfx and lay.dce and _DCE_BY_IOV):
        pad = padding.tobytes()  # (CFX has none: Heimdal's DCE style refuses the buffer)
    if lay.v1 and not lay.dce and pad:
        # RFC 1964 unwrap_iov wants the padding at the end of the last DATA part.
        last = max(i for i, (_, _, sign) in enumerate(parts) if not sign) \
            if any(not sign for _, _, sign in parts) else None
        if last is not None:
            iov_parts[last] = (False, iov_parts[last][1] + pad)
            pad = b""
    try:
        outputs, encrypted, _ = gss.unwrap_iov(g, token.tobytes(), iov_parts, pad)
    except _GssFailure as failure:
        return _failure_status(failure, token.tobytes() if lay.cfx else None, incoming=True)
    for (buf, view, sign), out in zip(parts, outputs):
        if not sign:
            # RFC 1964's padding came from the PADDING buffer: not the caller's data.
            out = out[:len(view)]
            mb.put(buf, out)
            buf.cbBuffer = len(out)
    _set_qop(qop_out, encrypted)
    return _OK


def _decrypt_stream(ctx: Any, lay: _Layout, msg: Message, qop_out: Any) -> SECURITY_STATUS:
    stream_buf = msg.stream
    targets = [p for p in msg.parts if not p[2]]
    if not targets:
        return _INVALID_TOKEN
    data_buf = targets[0][0]
    stream = mb.view(stream_buf)
    token = stream.tobytes()
    sign_only = any(sign for _, _, sign in msg.parts)
    g = ctx.gss
    if not sign_only and not (lay.v1 and lay.dce) and not (lay.dce and _DCE_BY_IOV):
        full = _normalized(lay, bytearray(token))
        try:
            plain, encrypted, _ = _unwrap(g, full)
        except _GssFailure as failure:
            return _failure_status(failure, token if lay.cfx else None, incoming=True)
    else:
        # Split the stream into header and data for gss_unwrap_iov.
        if lay.cfx:
            head = wl.parse_cfx_header(token)
            expected = wl.expected_plaintext_length(head, len(token), lay.cksum) \
                if head is not None else None
            if head is None or expected is None:
                return _INVALID_TOKEN
            start = wl.plaintext_offset(token, expected, lay.dce)
            if start + expected != len(token):
                return _INVALID_TOKEN  # an RRC-0 token cannot go through unwrap_iov
            header, body = token[:start], token[start:]
        else:
            v1 = wl.parse_v1_header(token)
            if v1 is None:
                return _INVALID_TOKEN
            header, body = token[:v1.header_len], token[v1.header_len:]
        selected = [p for p in msg.parts if p[2] or p[0] is data_buf]
        iov_parts = [(sign, body if buf is data_buf else view.tobytes())
                     for buf, view, sign in selected]
        index = [p[0] for p in selected].index(data_buf)
        try:
            outputs, encrypted, _ = gss.unwrap_iov(g, header, iov_parts,
                                                   b"" if lay.v1 and not lay.dce else None)
        except _GssFailure as failure:
            return _failure_status(failure, token if lay.cfx else None, incoming=True)
        plain = outputs[index]
        if lay.v1 and not lay.dce and plain and 0 < plain[-1] <= min(8, len(plain)):
            plain = plain[:-plain[-1]]  # the RFC 1964 padding stays in the stream
    offset = wl.plaintext_offset(token, len(plain), lay.dce)
    memory = mb.writable(stream_buf)
    if len(plain):
        memory[offset:offset + len(plain)] = plain
    data_buf.pvBuffer = memory[offset:offset + len(plain)]
    data_buf.cbBuffer = len(plain)
    _set_qop(qop_out, encrypted)
    return _OK


# --- MakeSignature / VerifySignature -----------------------------------------------


def make_signature(pkg: Any, ctx: Any, qop: Any, message: Any, seqno: Any,
                   ) -> SECURITY_STATUS:
    """MakeSignature (Kerberos): the MIC over the DATA buffers, into the TOKEN buffer."""
    if type(qop) is not int or type(message) is not SecBufferDesc or type(seqno) is not int:
        mb.check_args(qop, message, seqno)
        if message is None:
            return _INVALID_TOKEN
    if qop:
        if qop == SECQOP_WRAP_NO_ENCRYPT:
            return _INVALID_TOKEN  # what Windows answers (dotnet/runtime#103461)
        return _QOP
    g = ctx.gss
    try:
        lay = ctx.msg_layout
    except AttributeError:
        lay = _prepare(ctx)
        if type(lay) is not _Layout:
            return lay  # type: ignore[return-value]
    if g is None:
        return _INVALID_HANDLE  # exported with SECPKG_CONTEXT_EXPORT_DELETE_OLD
    expiry = ctx.expiry
    if expiry is not None and _time() >= expiry:
        return _EXPIRED
    bufs = message.pBuffers
    tok_buf = None
    try:
        if len(bufs) == 2:
            tok_buf, data_buf = bufs
            if tok_buf.BufferType != SECBUFFER_TOKEN:
                tok_buf, data_buf = data_buf, tok_buf
            if tok_buf.BufferType != SECBUFFER_TOKEN or data_buf.BufferType != SECBUFFER_DATA:
                tok_buf = None
    except AttributeError:  # not a SecBuffer: mb.parse says so
        tok_buf = None
    if tok_buf is not None:
        dpv = data_buf.pvBuffer
        tpv = tok_buf.pvBuffer
        tcb = tok_buf.cbBuffer
        if (type(dpv) is bytearray and type(tpv) is bytearray and type(tcb) is int
                and data_buf.cbBuffer == len(dpv) and 0 < lay.mic_size <= tcb <= len(tpv)):
            try:
                mic = _get_mic(g, dpv)
            except _GssFailure as failure:
                return _failure_status(failure)
            tpv[:len(mic)] = mic
            tok_buf.cbBuffer = len(mic)
            return _OK
    try:
        msg = mb.parse(message)
        if msg.token is None or not msg.parts:
            return _INVALID_TOKEN
        room = len(mb.view(msg.token))
        if room < lay.mic_size:
            return _TOO_SMALL
        try:
            mic = _get_mic(g, _signed_data(msg.parts))
        except _GssFailure as failure:
            return _failure_status(failure)
        if room < len(mic):
            return _TOO_SMALL  # unknown enctype only: the sequence number is spent
        mb.put(msg.token, mic)
        msg.token.cbBuffer = len(mic)
        return _OK
    except RejectedError as rejected:
        return rejected.status


def verify_signature(pkg: Any, ctx: Any, message: Any, seqno: Any, qop_out: Any,
                     ) -> SECURITY_STATUS:
    """VerifySignature (Kerberos): check the TOKEN buffer's MIC over the DATA buffers."""
    if type(message) is not SecBufferDesc or type(seqno) is not int:
        mb.check_args(0, message, seqno)
        if message is None:
            return _INVALID_TOKEN
    if qop_out is not None and type(qop_out) is not ULONG:
        mb.check_qop_out(qop_out)
    g = ctx.gss
    try:
        lay = ctx.msg_layout
    except AttributeError:
        lay = _prepare(ctx)
        if type(lay) is not _Layout:
            return lay  # type: ignore[return-value]
    if g is None:
        return _INVALID_HANDLE  # exported with SECPKG_CONTEXT_EXPORT_DELETE_OLD
    expiry = ctx.expiry
    if expiry is not None and _time() >= expiry:
        return _EXPIRED
    bufs = message.pBuffers
    tok_buf = None
    try:
        if len(bufs) == 2:
            tok_buf, data_buf = bufs
            if tok_buf.BufferType != SECBUFFER_TOKEN:
                tok_buf, data_buf = data_buf, tok_buf
            if tok_buf.BufferType != SECBUFFER_TOKEN or data_buf.BufferType != SECBUFFER_DATA:
                tok_buf = None
    except AttributeError:  # not a SecBuffer: mb.parse says so
        tok_buf = None
    if tok_buf is not None:
        dpv = data_buf.pvBuffer
        tpv = tok_buf.pvBuffer
        tcb = tok_buf.cbBuffer
        if (type(dpv) is bytearray and type(tpv) is bytearray and type(tcb) is int
                and data_buf.cbBuffer == len(dpv) and 0 <= tcb <= len(tpv)):
            try:
                _verify_mic(g, dpv, tpv if tcb == len(tpv) else tpv[:tcb])
            except _GssFailure as failure:
                return _failure_status(failure, incoming=True)
            if qop_out is not None:
                qop_out.value = 0
            return _OK
    try:
        msg = mb.parse(message)
        if msg.token is None or not msg.parts:
            return _INVALID_TOKEN
        mic = mb.view(msg.token).tobytes()
        try:
            _verify_mic(g, _signed_data(msg.parts), mic)
        except _GssFailure as failure:
            return _failure_status(failure, incoming=True)
        if qop_out is not None:
            qop_out.value = 0
        return _OK
    except RejectedError as rejected:
        return rejected.status
