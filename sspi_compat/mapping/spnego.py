"""SPNEGO tokens (RFC 4178, with Microsoft's NegTokenInit2 of MS-SPNG): DER in and out.

Pure Python, no gssapi: the Negotiate package builds and reads these tokens
and runs the inner mechanism (Kerberos, NTLM) through GSS itself.

Wire forms::

    initial token   [APPLICATION 0] { OID 1.3.6.1.5.5.2, [0] NegTokenInit }
    later tokens    [1] NegTokenResp

    NegTokenInit  ::= SEQUENCE { mechTypes [0] SEQUENCE OF OID,
                                 reqFlags [1] BIT STRING OPTIONAL,
                                 mechToken [2] OCTET STRING OPTIONAL,
                                 mechListMIC [3] OCTET STRING OPTIONAL }
    NegTokenInit2 ::= the same with negHints [3] SEQUENCE and mechListMIC [4]
    NegTokenResp  ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL,
                                 supportedMech [1] OID OPTIONAL,
                                 responseToken [2] OCTET STRING OPTIONAL,
                                 mechListMIC [3] OCTET STRING OPTIONAL }

The mechListMIC is computed over the DER ``SEQUENCE OF OID`` of mechTypes
exactly as the initiator sent it (:attr:`NegTokenInit.mech_types_der`).

:func:`decode` reads any byte string and either returns a token or raises
:class:`SpnegoError` (a ValueError) -- never anything else, whatever the
input (``tests/property/test_spnego_tokens.py``).  It is strict where MIT's
decoder is strict: definite lengths only, fields in order, nothing after the
token.  A NegTokenResp wrapped in the ``[APPLICATION 0]`` header (old Sun
SPNEGO) is accepted, as MIT accepts it.
"""

from __future__ import annotations

from typing import Final, List, NamedTuple, Optional, Sequence, Tuple, Union

__all__ = [
    "ACCEPT_COMPLETED",
    "ACCEPT_INCOMPLETE",
    "KRB5_ALIASES",
    "OID_KRB5",
    "OID_MS_KRB5",
    "OID_NTLM",
    "OID_SPNEGO",
    "REJECT",
    "REQUEST_MIC",
    "NegTokenInit",
    "NegTokenResp",
    "SpnegoError",
    "decode",
    "decode_oid",
    "encode_init",
    "encode_mech_types",
    "encode_oid",
    "encode_resp",
    "raw_mechanism",
]

OID_SPNEGO: Final = "1.3.6.1.5.5.2"
OID_KRB5: Final = "1.2.840.113554.1.2.2"
OID_MS_KRB5: Final = "1.2.840.48018.1.2.2"  # what Windows lists first
OID_KRB5_OLD: Final = "1.3.5.1.5.2"  # pre-RFC 1964 draft
OID_NTLM: Final = "1.3.6.1.4.1.311.2.2.10"
KRB5_ALIASES: Final = frozenset({OID_KRB5, OID_MS_KRB5, OID_KRB5_OLD})

# negState
ACCEPT_COMPLETED: Final = 0
ACCEPT_INCOMPLETE: Final = 1
REJECT: Final = 2
REQUEST_MIC: Final = 3

_MAX_OID_BYTES = 128
_NTLMSSP_SIGNATURE = b"NTLMSSP\x00"


class SpnegoError(ValueError):
    """The bytes are not a well-formed SPNEGO token."""


class NegTokenInit(NamedTuple):
    mech_types: Tuple[str, ...]
    mech_types_der: bytes  # the SEQUENCE OF OID as sent (what mechListMIC covers)
    mech_token: Optional[bytes]
    mech_list_mic: Optional[bytes]


class NegTokenResp(NamedTuple):
    neg_state: Optional[int]
    supported_mech: Optional[str]
    response_token: Optional[bytes]
    mech_list_mic: Optional[bytes]


# --- DER encoding -----------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def encode_oid(dotted: str) -> bytes:
    """The DER contents of an OBJECT IDENTIFIER (without tag and length)."""
    try:
        arcs = [int(a) for a in dotted.split(".")]
    except ValueError:
        raise SpnegoError(f"not an OID: {dotted!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise SpnegoError(f"not an OID: {dotted!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def decode_oid(content: bytes) -> str:
    """Dotted form of DER OID contents; SpnegoError if malformed."""
    if not content or len(content) > _MAX_OID_BYTES or content[-1] & 0x80:
        raise SpnegoError("malformed OID")
    arcs: List[int] = []
    value = 0
    start = True
    for byte in content:
        if start and byte == 0x80:
            raise SpnegoError("non-minimal OID arc")
        value = (value << 7) | (byte & 0x7F)
        start = not byte & 0x80
        if start:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def encode_mech_types(mech_types: Sequence[str]) -> bytes:
    """DER ``SEQUENCE OF OID``: the mechTypes field, and what mechListMIC covers."""
    return _tlv(0x30, b"".join(_tlv(0x06, encode_oid(m)) for m in mech_types))


def encode_init(mech_types: Sequence[str], mech_token: Optional[bytes] = None,
                mech_list_mic: Optional[bytes] = None) -> bytes:
    """The initiator's first token: ``[APPLICATION 0]`` + SPNEGO OID + NegTokenInit."""
    fields = _tlv(0xA0, encode_mech_types(mech_types))
    if mech_token is not None:
        fields += _tlv(0xA2, _tlv(0x04, mech_token))
    if mech_list_mic is not None:
        fields += _tlv(0xA3, _tlv(0x04, mech_list_mic))
    inner = _tlv(0x06, encode_oid(OID_SPNEGO)) + _tlv(0xA0, _tlv(0x30, fields))
    return _tlv(0x60, inner)


def encode_resp(neg_state: Optional[int] = None, supported_mech: Optional[str] = None,
                response_token: Optional[bytes] = None,
                mech_list_mic: Optional[bytes] = None) -> bytes:
    """A NegTokenResp, ``[1]``-tagged, as every token after the first."""
    fields = b""
    if neg_state is not None:
        fields += _tlv(0xA0, _tlv(0x0A, bytes([neg_state])))
    if supported_mech is not None:
        fields += _tlv(0xA1, _tlv(0x06, encode_oid(supported_mech)))
    if response_token is not None:
        fields += _tlv(0xA2, _tlv(0x04, response_token))
    if mech_list_mic is not None:
        fields += _tlv(0xA3, _tlv(0x04, mech_list_mic))
    return _tlv(0xA1, _tlv(0x30, fields))


# --- DER decoding -----------------------------------------------------------------


class _Reader:
    """Bounded TLV reading over ``data[pos:end]``."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: Optional[int] = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def done(self) -> bool:
        return self.pos >= self.end

    def peek(self) -> int:
        if self.pos >= self.end:
            raise SpnegoError("truncated token")
        return self.data[self.pos]

    def tlv(self) -> Tuple[int, int, int]:
        """(tag, content start, content end); advances past the element."""
        if self.end - self.pos < 2:
            raise SpnegoError("truncated token")
        tag = self.data[self.pos]
        if tag & 0x1F == 0x1F:
            raise SpnegoError("multi-byte tags are not used by SPNEGO")
        first = self.data[self.pos + 1]
        pos = self.pos + 2
        if first < 0x80:
            length = first
        elif first == 0x80:
            raise SpnegoError("indefinite length")
        else:
            count = first & 0x7F
            if count > 4 or self.end - pos < count:
                raise SpnegoError("bad length")
            length = int.from_bytes(self.data[pos:pos + count], "big")
            pos += count
        if length > self.end - pos:
            raise SpnegoError("length beyond the token")
        self.pos = pos + length
        return tag, pos, pos + length

    def expect(self, tag: int) -> Tuple[int, int]:
        got, start, end = self.tlv()
        if got != tag:
            raise SpnegoError(f"expected tag {tag:#x}, found {got:#x}")
        return start, end

    def sub(self, start: int, end: int) -> _Reader:
        return _Reader(self.data, start, end)


def _octets(r: _Reader, start: int, end: int) -> bytes:
    inner = r.sub(start, end)
    s, e = inner.expect(0x04)
    if not inner.done():
        raise SpnegoError("data after OCTET STRING")
    return r.data[s:e]


def _oid_field(r: _Reader, start: int, end: int) -> str:
    inner = r.sub(start, end)
    s, e = inner.expect(0x06)
    if not inner.done():
        raise SpnegoError("data after OID")
    return decode_oid(r.data[s:e])


def _mech_types(r: _Reader, start: int, end: int) -> Tuple[Tuple[str, ...], bytes]:
    inner = r.sub(start, end)
    s, e = inner.expect(0x30)
    if not inner.done():
        raise SpnegoError("data after mechTypes")
    der = r.data[start:end]
    seq = r.sub(s, e)
    oids: List[str] = []
    while not seq.done():
        os_, oe = seq.expect(0x06)
        oids.append(decode_oid(r.data[os_:oe]))
    return tuple(oids), bytes(der)


def _neg_token_init(r: _Reader, start: int, end: int) -> NegTokenInit:
    body = r.sub(start, end)
    s, e = body.expect(0x30)
    if not body.done():
        raise SpnegoError("data after NegTokenInit")
    seq = r.sub(s, e)
    mech_types: Optional[Tuple[str, ...]] = None
    der = b""
    token = mic = None
    last = -1
    while not seq.done():
        tag, fs, fe = seq.tlv()
        number = tag - 0xA0
        if not 0 <= number <= 4 or number <= last:
            raise SpnegoError(f"unexpected NegTokenInit field {tag:#x}")
        last = number
        if number == 0:
            mech_types, der = _mech_types(r, fs, fe)
        elif number == 1:
            r.sub(fs, fe).expect(0x03)  # reqFlags: read and ignored, as MIT does
        elif number == 2:
            token = _octets(r, fs, fe)
        elif number == 3:
            if fs < fe and r.data[fs] == 0x30:
                r.sub(fs, fe).expect(0x30)  # NegTokenInit2 negHints: ignored
            else:
                mic = _octets(r, fs, fe)
        else:  # [4] mechListMIC of NegTokenInit2
            mic = _octets(r, fs, fe)
    if mech_types is None:
        raise SpnegoError("NegTokenInit without mechTypes")
    return NegTokenInit(mech_types, der, token, mic)


def _neg_token_resp(r: _Reader, start: int, end: int) -> NegTokenResp:
    body = r.sub(start, end)
    s, e = body.expect(0x30)
    if not body.done():
        raise SpnegoError("data after NegTokenResp")
    seq = r.sub(s, e)
    state: Optional[int] = None
    mech = token = mic = None
    last = -1
    while not seq.done():
        tag, fs, fe = seq.tlv()
        number = tag - 0xA0
        if not 0 <= number <= 3 or number <= last:
            raise SpnegoError(f"unexpected NegTokenResp field {tag:#x}")
        last = number
        if number == 0:
            inner = r.sub(fs, fe)
            es, ee = inner.expect(0x0A)
            if not inner.done() or ee - es != 1 or r.data[es] > REQUEST_MIC:
                raise SpnegoError("bad negState")
            state = r.data[es]
        elif number == 1:
            mech = _oid_field(r, fs, fe)
        elif number == 2:
            token = _octets(r, fs, fe)
        else:
            mic = _octets(r, fs, fe)
    return NegTokenResp(state, mech, token, mic)


def decode(token: bytes) -> Union[NegTokenInit, NegTokenResp]:
    """Parse an SPNEGO token (see the module docstring); SpnegoError if it is not one."""
    data = bytes(token)
    r = _Reader(data)
    first = r.peek()
    if first == 0x60:
        s, e = r.expect(0x60)
        if not r.done():
            raise SpnegoError("data after the token")
        inner = r.sub(s, e)
        os_, oe = inner.expect(0x06)
        if decode_oid(data[os_:oe]) != OID_SPNEGO:
            raise SpnegoError("not an SPNEGO token")
        tag, ts, te = inner.tlv()
        if not inner.done():
            raise SpnegoError("data after the NegotiationToken")
        if tag == 0xA0:
            return _neg_token_init(r, ts, te)
        if tag == 0xA1:
            return _neg_token_resp(r, ts, te)
        raise SpnegoError("unknown NegotiationToken choice")
    if first == 0xA1:
        s, e = r.expect(0xA1)
        if not r.done():
            raise SpnegoError("data after the token")
        return _neg_token_resp(r, s, e)
    raise SpnegoError("not an SPNEGO token")


def raw_mechanism(token: bytes) -> Optional[str]:
    """The mechanism of a token sent *without* SPNEGO, if it is one Negotiate knows.

    Windows' Negotiate acceptor also takes a bare NTLMSSP message or a bare
    Kerberos GSS token (``[APPLICATION 0]`` with a Kerberos OID).
    """
    if token.startswith(_NTLMSSP_SIGNATURE):
        return OID_NTLM
    if token[:1] == b"\x60":
        try:
            r = _Reader(bytes(token))
            s, _ = r.expect(0x60)
            inner = _Reader(r.data, s, r.pos)
            os_, oe = inner.expect(0x06)
            oid = decode_oid(r.data[os_:oe])
        except SpnegoError:
            return None
        if oid in KRB5_ALIASES:
            return OID_KRB5
    return None
