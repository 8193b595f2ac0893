"""SSPI entry points on established contexts: impersonation, context tokens,
and moving a context to another process.

Same conventions as :mod:`._api` (whose argument checks and error wrapper
these functions share): C argument order, a SECURITY_STATUS returned, never
raised; Python misuse raises :class:`MisuseError`.  See docs/delegation.md
and docs/export.md for the behaviour and the differences from Windows.
"""

from __future__ import annotations

from typing import Any, Optional

from . import _handles as h
from . import _memory
from . import _status as s
from ._api import _entry, _need, _text, _ulong
from ._constants import (
    SECPKG_CONTEXT_EXPORT_DELETE_OLD,
    SECPKG_CONTEXT_EXPORT_RESET_NEW,
    SECPKG_CONTEXT_EXPORT_TO_KERNEL,
)
from ._handles import CtxtHandle
from ._status import SECURITY_STATUS
from ._types import HANDLE, SecBuffer
from .mapping import buffers as bufmap
from .packages import find_package, impersonation, transfer

__all__ = [
    "ExportSecurityContext",
    "ImpersonateSecurityContext",
    "ImportSecurityContext",
    "QuerySecurityContextToken",
    "RevertSecurityContext",
]

_KNOWN_EXPORT_FLAGS = (SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_DELETE_OLD
                       | SECPKG_CONTEXT_EXPORT_TO_KERNEL)


# --- impersonation ------------------------------------------------------------


@_entry
def ImpersonateSecurityContext(phContext: CtxtHandle) -> SECURITY_STATUS:
    """ImpersonateSecurityContext: the calling thread acts as the client.

    ``phContext`` must be a complete server-side context (from
    AcceptSecurityContext); anything else that is a live handle answers
    ``SEC_E_NO_IMPERSONATION``.  Until RevertSecurityContext, on this thread:

    * ``AcquireCredentialsHandle(None, "Kerberos" or "Negotiate",
      SECPKG_CRED_OUTBOUND, None, None, ...)`` yields the client's delegated
      credential, so the server can authenticate onward as the client;
    * ``sspi_compat.GetUserName()`` / ``GetUserNameEx()`` answer with the
      client's name.

    Without a delegated credential (or for an identify-level context) the
    identity is still there but default outbound credentials are not:
    AcquireCredentialsHandle answers ``SEC_E_NO_CREDENTIALS``.

    Differences: there is no access token, so nothing else about the thread
    changes (file access, the Unix uid); explicit credentials
    (``SEC_WINNT_AUTH_IDENTITY``) and inbound credentials (the keytab) are
    unaffected; Windows would fail only at InitializeSecurityContext, here
    AcquireCredentialsHandle already says ``SEC_E_NO_CREDENTIALS``.
    """
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None:
        return s.SEC_E_INVALID_HANDLE
    return impersonation.begin(ctx)


@_entry
def RevertSecurityContext(phContext: CtxtHandle) -> SECURITY_STATUS:
    """RevertSecurityContext: the calling thread acts for itself again.

    As Windows' implementation (RevertToSelf on the thread), any live
    context handle reverts the thread, whichever context it impersonates;
    reverting a thread that does not impersonate is not an error.
    """
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None:
        return s.SEC_E_INVALID_HANDLE
    impersonation.end()
    return s.SEC_E_OK


@_entry
def QuerySecurityContextToken(phContext: CtxtHandle, Token: Optional[HANDLE],
                              ) -> SECURITY_STATUS:
    """QuerySecurityContextToken: ``SEC_E_UNSUPPORTED_FUNCTION`` on Linux.

    Windows returns the client's access token for use with the token APIs
    (ImpersonateLoggedOnUser, GetTokenInformation, AccessCheck).  Linux has
    no access tokens and this package no token APIs, so a stand-in object
    would only move the failure to a less clear place.  Use
    ImpersonateSecurityContext (identity and delegated credential) or
    QueryContextAttributes(SECPKG_ATTR_NAMES) (the client's name) instead.
    ``Token`` is left untouched; an invalid handle still answers
    ``SEC_E_INVALID_HANDLE``.
    """
    _need(Token, HANDLE, "Token", optional=True)
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None:
        return s.SEC_E_INVALID_HANDLE
    return s.SEC_E_UNSUPPORTED_FUNCTION


# --- export / import ----------------------------------------------------------


@_entry
def ExportSecurityContext(phContext: CtxtHandle, fFlags: int, pPackedContext: SecBuffer,
                          pToken: Optional[HANDLE]) -> SECURITY_STATUS:
    """ExportSecurityContext: serialise a complete context for another process.

    ``pPackedContext`` is a ``SecBuffer`` (SECBUFFER_EMPTY in C) whose
    ``pvBuffer``/``cbBuffer`` receive memory the package allocates; free it
    with ``FreeContextBuffer(pPackedContext.pvBuffer)``.  ``pToken``
    (optional) is a :class:`HANDLE` out-holder; its ``value`` is set to None:
    there is no access token on Linux -- the client's identity and delegated
    credential travel inside the packed context instead.

    ``fFlags``: ``SECPKG_CONTEXT_EXPORT_DELETE_OLD`` deletes the exported
    context (its handle is invalid afterwards); without it the context stays
    usable here too.  ``SECPKG_CONTEXT_EXPORT_RESET_NEW`` and
    ``SECPKG_CONTEXT_EXPORT_TO_KERNEL`` answer ``SEC_E_UNSUPPORTED_FUNCTION``
    (GSS cannot reset a context's sequence state; there is no kernel mode);
    unknown bits ``SEC_E_INVALID_PARAMETER``.  Nothing is changed on failure.

    Differences: only complete contexts (``SEC_E_UNSUPPORTED_FUNCTION``
    otherwise); the packed context is this package's own format (GSS's
    export inside an envelope, see docs/export.md), importable only by
    sspi_compat with the same GSS library.
    """
    flags = _ulong(fFlags, "fFlags")
    _need(pPackedContext, SecBuffer, "pPackedContext")
    _need(pToken, HANDLE, "pToken", optional=True)
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None:
        return s.SEC_E_INVALID_HANDLE
    if flags & ~_KNOWN_EXPORT_FLAGS:
        return s.SEC_E_INVALID_PARAMETER
    if flags & (SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_TO_KERNEL):
        return s.SEC_E_UNSUPPORTED_FUNCTION
    delete_old = bool(flags & SECPKG_CONTEXT_EXPORT_DELETE_OLD)
    status, blob = transfer.export_context(ctx, delete_old)
    if status != s.SEC_E_OK or blob is None:
        return status
    mem = _memory.track(bytearray(blob))
    pPackedContext.pvBuffer = mem
    pPackedContext.cbBuffer = len(mem)
    if pToken is not None:
        pToken.value = None
    if delete_old:
        h.unregister(phContext, h.CTXT_TAG)
        ctx.package.delete_context(ctx)
    return s.SEC_E_OK


@_entry
def ImportSecurityContext(pszPackage: Any, pPackedContext: SecBuffer, Token: Any,
                          phContext: CtxtHandle) -> SECURITY_STATUS:
    """ImportSecurityContext: a new context handle from ExportSecurityContext's output.

    ``pszPackage`` names the package (any case) the context was exported
    from; a packed context of another package, or bytes that are not a
    packed context, answer ``SEC_E_INVALID_TOKEN``; an unknown package
    ``SEC_E_SECPKG_NOT_FOUND``.  ``Token`` is ignored (ExportSecurityContext
    hands out no token on Linux).  The new context protects messages like
    the exported one, with the same sequence state; on the server side it
    also carries the client's delegated credential, so
    ImpersonateSecurityContext works in the importing process too.  Delete it
    with DeleteSecurityContext.

    Differences: the imported context cannot be re-authenticated
    (InitializeSecurityContext on it answers ``SEC_E_NO_CREDENTIALS``): it
    has no credential handle behind it.
    """
    package = _text(pszPackage, "pszPackage")
    _need(pPackedContext, SecBuffer, "pPackedContext")
    _need(phContext, CtxtHandle, "phContext")
    pkg = find_package(package or "")
    if pkg is None:
        return s.SEC_E_SECPKG_NOT_FOUND
    try:
        blob = bufmap.read(pPackedContext)
    except bufmap.BadBufferError:
        return s.SEC_E_INVALID_TOKEN
    status, ctx = transfer.import_context(pkg, blob)
    if status != s.SEC_E_OK or ctx is None:
        return status
    h.register(phContext, h.CTXT_TAG, ctx)
    return s.SEC_E_OK
