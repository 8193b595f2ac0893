"""InitializeSecurityContext / AcceptSecurityContext (Kerberos) as the seed page
describes them, against a real MIT KDC.

Row ids (P, F, A, S, R, ...) are those of
docs/reference/initializesecuritycontext-kerberos.md and
acceptsecuritycontext-kerberos.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Optional, Tuple

import pytest
from kerberos_helpers import (
    HTTP,
    MAX_TOKEN,
    NODELEG,
    SENTINEL_ATTRS,
    SENTINEL_TIME,
    Creds,
    asc,
    ccache_path,
    complete,
    handshake,
    isc,
    klist_entries,
    not_internal,
    out_desc,
    token_desc,
)

import sspi_compat
from sspi_compat import (
    ASC_REQ_ALLOCATE_MEMORY,
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_CONNECTION,
    ASC_REQ_DATAGRAM,
    ASC_REQ_DELEGATE,
    ASC_REQ_EXTENDED_ERROR,
    ASC_REQ_INTEGRITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_REQ_REPLAY_DETECT,
    ASC_REQ_SEQUENCE_DETECT,
    ASC_REQ_SESSION_TICKET,
    ASC_REQ_STREAM,
    ASC_REQ_USE_SESSION_KEY,
    ASC_RET_ALLOCATED_MEMORY,
    ASC_RET_CONFIDENTIALITY,
    ASC_RET_CONNECTION,
    ASC_RET_DELEGATE,
    ASC_RET_EXTENDED_ERROR,
    ASC_RET_INTEGRITY,
    ASC_RET_MUTUAL_AUTH,
    ASC_RET_REPLAY_DETECT,
    ASC_RET_SEQUENCE_DETECT,
    ASC_RET_STREAM,
    ISC_REQ_ALLOCATE_MEMORY,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_NO_INTEGRITY,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    ISC_REQ_USE_DCE_STYLE,
    ISC_RET_ALLOCATED_MEMORY,
    ISC_RET_CONFIDENTIALITY,
    ISC_RET_DELEGATE,
    ISC_RET_INTEGRITY,
    ISC_RET_MUTUAL_AUTH,
    ISC_RET_REAUTHENTICATION,
    ISC_RET_USED_DCE_STYLE,
    SEC_E_BUFFER_TOO_SMALL,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_PARAMETER,
    SEC_E_INVALID_TOKEN,
    SEC_E_OK,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    SECURITY_NATIVE_DREP,
    SECURITY_NETWORK_DREP,
    ULONG,
    AcceptSecurityContext,
    CompleteAuthToken,
    CtxtHandle,
    DeleteSecurityContext,
    FreeContextBuffer,
    InitializeSecurityContext,
    QueryContextAttributes,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    SecPkgContext_Flags,
    SecPkgContext_Names,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    TimeStamp,
    _handles,
    _memory,
)

pytestmark = pytest.mark.kdc


# --- the seed's calling sequence (R4, R5, R6, S1, S4) ----------------------------------


def test_mutual_authentication_sequence(creds: Creds) -> None:
    """R5: ISC -> CONTINUE_NEEDED + AP-REQ; ASC -> OK + AP-REP; ISC(AP-REP) -> OK."""
    client, server = creds
    ctx, sctx = CtxtHandle(), CtxtHandle()
    out = out_desc()
    attrs, expiry = ULONG(), TimeStamp()
    status = InitializeSecurityContext(client, None, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                       SECURITY_NATIVE_DREP, None, 0, ctx, out, attrs, expiry)
    assert status == SEC_I_CONTINUE_NEEDED
    assert SecIsValidHandle(ctx)
    ap_req = out[0].data
    assert ap_req[:1] == b"\x60" and 200 < len(ap_req) < MAX_TOKEN  # GSS framing
    assert attrs.value == ISC_RET_MUTUAL_AUTH  # R10: set on the intermediate return too

    sout, sattrs = out_desc(), ULONG()
    status = AcceptSecurityContext(server, None, token_desc(ap_req), 0, SECURITY_NATIVE_DREP,
                                   sctx, sout, sattrs, None)
    assert status == SEC_E_OK
    ap_rep = sout[0].data
    assert ap_rep, "S1: with SEC_E_OK the server still has a token to send"
    assert sattrs.value == ASC_RET_MUTUAL_AUTH

    numbers = (ctx.dwLower, ctx.dwUpper)
    out2 = out_desc()
    status = InitializeSecurityContext(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                       SECURITY_NATIVE_DREP, token_desc(ap_rep), 0, ctx, out2,
                                       attrs, expiry)
    assert status == SEC_E_OK
    assert out2[0].cbBuffer == 0  # nothing more to send
    assert (ctx.dwLower, ctx.dwUpper) == numbers
    assert attrs.value == ISC_RET_MUTUAL_AUTH
    names = SecPkgContext_Names()
    assert QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names) == SEC_E_OK
    assert names.sUserName == "alice@SSPI.TEST"
    for handle in (ctx, sctx):
        assert DeleteSecurityContext(handle) == SEC_E_OK


def test_without_mutual_authentication_one_leg(creds: Creds) -> None:
    """R4 / S1: the first call is SEC_E_OK; its token must still be sent."""
    hs = complete(handshake(*creds, HTTP, isc_req=0))
    assert hs.statuses == [("client", SEC_E_OK), ("server", SEC_E_OK)]
    assert hs.legs[0].token and not hs.legs[1].token
    assert hs.client_attrs == 0 and hs.server_attrs == 0  # nothing asked, nothing reported


def test_dce_style_three_legs(creds: Creds) -> None:
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_USE_DCE_STYLE))
    assert hs.statuses == [("client", SEC_I_CONTINUE_NEEDED), ("server", SEC_I_CONTINUE_NEEDED),
                           ("client", SEC_E_OK), ("server", SEC_E_OK)]
    assert hs.client_attrs & ISC_RET_USED_DCE_STYLE


@pytest.mark.parametrize("same_object", [True, False])
def test_phnewcontext_on_later_calls(creds: Creds, same_object: bool) -> None:
    """P9: on the second call phNewContext may be the same handle as phContext;
    a different CtxtHandle object receives the same numbers."""
    client, server = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    reply = asc(server, CtxtHandle(), first.token, 0)
    new = ctx if same_object else CtxtHandle()
    status = InitializeSecurityContext(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                       SECURITY_NATIVE_DREP, token_desc(reply.token), 0, new,
                                       out_desc(), ULONG(), None)
    assert status == SEC_E_OK
    assert new == ctx


def test_first_call_needs_phnewcontext(creds: Creds) -> None:
    """P9 [2023]: phNewContext must never be NULL."""
    status = InitializeSecurityContext(creds[0], None, HTTP, 0, 0, SECURITY_NATIVE_DREP, None,
                                       0, None, out_desc(), ULONG(), None)
    assert status == SEC_E_INVALID_PARAMETER


def test_later_calls_may_omit_the_credential(creds: Creds) -> None:
    """P1 is optional: later legs use the context's own credential."""
    client, server = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    reply = asc(server, CtxtHandle(), first.token, 0)
    assert isc(None, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, reply.token).status == SEC_E_OK


# --- fContextReq: every flag of the seed's table, and every other ISC_REQ_* ----------------

ISC_ECHOED = {"CONNECTION", "STREAM", "EXTENDED_ERROR"}
# name -> (kind, expected final pfContextAttr when requested alone)
ISC_FATE: Dict[str, Tuple[str, int]] = {
    "DELEGATE": ("mapped", ISC_RET_DELEGATE | ISC_RET_MUTUAL_AUTH),  # with MUTUAL_AUTH (F4)
    "MUTUAL_AUTH": ("mapped", ISC_RET_MUTUAL_AUTH),
    "REPLAY_DETECT": ("mapped", sspi_compat.ISC_RET_REPLAY_DETECT),
    "SEQUENCE_DETECT": ("mapped", sspi_compat.ISC_RET_SEQUENCE_DETECT),
    "CONFIDENTIALITY": ("mapped", ISC_RET_CONFIDENTIALITY),
    "INTEGRITY": ("mapped", ISC_RET_INTEGRITY),
    "IDENTIFY": ("mapped", sspi_compat.ISC_RET_IDENTIFY),
    "USE_DCE_STYLE": ("mapped", ISC_RET_USED_DCE_STYLE | ISC_RET_MUTUAL_AUTH),
    # mapped to GSS_C_ANON_FLAG; MIT grants no anonymity to a named TGT
    "NULL_SESSION": ("mapped", 0),
    "CONNECTION": ("echoed", sspi_compat.ISC_RET_CONNECTION),
    "STREAM": ("echoed", sspi_compat.ISC_RET_STREAM),
    "EXTENDED_ERROR": ("echoed", sspi_compat.ISC_RET_EXTENDED_ERROR),
    "ALLOCATE_MEMORY": ("allocate", ISC_RET_ALLOCATED_MEMORY),
    "NO_INTEGRITY": ("ignored", 0),  # alone: there is no integrity to withdraw
    "PROMPT_FOR_CREDS": ("refused", 0),
    "USE_SESSION_KEY": ("refused", 0),
    "DATAGRAM": ("refused", 0),
    "USE_SUPPLIED_CREDS": ("ignored", 0),
    "CALL_LEVEL": ("ignored", 0),
    "FRAGMENT_SUPPLIED": ("ignored", 0),
    "MANUAL_CRED_VALIDATION": ("ignored", 0),
    "RESERVED1": ("ignored", 0),
    "FRAGMENT_TO_FIT": ("ignored", 0),
    "FORWARD_CREDENTIALS": ("ignored", 0),
    "USE_HTTP_STYLE": ("ignored", 0),
    "HTTP": ("ignored", 0),
    "UNVERIFIED_TARGET_NAME": ("ignored", 0),
    "CONFIDENTIALITY_ONLY": ("ignored", 0),
    "MESSAGES": ("ignored", 0),
    "DEFERRED_CRED_VALIDATION": ("ignored", 0),
    "NO_POST_HANDSHAKE_AUTH": ("ignored", 0),
    "REUSE_SESSION_TICKETS": ("ignored", 0),
    "EXPLICIT_SESSION": ("ignored", 0),
}


def test_every_isc_req_constant_has_a_fate() -> None:
    names = {n[len("ISC_REQ_"):] for n in dir(sspi_compat) if n.startswith("ISC_REQ_")}
    assert names == set(ISC_FATE)


@pytest.mark.parametrize("name", sorted(ISC_FATE))
def test_isc_flag(creds: Creds, name: str) -> None:
    kind, expected = ISC_FATE[name]
    req = getattr(sspi_compat, f"ISC_REQ_{name}")
    if name == "DELEGATE":
        req |= ISC_REQ_MUTUAL_AUTH
    client, server = creds
    if kind == "refused":
        ctx, out = CtxtHandle(), out_desc()
        before = bytes(out[0].pvBuffer)  # type: ignore[arg-type]
        attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
        status = InitializeSecurityContext(client, None, HTTP, req, 0, SECURITY_NATIVE_DREP,
                                           None, 0, ctx, out, attrs, expiry)
        assert status == SEC_E_UNSUPPORTED_FUNCTION  # E9
        assert not SecIsValidHandle(ctx)
        assert (attrs.value, expiry.QuadPart) == (SENTINEL_ATTRS, SENTINEL_TIME)
        assert out[0].cbBuffer == MAX_TOKEN and bytes(out[0].pvBuffer) == before  # type: ignore[arg-type]
        return
    hs = complete(handshake(client, server, HTTP, isc_req=req))
    try:
        assert hs.client_attrs == expected, hex(hs.client_attrs)
        flags = SecPkgContext_Flags()
        assert QueryContextAttributes(hs.client, SECPKG_ATTR_FLAGS, flags) == SEC_E_OK
        assert flags.Flags == expected
    finally:
        hs.delete()


def test_no_integrity_withdraws_integrity(creds: Creds) -> None:
    """F8: with ISC_REQ_NO_INTEGRITY, ISC_REQ_INTEGRITY is ignored."""
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_INTEGRITY | ISC_REQ_NO_INTEGRITY
                            | ISC_REQ_CONFIDENTIALITY))
    assert hs.client_attrs == ISC_RET_CONFIDENTIALITY


def test_all_security_flags_together(creds: Creds) -> None:
    req = (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT
           | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_DELEGATE)
    hs = complete(handshake(*creds, HTTP, isc_req=req))
    assert hs.client_attrs == (ISC_RET_MUTUAL_AUTH | sspi_compat.ISC_RET_REPLAY_DETECT
                               | sspi_compat.ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY
                               | ISC_RET_INTEGRITY | ISC_RET_DELEGATE)


CLIENT_ALL = (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT
              | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_DELEGATE)
SERVER_BASE = ASC_RET_DELEGATE | ASC_RET_MUTUAL_AUTH | ASC_RET_REPLAY_DETECT | \
    ASC_RET_SEQUENCE_DETECT

# The ASC page's table F (plus ALLOCATE_MEMORY): what each adds to pfContextAttr.
ASC_FATE = {
    "CONFIDENTIALITY": (ASC_REQ_CONFIDENTIALITY, ASC_RET_CONFIDENTIALITY),
    "CONNECTION": (ASC_REQ_CONNECTION, ASC_RET_CONNECTION),
    "DELEGATE": (ASC_REQ_DELEGATE, 0),  # granted because the client delegated
    "EXTENDED_ERROR": (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR),
    "INTEGRITY": (ASC_REQ_INTEGRITY, ASC_RET_INTEGRITY),
    "REPLAY_DETECT": (ASC_REQ_REPLAY_DETECT, 0),
    "SEQUENCE_DETECT": (ASC_REQ_SEQUENCE_DETECT, 0),
    "MUTUAL_AUTH": (ASC_REQ_MUTUAL_AUTH, 0),
    "STREAM": (ASC_REQ_STREAM, ASC_RET_STREAM),
    "ALLOCATE_MEMORY": (ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY),
}


@pytest.mark.parametrize("name", sorted(ASC_FATE))
def test_asc_flag(creds: Creds, name: str) -> None:
    req, adds = ASC_FATE[name]
    hs = complete(handshake(*creds, HTTP, isc_req=CLIENT_ALL, asc_req=req))
    try:
        assert hs.server_attrs == SERVER_BASE | adds, hex(hs.server_attrs)
    finally:
        hs.delete()


@pytest.mark.parametrize("req", [ASC_REQ_USE_SESSION_KEY, ASC_REQ_SESSION_TICKET,
                                 ASC_REQ_DATAGRAM],
                         ids=["USE_SESSION_KEY", "SESSION_TICKET", "DATAGRAM"])
def test_asc_refuses_what_gss_cannot_do(creds: Creds, req: int) -> None:
    """ASC E7: an invalid fContextReq flag is SEC_E_UNSUPPORTED_FUNCTION; like
    ISC, user-to-user and datagram contexts have no GSS equivalent."""
    client, server = creds
    first = isc(client, CtxtHandle(), HTTP, 0)
    sctx = CtxtHandle()
    leg = asc(server, sctx, first.token, req)
    assert leg.status == SEC_E_UNSUPPORTED_FUNCTION
    assert not SecIsValidHandle(sctx)


# --- ptsExpiry: local time, close to the ticket's end (P12) ----------------------------------


def test_expiry_is_the_service_ticket_end_in_local_time(creds: Creds, krb5_env: Any) -> None:
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_MUTUAL_AUTH))
    ticket = klist_entries(krb5_env, ccache_path())["HTTP/server.sspi.test@SSPI.TEST"]
    client_end = hs.client_expiry.to_datetime()
    assert abs((client_end - ticket["end"]).total_seconds()) <= 1.5
    # docs/kerberos.md "Differences": MIT's acceptor lifetime adds the clock-skew allowance
    server_end = hs.server_expiry.to_datetime()
    assert abs((server_end - ticket["end"]).total_seconds() - 300) <= 1.5
    # local, not UTC: the same instant as the ticket's end per the local clock
    assert abs(client_end - dt.datetime.fromtimestamp(ticket["end"].timestamp())) < \
        dt.timedelta(seconds=2)


# --- ISC_REQ_ALLOCATE_MEMORY + FreeContextBuffer (F1, A1, R12) -------------------------------


class TestAllocateMemory:
    def test_isc_and_asc_allocate_and_free(self, creds: Creds) -> None:
        client, server = creds
        before = _memory.outstanding()
        ctx, sctx = CtxtHandle(), CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, None)])
        attrs = ULONG()
        req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY
        status = InitializeSecurityContext(client, None, HTTP, req, 0, SECURITY_NATIVE_DREP,
                                           None, 0, ctx, out, attrs, None)
        assert status == SEC_I_CONTINUE_NEEDED
        token_mem = out[0].pvBuffer
        assert isinstance(token_mem, bytearray) and out[0].cbBuffer == len(token_mem) > 0
        assert attrs.value & ISC_RET_ALLOCATED_MEMORY  # A1: before the final call
        assert _memory.outstanding() == before + 1

        sout = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, None)])
        sattrs = ULONG()
        status = AcceptSecurityContext(server, None, token_desc(bytes(token_mem)),
                                       ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP, sctx,
                                       sout, sattrs, None)
        assert status == SEC_E_OK
        assert sattrs.value & ASC_RET_ALLOCATED_MEMORY
        reply_mem = sout[0].pvBuffer
        assert isinstance(reply_mem, bytearray) and len(reply_mem) == sout[0].cbBuffer > 0
        assert _memory.outstanding() == before + 2

        assert FreeContextBuffer(token_mem) == SEC_E_OK
        assert FreeContextBuffer(reply_mem) == SEC_E_OK
        assert FreeContextBuffer(token_mem) == SEC_E_INVALID_HANDLE  # double free
        assert _memory.outstanding() == before
        for handle in (ctx, sctx):
            DeleteSecurityContext(handle)

    def test_caller_memory_is_replaced_not_written(self, creds: Creds) -> None:
        caller = bytearray(b"\xaa" * 100)
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, caller)])
        ctx = CtxtHandle()
        status = InitializeSecurityContext(creds[0], None, HTTP, ISC_REQ_ALLOCATE_MEMORY, 0,
                                           SECURITY_NATIVE_DREP, None, 0, ctx, out, ULONG(),
                                           None)
        assert status == SEC_E_OK
        assert out[0].pvBuffer is not caller and caller == bytearray(b"\xaa" * 100)
        assert FreeContextBuffer(out[0].pvBuffer) == SEC_E_OK


# --- caller buffers that are too small (X4; DESIGN 2.1) --------------------------------------


def _state(ctx: CtxtHandle, out: SecBufferDesc, attrs: ULONG,
           expiry: TimeStamp) -> Tuple[Any, ...]:
    buf = out[0]
    return ((ctx.dwLower, ctx.dwUpper), buf.BufferType, buf.cbBuffer, id(buf.pvBuffer),
            bytes(buf.pvBuffer or b""), attrs.value, expiry.QuadPart, len(_handles._table),
            _memory.outstanding())


class TestTooSmall:
    def test_first_isc_call_then_retry(self, creds: Creds) -> None:
        client, server = creds
        ctx = CtxtHandle()
        small = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(b"\x11" * 40))])
        attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
        before = _state(ctx, small, attrs, expiry)
        status = InitializeSecurityContext(client, None, HTTP, ISC_REQ_MUTUAL_AUTH, 0,
                                           SECURITY_NATIVE_DREP, None, 0, ctx, small, attrs,
                                           expiry)
        assert status == SEC_E_BUFFER_TOO_SMALL
        assert _state(ctx, small, attrs, expiry) == before  # nothing else changed
        hs = complete(handshake(client, server, HTTP, isc_req=ISC_REQ_MUTUAL_AUTH))
        hs.delete()

    def test_later_isc_leg_then_retry_with_the_same_input(self, creds: Creds) -> None:
        """DCE style: the client's second leg has a token; it did not fit, the same
        call with a larger buffer returns it."""
        client, server = creds
        ctx, sctx = CtxtHandle(), CtxtHandle()
        first = isc(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE)
        reply = asc(server, sctx, first.token, 0)
        assert reply.status == SEC_I_CONTINUE_NEEDED
        small = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(8))])
        attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
        before = _state(ctx, small, attrs, expiry)
        status = InitializeSecurityContext(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE, 0,
                                           SECURITY_NATIVE_DREP, token_desc(reply.token), 0,
                                           ctx, small, attrs, expiry)
        assert status == SEC_E_BUFFER_TOO_SMALL
        assert _state(ctx, small, attrs, expiry) == before
        third = isc(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE, reply.token)
        assert third.status == SEC_E_OK and third.token
        assert asc(server, sctx, third.token, 0).status == SEC_E_OK

    def test_first_asc_call_then_retry_with_the_same_token(self, creds: Creds) -> None:
        """The AP-REQ must stay acceptable: a retry is not a replay."""
        client, server = creds
        first = isc(client, CtxtHandle(), HTTP, ISC_REQ_MUTUAL_AUTH)
        sctx = CtxtHandle()
        small = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16))])
        attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
        before = _state(sctx, small, attrs, expiry)
        status = AcceptSecurityContext(server, None, token_desc(first.token), 0,
                                       SECURITY_NATIVE_DREP, sctx, small, attrs, expiry)
        assert status == SEC_E_BUFFER_TOO_SMALL
        assert _state(sctx, small, attrs, expiry)[:-2] == before[:-2]
        again = asc(server, sctx, first.token, 0)
        assert again.status == SEC_E_OK and again.token

    def test_no_output_buffer_for_a_token(self, creds: Creds) -> None:
        ctx = CtxtHandle()
        status = InitializeSecurityContext(creds[0], None, HTTP, 0, 0, SECURITY_NATIVE_DREP,
                                           None, 0, ctx, SecBufferDesc([]), ULONG(), None)
        assert status in (SEC_E_INVALID_TOKEN, SEC_E_BUFFER_TOO_SMALL)
        assert not SecIsValidHandle(ctx)


# --- Reserved1 / Reserved2 / TargetDataRep (P5, P6, P8) --------------------------------------


@pytest.mark.parametrize(("reserved1", "drep", "reserved2"), [
    (1, SECURITY_NATIVE_DREP, 0), (0, SECURITY_NATIVE_DREP, 1), (0xFFFFFFFF, 0x10, 0),
    (0, 0x20, 0), (0, 1, 0), (0, 0xFFFFFFFF, 0)])
def test_isc_reserved_and_data_rep(creds: Creds, reserved1: int, drep: int,
                                   reserved2: int) -> None:
    ctx, out = CtxtHandle(), out_desc()
    attrs = ULONG(SENTINEL_ATTRS)
    status = InitializeSecurityContext(creds[0], None, HTTP, 0, reserved1, drep, None,
                                       reserved2, ctx, out, attrs, None)
    assert status == SEC_E_INVALID_PARAMETER
    assert not SecIsValidHandle(ctx) and attrs.value == SENTINEL_ATTRS
    assert out[0].cbBuffer == MAX_TOKEN


@pytest.mark.parametrize("drep", [SECURITY_NATIVE_DREP, SECURITY_NETWORK_DREP])
def test_both_data_reps_work(creds: Creds, drep: int) -> None:
    client, server = creds
    ctx, sctx = CtxtHandle(), CtxtHandle()
    out = out_desc()
    assert InitializeSecurityContext(client, None, HTTP, 0, 0, drep, None, 0, ctx, out,
                                     ULONG(), None) == SEC_E_OK
    assert AcceptSecurityContext(server, None, token_desc(out[0].data), 0, drep, sctx,
                                 out_desc(), ULONG(), None) == SEC_E_OK


@pytest.mark.parametrize("drep", [0x20, 1, 0xFFFFFFFF])
def test_asc_data_rep(creds: Creds, drep: int) -> None:
    first = isc(creds[0], CtxtHandle(), HTTP, 0)
    sctx = CtxtHandle()
    assert AcceptSecurityContext(creds[1], None, token_desc(first.token), 0, drep, sctx,
                                 out_desc(), ULONG(), None) == SEC_E_INVALID_PARAMETER
    assert not SecIsValidHandle(sctx)
    # the AP-REQ was not consumed: it is still good
    assert asc(creds[1], sctx, first.token, 0).status == SEC_E_OK


# --- reauthentication (R16) --------------------------------------------------------------------


def session_key(ctx: CtxtHandle) -> bytes:
    key = SecPkgContext_SessionKey()
    assert QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, key) == SEC_E_OK
    return key.SessionKey


def test_reauthentication_on_a_completed_context(creds: Creds) -> None:
    client, server = creds
    req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY
    hs = complete(handshake(client, server, HTTP, isc_req=req))
    numbers = (hs.client.dwLower, hs.client.dwUpper)
    old_key = session_key(hs.client)
    assert session_key(hs.server) == old_key

    again = isc(client, hs.client, HTTP, req)  # phContext = the completed context, no input
    assert again.status == SEC_I_CONTINUE_NEEDED and again.token
    assert again.attrs & ISC_RET_REAUTHENTICATION
    assert (hs.client.dwLower, hs.client.dwUpper) == numbers  # same handle
    reply = asc(server, hs.server, again.token, 0)  # the server starts over on its handle
    assert reply.status == SEC_E_OK
    done = isc(client, hs.client, HTTP, req, reply.token)
    assert done.status == SEC_E_OK
    assert session_key(hs.client) == session_key(hs.server) != old_key
    hs.delete()


def test_reauthentication_may_name_the_target_again_or_not(creds: Creds) -> None:
    client, server = creds
    hs = complete(handshake(client, server, HTTP, isc_req=0))
    leg = isc(client, hs.client, None, 0)  # pszTargetName omitted: the context's target
    assert leg.status == SEC_E_OK
    assert asc(server, CtxtHandle(), leg.token, 0).status == SEC_E_OK


# --- a failed later leg (R7, R15) -------------------------------------------------------------


def test_handle_stays_valid_after_a_failed_leg_and_must_be_deleted(creds: Creds) -> None:
    client, server = creds
    ctx = CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    good = asc(server, CtxtHandle(), first.token, 0).token
    bad = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, b"\x6f\x00garbage")
    assert bad.status == SEC_E_INVALID_TOKEN
    assert SecIsValidHandle(ctx)
    # the session is gone (R7): the good reply is no use any more ...
    assert isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, good).status == SEC_E_INVALID_HANDLE
    assert QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, SecPkgContext_Sizes()) == (
        SEC_E_INVALID_HANDLE)
    assert CompleteAuthToken(ctx, None) == SEC_E_INVALID_HANDLE
    # ... but the handle must still be deleted, once (R15)
    assert DeleteSecurityContext(ctx) == SEC_E_OK
    assert DeleteSecurityContext(ctx) == SEC_E_INVALID_HANDLE


def test_failed_acceptor_leg(creds: Creds) -> None:
    client, server = creds
    ctx, sctx = CtxtHandle(), CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_USE_DCE_STYLE)
    assert asc(server, sctx, first.token, 0).status == SEC_I_CONTINUE_NEEDED
    assert asc(server, sctx, b"\x30\x03garbage", 0).status == SEC_E_INVALID_TOKEN
    assert SecIsValidHandle(sctx)
    assert asc(server, sctx, first.token, 0).status == SEC_E_INVALID_HANDLE
    assert DeleteSecurityContext(sctx) == SEC_E_OK


def test_complete_auth_token_is_a_no_op_for_kerberos(creds: Creds) -> None:
    """S2/S3 never happen for Kerberos; CompleteAuthToken on a good context is OK."""
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_MUTUAL_AUTH))
    assert CompleteAuthToken(hs.client, SecBufferDesc([])) == SEC_E_OK
    assert CompleteAuthToken(hs.client, None) == SEC_E_OK
    hs.delete()
    assert CompleteAuthToken(hs.client, None) == SEC_E_INVALID_HANDLE


# --- delegation (F4, A4) ----------------------------------------------------------------------


@pytest.mark.parametrize(("target", "delegated"), [(HTTP, True), (NODELEG, False)],
                         ids=["ok_as_delegate", "not_ok_as_delegate"])
def test_delegation_follows_ok_as_delegate(creds: Creds, target: str, delegated: bool) -> None:
    hs = complete(handshake(*creds, target, isc_req=ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH,
                            asc_req=ASC_REQ_DELEGATE))
    assert bool(hs.client_attrs & ISC_RET_DELEGATE) is delegated
    assert bool(hs.server_attrs & ASC_RET_DELEGATE) is delegated
    hs.delete()


def test_delegate_without_mutual_auth_delegates_nothing(creds: Creds) -> None:
    """F4: ISC_REQ_DELEGATE only works together with ISC_REQ_MUTUAL_AUTH."""
    hs = complete(handshake(*creds, HTTP, isc_req=ISC_REQ_DELEGATE))
    assert not hs.client_attrs & ISC_RET_DELEGATE
    assert not hs.server_attrs & ASC_RET_DELEGATE


def test_every_call_here_returned_a_status(creds: Creds) -> None:
    """A smoke run of odd-but-legal calls: statuses only (never INTERNAL_ERROR)."""
    client, server = creds
    for target in (HTTP, "host/server.sspi.test", "MSSQLSvc/server.sspi.test:1433",
                   "HTTP/server.sspi.test@SSPI.TEST", "bob@SSPI.TEST", "bob@sspi.test"):
        ctx: Optional[CtxtHandle] = CtxtHandle()
        assert ctx is not None
        leg = isc(client, ctx, target, 0)
        not_internal(leg.status, target)
        if leg.token:
            not_internal(asc(server, CtxtHandle(), leg.token, 0).status, target)
