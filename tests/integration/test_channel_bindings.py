"""Channel bindings (SECBUFFER_CHANNEL_BINDINGS) on both sides, against a real MIT KDC.

What is measured here (MIT 1.20, and what docs/channel-bindings.md states):

* both sides give the same bindings -> the context is established;
* they differ -> the acceptor answers SEC_E_BAD_BINDINGS;
* only one side gives bindings -> established anyway (MIT checks only when
  both do; the initiator's all-zero binding hash means "none");
* the 32-byte header (Windows, SEC_CHANNEL_BINDINGS.pack) and the 64-byte one
  that ``struct.pack('LLLLLLLL', ...)`` builds on 64-bit Linux are the same
  bindings;
* malformed structures give a status (SEC_E_BAD_BINDINGS), never an
  exception, create no context, leave the caller's buffers alone, and do not
  consume the client's token (it is still accepted with good bindings);
* tls-server-end-point bindings from a generated certificate, on our side and
  with pyspnego as the independent peer, both ways.
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any, Optional, Tuple

import pytest
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gssapi.raw.exceptions import BadChannelBindingsError
from kerberos_helpers import Handshake, context_user_name, handshake, must_acquire
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import BadBindingsError

from sspi_compat import (
    ASC_REQ_ALLOW_MISSING_BINDINGS,
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_MUTUAL_AUTH,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_MUTUAL_AUTH,
    SEC_CHANNEL_BINDINGS,
    SEC_E_BAD_BINDINGS,
    SEC_E_OK,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_READONLY,
    SECBUFFER_TOKEN,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
    ULONG,
    AcceptSecurityContext,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    InitializeSecurityContext,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    tls_server_end_point_application_data,
    tls_server_end_point_bindings,
)

pytestmark = pytest.mark.kdc

TARGET = "HTTP/server.sspi.test"
APP = b"tls-server-end-point:" + bytes(range(32))
OTHER_APP = b"tls-server-end-point:" + bytes(range(1, 33))
ISC_REQ = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY
ASC_REQ = ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY


def _windows_blob(app: bytes, ia_type: int = 0, ia: bytes = b"", aa_type: int = 0,
                  aa: bytes = b"") -> bytes:
    return SEC_CHANNEL_BINDINGS(ia_type, ia, aa_type, aa, app).pack()


def _linux64_blob(app: bytes) -> bytes:
    """requests-negotiate-sspi's struct.pack('LLLLLLLL', 0,0,0,0,0,0,len(app),32)+app."""
    assert struct.calcsize("L") == 8, "64-bit Linux: native 'L' is 8 bytes"
    return struct.pack("LLLLLLLL", 0, 0, 0, 0, 0, 0, len(app), 32) + app


def _bindings(cb: Any) -> Tuple[SecBuffer, ...]:
    """A channel-bindings argument as the extra buffers of every leg: a blob goes
    into a SECBUFFER_CHANNEL_BINDINGS buffer, a SecBuffer is passed as it is."""
    if cb is None:
        return ()
    if isinstance(cb, SecBuffer):
        return (cb,)
    return (SecBuffer(SECBUFFER_CHANNEL_BINDINGS, cb),)


def _input(token: Optional[bytes], cb: Any) -> Optional[SecBufferDesc]:
    """The token (if any) and the bindings, as one call's input descriptor."""
    buffers = [SecBuffer(SECBUFFER_TOKEN, token)] if token is not None else []
    buffers += _bindings(cb)
    return SecBufferDesc(buffers) if buffers else None


def exchange(client_cb: Any = None, server_cb: Any = None, asc_req: int = ASC_REQ,
             ) -> Handshake:
    """Run ISC/ASC to completion (or the first failure) with the given bindings."""
    ccred, scred = must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND)
    try:
        return handshake(ccred, scred, TARGET, ISC_REQ, asc_req, _bindings(client_cb),
                         _bindings(server_cb))
    finally:
        FreeCredentialsHandle(ccred)
        FreeCredentialsHandle(scred)


# --- matching, mismatching and one-sided bindings -------------------------------


def test_matching_bindings_establish(krb5_env: Any) -> None:
    ex = exchange(_windows_blob(APP), _windows_blob(APP))
    try:
        assert ex.ok, (ex.client_status, ex.server_status)
        assert context_user_name(ex.server) == krb5_env.user
    finally:
        ex.delete()


def test_mismatched_bindings_are_bad_bindings_on_the_acceptor(krb5_env: Any) -> None:
    ex = exchange(_windows_blob(APP), _windows_blob(OTHER_APP))
    try:
        assert ex.client_status == SEC_I_CONTINUE_NEEDED
        assert ex.server_status == SEC_E_BAD_BINDINGS
        assert not SecIsValidHandle(ex.server)  # no context was created
    finally:
        ex.delete()


@pytest.mark.parametrize("side", ["addresses", "address-type"])
def test_address_fields_take_part(krb5_env: Any, side: str) -> None:
    loopback, other = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
    inet = 2  # GSS_C_AF_INET
    same = exchange(_windows_blob(APP, inet, loopback), _windows_blob(APP, inet, loopback))
    same.delete()
    assert same.ok
    if side == "addresses":
        server = _windows_blob(APP, inet, other)
    else:
        server = _windows_blob(APP, 0, loopback)
    ex = exchange(_windows_blob(APP, inet, loopback), server)
    ex.delete()
    assert ex.server_status == SEC_E_BAD_BINDINGS


@pytest.mark.parametrize("client, server", [(APP, None), (None, APP)],
                         ids=["client-only", "server-only"])
@pytest.mark.parametrize("asc_req", [ASC_REQ, ASC_REQ | ASC_REQ_ALLOW_MISSING_BINDINGS],
                         ids=["default", "allow-missing"])
def test_one_sided_bindings_establish(krb5_env: Any, client: Optional[bytes],
                                      server: Optional[bytes], asc_req: int) -> None:
    """MIT checks bindings only when both sides give them (docs/channel-bindings.md)."""
    ex = exchange(_windows_blob(client) if client else None,
                  _windows_blob(server) if server else None, asc_req)
    try:
        assert ex.ok, (ex.client_status, ex.server_status)
    finally:
        ex.delete()


def test_64_byte_header_is_the_same_bindings(krb5_env: Any) -> None:
    for client, server in ((_linux64_blob(APP), _windows_blob(APP)),
                           (_windows_blob(APP), _linux64_blob(APP)),
                           (_linux64_blob(APP), _linux64_blob(APP))):
        ex = exchange(client, server)
        ex.delete()
        assert ex.ok, (ex.client_status, ex.server_status)
    ex = exchange(_linux64_blob(APP), _windows_blob(OTHER_APP))
    ex.delete()
    assert ex.server_status == SEC_E_BAD_BINDINGS


def test_readonly_bindings_buffer_is_read(krb5_env: Any) -> None:
    cb = SecBuffer(SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, _windows_blob(APP))
    ex = exchange(cb, _windows_blob(OTHER_APP))
    ex.delete()
    assert ex.server_status == SEC_E_BAD_BINDINGS


# --- malformed structures ----------------------------------------------------------

MALFORMED = {
    "empty": (b"", None),
    "short-header": (bytes(31), None),
    "length-past-end": (struct.pack("<8I", 0, 0, 0, 0, 0, 0, 100, 32) + b"short", None),
    "offset-past-end": (struct.pack("<8I", 0, 0, 0, 0, 0, 0, 4, 4000) + b"DATA", None),
    "offset-into-header": (struct.pack("<8I", 0, 0, 0, 0, 0, 0, 4, 8) + b"DATA", None),
    "huge-length": (struct.pack("<8I", 0, 0xFFFFFFFF, 32, 0, 0, 0, 0, 0) + b"DATA", None),
    "absurd-64-bit": (struct.pack("<8Q", 0, 0, 0, 0, 0, 0, 2**40, 64) + APP, None),
    "cbBuffer-too-large": (_windows_blob(APP), 10_000),
    "cbBuffer-negative": (_windows_blob(APP), -1),
    "cbBuffer-cuts-data": (_windows_blob(APP), 40),
}


def _bad_buffer(case: str) -> SecBuffer:
    blob, cb = MALFORMED[case]
    return SecBuffer(SECBUFFER_CHANNEL_BINDINGS, bytearray(blob), cb)


def _null_bindings_buffer() -> SecBuffer:
    return SecBuffer(SECBUFFER_CHANNEL_BINDINGS, None, 48)


@pytest.mark.parametrize("case", [*sorted(MALFORMED), "null-pvBuffer"])
def test_malformed_bindings_on_the_initiator(krb5_env: Any, case: str) -> None:
    bad = _null_bindings_buffer() if case == "null-pvBuffer" else _bad_buffer(case)
    before = bytes(bad.pvBuffer) if bad.pvBuffer is not None else None
    cred = must_acquire(SECPKG_CRED_OUTBOUND)
    ctx, attrs = CtxtHandle(), ULONG(0x1234)
    out_mem = bytearray(b"\xaa" * 48000)
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, out_mem)])
    try:
        status = InitializeSecurityContext(cred, None, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                           SecBufferDesc([bad]), 0, ctx, out, attrs, None)
        assert status == SEC_E_BAD_BINDINGS
        assert not SecIsValidHandle(ctx)
        assert attrs.value == 0x1234
        assert out[0].pvBuffer is out_mem and out_mem == b"\xaa" * 48000
        assert out[0].cbBuffer == 48000
        after = bytes(bad.pvBuffer) if bad.pvBuffer is not None else None
        assert after == before
    finally:
        FreeCredentialsHandle(cred)


@pytest.mark.parametrize("case", [*sorted(MALFORMED), "null-pvBuffer"])
def test_malformed_bindings_on_the_acceptor(krb5_env: Any, case: str) -> None:
    """The token is not consumed: the same AP-REQ is accepted next with good bindings."""
    client_cred, server_cred = must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND)
    client = CtxtHandle()
    try:
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        assert InitializeSecurityContext(
            client_cred, None, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
            _input(None, _windows_blob(APP)), 0, client, out, ULONG(), None,
        ) == SEC_I_CONTINUE_NEEDED
        token = out[0].data
        bad = _null_bindings_buffer() if case == "null-pvBuffer" else _bad_buffer(case)
        server, attrs = CtxtHandle(), ULONG(0x77)
        sout_mem = bytearray(b"\x55" * 100)
        sout = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, sout_mem)])
        status = AcceptSecurityContext(server_cred, None,
                                       SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token), bad]),
                                       ASC_REQ, SECURITY_NATIVE_DREP, server, sout, attrs, None)
        assert status == SEC_E_BAD_BINDINGS
        assert not SecIsValidHandle(server)
        assert attrs.value == 0x77 and sout_mem == b"\x55" * 100
        status = AcceptSecurityContext(server_cred, None, _input(token, _windows_blob(APP)),
                                       ASC_REQ, SECURITY_NATIVE_DREP, server,
                                       SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                bytearray(48000))]),
                                       attrs, None)
        assert status == SEC_E_OK
        DeleteSecurityContext(server)
    finally:
        DeleteSecurityContext(client)
        FreeCredentialsHandle(client_cred)
        FreeCredentialsHandle(server_cred)


# --- tls-server-end-point from a certificate ------------------------------------------


def _certificate(common_name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA384()))
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def server_cert() -> bytes:
    return _certificate("server.sspi.test")


def test_tls_server_end_point_bindings(krb5_env: Any, server_cert: bytes) -> None:
    cbt = tls_server_end_point_bindings(server_cert)
    ex = exchange(cbt, cbt)
    ex.delete()
    assert ex.ok
    # A man in the middle presents another certificate to the client.
    ex = exchange(tls_server_end_point_bindings(_certificate("attacker.example")), cbt)
    ex.delete()
    assert ex.server_status == SEC_E_BAD_BINDINGS


# --- pyspnego as the independent peer ----------------------------------------------------


def _pyspnego_cb(cert: bytes) -> GssChannelBindings:
    return GssChannelBindings(application_data=tls_server_end_point_application_data(cert))


@pytest.mark.parametrize("match", [True, False], ids=["matching", "mismatching"])
def test_pyspnego_client_to_our_server(krb5_env: Any, server_cert: bytes, match: bool) -> None:
    client_cert = server_cert if match else _certificate("attacker.example")
    client = spnego.client(hostname="server.sspi.test", service="HTTP", protocol="kerberos",
                           channel_bindings=_pyspnego_cb(client_cert))
    token = client.step()
    assert token
    server_cred = must_acquire(SECPKG_CRED_INBOUND)
    server, attrs = CtxtHandle(), ULONG()
    try:
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        status = AcceptSecurityContext(server_cred, None,
                                       _input(token, tls_server_end_point_bindings(server_cert)),
                                       ASC_REQ, SECURITY_NATIVE_DREP, server, out, attrs, None)
        if not match:
            assert status == SEC_E_BAD_BINDINGS
            return
        assert status == SEC_E_OK
        client.step(out[0].data)
        assert client.complete
        assert context_user_name(server) == krb5_env.user
    finally:
        if SecIsValidHandle(server):
            DeleteSecurityContext(server)
        FreeCredentialsHandle(server_cred)


@pytest.mark.parametrize("match", [True, False], ids=["matching", "mismatching"])
def test_our_client_to_pyspnego_server(krb5_env: Any, server_cert: bytes, match: bool) -> None:
    client_cert = server_cert if match else _certificate("attacker.example")
    server = spnego.server(hostname="server.sspi.test", service="HTTP", protocol="kerberos",
                           channel_bindings=_pyspnego_cb(server_cert))
    cred = must_acquire(SECPKG_CRED_OUTBOUND)
    ctx = CtxtHandle()
    try:
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        status = InitializeSecurityContext(
            cred, None, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
            _input(None, tls_server_end_point_bindings(client_cert)), 0, ctx, out, ULONG(), None)
        assert status == SEC_I_CONTINUE_NEEDED
        if not match:
            # GSS_S_BAD_BINDINGS surfaces as gssapi's BadChannelBindingsError (or, when
            # MIT attaches an error token, python-gssapi returns the token and pyspnego
            # fails reading the flags: AttributeError) -- refused either way.
            with pytest.raises((BadBindingsError, BadChannelBindingsError, AttributeError)):
                server.step(out[0].data)
            return
        reply = server.step(out[0].data)
        assert server.complete and server.client_principal == krb5_env.user
        out2 = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        status = InitializeSecurityContext(
            cred, ctx, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
            _input(reply, tls_server_end_point_bindings(client_cert)), 0, ctx, out2, ULONG(),
            None)
        assert status == SEC_E_OK
    finally:
        DeleteSecurityContext(ctx)
        FreeCredentialsHandle(cred)


# --- a client that says it supports channel bindings ------------------------------------


@pytest.mark.parametrize("asc_req", [ASC_REQ, ASC_REQ | ASC_REQ_ALLOW_MISSING_BINDINGS],
                         ids=["default", "allow-missing"])
def test_cbt_aware_client_without_bindings_is_refused(krb5_realm_factory: Any,
                                                      asc_req: int) -> None:
    """With ``client_aware_channel_bindings = true`` an MIT client flags its AP-REQ
    with KERB_AP_OPTIONS_CBT, as Windows clients do; MIT's acceptor then treats
    missing bindings as wrong ones, Windows' SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISSING.
    GSS has no way to relax that, so ASC_REQ_ALLOW_MISSING_BINDINGS cannot
    (docs/channel-bindings.md)."""
    realm = krb5_realm_factory(
        kdc="mit", krb5_conf={"libdefaults": {"client_aware_channel_bindings": "true"}})
    with realm.activate():
        ex = exchange(None, _windows_blob(APP), asc_req)
        ex.delete()
        assert ex.server_status == SEC_E_BAD_BINDINGS
        ex = exchange(_windows_blob(APP), _windows_blob(APP), asc_req)
        ex.delete()
        assert ex.ok
        ex = exchange(_windows_blob(APP), None, asc_req)  # the acceptor gives none: fine
        ex.delete()
        assert ex.ok
