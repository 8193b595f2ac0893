"""A database driver's Kerberos login in the style of MySQL Connector/Python.

Follows ``MySQLSSPIKerberosAuthPlugin`` (mysql-connector-python,
authentication_kerberos_client): the server sends its SPN and realm in the
first packet, the client builds ``sspi.ClientAuth("Kerberos",
targetspn=spn, auth_info=(user, realm, password) or None,
scflags=sum((ISC_REQ_MUTUAL_AUTH, ISC_REQ_DELEGATE)))``, calls
``authorize(None)`` for the first token and then ``authorize(challenge)``
with the server's reply exactly as it came off the wire — a ``bytearray``.
"""

import struct

import sspi
import sspicon


class KerberosAuthPlugin:
    def __init__(self, username=None, password=None):
        self._username = username
        self._password = password
        self.clientauth = None

    @staticmethod
    def _parse_auth_data(packet):
        spn_len = struct.unpack("<H", packet[:2])[0]
        packet = packet[2:]
        spn = struct.unpack(f"<{spn_len}s", packet[:spn_len])[0]
        packet = packet[spn_len:]
        realm_len = struct.unpack("<H", packet[:2])[0]
        realm = struct.unpack(f"<{realm_len}s", packet[2:])[0]
        return spn.decode(), realm.decode()

    def auth_response(self, auth_data):
        spn, realm = self._parse_auth_data(auth_data)
        flags = (sspicon.ISC_REQ_MUTUAL_AUTH, sspicon.ISC_REQ_DELEGATE)
        if self._username and self._password:
            _auth_info = (self._username, realm, self._password)
        else:
            _auth_info = None
        self.clientauth = sspi.ClientAuth(
            "Kerberos",
            targetspn=spn,
            auth_info=_auth_info,
            scflags=sum(flags),
            datarep=sspicon.SECURITY_NETWORK_DREP,
        )
        try:
            data = None
            err, out_buf = self.clientauth.authorize(data)
            initial_client_token = out_buf[0].Buffer
        except Exception as err:
            raise ConnectionError(f"Unable to initiate security context: {err}") from err
        return initial_client_token

    def auth_continue(self, tgt_auth_challenge):
        _err, out_buf = self.clientauth.authorize(tgt_auth_challenge)
        resp = out_buf[0].Buffer
        return resp, self.clientauth.authenticated


def server_auth_data(spn, realm):
    """What the server puts in its first packet (the plugin parses it)."""
    spn_b, realm_b = spn.encode(), realm.encode()
    return struct.pack("<H", len(spn_b)) + spn_b + struct.pack("<H", len(realm_b)) + realm_b
