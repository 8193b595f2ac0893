"""Message protection against independent GSSAPI peers, both directions, real KDC.

One side of each context is sspi_compat (EncryptMessage / DecryptMessage /
MakeSignature / VerifySignature); the other is plain python-gssapi
(``gssapi.raw`` wrap / unwrap / get_mic / verify_mic, and ``wrap_iov`` /
``unwrap_iov``, MIT's Windows-compatible IOV layout) or pyspnego's Kerberos
context (wrap, unwrap, wrap_iov, unwrap_iov, sign, verify).  This shows
that ``TOKEN || DATA || PADDING`` is a standard RFC 4121 / RFC 4757 token,
that a plain ``gss_wrap`` token (RRC 0) decrypts through DecryptMessage,
and that the TOKEN/DATA/PADDING split is the one MIT's IOV calls produce.

Note: MIT's ``gss_unwrap`` rotates (and for integrity-only tokens zeroes
EC/RRC in) the *caller's* token buffer in place, Python ``bytes`` included;
the peers here are always handed a fresh copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import gssapi.raw as gr
import pytest
import spnego
from gssapi.raw import IOVBufferType
from kerberos_helpers import (
    ENCTYPES,
    FULL_ASC,
    FULL_ISC,
    HTTP,
    asc,
    isc,
    must_acquire,
    ok,
)
from spnego.iov import BufferType

from sspi_compat import (
    ISC_REQ_USE_DCE_STYLE,
    SEC_E_OK,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECQOP_WRAP_NO_ENCRYPT,
    ULONG,
    CredHandle,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    EncryptMessage,
    FreeCredentialsHandle,
    MakeSignature,
    QueryContextAttributes,
    SecBuffer,
    SecBufferDesc,
    SecPkgContext_KeyInfo,
    VerifySignature,
    gss,
)

# Every test starts realms of its own (one per enctype): not for an external realm.
pytestmark = [pytest.mark.kdc, pytest.mark.kdc_admin]

KRB5 = gr.OID.from_int_seq("1.2.840.113554.1.2.2")
HOST = "server.sspi.test"

GSS_FLAGS = (gr.RequirementFlag.mutual_authentication | gr.RequirementFlag.confidentiality
             | gr.RequirementFlag.integrity | gr.RequirementFlag.replay_detection
             | gr.RequirementFlag.out_of_sequence_detection)


# ``enc`` (conftest.py): each enctype's realm (kerberos_helpers.ENCTYPES) active in turn.


# --- mixed contexts: one side sspi_compat, the other an independent peer ------------------


@dataclass
class Mixed:
    """An sspi_compat context and its peer, ``peer_wrap`` etc. bound to the peer's API."""

    sspi: CtxtHandle
    sspi_is_client: bool
    peer: Any  # a gssapi.raw SecurityContext, or a pyspnego context
    creds: CredHandle

    def close(self) -> None:
        DeleteSecurityContext(self.sspi)
        FreeCredentialsHandle(self.creds)


# One side is ours (kerberos_helpers' isc/asc: the public API), the other an independent peer.


def sspi_client_gss_server(dce: bool = False) -> Mixed:
    cred, ctx = must_acquire(SECPKG_CRED_OUTBOUND), CtxtHandle()
    req = FULL_ISC | (ISC_REQ_USE_DCE_STYLE if dce else 0)
    first = isc(cred, ctx, HTTP, req)
    acred = gr.acquire_cred(None, usage="accept", mechs=[KRB5]).creds
    server = gr.accept_sec_context(first.token, acred)
    last = isc(cred, ctx, HTTP, req, server.token)
    peer = server.context
    if last.token:  # DCE style: a third leg
        peer = gr.accept_sec_context(last.token, acred, context=peer).context
    assert last.status == SEC_E_OK
    return Mixed(ctx, True, peer, cred)


def gss_client_sspi_server(dce: bool = False) -> Mixed:
    cred, ctx = must_acquire(SECPKG_CRED_INBOUND), CtxtHandle()
    name = gr.import_name(f"HTTP@{HOST}".encode(), gr.NameType.hostbased_service)
    flags = GSS_FLAGS | (gr.RequirementFlag.dce_style if dce else 0)
    first = gr.init_sec_context(name, mech=KRB5, flags=flags)
    leg = asc(cred, ctx, first.token, FULL_ASC)
    done = gr.init_sec_context(name, context=first.context, mech=KRB5, flags=flags,
                               input_token=leg.token)
    if done.token:
        leg = asc(cred, ctx, done.token, FULL_ASC)
    assert leg.status == SEC_E_OK and not done.more_steps
    return Mixed(ctx, False, first.context, cred)


def spnego_client_sspi_server() -> Mixed:
    cred, ctx = must_acquire(SECPKG_CRED_INBOUND), CtxtHandle()
    client = spnego.client(hostname=HOST, service="HTTP", protocol="kerberos")
    leg = asc(cred, ctx, client.step(), FULL_ASC)
    client.step(leg.token)
    assert leg.status == SEC_E_OK and client.complete
    return Mixed(ctx, False, client, cred)


def sspi_client_spnego_server() -> Mixed:
    cred, ctx = must_acquire(SECPKG_CRED_OUTBOUND), CtxtHandle()
    server = spnego.server(protocol="kerberos")
    first = isc(cred, ctx, HTTP, FULL_ISC)
    reply = server.step(first.token)
    last = isc(cred, ctx, HTTP, FULL_ISC, reply)
    assert last.status == SEC_E_OK and server.complete
    return Mixed(ctx, True, server, cred)


MAKERS: Dict[str, Callable[..., Mixed]] = {
    "sspi-client/gssapi-server": sspi_client_gss_server,
    "gssapi-client/sspi-server": gss_client_sspi_server,
}
SPNEGO_MAKERS: Dict[str, Callable[..., Mixed]] = {
    "pyspnego-client/sspi-server": spnego_client_sspi_server,
    "sspi-client/pyspnego-server": sspi_client_spnego_server,
}


@pytest.fixture
def mixed() -> Iterator[Callable[..., Mixed]]:
    made: List[Mixed] = []

    def make(kind: str, *args: Any) -> Mixed:
        pair = {**MAKERS, **SPNEGO_MAKERS}[kind](*args)
        made.append(pair)
        return pair

    try:
        yield make
    finally:
        for pair in made:
            pair.close()


def check_enctype(handle: CtxtHandle, enc: str) -> None:
    info = SecPkgContext_KeyInfo()
    ok(QueryContextAttributes(handle, SECPKG_ATTR_KEY_INFO, info))
    assert info.EncryptAlgorithm == ENCTYPES[enc][1]


def encrypt(handle: CtxtHandle, message: bytes, conf: bool = True,
            ) -> Tuple[bytes, bytes, bytes]:
    """EncryptMessage over [TOKEN, DATA, PADDING]: the three parts."""
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(100)),
                          SecBuffer(SECBUFFER_DATA, bytearray(message)),
                          SecBuffer(SECBUFFER_PADDING, bytearray(16))])
    ok(EncryptMessage(handle, 0 if conf else SECQOP_WRAP_NO_ENCRYPT, desc, 0), "EncryptMessage")
    return desc[0].data, desc[1].data, desc[2].data


def decrypt(handle: CtxtHandle, *parts: Tuple[int, bytes]) -> Tuple[SecBufferDesc, ULONG]:
    desc = SecBufferDesc([SecBuffer(kind, bytearray(data) if data is not None else None)
                          for kind, data in parts])
    qop = ULONG(0x1234)
    ok(DecryptMessage(handle, desc, 0, qop), "DecryptMessage")
    return desc, qop


def fresh(data: bytes) -> bytes:
    """A new bytes object: MIT's gss_unwrap rotates its input in place."""
    return bytes(bytearray(data))


# --- python-gssapi -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MAKERS))
def test_encrypt_message_unwraps_with_gss_unwrap(enc: str, kind: str,
                                                 mixed: Callable[..., Mixed]) -> None:
    pair = mixed(kind)
    check_enctype(pair.sspi, enc)
    for conf in (True, False):
        message = os.urandom(150)
        token, data, padding = encrypt(pair.sspi, message, conf)
        res = gr.unwrap(pair.peer, fresh(token + data + padding))
        assert res.message == message
        assert res.encrypted == conf


@pytest.mark.parametrize("kind", list(MAKERS))
def test_gss_wrap_decrypts_through_decrypt_message(enc: str, kind: str,
                                                   mixed: Callable[..., Mixed]) -> None:
    """A plain gss_wrap token (RRC 0): as STREAM, and split into TOKEN and DATA."""
    pair = mixed(kind)
    cksum = ENCTYPES[enc][2]
    for conf in (True, False):
        message = os.urandom(90)
        wrapped = gr.wrap(pair.peer, message, conf).message
        # RRC 0 from MIT's gss_wrap; Heimdal's rotates as Windows does (16 + checksum
        # sealed, the checksum otherwise): the layer reads both.
        rrc = 0 if cksum is None or not gss.is_heimdal() else (16 + cksum if conf else cksum)
        assert cksum is None or wrapped[6:8] == rrc.to_bytes(2, "big")
        stream = bytearray(wrapped)
        desc, qop = decrypt(pair.sspi, (SECBUFFER_STREAM, stream), (SECBUFFER_DATA, None))
        assert desc[1].data == message
        assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)
        # Decrypted in place where the ciphertext was: after header, the rotated
        # part and the confounder (CFX), after header and rotated part (integrity
        # only), after RC4's 45/46.
        offset = desc[1].pvBuffer.obj is desc[0].pvBuffer and \
            bytes(desc[0].pvBuffer).find(message)
        if cksum is not None:
            assert offset == 16 + rrc + (16 if conf else 0)  # header, rotated part, confounder
        else:
            assert offset == len(wrapped) - len(message) - 1

        # TOKEN || DATA is the token, wherever it is cut: DATA receives the
        # plaintext and shrinks to it.  (Cut at Windows' header size, the
        # fast path's shape, and just after the 16-byte header.)
        header = len(wrapped) - len(message) - (1 if cksum is None else 0)
        if cksum is not None and conf:
            header = {12: 60, 16: 64, 24: 72}[cksum]
        for cut in (header, 16):
            wrapped = gr.wrap(pair.peer, message, conf).message
            desc, qop = decrypt(pair.sspi, (SECBUFFER_TOKEN, wrapped[:cut]),
                                (SECBUFFER_DATA, wrapped[cut:]))
            assert desc[1].data == message and desc[1].cbBuffer == len(message)
            assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_signatures_with_get_mic_and_verify_mic(enc: str, kind: str,
                                                mixed: Callable[..., Mixed]) -> None:
    pair = mixed(kind)
    message = b"signed by one, checked by the other"
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                          SecBuffer(SECBUFFER_DATA, bytearray(message))])
    ok(MakeSignature(pair.sspi, 0, desc, 0))
    assert gr.verify_mic(pair.peer, message, desc[0].data) == 0
    mic = gr.get_mic(pair.peer, message)
    desc = SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray(message)),
                          SecBuffer(SECBUFFER_TOKEN, bytearray(mic))])
    ok(VerifySignature(pair.sspi, desc, 0, None))
    # Several DATA buffers sign their concatenation.
    mic = gr.get_mic(pair.peer, b"one two")
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(mic)),
                          SecBuffer(SECBUFFER_DATA, bytearray(b"one ")),
                          SecBuffer(SECBUFFER_DATA, bytearray(b"two"))])
    ok(VerifySignature(pair.sspi, desc, 0, None))


def gss_wrap_iov(ctx: Any, message: bytes, conf: bool, signed: bytes = b"",
                 ) -> Tuple[bytes, bytes, bytes]:
    """MIT's Windows-compatible IOV layout: [HEADER, (SIGN_ONLY), DATA, PADDING]."""
    buffers: List[Any] = [(IOVBufferType.header, True, None)]
    if signed:
        buffers.append((IOVBufferType.sign_only, False, signed))
    buffers += [(IOVBufferType.data, False, message), (IOVBufferType.padding, True, None)]
    iov = gr.IOV(*buffers, std_layout=False)
    gr.wrap_iov(ctx, iov, conf)
    values = [buf.value or b"" for buf in iov]
    return values[0], values[-2], values[-1]


@pytest.mark.parametrize("dce", [False, True], ids=["plain", "dce"])
@pytest.mark.parametrize("kind", list(MAKERS))
def test_same_layout_as_mit_wrap_iov(enc: str, kind: str, dce: bool,
                                     mixed: Callable[..., Mixed]) -> None:
    """gss_wrap_iov output decrypts via [TOKEN, DATA, PADDING], EncryptMessage output
    unwraps via gss_unwrap_iov, and both put the same sizes in the same places."""
    pair = mixed(kind, dce)
    for conf in (True, False):
        for signed in (b"", b"signed-only header"):
            message = os.urandom(123)
            header, data, padding = gss_wrap_iov(pair.peer, message, conf, signed)
            parts: List[Tuple[int, Optional[bytes]]] = [(SECBUFFER_TOKEN, header)]
            if signed:
                parts.append((SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, signed))
            parts += [(SECBUFFER_DATA, data), (SECBUFFER_PADDING, padding)]
            desc, qop = decrypt(pair.sspi, *parts)
            assert desc[-2].data == message
            assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)

            bufs = [SecBuffer(SECBUFFER_TOKEN, bytearray(100))]
            if signed:
                bufs.append(SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                                      bytearray(signed)))
            bufs += [SecBuffer(SECBUFFER_DATA, bytearray(message)),
                     SecBuffer(SECBUFFER_PADDING, bytearray(16))]
            out = SecBufferDesc(bufs)
            ok(EncryptMessage(pair.sspi, 0 if conf else SECQOP_WRAP_NO_ENCRYPT, out, 0))
            assert (out[0].cbBuffer, out[-2].cbBuffer, out[-1].cbBuffer) == (
                len(header), len(data), len(padding))
            mine = out[0].data
            if ENCTYPES[enc][2] is not None:  # same token id, flags (but the sender bit), EC, RRC
                assert (mine[:2], mine[3:8]) == (header[:2], header[3:8])
                assert mine[2] ^ header[2] == 0x01
            else:  # same RFC 1964 framing
                assert mine[:2] == header[:2]
            iov_in: List[Any] = [(IOVBufferType.header, False, out[0].data)]
            if signed:
                iov_in.append((IOVBufferType.sign_only, False, signed))
            iov_in.append((IOVBufferType.data, False, out[-2].data))
            if out[-1].cbBuffer:  # RFC 1964: the padding byte ends the data
                iov_in[-1] = (IOVBufferType.data, False, out[-2].data + out[-1].data)
            iov_in.append((IOVBufferType.padding, False, b""))
            iov = gr.IOV(*iov_in, std_layout=False)
            res = gr.unwrap_iov(pair.peer, iov)
            assert res.encrypted == conf
            assert iov[-2].value[:len(message)] == message


# --- pyspnego ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SPNEGO_MAKERS))
def test_pyspnego_wrap_unwrap(enc: str, kind: str, mixed: Callable[..., Mixed]) -> None:
    pair = mixed(kind)
    check_enctype(pair.sspi, enc)
    for conf in (True, False):
        message = os.urandom(77)
        wrapped = pair.peer.wrap(message, encrypt=conf)
        assert wrapped.encrypted == conf
        desc, qop = decrypt(pair.sspi, (SECBUFFER_STREAM, wrapped.data), (SECBUFFER_DATA, None))
        assert desc[1].data == message
        assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)

        token, data, padding = encrypt(pair.sspi, message, conf)
        res = pair.peer.unwrap(fresh(token + data + padding))
        assert res.data == message and res.encrypted == conf


@pytest.mark.parametrize("kind", list(SPNEGO_MAKERS))
def test_pyspnego_wrap_iov(enc: str, kind: str, mixed: Callable[..., Mixed]) -> None:
    """pyspnego's WinRM-style wrap_iov([header, data, padding]) <-> [TOKEN, DATA, PADDING]."""
    pair = mixed(kind)
    for conf in (True, False):
        message = os.urandom(200)
        res = pair.peer.wrap_iov([BufferType.header, message, BufferType.padding], encrypt=conf)
        header, data, padding = (buf.data or b"" for buf in res.buffers)
        desc, qop = decrypt(pair.sspi, (SECBUFFER_TOKEN, header), (SECBUFFER_DATA, data),
                            (SECBUFFER_PADDING, padding))
        assert desc[1].data == message
        assert qop.value == (0 if conf else SECQOP_WRAP_NO_ENCRYPT)

        token, data, padding = encrypt(pair.sspi, message, conf)
        iov: List[Any] = [(BufferType.header, token), data + padding, (BufferType.padding, b"")]
        back = pair.peer.unwrap_iov(iov)
        assert back.buffers[1].data[:len(message)] == message
        assert back.encrypted == conf


@pytest.mark.parametrize("kind", list(SPNEGO_MAKERS))
def test_pyspnego_sign_verify(enc: str, kind: str, mixed: Callable[..., Mixed]) -> None:
    pair = mixed(kind)
    message = b"pyspnego signs, sspi_compat verifies"
    mic = pair.peer.sign(message)
    ok(VerifySignature(pair.sspi, SecBufferDesc([
        SecBuffer(SECBUFFER_TOKEN, bytearray(mic)),
        SecBuffer(SECBUFFER_DATA, bytearray(message))]), 0, None))
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(64)),
                          SecBuffer(SECBUFFER_DATA, bytearray(message))])
    ok(MakeSignature(pair.sspi, 0, desc, 0))
    assert pair.peer.verify(message, desc[0].data) == 0
