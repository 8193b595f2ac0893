"""QueryContextAttributes for the Kerberos package: the facts that depend on
the session key's enctype.

``SECPKG_ATTR_SIZES`` and ``SECPKG_ATTR_STREAM_SIZES`` follow what
EncryptMessage and MakeSignature write for the context's enctype (and DCE
style); ``SECPKG_ATTR_KEY_INFO`` names the enctype and its checksum;
``SECPKG_ATTR_AUTHORITY`` is the realm.  The attributes every package
answers alike (names, lifespan, flags, package and negotiation info, session
key) and QueryCredentialsAttributes are :mod:`._context_attrs`'.
"""

from __future__ import annotations

from typing import Any, Final

from .. import _status as s
from .._constants import (
    SECPKG_ATTR_AUTHORITY,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_ATTR_SIZES,
    SECPKG_ATTR_STREAM_SIZES,
)
from .._status import SECURITY_STATUS
from .._types import (
    SecPkgContext_Authority,
    SecPkgContext_KeyInfo,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
)
from ..mapping.enctypes import enctype_info
from ..mapping.flags import GSS_C_DCE_STYLE
from . import _context_attrs

__all__ = ["QUERIES", "query"]


def _sizes(pkg: Any, ctx: Any, out: SecPkgContext_Sizes) -> SECURITY_STATUS:
    info = enctype_info(ctx.enctype)
    dce = bool(ctx.gss_flags & GSS_C_DCE_STYLE)
    out.cbMaxToken = pkg.max_token
    out.cbMaxSignature = info.mic_size
    out.cbBlockSize = 1
    out.cbSecurityTrailer = info.dce_header if dce else info.wrap_header
    return s.SEC_E_OK


def _stream_sizes(pkg: Any, ctx: Any, out: SecPkgContext_StreamSizes) -> SECURITY_STATUS:
    info = enctype_info(ctx.enctype)
    dce = bool(ctx.gss_flags & GSS_C_DCE_STYLE)
    # Never smaller than what EncryptMessage writes (kerberos_messages): the
    # TOKEN header, and the PADDING byte RC4 needs outside DCE style.
    out.cbHeader = info.dce_header if dce else info.wrap_header
    out.cbTrailer = 0 if dce else info.wrap_padding
    out.cbMaximumMessage = pkg.max_token
    out.cBuffers = 4
    out.cbBlockSize = 1
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


QUERIES: Final[_context_attrs.Queries] = {
    **_context_attrs.COMMON,
    SECPKG_ATTR_SIZES: (SecPkgContext_Sizes, _sizes),
    SECPKG_ATTR_STREAM_SIZES: (SecPkgContext_StreamSizes, _stream_sizes),
    SECPKG_ATTR_KEY_INFO: (SecPkgContext_KeyInfo, _key_info),
    SECPKG_ATTR_AUTHORITY: (SecPkgContext_Authority, _authority),
}


def query(pkg: Any, ctx: Any, attribute: int, buffer: Any) -> SECURITY_STATUS:
    """QueryContextAttributes (Kerberos)."""
    return _context_attrs.query(pkg, ctx, attribute, buffer, QUERIES)
