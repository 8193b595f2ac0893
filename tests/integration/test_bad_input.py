"""Bad input to the context-establishment and credential functions, against a
real KDC: garbage and mutated tokens, wrong handle kinds, deleted and forged
handles, wrong buffer types, absurd sizes, every memory kind, None wherever
C allows NULL, and wrong Python types.

The invariant (DESIGN.md §6): an SSPI status, or ``MisuseError`` (a
TypeError) for an argument of the wrong Python type -- never another
exception, never SEC_E_INTERNAL_ERROR, and on failure the caller's buffers,
handles and out-parameters are as they were.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from kerberos_helpers import (
    HTTP,
    MAX_TOKEN,
    SENTINEL_ATTRS,
    SENTINEL_TIME,
    Creds,
    asc,
    complete,
    handshake,
    isc,
    out_desc,
    token_desc,
)

from sspi_compat import (
    FAILED,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_USE_DCE_STYLE,
    SEC_E_INTERNAL_ERROR,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_PARAMETER,
    SEC_E_INVALID_TOKEN,
    SEC_E_OK,
    SEC_E_TARGET_UNKNOWN,
    SEC_E_UNKNOWN_CREDENTIALS,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY,
    SECBUFFER_DATA,
    SECBUFFER_EMPTY,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_SIZES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
    SECURITY_STATUS,
    ULONG,
    AcceptSecurityContext,
    AcquireCredentialsHandle,
    CompleteAuthToken,
    CredHandle,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    InitializeSecurityContext,
    MisuseError,
    QueryContextAttributes,
    QueryCredentialsAttributes,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    SecPkgContext_Sizes,
    SecPkgCredentials_Names,
    TimeStamp,
)

pytestmark = pytest.mark.kdc


def state(desc: Any) -> Any:
    """Everything a call could change in a descriptor (identity and content)."""
    if not isinstance(desc, SecBufferDesc):
        return desc
    return [(b.BufferType, b.cbBuffer, id(b.pvBuffer),
             None if b.pvBuffer is None else bytes(b.pvBuffer)) for b in desc]


def status_only(status: Any) -> SECURITY_STATUS:
    assert isinstance(status, SECURITY_STATUS), repr(status)
    assert status != SEC_E_INTERNAL_ERROR, "SEC_E_INTERNAL_ERROR is a bug"
    return status


DEFAULT: Any = object()  # "a fresh handle / a 48000-byte token buffer"; None means NULL


def call_asc(cred: Any, ctx: Any, inp: Any, new: Any = DEFAULT, out: Any = DEFAULT,
             req: int = 0) -> Tuple[SECURITY_STATUS, Any, Any, ULONG, TimeStamp]:
    """ASC that checks: a status, and on failure nothing of the caller's changed."""
    new = CtxtHandle() if new is DEFAULT else new
    out = out_desc() if out is DEFAULT else out
    attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
    before = (state(inp), state(out), (getattr(new, "dwLower", None),
                                       getattr(new, "dwUpper", None)))
    status = status_only(AcceptSecurityContext(cred, ctx, inp, req, SECURITY_NATIVE_DREP, new,
                                               out, attrs, expiry))
    if FAILED(status):
        after = (state(inp), state(out), (getattr(new, "dwLower", None),
                                          getattr(new, "dwUpper", None)))
        assert after == before, "a failed call changed the caller's data"
        assert (attrs.value, expiry.QuadPart) == (SENTINEL_ATTRS, SENTINEL_TIME)
    return status, new, out, attrs, expiry


def call_isc(cred: Any, ctx: Any, target: Any, inp: Any, new: Any = DEFAULT,
             out: Any = DEFAULT, req: int = ISC_REQ_MUTUAL_AUTH,
             ) -> Tuple[SECURITY_STATUS, Any, Any]:
    new = CtxtHandle() if new is DEFAULT else new
    out = out_desc() if out is DEFAULT else out
    attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
    before = (state(inp), state(out), (getattr(new, "dwLower", None),
                                       getattr(new, "dwUpper", None)))
    status = status_only(InitializeSecurityContext(cred, ctx, target, req, 0,
                                                   SECURITY_NATIVE_DREP, inp, 0, new, out,
                                                   attrs, expiry))
    if FAILED(status):
        after = (state(inp), state(out), (getattr(new, "dwLower", None),
                                          getattr(new, "dwUpper", None)))
        assert after == before, "a failed call changed the caller's data"
        assert (attrs.value, expiry.QuadPart) == (SENTINEL_ATTRS, SENTINEL_TIME)
    return status, new, out


# --- garbage and mutated tokens --------------------------------------------------------------

KRB5_OID_HEADER = bytes.fromhex("06092a864886f712010202")
GARBAGE = [
    pytest.param(b"\x00", id="nul"),
    pytest.param(b"\x60", id="gss-tag-only"),
    pytest.param(b"\x60\x80", id="indefinite-length"),
    pytest.param(b"\x60\x84\xff\xff\xff\xff" + b"x" * 20, id="length-4GiB"),
    pytest.param(b"\x60\x0d" + KRB5_OID_HEADER + b"\x01\x00", id="krb5-ap-req-no-body"),
    pytest.param(b"\x60\x0d" + KRB5_OID_HEADER + b"\x02\x00", id="krb5-ap-rep-to-acceptor"),
    pytest.param(b"\x60\x0d" + KRB5_OID_HEADER + b"\x03\x00", id="krb5-error-to-acceptor"),
    pytest.param(b"\x6e\x03\x02\x01\x05", id="raw-ap-req-tag"),
    pytest.param(b"NTLMSSP\x00\x01\x00\x00\x00" + bytes(20), id="ntlm"),
    pytest.param(b"\xa0\x0e\x30\x0c\xa0\x0a\x30\x08\x06\x06\x2b\x06\x01\x05\x05\x02",
                 id="spnego-negtokeninit-shape"),
    pytest.param(b"\xff" * 65536, id="64KiB-ff"),
    pytest.param(random.Random(7).randbytes(1 << 20), id="1MiB-random"),
    pytest.param("text".encode("utf-16-le"), id="utf16"),
]


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_to_accept(creds: Creds, token: bytes) -> None:
    status, new, _, _, _ = call_asc(creds[1], None, token_desc(token))
    assert status == SEC_E_INVALID_TOKEN
    assert not SecIsValidHandle(new)


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_as_the_servers_reply(creds: Creds, token: bytes) -> None:
    client, _ = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    assert first.status == SEC_I_CONTINUE_NEEDED
    status, _, _ = call_isc(None, ctx, HTTP, token_desc(token), new=ctx)
    assert FAILED(status)
    assert SecIsValidHandle(ctx)  # stays valid until deleted
    assert DeleteSecurityContext(ctx) == SEC_E_OK


def mutations(token: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    for _ in range(count):
        kind = rng.randrange(5)
        data = bytearray(token)
        if kind == 0:  # flip one bit
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif kind == 1:  # truncate
            data = data[:rng.randrange(len(data))]
        elif kind == 2:  # extend
            data += rng.randbytes(rng.randrange(1, 64))
        elif kind == 3:  # overwrite a run
            i = rng.randrange(len(data))
            data[i:i + 8] = rng.randbytes(8)
        else:  # splice a copy of a slice elsewhere
            i, j = sorted(rng.sample(range(len(data)), 2))
            data[j:j] = data[i:j][:32]
        yield bytes(data)


ALLOWED_ACCEPT = {SEC_E_OK, SEC_I_CONTINUE_NEEDED}


def test_mutated_ap_req(creds: Creds) -> None:
    client, server = creds
    rng = random.Random(2)
    seen = set()
    for _ in range(4):
        token = isc(client, CtxtHandle(), HTTP, ISC_REQ_MUTUAL_AUTH).token
        for mutated in mutations(token, rng, 60):
            status, new, _, _, _ = call_asc(server, None, token_desc(mutated))
            seen.add(status.name)
            if status in ALLOWED_ACCEPT:  # a harmless mutation (e.g. trailing bytes)
                DeleteSecurityContext(new)
    assert "SEC_E_INVALID_TOKEN" in seen and "SEC_E_INTERNAL_ERROR" not in seen, seen


def test_mutated_ap_rep(creds: Creds) -> None:
    client, server = creds
    rng = random.Random(3)
    seen = set()
    for _ in range(120):
        ctx = CtxtHandle()
        first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
        reply = asc(server, CtxtHandle(), first.token, 0).token
        mutated = next(mutations(reply, rng, 1))
        status, _, _ = call_isc(None, ctx, HTTP, token_desc(mutated), new=ctx)
        seen.add(status.name)
        DeleteSecurityContext(ctx)
    assert "SEC_E_INTERNAL_ERROR" not in seen, seen
    assert {"SEC_E_INVALID_TOKEN"} <= seen, seen


# --- wrong handle kinds, deleted and forged handles -------------------------------------------

def test_context_numbers_where_a_credential_belongs(creds: Creds) -> None:
    client, server = creds
    hs = complete(handshake(client, server, HTTP, isc_req=ISC_REQ_MUTUAL_AUTH))
    as_cred = CredHandle(hs.client.dwLower, hs.client.dwUpper)
    assert call_isc(as_cred, None, HTTP, None)[0] == SEC_E_INVALID_HANDLE
    token = isc(client, CtxtHandle(), HTTP, 0).token
    assert call_asc(CredHandle(hs.server.dwLower, hs.server.dwUpper), None,
                    token_desc(token))[0] == SEC_E_INVALID_HANDLE
    assert FreeCredentialsHandle(as_cred) == SEC_E_INVALID_HANDLE
    assert QueryCredentialsAttributes(as_cred, SECPKG_CRED_ATTR_NAMES,
                                      SecPkgCredentials_Names()) == SEC_E_INVALID_HANDLE
    # and the context itself was not harmed
    assert QueryContextAttributes(hs.client, SECPKG_ATTR_SIZES,
                                  SecPkgContext_Sizes()) == SEC_E_OK
    hs.delete()


def test_credential_numbers_where_a_context_belongs(creds: Creds) -> None:
    client, server = creds
    as_ctx = CtxtHandle(client.dwLower, client.dwUpper)
    assert call_isc(client, as_ctx, HTTP, token_desc(b"x"), new=as_ctx)[0] == (
        SEC_E_INVALID_HANDLE)
    assert call_asc(server, as_ctx, token_desc(b"x"), new=as_ctx)[0] == SEC_E_INVALID_HANDLE
    assert DeleteSecurityContext(as_ctx) == SEC_E_INVALID_HANDLE
    assert CompleteAuthToken(as_ctx, None) == SEC_E_INVALID_HANDLE
    assert QueryContextAttributes(as_ctx, SECPKG_ATTR_SIZES,
                                  SecPkgContext_Sizes()) == SEC_E_INVALID_HANDLE
    # the credential still works
    complete(handshake(client, server, HTTP)).delete()


def test_handle_objects_of_the_wrong_class_are_misuse(creds: Creds) -> None:
    client, server = creds
    with pytest.raises(MisuseError):
        InitializeSecurityContext(CtxtHandle(client.dwLower, client.dwUpper), None, HTTP, 0,
                                  0, SECURITY_NATIVE_DREP, None, 0, CtxtHandle(),
                                  out_desc(), ULONG(), None)
    with pytest.raises(MisuseError):
        InitializeSecurityContext(client, client, HTTP, 0, 0, SECURITY_NATIVE_DREP, None, 0,
                                  CtxtHandle(), out_desc(), ULONG(), None)
    with pytest.raises(MisuseError):
        AcceptSecurityContext(server, None, token_desc(b"x"), 0, SECURITY_NATIVE_DREP,
                              server, out_desc(), ULONG(), None)


def test_initiator_and_acceptor_contexts_are_not_interchangeable(creds: Creds) -> None:
    client, server = creds
    ctx, sctx = CtxtHandle(), CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE)
    reply = asc(server, sctx, first.token, 0)
    assert call_isc(client, sctx, HTTP, token_desc(reply.token), new=sctx,
                    req=ISC_REQ_USE_DCE_STYLE)[0] == SEC_E_INVALID_HANDLE
    assert call_asc(server, ctx, token_desc(first.token), new=ctx)[0] == SEC_E_INVALID_HANDLE
    # both still finish their own exchange
    third = isc(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE, reply.token)
    assert third.status == SEC_E_OK
    assert asc(server, sctx, third.token, 0).status == SEC_E_OK


def every_context_call(ctx: Any) -> List[SECURITY_STATUS]:
    return [
        call_isc(None, ctx, HTTP, token_desc(b"x"), new=CtxtHandle())[0],
        call_asc(None, ctx, token_desc(b"x"))[0],
        status_only(QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, SecPkgContext_Sizes())),
        status_only(CompleteAuthToken(ctx, None)),
        status_only(DeleteSecurityContext(ctx)),
    ]


def every_credential_call(cred: Any) -> List[SECURITY_STATUS]:
    return [
        call_isc(cred, None, HTTP, None)[0],
        call_asc(cred, None, token_desc(b"x"))[0],
        status_only(QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES,
                                               SecPkgCredentials_Names())),
        status_only(FreeCredentialsHandle(cred)),
    ]


def test_deleted_context(creds: Creds) -> None:
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_MUTUAL_AUTH))
    copy = CtxtHandle(hs.client.dwLower, hs.client.dwUpper)
    assert DeleteSecurityContext(hs.client) == SEC_E_OK
    assert every_context_call(hs.client) == [SEC_E_INVALID_HANDLE] * 5
    assert every_context_call(copy) == [SEC_E_INVALID_HANDLE] * 5
    DeleteSecurityContext(hs.server)


def test_freed_credential(krb5_env: Any) -> None:
    cred = CredHandle()
    assert AcquireCredentialsHandle(None, "Kerberos", SECPKG_CRED_OUTBOUND, None, None, None,
                                    None, cred, None) == SEC_E_OK
    assert FreeCredentialsHandle(cred) == SEC_E_OK
    assert every_credential_call(cred) == [SEC_E_INVALID_HANDLE] * 4


FORGED = [(0, 0), (0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF), (0x1000, 0), (1, 1),
          (-1, -1), (2**200, 2**200), ("a", "b"), (None, None), (1.5, 2.5), (b"", [])]


@pytest.mark.parametrize("numbers", FORGED, ids=repr)
def test_forged_context_handles(creds: Creds, numbers: Tuple[Any, Any]) -> None:
    assert every_context_call(CtxtHandle(*numbers)) == [SEC_E_INVALID_HANDLE] * 5


@pytest.mark.parametrize("numbers", FORGED, ids=repr)
def test_forged_credential_handles(creds: Creds, numbers: Tuple[Any, Any]) -> None:
    assert every_credential_call(CredHandle(*numbers)) == [SEC_E_INVALID_HANDLE] * 4


def test_forged_lower_of_a_live_handle(creds: Creds) -> None:
    hs = complete(handshake(*creds, HTTP))
    for delta in (1, -1, 1000, 2**32):
        forged = CtxtHandle(hs.client.dwLower + delta, hs.client.dwUpper)
        assert status_only(QueryContextAttributes(forged, SECPKG_ATTR_SIZES,
                                                  SecPkgContext_Sizes())) in (
            SEC_E_INVALID_HANDLE, SEC_E_OK)  # SEC_E_OK only if it names another live one
    assert QueryContextAttributes(CtxtHandle(hs.client.dwLower, hs.client.dwUpper ^ 1),
                                  SECPKG_ATTR_SIZES, SecPkgContext_Sizes()) == (
        SEC_E_INVALID_HANDLE)
    hs.delete()


# --- wrong buffer types and absurd sizes -------------------------------------------------------

def test_token_in_a_data_buffer(creds: Creds) -> None:
    client, server = creds
    token = isc(client, CtxtHandle(), HTTP, 0).token
    for btype in (SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_PADDING, 99, 0x7FFFFFFF):
        status, *_ = call_asc(server, None, SecBufferDesc([SecBuffer(btype, token)]))
        assert status == SEC_E_INVALID_TOKEN
    status, *_ = call_asc(server, None, SecBufferDesc([]))
    assert status == SEC_E_INVALID_TOKEN
    # the token was never consumed: it is still good
    assert asc(server, CtxtHandle(), token, 0).status == SEC_E_OK


def test_readonly_flag_on_the_input_token_is_fine(creds: Creds) -> None:
    client, server = creds
    token = isc(client, CtxtHandle(), HTTP, 0).token
    inp = SecBufferDesc([SecBuffer(SECBUFFER_DATA, b"other"),
                         SecBuffer(SECBUFFER_TOKEN | SECBUFFER_READONLY, token)])
    assert call_asc(server, None, inp)[0] == SEC_E_OK


def test_output_without_a_token_buffer(creds: Creds) -> None:
    client, server = creds
    for out in (SecBufferDesc([]), SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray(MAX_TOKEN))]),
                None):
        status, new, _ = call_isc(client, None, HTTP, None, out=out, req=0)
        assert status == SEC_E_INVALID_TOKEN and not SecIsValidHandle(new)
    token = isc(client, CtxtHandle(), HTTP, ISC_REQ_MUTUAL_AUTH).token
    status, new, _, _, _ = call_asc(server, None, token_desc(token), out=SecBufferDesc([]))
    assert status == SEC_E_INVALID_TOKEN and not SecIsValidHandle(new)
    # nothing was consumed: the same AP-REQ with a real buffer is accepted
    assert asc(server, CtxtHandle(), token, 0).status == SEC_E_OK


@pytest.mark.parametrize("cb", [-1, -(2**63), 2**31, 2**64, 2**64 + 5, 10**30])
def test_absurd_input_cbbuffer(creds: Creds, cb: int) -> None:
    client, server = creds
    token = isc(client, CtxtHandle(), HTTP, 0).token
    assert call_asc(server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token, cb)]))[0] \
        == SEC_E_INVALID_TOKEN
    ctx = CtxtHandle()
    isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    status, _, _ = call_isc(None, ctx, HTTP, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token,
                                                                      cb)]), new=ctx)
    assert status == SEC_E_INVALID_TOKEN


@pytest.mark.parametrize("cb", [0, None, "700", 1.5])
def test_odd_input_cbbuffer(creds: Creds, cb: Any) -> None:
    client, server = creds
    token = isc(client, CtxtHandle(), HTTP, 0).token
    buf = SecBuffer(SECBUFFER_TOKEN, token)
    buf.cbBuffer = cb
    assert call_asc(server, None, SecBufferDesc([buf]))[0] == SEC_E_INVALID_TOKEN


def test_input_cbbuffer_shorter_than_the_memory(creds: Creds) -> None:
    """cbBuffer says how much of pvBuffer is the token; the rest is ignored."""
    client, server = creds
    token = isc(client, CtxtHandle(), HTTP, 0).token
    memory = bytearray(token) + bytearray(b"\xee" * 500)
    assert call_asc(server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, memory,
                                                           len(token))]))[0] == SEC_E_OK


@pytest.mark.parametrize("cb", [-5, 0, 2**64, 7])
def test_output_cbbuffer_is_an_out_parameter(creds: Creds, cb: int) -> None:
    """On the way in, an output buffer's size is its memory; cbBuffer is set on success."""
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(MAX_TOKEN), cb)])
    status, _, out = call_isc(creds[0], None, HTTP, None, out=out, req=0)
    assert status == SEC_E_OK
    assert 0 < out[0].cbBuffer < MAX_TOKEN


# --- every kind of memory ---------------------------------------------------------------------

MEMORY_KINDS: List[Tuple[str, Callable[[bytes], Any]]] = [
    ("bytes", bytes),
    ("bytearray", bytearray),
    ("memoryview", lambda b: memoryview(bytearray(b))),
    ("readonly-memoryview", lambda b: memoryview(bytes(b))),
    ("sliced-memoryview", lambda b: memoryview(b"\x00" * 7 + b + b"\x00" * 9)[7:7 + len(b)]),
]


@pytest.mark.parametrize(("kind", "make"), MEMORY_KINDS, ids=[k for k, _ in MEMORY_KINDS])
def test_input_token_in_any_memory(creds: Creds, kind: str, make: Callable[[bytes], Any]) -> None:
    client, server = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    status, _, out, _, _ = call_asc(server, None, SecBufferDesc(
        [SecBuffer(SECBUFFER_TOKEN, make(first.token))]))
    assert status == SEC_E_OK
    status, _, _ = call_isc(None, ctx, HTTP, SecBufferDesc(
        [SecBuffer(SECBUFFER_TOKEN, make(out[0].data))]), new=ctx)
    assert status == SEC_E_OK


OUT_KINDS: List[Tuple[str, Callable[[], Any], bool]] = [
    ("bytearray", lambda: bytearray(MAX_TOKEN), True),
    ("memoryview", lambda: memoryview(bytearray(MAX_TOKEN)), True),
    ("bytes", lambda: bytes(MAX_TOKEN), False),
    ("readonly-memoryview", lambda: memoryview(bytes(MAX_TOKEN)), False),
]


@pytest.mark.parametrize(("kind", "make", "in_place"), OUT_KINDS, ids=[k for k, _, _ in OUT_KINDS])
def test_output_in_any_memory(creds: Creds, kind: str, make: Callable[[], Any],
                              in_place: bool) -> None:
    client, server = creds
    memory = make()
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, memory)])
    status, _, out = call_isc(client, None, HTTP, None, out=out, req=0)
    assert status == SEC_E_OK
    if in_place:
        assert out[0].pvBuffer is memory
    else:  # immutable: replaced by a bytearray of the same capacity, the original untouched
        assert isinstance(out[0].pvBuffer, bytearray) and len(out[0].pvBuffer) == MAX_TOKEN
        assert bytes(memory) == bytes(MAX_TOKEN)
    assert asc(server, CtxtHandle(), out[0].data, 0).status == SEC_E_OK


# --- None wherever C allows NULL --------------------------------------------------------------

def test_nulls_in_initialize(creds: Creds) -> None:
    client, _ = creds
    assert call_isc(None, None, HTTP, None)[0] == SEC_E_INVALID_HANDLE  # no credential at all
    assert call_isc(client, None, None, None)[0] == SEC_E_TARGET_UNKNOWN
    status = status_only(InitializeSecurityContext(client, None, HTTP, 0, 0,
                                                   SECURITY_NATIVE_DREP, None, 0, None,
                                                   out_desc(), ULONG(), None))
    assert status == SEC_E_INVALID_PARAMETER  # phNewContext NULL on a first call
    ctx = CtxtHandle()
    isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    status, _, _ = call_isc(None, ctx, HTTP, None, new=ctx)  # later leg without pInput
    assert status == SEC_E_INVALID_TOKEN
    assert SecIsValidHandle(ctx)
    # ptsExpiry NULL and phNewContext NULL on a later leg are fine
    _, server = creds
    first = isc(client, CtxtHandle(), HTTP, ISC_REQ_MUTUAL_AUTH)
    ctx2 = CtxtHandle()
    status = InitializeSecurityContext(client, None, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                       SECURITY_NATIVE_DREP, None, 0, ctx2, out_desc(),
                                       ULONG(), None)
    reply = asc(server, CtxtHandle(), first.token, 0)
    assert reply.status == SEC_E_OK
    assert status == SEC_I_CONTINUE_NEEDED


def test_a_later_leg_without_phnewcontext(creds: Creds) -> None:
    client, server = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    reply = asc(server, CtxtHandle(), first.token, 0)
    status = InitializeSecurityContext(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                       SECURITY_NATIVE_DREP, token_desc(reply.token), 0, None,
                                       out_desc(), ULONG(), None)
    assert status == SEC_E_OK


def test_nulls_in_accept(creds: Creds) -> None:
    client, server = creds
    assert call_asc(server, None, None)[0] == SEC_E_INVALID_TOKEN
    assert call_asc(None, None, token_desc(b"x"))[0] == SEC_E_INVALID_HANDLE
    token = isc(client, CtxtHandle(), HTTP, 0).token
    status = status_only(AcceptSecurityContext(server, None, token_desc(token), 0,
                                               SECURITY_NATIVE_DREP, None, out_desc(), ULONG(),
                                               None))
    assert status == SEC_E_INVALID_PARAMETER
    # no output descriptor, no token to send (no mutual auth): fine
    assert status_only(AcceptSecurityContext(server, None, token_desc(token), 0,
                                             SECURITY_NATIVE_DREP, CtxtHandle(), None, ULONG(),
                                             None)) == SEC_E_OK


def test_nulls_in_credentials_functions(krb5_env: Any) -> None:
    assert status_only(AcquireCredentialsHandle(None, None, SECPKG_CRED_OUTBOUND, None, None,
                                                None, None, CredHandle(), None)) != SEC_E_OK
    assert status_only(QueryCredentialsAttributes(None, SECPKG_CRED_ATTR_NAMES,
                                                  SecPkgCredentials_Names())) == (
        SEC_E_INVALID_HANDLE)
    assert status_only(FreeCredentialsHandle(None)) == SEC_E_INVALID_HANDLE
    assert status_only(DeleteSecurityContext(None)) == SEC_E_INVALID_HANDLE
    assert status_only(CompleteAuthToken(None, None)) == SEC_E_INVALID_HANDLE


# --- values of the right type but impossible ---------------------------------------------------

@pytest.mark.parametrize("value", [-1, -(2**31), 2**64, 2**100])
def test_impossible_integers_are_invalid_parameter(creds: Creds, value: int) -> None:
    client, server = creds
    args = [client, None, HTTP, 0, 0, SECURITY_NATIVE_DREP, None, 0, CtxtHandle(),
            out_desc(), ULONG(), None]
    for position in (3, 4, 5, 7):  # fContextReq, Reserved1, TargetDataRep, Reserved2
        bad = list(args)
        bad[position] = value
        assert status_only(InitializeSecurityContext(*bad)) == SEC_E_INVALID_PARAMETER
    assert call_asc(server, None, token_desc(b"x"), req=value)[0] == SEC_E_INVALID_PARAMETER
    assert status_only(AcquireCredentialsHandle(None, "Kerberos", value, None, None, None,
                                                None, CredHandle(), None)) == (
        SEC_E_INVALID_PARAMETER)
    hs = complete(handshake(client, server, HTTP))
    assert status_only(QueryContextAttributes(hs.client, value, SecPkgContext_Sizes())) == (
        SEC_E_INVALID_PARAMETER)
    hs.delete()


@pytest.mark.parametrize("target", ["\udc80", "HTTP/\ud800server", "HTTP/server\0.sspi.test",
                                    "HTTP/" + "a" * 70000, "HTTP/server sspi test", "@",
                                    "/", b"\xff\xfe", b"HTTP/server.sspi.test\x00junk"])
def test_odd_target_names(creds: Creds, target: Any) -> None:
    assert call_isc(creds[0], None, target, None)[0] == SEC_E_TARGET_UNKNOWN


@pytest.mark.parametrize("identity", [
    SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", "pw\udc80"),
    SEC_WINNT_AUTH_IDENTITY("\ud800", "SSPI.TEST", "pw"),
    SEC_WINNT_AUTH_IDENTITY(b"\x00\xdc", None, b"p\x00"),
], ids=["surrogate-password", "surrogate-user", "lone-surrogate-utf16"])
def test_identity_no_c_string_can_hold(krb5_env: Any, identity: Any) -> None:
    cred = CredHandle()
    assert status_only(AcquireCredentialsHandle(None, "Kerberos", SECPKG_CRED_OUTBOUND, None,
                                                identity, None, None, cred, None)) == (
        SEC_E_UNKNOWN_CREDENTIALS)
    assert not SecIsValidHandle(cred)


def test_odd_principal_names(krb5_env: Any) -> None:
    for principal in ("\udc80", "al\0ice", "a" * 10000, b"\xff", "x@y@z"):
        assert FAILED(status_only(AcquireCredentialsHandle(
            principal, "Kerberos", SECPKG_CRED_OUTBOUND, None, None, None, None, CredHandle(),
            None))), principal
    # "@" and "" name nobody in particular: the logon session's default principal
    for principal in ("@", ""):
        assert status_only(AcquireCredentialsHandle(
            principal, "Kerberos", SECPKG_CRED_OUTBOUND, None, None, None, None, CredHandle(),
            None)) == SEC_E_OK


# --- wrong Python types: MisuseError, and nothing written ---------------------------------------

def isc_args(client: CredHandle) -> List[Any]:
    return [client, None, HTTP, 0, 0, SECURITY_NATIVE_DREP, None, 0, CtxtHandle(),
            out_desc(), ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)]


def sneaky_buffer(attribute: str, value: Any) -> SecBufferDesc:
    buf = SecBuffer(SECBUFFER_TOKEN, bytearray(MAX_TOKEN))
    setattr(buf, attribute, value)
    return SecBufferDesc([buf])


ISC_MISUSE = [
    (0, "cred"), (0, 5), (1, 5), (1, CredHandle()), (2, 5), (2, 1.5), (2, ["HTTP"]),
    (3, "0"), (3, 1.5), (3, None), (3, True), (4, None), (5, None), (5, "16"),
    (6, b"token"), (6, [SecBuffer()]), (6, SecBuffer()), (7, None), (8, CredHandle()), (8, 5),
    (9, bytearray(10)), (9, SecBuffer()), (10, None), (10, 5), (11, 5), (11, ULONG()),
]


@pytest.mark.parametrize(("position", "value"), ISC_MISUSE,
                         ids=[f"arg{p}-{type(v).__name__}" for p, v in ISC_MISUSE])
def test_initialize_misuse(creds: Creds, position: int, value: Any) -> None:
    args = isc_args(creds[0])
    args[position] = value
    out_before = state(args[9])
    with pytest.raises(MisuseError):
        InitializeSecurityContext(*args)
    assert state(args[9]) == out_before
    if isinstance(args[10], ULONG):
        assert args[10].value == SENTINEL_ATTRS
    if isinstance(args[8], CtxtHandle):
        assert not SecIsValidHandle(args[8])


@pytest.mark.parametrize(("attribute", "value"), [
    ("pvBuffer", "text"), ("pvBuffer", 12345), ("pvBuffer", [1, 2]), ("BufferType", "2"),
    ("BufferType", None)])
def test_buffers_changed_behind_the_constructors_back(creds: Creds, attribute: str,
                                                     value: Any) -> None:
    client, server = creds
    args = isc_args(client)
    args[9] = sneaky_buffer(attribute, value)
    with pytest.raises(MisuseError):
        InitializeSecurityContext(*args)
    with pytest.raises(MisuseError):
        AcceptSecurityContext(server, None, sneaky_buffer(attribute, value), 0,
                              SECURITY_NATIVE_DREP, CtxtHandle(), out_desc(), ULONG(), None)
    with pytest.raises(MisuseError):
        CompleteAuthToken(CtxtHandle(), sneaky_buffer(attribute, value))


@pytest.mark.parametrize("buffers", [None, "abc", [b"token"], (SecBuffer(),)[0:0] or 5])
def test_descriptor_list_replaced(creds: Creds, buffers: Any) -> None:
    desc = SecBufferDesc()
    desc.pBuffers = buffers
    with pytest.raises(MisuseError):
        AcceptSecurityContext(creds[1], None, desc, 0, SECURITY_NATIVE_DREP, CtxtHandle(),
                              out_desc(), ULONG(), None)


def test_query_structures_of_the_wrong_type(creds: Creds) -> None:
    hs = complete(handshake(*creds, HTTP))
    with pytest.raises(MisuseError):
        QueryContextAttributes(hs.client, SECPKG_ATTR_SIZES, None)
    with pytest.raises(MisuseError):
        QueryContextAttributes(hs.client, "0", SecPkgContext_Sizes())
    # an attribute nobody supports is a status whatever the structure
    assert QueryContextAttributes(hs.client, 9999, None) == SEC_E_UNSUPPORTED_FUNCTION
    hs.delete()
