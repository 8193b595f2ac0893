"""Per-message cost: EncryptMessage+DecryptMessage and MakeSignature+VerifySignature.

Each round protects one message on one context and unprotects it on the
peer (so replay and sequence detection, on for every implementation, see
messages in order).  Entries of each group:

``raw``            python-gssapi's raw bindings: ``wrap``+``unwrap`` / ``get_mic``+``verify_mic``
                   (the baseline of the ratios)
``raw_iov``        raw ``wrap_iov``+``unwrap_iov`` in Windows' [HEADER, DATA, PADDING]
                   layout: what a naive IOV-based implementation would cost
``gssapi``         python-gssapi's high-level ``SecurityContext``
``pyspnego``       pyspnego's Kerberos context
``sspi_compat``    the public API with Windows' [TOKEN, DATA] layout, in place
``sspi_package``   the same package functions called without the ``_api`` layer
                   (handle lookup and argument wrapper), to show where time goes

DESIGN.md §7 targets: 100-byte Encrypt+Decrypt <= 1.5x raw; 1 MiB >= 0.9x raw
throughput (<= 1.11x raw time).  Run with ``./run bench``.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Tuple

import gssapi
import gssapi.raw as gr
import pytest
import spnego

import sspi_compat as sc
from sspi_compat import _handles

KRB5 = gssapi.MechType.kerberos
GSS_FLAGS = (gr.RequirementFlag.mutual_authentication | gr.RequirementFlag.confidentiality
             | gr.RequirementFlag.integrity | gr.RequirementFlag.replay_detection
             | gr.RequirementFlag.out_of_sequence_detection)
ISC_REQ = (sc.ISC_REQ_MUTUAL_AUTH | sc.ISC_REQ_CONFIDENTIALITY | sc.ISC_REQ_INTEGRITY
           | sc.ISC_REQ_REPLAY_DETECT | sc.ISC_REQ_SEQUENCE_DETECT)
ASC_REQ = (sc.ASC_REQ_MUTUAL_AUTH | sc.ASC_REQ_CONFIDENTIALITY | sc.ASC_REQ_INTEGRITY
           | sc.ASC_REQ_REPLAY_DETECT | sc.ASC_REQ_SEQUENCE_DETECT)

Round = Callable[[], None]


# --- contexts ---------------------------------------------------------------------------


def _raw_pair(realm: Any) -> Tuple[Any, Any]:
    target = gr.import_name(f"HTTP@{realm.hostname}".encode(), gr.NameType.hostbased_service)
    first = gr.init_sec_context(target, mech=KRB5, flags=GSS_FLAGS)
    reply = gr.accept_sec_context(first.token)
    gr.init_sec_context(target, context=first.context, mech=KRB5, flags=GSS_FLAGS,
                        input_token=reply.token)
    return first.context, reply.context


def _high_level_pair(realm: Any) -> Tuple[Any, Any]:
    target = gssapi.Name(f"HTTP@{realm.hostname}", gssapi.NameType.hostbased_service)
    client = gssapi.SecurityContext(name=target, mech=KRB5, usage="initiate",
                                    flags=GSS_FLAGS)
    server = gssapi.SecurityContext(usage="accept")
    client.step(server.step(client.step()))
    return client, server


def _spnego_pair(realm: Any) -> Tuple[Any, Any]:
    client = spnego.client(hostname=realm.hostname, service="HTTP", protocol="kerberos")
    server = spnego.server(protocol="kerberos")
    client.step(server.step(client.step()))
    return client, server


def _sspi_pair(realm: Any) -> Tuple[sc.CtxtHandle, sc.CtxtHandle]:
    ccred, scred = sc.CredHandle(), sc.CredHandle()
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_OUTBOUND, None, None,
                                       None, None, ccred, None) == sc.SEC_E_OK
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_INBOUND, None, None,
                                       None, None, scred, None) == sc.SEC_E_OK
    client, server = sc.CtxtHandle(), sc.CtxtHandle()
    drep = sc.SECURITY_NATIVE_DREP
    out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
    sc.InitializeSecurityContext(ccred, None, f"HTTP/{realm.hostname}", ISC_REQ, 0, drep, None,
                                 0, client, out, sc.ULONG(), None)
    reply = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
    assert sc.AcceptSecurityContext(scred, None, out, ASC_REQ, drep, server, reply, sc.ULONG(),
                                    None) == sc.SEC_E_OK
    done = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
    assert sc.InitializeSecurityContext(ccred, client, None, ISC_REQ, 0, drep, reply, 0, client,
                                        done, sc.ULONG(), None) == sc.SEC_E_OK
    return client, server


# --- Encrypt+Decrypt rounds ------------------------------------------------------------------


def _wrap_raw(realm: Any, message: bytes) -> Round:
    client, server = _raw_pair(realm)
    wrap, unwrap = gr.wrap, gr.unwrap

    def round_trip() -> None:
        unwrap(server, wrap(client, message, True).message)

    return round_trip


def _wrap_raw_iov(realm: Any, message: bytes) -> Round:
    client, server = _raw_pair(realm)
    kind = gr.IOVBufferType

    def round_trip() -> None:
        iov = gr.IOV((kind.header, True, None), message, (kind.padding, True, None),
                     std_layout=False)
        gr.wrap_iov(client, iov, True)
        back = gr.IOV((kind.header, False, iov[0].value), iov[1].value,
                      (kind.padding, False, iov[2].value or b""), std_layout=False)
        gr.unwrap_iov(server, back)

    return round_trip


def _wrap_high_level(realm: Any, message: bytes) -> Round:
    client, server = _high_level_pair(realm)

    def round_trip() -> None:
        server.unwrap(client.wrap(message, True).message)

    return round_trip


def _wrap_pyspnego(realm: Any, message: bytes) -> Round:
    client, server = _spnego_pair(realm)

    def round_trip() -> None:
        server.unwrap(client.wrap(message).data)

    return round_trip


def _sspi_message(message: bytes) -> sc.SecBufferDesc:
    return sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(60)),
                             sc.SecBuffer(sc.SECBUFFER_DATA, bytearray(message))])


def _wrap_sspi(realm: Any, message: bytes) -> Round:
    client, server = _sspi_pair(realm)
    desc = _sspi_message(message)
    token = desc[0]
    qop = sc.ULONG()
    encrypt, decrypt = sc.EncryptMessage, sc.DecryptMessage
    assert encrypt(client, 0, desc, 0) == sc.SEC_E_OK
    assert decrypt(server, desc, 0, qop) == sc.SEC_E_OK and desc[1].data == message

    def round_trip() -> None:
        token.cbBuffer = 60  # as a caller reusing the buffers resets the size
        encrypt(client, 0, desc, 0)
        decrypt(server, desc, 0, qop)

    return round_trip


def _wrap_sspi_package(realm: Any, message: bytes) -> Round:
    client, server = _sspi_pair(realm)
    cctx = _handles.lookup(client, _handles.CTXT_TAG)
    sctx = _handles.lookup(server, _handles.CTXT_TAG)
    encrypt, decrypt = cctx.package.encrypt_message, sctx.package.decrypt_message
    desc = _sspi_message(message)
    token = desc[0]
    qop = sc.ULONG()
    assert encrypt(cctx, 0, desc, 0) == sc.SEC_E_OK
    assert decrypt(sctx, desc, 0, qop) == sc.SEC_E_OK and desc[1].data == message

    def round_trip() -> None:
        token.cbBuffer = 60
        encrypt(cctx, 0, desc, 0)
        decrypt(sctx, desc, 0, qop)

    return round_trip


WRAP: Dict[str, Callable[[Any, bytes], Round]] = {
    "raw": _wrap_raw, "raw_iov": _wrap_raw_iov, "gssapi": _wrap_high_level,
    "pyspnego": _wrap_pyspnego, "sspi_compat": _wrap_sspi, "sspi_package": _wrap_sspi_package,
}


def _checked(round_trip: Round) -> Round:
    round_trip()
    round_trip()
    return round_trip


@pytest.mark.benchmark(group="encrypt+decrypt 100 B")
@pytest.mark.parametrize("impl", list(WRAP))
def test_encrypt_decrypt_100_bytes(benchmark: Any, realm_env: Any, impl: str) -> None:
    round_trip = _checked(WRAP[impl](realm_env, os.urandom(100)))
    benchmark.pedantic(round_trip, rounds=3000, iterations=5, warmup_rounds=200)


@pytest.mark.benchmark(group="encrypt+decrypt 1 MiB")
@pytest.mark.parametrize("impl", [name for name in WRAP if name != "raw_iov"])
def test_encrypt_decrypt_1_mib(benchmark: Any, realm_env: Any, impl: str) -> None:
    round_trip = _checked(WRAP[impl](realm_env, os.urandom(1 << 20)))
    benchmark.pedantic(round_trip, rounds=40, iterations=1, warmup_rounds=3)


# --- Sign+Verify rounds -------------------------------------------------------------------------


def _mic_raw(realm: Any, message: bytes) -> Round:
    client, server = _raw_pair(realm)
    get_mic, verify_mic = gr.get_mic, gr.verify_mic

    def round_trip() -> None:
        verify_mic(server, message, get_mic(client, message))

    return round_trip


def _mic_high_level(realm: Any, message: bytes) -> Round:
    client, server = _high_level_pair(realm)

    def round_trip() -> None:
        server.verify_signature(message, client.get_signature(message))

    return round_trip


def _mic_pyspnego(realm: Any, message: bytes) -> Round:
    client, server = _spnego_pair(realm)

    def round_trip() -> None:
        server.verify(message, client.sign(message))

    return round_trip


def _mic_sspi(realm: Any, message: bytes) -> Round:
    client, server = _sspi_pair(realm)
    desc = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(28)),
                             sc.SecBuffer(sc.SECBUFFER_DATA, bytearray(message))])
    token = desc[0]
    sign, verify = sc.MakeSignature, sc.VerifySignature
    assert sign(client, 0, desc, 0) == sc.SEC_E_OK
    assert verify(server, desc, 0, None) == sc.SEC_E_OK

    def round_trip() -> None:
        token.cbBuffer = 28
        sign(client, 0, desc, 0)
        verify(server, desc, 0, None)

    return round_trip


def _mic_sspi_package(realm: Any, message: bytes) -> Round:
    client, server = _sspi_pair(realm)
    cctx = _handles.lookup(client, _handles.CTXT_TAG)
    sctx = _handles.lookup(server, _handles.CTXT_TAG)
    sign, verify = cctx.package.make_signature, sctx.package.verify_signature
    desc = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(28)),
                             sc.SecBuffer(sc.SECBUFFER_DATA, bytearray(message))])
    token = desc[0]
    assert sign(cctx, 0, desc, 0) == sc.SEC_E_OK
    assert verify(sctx, desc, 0, None) == sc.SEC_E_OK

    def round_trip() -> None:
        token.cbBuffer = 28
        sign(cctx, 0, desc, 0)
        verify(sctx, desc, 0, None)

    return round_trip


MIC: Dict[str, Callable[[Any, bytes], Round]] = {
    "raw": _mic_raw, "gssapi": _mic_high_level, "pyspnego": _mic_pyspnego,
    "sspi_compat": _mic_sspi, "sspi_package": _mic_sspi_package,
}


@pytest.mark.benchmark(group="sign+verify 100 B")
@pytest.mark.parametrize("impl", list(MIC))
def test_sign_verify_100_bytes(benchmark: Any, realm_env: Any, impl: str) -> None:
    round_trip = _checked(MIC[impl](realm_env, os.urandom(100)))
    benchmark.pedantic(round_trip, rounds=3000, iterations=5, warmup_rounds=200)
