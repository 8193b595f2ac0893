"""Windows' EncryptMessage layout of Kerberos wrap tokens, in pure Python.

A GSS wrap token is one byte string; Windows' Kerberos package cuts the same
token into the caller's buffers: the header (and whatever the enctype needs
in front of the data) goes into the ``SECBUFFER_TOKEN`` buffer, the
ciphertext stays in the ``SECBUFFER_DATA`` buffers at the same length, and
padding (RC4 only) goes into ``SECBUFFER_PADDING``.  ``TOKEN || DATA ||
PADDING`` is a standard token.  This module knows those layouts; it reads
and rewrites token bytes and imports neither gssapi nor anything above it.

RFC 4121 ("CFX", the AES enctypes) wrap token::

    0      2      3      4    6     8         16
    | 0504 | flags| 0xFF | EC | RRC | SND_SEQ | body ...

``flags``: 1 SentByAcceptor, 2 Sealed, 4 AcceptorSubkey.  With
confidentiality the (unrotated) body is ``E(confounder | data | filler(EC) |
header copy) | checksum``, without it ``data | checksum`` (EC then holds the
checksum length).  RRC ("right rotation count") says by how many bytes the
body was rotated right, i.e. how many bytes of its end were moved to its
front.  ``gss_wrap`` writes RRC 0; Windows writes RRC = 16 + checksum length
(28 for AES-SHA1) with confidentiality and RRC = checksum length without, so
that the whole trailer sits in the TOKEN buffer and the ciphertext lines up
with the caller's DATA buffer (MS-KILE 3.4.5.4.1, measured in DESIGN.md §3:
a 60-byte AES-SHA1 header).  DCE-style contexts also put 16 filler bytes in
(EC = 16) and rotate by RRC + EC while writing only RRC into the header — a
Windows quirk that MIT reproduces ("Workaround for Windows bug where it
rotates by EC + RRC", k5sealv3iov.c); the TOKEN buffer is then 76 bytes.

RFC 1964 / RFC 4757 (RC4-HMAC) wrap token: a DER ``[APPLICATION 0]`` framing
with the krb5 mechanism OID, then 32 bytes (TOK_ID 0201, SGN_ALG, SEAL_ALG,
filler, encrypted SND_SEQ, checksum, confounder), then the data, then one
padding byte.  The framing length covers the data too, so the header is 45
to 49 bytes depending on the message length; DCE style counts only the
header in that length and has no padding (45 bytes).
"""

from __future__ import annotations

from typing import Final, NamedTuple, Optional, Tuple, Union

__all__ = [
    "CFX_FLAG_ACCEPTOR_SUBKEY",
    "CFX_FLAG_SEALED",
    "CFX_FLAG_SENT_BY_ACCEPTOR",
    "CFX_HEADER_LEN",
    "CfxHeader",
    "V1Header",
    "cfx_checksum_size",
    "cfx_rrc",
    "cfx_wrap_header_size",
    "der_length_size",
    "expected_plaintext_length",
    "is_cfx",
    "normalize_cfx",
    "parse_cfx_header",
    "parse_v1_header",
    "plaintext_offset",
    "rotate_left",
    "rotate_right",
    "split_cfx_token",
    "v1_mic_size",
    "v1_wrap_header_size",
    "windows_cfx_header",
]

Bytes = Union[bytes, bytearray, memoryview]

CFX_HEADER_LEN: Final = 16
CFX_TOK_WRAP: Final = b"\x05\x04"
CFX_TOK_MIC: Final = b"\x04\x04"
CFX_FLAG_SENT_BY_ACCEPTOR: Final = 0x01
CFX_FLAG_SEALED: Final = 0x02
CFX_FLAG_ACCEPTOR_SUBKEY: Final = 0x04
CFX_CONFOUNDER: Final = 16  # one AES block
CFX_DCE_EC: Final = 16  # the filler DCE-style contexts always add

# RFC 3962 / RFC 8009: the truncated HMAC that ends every CFX token.
_CFX_CHECKSUM: Final = {17: 12, 18: 12, 19: 16, 20: 24}

# RFC 1964 framing: 0x60, DER length, 06 09 <1.2.840.113554.1.2.2>, then the
# token body.  The body of a wrap token starts with 32 fixed bytes for RC4.
_KRB5_OID_TLV: Final = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
_V1_WRAP_FIXED: Final = 32  # TOK_ID 2 + SGN/SEAL/filler 6 + SND_SEQ 8 + cksum 8 + confounder 8
_V1_MIC_FIXED: Final = 24  # TOK_ID 2 + SGN/filler 6 + SND_SEQ 8 + cksum 8


def cfx_checksum_size(enctype: int) -> Optional[int]:
    """Checksum length of the RFC 4121 token of ``enctype``; None if not a CFX enctype."""
    return _CFX_CHECKSUM.get(enctype)


def is_cfx(enctype: int) -> bool:
    """Whether ``enctype``'s per-message tokens are RFC 4121 tokens."""
    return enctype in _CFX_CHECKSUM


def cfx_rrc(cksum: int, sealed: bool) -> int:
    """The RRC Windows writes: 16 + checksum sealed, the checksum length otherwise.

    (DCE style writes the same value and rotates 16 bytes more.)
    """
    return CFX_HEADER_LEN + cksum if sealed else cksum


def cfx_wrap_header_size(cksum: int, sealed: bool, dce: bool) -> int:
    """Size of the TOKEN buffer EncryptMessage writes for an RFC 4121 enctype."""
    if not sealed:
        return CFX_HEADER_LEN + cksum
    ec = CFX_DCE_EC if dce else 0
    return CFX_HEADER_LEN + CFX_CONFOUNDER + ec + CFX_HEADER_LEN + cksum


def der_length_size(length: int) -> int:
    """Bytes a DER definite length takes (short form below 128)."""
    if length < 0x80:
        return 1
    return 1 + (length.bit_length() + 7) // 8


def _v1_framing(body: int) -> int:
    inner = len(_KRB5_OID_TLV) + body
    return 1 + der_length_size(inner) + len(_KRB5_OID_TLV)


def v1_wrap_header_size(data_len: int, dce: bool) -> int:
    """TOKEN size for an RFC 1964 (RC4) wrap token over ``data_len`` bytes of DATA.

    Non-DCE, the DER length counts confounder, data and the padding byte, so
    the header grows from 45 (< 84 data bytes) to 49 bytes (>= 16 MiB).
    """
    tail = 0 if dce else data_len + 1
    return _v1_framing(_V1_WRAP_FIXED + tail) + _V1_WRAP_FIXED


def v1_mic_size() -> int:
    """An RFC 1964 (RC4) MIC token: 37 bytes."""
    return _v1_framing(_V1_MIC_FIXED) + _V1_MIC_FIXED


class CfxHeader(NamedTuple):
    tok_id: bytes
    flags: int
    ec: int
    rrc: int
    seq: int

    @property
    def sealed(self) -> bool:
        return bool(self.flags & CFX_FLAG_SEALED)


def parse_cfx_header(buf: Bytes) -> Optional[CfxHeader]:
    """The RFC 4121 wrap-token header at the start of ``buf``, or None if it is not one."""
    if len(buf) < CFX_HEADER_LEN:
        return None
    head = bytes(buf[:CFX_HEADER_LEN])
    if head[:2] != CFX_TOK_WRAP or head[3] != 0xFF or head[2] & ~0x07:
        return None
    return CfxHeader(head[:2], head[2], int.from_bytes(head[4:6], "big"),
                     int.from_bytes(head[6:8], "big"), int.from_bytes(head[8:16], "big"))


class V1Header(NamedTuple):
    framing: int  # bytes of DER framing (0x60, length, OID)
    der_length: int  # the length the framing declares (after the length bytes)
    tok_id: bytes
    sealed: bool

    @property
    def header_len(self) -> int:
        """Framing plus the fixed 32 bytes of a wrap token: where the data starts."""
        return self.framing + _V1_WRAP_FIXED


def parse_v1_header(buf: Bytes) -> Optional[V1Header]:
    """The RFC 1964 framing and token id at the start of ``buf``, or None."""
    head = bytes(buf[:16])
    if len(head) < 2 or head[0] != 0x60:
        return None
    first = head[1]
    if first < 0x80:
        length, pos = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(head) < 2 + count:
            return None
        length, pos = int.from_bytes(head[2:2 + count], "big"), 2 + count
    oid_end = pos + len(_KRB5_OID_TLV)
    if bytes(buf[pos:oid_end]) != _KRB5_OID_TLV or len(buf) < oid_end + 6:
        return None
    tok_id = bytes(buf[oid_end:oid_end + 2])
    seal_alg = bytes(buf[oid_end + 4:oid_end + 6])
    return V1Header(oid_end, length, tok_id, seal_alg != b"\xff\xff")


def rotate_right(data: Bytes, count: int) -> bytes:
    """``data`` with its last ``count`` bytes (modulo its length) moved to the front."""
    n = len(data)
    if n == 0:
        return b""
    count %= n
    if count == 0:
        return bytes(data)
    return bytes(data[n - count:]) + bytes(data[:n - count])


def rotate_left(data: Bytes, count: int) -> bytes:
    """The inverse of :func:`rotate_right`."""
    n = len(data)
    if n == 0:
        return b""
    return rotate_right(data, n - count % n)


def windows_cfx_header(token: Bytes, cksum: int) -> Tuple[bytes, int]:
    """Split a ``gss_wrap`` token (RRC 0) into Windows' TOKEN bytes and the data offset.

    Returns ``(token_buffer_bytes, data_offset)``: the bytes EncryptMessage
    puts in the TOKEN buffer (header with RRC rewritten, the rotated trailer,
    and for sealed tokens the encrypted confounder), and where in ``token``
    the DATA buffer's bytes start (their length is the message length).
    Raises ValueError if ``token`` is not an RRC-0 CFX wrap token.
    """
    head = parse_cfx_header(token)
    if head is None or head.rrc != 0:
        raise ValueError("not an RFC 4121 wrap token with RRC 0")
    if head.sealed:
        trailer = head.ec + CFX_HEADER_LEN + cksum
        lead = CFX_HEADER_LEN + CFX_CONFOUNDER
    else:
        if head.ec != cksum:
            raise ValueError("integrity-only token whose EC is not the checksum length")
        trailer = cksum
        lead = CFX_HEADER_LEN
    if len(token) < lead + trailer:
        raise ValueError("token shorter than its header and trailer")
    rrc = trailer.to_bytes(2, "big")
    out = b"".join((bytes(token[:6]), rrc, bytes(token[8:CFX_HEADER_LEN]),
                    bytes(token[len(token) - trailer:]), bytes(token[CFX_HEADER_LEN:lead])))
    return out, lead


def split_cfx_token(token: Bytes, cksum: int) -> Tuple[bytes, bytes]:
    """``(TOKEN, DATA)`` of Windows' layout for an RRC-0 token (see windows_cfx_header)."""
    head, lead = windows_cfx_header(token, cksum)
    data_len = len(token) - len(head)
    return head, bytes(token[lead:lead + data_len])


def _effective_rotation(head: CfxHeader, dce: bool) -> int:
    # DCE style: Windows rotates by RRC + EC but writes RRC (sealed tokens only).
    return head.rrc + head.ec if dce and head.sealed else head.rrc


def normalize_cfx(token: Bytes, dce: bool) -> bytearray:
    """The same token with RRC 0, its body rotated back: what any ``gss_unwrap`` accepts.

    Needed for DCE-style tokens, whose rotation MIT's plain unwrap does not
    undo correctly; others can be passed rotated.  Raises ValueError if the
    header is not a CFX wrap header.
    """
    head = parse_cfx_header(token)
    if head is None:
        raise ValueError("not an RFC 4121 wrap token")
    body = memoryview(token)[CFX_HEADER_LEN:] if not isinstance(token, memoryview) \
        else token[CFX_HEADER_LEN:]
    out = bytearray(token[:CFX_HEADER_LEN])
    out[6:8] = b"\x00\x00"
    out += rotate_left(body, _effective_rotation(head, dce))
    return out


def expected_plaintext_length(head: CfxHeader, total: int, cksum: int) -> Optional[int]:
    """How many plaintext bytes a CFX token of ``total`` bytes unwraps to (None if too short)."""
    if head.sealed:
        overhead = CFX_HEADER_LEN + CFX_CONFOUNDER + head.ec + CFX_HEADER_LEN + cksum
    else:
        overhead = CFX_HEADER_LEN + cksum
    length = total - overhead
    return length if length >= 0 else None


def plaintext_offset(token: Bytes, plain_len: int, dce: bool) -> int:
    """Where in a whole token (a STREAM buffer) Windows leaves the decrypted data.

    Windows decrypts in place, so the plaintext lands where the ciphertext
    was: right after the TOKEN part for tokens in its own layout (60 for
    AES-SHA1), after header and confounder (32) for an RRC-0 ``gss_wrap``
    token, after the fixed header for RC4.  Falls back to the end of the
    token when the rotation split the data (no contiguous place exists).
    """
    total = len(token)
    fallback = max(0, total - plain_len)
    head = parse_cfx_header(token)
    if head is not None:
        body = total - CFX_HEADER_LEN
        if body <= 0:
            return fallback
        start = CFX_CONFOUNDER if head.sealed else 0
        pos = (start + _effective_rotation(head, dce)) % body
        if pos + plain_len > body:
            return fallback
        return CFX_HEADER_LEN + pos
    v1 = parse_v1_header(token)
    if v1 is not None and v1.header_len + plain_len <= total:
        return v1.header_len
    return fallback
