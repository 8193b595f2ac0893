"""Property (h11-style invariant) of the four message functions, real KDC:

    any bytes, any buffer layout into DecryptMessage / VerifySignature (and
    EncryptMessage / MakeSignature) -> an SSPI status, never an exception or
    SEC_E_INTERNAL_ERROR; on failure every caller buffer is exactly as it
    was (type, cbBuffer, the pvBuffer object and its bytes); and the context
    is intact afterwards (the next genuine message still goes through).

The inputs are random layouts of random buffers (any type and attribute
flags, ``bytes`` / ``bytearray`` / ``memoryview`` / ``None`` memory, lying
``cbBuffer`` values) and genuine messages that were bit-flipped, cut,
extended, re-split or re-typed.  Contexts without replay/sequence
detection take the mutated genuine messages (a re-split message that still
decrypts must not make later messages "out of sequence"); a context with
both flags takes the random ones.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kerberos_helpers import complete, handshake, must_acquire

from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_REQ_REPLAY_DETECT,
    ASC_REQ_SEQUENCE_DETECT,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    SEC_E_INTERNAL_ERROR,
    SEC_E_OK,
    SECBUFFER_DATA,
    SECBUFFER_EMPTY,
    SECBUFFER_PADDING,
    SECBUFFER_PKG_PARAMS,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECQOP_WRAP_NO_ENCRYPT,
    SECURITY_STATUS,
    ULONG,
    CredHandle,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    EncryptMessage,
    FreeCredentialsHandle,
    MakeSignature,
    SecBuffer,
    SecBufferDesc,
    VerifySignature,
)

pytestmark = pytest.mark.kdc

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def establish(target: str, isc_req: int, asc_req: int,
              ) -> Tuple[CtxtHandle, CtxtHandle, List[CredHandle]]:
    ccred, scred = must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND)
    hs = complete(handshake(ccred, scred, target, isc_req, asc_req))
    return hs.client, hs.server, [ccred, scred]


@pytest.fixture(scope="module")
def contexts(krb5_realm: Any) -> Iterator[Any]:
    """(strict client, strict server, lax client, lax server) on the session realm."""
    with krb5_realm.activate():
        target = f"HTTP/{krb5_realm.hostname}"
        strict = establish(target,
                           ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_REPLAY_DETECT
                           | ISC_REQ_SEQUENCE_DETECT,
                           ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_REPLAY_DETECT
                           | ASC_REQ_SEQUENCE_DETECT)
        lax = establish(target, ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY,
                        ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY)
        try:
            yield strict[0], strict[1], lax[0], lax[1]
        finally:
            for client, server, creds in (strict, lax):
                DeleteSecurityContext(client)
                DeleteSecurityContext(server)
                for cred in creds:
                    FreeCredentialsHandle(cred)


# --- what a buffer looks like before and after ----------------------------------------------


def snapshot(desc: SecBufferDesc) -> List[Tuple[int, Any, int, bytes]]:
    return [(buf.BufferType, buf.cbBuffer, id(buf.pvBuffer),
             bytes(buf.pvBuffer) if buf.pvBuffer is not None else b"") for buf in desc]


def is_status(status: Any) -> None:
    assert isinstance(status, SECURITY_STATUS)
    assert status != SEC_E_INTERNAL_ERROR


# --- strategies -----------------------------------------------------------------------------

TYPES = st.one_of(
    st.sampled_from([SECBUFFER_TOKEN, SECBUFFER_DATA, SECBUFFER_PADDING, SECBUFFER_STREAM,
                     SECBUFFER_EMPTY, SECBUFFER_PKG_PARAMS]),
    st.integers(min_value=0, max_value=40),
)
FLAGS = st.sampled_from([0, 0, 0, SECBUFFER_READONLY, SECBUFFER_READONLY_WITH_CHECKSUM,
                         SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM, 0x40000000])


@st.composite
def buffers(draw: Any) -> SecBuffer:
    kind = draw(TYPES) | draw(FLAGS)
    raw = draw(st.binary(max_size=120))
    memory = draw(st.sampled_from(["bytearray", "bytes", "memoryview", "view-slice", "none"]))
    pv: Any
    if memory == "bytearray":
        pv = bytearray(raw)
    elif memory == "bytes":
        pv = raw
    elif memory == "memoryview":
        pv = memoryview(bytearray(raw))
    elif memory == "view-slice":
        pv = memoryview(bytearray(b"\xaa" * 4 + raw + b"\xbb" * 4))[4:4 + len(raw)]
    else:
        pv = None
    size = 0 if pv is None else len(raw)
    cb = draw(st.one_of(st.just(size), st.integers(min_value=-3, max_value=size + 3)))
    return SecBuffer(kind, pv, cb)


LAYOUTS = st.lists(buffers(), max_size=6)


def genuine(client: CtxtHandle, message: bytes, conf: bool) -> List[Tuple[int, bytes]]:
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(100)),
                          SecBuffer(SECBUFFER_DATA, bytearray(message)),
                          SecBuffer(SECBUFFER_PADDING, bytearray(16))])
    assert EncryptMessage(client, 0 if conf else SECQOP_WRAP_NO_ENCRYPT, desc, 0) == SEC_E_OK
    return [(buf.BufferType, buf.data) for buf in desc]


def probe_decrypt(client: CtxtHandle, server: CtxtHandle) -> None:
    """The context is intact: a fresh genuine message decrypts."""
    parts = genuine(client, b"probe", True)
    desc = SecBufferDesc([SecBuffer(kind, bytearray(data)) for kind, data in parts])
    assert DecryptMessage(server, desc, 0, None) == SEC_E_OK
    assert desc[1].data == b"probe"


def probe_verify(client: CtxtHandle, server: CtxtHandle) -> None:
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                          SecBuffer(SECBUFFER_DATA, bytearray(b"probe"))])
    assert MakeSignature(client, 0, desc, 0) == SEC_E_OK
    assert VerifySignature(server, desc, 0, None) == SEC_E_OK


# --- random layouts of random bytes -------------------------------------------------------------


@FUZZ
@given(LAYOUTS)
def test_decrypt_any_layout(contexts: Any, layout: List[SecBuffer]) -> None:
    client, server, _, _ = contexts
    desc = SecBufferDesc(layout)
    before = snapshot(desc)
    qop = ULONG(0xABCD)
    status = DecryptMessage(server, desc, 0, qop)
    is_status(status)
    if status != SEC_E_OK:
        assert snapshot(desc) == before
        assert qop.value == 0xABCD
    probe_decrypt(client, server)


@FUZZ
@given(LAYOUTS)
def test_verify_any_layout(contexts: Any, layout: List[SecBuffer]) -> None:
    client, server, _, _ = contexts
    desc = SecBufferDesc(layout)
    before = snapshot(desc)
    status = VerifySignature(server, desc, 0, None)
    is_status(status)
    assert snapshot(desc) == before  # VerifySignature never writes
    probe_verify(client, server)


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=300), st.booleans())
def test_decrypt_any_bytes_as_token_and_data(contexts: Any, token: bytes, data: bytes,
                                             stream: bool) -> None:
    client, server, _, _ = contexts
    if stream:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, bytearray(token + data)),
                              SecBuffer(SECBUFFER_DATA, None)])
    else:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)),
                              SecBuffer(SECBUFFER_DATA, bytearray(data))])
    before = snapshot(desc)
    status = DecryptMessage(server, desc, 0, None)
    is_status(status)
    assert status != SEC_E_OK
    assert snapshot(desc) == before
    status = VerifySignature(server, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)),
                                                    SecBuffer(SECBUFFER_DATA, bytearray(data))]),
                             0, None)
    is_status(status)
    assert status != SEC_E_OK
    probe_decrypt(client, server)


@FUZZ
@given(LAYOUTS, st.sampled_from([0, SECQOP_WRAP_NO_ENCRYPT, 1, 0xFFFFFFFF]))
def test_encrypt_and_sign_any_layout(contexts: Any, layout: List[SecBuffer], qop: int) -> None:
    _, _, client, server = contexts
    desc = SecBufferDesc(layout)
    before = snapshot(desc)
    status = EncryptMessage(client, qop, desc, 0)
    is_status(status)
    if status != SEC_E_OK:
        assert snapshot(desc) == before
    desc = SecBufferDesc(layout)
    before = snapshot(desc)
    status = MakeSignature(client, qop, desc, 0)
    is_status(status)
    if status != SEC_E_OK:
        assert snapshot(desc) == before
    probe_decrypt(client, server)
    probe_verify(client, server)


# --- mutated genuine messages ---------------------------------------------------------------------


@st.composite
def mutations(draw: Any) -> Tuple[str, int, int]:
    how = draw(st.sampled_from(["flip", "truncate", "extend", "resplit", "retype", "swap",
                                "stream", "stream-flip"]))
    return how, draw(st.integers(min_value=0, max_value=10_000)), draw(st.integers(0, 255))


@FUZZ
@given(st.binary(max_size=200), st.booleans(), mutations())
def test_decrypt_mutated_genuine_messages(contexts: Any, message: bytes, conf: bool,
                                          mutation: Tuple[str, int, int]) -> None:
    _, _, client, server = contexts
    parts = genuine(client, message, conf)
    whole = b"".join(data for _, data in parts)
    how, where, value = mutation
    if how == "flip":
        index = where % 3
        data = bytearray(parts[index][1])
        if data:
            data[where % len(data)] ^= (value or 1)
        parts[index] = (parts[index][0], bytes(data))
    elif how == "truncate":
        index = where % 3
        parts[index] = (parts[index][0], parts[index][1][:value % (len(parts[index][1]) + 1)])
    elif how == "extend":
        parts[1] = (parts[1][0], parts[1][1] + bytes([value]) * (where % 5 + 1))
    elif how == "resplit":
        cut = where % (len(whole) + 1)
        parts = [(SECBUFFER_TOKEN, whole[:cut]), (SECBUFFER_DATA, whole[cut:])]
    elif how == "retype":
        index = where % 3
        parts[index] = ((value % 16) | (SECBUFFER_READONLY if value & 16 else 0),
                        parts[index][1])
    elif how == "swap":
        parts = [parts[1], parts[0], parts[2]]
    elif how == "stream":
        cut = where % (len(whole) + 1)
        parts = [(SECBUFFER_STREAM, whole[:cut] + whole[cut:]), (SECBUFFER_DATA, b"")]
    else:
        data = bytearray(whole)
        if data:
            data[where % len(data)] ^= (value or 1)
        parts = [(SECBUFFER_STREAM, bytes(data)), (SECBUFFER_DATA, b"")]
    desc = SecBufferDesc([SecBuffer(kind, bytearray(data)) for kind, data in parts])
    before = snapshot(desc)
    status = DecryptMessage(server, desc, 0, None)
    is_status(status)
    if status != SEC_E_OK:
        assert snapshot(desc) == before
    probe_decrypt(client, server)
