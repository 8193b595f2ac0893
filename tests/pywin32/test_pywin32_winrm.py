"""WinRM-style message encryption (``encrypt``/``decrypt``) through the façade.

``pywin32_consumers.winrm`` frames Kerberos-sealed SOAP bodies as WinRM
does ("Encrypted Boundary", a length-prefixed SSPI header, the payload).
The peer is a Windows WinRM service in real life; here it is either plain
python-gssapi — the SSPI header followed by the payload must be an RFC 4121
wrap token that ``gss_unwrap`` accepts — or the façade's ``sspi.ServerAuth``.
"""

from __future__ import annotations

import gssapi
import pytest
import sspi
import sspicon
from pywin32_consumers import winrm
from pywin32_helpers import GssAcceptor, kerberos_sspi_pair

from sspi_compat.testing import MITRealm

FLAGS = (sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_INTEGRITY
         | sspicon.ISC_REQ_CONFIDENTIALITY | sspicon.ISC_REQ_SEQUENCE_DETECT
         | sspicon.ISC_REQ_REPLAY_DETECT)
SOAP = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        b"<s:Body>Get-Service</s:Body></s:Envelope>")


def _client_and_gss_server(realm: MITRealm) -> tuple[sspi.ClientAuth, GssAcceptor]:
    client = sspi.ClientAuth("Kerberos", targetspn=f"HTTP/{realm.hostname}", scflags=FLAGS)
    acceptor = GssAcceptor()
    _, out = client.authorize(None)
    reply = acceptor.step(out[0].Buffer)
    err, _ = client.authorize(reply)
    assert err == 0 and acceptor.complete
    return client, acceptor


@pytest.mark.kdc
def test_sealed_body_is_a_gss_wrap_token(krb5_env: MITRealm) -> None:
    client, acceptor = _client_and_gss_server(krb5_env)
    for seq in range(3):
        body = winrm.encrypt_message(client.ctxt, seq, SOAP + bytes([seq]))
        header, payload, length = winrm.split_message(body)
        assert length == len(SOAP) + 1
        assert SOAP not in body  # sealed
        plain = acceptor.ctx.decrypt(header + payload)
        assert plain == SOAP + bytes([seq])


@pytest.mark.kdc
def test_gss_server_reply_decrypts_with_unwrap(krb5_env: MITRealm) -> None:
    client, acceptor = _client_and_gss_server(krb5_env)
    reply = acceptor.ctx.encrypt(b"<s:Envelope>Running</s:Envelope>")
    message, was_encrypted = client.unwrap(reply)
    assert (message, was_encrypted) == (b"<s:Envelope>Running</s:Envelope>", True)
    signed_only = acceptor.ctx.wrap(b"integrity only", False).message
    assert client.unwrap(signed_only) == (b"integrity only", False)


@pytest.mark.kdc
def test_sspi_both_ends(krb5_env: MITRealm) -> None:
    client, server = kerberos_sspi_pair(krb5_env, FLAGS)
    request = winrm.encrypt_message(client.ctxt, 0, SOAP)
    assert winrm.decrypt_message(server.ctxt, 0, request) == SOAP
    response = winrm.encrypt_message(server.ctxt, 0, b"<ok/>")
    assert winrm.decrypt_message(client.ctxt, 0, response) == b"<ok/>"
    # sspi's own helpers: (data, trailer) pairs, both directions, several messages.
    for n in range(3):
        data, trailer = client.encrypt(SOAP * n)
        assert server.decrypt(data, trailer) == SOAP * n
        data, trailer = server.encrypt(b"reply %d" % n)
        assert client.decrypt(data, trailer) == b"reply %d" % n


@pytest.mark.kdc
def test_tampered_body_raises_and_leaves_the_context_usable(krb5_env: MITRealm) -> None:
    client, acceptor = _client_and_gss_server(krb5_env)
    server = sspi.ServerAuth("Kerberos")  # unused: the peer is GSS here
    del server
    body = winrm.encrypt_message(client.ctxt, 0, SOAP)
    header, payload, _ = winrm.split_message(body)
    with pytest.raises(gssapi.exceptions.GSSError):
        acceptor.ctx.decrypt(header + bytes([payload[0] ^ 0xFF]) + payload[1:])
    # The SSPI side refuses a tampered token with SEC_E_MESSAGE_ALTERED.
    reply = bytearray(acceptor.ctx.encrypt(b"<ok/>"))
    reply[-1] ^= 0x01
    with pytest.raises(sspi.error) as exc:
        client.unwrap(bytes(reply))
    assert exc.value.winerror == sspicon.SEC_E_MESSAGE_ALTERED
    assert exc.value.funcname == "DecryptMessage"
