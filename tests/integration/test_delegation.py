"""Delegation with Windows' rule, and impersonation, against a real MIT KDC.

* ISC_REQ_DELEGATE delegates only to an ok-as-delegate service
  (HTTP/server.sspi.test), not to HTTP/nodeleg.sspi.test, and only with a
  forwardable TGT; ISC_RET_DELEGATE / ASC_RET_DELEGATE say whether it did.
* ImpersonateSecurityContext makes the client's delegated credential the
  thread's default outbound credential: the server authenticates onward to
  host/server.sspi.test *as alice*, while the process's own default
  credential (bob's ccache here) is back after RevertSecurityContext.
* Without a delegated credential (or at identify level) impersonation gives
  the identity only: GetUserName answers alice, AcquireCredentialsHandle
  answers SEC_E_NO_CREDENTIALS.
* Constrained delegation (S4U2Proxy) cannot be configured on MIT's DB2 KDB:
  the KDC refuses it (evidence test at the end; docs/delegation.md).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from kerberos_helpers import Handshake, complete, context_user_name, credential_user_name, handshake

from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_RET_DELEGATE,
    FAILED,
    HANDLE,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_IDENTIFY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_USE_DCE_STYLE,
    ISC_RET_DELEGATE,
    ISC_RET_IDENTIFY,
    SEC_E_INVALID_HANDLE,
    SEC_E_NO_CREDENTIALS,
    SEC_E_NO_IMPERSONATION,
    SEC_E_OK,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_UNICODE,
    SECPKG_CRED_BOTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    AcquireCredentialsHandle,
    CredHandle,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    GetUserName,
    GetUserNameEx,
    ImpersonateSecurityContext,
    NameDisplay,
    NameDnsDomain,
    NameFullyQualifiedDN,
    NameSamCompatible,
    NameUserPrincipal,
    QuerySecurityContextToken,
    RevertSecurityContext,
    SecIsValidHandle,
    TimeStamp,
)
from sspi_compat.packages import impersonation

pytestmark = pytest.mark.kdc

DELEG_TARGET = "HTTP/server.sspi.test"  # ok_as_delegate
NODELEG_TARGET = "HTTP/nodeleg.sspi.test"
ONWARD_TARGET = "host/server.sspi.test"
ISC_REQ = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY
ASC_REQ = ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY


def acquire(use: int, principal: Optional[str] = None, auth: Any = None,
            package: str = "Kerberos") -> Tuple[Any, CredHandle]:
    cred = CredHandle()
    status = AcquireCredentialsHandle(principal, package, use, None, auth, None, None, cred,
                                      TimeStamp())
    return status, cred


def exchange(client_cred: CredHandle, server_cred: CredHandle, target: str,
             isc_req: int = ISC_REQ, stop_after_server_leg: bool = False) -> Handshake:
    """ISC/ASC to completion (or, ``stop_after_server_leg``, one leg each); every
    call must succeed."""
    if not stop_after_server_leg:
        return complete(handshake(client_cred, server_cred, target, isc_req, ASC_REQ))
    hs = handshake(client_cred, server_cred, target, isc_req, ASC_REQ, max_legs=1)
    assert not any(FAILED(status) for _, status in hs.statuses), hs.statuses
    return hs


@pytest.fixture
def creds(krb5_env: Any) -> Iterator[Dict[str, CredHandle]]:
    """alice's client credential, the server's keytab credential, and the
    process default switched to bob's ccache *after* alice's was acquired, so
    that "the server's own identity" (bob) and "the client's" (alice) differ."""
    status, client = acquire(SECPKG_CRED_OUTBOUND)
    assert status == SEC_E_OK
    status, server = acquire(SECPKG_CRED_INBOUND)
    assert status == SEC_E_OK
    bob = krb5_env.kinit(krb5_env.user2, krb5_env.user2_password)
    os.environ["KRB5CCNAME"] = "FILE:" + bob  # krb5_env restores the environment
    try:
        yield {"client": client, "server": server}
    finally:
        impersonation.end()  # whatever a failed test left on this thread
        FreeCredentialsHandle(client)
        FreeCredentialsHandle(server)
        os.unlink(bob)


# --- Windows' delegation rule ------------------------------------------------------


def test_delegates_to_an_ok_as_delegate_service(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        assert ex.client_attrs & ISC_RET_DELEGATE
        assert ex.server_attrs & ASC_RET_DELEGATE
        from sspi_compat import _handles

        ctx = _handles.lookup(ex.server, _handles.CTXT_TAG)
        assert ctx.delegated is not None  # KerberosContext.delegated: the forwarded TGT
    finally:
        ex.delete()


def test_no_delegation_to_a_service_not_ok_as_delegate(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], NODELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        assert not ex.client_attrs & ISC_RET_DELEGATE
        assert not ex.server_attrs & ASC_RET_DELEGATE
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == "alice"
        status, cred = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_NO_CREDENTIALS
        assert not SecIsValidHandle(cred)
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


def test_no_delegation_without_isc_req_delegate(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET)
    try:
        assert not ex.client_attrs & ISC_RET_DELEGATE
        assert not ex.server_attrs & ASC_RET_DELEGATE
    finally:
        ex.delete()


def test_no_delegation_from_a_tgt_that_is_not_forwardable(krb5_env: Any) -> None:
    ccache = krb5_env.kinit(krb5_env.user, krb5_env.user_password, forwardable=False)
    os.environ["KRB5CCNAME"] = "FILE:" + ccache
    status, client = acquire(SECPKG_CRED_OUTBOUND)
    assert status == SEC_E_OK
    _, server = acquire(SECPKG_CRED_INBOUND)
    try:
        ex = exchange(client, server, DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
        assert not ex.client_attrs & ISC_RET_DELEGATE
        assert not ex.server_attrs & ASC_RET_DELEGATE
        ex.delete()
    finally:
        FreeCredentialsHandle(client)
        FreeCredentialsHandle(server)
        os.unlink(ccache)


# --- impersonation: onward authentication as the client -------------------------------


def test_impersonation_authenticates_onward_as_the_client(
        creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        status, own = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK and credential_user_name(own) == "bob@SSPI.TEST"
        FreeCredentialsHandle(own)

        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        status, as_client = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK
        assert credential_user_name(as_client) == "alice@SSPI.TEST"
        # The onward service sees alice.
        onward = exchange(as_client, creds["server"], ONWARD_TARGET)
        assert context_user_name(onward.server) == "alice@SSPI.TEST"
        onward.delete()
        assert RevertSecurityContext(ex.server) == SEC_E_OK

        # The handle acquired while impersonating keeps speaking for alice
        # (as a Windows credential handle keeps its logon session) ...
        onward = exchange(as_client, creds["server"], ONWARD_TARGET)
        assert context_user_name(onward.server) == "alice@SSPI.TEST"
        onward.delete()
        FreeCredentialsHandle(as_client)
        # ... while a new one is the process's own again.
        status, own = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK and credential_user_name(own) == "bob@SSPI.TEST"
        FreeCredentialsHandle(own)
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


def test_impersonation_principal_and_explicit_credentials(
        creds: Dict[str, CredHandle], krb5_env: Any) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        for principal in ("alice", "alice@SSPI.TEST"):
            status, cred = acquire(SECPKG_CRED_OUTBOUND, principal=principal)
            assert status == SEC_E_OK and credential_user_name(cred) == "alice@SSPI.TEST"
            FreeCredentialsHandle(cred)
        status, cred = acquire(SECPKG_CRED_OUTBOUND, principal="bob")
        assert status == SEC_E_NO_CREDENTIALS
        # Explicit credentials are not the logon session: unaffected.
        bob = SEC_WINNT_AUTH_IDENTITY(User="bob", Domain="SSPI.TEST",
                                      Password=krb5_env.user2_password,
                                      Flags=SEC_WINNT_AUTH_IDENTITY_UNICODE)
        status, cred = acquire(SECPKG_CRED_OUTBOUND, auth=bob)
        assert status == SEC_E_OK
        onward = exchange(cred, creds["server"], ONWARD_TARGET)
        assert context_user_name(onward.server) == "bob@SSPI.TEST"
        onward.delete()
        FreeCredentialsHandle(cred)
        # Both directions: the outbound half is alice's, the keytab still accepts.
        status, both = acquire(SECPKG_CRED_BOTH)
        assert status == SEC_E_OK
        onward = exchange(both, both, ONWARD_TARGET)
        assert context_user_name(onward.server) == "alice@SSPI.TEST"
        onward.delete()
        FreeCredentialsHandle(both)
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


def test_impersonation_is_per_thread(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    seen: Dict[str, Any] = {}

    def other_thread() -> None:
        seen["user"] = GetUserName()
        status, cred = acquire(SECPKG_CRED_OUTBOUND)
        seen["status"] = status
        seen["name"] = credential_user_name(cred) if status == SEC_E_OK else None
        if status == SEC_E_OK:
            FreeCredentialsHandle(cred)

    try:
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(30)
        assert seen["status"] == SEC_E_OK and seen["name"] == "bob@SSPI.TEST"
        assert seen["user"] != "alice"
        assert GetUserName() == "alice"
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


def test_identify_level_context_gives_identity_only(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET,
                  ISC_REQ | ISC_REQ_DELEGATE | ISC_REQ_IDENTIFY)
    try:
        assert ex.client_attrs & ISC_RET_IDENTIFY
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == "alice"
        status, _ = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_NO_CREDENTIALS  # an identification-level token
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


def test_deleting_the_context_does_not_end_the_impersonation(
        creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    spare = exchange(creds["client"], creds["server"], NODELEG_TARGET)
    try:
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert DeleteSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == "alice"
        status, cred = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK and credential_user_name(cred) == "alice@SSPI.TEST"
        FreeCredentialsHandle(cred)
        # The deleted handle can no longer revert; any live context handle can.
        assert RevertSecurityContext(ex.server) == SEC_E_INVALID_HANDLE
        assert RevertSecurityContext(spare.server) == SEC_E_OK
        assert GetUserName() != "alice"
    finally:
        RevertSecurityContext(spare.server)
        spare.delete()
        ex.delete()


def test_get_user_name_formats(creds: Dict[str, CredHandle]) -> None:
    own_user = GetUserName()
    assert GetUserNameEx(NameUserPrincipal) == "bob@SSPI.TEST"  # the default ccache
    assert GetUserNameEx(NameSamCompatible).endswith("\\" + own_user)
    assert GetUserNameEx(NameDnsDomain) is None
    ex = exchange(creds["client"], creds["server"], NODELEG_TARGET)
    try:
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == "alice"
        assert GetUserNameEx(NameSamCompatible) == "SSPI\\alice"
        assert GetUserNameEx(NameUserPrincipal) == "alice@SSPI.TEST"
        assert GetUserNameEx(NameDnsDomain) == "SSPI.TEST\\alice"
        assert GetUserNameEx(NameDisplay) == "alice"
        assert GetUserNameEx(NameFullyQualifiedDN) is None
        assert GetUserNameEx(12345) is None
        with pytest.raises(TypeError):
            GetUserNameEx("NameSamCompatible")  # type: ignore[arg-type]
        # A second impersonation replaces the first (the thread token is replaced).
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert RevertSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == own_user
        assert RevertSecurityContext(ex.server) == SEC_E_OK  # not impersonating: fine
    finally:
        RevertSecurityContext(ex.server)
        ex.delete()


# --- bad input --------------------------------------------------------------------------


def test_impersonating_what_cannot_be_impersonated(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    own = GetUserName()
    try:
        # Not a live context handle.
        for handle in (CtxtHandle(), CtxtHandle(1, 2), creds["server"], None, "ctx", 42):
            assert ImpersonateSecurityContext(handle) == SEC_E_INVALID_HANDLE  # type: ignore[arg-type]
            assert RevertSecurityContext(handle) == SEC_E_INVALID_HANDLE  # type: ignore[arg-type]
        # The client's own context: nothing to impersonate.
        assert ImpersonateSecurityContext(ex.client) == SEC_E_NO_IMPERSONATION
        assert GetUserName() == own
        # An acceptor context still being built (DCE style takes three legs).
        half = exchange(creds["client"], creds["server"], DELEG_TARGET,
                        ISC_REQ | ISC_REQ_USE_DCE_STYLE, stop_after_server_leg=True)
        assert half.server_status == SEC_I_CONTINUE_NEEDED
        assert ImpersonateSecurityContext(half.server) == SEC_E_NO_IMPERSONATION
        half.delete()
        assert GetUserName() == own
        status, cred = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK and credential_user_name(cred) == "bob@SSPI.TEST"
        FreeCredentialsHandle(cred)
    finally:
        ex.delete()


def test_query_security_context_token_is_unsupported(creds: Dict[str, CredHandle]) -> None:
    ex = exchange(creds["client"], creds["server"], DELEG_TARGET)
    try:
        token = HANDLE("untouched")
        assert QuerySecurityContextToken(ex.server, token) == SEC_E_UNSUPPORTED_FUNCTION
        assert token.value == "untouched"
        assert QuerySecurityContextToken(CtxtHandle(), token) == SEC_E_INVALID_HANDLE
        assert QuerySecurityContextToken(ex.server, None) == SEC_E_UNSUPPORTED_FUNCTION
        with pytest.raises(TypeError):
            QuerySecurityContextToken(ex.server, "not a holder")  # type: ignore[arg-type]
    finally:
        ex.delete()


# --- constrained delegation: evidence that the DB2 KDC cannot do it -----------------------


def test_s4u2proxy_is_refused_by_the_db2_kdc(krb5_realm_factory: Any) -> None:
    """MIT 1.20's DB2 KDB has no allowed-to-delegate-to check: the KDC answers an
    S4U2Proxy request with KDC_ERR_BADOPTION ("UNSUPPORTED_S4U2PROXY_REQUEST" in its
    log), even for a service flagged ok_to_auth_as_delegate.  If a future KDC
    grants it, this test fails and docs/delegation.md must be revisited."""
    import gssapi.raw as gr

    realm = krb5_realm_factory(kdc="mit")  # MIT's KDB and kadmin syntax
    realm.kadmin("modprinc +ok_to_auth_as_delegate HTTP/server.sspi.test")
    realm.kadmin("modprinc -requires_preauth host/server.sspi.test")
    with realm.activate():
        krb5 = gr.OID.from_int_seq("1.2.840.113554.1.2.2")
        service = gr.import_name(b"HTTP/server.sspi.test@SSPI.TEST",
                                 gr.NameType.kerberos_principal)
        store = {b"client_keytab": realm.keytab.encode(), b"keytab": realm.keytab.encode(),
                 b"ccache": b"MEMORY:s4u-test"}
        both = gr.acquire_cred_from(store, service, usage="both").creds
        alice = gr.import_name(realm.user.encode(), gr.NameType.kerberos_principal)
        proxy = gr.acquire_cred_impersonate_name(both, alice, usage="initiate").creds  # S4U2Self
        onward = gr.import_name(b"host@server.sspi.test", gr.NameType.hostbased_service)
        with pytest.raises(gr.GSSError) as info:
            gr.init_sec_context(onward, proxy, mech=krb5)
        assert "can't fulfill requested option" in str(info.value)
        with open(os.path.join(realm.workdir, "kdc.log")) as log:
            assert "UNSUPPORTED_S4U2PROXY_REQUEST" in log.read()


def test_impersonation_through_negotiate(krb5_env: Any) -> None:
    """The same double hop with Negotiate on both hops (SPNEGO choosing Kerberos)."""
    status, client = acquire(SECPKG_CRED_OUTBOUND, package="Negotiate")
    assert status == SEC_E_OK
    status, server = acquire(SECPKG_CRED_INBOUND, package="Negotiate")
    assert status == SEC_E_OK
    bob = krb5_env.kinit(krb5_env.user2, krb5_env.user2_password)
    os.environ["KRB5CCNAME"] = "FILE:" + bob
    ex = exchange(client, server, DELEG_TARGET, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        assert ex.client_attrs & ISC_RET_DELEGATE
        assert ex.server_attrs & ASC_RET_DELEGATE
        assert ImpersonateSecurityContext(ex.server) == SEC_E_OK
        assert GetUserName() == "alice"
        status, as_client = acquire(SECPKG_CRED_OUTBOUND, package="Negotiate")
        assert status == SEC_E_OK and credential_user_name(as_client) == "alice@SSPI.TEST"
        onward = exchange(as_client, server, ONWARD_TARGET)
        assert context_user_name(onward.server) == "alice@SSPI.TEST"
        onward.delete()
        FreeCredentialsHandle(as_client)
        assert RevertSecurityContext(ex.server) == SEC_E_OK
        status, own = acquire(SECPKG_CRED_OUTBOUND, package="Negotiate")
        assert status == SEC_E_OK and credential_user_name(own) == "bob@SSPI.TEST"
        FreeCredentialsHandle(own)
    finally:
        impersonation.end()
        ex.delete()
        FreeCredentialsHandle(client)
        FreeCredentialsHandle(server)
        os.unlink(bob)
