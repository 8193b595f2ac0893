"""SSH GSS-API user authentication in the style of paramiko's ``_SSH_SSPI``.

Follows ``paramiko.ssh_gss._SSH_SSPI``: ``sspi.ClientAuth("Kerberos",
scflags=..., targetspn="host/" + host)`` stepped with ``authorize`` (the
first token from ``authorize(None)``), a MIC over the RFC 4462 ``mic_field``
made with ``sign`` on the client and checked with ``verify`` on the server
(``sspi.ServerAuth("Kerberos", spn="host/" + host)``), ``error == 0``
meaning the context is established.
"""

import struct

import sspi
import sspicon

MSG_USERAUTH_REQUEST = 50


def _string(value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return struct.pack(">I", len(value)) + value


def ssh_build_mic(session_id, username, service, auth_method):
    """RFC 4462 section 3.5: the data the MIC covers."""
    mic = _string(session_id)
    mic += bytes([MSG_USERAUTH_REQUEST])
    mic += _string(username)
    mic += _string(service)
    mic += _string(auth_method)
    return mic


class SSHSSPI:
    """The client or the server half, as paramiko's _SSH_SSPI uses them."""

    def __init__(self, auth_method="gssapi-with-mic", gss_deleg_creds=True):
        self._auth_method = auth_method
        self._service = "ssh-connection"
        if gss_deleg_creds:
            self._gss_flags = (sspicon.ISC_REQ_INTEGRITY | sspicon.ISC_REQ_MUTUAL_AUTH
                               | sspicon.ISC_REQ_DELEGATE)
        else:
            self._gss_flags = sspicon.ISC_REQ_INTEGRITY | sspicon.ISC_REQ_MUTUAL_AUTH
        self._gss_ctxt = None
        self._gss_srv_ctxt = None
        self._gss_ctxt_status = False
        self._gss_srv_ctxt_status = False

    # client side
    def ssh_init_sec_context(self, target, username=None, recv_token=None):
        self._username = username
        self._gss_host = target
        targ_name = "host/" + self._gss_host
        if recv_token is None:
            self._gss_ctxt = sspi.ClientAuth("Kerberos", scflags=self._gss_flags,
                                             targetspn=targ_name)
        error, token = self._gss_ctxt.authorize(recv_token)
        token = token[0].Buffer
        if error == 0:
            # The context is fully established.
            self._gss_ctxt_status = True
            token = None
        return token

    def ssh_get_mic(self, session_id):
        self._session_id = session_id
        mic_field = ssh_build_mic(self._session_id, self._username, self._service,
                                  self._auth_method)
        return self._gss_ctxt.sign(mic_field)

    # server side
    def ssh_accept_sec_context(self, hostname, username, recv_token):
        self._gss_host = hostname
        self._username = username
        if self._gss_srv_ctxt is None:
            self._gss_srv_ctxt = sspi.ServerAuth("Kerberos", spn="host/" + self._gss_host)
        error, token = self._gss_srv_ctxt.authorize(recv_token)
        token = token[0].Buffer
        if error == 0:
            self._gss_srv_ctxt_status = True
        return token

    def ssh_check_mic(self, mic_token, session_id, username):
        self._session_id = session_id
        self._username = username
        mic_field = ssh_build_mic(self._session_id, self._username, self._service,
                                  self._auth_method)
        # verify() raises sspi.error when the MIC does not match; no return value.
        self._gss_srv_ctxt.verify(mic_field, mic_token)
        return 0

    @property
    def credentials_delegated(self):
        return bool(self._gss_srv_ctxt.ctxt_attr & sspicon.ASC_RET_DELEGATE)
