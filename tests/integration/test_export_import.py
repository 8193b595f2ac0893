"""ExportSecurityContext / ImportSecurityContext, across real processes, on a real KDC.

The packed context goes to a child Python process (a real ``subprocess``),
which imports it and keeps protecting messages with EncryptMessage /
DecryptMessage / MakeSignature / VerifySignature against the peer left in
this process; a server context exported with its delegated credential lets
the child impersonate the client and authenticate onward as her; a context
exported back from the child comes home.  Then the flags, the fate of the
old handle, and bad input on every path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from kerberos_helpers import (
    Creds,
    Handshake,
    acquire,
    complete,
    context_user_name,
    handshake,
    must_acquire,
)

from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_INTEGRITY,
    ASC_REQ_MUTUAL_AUTH,
    FAILED,
    HANDLE,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_PARAMETER,
    SEC_E_INVALID_TOKEN,
    SEC_E_NO_CREDENTIALS,
    SEC_E_OK,
    SEC_E_OUT_OF_SEQUENCE,
    SEC_E_SECPKG_NOT_FOUND,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_DATA,
    SECBUFFER_EMPTY,
    SECBUFFER_PADDING,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_SIZES,
    SECPKG_CONTEXT_EXPORT_DELETE_OLD,
    SECPKG_CONTEXT_EXPORT_RESET_NEW,
    SECPKG_CONTEXT_EXPORT_TO_KERNEL,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
    ULONG,
    AcceptSecurityContext,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    EncryptMessage,
    ExportSecurityContext,
    FreeContextBuffer,
    FreeCredentialsHandle,
    ImportSecurityContext,
    InitializeSecurityContext,
    MakeSignature,
    MisuseError,
    QueryContextAttributes,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    SecPkgContext_Lifespan,
    SecPkgContext_Sizes,
    VerifySignature,
)

pytestmark = pytest.mark.kdc

TARGET = "HTTP/server.sspi.test"
ONWARD = "host/server.sspi.test"
ISC_REQ = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
ASC_REQ = ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY
REPO = str(Path(__file__).resolve().parents[2])


# --- message protection through the public API -----------------------------------------


def sizes(ctx: CtxtHandle) -> SecPkgContext_Sizes:
    out = SecPkgContext_Sizes()
    assert QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out) == SEC_E_OK
    return out


def encrypt(ctx: CtxtHandle, plain: bytes) -> Tuple[Any, bytes, bytes]:
    sz = sizes(ctx)
    msg = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(sz.cbSecurityTrailer)),
                         SecBuffer(SECBUFFER_DATA, bytearray(plain)),
                         SecBuffer(SECBUFFER_PADDING, bytearray(sz.cbBlockSize))])
    status = EncryptMessage(ctx, 0, msg, 0)
    return status, msg[0].data, msg[1].data + msg[2].data


def decrypt(ctx: CtxtHandle, token: bytes, data: bytes) -> Tuple[Any, bytes]:
    msg = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)),
                         SecBuffer(SECBUFFER_DATA, bytearray(data))])
    status = DecryptMessage(ctx, msg, 0, ULONG())
    return status, msg[1].data


def sign(ctx: CtxtHandle, data: bytes) -> Tuple[Any, bytes]:
    msg = SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray(data)),
                         SecBuffer(SECBUFFER_TOKEN, bytearray(sizes(ctx).cbMaxSignature))])
    status = MakeSignature(ctx, 0, msg, 0)
    return status, msg[1].data


def verify(ctx: CtxtHandle, data: bytes, signature: bytes) -> Any:
    msg = SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray(data)),
                         SecBuffer(SECBUFFER_TOKEN, bytearray(signature))])
    return VerifySignature(ctx, msg, 0, ULONG())


# --- the handshake ---------------------------------------------------------------------------


def establish(creds: Creds, isc_req: int = ISC_REQ) -> Handshake:
    return complete(handshake(creds.client, creds.server, TARGET, isc_req, ASC_REQ))


def export(ctx: CtxtHandle, flags: int = SECPKG_CONTEXT_EXPORT_DELETE_OLD) -> bytes:
    packed, token = SecBuffer(SECBUFFER_EMPTY, None), HANDLE("sentinel")
    assert ExportSecurityContext(ctx, flags, packed, token) == SEC_E_OK
    assert token.value is None  # no access token on Linux
    blob = packed.data
    assert FreeContextBuffer(packed.pvBuffer) == SEC_E_OK
    return blob


# --- the child process -----------------------------------------------------------------------

CHILD = r'''
import json, sys
from sspi_compat import *

def sizes(ctx):
    out = SecPkgContext_Sizes(); QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out); return out

req = json.load(sys.stdin)
ctx = CtxtHandle()
packed = SecBuffer(SECBUFFER_EMPTY, bytearray.fromhex(req["packed"]))
results = [int(ImportSecurityContext(req.get("package", "Kerberos"), packed, None, ctx))]
for op in req["ops"]:
    kind = op[0]
    if kind == "encrypt":
        sz = sizes(ctx)
        msg = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(sz.cbSecurityTrailer)),
                             SecBuffer(SECBUFFER_DATA, bytearray.fromhex(op[1])),
                             SecBuffer(SECBUFFER_PADDING, bytearray(sz.cbBlockSize))])
        st = EncryptMessage(ctx, 0, msg, 0)
        results.append([int(st), msg[0].data.hex(), (msg[1].data + msg[2].data).hex()])
    elif kind == "decrypt":
        msg = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray.fromhex(op[1])),
                             SecBuffer(SECBUFFER_DATA, bytearray.fromhex(op[2]))])
        st = DecryptMessage(ctx, msg, 0, ULONG())
        results.append([int(st), msg[1].data.hex()])
    elif kind == "sign":
        msg = SecBufferDesc([SecBuffer(SECBUFFER_DATA, bytearray.fromhex(op[1])),
                             SecBuffer(SECBUFFER_TOKEN, bytearray(sizes(ctx).cbMaxSignature))])
        st = MakeSignature(ctx, 0, msg, 0)
        results.append([int(st), msg[1].data.hex()])
    elif kind == "names":
        out = SecPkgContext_Names()
        results.append([int(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, out)), out.sUserName])
    elif kind == "onward":  # impersonate, then authenticate to op[1] as the client
        st = [int(ImpersonateSecurityContext(ctx)), GetUserName()]
        cred = CredHandle()
        st.append(int(AcquireCredentialsHandle(None, "Kerberos", SECPKG_CRED_OUTBOUND, None,
                                               None, None, None, cred, None)))
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        st.append(int(InitializeSecurityContext(cred, None, op[1], 0, 0, SECURITY_NATIVE_DREP,
                                                None, 0, CtxtHandle(), out, ULONG(), None)))
        st.append(out[0].data.hex())
        st.append(int(RevertSecurityContext(ctx)))
        results.append(st)
    elif kind == "export":
        back = SecBuffer(SECBUFFER_EMPTY, None)
        st = ExportSecurityContext(ctx, SECPKG_CONTEXT_EXPORT_DELETE_OLD, back, None)
        results.append([int(st), back.data.hex()])
json.dump(results, sys.stdout)
'''


def child(packed: bytes, ops: List[List[Any]], package: str = "Kerberos") -> List[Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", CHILD],
                          input=json.dumps({"packed": packed.hex(), "ops": ops,
                                            "package": package}),
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    results: List[Any] = json.loads(proc.stdout)
    return results


# --- across processes ----------------------------------------------------------------------


def test_client_context_keeps_protecting_messages_in_another_process(
        creds: Creds, krb5_env: Any) -> None:
    pair = establish(creds)
    try:
        packed = export(pair.client)
        # DELETE_OLD: the exported handle is gone here.
        assert EncryptMessage(pair.client, 0, SecBufferDesc([]), 0) == SEC_E_INVALID_HANDLE
        status, token, data = encrypt(pair.server, b"to the child")
        assert status == SEC_E_OK
        status, signature = sign(pair.server, b"signed by the server")
        assert status == SEC_E_OK
        imported, sealed, signed, decrypted, name = child(packed, [
            ["encrypt", b"from the child".hex()],
            ["sign", b"signed by the child".hex()],
            ["decrypt", token.hex(), data.hex()],
            ["names"],
        ])
        assert imported == SEC_E_OK
        assert sealed[0] == SEC_E_OK
        assert decrypt(pair.server, bytes.fromhex(sealed[1]), bytes.fromhex(sealed[2])) == (
            SEC_E_OK, b"from the child")
        assert signed[0] == SEC_E_OK
        assert verify(pair.server, b"signed by the child", bytes.fromhex(signed[1])) == SEC_E_OK
        assert decrypted == [SEC_E_OK, b"to the child".hex()]
        assert name == [SEC_E_OK, krb5_env.user]
        assert verify(pair.server, b"tampered", bytes.fromhex(signed[1])) != SEC_E_OK
        assert signature  # the server side is unaffected by the export
    finally:
        pair.delete()


def test_server_context_with_its_delegated_credential(
        creds: Creds, krb5_env: Any) -> None:
    """The child imports the server side, reads the client's message, impersonates
    her with the delegated credential that travelled along, and authenticates
    onward as alice; the context then comes home with a second export."""
    pair = establish(creds, ISC_REQ | ISC_REQ_DELEGATE)
    try:
        packed = export(pair.server)
        status, token, data = encrypt(pair.client, b"for whoever holds the server side")
        assert status == SEC_E_OK
        imported, name, decrypted, onward, back = child(packed, [
            ["names"], ["decrypt", token.hex(), data.hex()], ["onward", ONWARD], ["export"],
        ])
        assert imported == SEC_E_OK
        assert name == [SEC_E_OK, krb5_env.user]
        assert decrypted == [SEC_E_OK, b"for whoever holds the server side".hex()]
        impersonated, user, ach, isc, onward_token, reverted = onward
        assert (impersonated, user, ach, isc, reverted) == (
            SEC_E_OK, "alice", SEC_E_OK, SEC_E_OK, SEC_E_OK)
        # The onward token is alice's AP-REQ to host/server.sspi.test.
        onward_ctx = CtxtHandle()
        assert AcceptSecurityContext(creds.server, None,
                                     SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                              bytes.fromhex(onward_token))]),
                                     0, SECURITY_NATIVE_DREP, onward_ctx,
                                     SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                              bytearray(48000))]),
                                     ULONG(), None) == SEC_E_OK
        assert context_user_name(onward_ctx) == krb5_env.user
        DeleteSecurityContext(onward_ctx)
        # Back home: the context exported by the child is usable here.
        assert back[0] == SEC_E_OK
        home = CtxtHandle()
        packed_back = SecBuffer(SECBUFFER_EMPTY, bytearray.fromhex(back[1]))
        assert ImportSecurityContext("KERBEROS", packed_back, None, home) == SEC_E_OK
        status, token, data = encrypt(pair.client, b"welcome back")
        assert decrypt(home, token, data) == (SEC_E_OK, b"welcome back")
        DeleteSecurityContext(home)
    finally:
        pair.delete()


# --- the old handle, and two copies ---------------------------------------------------------


def test_without_delete_old_both_copies_work(creds: Creds) -> None:
    pair = establish(creds)
    try:
        packed = export(pair.client, 0)
        copy = CtxtHandle()
        assert ImportSecurityContext("Kerberos", SecBuffer(SECBUFFER_EMPTY, packed), None,
                                     copy) == SEC_E_OK
        for ctx, text in ((pair.client, b"old handle"), (copy, b"imported copy")):
            status, token, data = encrypt(ctx, text)
            assert status == SEC_E_OK
            assert decrypt(pair.server, token, data) == (SEC_E_OK, text)
            status, token, data = encrypt(pair.server, text)
            assert decrypt(ctx, token, data) == (SEC_E_OK, text)
        lifespan = SecPkgContext_Lifespan()
        assert QueryContextAttributes(copy, SECPKG_ATTR_LIFESPAN, lifespan) == SEC_E_OK
        assert lifespan.tsExpiry.QuadPart > lifespan.tsStart.QuadPart
        assert DeleteSecurityContext(copy) == SEC_E_OK
    finally:
        pair.delete()


def test_two_copies_share_the_sequence_state(creds: Creds) -> None:
    """With sequence detection each copy sends the same sequence numbers, so the
    peer sees the second copy's first message as a replay -- as with Windows'
    copies of one context.  Use one copy per direction."""
    pair = establish(creds, ISC_REQ | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)
    try:
        packed = export(pair.client, 0)
        copy = CtxtHandle()
        assert ImportSecurityContext("Kerberos", SecBuffer(SECBUFFER_EMPTY, packed), None,
                                     copy) == SEC_E_OK
        status, token, data = encrypt(pair.client, b"first")
        assert decrypt(pair.server, token, data) == (SEC_E_OK, b"first")
        status, token, data = encrypt(copy, b"second")
        assert status == SEC_E_OK
        assert decrypt(pair.server, token, data)[0] == SEC_E_OUT_OF_SEQUENCE
        DeleteSecurityContext(copy)
    finally:
        pair.delete()


def test_imported_context_cannot_reauthenticate(creds: Creds) -> None:
    pair = establish(creds)
    try:
        packed = export(pair.client)
        ctx = CtxtHandle()
        assert ImportSecurityContext("Kerberos", SecBuffer(SECBUFFER_EMPTY, packed), None,
                                     ctx) == SEC_E_OK
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
        assert InitializeSecurityContext(None, ctx, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                         None, 0, ctx, out, ULONG(),
                                         None) == SEC_E_NO_CREDENTIALS
        # ... and still protects messages after that refusal.
        status, token, data = encrypt(ctx, b"still here")
        assert status == SEC_E_OK
        assert decrypt(pair.server, token, data) == (SEC_E_OK, b"still here")
        DeleteSecurityContext(ctx)
    finally:
        pair.delete()


# --- flags and states ------------------------------------------------------------------------


@pytest.mark.parametrize("flags, expected", [
    (SECPKG_CONTEXT_EXPORT_RESET_NEW, SEC_E_UNSUPPORTED_FUNCTION),
    (SECPKG_CONTEXT_EXPORT_TO_KERNEL, SEC_E_UNSUPPORTED_FUNCTION),
    (SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_DELETE_OLD,
     SEC_E_UNSUPPORTED_FUNCTION),
    (0x80, SEC_E_INVALID_PARAMETER),
    (0xFFFFFFFF, SEC_E_INVALID_PARAMETER),
], ids=["reset-new", "to-kernel", "reset-new+delete-old", "unknown-bit", "all-bits"])
def test_refused_flags_change_nothing(creds: Creds, flags: int,
                                      expected: Any) -> None:
    pair = establish(creds)
    try:
        mem = bytearray(b"caller's")
        packed, token = SecBuffer(SECBUFFER_EMPTY, mem), HANDLE("sentinel")
        assert ExportSecurityContext(pair.client, flags, packed, token) == expected
        assert packed.pvBuffer is mem and mem == b"caller's" and token.value == "sentinel"
        status, tok, data = encrypt(pair.client, b"unchanged")
        assert status == SEC_E_OK
        assert decrypt(pair.server, tok, data) == (SEC_E_OK, b"unchanged")
    finally:
        pair.delete()


def test_incomplete_and_failed_contexts(creds: Creds) -> None:
    ctx = CtxtHandle()
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
    assert InitializeSecurityContext(creds.client, None, TARGET, ISC_REQ, 0,
                                     SECURITY_NATIVE_DREP, None, 0, ctx, out, ULONG(),
                                     None) == SEC_I_CONTINUE_NEEDED
    packed = SecBuffer(SECBUFFER_EMPTY, None)
    assert ExportSecurityContext(ctx, 0, packed, None) == SEC_E_UNSUPPORTED_FUNCTION
    assert packed.pvBuffer is None
    # Still a live half-built context: finishing it works.
    sout = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
    server = CtxtHandle()
    assert AcceptSecurityContext(creds.server, None,
                                 SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, out[0].data)]),
                                 ASC_REQ, SECURITY_NATIVE_DREP, server, sout, ULONG(),
                                 None) == SEC_E_OK
    assert InitializeSecurityContext(creds.client, ctx, TARGET, ISC_REQ, 0,
                                     SECURITY_NATIVE_DREP,
                                     SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, sout[0].data)]),
                                     0, ctx, out, ULONG(), None) == SEC_E_OK
    DeleteSecurityContext(ctx)
    DeleteSecurityContext(server)
    # A context whose exchange failed.
    failed = CtxtHandle()
    out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(48000))])
    InitializeSecurityContext(creds.client, None, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                              None, 0, failed, out, ULONG(), None)
    status = InitializeSecurityContext(
        creds.client, failed, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
        SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, b"\x60\x03garbage")]), 0, failed, out,
        ULONG(), None)
    assert FAILED(status)
    assert ExportSecurityContext(failed, 0, SecBuffer(SECBUFFER_EMPTY, None),
                                 None) == SEC_E_INVALID_HANDLE
    DeleteSecurityContext(failed)


def test_export_bad_handles(creds: Creds) -> None:
    for handle in (CtxtHandle(), CtxtHandle(5, 6), creds.client, None, "x"):
        packed = SecBuffer(SECBUFFER_EMPTY, None)
        assert ExportSecurityContext(handle, 0, packed, None) == SEC_E_INVALID_HANDLE  # type: ignore[arg-type]
        assert packed.pvBuffer is None
    pair = establish(creds)
    try:
        export(pair.client)
        # Deleted by DELETE_OLD: exporting or deleting again is an invalid handle.
        assert ExportSecurityContext(pair.client, 0, SecBuffer(SECBUFFER_EMPTY, None),
                                     None) == SEC_E_INVALID_HANDLE
        assert DeleteSecurityContext(pair.client) == SEC_E_INVALID_HANDLE
        with pytest.raises(MisuseError):
            ExportSecurityContext(pair.server, 0, bytearray(10), None)  # type: ignore[arg-type]
        with pytest.raises(MisuseError):
            ExportSecurityContext(pair.server, 0, SecBuffer(SECBUFFER_EMPTY, None), "token")  # type: ignore[arg-type]
    finally:
        pair.delete()


def test_packed_context_memory_is_the_packages(creds: Creds) -> None:
    pair = establish(creds)
    try:
        packed = SecBuffer(SECBUFFER_EMPTY, None)
        assert ExportSecurityContext(pair.client, 0, packed, None) == SEC_E_OK
        assert packed.cbBuffer == len(packed.pvBuffer) > 0  # type: ignore[arg-type]
        assert b"alice" not in bytes(repr(packed), "utf-8")
        assert FreeContextBuffer(packed.pvBuffer) == SEC_E_OK
        assert FreeContextBuffer(packed.pvBuffer) == SEC_E_INVALID_HANDLE
    finally:
        pair.delete()


# --- bad packed contexts ---------------------------------------------------------------------


@pytest.fixture
def packed_client(creds: Creds) -> Iterator[Tuple[bytes, Handshake]]:
    pair = establish(creds)
    try:
        yield export(pair.client), pair
    finally:
        pair.delete()


def _import(package: Any, buf: SecBuffer) -> Tuple[Any, CtxtHandle]:
    ctx = CtxtHandle()
    status = ImportSecurityContext(package, buf, None, ctx)
    if status != SEC_E_OK:
        assert not SecIsValidHandle(ctx)
    return status, ctx


def test_package_names(packed_client: Tuple[bytes, Handshake]) -> None:
    packed, _ = packed_client
    for name in ("Kerberos", "kerberos", "KERBEROS", b"Kerberos"):
        status, ctx = _import(name, SecBuffer(SECBUFFER_EMPTY, packed))
        assert status == SEC_E_OK
        DeleteSecurityContext(ctx)
    for name in ("NoSuchPackage", "", None, "Kerberos\0x", b"\xff\xfe"):
        assert _import(name, SecBuffer(SECBUFFER_EMPTY, packed))[0] == SEC_E_SECPKG_NOT_FOUND


def _mangled(packed: bytes) -> Dict[str, bytes]:
    import hashlib
    import struct

    body = packed[:-32]
    (head_len,) = struct.unpack_from(">I", body, 8)
    header = json.loads(body[12:12 + head_len])

    def rebuilt(new_header: Dict[str, Any]) -> bytes:
        head = json.dumps(new_header).encode()
        rest = body[12 + head_len:]
        new = body[:8] + struct.pack(">I", len(head)) + head + rest
        return new + hashlib.sha256(new).digest()

    return {
        "empty": b"",
        "garbage": b"not a packed context at all",
        "magic-only": packed[:8],
        "truncated": packed[:-1],
        "extended": packed + b"\x00",
        "checksum-flipped": packed[:-1] + bytes([packed[-1] ^ 1]),
        "gss-token-flipped": packed[:200] + bytes([packed[200] ^ 1]) + packed[201:],
        "wrong-side": rebuilt({**header, "initiator": not header["initiator"]}),
        "other-package": rebuilt({**header, "package": "NTLM"}),
        "header-not-object": rebuilt([1, 2]),  # type: ignore[arg-type]
        "attrs-negative": rebuilt({**header, "attrs": -1}),
        "started-nan": rebuilt({**header, "started": "nan"}),
        "target-number": rebuilt({**header, "target": 7}),
    }


def test_mangled_packed_contexts(packed_client: Tuple[bytes, Handshake]) -> None:
    packed, _ = packed_client
    for case, blob in _mangled(packed).items():
        status, _ = _import("Kerberos", SecBuffer(SECBUFFER_EMPTY, blob))
        assert status == SEC_E_INVALID_TOKEN, case


def test_every_truncation_and_bit_flip_is_refused(packed_client: Tuple[bytes, Handshake]) -> None:
    """MIT's own import crashes on some single-bit flips of its token; none may reach it."""
    packed, _ = packed_client
    for cut in range(0, len(packed), 7):
        assert _import("Kerberos", SecBuffer(SECBUFFER_EMPTY, packed[:cut]))[0] == (
            SEC_E_INVALID_TOKEN)
    for i in range(len(packed)):
        blob = bytearray(packed)
        blob[i] ^= 0x01
        assert _import("Kerberos", SecBuffer(SECBUFFER_EMPTY, bytes(blob)))[0] == (
            SEC_E_INVALID_TOKEN)


def test_bad_packed_buffers(packed_client: Tuple[bytes, Handshake]) -> None:
    packed, _ = packed_client
    for buf in (SecBuffer(SECBUFFER_EMPTY, None), SecBuffer(SECBUFFER_EMPTY, None, 10),
                SecBuffer(SECBUFFER_EMPTY, bytearray(packed), len(packed) + 1),
                SecBuffer(SECBUFFER_EMPTY, bytearray(packed), -1),
                SecBuffer(SECBUFFER_EMPTY, bytearray(packed), len(packed) - 1)):
        assert _import("Kerberos", buf)[0] == SEC_E_INVALID_TOKEN
    # cbBuffer bounds the packed context inside a larger caller buffer.
    status, ctx = _import("Kerberos", SecBuffer(SECBUFFER_EMPTY, bytearray(packed) + b"junk",
                                                len(packed)))
    assert status == SEC_E_OK
    DeleteSecurityContext(ctx)
    with pytest.raises(MisuseError):
        ImportSecurityContext("Kerberos", packed, None, CtxtHandle())  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        ImportSecurityContext("Kerberos", SecBuffer(SECBUFFER_EMPTY, packed), None, None)  # type: ignore[arg-type]
    with pytest.raises(MisuseError):
        ImportSecurityContext(42, SecBuffer(SECBUFFER_EMPTY, packed), None, CtxtHandle())


def test_child_refuses_a_mangled_context(packed_client: Tuple[bytes, Handshake]) -> None:
    packed, _ = packed_client
    blob = bytearray(packed)
    blob[len(blob) // 2] ^= 0x80
    assert child(bytes(blob), [["names"]])[0] == SEC_E_INVALID_TOKEN


def test_import_needs_the_exporters_configuration(krb5_realm_factory: Any) -> None:
    """MIT's serialised context names the exporter's krb5.conf and the import
    opens it again: with that file gone the import fails (docs/export.md)."""
    realm = krb5_realm_factory(kdc="mit")
    with realm.activate():
        creds = Creds(must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND))
        pair = establish(creds)
        packed = export(pair.client)
        assert child(packed, [["names"]])[0] == SEC_E_OK  # configuration still there
        realm.stop()  # removes the work directory, krb5.conf included
        assert child(packed, [["names"]]) == [SEC_E_INVALID_TOKEN,
                                              [SEC_E_INVALID_HANDLE, None]]
        pair.delete()
        for cred in creds:
            FreeCredentialsHandle(cred)


def test_negotiate_context_across_processes(krb5_env: Any) -> None:
    """A Negotiate (SPNEGO -> Kerberos) server context, with its delegated
    credential, exported to a child that imports it as "Negotiate"."""
    creds = Creds(*(acquire(use, package="Negotiate")[1]
                    for use in (SECPKG_CRED_OUTBOUND, SECPKG_CRED_INBOUND)))
    assert all(SecIsValidHandle(cred) for cred in creds)
    pair = complete(handshake(creds.client, creds.server, TARGET, ISC_REQ | ISC_REQ_DELEGATE,
                              ASC_REQ))
    try:
        packed = export(pair.server)
        status, token_out, data = encrypt(pair.client, b"negotiated")
        assert status == SEC_E_OK
        imported, name, decrypted, onward = child(packed, [
            ["names"], ["decrypt", token_out.hex(), data.hex()], ["onward", ONWARD],
        ], package="Negotiate")
        assert imported == SEC_E_OK
        assert name == [SEC_E_OK, krb5_env.user]
        assert decrypted == [SEC_E_OK, b"negotiated".hex()]
        assert onward[:4] == [SEC_E_OK, "alice", SEC_E_OK, SEC_E_OK]
        # Exported from Negotiate, it is not a Kerberos package's context.
        assert child(packed, [], package="Kerberos") == [SEC_E_INVALID_TOKEN]
    finally:
        pair.delete()
        for cred in creds:
            FreeCredentialsHandle(cred)
