"""QueryContextAttributes / QueryCredentialsAttributes for the Kerberos package.

Each supported ``SECPKG_ATTR_*`` fills the structure the caller passes, as
the C call fills the memory ``pBuffer`` points to.  A structure of the wrong
type for the attribute is Python misuse (TypeError); an attribute the
package does not support answers ``SEC_E_UNSUPPORTED_FUNCTION``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple, Type

from .. import _status as s
from .. import gss
from .._constants import (
    SECPKG_ATTR_AUTHORITY,
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_NATIVE_NAMES,
    SECPKG_ATTR_NEGOTIATION_INFO,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    SECPKG_ATTR_STREAM_SIZES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_NEGOTIATION_COMPLETE,
    SECPKG_NEGOTIATION_IN_PROGRESS,
)
from .._misuse import MisuseError
from .._status import SECURITY_STATUS
from .._types import (
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
    SecPkgContext_StreamSizes,
    SecPkgCredentials_Names,
)
from ..mapping.enctypes import enctype_info
from ..mapping.status import gss_to_status

__all__ = ["query", "query_credentials"]


def _sizes(pkg: Any, ctx: Any, out: SecPkgContext_Sizes) -> SECURITY_STATUS:
    info = enctype_info(ctx.enctype)
    dce = bool(ctx.gss_flags & 0x1000)
    out.cbMaxToken = pkg.max_token
    out.cbMaxSignature = info.mic_size
    out.cbBlockSize = 1
    out.cbSecurityTrailer = info.dce_header if dce else info.wrap_header
    return s.SEC_E_OK


def _stream_sizes(pkg: Any, ctx: Any, out: SecPkgContext_StreamSizes) -> SECURITY_STATUS:
    info = enctype_info(ctx.enctype)
    dce = bool(ctx.gss_flags & 0x1000)
    # Never smaller than what EncryptMessage writes (kerberos_messages): the
    # TOKEN header, and the PADDING byte RC4 needs outside DCE style.
    out.cbHeader = info.dce_header if dce else info.wrap_header
    out.cbTrailer = 0 if dce else info.wrap_padding
    out.cbMaximumMessage = pkg.max_token
    out.cBuffers = 4
    out.cbBlockSize = 1
    return s.SEC_E_OK


def _names(pkg: Any, ctx: Any, out: SecPkgContext_Names) -> SECURITY_STATUS:
    if not ctx.complete:
        return s.SEC_E_INVALID_HANDLE
    out.sUserName = ctx.client_name
    return s.SEC_E_OK


def _native_names(pkg: Any, ctx: Any, out: SecPkgContext_NativeNames) -> SECURITY_STATUS:
    if not ctx.complete:
        return s.SEC_E_INVALID_HANDLE
    out.sClientName = ctx.client_name
    out.sServerName = ctx.server_name
    return s.SEC_E_OK


def _lifespan(pkg: Any, ctx: Any, out: SecPkgContext_Lifespan) -> SECURITY_STATUS:
    out.tsStart.set_local_from_epoch(ctx.started)
    out.tsExpiry.set_local_from_epoch(ctx.expiry)
    return s.SEC_E_OK


def _flags(pkg: Any, ctx: Any, out: SecPkgContext_Flags) -> SECURITY_STATUS:
    out.Flags = ctx.attrs
    return s.SEC_E_OK


def _package_info(pkg: Any, ctx: Any, out: SecPkgContext_PackageInfo) -> SECURITY_STATUS:
    out.PackageInfo = pkg.info()
    return s.SEC_E_OK


def _negotiation_info(pkg: Any, ctx: Any, out: SecPkgContext_NegotiationInfo,
                      ) -> SECURITY_STATUS:
    out.PackageInfo = pkg.info()
    out.NegotiationState = (SECPKG_NEGOTIATION_COMPLETE if ctx.complete
                            else SECPKG_NEGOTIATION_IN_PROGRESS)
    return s.SEC_E_OK


def _session_key(pkg: Any, ctx: Any, out: SecPkgContext_SessionKey) -> SECURITY_STATUS:
    if not ctx.complete or ctx.gss is None:
        return s.SEC_E_INVALID_HANDLE
    try:
        key, _ = gss.session_key(ctx.gss)
    except gss.GssFailure as failure:
        return gss_to_status(failure.major, failure.minor, False)
    out.SessionKey = key
    out.SessionKeyLength = len(key)
    return s.SEC_E_OK


def _key_info(pkg: Any, ctx: Any, out: SecPkgContext_KeyInfo) -> SECURITY_STATUS:
    if not ctx.complete:
        return s.SEC_E_INVALID_HANDLE
    info = enctype_info(ctx.enctype)
    out.sEncryptAlgorithmName = info.name
    out.sSignatureAlgorithmName = info.checksum_name
    out.KeySize = info.key_bits
    out.EncryptAlgorithm = info.number
    out.SignatureAlgorithm = info.checksum_type
    return s.SEC_E_OK


def _authority(pkg: Any, ctx: Any, out: SecPkgContext_Authority) -> SECURITY_STATUS:
    if not ctx.complete:
        return s.SEC_E_INVALID_HANDLE
    name = ctx.server_name if ctx.initiator else ctx.client_name
    out.sAuthorityName = name.rpartition("@")[2] if name and "@" in name else None
    return s.SEC_E_OK


_QUERIES: Dict[int, Tuple[Type[Any], Callable[..., SECURITY_STATUS]]] = {
    SECPKG_ATTR_SIZES: (SecPkgContext_Sizes, _sizes),
    SECPKG_ATTR_STREAM_SIZES: (SecPkgContext_StreamSizes, _stream_sizes),
    SECPKG_ATTR_NAMES: (SecPkgContext_Names, _names),
    SECPKG_ATTR_NATIVE_NAMES: (SecPkgContext_NativeNames, _native_names),
    SECPKG_ATTR_LIFESPAN: (SecPkgContext_Lifespan, _lifespan),
    SECPKG_ATTR_FLAGS: (SecPkgContext_Flags, _flags),
    SECPKG_ATTR_PACKAGE_INFO: (SecPkgContext_PackageInfo, _package_info),
    SECPKG_ATTR_NEGOTIATION_INFO: (SecPkgContext_NegotiationInfo, _negotiation_info),
    SECPKG_ATTR_SESSION_KEY: (SecPkgContext_SessionKey, _session_key),
    SECPKG_ATTR_KEY_INFO: (SecPkgContext_KeyInfo, _key_info),
    SECPKG_ATTR_AUTHORITY: (SecPkgContext_Authority, _authority),
}

SUPPORTED_CONTEXT_ATTRIBUTES = tuple(_QUERIES)


def structure_for(attribute: int) -> Any:
    """The structure class QueryContextAttributes expects for ``attribute`` (or None)."""
    entry = _QUERIES.get(attribute)
    return entry[0] if entry else None


def query(pkg: Any, ctx: Any, attribute: int, buffer: Any) -> SECURITY_STATUS:
    entry = _QUERIES.get(attribute)
    if entry is None:
        return s.SEC_E_UNSUPPORTED_FUNCTION
    cls, fill = entry
    if not isinstance(buffer, cls):
        raise MisuseError(f"attribute {attribute} fills a {cls.__name__}, "
                        f"not {type(buffer).__name__}")
    return fill(pkg, ctx, buffer)


def query_credentials(pkg: Any, cred: Any, attribute: int, buffer: Any) -> SECURITY_STATUS:
    if attribute != SECPKG_CRED_ATTR_NAMES:
        return s.SEC_E_UNSUPPORTED_FUNCTION
    if not isinstance(buffer, SecPkgCredentials_Names):
        raise MisuseError("SECPKG_CRED_ATTR_NAMES fills a SecPkgCredentials_Names")
    try:
        buffer.sUserName = pkg.credential_name(cred)
    except gss.GssFailure as failure:
        return gss_to_status(failure.major, failure.minor, True)
    return s.SEC_E_OK


