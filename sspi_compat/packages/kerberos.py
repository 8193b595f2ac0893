"""The Kerberos package: AcquireCredentialsHandle, InitializeSecurityContext and
AcceptSecurityContext (Kerberos) over the krb5 GSS mechanism.

Windows behaviour reproduced (InitializeSecurityContext (Kerberos) page):

* the first call has no context and returns ``SEC_I_CONTINUE_NEEDED`` when
  mutual authentication needs the server's reply, ``SEC_E_OK`` otherwise;
* ``pfContextAttr`` reports what was granted, as ISC_RET_/ASC_RET_ bits;
* ``ptsExpiry`` is in local time;
* with ``ISC_REQ_ALLOCATE_MEMORY`` the token is allocated for the caller;
  without it a token buffer that is too small gives
  ``SEC_E_BUFFER_TOO_SMALL`` and changes nothing (a later call with the same
  input and a larger buffer returns the token that did not fit);
* calling again on a completed context re-authenticates on the same handle;
* explicit credentials are only checked with the KDC when first used, so
  a wrong password shows up as ``SEC_E_LOGON_DENIED`` from
  InitializeSecurityContext, as on Windows.

Differences: datagram contexts, user-to-user (``ISC_REQ_USE_SESSION_KEY``)
and credential prompting have no GSS equivalent and answer
``SEC_E_UNSUPPORTED_FUNCTION``.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Optional, Tuple

from .. import _memory, gss
from .. import _status as s
from .._constants import (
    ASC_REQ_ALLOCATE_MEMORY,
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_CONNECTION,
    ASC_REQ_EXTENDED_ERROR,
    ASC_REQ_INTEGRITY,
    ASC_REQ_STREAM,
    ASC_RET_ALLOCATED_MEMORY,
    ASC_RET_CONFIDENTIALITY,
    ASC_RET_CONNECTION,
    ASC_RET_EXTENDED_ERROR,
    ASC_RET_INTEGRITY,
    ASC_RET_STREAM,
    ISC_REQ_ALLOCATE_MEMORY,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_CONNECTION,
    ISC_REQ_DATAGRAM,
    ISC_REQ_EXTENDED_ERROR,
    ISC_REQ_INTEGRITY,
    ISC_REQ_NO_INTEGRITY,
    ISC_REQ_PROMPT_FOR_CREDS,
    ISC_REQ_STREAM,
    ISC_REQ_USE_SESSION_KEY,
    ISC_RET_ALLOCATED_MEMORY,
    ISC_RET_CONFIDENTIALITY,
    ISC_RET_CONNECTION,
    ISC_RET_EXTENDED_ERROR,
    ISC_RET_INTEGRITY,
    ISC_RET_REAUTHENTICATION,
    ISC_RET_STREAM,
    SECBUFFER_TOKEN,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_CONNECTION,
    SECPKG_FLAG_DATAGRAM,
    SECPKG_FLAG_DELEGATION,
    SECPKG_FLAG_EXTENDED_ERROR,
    SECPKG_FLAG_GSS_COMPATIBLE,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_LOGON,
    SECPKG_FLAG_MUTUAL_AUTH,
    SECPKG_FLAG_PRIVACY,
    SECPKG_FLAG_READONLY_WITH_CHECKSUM,
)
from .._status import SECURITY_STATUS
from .._types import SEC_WINNT_AUTH_IDENTITY
from ..mapping import bindings as cb_map
from ..mapping import buffers as bufmap
from ..mapping import creds as credmap
from ..mapping import flags as fl
from ..mapping.filetime import expiry_epoch
from ..mapping.names import parse_target
from ..mapping.status import gss_to_status
from ._base import Context, Credential, SecurityPackage

__all__ = ["KerberosContext", "KerberosCredential", "KerberosPackage"]

MECH = gss.MECH_KRB5

# fContextReq bits with no GSS equivalent (see module docstring).
ISC_UNSUPPORTED = ISC_REQ_PROMPT_FOR_CREDS | ISC_REQ_USE_SESSION_KEY | ISC_REQ_DATAGRAM

# Requests answered by echoing the matching RET bit: they describe how the
# caller drives the exchange, not a property GSS negotiates.
ISC_ECHO = ((ISC_REQ_CONNECTION, ISC_RET_CONNECTION), (ISC_REQ_STREAM, ISC_RET_STREAM),
            (ISC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR))
ASC_ECHO = ((ASC_REQ_CONNECTION, ASC_RET_CONNECTION), (ASC_REQ_STREAM, ASC_RET_STREAM),
            (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR))


class KerberosCredential(Credential):
    """GSS credentials for one or both directions.

    Explicit identities are logged on lazily (first InitializeSecurityContext)
    into a private MEMORY ccache owned by the GSS credential.
    """

    def __init__(self, package: SecurityPackage, use: int, principal: Optional[str]) -> None:
        super().__init__(package, use)
        self.principal = principal
        self._password: Optional[str] = None
        self.initiate: Any = None
        self.accept: Any = None

    def initiate_cred(self) -> Any:
        """The initiator GSS credential, logging on first if needed (GssFailure)."""
        if self.initiate is None:
            if self._password is not None and self.principal:
                self.initiate = gss.acquire_password(self.principal, self._password,
                                                     "initiate", MECH)
            else:
                self.initiate = gss.acquire_default("initiate", self.principal, MECH)
        return self.initiate

    def __repr__(self) -> str:
        return f"<KerberosCredential principal={self.principal!r} use={self.use:#x}>"


class KerberosContext(Context):
    """A Kerberos context; names and enctype are read from GSS on first use.

    Asking GSS for them at completion would cost two extra library calls per
    handshake (DESIGN.md §7 budget), and most callers never look.
    """

    def __init__(self, package: SecurityPackage, cred: Credential, initiator: bool) -> None:
        super().__init__(package, cred, initiator)
        self.gss: Any = None
        self.target: Optional[str] = None
        self.name: Any = None  # the parsed TargetName, kept for later legs
        self.req = 0
        self.gss_flags = 0
        self.delegated: Any = None
        self._names: Optional[Tuple[Optional[str], Optional[str]]] = None
        self._enctype: Optional[int] = None
        # (input token, output token, status) kept when the caller's buffer
        # was too small for the output token.
        self.pending: Optional[Tuple[Optional[bytes], bytes, SECURITY_STATUS]] = None

    def _inquire_names(self) -> Tuple[Optional[str], Optional[str]]:
        if self._names is None:
            try:
                info = gss.inquire(self.gss)
                self._names = (info.initiator, info.target)
            except gss.GssFailure:
                return None, None
        return self._names

    @property
    def client_name(self) -> Optional[str]:
        return self._inquire_names()[0]

    @property
    def server_name(self) -> Optional[str]:
        return self._inquire_names()[1]

    @property
    def enctype(self) -> int:
        """The session key's enctype (0 if unknown yet)."""
        if self._enctype is None:
            if not self.complete or self.gss is None:
                return 0
            try:
                _, self._enctype = gss.session_key(self.gss)
            except gss.GssFailure:
                self._enctype = 0
        return self._enctype


class KerberosPackage(SecurityPackage):
    name = "Kerberos"
    comment = "Microsoft Kerberos V1.0"
    capabilities = (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION
                    | SECPKG_FLAG_DATAGRAM | SECPKG_FLAG_EXTENDED_ERROR
                    | SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_ACCEPT_WIN32_NAME
                    | SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_DELEGATION
                    | SECPKG_FLAG_READONLY_WITH_CHECKSUM | SECPKG_FLAG_GSS_COMPATIBLE
                    | SECPKG_FLAG_LOGON)
    rpcid = 16  # RPC_C_AUTHN_GSS_KERBEROS
    max_token = 48000

    # -- credentials ---------------------------------------------------------

    def acquire_credentials(self, principal: Optional[str], use: int, auth: Any,
                            ) -> Tuple[SECURITY_STATUS, Optional[Credential]]:
        request = credmap.logon_request(None, None, None)
        if auth is not None:
            if not isinstance(auth, SEC_WINNT_AUTH_IDENTITY):
                return s.SEC_E_UNKNOWN_CREDENTIALS, None
            try:
                user, domain, password = auth.decoded()
            except (ValueError, UnicodeError):
                return s.SEC_E_UNKNOWN_CREDENTIALS, None
            request = credmap.logon_request(user, domain, password)
        if principal and not request.principal:
            request = credmap.LogonRequest(credmap.principal_from_parts(principal, None),
                                           request.password)
        cred = KerberosCredential(self, use, request.principal)
        try:
            if use & SECPKG_CRED_OUTBOUND:
                if request.password is not None and request.principal:
                    cred._password = request.password  # logged on at first use
                else:
                    cred.initiate_cred()
                    _, lifetime = gss.cred_info(cred.initiate, MECH)
                    cred.expiry = expiry_epoch(lifetime)
            if use & SECPKG_CRED_INBOUND:
                cred.accept = gss.acquire_keytab(
                    request.principal if not use & SECPKG_CRED_OUTBOUND else
                    (principal or None), None, "accept", MECH)
        except gss.GssFailure as failure:
            return gss_to_status(failure.major, failure.minor, True), None
        return s.SEC_E_OK, cred

    def credential_name(self, cred: KerberosCredential) -> Optional[str]:
        """The principal the credential speaks for (logging on if needed)."""
        gss_cred = cred.initiate if cred.initiate is not None else cred.accept
        if gss_cred is None and cred.principal:
            return cred.principal
        if gss_cred is None:
            return None
        name, _ = gss.cred_info(gss_cred, MECH)
        return name

    # -- InitializeSecurityContext ------------------------------------------

    def initialize(self, cred: Credential, ctx: Optional[Context], target: Optional[str],
                   req: int, inputs: Any, output: Any,
                   ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert isinstance(cred, KerberosCredential)
        if req & ISC_UNSUPPORTED:
            return s.SEC_E_UNSUPPORTED_FUNCTION, None
        if not cred.use & SECPKG_CRED_OUTBOUND:
            return s.SEC_E_NO_CREDENTIALS, None
        try:
            bindings = cb_map.from_descriptor(inputs)
        except ValueError:
            return s.SEC_E_BAD_BINDINGS, None
        out_buf = bufmap.find(output, SECBUFFER_TOKEN)
        allocate = bool(req & ISC_REQ_ALLOCATE_MEMORY)

        reauth = ctx is not None and isinstance(ctx, KerberosContext) and ctx.complete
        if ctx is None or reauth:
            if target is None and (ctx is None or not isinstance(ctx, KerberosContext)):
                return s.SEC_E_TARGET_UNKNOWN, None
            name_text = target if target is not None else ctx.target  # type: ignore[union-attr]
            try:
                name = parse_target(name_text or "")
            except ValueError:
                return s.SEC_E_TARGET_UNKNOWN, None
            in_token = None
            gss_ctx = None
        else:
            if not isinstance(ctx, KerberosContext) or ctx.failed:
                return s.SEC_E_INVALID_HANDLE, None
            in_buf = bufmap.find(inputs, SECBUFFER_TOKEN)
            if in_buf is None:
                return s.SEC_E_INVALID_TOKEN, None
            try:
                in_token = bufmap.read(in_buf)
            except bufmap.BadBufferError:
                return s.SEC_E_INVALID_TOKEN, None
            if ctx.pending is not None and ctx.pending[0] == in_token:
                return self._deliver_pending(ctx, out_buf, allocate)
            name = ctx.name
            gss_ctx = ctx.gss

        try:
            cred_obj = cred.initiate_cred()
            res = gss.init(cred_obj, gss_ctx, name.text, name.hostbased, MECH,
                           fl.isc_req_to_gss(req), in_token, bindings)
        except gss.GssFailure as failure:
            if ctx is not None and not reauth:
                ctx.failed = True  # the handle stays valid until deleted
            return gss_to_status(failure.major, failure.minor, True), None

        status = s.SEC_E_OK if res.complete else s.SEC_I_CONTINUE_NEEDED
        token = res.token or b""
        new_ctx: Optional[KerberosContext] = None
        if ctx is None or reauth:
            new_ctx = KerberosContext(self, cred, True)
            new_ctx.target = name_text
            new_ctx.name = name
            work = new_ctx
        else:
            work = ctx  # type: ignore[assignment]
        work.gss = res.context
        work.req = req
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            if new_ctx is not None:
                gss.delete(res.context)
                return (s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN,
                        None)
            work.pending = (in_token, token, status)
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        work.pending = None
        self._finish_init(work, res, req, allocated, reauth)
        if reauth and isinstance(ctx, KerberosContext) and ctx.gss is not None:
            gss.delete(ctx.gss)  # the old context is replaced on the same handle
        return status, new_ctx

    def _deliver_pending(self, ctx: KerberosContext, out_buf: Any, allocate: bool,
                         ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert ctx.pending is not None
        _, token, status = ctx.pending
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        ctx.pending = None
        if allocated:
            ctx.attrs |= ISC_RET_ALLOCATED_MEMORY
        return status, None

    @staticmethod
    def _write_token(out_buf: Any, token: bytes, allocate: bool) -> bool:
        """Write the output token; True when memory was allocated for it."""
        if out_buf is None:
            if token:
                raise bufmap.BadBufferError()
            return False
        if not token and not allocate:
            out_buf.cbBuffer = 0
            return False
        mem = bufmap.write(out_buf, token, allocate)
        if mem is not None:
            _memory.track(mem)
            return True
        return False

    def _finish_init(self, ctx: KerberosContext, res: Any, req: int, allocated: bool,
                     reauth: bool) -> None:
        granted = res.flags
        ctx.gss_flags = granted
        attrs = fl.gss_to_isc_ret(granted)
        # MIT always grants confidentiality and integrity; Windows reports
        # them only when asked for (and NO_INTEGRITY withdraws integrity).
        if not req & ISC_REQ_CONFIDENTIALITY:
            attrs &= ~ISC_RET_CONFIDENTIALITY
        if not req & ISC_REQ_INTEGRITY or req & ISC_REQ_NO_INTEGRITY:
            attrs &= ~ISC_RET_INTEGRITY
        for asked, answered in ISC_ECHO:
            if req & asked:
                attrs |= answered
        if allocated:
            attrs |= ISC_RET_ALLOCATED_MEMORY
        if reauth:
            attrs |= ISC_RET_REAUTHENTICATION
        ctx.attrs = attrs
        ctx.expiry = expiry_epoch(res.lifetime)
        if res.complete:
            self._complete(ctx)

    @staticmethod
    def _complete(ctx: KerberosContext) -> None:
        ctx.complete = True
        ctx.started = time.time()
        ctx._names = None
        ctx._enctype = None

    # -- AcceptSecurityContext ----------------------------------------------

    def accept(self, cred: Credential, ctx: Optional[Context], inputs: Any, req: int,
               output: Any) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert isinstance(cred, KerberosCredential)
        if not cred.use & SECPKG_CRED_INBOUND or cred.accept is None:
            return s.SEC_E_NO_CREDENTIALS, None
        if ctx is not None and (not isinstance(ctx, KerberosContext) or ctx.failed
                                or ctx.initiator):
            return s.SEC_E_INVALID_HANDLE, None
        in_buf = bufmap.find(inputs, SECBUFFER_TOKEN)
        if in_buf is None:
            return s.SEC_E_INVALID_TOKEN, None
        try:
            token_in = bufmap.read(in_buf)
            bindings = cb_map.from_descriptor(inputs)
        except bufmap.BadBufferError:
            return s.SEC_E_INVALID_TOKEN, None
        except ValueError:
            return s.SEC_E_BAD_BINDINGS, None
        if not token_in:
            return s.SEC_E_INVALID_TOKEN, None
        out_buf = bufmap.find(output, SECBUFFER_TOKEN)
        allocate = bool(req & ASC_REQ_ALLOCATE_MEMORY)
        if ctx is not None and ctx.complete:
            ctx = None  # a new authentication on the same handle
        gss_ctx = ctx.gss if isinstance(ctx, KerberosContext) else None
        try:
            res = gss.accept(cred.accept, gss_ctx, token_in, MECH, bindings)
        except gss.GssFailure as failure:
            if ctx is not None:
                ctx.failed = True
            status = gss_to_status(failure.major, failure.minor, True)
            if req & ASC_REQ_EXTENDED_ERROR and failure.token and out_buf is not None:
                with contextlib.suppress(bufmap.BadBufferError):
                    self._write_token(out_buf, failure.token, allocate)
            return status, None
        token = res.token or b""
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            if ctx is None:
                gss.delete(res.context)
            else:
                ctx.failed = True
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        new_ctx: Optional[KerberosContext] = None
        if ctx is None:
            new_ctx = KerberosContext(self, cred, False)
            work = new_ctx
        else:
            work = ctx
        work.gss = res.context
        work.req = req
        work.gss_flags = res.flags
        attrs = fl.gss_to_asc_ret(res.flags)
        if not req & ASC_REQ_CONFIDENTIALITY:
            attrs &= ~ASC_RET_CONFIDENTIALITY
        if not req & ASC_REQ_INTEGRITY:
            attrs &= ~ASC_RET_INTEGRITY
        for asked, answered in ASC_ECHO:
            if req & asked:
                attrs |= answered
        if allocated:
            attrs |= ASC_RET_ALLOCATED_MEMORY
        work.attrs = attrs
        work.expiry = expiry_epoch(res.lifetime)
        if res.complete:
            work.delegated = res.delegated
            self._complete(work)
        return (s.SEC_E_OK if res.complete else s.SEC_I_CONTINUE_NEEDED), new_ctx

    # -- attributes and teardown -------------------------------------------

    def query_context(self, ctx: Context, attribute: int, buffer: Any) -> SECURITY_STATUS:
        from . import kerberos_attrs

        assert isinstance(ctx, KerberosContext)
        return kerberos_attrs.query(self, ctx, attribute, buffer)

    def query_credentials(self, cred: Credential, attribute: int, buffer: Any,
                          ) -> SECURITY_STATUS:
        from . import kerberos_attrs

        assert isinstance(cred, KerberosCredential)
        return kerberos_attrs.query_credentials(self, cred, attribute, buffer)

    def delete_context(self, ctx: Context) -> None:
        if isinstance(ctx, KerberosContext) and ctx.gss is not None:
            gss.delete(ctx.gss)
            ctx.gss = None

    def free_credentials(self, cred: Credential) -> None:
        if isinstance(cred, KerberosCredential):
            cred.initiate = cred.accept = None
            cred._password = None


