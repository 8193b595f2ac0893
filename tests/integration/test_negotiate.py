"""The Negotiate package: real SPNEGO over the Kerberos and NTLM packages.

Windows behaviour checked against a real KDC and a real NTLM user file:
SPNEGO tokens (NegTokenInit with mechTypes and the optimistic Kerberos token,
NegTokenResp after), Kerberos preferred, NTLM when Kerberos cannot serve (no
Kerberos credential, no KDC, unknown service, IP-address target), PackageList
restrictions on both sides, the extra final leg (a side returning SEC_E_OK
*with* a token), NEGOTIATION_INFO / PACKAGE_INFO reporting the chosen
package, messages in the chosen package's layout, and bad input of every
kind answered with a status.
"""

from __future__ import annotations

import random
from typing import Any, List, Optional, Tuple

import pytest
from kerberos_helpers import context_user_name, handshake, not_internal
from negotiate_helpers import (
    NtlmUsers,
    acquire,
    client_against,
    cred_factory,
    negotiation_info,
    ntlm_users,
    seal,
    unseal,
)
from spnego._spnego import NegTokenInit as PyNegTokenInit
from spnego._spnego import unpack_token

from sspi_compat import (
    ASC_REQ_EXTENDED_ERROR,
    FAILED,
    ISC_REQ_ALLOCATE_MEMORY,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_RET_ALLOCATED_MEMORY,
    ISC_RET_DELEGATE,
    ISC_RET_MUTUAL_AUTH,
    ISC_RET_REAUTHENTICATION,
    SEC_E_BUFFER_TOO_SMALL,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_TOKEN,
    SEC_E_LOGON_DENIED,
    SEC_E_MESSAGE_ALTERED,
    SEC_E_NO_AUTHENTICATING_AUTHORITY,
    SEC_E_NO_CREDENTIALS,
    SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND,
    SEC_E_TARGET_UNKNOWN,
    SEC_E_UNKNOWN_CREDENTIALS,
    SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_ANSI,
    SEC_WINNT_AUTH_IDENTITY_EX,
    SEC_WINNT_AUTH_IDENTITY_EXA,
    SECBUFFER_DATA,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SIZES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_NEGOTIATION_COMPLETE,
    SECPKG_NEGOTIATION_IN_PROGRESS,
    SECURITY_NATIVE_DREP,
    ULONG,
    AcceptSecurityContext,
    CtxtHandle,
    DeleteSecurityContext,
    EncryptMessage,
    FreeContextBuffer,
    InitializeSecurityContext,
    MakeSignature,
    PSecPkgInfo,
    QueryContextAttributes,
    QueryCredentialsAttributes,
    QuerySecurityPackageInfo,
    SecBuffer,
    SecBufferDesc,
    SecPkgContext_PackageInfo,
    SecPkgContext_Sizes,
    SecPkgCredentials_Names,
    TimeStamp,
    VerifySignature,
)
from sspi_compat.mapping import spnego as sp
from sspi_compat.testing import MITRealm

__all__ = ["cred_factory", "ntlm_users"]  # fixtures used here

pytestmark = [pytest.mark.kdc, pytest.mark.ntlm]

HTTP = "HTTP/server.sspi.test"
REQ = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH
KRB5_ONLY = (sp.OID_KRB5,)
NTLM_ONLY = (sp.OID_NTLM,)
BOTH = (sp.OID_KRB5, sp.OID_NTLM)


def first_token(cred: Any, target: Any = HTTP, req: int = REQ) -> Tuple[int, bytes]:
    ctx = CtxtHandle()
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
    status = not_internal(InitializeSecurityContext(cred, None, target, req, 0,
                                                    SECURITY_NATIVE_DREP, None, 0, ctx, out,
                                                    ULONG(), TimeStamp()))
    token = bytes(out[0].data) if not FAILED(status) else b""
    if not FAILED(status):
        DeleteSecurityContext(ctx)
    return status, token


def mech_types(token: bytes) -> Tuple[str, ...]:
    init = sp.decode(token)
    assert isinstance(init, sp.NegTokenInit)
    return init.mech_types


def nego(cred_factory: Any, use: int, package_list: Optional[str] = None,
         auth: Any = None) -> Any:
    if package_list is not None:
        auth = SEC_WINNT_AUTH_IDENTITY_EX(PackageList=package_list) if auth is None else auth
    return cred_factory("Negotiate", use, auth)


def statuses(hs: Any) -> List[Tuple[str, int]]:
    return [(side, int(st)) for side, st in hs.statuses]


OK_CONT = int(SEC_I_CONTINUE_NEEDED)
OK = int(SEC_E_OK)


# --- the package ------------------------------------------------------------------------


class TestPackageInfo:
    @pytest.mark.parametrize("spelling", ["Negotiate", "NEGOTIATE", "negotiate", b"Negotiate"])
    def test_windows_secpkginfo(self, spelling: Any) -> None:
        info = PSecPkgInfo()
        assert QuerySecurityPackageInfo(spelling, info) == SEC_E_OK
        pkg = info.value
        assert (pkg.Name, pkg.Comment) == ("Negotiate", "Microsoft Package Negotiator")
        assert (pkg.fCapabilities, pkg.wVersion, pkg.wRPCID, pkg.cbMaxToken) == \
            (0x83BB3, 1, 9, 48256)
        FreeContextBuffer(info.value)

    @pytest.mark.parametrize("name", ["Negotiate2", "Nego", "SPNEGO", "Negotiate\0x",
                                      "Negotiate ", "Kerberos,NTLM", "\ufffd"])
    def test_wrong_names(self, name: str) -> None:
        assert QuerySecurityPackageInfo(name, PSecPkgInfo()) == SEC_E_SECPKG_NOT_FOUND
        assert acquire(name, SECPKG_CRED_OUTBOUND)[0] == SEC_E_SECPKG_NOT_FOUND


# --- Kerberos through SPNEGO ----------------------------------------------------------------


class TestKerberos:
    def test_tokens_and_legs(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert statuses(hs) == [("client", OK_CONT), ("server", OK), ("client", OK)]
            init = sp.decode(hs.legs[0].token)
            assert isinstance(init, sp.NegTokenInit)
            assert init.mech_types == BOTH
            assert init.mech_token is not None
            assert sp.raw_mechanism(init.mech_token) == sp.OID_KRB5  # the optimistic AP-REQ
            # An independent parser (pyspnego's) reads the same.
            other = unpack_token(hs.legs[0].token)
            assert isinstance(other, PyNegTokenInit)
            assert list(other.mech_types) == list(BOTH)
            resp = sp.decode(hs.legs[1].token)
            assert isinstance(resp, sp.NegTokenResp)
            assert (resp.neg_state, resp.supported_mech) == (sp.ACCEPT_COMPLETED, sp.OID_KRB5)
            assert resp.response_token  # the AP-REP
            assert hs.client_attrs & ISC_RET_MUTUAL_AUTH
            for ctx in (hs.client, hs.server):
                assert negotiation_info(ctx) == ("Kerberos", SECPKG_NEGOTIATION_COMPLETE)
                info = SecPkgContext_PackageInfo()
                assert QueryContextAttributes(ctx, SECPKG_ATTR_PACKAGE_INFO, info) == SEC_E_OK
                assert info.PackageInfo is not None and info.PackageInfo.Name == "Kerberos"
            assert context_user_name(hs.server) == "alice@SSPI.TEST"
            token, sealed = seal(hs.client, b"kerberos layout")
            assert len(token) == 60  # AES-SHA1: Windows' Kerberos EncryptMessage header
            assert unseal(hs.server, token, sealed) == (SEC_E_OK, b"kerberos layout")
            sizes = SecPkgContext_Sizes()
            assert QueryContextAttributes(hs.client, SECPKG_ATTR_SIZES, sizes) == SEC_E_OK
            assert (sizes.cbMaxSignature, sizes.cbSecurityTrailer) == (28, 60)
        finally:
            hs.delete()

    def test_without_mutual_auth_the_acceptor_has_the_last_word(
            self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, HTTP, ISC_REQ_INTEGRITY)
        try:
            # Kerberos is done after one token, SPNEGO still waits for accept-completed.
            assert statuses(hs) == [("client", OK_CONT), ("server", OK), ("client", OK)]
            resp = sp.decode(hs.legs[1].token)
            assert isinstance(resp, sp.NegTokenResp) and resp.response_token is None
            assert resp.neg_state == sp.ACCEPT_COMPLETED
        finally:
            hs.delete()

    def test_negotiation_info_while_in_progress(self, ntlm_users: NtlmUsers,
                                                cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        ctx = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
        assert InitializeSecurityContext(client, None, HTTP, REQ, 0, SECURITY_NATIVE_DREP, None,
                                         0, ctx, out, ULONG(), None) == SEC_I_CONTINUE_NEEDED
        assert negotiation_info(ctx) == ("Kerberos", SECPKG_NEGOTIATION_IN_PROGRESS)
        assert MakeSignature(ctx, 0, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                                                    SecBuffer(SECBUFFER_DATA, bytearray(3))]),
                             0) == SEC_E_INVALID_HANDLE
        DeleteSecurityContext(ctx)

    def test_delegation_by_windows_rule(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        for target, delegated in ((HTTP, True), ("HTTP/nodeleg.sspi.test", False)):
            hs = handshake(client, server, target, REQ | ISC_REQ_DELEGATE)
            try:
                assert hs.statuses[-1] == ("client", SEC_E_OK), hs.statuses
                assert bool(hs.client_attrs & ISC_RET_DELEGATE) is delegated
            finally:
                hs.delete()

    def test_credential_names(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        n = SecPkgCredentials_Names()
        assert QueryCredentialsAttributes(client, SECPKG_CRED_ATTR_NAMES, n) == SEC_E_OK
        assert n.sUserName == "alice@SSPI.TEST"

    def test_reauthentication_on_the_same_handle(self, ntlm_users: NtlmUsers,
                                                 cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, HTTP, REQ)
        try:
            out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
            attrs = ULONG()
            assert InitializeSecurityContext(client, hs.client, HTTP, REQ, 0,
                                             SECURITY_NATIVE_DREP, None, 0, hs.client, out,
                                             attrs, None) == SEC_I_CONTINUE_NEEDED
            assert attrs.value & ISC_RET_REAUTHENTICATION
            assert mech_types(bytes(out[0].data)) == BOTH
        finally:
            hs.delete()


# --- NTLM when Kerberos cannot serve ---------------------------------------------------------


def assert_ntlm_exchange(hs: Any, user: str = "SSPI.TEST\\alice") -> None:
    # NEGOTIATE, CHALLENGE, AUTHENTICATE+MIC, accept-completed+MIC: the acceptor
    # returns SEC_E_OK *with* a token, and the initiator needs one more call.
    assert statuses(hs) == [("client", OK_CONT), ("server", OK_CONT), ("client", OK_CONT),
                            ("server", OK), ("client", OK)], hs.statuses
    assert mech_types(hs.legs[0].token) == NTLM_ONLY
    final = sp.decode(hs.legs[3].token)
    assert isinstance(final, sp.NegTokenResp)
    assert final.neg_state == sp.ACCEPT_COMPLETED and final.mech_list_mic is not None
    third = sp.decode(hs.legs[2].token)
    assert isinstance(third, sp.NegTokenResp) and third.mech_list_mic is not None
    for ctx in (hs.client, hs.server):
        assert negotiation_info(ctx) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
    assert context_user_name(hs.server) == user
    assert not hs.client_attrs & ISC_RET_MUTUAL_AUTH
    token, sealed = seal(hs.client, b"ntlm layout")
    assert len(token) == 16  # NTLM's signature, then the sealed data
    assert unseal(hs.server, token, sealed) == (SEC_E_OK, b"ntlm layout")
    token, sealed = seal(hs.server, b"and back")
    assert unseal(hs.client, token, sealed) == (SEC_E_OK, b"and back")


class TestNtlmFallback:
    @pytest.mark.parametrize("target", ["HTTP/127.0.0.1", "HTTP/127.0.0.1:8080", "HTTP/[::1]",
                                        "HTTP/::1", "HTTP@127.0.0.1", "127.0.0.1"])
    def test_ip_address_target(self, ntlm_users: NtlmUsers, cred_factory: Any,
                               target: str) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, target, REQ)
        try:
            assert_ntlm_exchange(hs)
        finally:
            hs.delete()

    def test_service_unknown_to_the_kdc(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, "HTTP/unknown.sspi.test", REQ)
        try:
            assert_ntlm_exchange(hs)
        finally:
            hs.delete()
        kerberos_only = nego(cred_factory, SECPKG_CRED_OUTBOUND, "!ntlm")
        assert first_token(kerberos_only, "HTTP/unknown.sspi.test")[0] == SEC_E_TARGET_UNKNOWN

    def test_no_kerberos_credential(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path}/no-such-ccache")
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert_ntlm_exchange(hs)  # the user file's first entry
        finally:
            hs.delete()
        assert acquire("Negotiate", SECPKG_CRED_OUTBOUND,
                       SEC_WINNT_AUTH_IDENTITY_EX(PackageList="kerberos"))[0] == \
            SEC_E_NO_CREDENTIALS
        monkeypatch.delenv("NTLM_USER_FILE")
        assert acquire("Negotiate", SECPKG_CRED_OUTBOUND)[0] == SEC_E_NO_CREDENTIALS

    @pytest.mark.kdc_admin  # stops the realm's KDC
    def test_no_kdc_for_the_realm(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                  krb5_env: MITRealm) -> None:
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        alice = SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", ntlm_users.alice)
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND, auth=alice)
        kerberos_only = nego(cred_factory, SECPKG_CRED_OUTBOUND, auth=SEC_WINNT_AUTH_IDENTITY_EX(
            "alice", "SSPI.TEST", ntlm_users.alice, PackageList="Kerberos"))
        krb5_env.stop_kdc()
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert_ntlm_exchange(hs)
        finally:
            hs.delete()
        assert first_token(kerberos_only)[0] == SEC_E_NO_AUTHENTICATING_AUTHORITY

    def test_realm_without_kdc(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        carol = SEC_WINNT_AUTH_IDENTITY("carol", "NTDOM", ntlm_users.carol)
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND, auth=carol)
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert_ntlm_exchange(hs, "NTDOM\\carol")
        finally:
            hs.delete()

    def test_wrong_password(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        wrong = SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", "not the password")
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND, auth=wrong)
        hs = handshake(client, server, HTTP, REQ)
        try:
            # Kerberos refuses the logon, NTLM is tried, and the server refuses it.
            assert mech_types(hs.legs[0].token) == NTLM_ONLY
            assert hs.statuses[-1] == ("server", SEC_E_LOGON_DENIED)
        finally:
            hs.delete()
        kerberos_only = nego(cred_factory, SECPKG_CRED_OUTBOUND, auth=SEC_WINNT_AUTH_IDENTITY_EX(
            "alice", "SSPI.TEST", "not the password", PackageList="!NTLM"))
        assert first_token(kerberos_only)[0] == SEC_E_LOGON_DENIED


# --- PackageList -----------------------------------------------------------------------------


class TestPackageList:
    @pytest.mark.parametrize("package_list,expected", [
        ("!ntlm", KRB5_ONLY), ("kerberos", KRB5_ONLY), ("Kerberos,!NTLM", KRB5_ONLY),
        ("NTLM", NTLM_ONLY), ("!KERBEROS", NTLM_ONLY), (" ntlm , kerberos ", BOTH),
        ("ntlm,kerberos", BOTH), ("!pku2u", BOTH), ("", BOTH), ("kerberos,,ntlm", BOTH),
        ("NegoExtender,Kerberos", KRB5_ONLY),
    ])
    def test_restricts_the_offer(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                 package_list: str, expected: Tuple[str, ...]) -> None:
        cred = nego(cred_factory, SECPKG_CRED_OUTBOUND, package_list)
        status, token = first_token(cred)
        assert status == SEC_I_CONTINUE_NEEDED
        assert mech_types(token) == expected

    @pytest.mark.parametrize("package_list", ["!kerberos,!ntlm", "bogus", "Negotiate",
                                              "kerberos,bogus", "!", "ntlm;kerberos",
                                              "Kerberos\0x", "pku2u", "CloudAP,!kerberos"])
    def test_wrong_lists(self, ntlm_users: NtlmUsers, package_list: str) -> None:
        for use in (SECPKG_CRED_OUTBOUND, SECPKG_CRED_INBOUND):
            auth = SEC_WINNT_AUTH_IDENTITY_EX(PackageList=package_list)
            assert acquire("Negotiate", use, auth)[0] == SEC_E_SECPKG_NOT_FOUND

    def test_encoded_forms(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        wide = SEC_WINNT_AUTH_IDENTITY_EX(PackageList="!ntlm".encode("utf-16-le"))
        assert mech_types(first_token(cred_factory("Negotiate", SECPKG_CRED_OUTBOUND,
                                                   wide))[1]) == KRB5_ONLY
        narrow = SEC_WINNT_AUTH_IDENTITY_EXA(PackageList=b"NTLM",
                                             Flags=SEC_WINNT_AUTH_IDENTITY_ANSI)
        assert mech_types(first_token(cred_factory("Negotiate", SECPKG_CRED_OUTBOUND,
                                                   narrow))[1]) == NTLM_ONLY
        broken = SEC_WINNT_AUTH_IDENTITY_EX(PackageList=b"\x00\xd8")
        assert acquire("Negotiate", SECPKG_CRED_OUTBOUND, broken)[0] == SEC_E_SECPKG_NOT_FOUND
        assert acquire("Negotiate", SECPKG_CRED_OUTBOUND, object())[0] == \
            SEC_E_UNKNOWN_CREDENTIALS

    def test_acceptor_counter_proposes_ntlm(self, ntlm_users: NtlmUsers,
                                            cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND, "NTLM")
        hs = handshake(client, server, HTTP, REQ)
        try:
            # Kerberos offered first with its AP-REQ; the acceptor takes NTLM
            # instead (request-mic), the initiator starts NTLM, MICs both ways.
            assert statuses(hs) == [("client", OK_CONT), ("server", OK_CONT),
                                    ("client", OK_CONT), ("server", OK_CONT),
                                    ("client", OK_CONT), ("server", OK), ("client", OK)]
            counter = sp.decode(hs.legs[1].token)
            assert isinstance(counter, sp.NegTokenResp)
            assert (counter.neg_state, counter.supported_mech, counter.response_token) == \
                (sp.REQUEST_MIC, sp.OID_NTLM, None)
            assert negotiation_info(hs.client) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
            assert unseal(hs.server, *seal(hs.client, b"after a counter-proposal")) == \
                (SEC_E_OK, b"after a counter-proposal")
        finally:
            hs.delete()

    def test_acceptor_refuses_ntlm(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND, "NTLM")
        server = nego(cred_factory, SECPKG_CRED_INBOUND, "!ntlm")
        _, token = first_token(client)
        ctx = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(1000))])
        status = AcceptSecurityContext(server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                              token)]),
                                       ASC_REQ_EXTENDED_ERROR, SECURITY_NATIVE_DREP, ctx, out,
                                       ULONG(), None)
        assert status == SEC_E_INVALID_TOKEN
        reject = sp.decode(bytes(out[0].data))  # the reject token, for the client
        assert isinstance(reject, sp.NegTokenResp) and reject.neg_state == sp.REJECT


# --- acceptor: tokens without SPNEGO, Windows' OIDs ------------------------------------------


class TestAcceptor:
    def test_bare_ntlmssp(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND,
                              SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", ntlm_users.alice))
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK)
            assert hs.legs[1].token[:8] == b"NTLMSSP\0"  # answered in kind
            assert negotiation_info(hs.server) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
            assert unseal(hs.server, *seal(hs.client, b"raw")) == (SEC_E_OK, b"raw")
        finally:
            hs.delete()

    def test_bare_kerberos(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("Kerberos", SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, HTTP, REQ)
        try:
            assert statuses(hs) == [("client", OK_CONT), ("server", OK), ("client", OK)]
            assert sp.raw_mechanism(hs.legs[1].token) == sp.OID_KRB5
            assert negotiation_info(hs.server) == ("Kerberos", SECPKG_NEGOTIATION_COMPLETE)
        finally:
            hs.delete()

    def test_microsoft_kerberos_oid_is_echoed(self, ntlm_users: NtlmUsers,
                                              cred_factory: Any) -> None:
        kerberos = cred_factory("Kerberos", SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        ap_req = first_token(kerberos)[1]
        windows_style = sp.encode_init((sp.OID_MS_KRB5, sp.OID_KRB5, sp.OID_NTLM), ap_req)
        ctx = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(5000))])
        assert AcceptSecurityContext(server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                            windows_style)]),
                                     0, SECURITY_NATIVE_DREP, ctx, out, ULONG(), None) == \
            SEC_E_OK
        resp = sp.decode(bytes(out[0].data))
        assert isinstance(resp, sp.NegTokenResp) and resp.supported_mech == sp.OID_MS_KRB5
        DeleteSecurityContext(ctx)


# --- buffers ------------------------------------------------------------------------------------


class TestBuffers:
    def test_allocate_memory(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        ctx, attrs = CtxtHandle(), ULONG()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, None)])
        assert InitializeSecurityContext(client, None, HTTP, REQ | ISC_REQ_ALLOCATE_MEMORY, 0,
                                         SECURITY_NATIVE_DREP, None, 0, ctx, out, attrs,
                                         None) == SEC_I_CONTINUE_NEEDED
        assert attrs.value & ISC_RET_ALLOCATED_MEMORY and mech_types(out[0].data) == BOTH
        assert FreeContextBuffer(out[0].pvBuffer) == SEC_E_OK
        DeleteSecurityContext(ctx)

    def test_small_buffer_on_a_later_leg(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        cctx, sctx = CtxtHandle(), CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(5000))])
        InitializeSecurityContext(client, None, "HTTP/127.0.0.1", REQ, 0, SECURITY_NATIVE_DREP,
                                  None, 0, cctx, out, ULONG(), None)
        sout = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(5000))])
        AcceptSecurityContext(server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                     bytes(out[0].data))]),
                              0, SECURITY_NATIVE_DREP, sctx, sout, ULONG(), None)
        challenge = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytes(sout[0].data))])
        tiny = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(10))])
        assert InitializeSecurityContext(client, cctx, "HTTP/127.0.0.1", REQ, 0,
                                         SECURITY_NATIVE_DREP, challenge, 0, cctx, tiny,
                                         ULONG(), None) == SEC_E_BUFFER_TOO_SMALL
        big = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(5000))])
        assert InitializeSecurityContext(client, cctx, "HTTP/127.0.0.1", REQ, 0,
                                         SECURITY_NATIVE_DREP, challenge, 0, cctx, big,
                                         ULONG(), None) == SEC_I_CONTINUE_NEEDED
        last = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(5000))])
        assert AcceptSecurityContext(server, sctx, SecBufferDesc([SecBuffer(
            SECBUFFER_TOKEN, bytes(big[0].data))]), 0, SECURITY_NATIVE_DREP, sctx, last,
            ULONG(), None) == SEC_E_OK
        DeleteSecurityContext(cctx)
        DeleteSecurityContext(sctx)


# --- bad input -------------------------------------------------------------------------------


def _accept_one(server: Any, token: bytes, ctx: Optional[CtxtHandle] = None) -> int:
    new = ctx or CtxtHandle()
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
    status = not_internal(AcceptSecurityContext(
        server, ctx, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token)]), 0,
        SECURITY_NATIVE_DREP, new, out, ULONG(), None), "AcceptSecurityContext")
    if ctx is None and not FAILED(status):
        DeleteSecurityContext(new)
    return int(status)


INIT_NTLM = sp.encode_init(NTLM_ONLY, b"NTLMSSP\0\x01\0\0\0" + bytes(24))


class TestMalformedSpnego:
    @pytest.mark.parametrize("token", [
        b"\x60", b"\x60\x00", b"garbage garbage", b"\xa0\x03\x30\x01\x00",
        sp.encode_resp(sp.ACCEPT_INCOMPLETE, sp.OID_NTLM, b"x"),  # a NegTokenResp first
        INIT_NTLM[:-5],  # truncated
        INIT_NTLM + b"\0",  # trailing data
        INIT_NTLM.replace(sp.encode_oid(sp.OID_SPNEGO), sp.encode_oid("1.3.6.1.5.5.3")),
        sp.encode_init((), b"token"),  # no mechanisms
        sp.encode_init(("1.2.3.4",), b"token"),  # no mechanism we serve
        b"\x60\x80" + INIT_NTLM[2:],  # indefinite length
        b"\x60\x84\xff\xff\xff\xff" + INIT_NTLM[2:],  # length beyond the token
        sp.encode_init(KRB5_ONLY, b"\x60\x0b\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"),
        sp.encode_init(BOTH, b"not a kerberos token"),
        sp.encode_init(NTLM_ONLY, b"NTLMSSP\0\x03\0\0\0"),  # AUTHENTICATE first
    ])
    def test_acceptor_first_token(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                  token: bytes) -> None:
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        assert _accept_one(server, token) == SEC_E_INVALID_TOKEN

    @pytest.mark.parametrize("reply", [
        b"garbage", sp.encode_init(BOTH), sp.encode_resp(sp.REJECT),
        sp.encode_resp(sp.ACCEPT_INCOMPLETE, "1.2.3.4", b"x"),  # supportedMech not offered
        sp.encode_resp(sp.ACCEPT_INCOMPLETE, sp.OID_NTLM),  # no token from the acceptor
        sp.encode_resp(sp.ACCEPT_COMPLETED, sp.OID_NTLM, b"NTLMSSP\0\x02\0\0\0"),
        sp.encode_resp(sp.ACCEPT_INCOMPLETE, sp.OID_NTLM, b"NTLMSSP\0\x02\0\0\0" + bytes(48)),
        sp.encode_resp(None, None, None, None),
    ])
    def test_initiator_replies(self, ntlm_users: NtlmUsers, cred_factory: Any,
                               reply: bytes) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND, "NTLM")
        ctx = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
        assert InitializeSecurityContext(client, None, HTTP, REQ, 0, SECURITY_NATIVE_DREP,
                                         None, 0, ctx, out, ULONG(), None) == \
            SEC_I_CONTINUE_NEEDED
        status = not_internal(InitializeSecurityContext(
            client, ctx, HTTP, REQ, 0, SECURITY_NATIVE_DREP,
            SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, reply)]), 0, ctx,
            SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))]), ULONG(), None))
        assert status in (SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED)
        # The failed handle stays valid, unusable, until deleted.
        assert EncryptMessage(ctx, 0, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(99)),
                                                     SecBuffer(SECBUFFER_DATA, bytearray(1))]),
                              0) == SEC_E_INVALID_HANDLE
        assert DeleteSecurityContext(ctx) == SEC_E_OK

    @pytest.mark.parametrize("side", ["initiator MIC", "acceptor MIC"])
    def test_tampered_mech_list_mic(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                    side: str) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)

        class Tamper:
            def __init__(self) -> None:
                self.ctx = CtxtHandle()
                self.legs = 0

            def step(self, token: bytes) -> Optional[bytes]:
                self.legs += 1
                if side == "initiator MIC" and self.legs == 2:
                    resp = sp.decode(token)
                    assert isinstance(resp, sp.NegTokenResp) and resp.mech_list_mic
                    mic = bytearray(resp.mech_list_mic)
                    mic[5] ^= 1
                    token = sp.encode_resp(resp.neg_state, None, resp.response_token, bytes(mic))
                out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
                status = AcceptSecurityContext(
                    server, self.ctx if self.legs > 1 else None,
                    SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token)]), 0, SECURITY_NATIVE_DREP,
                    self.ctx, out, ULONG(), None)
                self.status = status
                if FAILED(status):
                    return None
                reply = bytes(out[0].data)
                if side == "acceptor MIC" and self.legs == 2:
                    resp = sp.decode(reply)
                    assert isinstance(resp, sp.NegTokenResp) and resp.mech_list_mic
                    mic = bytearray(resp.mech_list_mic)
                    mic[5] ^= 1
                    reply = sp.encode_resp(resp.neg_state, None, None, bytes(mic))
                return reply

        peer = Tamper()
        run = client_against(peer, client, "HTTP/127.0.0.1", REQ)
        if side == "initiator MIC":
            assert peer.status == SEC_E_MESSAGE_ALTERED
        else:
            assert run.statuses[-1] == SEC_E_MESSAGE_ALTERED
        DeleteSecurityContext(run.ctx)
        DeleteSecurityContext(peer.ctx)

    def test_downgrade_is_caught_by_the_mic(self, ntlm_users: NtlmUsers,
                                            cred_factory: Any) -> None:
        """Someone in the middle strips Kerberos from the offer: the acceptor sees
        only NTLM, but the initiator's mechListMIC covers what it really sent."""
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)

        class Downgrade:
            def __init__(self) -> None:
                self.ctx = CtxtHandle()
                self.legs = 0

            def step(self, token: bytes) -> Optional[bytes]:
                self.legs += 1
                if self.legs == 1:
                    assert mech_types(token) == BOTH
                    token = sp.encode_init(NTLM_ONLY)  # no optimistic token
                out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
                self.status = AcceptSecurityContext(
                    server, self.ctx if self.legs > 1 else None,
                    SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token)]), 0, SECURITY_NATIVE_DREP,
                    self.ctx, out, ULONG(), None)
                return None if FAILED(self.status) else bytes(out[0].data)

        peer = Downgrade()
        run = client_against(peer, client, HTTP, REQ)
        assert SEC_E_MESSAGE_ALTERED in (peer.status, run.statuses[-1])
        DeleteSecurityContext(run.ctx)
        DeleteSecurityContext(peer.ctx)

    def test_mutated_real_tokens(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        """Bit flips, truncations and splices of real tokens, on every leg: a status, always."""
        rng = random.Random(4178)
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        for target in (HTTP, "HTTP/127.0.0.1"):
            good = handshake(client, server, target, REQ)
            tokens = [leg.token for leg in good.legs if leg.token]
            good.delete()
            for _ in range(40):
                token = bytearray(rng.choice(tokens))
                how = rng.randrange(3)
                if how == 0:
                    for _ in range(rng.randint(1, 4)):
                        token[rng.randrange(len(token))] ^= 1 << rng.randrange(8)
                elif how == 1:
                    del token[rng.randrange(1, len(token)):]
                else:
                    token[rng.randrange(len(token)):] = rng.randbytes(rng.randrange(1, 40))
                _accept_one(server, bytes(token))  # not_internal() checks the status
                ctx = CtxtHandle()
                InitializeSecurityContext(client, None, target, REQ, 0, SECURITY_NATIVE_DREP,
                                          None, 0, ctx, SecBufferDesc([SecBuffer(
                                              SECBUFFER_TOKEN, bytearray(60000))]), ULONG(),
                                          None)
                not_internal(InitializeSecurityContext(
                    client, ctx, target, REQ, 0, SECURITY_NATIVE_DREP,
                    SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytes(token))]), 0, ctx,
                    SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))]), ULONG(),
                    None))
                DeleteSecurityContext(ctx)


class TestMessages:
    @pytest.mark.parametrize("target", [HTTP, "HTTP/127.0.0.1"])
    def test_signatures_in_the_chosen_layout(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                             target: str) -> None:
        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, target, REQ)
        try:
            desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                                  SecBuffer(SECBUFFER_DATA, bytearray(b"sign me"))])
            assert MakeSignature(hs.client, 0, desc, 0) == SEC_E_OK
            assert desc[0].cbBuffer == (28 if target == HTTP else 16)
            assert VerifySignature(hs.server, desc, 0, None) == SEC_E_OK
            desc[1].pvBuffer[0] ^= 1
            assert VerifySignature(hs.server, desc, 0, None) == SEC_E_MESSAGE_ALTERED
        finally:
            hs.delete()


class TestExportImport:
    """ExportSecurityContext / ImportSecurityContext carry the inner mechanism's
    context; the imported Negotiate context finds its package from it."""

    @pytest.mark.parametrize("target,package", [(HTTP, "Kerberos"),
                                                ("HTTP/127.0.0.1", "NTLM")])
    def test_round_trip(self, ntlm_users: NtlmUsers, cred_factory: Any, target: str,
                        package: str) -> None:
        from sspi_compat import (
            SECBUFFER_EMPTY,
            SECPKG_CONTEXT_EXPORT_DELETE_OLD,
            ExportSecurityContext,
            ImportSecurityContext,
        )

        client = nego(cred_factory, SECPKG_CRED_OUTBOUND)
        server = nego(cred_factory, SECPKG_CRED_INBOUND)
        hs = handshake(client, server, target, REQ)
        try:
            packed = SecBuffer(SECBUFFER_EMPTY, None)
            assert ExportSecurityContext(hs.server, SECPKG_CONTEXT_EXPORT_DELETE_OLD, packed,
                                         None) == SEC_E_OK
            imported = CtxtHandle()
            assert ImportSecurityContext("negotiate", packed, None, imported) == SEC_E_OK
            assert FreeContextBuffer(packed.pvBuffer) == SEC_E_OK
            assert negotiation_info(imported) == (package, SECPKG_NEGOTIATION_COMPLETE)
            assert unseal(imported, *seal(hs.client, b"in the importer")) == \
                (SEC_E_OK, b"in the importer")
            assert unseal(hs.client, *seal(imported, b"and back")) == (SEC_E_OK, b"and back")
            DeleteSecurityContext(imported)
        finally:
            hs.delete()
