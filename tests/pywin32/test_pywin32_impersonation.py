"""A server that authorizes a client, impersonates it and asks ``win32api.GetUserName()``.

``pywin32_consumers.impersonating_server`` follows pywin32's SSPI socket
server demo.  The process runs as a Unix user; the client is ``alice``.
While the server impersonates, GetUserName/GetUserNameEx name alice, and
with a delegated ticket (HTTP/server.sspi.test is ok-as-delegate) the
server's default credentials are alice's, so it can authenticate onward.
"""

from __future__ import annotations

import os
import pwd
import threading

import pytest
import sspi
import sspicon
import win32api
from pywin32_consumers.impersonating_server import ImpersonatingServer
from pywin32_helpers import GssAcceptor

from sspi_compat.testing import MITRealm

FLAGS = (sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_INTEGRITY
         | sspicon.ISC_REQ_CONFIDENTIALITY)
UNIX_USER = pwd.getpwuid(os.geteuid()).pw_name


def _authenticated_server(realm: MITRealm, flags: int) -> ImpersonatingServer:
    server = ImpersonatingServer("Kerberos")
    client = sspi.ClientAuth("Kerberos", targetspn=f"HTTP/{realm.hostname}", scflags=flags)
    _, out = client.authorize(None)
    done, token = server.handshake(out[0].Buffer)
    assert done
    client.authorize(bytearray(token))
    assert client.authenticated
    return server


@pytest.mark.kdc
def test_get_user_name_follows_impersonation(krb5_env: MITRealm) -> None:
    server = _authenticated_server(krb5_env, FLAGS)
    seen = server.serve_as_client()
    assert seen == [("before", UNIX_USER),
                    ("impersonating", "alice", "SSPI\\alice"),
                    ("after", UNIX_USER)]
    assert win32api.GetUserName() == UNIX_USER


@pytest.mark.kdc
def test_delegated_credentials_while_impersonating(krb5_env: MITRealm) -> None:
    server = _authenticated_server(krb5_env, FLAGS | sspicon.ISC_REQ_DELEGATE)
    assert server.sa.ctxt_attr & sspicon.ASC_RET_DELEGATE
    seen = server.serve_as_client(onward_spn=f"host/{krb5_env.hostname}")
    onward = next(entry for entry in seen if entry[0] == "onward")
    assert onward[1] == "alice@SSPI.TEST"
    # The onward token authenticates alice to the next service.
    acceptor = GssAcceptor()
    acceptor.step(onward[2])
    assert acceptor.complete and acceptor.initiator == "alice@SSPI.TEST"


@pytest.mark.kdc
def test_without_delegation_onward_authentication_fails(krb5_env: MITRealm) -> None:
    server = _authenticated_server(krb5_env, FLAGS)
    with pytest.raises(sspi.error) as exc:
        server.serve_as_client(onward_spn=f"host/{krb5_env.hostname}")
    assert exc.value.winerror == sspicon.SEC_E_NO_CREDENTIALS
    assert win32api.GetUserName() == UNIX_USER  # reverted in the finally


@pytest.mark.kdc
def test_impersonation_is_per_thread(krb5_env: MITRealm) -> None:
    server = _authenticated_server(krb5_env, FLAGS)
    server.sa.ctxt.ImpersonateSecurityContext()
    try:
        other: list[str] = []
        thread = threading.Thread(target=lambda: other.append(win32api.GetUserName()))
        thread.start()
        thread.join()
        assert win32api.GetUserName() == "alice"
        assert other == [UNIX_USER]
        assert win32api.GetUserNameEx(win32api.NameUserPrincipal) == "alice@SSPI.TEST"
    finally:
        server.sa.ctxt.RevertSecurityContext()


@pytest.mark.kdc
def test_access_token_is_unsupported(krb5_env: MITRealm) -> None:
    server = _authenticated_server(krb5_env, FLAGS)
    with pytest.raises(win32api.error) as exc:
        server.access_token()
    assert exc.value.args == (sspicon.SEC_E_UNSUPPORTED_FUNCTION, "QuerySecurityContextToken",
                              "The function requested is not supported")
    with pytest.raises(win32api.error) as exc:
        server.sa.ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_ACCESS_TOKEN)
    assert exc.value.args == (sspicon.SEC_E_UNSUPPORTED_FUNCTION, "QueryContextAttributes",
                              "The function requested is not supported")


@pytest.mark.kdc
def test_client_context_cannot_impersonate(krb5_env: MITRealm) -> None:
    client = sspi.ClientAuth("Kerberos", targetspn=f"HTTP/{krb5_env.hostname}")
    client.authorize(None)
    with pytest.raises(sspi.error) as exc:
        client.ctxt.ImpersonateSecurityContext()
    assert exc.value.winerror == sspicon.SEC_E_NO_IMPERSONATION
