"""A server that authenticates a client, impersonates it and asks who it is.

In the shape of pywin32's ``Demos/security/sspi/socket_server.py`` and
``simple_auth.py``: ``sspi.ServerAuth(package)`` authorizes the client's
tokens, then ``ctxt.ImpersonateSecurityContext()``, work done as the client
(``win32api.GetUserName()`` / ``GetUserNameEx(NameSamCompatible)`` name the
client, and credentials acquired now are the client's), then
``ctxt.RevertSecurityContext()``.
"""

import sspi
import sspicon
import win32api


class ImpersonatingServer:
    def __init__(self, package, spn=None):
        self.sa = sspi.ServerAuth(package, spn=spn)
        self.seen = []

    def handshake(self, data):
        """One authorize step; returns (done, token to send back)."""
        err, sec_buffer = self.sa.authorize(data)
        return err == 0, sec_buffer[0].Buffer

    def serve_as_client(self, onward_spn=None):
        """Impersonate, record who we are (and optionally authenticate onward), revert."""
        self.seen.append(("before", win32api.GetUserName()))
        self.sa.ctxt.ImpersonateSecurityContext()
        try:
            self.seen.append(("impersonating", win32api.GetUserName(),
                              win32api.GetUserNameEx(win32api.NameSamCompatible)))
            if onward_spn is not None:
                # Default credentials while impersonating are the client's (delegation).
                onward = sspi.ClientAuth("Kerberos", targetspn=onward_spn)
                _err, token = onward.authorize(None)
                name = onward.credentials.QueryCredentialsAttributes(
                    sspicon.SECPKG_CRED_ATTR_NAMES)
                self.seen.append(("onward", name, token[0].Buffer))
        finally:
            self.sa.ctxt.RevertSecurityContext()
        self.seen.append(("after", win32api.GetUserName()))
        return self.seen

    def access_token(self):
        return self.sa.ctxt.QuerySecurityContextToken()

