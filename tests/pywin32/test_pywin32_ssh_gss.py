"""SSH ``gssapi-with-mic`` (RFC 4462) in paramiko's SSPI style: sign/verify as the MIC.

The client and server halves are ``pywin32_consumers.ssh_gss`` (paramiko's
``_SSH_SSPI`` shape).  Besides SSPI against SSPI, each half also runs
against plain python-gssapi, which is what an OpenSSH server or client uses:
the MIC SSPI's MakeSignature makes must verify with ``gss_verify_mic`` and
the other way round.
"""

from __future__ import annotations

import gssapi
import pytest
import sspi
import sspicon
from pywin32_consumers.ssh_gss import SSHSSPI, ssh_build_mic
from pywin32_helpers import GssAcceptor

from sspi_compat.testing import MITRealm

SESSION_ID = bytes(range(32))


def _establish(client: SSHSSPI, server: SSHSSPI, host: str) -> None:
    token = client.ssh_init_sec_context(host, username="alice")
    for _ in range(4):
        reply = server.ssh_accept_sec_context(host, "alice", token)
        if reply:
            token = client.ssh_init_sec_context(host, username="alice", recv_token=reply)
        if client._gss_ctxt_status and server._gss_srv_ctxt_status:
            return
    raise AssertionError("no context after four round trips")


@pytest.mark.kdc
@pytest.mark.parametrize("deleg", [False, True])
def test_gssapi_with_mic_sspi_to_sspi(krb5_env: MITRealm, deleg: bool) -> None:
    client, server = SSHSSPI(gss_deleg_creds=deleg), SSHSSPI()
    _establish(client, server, krb5_env.hostname)
    mic = client.ssh_get_mic(SESSION_ID)
    assert isinstance(mic, bytes) and 16 <= len(mic) <= 64
    assert server.ssh_check_mic(mic, SESSION_ID, "alice") == 0
    # host/ is not ok-as-delegate: Windows does not delegate, neither does this.
    assert server.credentials_delegated is False
    assert server._gss_srv_ctxt.initiator_name == "alice@SSPI.TEST"


@pytest.mark.kdc
def test_wrong_mic_raises_sspi_error(krb5_env: MITRealm) -> None:
    client, server = SSHSSPI(), SSHSSPI()
    _establish(client, server, krb5_env.hostname)
    mic = client.ssh_get_mic(SESSION_ID)
    with pytest.raises(sspi.error) as exc:
        server.ssh_check_mic(mic, bytes(32), "alice")  # another session id
    assert exc.value.winerror == sspicon.SEC_E_MESSAGE_ALTERED
    assert exc.value.funcname == "VerifySignature"
    with pytest.raises(sspi.error) as exc:
        server.ssh_check_mic(mic, SESSION_ID, "mallory")  # another user name
    assert exc.value.winerror in (sspicon.SEC_E_MESSAGE_ALTERED, sspicon.SEC_E_OUT_OF_SEQUENCE)


@pytest.mark.kdc
def test_sspi_client_against_a_gssapi_sshd(krb5_env: MITRealm) -> None:
    client = SSHSSPI()
    acceptor = GssAcceptor()
    token = client.ssh_init_sec_context(krb5_env.hostname, username="alice")
    reply = acceptor.step(token)
    assert acceptor.complete and reply
    assert client.ssh_init_sec_context(krb5_env.hostname, "alice", reply) is None
    mic = client.ssh_get_mic(SESSION_ID)
    field = ssh_build_mic(SESSION_ID, "alice", "ssh-connection", "gssapi-with-mic")
    acceptor.ctx.verify_signature(field, mic)  # raises on a bad MIC
    with pytest.raises(gssapi.exceptions.GSSError):
        acceptor.ctx.verify_signature(field + b"x", mic)


@pytest.mark.kdc
def test_gssapi_ssh_client_against_an_sspi_server(krb5_env: MITRealm) -> None:
    server = SSHSSPI()
    name = gssapi.Name(f"host@{krb5_env.hostname}", gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, usage="initiate",
                                 mech=gssapi.MechType.kerberos,
                                 flags=gssapi.RequirementFlag.mutual_authentication
                                 | gssapi.RequirementFlag.integrity)
    token = ctx.step()
    reply = server.ssh_accept_sec_context(krb5_env.hostname, "alice", token)
    assert server._gss_srv_ctxt_status
    ctx.step(reply)
    assert ctx.complete
    field = ssh_build_mic(SESSION_ID, "alice", "ssh-connection", "gssapi-with-mic")
    mic = ctx.get_signature(field)
    assert server.ssh_check_mic(mic, SESSION_ID, "alice") == 0
