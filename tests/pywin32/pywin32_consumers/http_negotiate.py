# ruff: noqa: UP032 - kept in the shape of the original (str.format)
"""An HTTP Negotiate client in the style of requests-negotiate-sspi.

Follows ``requests_negotiate_sspi.HttpNegotiateAuth._retry_using_http_Negotiate_auth``
(brandond/requests-negotiate-sspi) step by step, over ``http.client``
instead of requests: QuerySecurityPackageInfo, ``sspi.ClientAuth`` with an
SPN built from the host, an *empty* first ``PySecBufferDesc`` (holding only
the channel-binding buffer when there is a peer certificate, built with
``struct.pack('LLLLLLLL{}s', ...)``), the server's token *appended to the
same descriptor* for the next ``authorize``, and ``pywintypes.error``
caught around the first step.
"""

import base64
import hashlib
import http.client
import logging
import struct

import pywintypes
import sspi
import sspicon
import win32security

_logger = logging.getLogger(__name__)


class HttpNegotiateAuth:
    _auth_info = None
    _service = "HTTP"
    _host = None

    def __init__(self, username=None, password=None, domain=None, service=None, host=None,
                 package=None, scflags=None, peercert=None):
        if domain is None:
            domain = "."
        if username is not None and password is not None:
            self._auth_info = (username, domain, password)
        if service is not None:
            self._service = service
        if host is not None:
            self._host = host
        # The SSPI package; requests-negotiate-sspi uses the HTTP scheme name.
        self._package = package
        self._scflags = scflags
        self._peercert = peercert
        self.clientauth = None
        self.history = []

    def get(self, address, path="/"):
        """GET ``path`` from ``address`` ((host, port)), authenticating when asked."""
        conn = http.client.HTTPConnection(*address, timeout=30)
        try:
            response = self._send(conn, path, {})
            if response[0] == 401:
                header = response[2].get("WWW-Authenticate", "")
                for scheme in ("Negotiate", "NTLM"):
                    if scheme.lower() in header.lower():
                        return self._retry_using_http_negotiate_auth(conn, path, response,
                                                                     scheme)
            return response
        finally:
            conn.close()

    def _send(self, conn, path, headers):
        conn.request("GET", path, headers=dict(headers, Connection="Keep-Alive"))
        resp = conn.getresponse()
        body = resp.read()
        result = (resp.status, body, dict(resp.getheaders()))
        self.history.append(result)
        return result

    def _retry_using_http_negotiate_auth(self, conn, path, response, scheme):
        if self._host is None:
            self._host = conn.host
        targetspn = "{}/{}".format(self._service, self._host)
        package = self._package or scheme

        # Set up SSPI connection structure
        pkg_info = win32security.QuerySecurityPackageInfo(package)
        kwargs = {"targetspn": targetspn, "auth_info": self._auth_info}
        if self._scflags is not None:
            kwargs["scflags"] = self._scflags
        clientauth = sspi.ClientAuth(package, **kwargs)
        self.clientauth = clientauth
        sec_buffer = win32security.PySecBufferDescType()

        # Channel Binding Hash (aka Extended Protection for Authentication)
        if self._peercert is not None:
            md = hashlib.sha256()
            md.update(self._peercert)
            appdata = "tls-server-end-point:".encode("ASCII") + md.digest()
            cbtbuf = win32security.PySecBufferType(pkg_info["MaxToken"],
                                                   sspicon.SECBUFFER_CHANNEL_BINDINGS)
            cbtbuf.Buffer = struct.pack("LLLLLLLL{}s".format(len(appdata)), 0, 0, 0, 0, 0, 0,
                                        len(appdata), 32, appdata)
            sec_buffer.append(cbtbuf)

        headers = {}
        # Send initial challenge auth header
        try:
            error, auth = clientauth.authorize(sec_buffer)
            headers["Authorization"] = "{} {}".format(
                scheme, base64.b64encode(auth[0].Buffer).decode("ASCII"))
            _logger.debug("Sending Initial Context Token - error=%s authenticated=%s",
                          error, clientauth.authenticated)
        except pywintypes.error as e:
            _logger.error("Error calling %s: %s", e.funcname, e.strerror, exc_info=e)
            return response

        response2 = self._send(conn, path, headers)

        # Should get another 401 if we are doing challenge-response (NTLM)
        if response2[0] != 401:
            if response2[0] == 200:
                # Kerberos may have succeeded; if so, finalize our auth context
                final = response2[2].get("WWW-Authenticate")
                if final is not None:
                    try:
                        final = final.replace(scheme, "", 1).lstrip()
                        tokenbuf = win32security.PySecBufferType(pkg_info["MaxToken"],
                                                                 sspicon.SECBUFFER_TOKEN)
                        tokenbuf.Buffer = base64.b64decode(final)
                        sec_buffer.append(tokenbuf)
                        error, auth = clientauth.authorize(sec_buffer)
                        _logger.debug("Kerberos Authentication succeeded - error=%s "
                                      "authenticated=%s", error, clientauth.authenticated)
                    except TypeError:
                        pass
            return response2

        # Extract challenge message from server
        challenge = [val[len(scheme) + 1:]
                     for val in response2[2].get("WWW-Authenticate", "").split(", ")
                     if scheme in val]
        if len(challenge) != 1 or not challenge[0]:
            return response2

        # Add challenge to security buffer
        tokenbuf = win32security.PySecBufferType(pkg_info["MaxToken"], sspicon.SECBUFFER_TOKEN)
        tokenbuf.Buffer = base64.b64decode(challenge[0])
        sec_buffer.append(tokenbuf)

        # Perform next authorization step
        error, auth = clientauth.authorize(sec_buffer)
        headers["Authorization"] = "{} {}".format(
            scheme, base64.b64encode(auth[0].Buffer).decode("ASCII"))
        return self._send(conn, path, headers)
