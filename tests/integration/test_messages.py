"""MakeSignature / VerifySignature / EncryptMessage / DecryptMessage (Kerberos), real KDC.

Every enctype MIT can negotiate is tested on a realm restricted to it
(``MITRealm(enctypes=(one,))``: database keys, tickets, subkeys and the
RFC 4537 acceptor subkey all of that type — with the default list the
acceptor subkey would always be aes256-sha1), RC4 with ``allow_rc4``.
Each test checks ``SECPKG_ATTR_KEY_INFO`` first, so a realm that silently
fell back to another enctype fails instead of testing the wrong thing.

What is checked, per enctype, DCE style or not, encrypted or integrity
only, both directions: the buffer layouts (``[TOKEN, DATA]``, ``[DATA,
TOKEN]``, ``[TOKEN, DATA, PADDING]``, several DATA buffers, EMPTY buffers,
``SECBUFFER_READONLY_WITH_CHECKSUM`` / ``SECBUFFER_READONLY``), the bytes
of the header Windows writes (DESIGN.md §3), ``[STREAM, DATA]`` decryption,
SIZES / STREAM_SIZES never smaller than what is written, signatures,
sequence and replay detection, tampering, context expiry, and bad input
(a status, the caller's buffers untouched, the context still usable).
Cross-checks with independent GSS peers are in test_messages_interop.py.
"""

from __future__ import annotations

import array
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from kerberos_helpers import (
    ENCTYPES,
    FULL_ASC,
    FULL_ISC,
    HTTP,
    complete,
    enctype_realm,
    handshake,
    heimdal_refuses_iov_layout,
    isc,
    must_acquire,
    not_internal,
    ok,
)

from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_REQ_REPLAY_DETECT,
    ASC_REQ_USE_DCE_STYLE,
    FAILED,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_USE_DCE_STYLE,
    ISC_RET_USED_DCE_STYLE,
    KERB_WRAP_NO_ENCRYPT,
    SEC_E_BUFFER_TOO_SMALL,
    SEC_E_CONTEXT_EXPIRED,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_TOKEN,
    SEC_E_MESSAGE_ALTERED,
    SEC_E_OUT_OF_SEQUENCE,
    SEC_E_QOP_NOT_SUPPORTED,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_DATA,
    SECBUFFER_EMPTY,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_ATTR_SIZES,
    SECPKG_ATTR_STREAM_SIZES,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECQOP_WRAP_NO_ENCRYPT,
    SECQOP_WRAP_OOB_DATA,
    SECURITY_STATUS,
    ULONG,
    CredHandle,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    EncryptMessage,
    FreeCredentialsHandle,
    MakeSignature,
    MisuseError,
    QueryContextAttributes,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    SecPkgContext_KeyInfo,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
    VerifySignature,
)
from sspi_compat.testing.pytest_plugin import start_realm

# Every test starts realms of its own (one per enctype): not for an external realm.
pytestmark = [pytest.mark.kdc, pytest.mark.kdc_admin]

ALL = list(ENCTYPES)
AES = [name for name in ALL if ENCTYPES[name][2] is not None]

# What Windows' layout puts in TOKEN (DESIGN.md §3, measured), by checksum length.
SEALED_HEADER = {12: 60, 16: 64, 24: 72}
DCE_HEADER = {12: 76, 16: 80, 24: 88}
MIC = {12: 28, 16: 32, 24: 40}
RC4_MIC = 37


def rc4_header(data_len: int, dce: bool) -> int:
    """RFC 1964 framing (0x60, DER length, 11-byte OID) + 32 fixed bytes; the DER
    length counts confounder, data and padding byte unless DCE style."""
    inner = 11 + 32 + (0 if dce else data_len + 1)
    length_bytes = 1 if inner < 128 else 1 + (inner.bit_length() + 7) // 8
    return 1 + length_bytes + 11 + 32


# --- realms and contexts -----------------------------------------------------------------
# (``realm_cache`` and ``enc``, every enctype's realm active in turn: conftest.py)


@pytest.fixture(params=AES)
def aes(request: pytest.FixtureRequest, realm_cache: Dict[str, Any]) -> Iterator[str]:
    realm = enctype_realm(realm_cache, request.param)
    with realm.activate():
        yield request.param


@pytest.fixture
def one(realm_cache: Dict[str, Any]) -> Iterator[Any]:
    """The aes256-sha1 realm active (tests that need one realm only)."""
    realm = enctype_realm(realm_cache, "aes256-sha1")
    with realm.activate():
        yield realm


@dataclass
class Pair:
    """A client and a server context of one exchange (handles into the public API)."""

    client: CtxtHandle
    server: CtxtHandle
    creds: Tuple[CredHandle, CredHandle]
    client_attrs: int
    server_attrs: int

    def peer(self, handle: CtxtHandle) -> CtxtHandle:
        return self.server if handle is self.client else self.client

    def sides(self) -> List[Tuple[CtxtHandle, CtxtHandle]]:
        return [(self.client, self.server), (self.server, self.client)]

    def close(self) -> None:
        for handle in (self.client, self.server):
            if SecIsValidHandle(handle):
                DeleteSecurityContext(handle)
        for cred in self.creds:
            FreeCredentialsHandle(cred)


def establish(isc_req: int = FULL_ISC, asc_req: int = FULL_ASC,
              stop_after_first: bool = False) -> Pair:
    """AcquireCredentialsHandle + the ISC/ASC loop, the seed's calling sequence
    (``stop_after_first``: only the first InitializeSecurityContext)."""
    creds = (must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND))
    if stop_after_first:
        client = CtxtHandle()
        leg = isc(creds[0], client, HTTP, isc_req)
        assert leg.status == SEC_I_CONTINUE_NEEDED, leg.status
        return Pair(client, CtxtHandle(), creds, leg.attrs, 0)
    hs = complete(handshake(creds[0], creds[1], HTTP, isc_req, asc_req))
    return Pair(hs.client, hs.server, creds, hs.client_attrs, hs.server_attrs)


@pytest.fixture
def pair_factory() -> Iterator[Callable[..., Pair]]:
    made: List[Pair] = []

    def make(*args: Any, **kwargs: Any) -> Pair:
        pair = establish(*args, **kwargs)
        made.append(pair)
        return pair

    try:
        yield make
    finally:
        for pair in made:
            pair.close()


def make_pair(factory: Callable[..., Pair], dce: bool) -> Pair:
    if dce:
        return factory(FULL_ISC | ISC_REQ_USE_DCE_STYLE, FULL_ASC | ASC_REQ_USE_DCE_STYLE)
    return factory()


def key_info(handle: CtxtHandle) -> SecPkgContext_KeyInfo:
    info = SecPkgContext_KeyInfo()
    ok(QueryContextAttributes(handle, SECPKG_ATTR_KEY_INFO, info), "KEY_INFO")
    return info


def sizes(handle: CtxtHandle) -> SecPkgContext_Sizes:
    out = SecPkgContext_Sizes()
    ok(QueryContextAttributes(handle, SECPKG_ATTR_SIZES, out), "SIZES")
    return out


def stream_sizes(handle: CtxtHandle) -> SecPkgContext_StreamSizes:
    out = SecPkgContext_StreamSizes()
    ok(QueryContextAttributes(handle, SECPKG_ATTR_STREAM_SIZES, out), "STREAM_SIZES")
    return out


def check_enctype(pair: Pair, enc: str) -> None:
    """The realm really negotiated ``enc`` (else the test would test another one)."""
    number = ENCTYPES[enc][1]
    assert key_info(pair.client).EncryptAlgorithm == number
    assert key_info(pair.server).EncryptAlgorithm == number


def expected_header(enc: str, dce: bool, conf: bool, data_len: int) -> int:
    cksum = ENCTYPES[enc][2]
    if cksum is None:
        return rc4_header(data_len, dce)
    if not conf:
        return MIC[cksum]
    return DCE_HEADER[cksum] if dce else SEALED_HEADER[cksum]


def expected_padding(enc: str, dce: bool) -> int:
    return 1 if ENCTYPES[enc][2] is None and not dce else 0


# --- layouts ------------------------------------------------------------------------------


@dataclass
class Layout:
    """A message as SecBuffers, with the parts the test checks."""

    desc: SecBufferDesc
    token: SecBuffer
    data: List[SecBuffer]  # encrypted (or signed) DATA buffers
    signed_only: List[SecBuffer]  # SECBUFFER_READONLY_WITH_CHECKSUM
    untouched: List[SecBuffer]  # SECBUFFER_READONLY, EMPTY
    padding: Optional[SecBuffer]

    def plaintext(self) -> bytes:
        return b"".join(buf.data for buf in self.data)

    def state(self) -> List[Tuple[int, int, bytes]]:
        """Every buffer's type, cbBuffer and memory (to prove a failure changed nothing)."""
        return [(buf.BufferType, buf.cbBuffer, bytes(buf.pvBuffer or b"")) for buf in self.desc]


def build(name: str, message: bytes, token_size: int = 100) -> Layout:
    token = SecBuffer(SECBUFFER_TOKEN, bytearray(token_size))
    if name == "token-data":
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message))]
        return Layout(SecBufferDesc([token, *data]), token, data, [], [], None)
    if name == "data-token":
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message))]
        return Layout(SecBufferDesc([*data, token]), token, data, [], [], None)
    padding = SecBuffer(SECBUFFER_PADDING, bytearray(16))
    if name == "token-data-padding":
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message))]
        return Layout(SecBufferDesc([token, *data, padding]), token, data, [], [], padding)
    if name == "several-data":
        third = len(message) // 3
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message[:third])),
                SecBuffer(SECBUFFER_DATA, bytearray(message[third:2 * third])),
                SecBuffer(SECBUFFER_DATA, bytearray(message[2 * third:]))]
        return Layout(SecBufferDesc([token, *data, padding]), token, data, [], [], padding)
    if name == "empty-buffers":
        empties = [SecBuffer(SECBUFFER_EMPTY, bytearray(8)) for _ in range(3)]
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message))]
        desc = SecBufferDesc([empties[0], token, empties[1], *data, padding, empties[2]])
        return Layout(desc, token, data, [], empties, padding)
    if name == "readonly":
        head = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                         bytearray(b"RPC header, signed"))
        tail = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, bytearray(b"RPC trailer, not"))
        data = [SecBuffer(SECBUFFER_DATA, bytearray(message))]
        desc = SecBufferDesc([head, token, *data, tail, padding])
        return Layout(desc, token, data, [head], [tail], padding)
    raise AssertionError(name)


LAYOUTS = ["token-data", "data-token", "token-data-padding", "several-data", "empty-buffers",
           "readonly"]


def check_header(enc: str, dce: bool, conf: bool, sender_is_acceptor: bool, header: bytes,
                 data_len: int) -> None:
    """The TOKEN bytes are what Windows writes (RFC 4121 header, Windows' RRC/EC)."""
    cksum = ENCTYPES[enc][2]
    if cksum is None:
        assert header[0] == 0x60
        if header[1] < 0x80:
            declared, at = header[1], 2
        else:
            count = header[1] & 0x7F
            declared, at = int.from_bytes(header[2:2 + count], "big"), 2 + count
        # DER length: the whole token (framing excluded), or only the header in DCE style.
        assert declared == len(header) - at + (0 if dce else data_len + 1)
        assert header[at:at + 11] == b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
        body = header[at + 11:]
        assert body[:2] == b"\x02\x01"  # RFC 1964 wrap token
        assert body[2:4] == b"\x11\x00"  # SGN_ALG HMAC-MD5
        assert body[4:6] == (b"\x10\x00" if conf else b"\xff\xff")  # SEAL_ALG RC4 / none
        assert body[6:8] == b"\xff\xff"
        assert len(body) == 32
        return
    assert header[:2] == b"\x05\x04"
    flags = header[2]
    assert bool(flags & 0x02) == conf
    assert bool(flags & 0x01) == sender_is_acceptor
    assert header[3] == 0xFF
    ec, rrc = int.from_bytes(header[4:6], "big"), int.from_bytes(header[6:8], "big")
    if conf:
        assert ec == (16 if dce else 0)
        assert rrc == 16 + cksum
    else:
        assert ec == cksum and rrc == cksum


@pytest.mark.parametrize("dce", [False, True], ids=["plain", "dce"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_encrypt_decrypt_layouts(enc: str, dce: bool, layout: str,
                                 pair_factory: Callable[..., Pair]) -> None:
    pair = make_pair(pair_factory, dce)
    check_enctype(pair, enc)
    assert bool(pair.client_attrs & ISC_RET_USED_DCE_STYLE) == dce
    for conf in (True, False):
        for sender, receiver in pair.sides():
            message = os.urandom(37) + b"Hello, Kerberos! " * 5
            msg = build(layout, message)
            signed_before = [bytes(buf.data) for buf in msg.signed_only]
            untouched_before = [(buf.cbBuffer, bytes(buf.pvBuffer or b"")) for buf in msg.untouched]
            lengths = [buf.cbBuffer for buf in msg.data]
            st = not_internal(EncryptMessage(sender, 0 if conf else SECQOP_WRAP_NO_ENCRYPT,
                                             msg.desc, 0))
            if expected_padding(enc, dce) and msg.padding is None:
                # RC4 needs a PADDING buffer for its padding byte (documented).
                assert st == SEC_E_BUFFER_TOO_SMALL
                assert msg.plaintext() == message
                continue
            if heimdal_refuses_iov_layout(enc, dce, conf):
                assert st == SEC_E_UNSUPPORTED_FUNCTION, st  # said so, nothing touched
                assert msg.plaintext() == message
                assert [buf.cbBuffer for buf in msg.data] == lengths
                continue
            ok(st, f"EncryptMessage conf={conf}")
            assert msg.token.cbBuffer == expected_header(enc, dce, conf, len(message))
            assert [buf.cbBuffer for buf in msg.data] == lengths
            assert (msg.plaintext() != message) == conf
            assert [bytes(buf.data) for buf in msg.signed_only] == signed_before
            assert [(buf.cbBuffer, bytes(buf.pvBuffer or b"")) for buf in msg.untouched] == \
                untouched_before
            if msg.padding is not None:
                assert msg.padding.cbBuffer == expected_padding(enc, dce)
            check_header(enc, dce, conf, sender is pair.server, msg.token.data, len(message))
            limits = sizes(sender)
            assert msg.token.cbBuffer <= limits.cbSecurityTrailer
            stream = stream_sizes(sender)
            assert msg.token.cbBuffer <= stream.cbHeader
            assert (msg.padding.cbBuffer if msg.padding else 0) <= stream.cbTrailer

            qop = ULONG(0x5EA1)
            ok(DecryptMessage(receiver, msg.desc, 0, qop), "DecryptMessage")
            assert msg.plaintext() == message
            assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)
            assert [bytes(buf.data) for buf in msg.signed_only] == signed_before


@pytest.mark.parametrize("dce", [False, True], ids=["plain", "dce"])
def test_sizes_follow_the_negotiated_enctype(enc: str, dce: bool,
                                             pair_factory: Callable[..., Pair]) -> None:
    pair = make_pair(pair_factory, dce)
    check_enctype(pair, enc)
    cksum = ENCTYPES[enc][2]
    for handle in (pair.client, pair.server):
        got = sizes(handle)
        assert got.cbMaxToken == 48000
        assert got.cbBlockSize == 1
        if cksum is None:
            assert got.cbMaxSignature == RC4_MIC
            assert got.cbSecurityTrailer == (45 if dce else 49)  # 49: Windows' RC4 value
        else:
            assert got.cbMaxSignature == MIC[cksum]
            assert got.cbSecurityTrailer == (DCE_HEADER if dce else SEALED_HEADER)[cksum]
        stream = stream_sizes(handle)
        assert stream.cbHeader == got.cbSecurityTrailer
        assert stream.cbTrailer == expected_padding(enc, dce)


@pytest.mark.parametrize("size", [0, 1, 83, 84, 211, 212, 1000, 70000])
def test_header_sizes_track_the_message_length(enc: str, size: int,
                                               pair_factory: Callable[..., Pair]) -> None:
    """RC4's framing grows with the message: never past cbSecurityTrailer."""
    pair = pair_factory()
    check_enctype(pair, enc)
    msg = build("token-data-padding", os.urandom(size))
    ok(EncryptMessage(pair.client, 0, msg.desc, 0))
    assert msg.token.cbBuffer == expected_header(enc, False, True, size)
    assert msg.token.cbBuffer <= sizes(pair.client).cbSecurityTrailer
    ok(DecryptMessage(pair.server, msg.desc, 0, None))
    assert len(msg.plaintext()) == size


def test_large_message_round_trip(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    message = os.urandom(1 << 20)
    two_buffers = ["token-data"] if not expected_padding(enc, False) else []
    for layout in [*two_buffers, "token-data-padding", "several-data"]:
        for qop in (0, SECQOP_WRAP_NO_ENCRYPT):
            msg = build(layout, message)
            ok(EncryptMessage(pair.server, qop, msg.desc, 0))
            assert (msg.plaintext() != message) == (qop == 0)
            qop_out = ULONG()
            ok(DecryptMessage(pair.client, msg.desc, 0, qop_out))
            assert msg.plaintext() == message and qop_out.value == qop
    for spot in ("data", "token"):
        msg = build("token-data-padding", message)
        ok(EncryptMessage(pair.server, 0, msg.desc, 0))
        genuine = copy_layout(msg)
        target_buf = msg.data[0] if spot == "data" else msg.token
        target_buf.pvBuffer[target_buf.cbBuffer // 2] ^= 0x08
        assert DecryptMessage(pair.client, msg.desc, 0, None) == SEC_E_MESSAGE_ALTERED
        ok(DecryptMessage(pair.client, genuine, 0, None))
        assert genuine[1].data == message


def test_empty_message(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for conf in (0, SECQOP_WRAP_NO_ENCRYPT):
        msg = build("token-data-padding", b"")
        ok(EncryptMessage(pair.client, conf, msg.desc, 0))
        ok(DecryptMessage(pair.server, msg.desc, 0, None))
        assert msg.plaintext() == b""


# --- [STREAM, DATA] ---------------------------------------------------------------------


@pytest.mark.parametrize("dce", [False, True], ids=["plain", "dce"])
def test_stream_decryption_points_data_into_the_stream(
        enc: str, dce: bool, pair_factory: Callable[..., Pair]) -> None:
    pair = make_pair(pair_factory, dce)
    for conf in (0, SECQOP_WRAP_NO_ENCRYPT):
        message = os.urandom(300)
        msg = build("token-data-padding", message)
        st = EncryptMessage(pair.client, conf, msg.desc, 0)
        if heimdal_refuses_iov_layout(enc, dce, conf == 0):
            assert st == SEC_E_UNSUPPORTED_FUNCTION and msg.plaintext() == message
            continue
        ok(st)
        header = msg.token.data
        stream = bytearray(header + msg.data[0].data + (msg.padding.data if msg.padding else b""))
        data = SecBuffer(SECBUFFER_DATA, None)
        desc = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, stream), data])
        qop = ULONG()
        ok(DecryptMessage(pair.server, desc, 0, qop))
        assert data.data == message and data.cbBuffer == len(message)
        assert qop.value == (0 if conf == 0 else SECQOP_WRAP_NO_ENCRYPT)
        # Decrypted in place: DATA describes the plaintext inside STREAM's memory,
        # right after the header.
        assert isinstance(data.pvBuffer, memoryview) and data.pvBuffer.obj is stream
        assert stream[len(header):len(header) + len(message)] == message
        assert desc[0].pvBuffer is stream


def test_stream_with_signed_only_buffers(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    message = os.urandom(64)
    msg = build("readonly", message)
    ok(EncryptMessage(pair.client, 0, msg.desc, 0))
    head = msg.signed_only[0]
    stream = bytearray(msg.token.data + msg.data[0].data
                       + (msg.padding.data if msg.padding else b""))
    data = SecBuffer(SECBUFFER_DATA, None)
    desc = SecBufferDesc([SecBuffer(head.BufferType, head.data),
                          SecBuffer(SECBUFFER_STREAM, stream), data])
    ok(DecryptMessage(pair.server, desc, 0, None))
    assert data.data == message


def test_stream_of_bytes_is_replaced_by_a_bytearray(one: Any,
                                                    pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    msg = build("token-data", b"immutable stream")
    ok(EncryptMessage(pair.client, 0, msg.desc, 0))
    stream = bytes(msg.token.data + msg.data[0].data)
    desc = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, stream), SecBuffer(SECBUFFER_DATA, None)])
    ok(DecryptMessage(pair.server, desc, 0, None))
    assert desc[1].data == b"immutable stream"
    assert isinstance(desc[0].pvBuffer, bytearray) and desc[1].pvBuffer.obj is desc[0].pvBuffer


# --- signatures -----------------------------------------------------------------------------


def test_signatures(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    check_enctype(pair, enc)
    cksum = ENCTYPES[enc][2]
    mic_size = RC4_MIC if cksum is None else MIC[cksum]
    for sender, receiver in pair.sides():
        # One DATA buffer, token first / last; several DATA buffers (one signed-only).
        for parts in ([b"sign me"], [b"part one ", b"part two"]):
            data = [SecBuffer(SECBUFFER_DATA, bytearray(p)) for p in parts]
            token = SecBuffer(SECBUFFER_TOKEN, bytearray(sizes(sender).cbMaxSignature))
            desc = SecBufferDesc([*data, token] if len(parts) == 1 else [token, *data])
            ok(MakeSignature(sender, 0, desc, 0), "MakeSignature")
            assert token.cbBuffer == mic_size <= sizes(sender).cbMaxSignature
            assert [d.data for d in data] == parts  # the message is not changed
            if cksum is not None:
                assert token.data[:2] == b"\x04\x04"
                assert bool(token.data[2] & 0x01) == (sender is pair.server)
            qop = ULONG(0x77)
            ok(VerifySignature(receiver, desc, 0, qop), "VerifySignature")
            assert qop.value == 0


def test_signature_covers_checksummed_readonly_but_not_readonly(
        one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    signed = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, bytearray(b"header"))
    ignored = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, bytearray(b"ignored"))
    body = SecBuffer(SECBUFFER_DATA, bytearray(b"body"))
    token = SecBuffer(SECBUFFER_TOKEN, bytearray(64))
    desc = SecBufferDesc([signed, body, ignored, token])
    ok(MakeSignature(pair.client, 0, desc, 0))
    ignored.pvBuffer[0] ^= 1
    ok(VerifySignature(pair.server, desc, 0, None))
    ok(MakeSignature(pair.client, 0, desc, 0))
    signed.pvBuffer[0] ^= 1
    assert VerifySignature(pair.server, desc, 0, None) == SEC_E_MESSAGE_ALTERED


def test_tampered_signatures(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for spot in ("data", "checksum", "header"):
        data = SecBuffer(SECBUFFER_DATA, bytearray(b"pay 100 EUR to alice"))
        token = SecBuffer(SECBUFFER_TOKEN, bytearray(64))
        desc = SecBufferDesc([token, data])
        ok(MakeSignature(pair.client, 0, desc, 0))
        genuine = copy_desc(desc)
        buf = data if spot == "data" else token
        # header: a byte of SND_SEQ (CFX: in clear; RC4: encrypted).
        header_byte = 12 if ENCTYPES[enc][2] is not None else 25
        index = {"data": 3, "checksum": token.cbBuffer - 1, "header": header_byte}[spot]
        buf.pvBuffer[index] ^= 0x01
        before = [(b.cbBuffer, bytes(b.pvBuffer)) for b in desc]
        assert VerifySignature(pair.server, desc, 0, None) == SEC_E_MESSAGE_ALTERED
        assert [(b.cbBuffer, bytes(b.pvBuffer)) for b in desc] == before
        # The context is intact: the genuine message still verifies, in sequence.
        ok(VerifySignature(pair.server, genuine, 0, None))
    ok(verify(pair.server, signed(pair.client, b"next")))


# --- sequence and replay ---------------------------------------------------------------------


def sealed(handle: CtxtHandle, text: bytes) -> Layout:
    msg = build("token-data-padding", text)
    ok(EncryptMessage(handle, 0, msg.desc, 0))
    return msg


def signed(handle: CtxtHandle, text: bytes) -> SecBufferDesc:
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                          SecBuffer(SECBUFFER_DATA, bytearray(text))])
    ok(MakeSignature(handle, 0, desc, 0))
    return desc


def copy_layout(msg: Layout) -> SecBufferDesc:
    return SecBufferDesc([SecBuffer(b.BufferType, bytearray(b.data)) for b in msg.desc])


def copy_desc(desc: SecBufferDesc) -> SecBufferDesc:
    return SecBufferDesc([SecBuffer(b.BufferType, bytearray(b.data)) for b in desc])


def decrypt(handle: CtxtHandle, desc: SecBufferDesc) -> SECURITY_STATUS:
    return not_internal(DecryptMessage(handle, desc, 0, None))


def verify(handle: CtxtHandle, desc: SecBufferDesc) -> SECURITY_STATUS:
    return not_internal(VerifySignature(handle, desc, 0, None))


@pytest.mark.parametrize("kind", ["encrypt", "sign"])
def test_replay_reorder_and_gap_with_sequence_detection(
        enc: str, kind: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    make: Callable[[CtxtHandle, bytes], SecBufferDesc] = (
        (lambda h, t: copy_layout(sealed(h, t))) if kind == "encrypt" else signed)
    check: Callable[[CtxtHandle, SecBufferDesc], SECURITY_STATUS] = (
        decrypt if kind == "encrypt" else verify)
    for sender, receiver in pair.sides():
        first, second, third, fourth = (make(sender, b"message %d" % i) for i in range(4))
        ok(check(receiver, copy_desc(first)))
        assert check(receiver, copy_desc(first)) == SEC_E_OUT_OF_SEQUENCE  # replayed
        assert check(receiver, copy_desc(third)) == SEC_E_OUT_OF_SEQUENCE  # second missing
        assert check(receiver, copy_desc(second)) == SEC_E_OUT_OF_SEQUENCE  # late
        ok(check(receiver, copy_desc(fourth)))  # still usable, in order again
        ok(check(receiver, make(sender, b"after")))


def test_replay_detection_without_sequence_detection(
        one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory(ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_REPLAY_DETECT,
                        ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_REPLAY_DETECT)
    first, second = (copy_layout(sealed(pair.client, b"m%d" % i)) for i in range(2))
    ok(decrypt(pair.server, copy_desc(second)))  # out of order is fine
    ok(decrypt(pair.server, copy_desc(first)))
    assert decrypt(pair.server, copy_desc(first)) == SEC_E_OUT_OF_SEQUENCE  # a replay is not


def test_no_detection_without_the_flags(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory(ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY,
                        ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY)
    first, second = (copy_layout(sealed(pair.client, b"m%d" % i)) for i in range(2))
    for desc in (second, first, first, second):
        ok(decrypt(pair.server, copy_desc(desc)))
    mic = signed(pair.client, b"mic")
    ok(verify(pair.server, copy_desc(mic)))
    ok(verify(pair.server, copy_desc(mic)))


# --- tampering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spot", ["data", "token-end", "token-seq", "padding"])
def test_tampered_messages_are_altered(enc: str, spot: str,
                                       pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    message = b"transfer 100 EUR to bob" * 3
    msg = sealed(pair.client, message)
    genuine = copy_layout(msg)
    if spot == "data":
        msg.data[0].pvBuffer[5] ^= 0x40
    elif spot == "token-end":
        msg.token.pvBuffer[msg.token.cbBuffer - 1] ^= 0x40
    elif spot == "token-seq":
        # CFX: a byte of SND_SEQ in the header; RC4: a byte of the encrypted sequence number.
        index = 15 if ENCTYPES[enc][2] is not None else 25
        msg.token.pvBuffer[index] ^= 0x01
    elif msg.padding is not None and msg.padding.cbBuffer:
        msg.padding.pvBuffer[0] ^= 0x01  # RC4's padding byte
    else:
        msg.data[0].pvBuffer[-1] ^= 0x01
    before = msg.state()
    status = decrypt(pair.server, msg.desc)
    assert status == SEC_E_MESSAGE_ALTERED, status
    assert msg.state() == before  # nothing of the caller's changed
    # The context is intact: the genuine message still decrypts, then the next one.
    ok(decrypt(pair.server, genuine))
    assert genuine[1].data == message
    ok(decrypt(pair.server, sealed(pair.client, b"next").desc))


def test_signed_only_buffer_is_protected(enc: str, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    msg = build("readonly", b"body")
    ok(EncryptMessage(pair.client, 0, msg.desc, 0))
    msg.signed_only[0].pvBuffer[0] ^= 0x01
    assert decrypt(pair.server, msg.desc) == SEC_E_MESSAGE_ALTERED
    msg.signed_only[0].pvBuffer[0] ^= 0x01  # as sent: accepted
    ok(decrypt(pair.server, msg.desc))
    assert msg.plaintext() == b"body"
    msg2 = build("readonly", b"body")
    ok(EncryptMessage(pair.client, 0, msg2.desc, 0))
    msg2.untouched[0].pvBuffer[0] ^= 0x01  # SECBUFFER_READONLY: not protected
    ok(decrypt(pair.server, msg2.desc))
    assert msg2.plaintext() == b"body"


# --- context lifetime ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_skew_realm() -> Iterator[Any]:
    """MIT adds its clock skew allowance (default 300 s) to an acceptor context's
    lifetime; a realm with ``clockskew = 1`` lets the test wait for both sides."""
    realm = start_realm("mit", krb5_conf={"libdefaults": {"clockskew": 1}})
    try:
        yield realm
    finally:
        realm.stop()


@pytest.mark.kdc_admin
def test_context_expires_with_its_ticket(short_skew_realm: Any,
                                         pair_factory: Callable[..., Pair]) -> None:
    """MIT keeps wrapping on an expired context; Windows (and this package) refuse."""
    realm = short_skew_realm
    lifetime, skew = 4, 1
    ccache = realm.kinit(realm.user, realm.user_password, extra_args=("-l", f"{lifetime}s"))
    try:
        with realm.activate(ccache=ccache):
            start = time.time()
            pair = pair_factory()
            live = build("token-data", b"before")
            ok(EncryptMessage(pair.client, 0, live.desc, 0))
            ok(DecryptMessage(pair.server, live.desc, 0, None))
            to_server = build("token-data", b"sent just in time")
            ok(EncryptMessage(pair.client, 0, to_server.desc, 0))
            to_client = build("token-data", b"sent just in time")
            ok(EncryptMessage(pair.server, 0, to_client.desc, 0))
            mic = signed(pair.server, b"signed in time")
            time.sleep(max(0.0, start + lifetime + skew + 1.0 - time.time()))
            for sender, _ in pair.sides():
                msg = build("token-data", b"too late")
                before = msg.state()
                assert EncryptMessage(sender, 0, msg.desc, 0) == SEC_E_CONTEXT_EXPIRED
                assert msg.state() == before
                desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                                      SecBuffer(SECBUFFER_DATA, bytearray(b"x"))])
                assert MakeSignature(sender, 0, desc, 0) == SEC_E_CONTEXT_EXPIRED
            before = to_server.state()
            assert DecryptMessage(pair.server, to_server.desc, 0, None) == SEC_E_CONTEXT_EXPIRED
            assert DecryptMessage(pair.client, to_client.desc, 0, None) == SEC_E_CONTEXT_EXPIRED
            assert to_server.state() == before
            assert VerifySignature(pair.client, mic, 0, None) == SEC_E_CONTEXT_EXPIRED
    finally:
        os.unlink(ccache)


# --- bad input -----------------------------------------------------------------------------------


def test_token_buffer_too_small_changes_nothing(enc: str,
                                                pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    need = sizes(pair.client).cbSecurityTrailer
    for size in (0, 10, expected_header(enc, False, True, 30) - 1):
        msg = build("token-data-padding", b"x" * 30, token_size=size)
        before = msg.state()
        assert EncryptMessage(pair.client, 0, msg.desc, 0) == SEC_E_BUFFER_TOO_SMALL
        assert msg.state() == before
    short = bytearray(sizes(pair.client).cbMaxSignature - 1)
    mic = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, short),
                         SecBuffer(SECBUFFER_DATA, bytearray(b"x"))])
    before_mic = [(b.cbBuffer, bytes(b.pvBuffer)) for b in mic]
    assert MakeSignature(pair.client, 0, mic, 0) == SEC_E_BUFFER_TOO_SMALL
    assert [(b.cbBuffer, bytes(b.pvBuffer)) for b in mic] == before_mic
    # No sequence number was spent: the next messages arrive in order.
    msg = build("token-data-padding", b"x" * 30, token_size=need)
    ok(EncryptMessage(pair.client, 0, msg.desc, 0))
    ok(DecryptMessage(pair.server, msg.desc, 0, None))
    ok(verify(pair.server, signed(pair.client, b"in order")))


def test_rc4_padding_buffer_too_small(realm_cache: Dict[str, Any],
                                      pair_factory: Callable[..., Pair]) -> None:
    with enctype_realm(realm_cache, "rc4").activate():
        pair = pair_factory()
        check_enctype(pair, "rc4")
        msg = build("token-data", b"needs a padding byte")
        msg.desc.append(SecBuffer(SECBUFFER_PADDING, bytearray(0)))
        before = msg.state()
        assert EncryptMessage(pair.client, 0, msg.desc, 0) == SEC_E_BUFFER_TOO_SMALL
        assert msg.state() == before


def test_missing_buffers(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    only_data = SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray(b"no token"))])
    only_token = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(100))])
    readonly_data = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(100)),
                                   SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, bytearray(b"x"))])
    for desc in (only_data, only_token, readonly_data, SecBufferDesc([]), None):
        before = [(b.cbBuffer, bytes(b.pvBuffer or b"")) for b in desc or []]
        assert EncryptMessage(pair.client, 0, desc, 0) == SEC_E_INVALID_TOKEN
        assert DecryptMessage(pair.server, desc, 0, None) == SEC_E_INVALID_TOKEN
        assert MakeSignature(pair.client, 0, desc, 0) == SEC_E_INVALID_TOKEN
        assert VerifySignature(pair.server, desc, 0, None) == SEC_E_INVALID_TOKEN
        assert [(b.cbBuffer, bytes(b.pvBuffer or b"")) for b in desc or []] == before
    stream_alone = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, bytearray(200))])
    assert DecryptMessage(pair.server, stream_alone, 0, None) == SEC_E_INVALID_TOKEN
    ok(decrypt(pair.server, sealed(pair.client, b"still fine").desc))


@pytest.mark.parametrize("token", [b"", b"\x05\x04", b"\x05\x04\x02\xff" + b"\x00" * 8,
                                   b"\x60\x03\x06\x01\x00", os.urandom(60), b"\x00" * 60])
def test_short_and_random_tokens(one: Any, token: bytes,
                                 pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for layout in ("token-data", "stream"):
        data = SecBuffer(SECBUFFER_DATA, bytearray(b"some data here"))
        if layout == "stream":
            desc = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, bytearray(token)),
                                  SecBuffer(SECBUFFER_DATA, None)])
        else:
            desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)), data])
        before = [(b.cbBuffer, bytes(b.pvBuffer or b"")) for b in desc]
        status = decrypt(pair.server, desc)
        assert status in (SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED), status
        assert [(b.cbBuffer, bytes(b.pvBuffer or b"")) for b in desc] == before
        status = verify(pair.server, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)),
                                                    SecBuffer(SECBUFFER_DATA, bytearray(b"x"))]))
        assert status in (SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED), status
    ok(decrypt(pair.server, sealed(pair.client, b"still fine").desc))


def test_lying_buffer_descriptors(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for mangle in ("cb-too-big", "cb-negative", "none-with-length", "cb-not-int"):
        msg = build("token-data-padding", b"payload")
        target_buf = msg.data[0]
        if mangle == "cb-too-big":
            target_buf.cbBuffer = 1000
        elif mangle == "cb-negative":
            target_buf.cbBuffer = -1
        elif mangle == "none-with-length":
            target_buf.pvBuffer = None
            target_buf.cbBuffer = 5
        else:
            target_buf.cbBuffer = "7"  # type: ignore[assignment]
        before = msg.state()
        assert EncryptMessage(pair.client, 0, msg.desc, 0) == SEC_E_INVALID_TOKEN
        assert DecryptMessage(pair.server, msg.desc, 0, None) == SEC_E_INVALID_TOKEN
        assert MakeSignature(pair.client, 0, msg.desc, 0) == SEC_E_INVALID_TOKEN
        assert VerifySignature(pair.server, msg.desc, 0, None) == SEC_E_INVALID_TOKEN
        assert msg.state() == before
    ok(decrypt(pair.server, sealed(pair.client, b"still fine").desc))


def test_data_too_small_for_the_plaintext(one: Any, pair_factory: Callable[..., Pair]) -> None:
    """The whole token in TOKEN and an empty DATA: no room for the plaintext."""
    pair = pair_factory()
    msg = sealed(pair.client, b"twenty bytes of text")
    whole = msg.token.data + msg.data[0].data
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(whole)),
                          SecBuffer(SECBUFFER_DATA, bytearray())])
    before = [(b.cbBuffer, bytes(b.pvBuffer)) for b in desc]
    assert decrypt(pair.server, desc) == SEC_E_BUFFER_TOO_SMALL
    assert [(b.cbBuffer, bytes(b.pvBuffer)) for b in desc] == before
    ok(decrypt(pair.server, msg.desc))  # not consumed: the real one still decrypts


def test_qop_values(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for qop in (1, SECQOP_WRAP_OOB_DATA, 0x80000000, 0xFFFFFFFF):
        msg = build("token-data", b"x")
        before = msg.state()
        assert EncryptMessage(pair.client, qop, msg.desc, 0) == SEC_E_QOP_NOT_SUPPORTED
        assert MakeSignature(pair.client, qop, msg.desc, 0) == SEC_E_QOP_NOT_SUPPORTED
        assert msg.state() == before
    assert KERB_WRAP_NO_ENCRYPT == SECQOP_WRAP_NO_ENCRYPT
    msg = build("token-data", b"x")
    # Windows' Kerberos refuses the wrap QOP in MakeSignature (dotnet/runtime#103461).
    assert MakeSignature(pair.client, SECQOP_WRAP_NO_ENCRYPT, msg.desc, 0) == SEC_E_INVALID_TOKEN
    ok(decrypt(pair.server, sealed(pair.client, b"sequence untouched").desc))


def test_message_seq_no_is_ignored(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    for seq in (0, 1, 12345, 0xFFFFFFFF):
        msg = build("token-data", b"x")
        ok(EncryptMessage(pair.client, 0, msg.desc, seq))
        ok(DecryptMessage(pair.server, msg.desc, 999 - seq % 7, None))
        desc = signed(pair.server, b"y")
        ok(VerifySignature(pair.client, desc, seq, None))


def test_python_misuse_raises(one: Any, pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    msg = build("token-data", b"x")
    with pytest.raises(MisuseError):
        EncryptMessage(pair.client, "0", msg.desc, 0)  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        EncryptMessage(pair.client, 0, [msg.token, msg.data[0]], 0)  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        EncryptMessage(pair.client, 0, msg.desc, "1")  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        DecryptMessage(pair.server, msg.desc, 0, 5)  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        VerifySignature(pair.server, msg.desc, 0, [0])  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        MakeSignature(pair.client, 0.0, msg.desc, 0)  # type: ignore[arg-type]
    junk = SecBufferDesc([msg.token])
    junk.pBuffers.append("not a SecBuffer")  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        EncryptMessage(pair.client, 0, junk, 0)
    with pytest.raises(MisuseError):
        DecryptMessage(pair.server, junk, 0, None)


def test_incomplete_and_deleted_contexts(one: Any, pair_factory: Callable[..., Pair]) -> None:
    half = pair_factory(stop_after_first=True)  # ISC returned CONTINUE_NEEDED, no reply yet
    msg = build("token-data", b"x")
    before = msg.state()
    assert EncryptMessage(half.client, 0, msg.desc, 0) == SEC_E_INVALID_HANDLE
    assert DecryptMessage(half.client, msg.desc, 0, None) == SEC_E_INVALID_HANDLE
    assert MakeSignature(half.client, 0, msg.desc, 0) == SEC_E_INVALID_HANDLE
    assert VerifySignature(half.client, msg.desc, 0, None) == SEC_E_INVALID_HANDLE
    assert msg.state() == before
    pair = pair_factory()
    ok(DeleteSecurityContext(pair.client))
    assert EncryptMessage(pair.client, 0, msg.desc, 0) == SEC_E_INVALID_HANDLE
    assert EncryptMessage(CtxtHandle(), 0, msg.desc, 0) == SEC_E_INVALID_HANDLE
    assert DecryptMessage(CtxtHandle(), msg.desc, 0, None) == SEC_E_INVALID_HANDLE


# --- buffer memory kinds --------------------------------------------------------------------------


def test_bytes_buffers_are_replaced_with_bytearrays(one: Any,
                                                    pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    token = SecBuffer(SECBUFFER_TOKEN, bytes(60))
    data = SecBuffer(SECBUFFER_DATA, b"immutable plaintext")
    desc = SecBufferDesc([token, data])
    ok(EncryptMessage(pair.client, 0, desc, 0))
    assert isinstance(token.pvBuffer, bytearray) and isinstance(data.pvBuffer, bytearray)
    assert data.data != b"immutable plaintext"
    received = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token.data),
                              SecBuffer(SECBUFFER_DATA, data.data)])
    ok(DecryptMessage(pair.server, received, 0, None))
    assert received[1].data == b"immutable plaintext"
    mic = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytes(28)), SecBuffer(SECBUFFER_DATA, b"m")])
    ok(MakeSignature(pair.server, 0, mic, 0))
    ok(VerifySignature(pair.client, mic, 0, None))


def test_memoryviews_into_one_message_buffer(one: Any, pair_factory: Callable[..., Pair]) -> None:
    """C style: TOKEN and DATA point into one contiguous message; written in place."""
    pair = pair_factory()
    plaintext = b"contiguous message body"
    wire = bytearray(60 + len(plaintext))
    wire[60:] = plaintext
    view = memoryview(wire)
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, view[:60]),
                          SecBuffer(SECBUFFER_DATA, view[60:])])
    ok(EncryptMessage(pair.client, 0, desc, 0))
    assert desc[0].pvBuffer.obj is wire  # type: ignore[union-attr]
    assert bytes(wire[60:]) != plaintext
    received = bytearray(wire)
    rview = memoryview(received)
    rdesc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, rview[:60]),
                           SecBuffer(SECBUFFER_DATA, rview[60:])])
    ok(DecryptMessage(pair.server, rdesc, 0, None))
    assert bytes(received[60:]) == plaintext
    # A memoryview of another item size is used as bytes (cbBuffer counts bytes, as in C).
    words = array.array("I", [0] * 8)
    data = SecBuffer(SECBUFFER_DATA, memoryview(array.array("I", [1, 2, 3, 4])), 16)
    mic = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, memoryview(words), 32), data])
    ok(MakeSignature(pair.client, 0, mic, 0))
    assert mic[0].cbBuffer == 28 and any(words)
    ok(VerifySignature(pair.server, mic, 0, None))


def test_fast_and_general_paths_agree(one: Any, pair_factory: Callable[..., Pair]) -> None:
    """bytearray [TOKEN, DATA] (fast path) and memoryview/several-buffer (general path)
    messages decrypt on either path."""
    pair = pair_factory()
    message = os.urandom(333)
    fast = build("token-data", message)
    ok(EncryptMessage(pair.client, 0, fast.desc, 0))
    general = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, memoryview(bytearray(fast.token.data))),
                             SecBuffer(SECBUFFER_DATA, memoryview(bytearray(fast.data[0].data)))])
    ok(DecryptMessage(pair.server, general, 0, None))
    assert general[1].data == message
    slow = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, memoryview(bytearray(60))),
                          SecBuffer(SECBUFFER_DATA, memoryview(bytearray(message)))])
    ok(EncryptMessage(pair.client, 0, slow, 0))
    back = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(slow[0].data)),
                          SecBuffer(SECBUFFER_DATA, bytearray(slow[1].data))])
    ok(DecryptMessage(pair.server, back, 0, None))
    assert back[1].data == message


def test_failed_status_is_a_status(one: Any, pair_factory: Callable[..., Pair]) -> None:
    """The statuses above are SECURITY_STATUS values the FAILED macro sees as failures."""
    pair = pair_factory()
    status = EncryptMessage(pair.client, 7, build("token-data", b"x").desc, 0)
    assert isinstance(status, SECURITY_STATUS) and FAILED(status)
