"""QueryContextAttributes / QueryCredentialsAttributes: what the packages share.

Each supported ``SECPKG_ATTR_*`` fills the structure the caller passes, as
the C call fills the memory ``pBuffer`` points to.  A structure of the wrong
type is Python misuse (TypeError); an attribute the package does not support
answers ``SEC_E_UNSUPPORTED_FUNCTION``.

:data:`COMMON` holds the fillers whose answer is the same for every package
(names, lifespan, flags, package and negotiation info, session key);
:data:`QUERIES` adds ``SECPKG_ATTR_SIZES`` from ``pkg.sizes(ctx, out)`` (NTLM,
Negotiate).  The Kerberos package passes its own table to :func:`query`
(:mod:`.kerberos_attrs`: sizes from the enctype, KEY_INFO, AUTHORITY, ...).
For Negotiate, ``pkg.negotiated(ctx)`` names the package that was negotiated,
which PACKAGE_INFO and NEGOTIATION_INFO report.
"""

from __future__ import annotations

from typing import Any, Callable, Final, Mapping, Tuple, Type

from .. import _status as s
from .. import gss
from .._constants import (
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_NATIVE_NAMES,
    SECPKG_ATTR_NEGOTIATION_INFO,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_NEGOTIATION_COMPLETE,
    SECPKG_NEGOTIATION_IN_PROGRESS,
)
from .._misuse import MisuseError
from .._status import SECURITY_STATUS
from .._types import (
    SecPkgContext_Flags,
    SecPkgContext_Lifespan,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    SecPkgCredentials_Names,
)
from ..mapping.status import gss_to_status

__all__ = ["COMMON", "QUERIES", "Queries", "query", "query_credentials"]

#: attribute -> (the structure it fills, filler(pkg, ctx, structure) -> status)
Queries = Mapping[int, Tuple[Type[Any], Callable[..., SECURITY_STATUS]]]


def _sizes(pkg: Any, ctx: Any, out: SecPkgContext_Sizes) -> SECURITY_STATUS:
    return pkg.sizes(ctx, out)  # type: ignore[no-any-return]


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


def _chosen(pkg: Any, ctx: Any) -> Any:
    """The package whose SecPkgInfo the context reports: Negotiate's choice, else ``pkg``."""
    negotiated = getattr(pkg, "negotiated", None)
    chosen = negotiated(ctx) if negotiated is not None else None
    return chosen or pkg


def _package_info(pkg: Any, ctx: Any, out: SecPkgContext_PackageInfo) -> SECURITY_STATUS:
    out.PackageInfo = _chosen(pkg, ctx).info()
    return s.SEC_E_OK


def _negotiation_info(pkg: Any, ctx: Any, out: SecPkgContext_NegotiationInfo,
                      ) -> SECURITY_STATUS:
    out.PackageInfo = _chosen(pkg, ctx).info()
    out.NegotiationState = (SECPKG_NEGOTIATION_COMPLETE if ctx.complete
                            else SECPKG_NEGOTIATION_IN_PROGRESS)
    return s.SEC_E_OK


def _session_key(pkg: Any, ctx: Any, out: SecPkgContext_SessionKey) -> SECURITY_STATUS:
    gss_ctx = getattr(ctx, "gss", None)
    if not ctx.complete or gss_ctx is None:
        return s.SEC_E_INVALID_HANDLE
    try:
        key, _ = gss.session_key(gss_ctx)
    except gss.GssFailure as failure:
        return gss_to_status(failure.major, failure.minor, False)
    out.SessionKey = key
    out.SessionKeyLength = len(key)
    return s.SEC_E_OK


COMMON: Final[Queries] = {
    SECPKG_ATTR_NAMES: (SecPkgContext_Names, _names),
    SECPKG_ATTR_NATIVE_NAMES: (SecPkgContext_NativeNames, _native_names),
    SECPKG_ATTR_LIFESPAN: (SecPkgContext_Lifespan, _lifespan),
    SECPKG_ATTR_FLAGS: (SecPkgContext_Flags, _flags),
    SECPKG_ATTR_PACKAGE_INFO: (SecPkgContext_PackageInfo, _package_info),
    SECPKG_ATTR_NEGOTIATION_INFO: (SecPkgContext_NegotiationInfo, _negotiation_info),
    SECPKG_ATTR_SESSION_KEY: (SecPkgContext_SessionKey, _session_key),
}

QUERIES: Final[Queries] = {SECPKG_ATTR_SIZES: (SecPkgContext_Sizes, _sizes), **COMMON}


def query(pkg: Any, ctx: Any, attribute: int, buffer: Any, table: Queries = QUERIES,
          ) -> SECURITY_STATUS:
    """QueryContextAttributes for ``attribute`` from ``table``."""
    entry = table.get(attribute)
    if entry is None:
        return s.SEC_E_UNSUPPORTED_FUNCTION
    cls, fill = entry
    if not isinstance(buffer, cls):
        raise MisuseError(f"attribute {attribute} fills a {cls.__name__}, "
                          f"not {type(buffer).__name__}")
    return fill(pkg, ctx, buffer)


def query_credentials(pkg: Any, cred: Any, attribute: int, buffer: Any) -> SECURITY_STATUS:
    """QueryCredentialsAttributes: SECPKG_CRED_ATTR_NAMES from ``pkg.credential_name(cred)``."""
    if attribute != SECPKG_CRED_ATTR_NAMES:
        return s.SEC_E_UNSUPPORTED_FUNCTION
    if not isinstance(buffer, SecPkgCredentials_Names):
        raise MisuseError("SECPKG_CRED_ATTR_NAMES fills a SecPkgCredentials_Names")
    try:
        buffer.sUserName = pkg.credential_name(cred)
    except gss.GssFailure as failure:
        return gss_to_status(failure.major, failure.minor, failure.krb5)
    return s.SEC_E_OK
