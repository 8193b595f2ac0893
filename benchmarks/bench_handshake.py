"""Kerberos handshake cost: sspi_compat vs raw python-gssapi, its high-level API and pyspnego.

Each round is the full three-call exchange (init, accept, init with the
AP-REP) with mutual authentication and a cached service ticket, so what is
measured is the library overhead around identical GSS work.
"""

from __future__ import annotations

from typing import Any, Callable

import gssapi
import gssapi.raw as gr
import pytest
import spnego

import sspi_compat as sc

pytestmark = pytest.mark.benchmark(group="handshake")


def _raw(realm: Any) -> Callable[[], None]:
    krb5 = gssapi.MechType.kerberos
    target = gr.import_name(f"HTTP@{realm.hostname}".encode(), gr.NameType.hostbased_service)
    icred = gr.acquire_cred(None, usage="initiate", mechs=[krb5]).creds
    acred = gr.acquire_cred(None, usage="accept", mechs=[krb5]).creds
    flags = gr.RequirementFlag.mutual_authentication

    def round_trip() -> None:
        first = gr.init_sec_context(target, icred, mech=krb5, flags=[flags])
        reply = gr.accept_sec_context(first.token, acred)
        done = gr.init_sec_context(target, icred, context=first.context, mech=krb5,
                                   input_token=reply.token)
        assert not done.more_steps

    return round_trip


def _high_level(realm: Any) -> Callable[[], None]:
    target = gssapi.Name(f"HTTP@{realm.hostname}", gssapi.NameType.hostbased_service)
    icred = gssapi.Credentials(usage="initiate", mechs=[gssapi.MechType.kerberos])
    acred = gssapi.Credentials(usage="accept", mechs=[gssapi.MechType.kerberos])

    def round_trip() -> None:
        client = gssapi.SecurityContext(name=target, creds=icred, mech=gssapi.MechType.kerberos,
                                        usage="initiate")
        server = gssapi.SecurityContext(creds=acred, usage="accept")
        client.step(server.step(client.step()))
        assert client.complete

    return round_trip


def _pyspnego(realm: Any) -> Callable[[], None]:
    def round_trip() -> None:
        client = spnego.client(hostname=realm.hostname, service="HTTP", protocol="kerberos")
        server = spnego.server(protocol="kerberos")
        client.step(server.step(client.step()))
        assert client.complete

    return round_trip


def _sspi_compat(realm: Any) -> Callable[[], None]:
    ccred, scred = sc.CredHandle(), sc.CredHandle()
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_OUTBOUND, None, None,
                                       None, None, ccred, None) == sc.SEC_E_OK
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_INBOUND, None, None,
                                       None, None, scred, None) == sc.SEC_E_OK
    target = f"HTTP/{realm.hostname}"
    attrs = sc.ULONG()
    req = sc.ISC_REQ_MUTUAL_AUTH | sc.ISC_REQ_ALLOCATE_MEMORY
    drep = sc.SECURITY_NATIVE_DREP

    def round_trip() -> None:
        cctx, sctx = sc.CtxtHandle(), sc.CtxtHandle()
        out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN)])
        sc.InitializeSecurityContext(ccred, None, target, req, 0, drep, None, 0, cctx, out,
                                     attrs, None)
        reply = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN)])
        sc.AcceptSecurityContext(scred, None, out, sc.ASC_REQ_ALLOCATE_MEMORY, drep, sctx,
                                 reply, attrs, None)
        sc.FreeContextBuffer(out[0].pvBuffer)
        st = sc.InitializeSecurityContext(ccred, cctx, None, req, 0, drep, reply, 0, cctx, out,
                                          attrs, None)
        sc.FreeContextBuffer(reply[0].pvBuffer)
        assert st == sc.SEC_E_OK
        sc.DeleteSecurityContext(cctx)
        sc.DeleteSecurityContext(sctx)

    return round_trip


IMPLEMENTATIONS = {"raw": _raw, "gssapi": _high_level, "pyspnego": _pyspnego,
                   "sspi_compat": _sspi_compat}


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
def test_handshake(benchmark: Any, realm_env: Any, impl: str) -> None:
    round_trip = IMPLEMENTATIONS[impl](realm_env)
    round_trip()  # warm: service ticket cached, replay cache created
    benchmark.pedantic(round_trip, rounds=300, iterations=1, warmup_rounds=20)
