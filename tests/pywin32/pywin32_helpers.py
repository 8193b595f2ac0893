"""Helpers for the façade tests: package parameters and GSS peers (plain python-gssapi).

The peers stand for the other side of a real deployment — an IIS/Apache web
server, an sshd, a database server, a WinRM endpoint — which speak GSS-API,
not SSPI.  They use python-gssapi directly, never ``sspi_compat``.
"""

from __future__ import annotations

import base64
import http.server
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import gssapi
import gssapi.raw
import pytest

import sspi_compat

#: The packages a façade test taking ``package`` runs with.
ALL_PACKAGES = ("Kerberos", "Negotiate", "NTLM")


def core_has_package(name: str) -> bool:
    """Whether the core API offers the SSPI package ``name``."""
    holder = sspi_compat.PSecPkgInfo()
    status = sspi_compat.QuerySecurityPackageInfo(name, holder)
    if status == sspi_compat.SEC_E_OK:
        sspi_compat.FreeContextBuffer(holder.value)
        return True
    return False


def package_params(names: Tuple[str, ...] = ALL_PACKAGES) -> List[Any]:
    """One ``pytest.param`` per package; one this platform lacks is a *strict* xfail.

    Every package exists on MIT; with python-gssapi on Heimdal's library NTLM
    is absent (gss-ntlmssp loads only into MIT's mechglue, docs/heimdal.md).
    Strict: should the package appear, the test has to pass.
    """
    params: List[Any] = []
    for name in names:
        marks = []
        if not core_has_package(name):
            marks.append(pytest.mark.xfail(
                strict=True, reason=f"no {name} package with this GSS library "
                              "(gss-ntlmssp needs MIT's mechglue; docs/heimdal.md)"))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def kerberos_sspi_pair(realm: Any, scflags: int) -> Tuple[Any, Any]:
    """``(sspi.ClientAuth, sspi.ServerAuth)`` for HTTP/<realm host>, authenticated
    through the façade at both ends (the usual three authorize calls)."""
    import sspi  # the façade module, registered by conftest's install()

    client = sspi.ClientAuth("Kerberos", targetspn=f"HTTP/{realm.hostname}", scflags=scflags)
    server = sspi.ServerAuth("Kerberos")
    _, out = client.authorize(None)
    _, out = server.authorize(out)
    client.authorize(out)
    assert client.authenticated and server.authenticated
    return client, server


def tls_server_end_point(cert: bytes) -> bytes:
    """RFC 5929 ``tls-server-end-point`` application data for a certificate (SHA-256)."""
    import hashlib

    return b"tls-server-end-point:" + hashlib.sha256(cert).digest()


NTLM_MECH = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")


class GssAcceptor:
    """A GSS acceptor (python-gssapi): the default acceptor credential (the keytab),
    or with ``ntlm`` a nameless gss-ntlmssp one (users from ``NTLM_USER_FILE``)."""

    def __init__(self, application_data: Optional[bytes] = None, ntlm: bool = False) -> None:
        bindings = (gssapi.raw.ChannelBindings(application_data=application_data)
                    if application_data is not None else None)
        creds = (gssapi.Credentials(usage="accept", mechs=[NTLM_MECH]) if ntlm
                 else gssapi.Credentials(usage="accept"))
        self.ctx = gssapi.SecurityContext(creds=creds, usage="accept",
                                          channel_bindings=bindings)

    def step(self, token: bytes) -> Optional[bytes]:
        out = self.ctx.step(token)
        return bytes(out) if out else None

    @property
    def complete(self) -> bool:
        return bool(self.ctx.complete)

    @property
    def initiator(self) -> str:
        return str(self.ctx.initiator_name)


@dataclass
class NegotiateServerLog:
    """What the HTTP server saw, for the test's assertions."""

    requests: List[Dict[str, Optional[str]]] = field(default_factory=list)
    authenticated: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


class NegotiateHTTPServer:
    """A local HTTP server doing ``WWW-Authenticate: Negotiate`` (or ``NTLM``) over
    python-gssapi.

    Listens on 127.0.0.1 on a free port.  The GSS context lives with the
    connection (HTTP/1.1 keep-alive), as IIS keeps it, so multi-leg NTLM
    works; it answers 401 with a bare challenge, 401 with the acceptor's
    token while the exchange continues, then 200 with the final token (if
    any) in ``WWW-Authenticate`` and ``hello <client>`` as the body, or 401
    when a token is refused.  ``application_data`` are the channel bindings
    it expects (None: none).
    """

    def __init__(self, application_data: Optional[bytes] = None,
                 scheme: str = "Negotiate") -> None:
        self.application_data = application_data
        self.scheme = scheme
        self.log = NegotiateServerLog()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            acceptor: Optional[GssAcceptor] = None

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, auth: Optional[str]) -> None:
                self.send_response(status)
                if auth is not None:
                    self.send_header("WWW-Authenticate", auth)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                scheme = outer.scheme
                header = self.headers.get("Authorization")
                outer.log.requests.append({"path": self.path, "authorization": header})
                if not header or not header.startswith(scheme + " "):
                    self._send(401, b"unauthorized", scheme)
                    return
                try:
                    if self.acceptor is None or self.acceptor.complete:
                        self.acceptor = GssAcceptor(outer.application_data,
                                                    ntlm=scheme == "NTLM")
                    acceptor = self.acceptor
                    out = acceptor.step(base64.b64decode(header[len(scheme) + 1:]))
                    complete = acceptor.complete  # python-gssapi may raise only here
                except gssapi.exceptions.GSSError as exc:
                    self.acceptor = None
                    outer.log.errors.append(type(exc).__name__)
                    self._send(401, b"refused", scheme)
                    return
                if not complete:
                    self._send(401, b"continue",
                               f"{scheme} " + base64.b64encode(out or b"").decode())
                    return
                outer.log.authenticated.append(acceptor.initiator.rstrip("\0"))
                auth = f"{scheme} " + base64.b64encode(out).decode() if out else None
                self._send(200, f"hello {outer.log.authenticated[-1]}".encode(), auth)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    def __enter__(self) -> NegotiateHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)

