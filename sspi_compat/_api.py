"""The SSPI entry points, one function each, in C argument order.

Each function checks its C-level arguments, resolves handles, and hands the
work to the package that owns the credential or context.  It returns a
SECURITY_STATUS and never raises for an SSPI failure: Python misuse (wrong
argument types) raises :class:`MisuseError` (a TypeError); anything else
unexpected is logged and returned as ``SEC_E_INTERNAL_ERROR`` (and is a bug).
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Optional, Tuple, TypeVar

from . import _handles as h
from . import _memory
from . import _status as s
from ._constants import (
    SECPKG_CRED_BOTH,
    SECURITY_NATIVE_DREP,
    SECURITY_NETWORK_DREP,
)
from ._handles import CredHandle, CtxtHandle
from ._misuse import MisuseError
from ._status import SECURITY_STATUS
from ._types import ULONG, PSecPkgInfo, SecBuffer, SecBufferDesc, TimeStamp
from .packages import all_packages, find_package
from .packages._base import Context, Credential

__all__ = [
    "AcceptSecurityContext",
    "AcquireCredentialsHandle",
    "CompleteAuthToken",
    "DecryptMessage",
    "DeleteSecurityContext",
    "EncryptMessage",
    "EnumerateSecurityPackages",
    "FreeContextBuffer",
    "FreeCredentialsHandle",
    "InitializeSecurityContext",
    "MakeSignature",
    "QueryContextAttributes",
    "QueryCredentialsAttributes",
    "QuerySecurityPackageInfo",
    "VerifySignature",
]

log = logging.getLogger("sspi_compat")

F = TypeVar("F", bound=Callable[..., SECURITY_STATUS])


class _OutOfRange(Exception):  # an internal signal: never leaves _entry
    """An integer argument no C ULONG can hold: SEC_E_INVALID_PARAMETER."""


def _entry(func: F) -> F:
    """Turn unexpected exceptions into SEC_E_INTERNAL_ERROR; let misuse raise.

    Running out of memory (MemoryError: e.g. a huge token copied under a
    memory limit) is SEC_E_INSUFFICIENT_MEMORY, as the seed page's E1.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> SECURITY_STATUS:
        try:
            return func(*args, **kwargs)
        except MisuseError:
            raise
        except _OutOfRange:
            return s.SEC_E_INVALID_PARAMETER
        except MemoryError:
            return s.SEC_E_INSUFFICIENT_MEMORY
        except Exception:
            log.exception("%s: unexpected error, returning SEC_E_INTERNAL_ERROR",
                          func.__name__)
            return s.SEC_E_INTERNAL_ERROR

    return wrapper  # type: ignore[return-value]


# --- argument checks ---------------------------------------------------------


def _need(value: Any, kind: Any, what: str, optional: bool = False) -> None:
    if type(value) is kind or (value is None and optional):
        return  # the common case, without isinstance's subclass walk
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise MisuseError(f"{what} must be {names}{' or None' if optional else ''}, "
                          f"not {type(value).__name__}")


def _ulong(value: Any, what: str) -> int:
    if type(value) is int and 0 <= value <= 0xFFFFFFFFFFFFFFFF:
        return value  # the common case
    if isinstance(value, bool) or not isinstance(value, int):
        raise MisuseError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0 or value > 0xFFFFFFFFFFFFFFFF:
        raise _OutOfRange(what)  # the right type, an impossible value: a status
    return value


_MEMORY = (bytes, bytearray, memoryview)


def _need_desc(value: Any, what: str) -> None:
    """A SecBufferDesc argument (or None) whose buffers are SecBuffers with an
    int BufferType and memory (or None) in pvBuffer: anything else, even set
    after construction, is Python misuse.  Sizes are not checked here: a
    cbBuffer that lies is an SSPI status (SEC_E_INVALID_TOKEN and friends)."""
    _need(value, SecBufferDesc, what, optional=True)
    if value is None:
        return
    buffers = value.pBuffers
    if not isinstance(buffers, (list, tuple)):
        raise MisuseError(f"{what}.pBuffers must be a list of SecBuffer")
    for buf in buffers:
        if not isinstance(buf, SecBuffer):
            raise MisuseError(f"{what} holds SecBuffer objects, not {type(buf).__name__}")
        if isinstance(buf.BufferType, bool) or not isinstance(buf.BufferType, int):
            raise MisuseError(f"{what}: BufferType must be an int")
        if buf.pvBuffer is not None and not isinstance(buf.pvBuffer, _MEMORY):
            raise MisuseError(f"{what}: pvBuffer must be bytearray, memoryview, bytes or "
                              f"None, not {type(buf.pvBuffer).__name__}")


def _text(value: Any, what: str) -> Optional[str]:
    """A SEC_CHAR*/SEC_WCHAR* argument: str, bytes (UTF-8) or None.

    Text no C string can hold (lone surrogates) or bytes that are not UTF-8
    name nothing: they become U+FFFD, an unknown name, never an exception.
    """
    if value is None:
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "\ufffd"
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "\ufffd"  # undecodable: treated as an unknown name, not a crash
    raise MisuseError(f"{what} must be str, bytes or None, not {type(value).__name__}")


def _set_expiry(ts: Optional[TimeStamp], epoch: Optional[float]) -> None:
    if ts is not None:
        ts.set_local_from_epoch(epoch)


# --- package information ------------------------------------------------------


@_entry
def EnumerateSecurityPackages(pcPackages: ULONG, ppPackageInfo: PSecPkgInfo,
                              ) -> SECURITY_STATUS:
    """EnumerateSecurityPackages: ``ppPackageInfo.value`` gets a list of SecPkgInfo.

    Free it with ``FreeContextBuffer(ppPackageInfo.value)``.
    """
    _need(pcPackages, ULONG, "pcPackages")
    _need(ppPackageInfo, PSecPkgInfo, "ppPackageInfo")
    infos = [p.info() for p in all_packages()]
    pcPackages.value = len(infos)
    ppPackageInfo.value = _memory.track(infos)
    return s.SEC_E_OK


@_entry
def QuerySecurityPackageInfo(pszPackageName: Any, ppPackageInfo: PSecPkgInfo,
                             ) -> SECURITY_STATUS:
    """QuerySecurityPackageInfo: package names match without regard to case."""
    name = _text(pszPackageName, "pszPackageName")
    _need(ppPackageInfo, PSecPkgInfo, "ppPackageInfo")
    pkg = find_package(name or "")
    if pkg is None:
        return s.SEC_E_SECPKG_NOT_FOUND
    ppPackageInfo.value = _memory.track(pkg.info())
    return s.SEC_E_OK


@_entry
def FreeContextBuffer(pvContextBuffer: Any) -> SECURITY_STATUS:
    """FreeContextBuffer: release memory a package allocated for the caller.

    Difference: Windows' behaviour on memory it did not allocate is
    undefined; here it is ``SEC_E_INVALID_HANDLE`` and nothing happens.
    ``None`` (a NULL pointer) is accepted and ignored.
    """
    if pvContextBuffer is None:
        return s.SEC_E_OK
    return s.SEC_E_OK if _memory.release(pvContextBuffer) else s.SEC_E_INVALID_HANDLE


# --- credentials ---------------------------------------------------------------


@_entry
def AcquireCredentialsHandle(pszPrincipal: Any, pszPackage: Any, fCredentialUse: int,
                             pvLogonId: Any, pAuthData: Any, pGetKeyFn: Any,
                             pvGetKeyArgument: Any, phCredential: CredHandle,
                             ptsExpiry: Optional[TimeStamp]) -> SECURITY_STATUS:
    """AcquireCredentialsHandle (Kerberos/Negotiate/NTLM).

    ``pAuthData`` is None (the logon session: default ccache / keytab) or a
    ``SEC_WINNT_AUTH_IDENTITY`` (``_A``, ``_W`` or ``_EX``).  ``pvLogonId``,
    ``pGetKeyFn`` and ``pvGetKeyArgument`` must be None: other logon
    sessions and key callbacks have no Linux equivalent
    (SEC_E_UNSUPPORTED_FUNCTION).
    """
    principal = _text(pszPrincipal, "pszPrincipal")
    package = _text(pszPackage, "pszPackage")
    use = _ulong(fCredentialUse, "fCredentialUse")
    _need(phCredential, CredHandle, "phCredential")
    _need(ptsExpiry, TimeStamp, "ptsExpiry", optional=True)
    pkg = find_package(package or "")
    if pkg is None:
        return s.SEC_E_SECPKG_NOT_FOUND
    if not use & SECPKG_CRED_BOTH:
        return s.SEC_E_INVALID_PARAMETER if use else s.SEC_E_UNKNOWN_CREDENTIALS
    if pvLogonId is not None or pGetKeyFn is not None or pvGetKeyArgument is not None:
        return s.SEC_E_UNSUPPORTED_FUNCTION
    status, cred = pkg.acquire_credentials(principal, use, pAuthData)
    if status != s.SEC_E_OK or cred is None:
        return status
    h.register(phCredential, h.CRED_TAG, cred)
    _set_expiry(ptsExpiry, cred.expiry)
    return status


@_entry
def FreeCredentialsHandle(phCredential: CredHandle) -> SECURITY_STATUS:
    """FreeCredentialsHandle: the handle is invalid afterwards."""
    cred = h.unregister(phCredential, h.CRED_TAG)
    if cred is None:
        return s.SEC_E_INVALID_HANDLE
    cred.package.free_credentials(cred)
    return s.SEC_E_OK


@_entry
def QueryCredentialsAttributes(phCredential: CredHandle, ulAttribute: int,
                               pBuffer: Any) -> SECURITY_STATUS:
    """QueryCredentialsAttributes: SECPKG_CRED_ATTR_NAMES -> SecPkgCredentials_Names."""
    attribute = _ulong(ulAttribute, "ulAttribute")
    cred = h.lookup(phCredential, h.CRED_TAG)
    if cred is None:
        return s.SEC_E_INVALID_HANDLE
    return cred.package.query_credentials(cred, attribute, pBuffer)  # type: ignore[no-any-return]


# --- context establishment ----------------------------------------------------


def _check_reserved(TargetDataRep: int, *reserved: int) -> Optional[SECURITY_STATUS]:
    if TargetDataRep not in (SECURITY_NATIVE_DREP, SECURITY_NETWORK_DREP):
        return s.SEC_E_INVALID_PARAMETER
    if any(reserved):
        return s.SEC_E_INVALID_PARAMETER
    return None


def _step_handles(phCredential: Optional[CredHandle], phContext: Optional[CtxtHandle],
                  phNewContext: Optional[CtxtHandle], initiator: bool,
                  ) -> Tuple[Optional[SECURITY_STATUS], Optional[Context], Optional[Credential]]:
    """(status refusing the call or None, context or None on a first call,
    credential) for an InitializeSecurityContext (``initiator``) or
    AcceptSecurityContext step.  A later call may omit phCredential: the
    context's own credential is used."""
    ctx: Optional[Context] = None
    if phContext is not None:
        ctx = h.lookup(phContext, h.CTXT_TAG)
        if ctx is None or ctx.initiator != initiator:
            return s.SEC_E_INVALID_HANDLE, None, None
    if phCredential is not None:
        cred: Optional[Credential] = h.lookup(phCredential, h.CRED_TAG)
        if cred is None:
            return s.SEC_E_INVALID_HANDLE, None, None
    elif ctx is not None:
        cred = ctx.cred
    else:
        return s.SEC_E_INVALID_HANDLE, None, None
    if ctx is None and phNewContext is None:
        return s.SEC_E_INVALID_PARAMETER, None, None
    return None, ctx, cred


def _step_done(ctx: Optional[Context], new_ctx: Optional[Context],
               phContext: Optional[CtxtHandle], phNewContext: Optional[CtxtHandle],
               pfContextAttr: ULONG, ptsExpiry: Optional[TimeStamp]) -> None:
    """After a successful step: a new context gets its handle (phContext's own
    on reauthentication, else phNewContext), phNewContext names the context,
    and pfContextAttr / ptsExpiry are filled in."""
    if new_ctx is not None:
        if ctx is not None and phContext is not None:
            h.rebind(phContext, h.CTXT_TAG, new_ctx)  # reauthentication: same handle
        else:
            assert phNewContext is not None
            h.register(phNewContext, h.CTXT_TAG, new_ctx)
        ctx = new_ctx
    if phNewContext is not None and phContext is not None and phNewContext is not phContext:
        phNewContext.dwLower, phNewContext.dwUpper = phContext.dwLower, phContext.dwUpper
    assert ctx is not None
    pfContextAttr.value = ctx.attrs
    _set_expiry(ptsExpiry, ctx.expiry)


@_entry
def InitializeSecurityContext(phCredential: Optional[CredHandle],
                              phContext: Optional[CtxtHandle], pszTargetName: Any,
                              fContextReq: int, Reserved1: int, TargetDataRep: int,
                              pInput: Optional[SecBufferDesc], Reserved2: int,
                              phNewContext: Optional[CtxtHandle],
                              pOutput: Optional[SecBufferDesc], pfContextAttr: ULONG,
                              ptsExpiry: Optional[TimeStamp]) -> SECURITY_STATUS:
    """InitializeSecurityContext, as the Kerberos page describes it.

    First call: ``phContext`` None, ``phNewContext`` a fresh CtxtHandle that
    receives the new context.  Later calls pass the same handle as
    ``phContext`` (and ``phNewContext``) with the server's token in
    ``pInput``.  ``pfContextAttr`` and ``ptsExpiry`` (local time) are set on
    every successful return.
    """
    _need(phCredential, CredHandle, "phCredential", optional=True)
    _need(phContext, CtxtHandle, "phContext", optional=True)
    target = _text(pszTargetName, "pszTargetName")
    req = _ulong(fContextReq, "fContextReq")
    _ulong(Reserved1, "Reserved1")
    _ulong(Reserved2, "Reserved2")
    _ulong(TargetDataRep, "TargetDataRep")
    _need_desc(pInput, "pInput")
    _need(phNewContext, CtxtHandle, "phNewContext", optional=True)
    _need_desc(pOutput, "pOutput")
    _need(pfContextAttr, ULONG, "pfContextAttr")
    _need(ptsExpiry, TimeStamp, "ptsExpiry", optional=True)
    bad = _check_reserved(TargetDataRep, Reserved1, Reserved2)
    if bad is not None:
        return bad

    refused, ctx, cred = _step_handles(phCredential, phContext, phNewContext, True)
    if refused is not None:
        return refused
    assert cred is not None
    pkg = ctx.package if ctx is not None else cred.package
    status, new_ctx = pkg.initialize(cred, ctx, target, req, pInput, pOutput)
    if s.FAILED(status):
        return status
    _step_done(ctx, new_ctx, phContext, phNewContext, pfContextAttr, ptsExpiry)
    return status


@_entry
def AcceptSecurityContext(phCredential: Optional[CredHandle],
                          phContext: Optional[CtxtHandle], pInput: Optional[SecBufferDesc],
                          fContextReq: int, TargetDataRep: int,
                          phNewContext: Optional[CtxtHandle],
                          pOutput: Optional[SecBufferDesc], pfContextAttr: ULONG,
                          ptsExpiry: Optional[TimeStamp]) -> SECURITY_STATUS:
    """AcceptSecurityContext (Kerberos): the server side of the exchange."""
    _need(phCredential, CredHandle, "phCredential", optional=True)
    _need(phContext, CtxtHandle, "phContext", optional=True)
    _need_desc(pInput, "pInput")
    req = _ulong(fContextReq, "fContextReq")
    _ulong(TargetDataRep, "TargetDataRep")
    _need(phNewContext, CtxtHandle, "phNewContext", optional=True)
    _need_desc(pOutput, "pOutput")
    _need(pfContextAttr, ULONG, "pfContextAttr")
    _need(ptsExpiry, TimeStamp, "ptsExpiry", optional=True)
    bad = _check_reserved(TargetDataRep)
    if bad is not None:
        return bad
    refused, ctx, cred = _step_handles(phCredential, phContext, phNewContext, False)
    if refused is not None:
        return refused
    assert cred is not None
    pkg = ctx.package if ctx is not None else cred.package
    status, new_ctx = pkg.accept(cred, ctx, pInput, req, pOutput)
    if s.FAILED(status):
        return status
    _step_done(ctx, new_ctx, phContext, phNewContext, pfContextAttr, ptsExpiry)
    return status


@_entry
def DeleteSecurityContext(phContext: CtxtHandle) -> SECURITY_STATUS:
    """DeleteSecurityContext: releases the context; the handle is invalid afterwards."""
    ctx = h.unregister(phContext, h.CTXT_TAG)
    if ctx is None:
        return s.SEC_E_INVALID_HANDLE
    ctx.package.delete_context(ctx)
    return s.SEC_E_OK


@_entry
def CompleteAuthToken(phContext: CtxtHandle, pToken: Optional[SecBufferDesc],
                      ) -> SECURITY_STATUS:
    """CompleteAuthToken: a no-op for Kerberos, which never asks for it.

    A context whose exchange failed is only good for DeleteSecurityContext
    (SEC_E_INVALID_HANDLE here).
    """
    _need_desc(pToken, "pToken")
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None or ctx.failed:
        return s.SEC_E_INVALID_HANDLE
    return ctx.package.complete_auth_token(ctx, pToken)  # type: ignore[no-any-return]


@_entry
def QueryContextAttributes(phContext: CtxtHandle, ulAttribute: int, pBuffer: Any,
                           ) -> SECURITY_STATUS:
    """QueryContextAttributes: fills the SecPkgContext_* structure passed as pBuffer.

    A context whose exchange failed (a later leg returned an error) stays
    valid only for DeleteSecurityContext (InitializeSecurityContext remarks):
    querying it is SEC_E_INVALID_HANDLE.
    """
    attribute = _ulong(ulAttribute, "ulAttribute")
    ctx = h.lookup(phContext, h.CTXT_TAG)
    if ctx is None or ctx.failed:
        return s.SEC_E_INVALID_HANDLE
    return ctx.package.query_context(ctx, attribute, pBuffer)  # type: ignore[no-any-return]


# --- message protection (hot paths: one lookup, one package call) -------------

_CTXT = h.CTXT_TAG


# These four skip the generic ``_entry`` wrapper: a fixed-arity function with
# the handle lookup inlined saves ~130 ns a call, a third of the budget over
# raw gss_wrap+gss_unwrap for a 100-byte message (DESIGN.md §7).  The
# exception policy is the same, through ``_unexpected``.

_get = h.table_get
_INVALID_HANDLE = s.SEC_E_INVALID_HANDLE


def _unexpected(funcname: str, exc: Exception) -> SECURITY_STATUS:
    """``_entry``'s policy for the hand-written hot paths."""
    if isinstance(exc, MisuseError):
        raise exc
    if isinstance(exc, _OutOfRange):
        return s.SEC_E_INVALID_PARAMETER
    if isinstance(exc, MemoryError):
        return s.SEC_E_INSUFFICIENT_MEMORY
    log.error("%s: unexpected error, returning SEC_E_INTERNAL_ERROR", funcname,
              exc_info=exc)
    return s.SEC_E_INTERNAL_ERROR


def MakeSignature(phContext: CtxtHandle, fQOP: int, pMessage: SecBufferDesc,
                  MessageSeqNo: int) -> SECURITY_STATUS:
    """MakeSignature: a MIC over the DATA buffers, written into the TOKEN buffer."""
    try:
        ctx = _get((phContext.dwLower, phContext.dwUpper)) if phContext.dwUpper == _CTXT else None
    except (AttributeError, TypeError):
        ctx = None
    if ctx is None:
        return _INVALID_HANDLE
    try:
        return ctx.package.make_signature(ctx, fQOP, pMessage, MessageSeqNo)  # type: ignore[no-any-return]
    except Exception as exc:
        return _unexpected("MakeSignature", exc)


def VerifySignature(phContext: CtxtHandle, pMessage: SecBufferDesc, MessageSeqNo: int,
                    pfQOP: Optional[ULONG]) -> SECURITY_STATUS:
    """VerifySignature: checks the TOKEN buffer's MIC over the DATA buffers."""
    try:
        ctx = _get((phContext.dwLower, phContext.dwUpper)) if phContext.dwUpper == _CTXT else None
    except (AttributeError, TypeError):
        ctx = None
    if ctx is None:
        return _INVALID_HANDLE
    try:
        return ctx.package.verify_signature(ctx, pMessage, MessageSeqNo, pfQOP)  # type: ignore[no-any-return]
    except Exception as exc:
        return _unexpected("VerifySignature", exc)


def EncryptMessage(phContext: CtxtHandle, fQOP: int, pMessage: SecBufferDesc,
                   MessageSeqNo: int) -> SECURITY_STATUS:
    """EncryptMessage: seals DATA buffers in place, header into TOKEN."""
    try:
        ctx = _get((phContext.dwLower, phContext.dwUpper)) if phContext.dwUpper == _CTXT else None
    except (AttributeError, TypeError):
        ctx = None
    if ctx is None:
        return _INVALID_HANDLE
    try:
        return ctx.package.encrypt_message(ctx, fQOP, pMessage, MessageSeqNo)  # type: ignore[no-any-return]
    except Exception as exc:
        return _unexpected("EncryptMessage", exc)


def DecryptMessage(phContext: CtxtHandle, pMessage: SecBufferDesc, MessageSeqNo: int,
                   pfQOP: Optional[ULONG]) -> SECURITY_STATUS:
    """DecryptMessage: unseals in place; pfQOP reports SECQOP_WRAP_NO_ENCRYPT for sign-only."""
    try:
        ctx = _get((phContext.dwLower, phContext.dwUpper)) if phContext.dwUpper == _CTXT else None
    except (AttributeError, TypeError):
        ctx = None
    if ctx is None:
        return _INVALID_HANDLE
    try:
        return ctx.package.decrypt_message(ctx, pMessage, MessageSeqNo, pfQOP)  # type: ignore[no-any-return]
    except Exception as exc:
        return _unexpected("DecryptMessage", exc)
