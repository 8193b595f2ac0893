"""The NTLM package over gss-ntlmssp, against real NTLM user files.

Windows behaviour checked: three raw NTLMSSP legs (NEGOTIATE, CHALLENGE,
AUTHENTICATE; the client's last call is SEC_E_OK *with* a token), explicit
user/domain/password in every spelling, the server's users from the NTLM
user file, SECPKG_ATTR_NAMES ``DOMAIN\\user``, no mutual authentication, NTLM's
message layout (16-byte signature then the sealed data), SecPkgInfo and
sizes as Windows reports them, and the package found or not found depending
on what is installed (subprocesses with their own GSS mechanism list).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from typing import Any, Dict, Optional

import pytest
from kerberos_helpers import context_user_name, handshake, not_internal
from negotiate_helpers import NtlmUsers, acquire, cred_factory, ntlm_users, seal, unseal

import sspi_compat
from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_INTEGRITY,
    ISC_REQ_ALLOCATE_MEMORY,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_RET_ALLOCATED_MEMORY,
    ISC_RET_CONFIDENTIALITY,
    ISC_RET_DELEGATE,
    ISC_RET_INTEGRITY,
    ISC_RET_MUTUAL_AUTH,
    SEC_CHANNEL_BINDINGS,
    SEC_E_BAD_BINDINGS,
    SEC_E_BUFFER_TOO_SMALL,
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_TOKEN,
    SEC_E_LOGON_DENIED,
    SEC_E_MESSAGE_ALTERED,
    SEC_E_NO_CREDENTIALS,
    SEC_E_OK,
    SEC_E_QOP_NOT_SUPPORTED,
    SEC_E_SECPKG_NOT_FOUND,
    SEC_E_UNKNOWN_CREDENTIALS,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_A,
    SEC_WINNT_AUTH_IDENTITY_ANSI,
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_STREAM,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_NATIVE_NAMES,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    SECPKG_ATTR_STREAM_SIZES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_BOTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECQOP_WRAP_NO_ENCRYPT,
    SECURITY_NATIVE_DREP,
    ULONG,
    AcceptSecurityContext,
    CtxtHandle,
    DecryptMessage,
    DeleteSecurityContext,
    EncryptMessage,
    EnumerateSecurityPackages,
    FreeContextBuffer,
    InitializeSecurityContext,
    MakeSignature,
    PSecPkgInfo,
    QueryContextAttributes,
    QueryCredentialsAttributes,
    QuerySecurityPackageInfo,
    SecBuffer,
    SecBufferDesc,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
    SecPkgCredentials_Names,
    TimeStamp,
    VerifySignature,
)
from sspi_compat.testing import MITRealm

__all__ = ["cred_factory", "ntlm_users"]  # fixtures used here

pytestmark = [pytest.mark.kdc, pytest.mark.ntlm]

REQ = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
ASC_REQ = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY
TARGET = "HTTP/server.sspi.test"
GSSNTLMSSP = next((p for p in sspi_compat.gss.mechs.LIBRARY_CANDIDATES if os.path.isfile(p)),
                  None)


def identity(users: NtlmUsers, who: str = "alice", domain: Optional[str] = "SSPI.TEST",
             ) -> SEC_WINNT_AUTH_IDENTITY:
    return SEC_WINNT_AUTH_IDENTITY(who, domain, getattr(users, who))


def pair(cred_factory: Any, users: NtlmUsers, auth: Any = None, target: Any = TARGET,
         isc_req: int = REQ, asc_req: int = ASC_REQ) -> Any:
    client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND,
                          auth if auth is not None else identity(users))
    server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
    return handshake(client, server, target, isc_req, asc_req)


# --- the package ----------------------------------------------------------------------


class TestPackageInfo:
    def test_windows_secpkginfo(self) -> None:
        for spelling in ("NTLM", "ntlm", "Ntlm", b"nTlM"):
            info = PSecPkgInfo()
            assert QuerySecurityPackageInfo(spelling, info) == SEC_E_OK
            pkg = info.value
            assert (pkg.Name, pkg.Comment) == ("NTLM", "NTLM Security Package")
            assert (pkg.fCapabilities, pkg.wVersion, pkg.wRPCID, pkg.cbMaxToken) == \
                (0x82B37, 1, 10, 2888)
            assert FreeContextBuffer(info.value) == SEC_E_OK

    def test_enumerated_in_windows_order(self) -> None:
        count, infos = ULONG(), PSecPkgInfo()
        assert EnumerateSecurityPackages(count, infos) == SEC_E_OK
        try:
            names = [i.Name for i in infos.value]
            assert names[:3] == ["Negotiate", "Kerberos", "NTLM"]
        finally:
            FreeContextBuffer(infos.value)

    @pytest.mark.parametrize("name", ["NTLMv2", "NTLM ", " NTLM", "NTLM\0", "NTL", "",
                                      "Microsoft NTLM", "ntlmssp"])
    def test_wrong_names(self, name: str) -> None:
        assert QuerySecurityPackageInfo(name, PSecPkgInfo()) == SEC_E_SECPKG_NOT_FOUND
        status, _ = acquire(name, SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_SECPKG_NOT_FOUND


# --- the exchange ------------------------------------------------------------------------


class TestHandshake:
    def test_three_raw_ntlmssp_legs(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        hs = pair(cred_factory, ntlm_users, isc_req=REQ | ISC_REQ_MUTUAL_AUTH)
        try:
            assert hs.statuses == [("client", SEC_I_CONTINUE_NEEDED),
                                   ("server", SEC_I_CONTINUE_NEEDED),
                                   ("client", SEC_E_OK), ("server", SEC_E_OK)]
            negotiate, challenge, authenticate, last = (leg.token for leg in hs.legs)
            for token, kind in ((negotiate, 1), (challenge, 2), (authenticate, 3)):
                assert token[:8] == b"NTLMSSP\0"
                assert int.from_bytes(token[8:12], "little") == kind
            assert last == b""
            # NTLM cannot authenticate the server: never reported, as on Windows.
            assert not hs.client_attrs & ISC_RET_MUTUAL_AUTH
            assert hs.client_attrs & (ISC_RET_INTEGRITY | ISC_RET_CONFIDENTIALITY) == \
                ISC_RET_INTEGRITY | ISC_RET_CONFIDENTIALITY
            assert context_user_name(hs.server) == "SSPI.TEST\\alice"
            assert context_user_name(hs.client) == "SSPI.TEST\\alice"
        finally:
            hs.delete()

    @pytest.mark.parametrize("spelling", ["separate", "backslash", "upn", "ansi-bytes",
                                          "unicode-bytes"])
    def test_user_spellings(self, ntlm_users: NtlmUsers, cred_factory: Any,
                            spelling: str) -> None:
        pw = ntlm_users.carol
        auth = {
            "separate": SEC_WINNT_AUTH_IDENTITY("carol", "NTDOM", pw),
            "backslash": SEC_WINNT_AUTH_IDENTITY("NTDOM\\carol", None, pw),
            "upn": SEC_WINNT_AUTH_IDENTITY("carol@NTDOM", None, pw),
            "ansi-bytes": SEC_WINNT_AUTH_IDENTITY_A(b"carol", b"NTDOM", pw.encode(),
                                                    SEC_WINNT_AUTH_IDENTITY_ANSI),
            "unicode-bytes": SEC_WINNT_AUTH_IDENTITY("carol".encode("utf-16-le"),
                                                     "NTDOM".encode("utf-16-le"),
                                                     pw.encode("utf-16-le")),
        }[spelling]
        hs = pair(cred_factory, ntlm_users, auth)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK), hs.statuses
            assert context_user_name(hs.server) == "NTDOM\\carol"
        finally:
            hs.delete()

    def test_default_credential_is_the_user_file(self, ntlm_users: NtlmUsers,
                                                 cred_factory: Any) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND)
        names = SecPkgCredentials_Names()
        assert QueryCredentialsAttributes(client, SECPKG_CRED_ATTR_NAMES, names) == SEC_E_OK
        assert names.sUserName == "SSPI.TEST\\alice"  # the first entry, no trailing NUL
        bob = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, principal="SSPI.TEST\\bob")
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        hs = handshake(bob, server, TARGET, REQ, ASC_REQ)
        try:
            assert context_user_name(hs.server) == "SSPI.TEST\\bob"
        finally:
            hs.delete()

    def test_null_target_name(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        hs = pair(cred_factory, ntlm_users, target=None)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK)
        finally:
            hs.delete()

    @pytest.mark.parametrize("target", ["MSSQLSvc/server.sspi.test:1433", "host",
                                        "alice@SSPI.TEST", "HTTP/server.sspi.test@SSPI.TEST"])
    def test_any_target_shape(self, ntlm_users: NtlmUsers, cred_factory: Any,
                              target: str) -> None:
        hs = pair(cred_factory, ntlm_users, target=target)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK), hs.statuses
        finally:
            hs.delete()

    def test_delegation_is_never_reported(self, ntlm_users: NtlmUsers,
                                          cred_factory: Any) -> None:
        hs = pair(cred_factory, ntlm_users, isc_req=REQ | ISC_REQ_DELEGATE)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK)
            assert not hs.client_attrs & ISC_RET_DELEGATE
        finally:
            hs.delete()

    def test_allocate_memory(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        ctx, attrs = CtxtHandle(), ULONG()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, None)])
        assert InitializeSecurityContext(client, None, TARGET, REQ | ISC_REQ_ALLOCATE_MEMORY, 0,
                                         SECURITY_NATIVE_DREP, None, 0, ctx, out, attrs,
                                         TimeStamp()) == SEC_I_CONTINUE_NEEDED
        assert attrs.value & ISC_RET_ALLOCATED_MEMORY
        assert out[0].data[:8] == b"NTLMSSP\0"
        assert FreeContextBuffer(out[0].pvBuffer) == SEC_E_OK
        DeleteSecurityContext(ctx)

    def test_small_output_buffer(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        ctx = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(8))])
        assert InitializeSecurityContext(client, None, TARGET, REQ, 0, SECURITY_NATIVE_DREP,
                                         None, 0, ctx, out, ULONG(), TimeStamp()) == \
            SEC_E_BUFFER_TOO_SMALL
        assert bytes(out[0].pvBuffer) == bytes(8) and out[0].cbBuffer == 8


class TestChannelBindings:
    """SECBUFFER_CHANNEL_BINDINGS on both sides (NTLMv2's MsvAvChannelBindings)."""

    @staticmethod
    def cb(app_data: bytes, **addresses: Any) -> SecBuffer:
        return SecBuffer(SECBUFFER_CHANNEL_BINDINGS, bytearray(SEC_CHANNEL_BINDINGS(
            ApplicationData=app_data, **addresses).pack()))

    @pytest.mark.parametrize("client_cb,server_cb,expected", [
        (b"tls-server-end-point:AAAA", b"tls-server-end-point:AAAA", SEC_E_OK),
        (b"tls-server-end-point:AAAA", b"tls-server-end-point:BBBB", SEC_E_BAD_BINDINGS),
        (b"tls-server-end-point:AAAA", None, SEC_E_OK),  # the server does not ask
        (None, b"tls-server-end-point:BBBB", SEC_E_OK),  # gss-ntlmssp: client without EPA
    ])
    def test_application_data(self, ntlm_users: NtlmUsers, cred_factory: Any,
                              client_cb: Optional[bytes], server_cb: Optional[bytes],
                              expected: int) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        hs = handshake(client, server, TARGET, REQ, ASC_REQ,
                       client_extra=(self.cb(client_cb),) if client_cb else (),
                       server_extra=(self.cb(server_cb),) if server_cb else ())
        try:
            assert hs.statuses[-1] == ("server", expected), hs.statuses
        finally:
            hs.delete()

    def test_addresses_are_refused_by_the_acceptor(self, ntlm_users: NtlmUsers,
                                                   cred_factory: Any) -> None:
        """gss-ntlmssp takes application data only (as TLS bindings are)."""
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        with_address = self.cb(b"x", dwInitiatorAddrType=2, InitiatorAddress=b"\x7f\0\0\1")
        hs = handshake(client, server, TARGET, REQ, ASC_REQ, server_extra=(with_address,))
        try:
            assert hs.statuses[-1] == ("server", SEC_E_BAD_BINDINGS), hs.statuses
        finally:
            hs.delete()


class TestLogonFailures:
    @pytest.mark.parametrize("who,domain,password", [
        ("alice", "SSPI.TEST", "wrong password"),
        ("mallory", "SSPI.TEST", "whatever"),
        ("alice", "OTHERDOM", None),  # right password, domain not in the file
        ("carol", "SSPI.TEST", None),
    ])
    def test_server_refuses(self, ntlm_users: NtlmUsers, cred_factory: Any, who: str,
                            domain: str, password: Optional[str]) -> None:
        pw = password if password is not None else getattr(ntlm_users, who)
        hs = pair(cred_factory, ntlm_users, SEC_WINNT_AUTH_IDENTITY(who, domain, pw))
        try:
            assert hs.statuses[-1] == ("server", SEC_E_LOGON_DENIED), hs.statuses
            assert hs.statuses[-2] == ("client", SEC_E_OK)  # the client cannot know
        finally:
            hs.delete()

    def test_server_without_user_file(self, ntlm_users: NtlmUsers, cred_factory: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        monkeypatch.delenv("NTLM_USER_FILE")
        hs = handshake(client, server, TARGET, REQ, ASC_REQ)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_LOGON_DENIED)
        finally:
            hs.delete()

    def test_client_without_any_credential(self, krb5_env: MITRealm,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NTLM_USER_FILE", raising=False)
        status, _ = acquire("NTLM", SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_NO_CREDENTIALS

    def test_client_not_in_user_file(self, ntlm_users: NtlmUsers) -> None:
        status, _ = acquire("NTLM", SECPKG_CRED_OUTBOUND, principal="SSPI.TEST\\mallory")
        assert status == SEC_E_NO_CREDENTIALS

    def test_bad_identity_structures(self, ntlm_users: NtlmUsers) -> None:
        assert acquire("NTLM", SECPKG_CRED_OUTBOUND, auth="alice:pw")[0] == \
            SEC_E_UNKNOWN_CREDENTIALS
        bad_utf16 = SEC_WINNT_AUTH_IDENTITY(b"\x00\xd8", None, b"p\x00")
        assert acquire("NTLM", SECPKG_CRED_OUTBOUND, auth=bad_utf16)[0] == \
            SEC_E_UNKNOWN_CREDENTIALS
        nobody = SEC_WINNT_AUTH_IDENTITY(None, "SSPI.TEST", "pw")
        assert acquire("NTLM", SECPKG_CRED_OUTBOUND, auth=nobody)[0] == \
            SEC_E_UNKNOWN_CREDENTIALS


class TestBadTokens:
    @pytest.mark.parametrize("token", [b"garbage", b"NTLMSSP\0", b"NTLMSSP\0\x03\0\0\0",
                                       b"NTLMSSP\0\x02\0\0\0" + bytes(40), bytes(300),
                                       b"\x60\x03\x06\x01\x00"])
    def test_server_first_leg(self, ntlm_users: NtlmUsers, cred_factory: Any,
                              token: bytes) -> None:
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        ctx = CtxtHandle()
        status = not_internal(AcceptSecurityContext(
            server, None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token)]), ASC_REQ,
            SECURITY_NATIVE_DREP, ctx, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                bytearray(3000))]),
            ULONG(), TimeStamp()))
        # A short NEGOTIATE with junk after its header is tolerated by gss-ntlmssp
        # (as by Windows); everything else is refused.
        assert status in (SEC_E_INVALID_TOKEN, SEC_I_CONTINUE_NEEDED)
        if status == SEC_I_CONTINUE_NEEDED:
            DeleteSecurityContext(ctx)

    @pytest.mark.parametrize("mangle", ["truncate", "flip-type", "garbage"])
    def test_mangled_authenticate_and_challenge(self, ntlm_users: NtlmUsers,
                                                cred_factory: Any, mangle: str) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        server = cred_factory("NTLM", SECPKG_CRED_INBOUND)

        def bad(token: bytes) -> bytes:
            if mangle == "truncate":
                return token[:30]
            if mangle == "flip-type":
                return token[:8] + b"\x01" + token[9:]
            return b"NTLMSSP\0" + bytes(len(token) - 8)

        cctx, sctx = CtxtHandle(), CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
        assert InitializeSecurityContext(client, None, TARGET, REQ, 0, SECURITY_NATIVE_DREP,
                                         None, 0, cctx, out, ULONG(), None) == \
            SEC_I_CONTINUE_NEEDED
        negotiate = bytes(out[0].data)
        sout = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
        assert AcceptSecurityContext(server, None, SecBufferDesc([SecBuffer(
            SECBUFFER_TOKEN, negotiate)]), ASC_REQ, SECURITY_NATIVE_DREP, sctx, sout, ULONG(),
            None) == SEC_I_CONTINUE_NEEDED
        challenge = bytes(sout[0].data)
        # The client given a mangled CHALLENGE:
        other = CtxtHandle()
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
        InitializeSecurityContext(client, None, TARGET, REQ, 0, SECURITY_NATIVE_DREP, None, 0,
                                  other, out, ULONG(), None)
        status = not_internal(InitializeSecurityContext(
            client, other, TARGET, REQ, 0, SECURITY_NATIVE_DREP,
            SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bad(challenge))]), 0, other,
            SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))]), ULONG(), None))
        assert status == SEC_E_INVALID_TOKEN
        # ... and the handle, still valid, is unusable until deleted.
        assert EncryptMessage(other, 0, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                 bytearray(16))]), 0) \
            == SEC_E_INVALID_HANDLE
        assert DeleteSecurityContext(other) == SEC_E_OK
        # The server given a mangled AUTHENTICATE:
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
        assert InitializeSecurityContext(client, cctx, TARGET, REQ, 0, SECURITY_NATIVE_DREP,
                                         SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, challenge)]),
                                         0, cctx, out, ULONG(), None) == SEC_E_OK
        status = not_internal(AcceptSecurityContext(
            server, sctx, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bad(bytes(out[0].data)))]),
            ASC_REQ, SECURITY_NATIVE_DREP, sctx,
            SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))]), ULONG(), None))
        assert status in (SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED)
        DeleteSecurityContext(cctx)
        DeleteSecurityContext(sctx)


# --- attributes --------------------------------------------------------------------------


class TestAttributes:
    def test_sizes_names_key(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        hs = pair(cred_factory, ntlm_users)
        try:
            for ctx in (hs.client, hs.server):
                sizes = SecPkgContext_Sizes()
                assert QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes) == SEC_E_OK
                assert (sizes.cbMaxToken, sizes.cbMaxSignature, sizes.cbBlockSize,
                        sizes.cbSecurityTrailer) == (2888, 16, 0, 16)
                info = SecPkgContext_PackageInfo()
                assert QueryContextAttributes(ctx, SECPKG_ATTR_PACKAGE_INFO, info) == SEC_E_OK
                assert info.PackageInfo is not None and info.PackageInfo.Name == "NTLM"
                assert QueryContextAttributes(ctx, SECPKG_ATTR_STREAM_SIZES,
                                              SecPkgContext_StreamSizes()) == \
                    SEC_E_UNSUPPORTED_FUNCTION
            keys = []
            for ctx in (hs.client, hs.server):
                key = SecPkgContext_SessionKey()
                assert QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, key) == SEC_E_OK
                assert key.SessionKeyLength == 16 and "<hidden>" in repr(key)
                keys.append(key.SessionKey)
            assert keys[0] == keys[1]
            # The server's own name is not asked of gss-ntlmssp (a NULL-name
            # crash with nameless acceptor credentials): None, no crash.
            native = SecPkgContext_NativeNames()
            assert QueryContextAttributes(hs.server, SECPKG_ATTR_NATIVE_NAMES, native) == \
                SEC_E_OK
            assert native.sClientName == "SSPI.TEST\\alice" and native.sServerName is None
        finally:
            hs.delete()

    def test_incomplete_context(self, ntlm_users: NtlmUsers, cred_factory: Any) -> None:
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        ctx = CtxtHandle()
        InitializeSecurityContext(client, None, TARGET, REQ, 0, SECURITY_NATIVE_DREP, None, 0,
                                  ctx, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN,
                                                                bytearray(3000))]),
                                  ULONG(), None)
        assert QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, SecPkgContext_Names()) == \
            SEC_E_INVALID_HANDLE
        assert MakeSignature(ctx, 0, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                                                    SecBuffer(SECBUFFER_DATA, bytearray(4))]),
                             0) == SEC_E_INVALID_HANDLE
        DeleteSecurityContext(ctx)

    def test_both_directions_in_one_credential(self, ntlm_users: NtlmUsers,
                                               cred_factory: Any) -> None:
        both = cred_factory("NTLM", SECPKG_CRED_BOTH, identity(ntlm_users))
        hs = handshake(both, both, TARGET, REQ, ASC_REQ)
        try:
            assert hs.statuses[-1] == ("server", SEC_E_OK)
        finally:
            hs.delete()


# --- message protection -------------------------------------------------------------------


@pytest.fixture
def ntlm_pair(ntlm_users: NtlmUsers, cred_factory: Any) -> Any:
    hs = pair(cred_factory, ntlm_users)
    assert hs.statuses[-1] == ("server", SEC_E_OK)
    yield hs
    hs.delete()


class TestMessages:
    def test_layout_signature_then_sealed_data(self, ntlm_pair: Any) -> None:
        data = b"attack at dawn" * 3
        token, sealed = seal(ntlm_pair.client, data)
        assert len(token) == 16 and token[:4] == b"\x01\0\0\0"  # NTLM signature version 1
        assert len(sealed) == len(data) and sealed != data
        # TOKEN || DATA is one gss-ntlmssp wrap token: the server unseals it as a STREAM.
        stream = SecBufferDesc([SecBuffer(SECBUFFER_STREAM, bytearray(token + sealed)),
                                SecBuffer(SECBUFFER_DATA, None)])
        qop = ULONG(7)
        assert DecryptMessage(ntlm_pair.server, stream, 0, qop) == SEC_E_OK
        assert bytes(stream[1].data) == data and qop.value == 0
        # The DATA buffer describes the plaintext inside STREAM's memory.
        assert isinstance(stream[1].pvBuffer, memoryview)
        assert bytes(stream[0].pvBuffer[16:16 + len(data)]) == data

    def test_both_directions_and_sequence(self, ntlm_pair: Any) -> None:
        for i in range(5):
            for a, b in ((ntlm_pair.client, ntlm_pair.server),
                         (ntlm_pair.server, ntlm_pair.client)):
                msg = f"message {i}".encode()
                assert unseal(b, *seal(a, msg)) == (SEC_E_OK, msg)

    def test_several_data_buffers_readonly_skipped(self, ntlm_pair: Any) -> None:
        header = bytearray(b"not sealed")
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                              SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, header),
                              SecBuffer(SECBUFFER_DATA, bytearray(b"part one, ")),
                              SecBuffer(SECBUFFER_DATA, bytearray(b"part two")),
                              SecBuffer(SECBUFFER_PADDING, bytearray(8))])
        assert EncryptMessage(ntlm_pair.client, 0, desc, 0) == SEC_E_OK
        assert bytes(header) == b"not sealed" and desc[4].cbBuffer == 0
        assert DecryptMessage(ntlm_pair.server, desc, 0, None) == SEC_E_OK
        assert bytes(desc[2].data) + bytes(desc[3].data) == b"part one, part two"

    def test_no_encrypt_qop_still_seals(self, ntlm_pair: Any) -> None:
        data = bytearray(b"always sealed")
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                              SecBuffer(SECBUFFER_DATA, data)])
        assert EncryptMessage(ntlm_pair.client, SECQOP_WRAP_NO_ENCRYPT, desc, 0) == SEC_E_OK
        assert bytes(data) != b"always sealed"
        qop = ULONG(5)
        assert DecryptMessage(ntlm_pair.server, desc, 0, qop) == SEC_E_OK
        assert (bytes(desc[1].data), qop.value) == (b"always sealed", 0)
        assert EncryptMessage(ntlm_pair.client, 0x1234, desc, 0) == SEC_E_QOP_NOT_SUPPORTED

    def test_checksummed_readonly_cannot_be_sealed(self, ntlm_pair: Any) -> None:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                              SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                                        bytearray(b"hdr")),
                              SecBuffer(SECBUFFER_DATA, bytearray(b"body"))])
        assert EncryptMessage(ntlm_pair.client, 0, desc, 0) == SEC_E_UNSUPPORTED_FUNCTION
        assert bytes(desc[2].data) == b"body"
        # ... but is signed by MakeSignature.
        assert MakeSignature(ntlm_pair.client, 0, desc, 0) == SEC_E_OK
        assert VerifySignature(ntlm_pair.server, desc, 0, None) == SEC_E_OK
        desc[1].pvBuffer[0] ^= 1
        assert VerifySignature(ntlm_pair.server, desc, 0, None) == SEC_E_MESSAGE_ALTERED

    @pytest.mark.parametrize("where", ["signature", "data", "sequence"])
    def test_tampering_then_still_usable(self, ntlm_pair: Any, where: str) -> None:
        token, sealed = seal(ntlm_pair.client, b"pay 100 EUR to alice")
        tok, dat = bytearray(token), bytearray(sealed)
        {"signature": tok, "data": dat, "sequence": tok}[where][
            {"signature": 6, "data": 3, "sequence": 13}[where]] ^= 1
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, tok), SecBuffer(SECBUFFER_DATA, dat)])
        before = bytes(dat)
        assert DecryptMessage(ntlm_pair.server, desc, 0, None) == SEC_E_MESSAGE_ALTERED
        assert bytes(dat) == before  # the caller's data is untouched on failure
        # Both RC4 states are still in step: the next message goes through.
        assert unseal(ntlm_pair.server, *seal(ntlm_pair.client, b"next")) == (SEC_E_OK, b"next")

    def test_replay_and_reorder(self, ntlm_pair: Any) -> None:
        first = seal(ntlm_pair.client, b"one")
        assert unseal(ntlm_pair.server, *first) == (SEC_E_OK, b"one")
        # A replay: the sequence number is inside the checksum, so "altered".
        assert unseal(ntlm_pair.server, *first)[0] == SEC_E_MESSAGE_ALTERED
        # Reordered (or lost): "altered" too -- its sequence number and its
        # place in the sender's RC4 stream are not the expected ones.
        second = seal(ntlm_pair.client, b"the second message")
        third = seal(ntlm_pair.client, b"third")
        assert unseal(ntlm_pair.server, *third)[0] == SEC_E_MESSAGE_ALTERED
        assert second  # never delivered

    def test_buffers_too_small_or_missing(self, ntlm_pair: Any) -> None:
        data = bytearray(b"data")
        short = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(15)),
                               SecBuffer(SECBUFFER_DATA, data)])
        assert EncryptMessage(ntlm_pair.client, 0, short, 0) == SEC_E_BUFFER_TOO_SMALL
        assert bytes(data) == b"data"
        assert MakeSignature(ntlm_pair.client, 0, short, 0) == SEC_E_BUFFER_TOO_SMALL
        no_token = SecBufferDesc([SecBuffer(SECBUFFER_DATA, data)])
        for call in (lambda d: EncryptMessage(ntlm_pair.client, 0, d, 0),
                     lambda d: DecryptMessage(ntlm_pair.server, d, 0, None),
                     lambda d: MakeSignature(ntlm_pair.client, 0, d, 0),
                     lambda d: VerifySignature(ntlm_pair.server, d, 0, None)):
            assert call(no_token) == SEC_E_INVALID_TOKEN
            assert call(None) == SEC_E_INVALID_TOKEN
        lying = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                               SecBuffer(SECBUFFER_DATA, bytearray(4))])
        lying[1].cbBuffer = 99
        assert EncryptMessage(ntlm_pair.client, 0, lying, 0) == SEC_E_INVALID_TOKEN
        assert DecryptMessage(ntlm_pair.server, SecBufferDesc(
            [SecBuffer(SECBUFFER_STREAM, bytearray(10)), SecBuffer(SECBUFFER_DATA, None)]),
            0, None) == SEC_E_INVALID_TOKEN
        assert unseal(ntlm_pair.server, *seal(ntlm_pair.client, b"ok")) == (SEC_E_OK, b"ok")

    def test_pbuffers_that_is_no_list(self, ntlm_pair: Any) -> None:
        """A pBuffers replaced by something that is not a list of buffers is a
        bad message (SEC_E_INVALID_TOKEN), not SEC_E_INTERNAL_ERROR."""
        desc = SecBufferDesc([])
        desc.pBuffers = 5  # type: ignore[assignment]
        for call in (lambda d: EncryptMessage(ntlm_pair.client, 0, d, 0),
                     lambda d: DecryptMessage(ntlm_pair.server, d, 0, None),
                     lambda d: MakeSignature(ntlm_pair.client, 0, d, 0),
                     lambda d: VerifySignature(ntlm_pair.server, d, 0, None)):
            assert call(desc) == SEC_E_INVALID_TOKEN
        assert unseal(ntlm_pair.server, *seal(ntlm_pair.client, b"ok")) == (SEC_E_OK, b"ok")

    def test_signatures(self, ntlm_pair: Any) -> None:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(16)),
                              SecBuffer(SECBUFFER_DATA, bytearray(b"signed, not sealed"))])
        assert MakeSignature(ntlm_pair.client, 0, desc, 0) == SEC_E_OK
        assert desc[0].cbBuffer == 16 and bytes(desc[1].data) == b"signed, not sealed"
        qop = ULONG(9)
        assert VerifySignature(ntlm_pair.server, desc, 0, qop) == SEC_E_OK and qop.value == 0
        assert MakeSignature(ntlm_pair.client, SECQOP_WRAP_NO_ENCRYPT, desc, 0) == \
            SEC_E_QOP_NOT_SUPPORTED
        desc[0].cbBuffer = 15
        assert VerifySignature(ntlm_pair.server, desc, 0, None) == SEC_E_INVALID_TOKEN

    def test_bytes_buffers_become_bytearrays(self, ntlm_pair: Any) -> None:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytes(16)),
                              SecBuffer(SECBUFFER_DATA, b"immutable")])
        assert EncryptMessage(ntlm_pair.client, 0, desc, 0) == SEC_E_OK
        assert isinstance(desc[1].pvBuffer, bytearray)
        assert unseal(ntlm_pair.server, bytes(desc[0].data), bytes(desc[1].data)) == \
            (SEC_E_OK, b"immutable")

    def test_deleted_context(self, ntlm_pair: Any) -> None:
        token, sealed = seal(ntlm_pair.client, b"x")
        DeleteSecurityContext(ntlm_pair.server)
        assert unseal(ntlm_pair.server, token, sealed)[0] == SEC_E_INVALID_HANDLE


# --- gss-ntlmssp traps ----------------------------------------------------------------------


class TestTraps:
    def test_named_server_credential_binds_the_target(self, ntlm_users: NtlmUsers,
                                                      cred_factory: Any) -> None:
        """gss-ntlmssp puts a named acceptor's SPN in the CHALLENGE (MsvAvTargetName)
        and its client then refuses any other target: why the default server
        credential is nameless."""
        client = cred_factory("NTLM", SECPKG_CRED_OUTBOUND, identity(ntlm_users))
        named = cred_factory("NTLM", SECPKG_CRED_INBOUND, principal="HTTP/server.sspi.test")
        hs = handshake(client, named, "HTTP/server.sspi.test", REQ, ASC_REQ)
        assert hs.statuses[-1] == ("server", SEC_E_OK)
        hs.delete()
        hs = handshake(client, named, "HTTP/other.sspi.test", REQ, ASC_REQ)
        assert hs.statuses[-1] == ("client", SEC_E_INVALID_TOKEN), hs.statuses
        hs.delete()
        nameless = cred_factory("NTLM", SECPKG_CRED_INBOUND)
        hs = handshake(client, nameless, "HTTP/other.sspi.test", REQ, ASC_REQ)
        assert hs.statuses[-1] == ("server", SEC_E_OK)
        hs.delete()


# --- found or not found: subprocesses with their own GSS mechanism list ----------------------

_CHILD = textwrap.dedent("""
    import json, logging, os, sys
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from sspi_compat import *
    from sspi_compat.gss import ntlm_status
    out = {}
    count, infos = ULONG(), PSecPkgInfo()
    EnumerateSecurityPackages(count, infos)
    out["packages"] = [i.Name for i in infos.value]
    out["query"] = int(QuerySecurityPackageInfo("NTLM", PSecPkgInfo()))
    st = ntlm_status()
    out["how"], out["library"] = st.how, st.library
    client, server = CredHandle(), CredHandle()
    ident = SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", os.environ["ALICE_PW"])
    out["ach"] = int(AcquireCredentialsHandle(None, "NTLM", SECPKG_CRED_OUTBOUND, None, ident,
                                              None, None, client, None))
    if out["ach"] == 0:
        AcquireCredentialsHandle(None, "NTLM", SECPKG_CRED_INBOUND, None, None, None, None,
                                 server, None)
        c, s, tok, statuses = CtxtHandle(), CtxtHandle(), None, []
        for leg in range(3):
            o = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
            st = InitializeSecurityContext(client, c if leg else None, "HTTP/x", 0x30000, 0, 0,
                SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, tok)]) if tok else None, 0, c, o,
                ULONG(), None)
            statuses.append(int(st))
            if st < 0 or not o[0].cbBuffer: break
            o2 = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(3000))])
            st2 = AcceptSecurityContext(server, s if leg else None,
                SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytes(o[0].data))]), 0, 0, s, o2,
                ULONG(), None)
            statuses.append(int(st2))
            tok = bytes(o2[0].data)
            if st2 < 0 or st2 == 0: break
        out["handshake"] = statuses
    nego = CredHandle()
    out["nego_ntlm_only"] = int(AcquireCredentialsHandle(None, "Negotiate",
        SECPKG_CRED_OUTBOUND, None, SEC_WINNT_AUTH_IDENTITY_EX(PackageList="NTLM"), None,
        None, nego, None))
    out["nego_default"] = int(AcquireCredentialsHandle(None, "Negotiate",
        SECPKG_CRED_OUTBOUND, None, None, None, None, CredHandle(), None))
    out["GSS_MECH_CONFIG"] = os.environ.get("GSS_MECH_CONFIG")
    print(json.dumps(out))
""")


def _child(realm: MITRealm, users: NtlmUsers, **env: Optional[str]) -> Dict[str, Any]:
    environ = dict(os.environ)
    environ.update(realm.env)
    environ["ALICE_PW"] = users.alice
    environ["PYTHONPATH"] = os.path.dirname(os.path.dirname(sspi_compat.__file__))
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    proc = subprocess.run([sys.executable, "-c", _CHILD], env=environ, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    result: Dict[str, Any] = json.loads(proc.stdout)
    result["stderr"] = proc.stderr
    return result


@pytest.fixture
def empty_mech_config(tmp_path: Any) -> str:
    """A GSS mechanism file listing nothing: GSS then has only its built-ins,
    as on a system where gss-ntlmssp was never registered under /etc."""
    path = tmp_path / "mech"
    path.write_text("")
    return str(path)


class TestFoundOrNot:
    """The package found or not depending on what is installed (gss-ntlmssp must
    be installed for the "found" half: these tests fail, not skip, without it)."""

    def test_found_without_etc(self, krb5_env: MITRealm, ntlm_users: NtlmUsers,
                               empty_mech_config: str) -> None:
        assert GSSNTLMSSP is not None, "gss-ntlmssp is not installed"
        out = _child(krb5_env, ntlm_users, GSS_MECH_CONFIG=empty_mech_config,
                     SSPI_COMPAT_GSSNTLMSSP=None)
        assert out["how"] == "private-config" and out["library"] == GSSNTLMSSP
        assert out["packages"] == ["Negotiate", "Kerberos", "NTLM"]
        assert out["query"] == SEC_E_OK and out["ach"] == SEC_E_OK
        assert out["handshake"] == [SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_E_OK,
                                    SEC_E_OK]
        assert out["nego_ntlm_only"] == SEC_E_OK
        # The environment is as the process had it.
        assert out["GSS_MECH_CONFIG"] == empty_mech_config
        assert "WARNING" not in out["stderr"]

    def test_found_at_an_explicit_path(self, krb5_env: MITRealm, ntlm_users: NtlmUsers,
                                       empty_mech_config: str, tmp_path: Any) -> None:
        assert GSSNTLMSSP is not None
        private = str(tmp_path / "elsewhere" / "libgssntlmssp-copy.so")
        os.makedirs(os.path.dirname(private))
        shutil.copy(GSSNTLMSSP, private)
        out = _child(krb5_env, ntlm_users, GSS_MECH_CONFIG=empty_mech_config,
                     SSPI_COMPAT_GSSNTLMSSP=private)
        assert (out["how"], out["library"]) == ("private-config", private)
        assert out["handshake"][-1] == SEC_E_OK

    def test_not_found(self, krb5_env: MITRealm, ntlm_users: NtlmUsers,
                       empty_mech_config: str) -> None:
        out = _child(krb5_env, ntlm_users, GSS_MECH_CONFIG=empty_mech_config,
                     SSPI_COMPAT_GSSNTLMSSP="")
        assert out["how"] == "absent"
        assert out["packages"] == ["Negotiate", "Kerberos"]
        assert out["query"] == SEC_E_SECPKG_NOT_FOUND
        assert out["ach"] == SEC_E_SECPKG_NOT_FOUND
        assert out["nego_ntlm_only"] == SEC_E_SECPKG_NOT_FOUND
        assert out["nego_default"] == SEC_E_OK  # Kerberos alone
        assert "apt-get install gss-ntlmssp" in out["stderr"]
        assert "SSPI_COMPAT_GSSNTLMSSP" in out["stderr"]
        assert ntlm_users.alice not in out["stderr"]

    def test_library_that_does_not_load(self, krb5_env: MITRealm, ntlm_users: NtlmUsers,
                                        empty_mech_config: str, tmp_path: Any) -> None:
        fake = tmp_path / "gssntlmssp.so"
        fake.write_bytes(b"not a shared object")
        out = _child(krb5_env, ntlm_users, GSS_MECH_CONFIG=empty_mech_config,
                     SSPI_COMPAT_GSSNTLMSSP=str(fake))
        assert out["how"] == "absent" and out["query"] == SEC_E_SECPKG_NOT_FOUND
        assert "could not be loaded" in out["stderr"]

    def test_gss_mech_config_names_one_file_not_a_directory(self, tmp_path: Any) -> None:
        """MIT's GSS_MECH_CONFIG, as read from g_initialize.c: one file, replacing /etc."""
        assert GSSNTLMSSP is not None
        conf_dir = tmp_path / "mech.d"
        conf_dir.mkdir()
        (conf_dir / "ntlm.conf").write_text(
            f"gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 {GSSNTLMSSP}\n")
        probe = ("import gssapi.raw as gr; "
                 "print(gr.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10') in gr.indicate_mechs())")

        def listed(config: str) -> str:
            env = dict(os.environ, GSS_MECH_CONFIG=config)
            return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                                  text=True, timeout=30, check=True).stdout.strip()

        assert listed(str(conf_dir / "ntlm.conf")) == "True"
        assert listed(str(conf_dir)) == "False"  # a directory is not read
        assert listed(str(tmp_path / "missing")) == "False"  # nor /etc, once the variable is set
