"""QueryContextAttributes (Kerberos) on real contexts: SIZES, NAMES,
NATIVE_NAMES, LIFESPAN, FLAGS, PACKAGE_INFO, NEGOTIATION_INFO, SESSION_KEY,
KEY_INFO, AUTHORITY; anything else SEC_E_UNSUPPORTED_FUNCTION.

Expected values come from the realm (principal names, the session key's
enctype per ``klist -e``) and from the enctype's RFC sizes, not from the
package.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Tuple

import pytest
from kerberos_helpers import (
    HTTP,
    Creds,
    ccache_path,
    complete,
    handshake,
    isc,
    klist_entries,
    must_acquire,
)

from sspi_compat import (
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    ISC_REQ_USE_DCE_STYLE,
    SEC_E_INVALID_HANDLE,
    SEC_E_OK,
    SEC_E_UNSUPPORTED_FUNCTION,
    SECPKG_ATTR_ACCESS_TOKEN,
    SECPKG_ATTR_AUTHORITY,
    SECPKG_ATTR_DCE_INFO,
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_NATIVE_NAMES,
    SECPKG_ATTR_NEGOTIATION_INFO,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_PASSWORD_EXPIRY,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    SECPKG_ATTR_TARGET_INFORMATION,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_NEGOTIATION_COMPLETE,
    SECPKG_NEGOTIATION_IN_PROGRESS,
    CredHandle,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    MisuseError,
    QueryContextAttributes,
    SecPkgContext_Authority,
    SecPkgContext_Flags,
    SecPkgContext_KeyInfo,
    SecPkgContext_Lifespan,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
)

pytestmark = pytest.mark.kdc
REQ = (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
       | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT)
SERVICE = "HTTP/server.sspi.test@SSPI.TEST"

# enctype name (klist -e) -> (number, SSPI name, key bits, checksum type, MIC size,
#                              EncryptMessage header)  [RFC 3962 / RFC 8009, RFC 4121]
ENCTYPES = {
    "aes256-cts-hmac-sha1-96": (18, "AES256-CTS-HMAC-SHA1-96", 256, 16, 28, 60),
    "aes128-cts-hmac-sha1-96": (17, "AES128-CTS-HMAC-SHA1-96", 128, 15, 28, 60),
    "aes128-cts-hmac-sha256-128": (19, "AES128-CTS-HMAC-SHA256-128", 128, 19, 32, 64),
    "aes256-cts-hmac-sha384-192": (20, "AES256-CTS-HMAC-SHA384-192", 256, 20, 40, 72),
}


@pytest.fixture
def pair(creds: Creds) -> Iterator[Tuple[CtxtHandle, CtxtHandle]]:
    hs = complete(handshake(creds.client, creds.server, HTTP, isc_req=REQ))
    yield hs.client, hs.server
    hs.delete()


def query(ctx: CtxtHandle, attribute: int, struct: Any) -> Any:
    assert QueryContextAttributes(ctx, attribute, struct) == SEC_E_OK
    return struct


def both(pair: Tuple[CtxtHandle, CtxtHandle], attribute: int, cls: Any) -> Tuple[Any, Any]:
    return query(pair[0], attribute, cls()), query(pair[1], attribute, cls())


def session_enctype(realm: Any) -> str:
    entry = klist_entries(realm, ccache_path())[SERVICE]
    return str(entry["skey"])


def test_sizes(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    _, _, _, _, mic, header = ENCTYPES[session_enctype(krb5_env)]
    for sizes in both(pair, SECPKG_ATTR_SIZES, SecPkgContext_Sizes):
        assert sizes.cbMaxToken == 48000
        assert sizes.cbMaxSignature == mic
        assert sizes.cbBlockSize == 1
        assert sizes.cbSecurityTrailer == header


def test_names(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    client, server = both(pair, SECPKG_ATTR_NAMES, SecPkgContext_Names)
    assert client.sUserName == server.sUserName == krb5_env.user


def test_native_names(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    for names in both(pair, SECPKG_ATTR_NATIVE_NAMES, SecPkgContext_NativeNames):
        assert names.sClientName == krb5_env.user
        assert names.sServerName == SERVICE


def test_lifespan(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    ticket = klist_entries(krb5_env, ccache_path())[SERVICE]
    client, server = both(pair, SECPKG_ATTR_LIFESPAN, SecPkgContext_Lifespan)
    now = time.time()
    for life in (client, server):
        start = life.tsStart.to_datetime().timestamp()
        assert now - 10 < start <= now + 1  # local time, read back as local
    assert abs((client.tsExpiry.to_datetime() - ticket["end"]).total_seconds()) <= 1.5
    # the acceptor's end includes MIT's clock-skew allowance (docs/kerberos.md)
    assert abs((server.tsExpiry.to_datetime() - ticket["end"]).total_seconds() - 300) <= 1.5


def test_flags_are_pfcontextattr(creds: Creds) -> None:
    client, server = creds
    hs = complete(handshake(client, server, HTTP, isc_req=REQ))
    c, s = both((hs.client, hs.server), SECPKG_ATTR_FLAGS, SecPkgContext_Flags)
    assert c.Flags == hs.client_attrs and s.Flags == hs.server_attrs
    hs.delete()


def test_package_info(pair: Tuple[CtxtHandle, CtxtHandle]) -> None:
    for info in both(pair, SECPKG_ATTR_PACKAGE_INFO, SecPkgContext_PackageInfo):
        assert info.PackageInfo.Name == "Kerberos"
        assert info.PackageInfo.cbMaxToken == 48000
        assert info.PackageInfo.wRPCID == 16


def test_negotiation_info_complete_and_in_progress(krb5_env: Any) -> None:
    client = must_acquire(SECPKG_CRED_OUTBOUND)
    ctx = CtxtHandle()
    isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)  # CONTINUE_NEEDED: still negotiating
    info = query(ctx, SECPKG_ATTR_NEGOTIATION_INFO, SecPkgContext_NegotiationInfo())
    assert info.NegotiationState == SECPKG_NEGOTIATION_IN_PROGRESS
    assert info.PackageInfo.Name == "Kerberos"
    DeleteSecurityContext(ctx)
    FreeCredentialsHandle(client)


def test_negotiation_info_complete(pair: Tuple[CtxtHandle, CtxtHandle]) -> None:
    for info in both(pair, SECPKG_ATTR_NEGOTIATION_INFO, SecPkgContext_NegotiationInfo):
        assert info.NegotiationState == SECPKG_NEGOTIATION_COMPLETE
        assert info.PackageInfo.Name == "Kerberos"


def test_session_key_is_the_same_on_both_sides(pair: Tuple[CtxtHandle, CtxtHandle],
                                               krb5_env: Any) -> None:
    _, _, bits, _, _, _ = ENCTYPES[session_enctype(krb5_env)]
    client, server = both(pair, SECPKG_ATTR_SESSION_KEY, SecPkgContext_SessionKey)
    assert client.SessionKey == server.SessionKey
    assert client.SessionKeyLength == len(client.SessionKey) == bits // 8
    assert client.SessionKey != bytes(len(client.SessionKey))
    assert client.SessionKey.hex() not in repr(client)


def test_session_key_differs_between_contexts(creds: Creds) -> None:
    client, server = creds
    keys = []
    for _ in range(2):
        hs = complete(handshake(client, server, HTTP, isc_req=REQ))
        keys.append(query(hs.client, SECPKG_ATTR_SESSION_KEY,
                          SecPkgContext_SessionKey()).SessionKey)
        hs.delete()
    assert keys[0] != keys[1]  # MIT negotiates an acceptor subkey per context


def test_key_info(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    number, name, bits, cksum, _, _ = ENCTYPES[session_enctype(krb5_env)]
    for info in both(pair, SECPKG_ATTR_KEY_INFO, SecPkgContext_KeyInfo):
        assert info.EncryptAlgorithm == number
        assert info.sEncryptAlgorithmName == name
        assert info.KeySize == bits
        assert info.SignatureAlgorithm == cksum
        assert info.sSignatureAlgorithmName


def test_authority(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    for info in both(pair, SECPKG_ATTR_AUTHORITY, SecPkgContext_Authority):
        assert info.sAuthorityName == krb5_env.realm


@pytest.mark.parametrize("enctype", ["aes128-cts-hmac-sha256-128", "aes128-cts-hmac-sha1-96"])
def test_sizes_and_key_info_follow_the_real_key(krb5_realm_factory: Any,
                                                enctype: str) -> None:
    """A realm with one enctype only: SIZES and KEY_INFO must follow it."""
    number, name, bits, cksum, mic, header = ENCTYPES[enctype]
    realm = krb5_realm_factory(kdc="mit", realm="ONE.TEST", enctypes=(enctype,))
    with realm.activate():
        client = must_acquire(SECPKG_CRED_OUTBOUND)
        server = must_acquire(SECPKG_CRED_INBOUND)
        hs = complete(handshake(client, server, "HTTP/server.one.test", isc_req=REQ))
        assert session_enctype_of(realm) == enctype
        for ctx in (hs.client, hs.server):
            key = query(ctx, SECPKG_ATTR_KEY_INFO, SecPkgContext_KeyInfo())
            assert (key.EncryptAlgorithm, key.sEncryptAlgorithmName, key.KeySize,
                    key.SignatureAlgorithm) == (number, name, bits, cksum)
            sizes = query(ctx, SECPKG_ATTR_SIZES, SecPkgContext_Sizes())
            assert (sizes.cbMaxSignature, sizes.cbSecurityTrailer) == (mic, header)
            assert len(query(ctx, SECPKG_ATTR_SESSION_KEY,
                             SecPkgContext_SessionKey()).SessionKey) == bits // 8
        hs.delete()


def session_enctype_of(realm: Any) -> str:
    return str(klist_entries(realm, realm.env["KRB5CCNAME"][5:])[
        f"HTTP/server.{realm.domain}@{realm.realm}"]["skey"])


def test_dce_style_sizes(krb5_env: Any, creds: Creds) -> None:
    client, server = creds
    hs = complete(handshake(client, server, HTTP, isc_req=ISC_REQ_USE_DCE_STYLE))
    header = ENCTYPES[session_enctype(krb5_env)][5]
    for ctx in (hs.client, hs.server):
        assert query(ctx, SECPKG_ATTR_SIZES, SecPkgContext_Sizes()).cbSecurityTrailer == (
            header + 16)
    hs.delete()


# --- what is not supported, and misuse --------------------------------------------------

@pytest.mark.parametrize("attribute", [SECPKG_ATTR_DCE_INFO, SECPKG_ATTR_PASSWORD_EXPIRY,
                                       SECPKG_ATTR_TARGET_INFORMATION,
                                       SECPKG_ATTR_ACCESS_TOKEN, 0x5A, 9999, 0x7FFFFFFF],
                         ids=["DCE_INFO", "PASSWORD_EXPIRY", "TARGET_INFORMATION",
                              "ACCESS_TOKEN", "schannel-CONNECTION_INFO", "9999", "max"])
def test_unsupported_attributes(pair: Tuple[CtxtHandle, CtxtHandle], attribute: int) -> None:
    marker = object()
    for ctx in pair:
        assert QueryContextAttributes(ctx, attribute, marker) == SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.parametrize(("attribute", "wrong"), [
    (SECPKG_ATTR_SIZES, SecPkgContext_Names), (SECPKG_ATTR_NAMES, SecPkgContext_Sizes),
    (SECPKG_ATTR_SESSION_KEY, SecPkgContext_KeyInfo), (SECPKG_ATTR_LIFESPAN, dict)])
def test_wrong_structure_is_misuse(pair: Tuple[CtxtHandle, CtxtHandle], attribute: int,
                                   wrong: Any) -> None:
    with pytest.raises(MisuseError):
        QueryContextAttributes(pair[0], attribute, wrong())


def test_before_completion(krb5_env: Any) -> None:
    """Attributes that need the finished exchange answer an error status, not
    garbage; the others already work (R10: non-security attributes early)."""
    client = must_acquire(SECPKG_CRED_OUTBOUND)
    ctx = CtxtHandle()
    isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    for attribute, cls in ((SECPKG_ATTR_NAMES, SecPkgContext_Names),
                           (SECPKG_ATTR_SESSION_KEY, SecPkgContext_SessionKey),
                           (SECPKG_ATTR_KEY_INFO, SecPkgContext_KeyInfo),
                           (SECPKG_ATTR_AUTHORITY, SecPkgContext_Authority)):
        struct = cls()
        assert QueryContextAttributes(ctx, attribute, struct) == SEC_E_INVALID_HANDLE
        assert struct == cls()  # untouched
    sizes = query(ctx, SECPKG_ATTR_SIZES, SecPkgContext_Sizes())
    assert sizes.cbMaxToken == 48000
    # before the key is known, sizes no enctype exceeds (DESIGN §3: never too small)
    assert sizes.cbSecurityTrailer >= max(e[5] for e in ENCTYPES.values())
    DeleteSecurityContext(ctx)


def test_deleted_or_foreign_handles(pair: Tuple[CtxtHandle, CtxtHandle], krb5_env: Any) -> None:
    cred = must_acquire(SECPKG_CRED_OUTBOUND)
    for handle in (CtxtHandle(), CtxtHandle(cred.dwLower, cred.dwUpper), cred):
        assert QueryContextAttributes(handle, SECPKG_ATTR_SIZES, SecPkgContext_Sizes()) == (
            SEC_E_INVALID_HANDLE)
    gone = CtxtHandle(pair[0].dwLower, pair[0].dwUpper)
    DeleteSecurityContext(pair[0])
    assert QueryContextAttributes(gone, SECPKG_ATTR_SIZES, SecPkgContext_Sizes()) == (
        SEC_E_INVALID_HANDLE)
    assert isinstance(cred, CredHandle)
