"""HTTP Negotiate: a requests-negotiate-sspi style client against a python-gssapi server.

The server (``pywin32_helpers.NegotiateHTTPServer``) is plain python-gssapi
on 127.0.0.1, as an IIS or Apache+mod_auth_gssapi would be.  The client is
``pywin32_consumers.http_negotiate``, code in the shape of
requests-negotiate-sspi, run unmodified through the façade.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

import pytest
import sspicon
from pywin32_consumers.http_negotiate import HttpNegotiateAuth
from pywin32_helpers import NegotiateHTTPServer, package_params, tls_server_end_point

from sspi_compat.testing import MITRealm

# The SSPI package the client asks for. requests-negotiate-sspi passes the HTTP
# scheme ("Negotiate"); until the core has a Negotiate package the Kerberos one
# speaks to the same server (an acceptor with default credentials takes raw krb5
# tokens as well as SPNEGO).  Switching is this one tuple.
CLIENT_PACKAGES = package_params(("Kerberos", "Negotiate"))

MUTUAL = (sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_INTEGRITY
          | sspicon.ISC_REQ_SEQUENCE_DETECT | sspicon.ISC_REQ_REPLAY_DETECT
          | sspicon.ISC_REQ_CONFIDENTIALITY)
PEERCERT = b"0\x82\x01\x0a-a DER certificate stands here-" * 4


@pytest.mark.kdc
@pytest.mark.parametrize("package", CLIENT_PACKAGES)
@pytest.mark.parametrize("mutual", [False, True], ids=["default-flags", "mutual"])
def test_negotiate_get(krb5_env: MITRealm, package: str, mutual: bool) -> None:
    with NegotiateHTTPServer() as server:
        auth = HttpNegotiateAuth(host=krb5_env.hostname, package=package,
                                 scflags=MUTUAL if mutual else None)
        status, body, _ = auth.get(("127.0.0.1", server.port), "/resource")
    assert status == 200, server.log
    assert body == b"hello alice@SSPI.TEST"
    assert server.log.authenticated == ["alice@SSPI.TEST"]
    # First request bare, second with "Negotiate <token>".
    assert [r["authorization"] is None for r in server.log.requests] == [True, False]
    assert server.log.requests[1]["authorization"].startswith("Negotiate ")
    client = auth.clientauth
    assert client.authenticated
    assert client.initiator_name == "alice@SSPI.TEST"
    assert client.service_name == "HTTP/server.sspi.test@SSPI.TEST"
    final = auth.history[-1][2].get("WWW-Authenticate")
    if mutual:
        # The server's mutual-auth token was appended to the first descriptor
        # and completed the context with the second authorize().
        assert final is not None and final.startswith("Negotiate ")
        assert client.ctxt_attr & sspicon.ISC_RET_MUTUAL_AUTH
    elif package == "Kerberos":
        assert final is None  # one leg: complete after the first authorize()


@pytest.mark.kdc
@pytest.mark.parametrize("package", CLIENT_PACKAGES)
def test_channel_bindings_from_struct_pack(krb5_env: MITRealm, package: str) -> None:
    """``struct.pack('LLLLLLLL...')`` is 64 bytes on 64-bit Linux; the server checks them."""
    appdata = tls_server_end_point(PEERCERT)
    with NegotiateHTTPServer(application_data=appdata) as server:
        auth = HttpNegotiateAuth(host=krb5_env.hostname, package=package, scflags=MUTUAL,
                                 peercert=PEERCERT)
        status, body, _ = auth.get(("127.0.0.1", server.port))
    assert status == 200, server.log
    assert body == b"hello alice@SSPI.TEST"
    assert auth.clientauth.authenticated


@pytest.mark.kdc
@pytest.mark.parametrize("package", CLIENT_PACKAGES)
def test_channel_binding_mismatch_is_refused_by_the_server(krb5_env: MITRealm,
                                                            package: str) -> None:
    expected = b"tls-server-end-point:" + hashlib.sha256(b"another certificate").digest()
    with NegotiateHTTPServer(application_data=expected) as server:
        auth = HttpNegotiateAuth(host=krb5_env.hostname, package=package, scflags=MUTUAL,
                                 peercert=PEERCERT)
        status, _, _ = auth.get(("127.0.0.1", server.port))
    assert status == 401
    assert server.log.authenticated == []
    assert server.log.errors == ["BadChannelBindingsError"]
    assert not auth.clientauth.authenticated


@pytest.mark.kdc
@pytest.mark.parametrize("package", CLIENT_PACKAGES)
def test_explicit_credentials(krb5_env: MITRealm, package: str) -> None:
    """username/password/domain as HttpNegotiateAuth takes them: bob, not the ccache's alice."""
    with NegotiateHTTPServer() as server:
        auth = HttpNegotiateAuth(username="bob", password=krb5_env.user2_password,
                                 domain=krb5_env.realm, host=krb5_env.hostname,
                                 package=package, scflags=MUTUAL)
        status, body, _ = auth.get(("127.0.0.1", server.port))
    assert status == 200, server.log
    assert body == b"hello bob@SSPI.TEST"


@pytest.mark.kdc
@pytest.mark.parametrize("package", CLIENT_PACKAGES)
def test_sspi_failure_is_logged_and_the_401_returned(krb5_env: MITRealm, package: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """An unknown SPN: ``pywintypes.error`` from the first authorize() is caught by the client."""
    with NegotiateHTTPServer() as server:
        auth = HttpNegotiateAuth(host="unknown.sspi.test", package=package)
        status, _, _ = auth.get(("127.0.0.1", server.port))
    assert status == 401
    assert len(server.log.requests) == 1  # never sent a token
    assert any("Error calling InitializeSecurityContext" in r.getMessage()
               for r in caplog.records)


@pytest.fixture
def ntlm_users(krb5_env: MITRealm, tmp_path: Path) -> Iterator[MITRealm]:
    """gss-ntlmssp's user file: alice (the client's default) and bob, domain SSPI."""
    users = tmp_path / "ntlm_users"
    users.write_text(f"SSPI:alice:{krb5_env.user_password}\n"
                     f"SSPI:bob:{krb5_env.user2_password}\n")
    users.chmod(0o600)
    old = os.environ.get("NTLM_USER_FILE")
    os.environ["NTLM_USER_FILE"] = str(users)
    try:
        yield krb5_env
    finally:
        if old is None:
            os.environ.pop("NTLM_USER_FILE", None)
        else:
            os.environ["NTLM_USER_FILE"] = old


@pytest.mark.kdc
@pytest.mark.parametrize("package", package_params(("NTLM",)))
@pytest.mark.parametrize("explicit", [False, True], ids=["default-user", "password"])
def test_ntlm_challenge_response(ntlm_users: MITRealm, package: str, explicit: bool) -> None:
    """The NTLM branch: 401 with a challenge, the token appended to the same descriptor."""
    kwargs = ({"username": "bob", "password": ntlm_users.user2_password, "domain": "SSPI"}
              if explicit else {})
    with NegotiateHTTPServer(scheme="NTLM") as server:
        auth = HttpNegotiateAuth(host=ntlm_users.hostname, package=package, **kwargs)
        status, body, _ = auth.get(("127.0.0.1", server.port))
    user = "bob" if explicit else "alice"
    assert status == 200, server.log
    assert body == f"hello SSPI\\{user}".encode()
    # Three requests: bare, NEGOTIATE, AUTHENTICATE (after the CHALLENGE).
    assert len(server.log.requests) == 3
    assert [h.startswith("NTLM ") for h in (r["authorization"] or "NTLM "
                                            for r in server.log.requests[1:])] == [True, True]
    assert auth.clientauth.authenticated
