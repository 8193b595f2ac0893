"""Interop with independent peers, both ways: our client against their server
and their client against our server, for Negotiate, Kerberos and NTLM, with
message protection and channel bindings.

The peers:

* pyspnego's own SPNEGO (``NegotiateProxy``, pure Python) over python-gssapi
  Kerberos and pyspnego's pure-Python NTLM (``NTLMProxy``) -- no gss-ntlmssp,
  no MIT SPNEGO: an NTLM and an SPNEGO written by someone else;
* MIT krb5's own SPNEGO mechanism through python-gssapi (``gss_init_sec_context``
  / ``gss_accept_sec_context`` with the SPNEGO OID), over MIT Kerberos and
  gss-ntlmssp.

Channel bindings are the ``tls-server-end-point`` kind HTTPS uses (application
data only), given to us as a ``SECBUFFER_CHANNEL_BINDINGS`` buffer holding a
``SEC_CHANNEL_BINDINGS`` and to the peers in their own form.
"""

from __future__ import annotations

import hashlib
from typing import Any, Optional

import pytest
import spnego
from negotiate_helpers import (
    GssAcceptor,
    GssInitiator,
    NtlmUsers,
    Run,
    client_against,
    cred_factory,
    negotiation_info,
    ntlm_users,
    seal,
    server_against,
)
from spnego import NegotiateOptions
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from sspi_compat import (
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    SEC_CHANNEL_BINDINGS,
    SEC_E_BAD_BINDINGS,
    SEC_E_LOGON_DENIED,
    SEC_E_OK,
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_EX,
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_DATA,
    SECBUFFER_STREAM,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_NEGOTIATION_COMPLETE,
    ULONG,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    SecBuffer,
    SecBufferDesc,
)
from sspi_compat.mapping import spnego as sp
from sspi_compat.testing import MITRealm

__all__ = ["cred_factory", "ntlm_users"]  # fixtures used here

pytestmark = [pytest.mark.kdc, pytest.mark.ntlm]

HOST = "server.sspi.test"
HTTP = f"HTTP/{HOST}"
IP = "HTTP/127.0.0.1"
REQ = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH
PURE_NTLM = NegotiateOptions.use_ntlm
OWN_SPNEGO = NegotiateOptions.use_negotiate
CERT_HASH = hashlib.sha256(b"the server's certificate").digest()
APP_DATA = b"tls-server-end-point:" + CERT_HASH


def our_bindings(app_data: bytes = APP_DATA) -> SecBuffer:
    return SecBuffer(SECBUFFER_CHANNEL_BINDINGS,
                     bytearray(SEC_CHANNEL_BINDINGS(ApplicationData=app_data).pack()))


def their_bindings(app_data: bytes = APP_DATA) -> GssChannelBindings:
    return GssChannelBindings(application_data=app_data)


def gss_bindings(app_data: bytes = APP_DATA) -> Any:
    import gssapi.raw as gr

    return gr.ChannelBindings(application_data=app_data)


def exchange_messages(ctx: CtxtHandle, peer: Any) -> None:
    """Both directions: ours sealed by EncryptMessage, theirs by their wrap."""
    for i in range(3):
        mine = f"from sspi_compat #{i}".encode()
        token, sealed = seal(ctx, mine)
        unwrapped = peer.unwrap(token + sealed)
        assert getattr(unwrapped, "data", unwrapped) == mine
        theirs = f"from the peer #{i}".encode()
        wrapped = peer.wrap(theirs)
        blob = bytearray(getattr(wrapped, "data", wrapped))
        desc = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, blob), SecBuffer(SECBUFFER_DATA, None)])
        assert DecryptMessage(ctx, desc, 0, ULONG()) == SEC_E_OK
        assert bytes(desc[1].data) == theirs


def finished(run: Run) -> Run:
    assert run.statuses[-1] == SEC_E_OK, run.statuses
    return run


# --- our client, their server -------------------------------------------------------------


class TestOurClient:
    def test_negotiate_kerberos_vs_pyspnego(self, ntlm_users: NtlmUsers,
                                            cred_factory: Any) -> None:
        peer = spnego.server(hostname=HOST, service="HTTP", options=OWN_SPNEGO)
        run = finished(client_against(peer, cred_factory("Negotiate", SECPKG_CRED_OUTBOUND),
                                      HTTP, REQ))
        assert peer.complete and peer.negotiated_protocol == "kerberos"
        assert negotiation_info(run.ctx) == ("Kerberos", SECPKG_NEGOTIATION_COMPLETE)
        assert peer.client_principal == "alice@SSPI.TEST"
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    @pytest.mark.parametrize("server_options", [OWN_SPNEGO, OWN_SPNEGO | PURE_NTLM])
    def test_negotiate_ntlm_vs_pyspnego(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                        server_options: NegotiateOptions) -> None:
        peer = spnego.server(hostname=HOST, service="HTTP", options=server_options)
        client = cred_factory("Negotiate", SECPKG_CRED_OUTBOUND)
        run = finished(client_against(peer, client, IP, REQ))
        assert peer.complete and peer.negotiated_protocol == "ntlm"
        assert negotiation_info(run.ctx) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
        # AUTHENTICATE carried a MIC, so both mechListMICs were exchanged.
        final = sp.decode(run.received[-1])
        assert isinstance(final, sp.NegTokenResp) and final.mech_list_mic is not None
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_ntlm_vs_pyspnego_pure_ntlm(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.server(protocol="ntlm", options=PURE_NTLM)
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND,
                              SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", ntlm_users.alice))
        run = finished(client_against(peer, client, HTTP, REQ))
        assert peer.complete and peer.client_principal == "SSPI.TEST\\alice"
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_kerberos_vs_pyspnego(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.server(hostname=HOST, service="HTTP", protocol="kerberos")
        run = finished(client_against(peer, cred_factory("Kerberos", SECPKG_CRED_OUTBOUND),
                                      HTTP, REQ))
        assert peer.complete
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    @pytest.mark.parametrize("target,package_list,mech", [
        (HTTP, None, sp.OID_KRB5), (IP, None, sp.OID_NTLM), (HTTP, "NTLM", sp.OID_NTLM)])
    def test_negotiate_vs_mit_spnego(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                     target: str, package_list: Optional[str],
                                     mech: str) -> None:
        peer = GssAcceptor(sp.OID_SPNEGO)
        auth = SEC_WINNT_AUTH_IDENTITY_EX(PackageList=package_list) if package_list else None
        run = finished(client_against(peer, cred_factory("Negotiate", SECPKG_CRED_OUTBOUND,
                                                         auth), target, REQ))
        assert peer.complete and peer.mech() == mech
        assert peer.initiator() == ("alice@SSPI.TEST" if mech == sp.OID_KRB5
                                    else "SSPI.TEST\\alice")
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_ntlm_vs_gss_ntlmssp(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = GssAcceptor(sp.OID_NTLM)
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND,
                              SEC_WINNT_AUTH_IDENTITY("bob", "SSPI.TEST", ntlm_users.bob))
        run = finished(client_against(peer, client, HTTP, REQ))
        assert peer.initiator() == "SSPI.TEST\\bob"
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)


# --- their client, our server ---------------------------------------------------------------


class TestOurServer:
    def test_pyspnego_negotiate_kerberos(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.client(hostname=HOST, service="HTTP", options=OWN_SPNEGO)
        run = finished(server_against(peer, cred_factory("Negotiate", SECPKG_CRED_INBOUND)))
        assert peer.complete and peer.negotiated_protocol == "kerberos"
        assert negotiation_info(run.ctx) == ("Kerberos", SECPKG_NEGOTIATION_COMPLETE)
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_pyspnego_negotiate_pure_ntlm(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.client("SSPI.TEST\\alice", ntlm_users.alice, hostname=HOST,
                             service="HTTP", options=OWN_SPNEGO | PURE_NTLM)
        run = finished(server_against(peer, cred_factory("Negotiate", SECPKG_CRED_INBOUND)))
        assert peer.complete and peer.negotiated_protocol == "ntlm"
        assert negotiation_info(run.ctx) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_pyspnego_pure_ntlm(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.client("NTDOM\\carol", ntlm_users.carol, hostname=HOST, service="HTTP",
                             protocol="ntlm", options=PURE_NTLM)
        run = finished(server_against(peer, cred_factory("NTLM", SECPKG_CRED_INBOUND)))
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_pyspnego_pure_ntlm_wrong_password(self, ntlm_users: NtlmUsers,
                                               cred_factory: Any) -> None:
        peer = spnego.client("NTDOM\\carol", "wrong", hostname=HOST, service="HTTP",
                             protocol="ntlm", options=PURE_NTLM)
        run = server_against(peer, cred_factory("NTLM", SECPKG_CRED_INBOUND))
        assert run.statuses[-1] == SEC_E_LOGON_DENIED
        DeleteSecurityContext(run.ctx)

    def test_pyspnego_kerberos(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = spnego.client(hostname=HOST, service="HTTP", protocol="kerberos")
        run = finished(server_against(peer, cred_factory("Kerberos", SECPKG_CRED_INBOUND)))
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_mit_spnego_kerberos(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        peer = GssInitiator(f"HTTP@{HOST}", sp.OID_SPNEGO)
        run = finished(server_against(peer, cred_factory("Negotiate", SECPKG_CRED_INBOUND)))
        assert peer.complete and peer.mech() == sp.OID_KRB5
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)

    def test_mit_spnego_ntlm(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        import gssapi.raw as gr

        name = gr.import_name(b"SSPI.TEST\\alice", gr.NameType.user)
        cred = gr.acquire_cred_with_password(name, ntlm_users.alice.encode(), usage="initiate",
                                             mechs=[gr.OID.from_int_seq(sp.OID_SPNEGO)]).creds
        gr.set_neg_mechs(cred, [gr.OID.from_int_seq(sp.OID_NTLM)])
        peer = GssInitiator(f"HTTP@{HOST}", sp.OID_SPNEGO, cred=cred)
        run = finished(server_against(peer, cred_factory("Negotiate", SECPKG_CRED_INBOUND)))
        assert peer.complete and peer.mech() == sp.OID_NTLM
        assert negotiation_info(run.ctx) == ("NTLM", SECPKG_NEGOTIATION_COMPLETE)
        exchange_messages(run.ctx, peer)
        DeleteSecurityContext(run.ctx)


# --- channel bindings, both ways ---------------------------------------------------------------


class TestChannelBindings:
    @pytest.mark.parametrize("package,target,their_options", [
        ("Negotiate", HTTP, OWN_SPNEGO), ("Negotiate", IP, OWN_SPNEGO),
        ("NTLM", HTTP, PURE_NTLM)])
    def test_our_client(self, ntlm_users: NtlmUsers, cred_factory: Any, package: str,
                        target: str, their_options: NegotiateOptions) -> None:
        auth = SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", ntlm_users.alice)
        client = cred_factory(package, SECPKG_CRED_OUTBOUND, auth)
        protocol = "ntlm" if package == "NTLM" else "negotiate"
        peer = spnego.server(hostname=HOST, service="HTTP", protocol=protocol,
                             options=their_options, channel_bindings=their_bindings())
        run = finished(client_against(peer, client, target, REQ, (our_bindings(),)))
        assert peer.complete
        DeleteSecurityContext(run.ctx)
        peer = spnego.server(hostname=HOST, service="HTTP", protocol=protocol,
                             options=their_options,
                             channel_bindings=their_bindings(b"tls-server-end-point:other"))
        # pyspnego refuses (its Kerberos path raises AttributeError after the
        # GSS error: a pyspnego quirk); the exchange does not complete.
        with pytest.raises((SpnegoError, AttributeError)):
            client_against(peer, client, target, REQ, (our_bindings(),))

    @pytest.mark.parametrize("package,their", [("Negotiate", "kerberos"),
                                               ("Negotiate", "ntlm"), ("NTLM", "ntlm")])
    def test_our_server(self, ntlm_users: NtlmUsers, cred_factory: Any, package: str,
                        their: str) -> None:
        server = cred_factory(package, SECPKG_CRED_INBOUND)

        def peer(app_data: bytes) -> Any:
            if their == "kerberos":
                return spnego.client(hostname=HOST, service="HTTP", options=OWN_SPNEGO,
                                     channel_bindings=their_bindings(app_data))
            return spnego.client("SSPI.TEST\\alice", ntlm_users.alice, hostname=HOST,
                                 service="HTTP", protocol="ntlm" if package == "NTLM"
                                 else "negotiate",
                                 options=PURE_NTLM | (OWN_SPNEGO if package == "Negotiate"
                                                      else NegotiateOptions.none),
                                 channel_bindings=their_bindings(app_data))

        run = finished(server_against(peer(APP_DATA), server, extra=(our_bindings(),)))
        DeleteSecurityContext(run.ctx)
        run = server_against(peer(b"tls-server-end-point:other"), server,
                             extra=(our_bindings(),))
        assert run.statuses[-1] == SEC_E_BAD_BINDINGS, run.statuses
        DeleteSecurityContext(run.ctx)

    def test_mit_spnego_both_ways(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("Negotiate", SECPKG_CRED_OUTBOUND)
        server = cred_factory("Negotiate", SECPKG_CRED_INBOUND)
        peer: Any = GssAcceptor(sp.OID_SPNEGO, bindings=gss_bindings())
        run = finished(client_against(peer, client, HTTP, REQ, (our_bindings(),)))
        DeleteSecurityContext(run.ctx)
        peer = GssInitiator(f"HTTP@{HOST}", sp.OID_SPNEGO, bindings=gss_bindings(b"other"))
        run = server_against(peer, server, extra=(our_bindings(),))
        assert run.statuses[-1] == SEC_E_BAD_BINDINGS, run.statuses
        DeleteSecurityContext(run.ctx)


def test_realm_is_up(krb5_env: MITRealm) -> None:
    """The peers above find the realm through the environment krb5_env sets."""
    assert krb5_env.kdc_running
