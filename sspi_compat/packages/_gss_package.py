"""What every GSS-backed package shares: InitializeSecurityContext and
AcceptSecurityContext over one GSS mechanism.

The Kerberos and NTLM packages are this machinery with a mechanism OID and
their own credentials; Negotiate drives the same token-level steps
(:meth:`GssPackage.gss_init`, :meth:`GssPackage.gss_accept`) of its
sub-packages from its SPNEGO exchange.

Windows behaviour reproduced (InitializeSecurityContext / AcceptSecurityContext
pages, common to Kerberos, NTLM and Negotiate):

* ``pfContextAttr`` reports what was granted, as ISC_RET_/ASC_RET_ bits;
  ``ptsExpiry`` is in local time;
* with ``ISC_REQ_ALLOCATE_MEMORY`` the token is allocated for the caller;
  without it a token buffer that is too small gives
  ``SEC_E_BUFFER_TOO_SMALL`` and changes nothing (a later call with the same
  input and a larger buffer returns the token that did not fit);
* calling again on a completed context re-authenticates on the same handle;
* a failed later leg leaves the handle valid until DeleteSecurityContext,
  but unusable (``SEC_E_INVALID_HANDLE``).

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
    ASC_REQ_DATAGRAM,
    ASC_REQ_EXTENDED_ERROR,
    ASC_REQ_INTEGRITY,
    ASC_REQ_SESSION_TICKET,
    ASC_REQ_STREAM,
    ASC_REQ_USE_SESSION_KEY,
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
)
from .._status import SECURITY_STATUS
from ..mapping import bindings as cb_map
from ..mapping import buffers as bufmap
from ..mapping import flags as fl
from ..mapping.filetime import expiry_epoch
from ..mapping.names import TargetName, parse_target
from ..mapping.status import gss_to_status
from ._base import Context, Credential, SecurityPackage

__all__ = ["ASC_ECHO", "ISC_ECHO", "ISC_UNSUPPORTED", "GssContext", "GssCredential",
           "GssPackage"]

# fContextReq bits with no GSS equivalent (see module docstring).
ISC_UNSUPPORTED = ISC_REQ_PROMPT_FOR_CREDS | ISC_REQ_USE_SESSION_KEY | ISC_REQ_DATAGRAM
# The acceptor's side of the same: user-to-user (USE_SESSION_KEY, and
# SESSION_TICKET, the bit the ASC page's "ASC_REQ_PROMPT_FOR_CREDS" would be)
# and datagram contexts (AcceptSecurityContext page, E7).
ASC_UNSUPPORTED = ASC_REQ_USE_SESSION_KEY | ASC_REQ_SESSION_TICKET | ASC_REQ_DATAGRAM

# Requests answered by echoing the matching RET bit: they describe how the
# caller drives the exchange, not a property GSS negotiates.
ISC_ECHO = ((ISC_REQ_CONNECTION, ISC_RET_CONNECTION), (ISC_REQ_STREAM, ISC_RET_STREAM),
            (ISC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR))
ASC_ECHO = ((ASC_REQ_CONNECTION, ASC_RET_CONNECTION), (ASC_REQ_STREAM, ASC_RET_STREAM),
            (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR))


class GssCredential(Credential):
    """GSS credentials for one or both directions (``initiate`` / ``accept``)."""

    def __init__(self, package: SecurityPackage, use: int) -> None:
        super().__init__(package, use)
        self.initiate: Any = None
        self.accept: Any = None
        # (AP-REQ, accept result) of a first AcceptSecurityContext whose output
        # buffer was too small: the retry gets it, since accepting the same
        # AP-REQ again would be a replay.
        self.pending_accept: Optional[Tuple[bytes, Any]] = None

    def initiate_cred(self) -> Any:
        """The initiator GSS credential, acquiring it first if needed (GssFailure)."""
        return self.initiate


class GssContext(Context):
    """A context over one GSS mechanism; names are read from GSS on first use.

    Asking GSS for them at completion would cost extra library calls per
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


class GssPackage(SecurityPackage):
    """InitializeSecurityContext / AcceptSecurityContext over ``self.mech``.

    Subclasses set ``mech`` and ``context_class`` and provide
    ``acquire_credentials`` building a :class:`GssCredential`.
    """

    mech = ""
    context_class: type[GssContext] = GssContext
    isc_unsupported = ISC_UNSUPPORTED
    asc_unsupported = ASC_UNSUPPORTED
    # Kerberos needs an SPN; NTLM accepts pszTargetName None (parse_target("")).
    target_required = True

    # -- token-level steps (also driven by Negotiate) -------------------------

    def parse_target(self, target: str) -> TargetName:
        """``pszTargetName`` -> the GSS name to import (ValueError if malformed)."""
        return parse_target(target)

    def gss_flags_for(self, req: int) -> int:
        """The GSS request flags for ``fContextReq``."""
        return fl.isc_req_to_gss(req)

    def gss_init(self, cred: GssCredential, gss_ctx: Any, name: TargetName, req: int,
                 in_token: Optional[bytes], bindings: Any, extra_flags: int = 0,
                 ) -> gss.InitResult:
        """One gss_init_sec_context step with this package's mechanism (GssFailure)."""
        return gss.init(cred.initiate_cred(), gss_ctx, name.text, name.hostbased, self.mech,
                        self.gss_flags_for(req) | extra_flags, in_token, bindings)

    def gss_accept(self, cred: GssCredential, gss_ctx: Any, token: bytes, bindings: Any,
                   ) -> gss.AcceptResult:
        """One gss_accept_sec_context step with this package's mechanism (GssFailure)."""
        return gss.accept(cred.accept, gss_ctx, token, self.mech, bindings)

    @staticmethod
    def failure_status(failure: gss.GssFailure, consumed_token: bool = False,
                       ) -> SECURITY_STATUS:
        """The SECURITY_STATUS for a failed step (krb5 minors only for krb5 calls;
        ``consumed_token``: the step processed the peer's token)."""
        return gss_to_status(failure.major, failure.minor, failure.krb5,
                             consumed_token=consumed_token)

    @staticmethod
    def step_state(ctx: GssContext) -> Any:
        """What the next step continues from: the GSS context (Negotiate: its
        SPNEGO state, which holds the inner mechanism's GSS context)."""
        return ctx.gss

    @staticmethod
    def store_state(ctx: GssContext, state: Any) -> None:
        """Keep a step's result (``InitResult.context``) on the context."""
        ctx.gss = state

    # -- InitializeSecurityContext ------------------------------------------

    def initialize(self, cred: Credential, ctx: Optional[Context], target: Optional[str],
                   req: int, inputs: Any, output: Any,
                   ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert isinstance(cred, GssCredential)
        if req & self.isc_unsupported:
            return s.SEC_E_UNSUPPORTED_FUNCTION, None
        if not cred.use & SECPKG_CRED_OUTBOUND:
            return s.SEC_E_NO_CREDENTIALS, None
        try:
            bindings = cb_map.from_descriptor(inputs)
        except ValueError:
            return s.SEC_E_BAD_BINDINGS, None
        out_buf = bufmap.find(output, SECBUFFER_TOKEN)
        allocate = bool(req & ISC_REQ_ALLOCATE_MEMORY)
        cls = self.context_class

        reauth = ctx is not None and isinstance(ctx, cls) and ctx.complete
        if ctx is None or reauth:
            if target is None and self.target_required and (
                    ctx is None or not isinstance(ctx, cls)):
                return s.SEC_E_TARGET_UNKNOWN, None
            name_text = target if target is not None else (
                ctx.target if isinstance(ctx, cls) else None)
            try:
                name = self.parse_target(name_text or "")
            except ValueError:
                return s.SEC_E_TARGET_UNKNOWN, None
            in_token = None
            gss_ctx = None
        else:
            if not isinstance(ctx, cls) or ctx.failed:
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
            gss_ctx = self.step_state(ctx)

        try:
            res = self.gss_init(cred, gss_ctx, name, req, in_token, bindings)
        except gss.GssFailure as failure:
            if ctx is not None and not reauth:
                ctx.failed = True  # the handle stays valid until deleted
            return self.failure_status(failure, in_token is not None), None

        status = s.SEC_E_OK if res.complete else s.SEC_I_CONTINUE_NEEDED
        token = res.token or b""
        new_ctx: Optional[GssContext] = None
        if ctx is None or reauth:
            new_ctx = cls(self, cred, True)
            new_ctx.target = name_text
            new_ctx.name = name
            work = new_ctx
        else:
            work = ctx  # type: ignore[assignment]
        self.store_state(work, res.context)
        work.req = req
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            if new_ctx is not None:
                self.discard(res.context)
                return (s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN,
                        None)
            work.pending = (in_token, token, status)
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        work.pending = None
        self._finish_init(work, res, req, allocated, reauth)
        if reauth and isinstance(ctx, cls) and ctx.gss is not None:
            self.discard(ctx.gss)  # the old context is replaced on the same handle
        return status, new_ctx

    def _deliver_pending(self, ctx: GssContext, out_buf: Any, allocate: bool,
                         ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert ctx.pending is not None
        _, token, status = ctx.pending
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        ctx.pending = None
        if allocated:
            ctx.attrs |= ISC_RET_ALLOCATED_MEMORY if ctx.initiator else ASC_RET_ALLOCATED_MEMORY
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

    @staticmethod
    def isc_attrs(granted: int, req: int) -> int:
        """ISC_RET_* for the GSS flags granted to a request ``req``."""
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
        return attrs

    @staticmethod
    def asc_attrs(granted: int, req: int) -> int:
        """ASC_RET_* for the GSS flags of an accepted context and ``fContextReq``."""
        attrs = fl.gss_to_asc_ret(granted)
        if not req & ASC_REQ_CONFIDENTIALITY:
            attrs &= ~ASC_RET_CONFIDENTIALITY
        if not req & ASC_REQ_INTEGRITY:
            attrs &= ~ASC_RET_INTEGRITY
        for asked, answered in ASC_ECHO:
            if req & asked:
                attrs |= answered
        return attrs

    def _finish_init(self, ctx: GssContext, res: Any, req: int, allocated: bool,
                     reauth: bool) -> None:
        granted = res.flags
        ctx.gss_flags = granted
        attrs = self.isc_attrs(granted, req)
        if allocated:
            attrs |= ISC_RET_ALLOCATED_MEMORY
        if reauth:
            attrs |= ISC_RET_REAUTHENTICATION
        ctx.attrs = attrs
        ctx.expiry = expiry_epoch(res.lifetime)
        if res.complete:
            self._complete(ctx)

    def _complete(self, ctx: GssContext) -> None:
        ctx.complete = True
        ctx.started = time.time()
        ctx._names = None

    # -- AcceptSecurityContext ----------------------------------------------

    def accept(self, cred: Credential, ctx: Optional[Context], inputs: Any, req: int,
               output: Any) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        assert isinstance(cred, GssCredential)
        cls = self.context_class
        if req & self.asc_unsupported:
            return s.SEC_E_UNSUPPORTED_FUNCTION, None
        if not cred.use & SECPKG_CRED_INBOUND or cred.accept is None:
            return s.SEC_E_NO_CREDENTIALS, None
        if ctx is not None and (not isinstance(ctx, cls) or ctx.failed or ctx.initiator):
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
        gss_ctx = self.step_state(ctx) if isinstance(ctx, cls) else None
        pending = None
        if ctx is None:
            pending, cred.pending_accept = cred.pending_accept, None
        try:
            if pending is not None and pending[0] == token_in:
                res = pending[1]  # the retry of a first call whose buffer was too small
            else:
                if pending is not None:
                    self.discard(pending[1].context)
                res = self.gss_accept(cred, gss_ctx, token_in, bindings)
        except gss.GssFailure as failure:
            if ctx is not None:
                ctx.failed = True
            status = self.failure_status(failure, True)
            if req & ASC_REQ_EXTENDED_ERROR and failure.token and out_buf is not None:
                with contextlib.suppress(bufmap.BadBufferError):
                    self._write_token(out_buf, failure.token, allocate)
            return status, None
        token = res.token or b""
        try:
            allocated = self._write_token(out_buf, token, allocate)
        except bufmap.BadBufferError as err:
            if ctx is None:
                # nothing consumed (DESIGN 2.1): the retry with a usable output
                # buffer gets this result; the AP-REQ again would be a replay
                cred.pending_accept = (token_in, res)
            else:
                ctx.failed = True
            return s.SEC_E_BUFFER_TOO_SMALL if err.too_small else s.SEC_E_INVALID_TOKEN, None
        new_ctx: Optional[GssContext] = None
        if ctx is None:
            new_ctx = cls(self, cred, False)
            work = new_ctx
        else:
            work = ctx
        self.store_state(work, res.context)
        work.req = req
        work.gss_flags = res.flags
        attrs = self.asc_attrs(res.flags, req)
        if allocated:
            attrs |= ASC_RET_ALLOCATED_MEMORY
        work.attrs = attrs
        work.expiry = expiry_epoch(res.lifetime)
        if res.complete:
            work.delegated = res.delegated
            self._complete(work)
        return (s.SEC_E_OK if res.complete else s.SEC_I_CONTINUE_NEEDED), new_ctx

    # -- teardown -------------------------------------------------------------

    @staticmethod
    def discard(gss_ctx: Any) -> None:
        """Release a GSS context this package created."""
        gss.delete(gss_ctx)

    def delete_context(self, ctx: Context) -> None:
        if isinstance(ctx, GssContext) and ctx.gss is not None:
            self.discard(ctx.gss)
            ctx.gss = None

    def free_credentials(self, cred: Credential) -> None:
        if isinstance(cred, GssCredential):
            cred.initiate = cred.accept = None
            if cred.pending_accept is not None:
                self.discard(cred.pending_accept[1].context)
                cred.pending_accept = None
