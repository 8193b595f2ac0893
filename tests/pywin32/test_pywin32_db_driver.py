"""A database driver's Kerberos login: ``authorize(None)`` then ``authorize(bytearray)``.

``pywin32_consumers.db_kerberos`` is MySQL Connector/Python's SSPI plugin in
shape; the server side is a python-gssapi acceptor for the service
``MSSQLSvc/server.sspi.test:1433`` (an SPN with a port, which maps to a
Kerberos principal, not a host-based name), or the façade's own
``sspi.ServerAuth``.  The server's reply reaches the client as the
``bytearray`` a packet reader hands out.
"""

from __future__ import annotations

import pytest
import sspi
import sspicon
from pywin32_consumers.db_kerberos import KerberosAuthPlugin, server_auth_data
from pywin32_helpers import GssAcceptor

from sspi_compat.testing import MITRealm

SPN = "MSSQLSvc/server.sspi.test:1433"


@pytest.mark.kdc
@pytest.mark.parametrize("explicit", [False, True], ids=["ccache", "password"])
def test_login_against_a_gssapi_server(krb5_env: MITRealm, explicit: bool) -> None:
    if explicit:
        plugin = KerberosAuthPlugin("bob", krb5_env.user2_password)
    else:
        plugin = KerberosAuthPlugin()
    first = plugin.auth_response(server_auth_data(SPN, krb5_env.realm))
    assert isinstance(first, bytes) and first
    acceptor = GssAcceptor()
    reply = acceptor.step(first)
    assert acceptor.complete and reply
    resp, complete = plugin.auth_continue(bytearray(reply))
    assert complete is True
    assert resp == b""
    assert acceptor.initiator == ("bob@SSPI.TEST" if explicit else "alice@SSPI.TEST")
    assert plugin.clientauth.service_name == f"{SPN}@SSPI.TEST"
    assert plugin.clientauth.ctxt_attr & sspicon.ISC_RET_MUTUAL_AUTH
    # MSSQLSvc is not ok-as-delegate: no delegation although it was asked for.
    assert not plugin.clientauth.ctxt_attr & sspicon.ISC_RET_DELEGATE


@pytest.mark.kdc
def test_login_against_an_sspi_server(krb5_env: MITRealm) -> None:
    plugin = KerberosAuthPlugin()
    server = sspi.ServerAuth("Kerberos", spn=SPN)
    first = plugin.auth_response(server_auth_data(SPN, krb5_env.realm))
    err, out = server.authorize(bytearray(first))
    assert err == 0 and server.authenticated
    _, complete = plugin.auth_continue(bytearray(out[0].Buffer))
    assert complete
    assert server.initiator_name == "alice@SSPI.TEST"
    # Both ends can now protect messages (SSPI both sides).
    data, trailer = plugin.clientauth.encrypt(b"SELECT 1")
    assert server.decrypt(data, trailer) == b"SELECT 1"


@pytest.mark.kdc
def test_wrong_password_is_reported_by_the_driver(krb5_env: MITRealm) -> None:
    plugin = KerberosAuthPlugin("bob", "not the password")
    with pytest.raises(ConnectionError) as exc:
        plugin.auth_response(server_auth_data(SPN, krb5_env.realm))
    cause = exc.value.__cause__
    assert isinstance(cause, sspi.error)
    assert cause.winerror == sspicon.SEC_E_LOGON_DENIED
    assert cause.args == (-2146893044, "InitializeSecurityContext", "The logon attempt failed")
    assert "not the password" not in str(exc.value)


@pytest.mark.kdc
def test_garbage_reply_is_an_sspi_error(krb5_env: MITRealm) -> None:
    plugin = KerberosAuthPlugin()
    plugin.auth_response(server_auth_data(SPN, krb5_env.realm))
    with pytest.raises(sspi.error) as exc:
        plugin.auth_continue(bytearray(b"\x30\x03garbage"))
    assert exc.value.winerror < 0 and exc.value.funcname == "InitializeSecurityContext"
