"""The Negotiate package: SPNEGO (RFC 4178, MS-SPNG) over the Kerberos and NTLM packages.

Windows behaviour reproduced (the Negotiate pages of AcquireCredentialsHandle,
InitializeSecurityContext and AcceptSecurityContext; MS-SPNG):

* tokens are real SPNEGO: a NegTokenInit (mechTypes, the optimistic token of
  the first mechanism) then NegTokenResp tokens, with the mechListMIC
  exchange RFC 4178 requires when the acceptor did not take the initiator's
  first choice or the NTLM AUTHENTICATE message carries a MIC;
* Kerberos is preferred; NTLM is used when Kerberos cannot serve -- no
  Kerberos credential, no KDC for the realm, a service the KDC does not
  know, a target given as an IP address (there is no SPN for it) -- and
  NTLM is installed;
* ``SEC_WINNT_AUTH_IDENTITY_EX.PackageList`` (``"!ntlm"``, ``"Kerberos"``,
  ``"kerberos,!NTLM"``) restricts the packages, on either side;
* the exchange may need an extra final leg: after the mechanism is done the
  MICs still travel, so a side can return ``SEC_E_OK`` *with* a token that
  must be sent (the acceptor's last ``accept-completed``), and the
  initiator returns ``SEC_I_CONTINUE_NEEDED`` until that token arrived;
* ``SECPKG_ATTR_NEGOTIATION_INFO`` and ``SECPKG_ATTR_PACKAGE_INFO`` report the
  package that was chosen (Kerberos or NTLM), the other attributes and the
  message functions are the chosen package's own (Kerberos' RFC 4121
  layout, NTLM's 16-byte signature then sealed data);
* an acceptor also takes a bare NTLMSSP message or a bare Kerberos token
  from clients that skip SPNEGO, and answers in kind;
* SecPkgInfo: fCapabilities 0x83BB3, wRPCID 9 (RPC_C_AUTHN_GSS_NEGOTIATE),
  cbMaxToken 48256, "Microsoft Package Negotiator".

SPNEGO is implemented here (:mod:`sspi_compat.mapping.spnego` for the DER,
this module for the exchange, following MIT krb5's ``spnego_mech.c`` step by
step) rather than taken from MIT's SPNEGO mechanism, because each inner
mechanism must run with its own package's credentials and give its own
statuses: MIT's SPNEGO takes one name for every mechanism, reports
mechanism failures under minor codes renumbered at run time (DESIGN.md §3)
and falls back silently.  The result is checked against MIT's SPNEGO and
pyspnego's in both directions (``tests/integration/test_interop_spnego.py``).

Differences: NEGOEX (and with it PKU2U and CloudAP) is not offered; the
acceptor's mechanism order is Kerberos then NTLM whatever the PackageList
order; a NetBIOS domain name in an explicit identity is not resolved to the
DNS realm (it is used as the realm as it is, which usually means Kerberos
cannot serve and NTLM is used).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Dict, List, Optional, Tuple

from .. import _status as s
from .. import gss
from .._constants import (
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_NEGOTIATION_INFO,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_CONNECTION,
    SECPKG_FLAG_EXTENDED_ERROR,
    SECPKG_FLAG_GSS_COMPATIBLE,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_LOGON,
    SECPKG_FLAG_MULTI_REQUIRED,
    SECPKG_FLAG_NEGOTIABLE,
    SECPKG_FLAG_PRIVACY,
    SECPKG_FLAG_RESTRICTED_TOKENS,
)
from .._status import SECURITY_STATUS
from .._types import SEC_WINNT_AUTH_IDENTITY, SEC_WINNT_AUTH_IDENTITY_EX
from ..mapping import flags as fl
from ..mapping import spnego as sp
from ..mapping.names import TargetName
from ..mapping.packages import NEGOTIABLE, parse_package_list
from ..mapping.status import (
    GSS_S_BAD_MECH,
    GSS_S_BAD_NAME,
    GSS_S_DEFECTIVE_TOKEN,
    GSS_S_NO_CRED,
    GSS_S_UNAUTHORIZED,
)
from . import _context_attrs
from ._base import Context, Credential, SecurityPackage
from ._gss_package import GssContext, GssCredential, GssPackage

__all__ = ["NegotiateContext", "NegotiateCredential", "NegotiatePackage"]

log = logging.getLogger("sspi_compat")

_OIDS: Dict[str, str] = {"kerberos": sp.OID_KRB5, "ntlm": sp.OID_NTLM}
_NAMES: Dict[str, str] = {oid: name for name, oid in _OIDS.items()}


def _canonical(oid: Optional[str]) -> Optional[str]:
    return sp.OID_KRB5 if oid in sp.KRB5_ALIASES else oid


def _defective(message: str, token: Optional[bytes] = None) -> gss.GssFailure:
    return gss.GssFailure(GSS_S_DEFECTIVE_TOKEN, message=f"SPNEGO: {message}", token=token)


def _target_host(target: str) -> str:
    """The host part of a target (``HTTP/host:80`` -> ``host``, ``[::1]`` -> ``::1``)."""
    text = target.rstrip("\0")
    if "/" in text:  # SPN: service/host[:port][/name][@REALM]
        text = text.split("/")[1].split("@", 1)[0]
    elif "@" in text:  # service@host
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):  # [IPv6 address]:port
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:  # host:port
        text = text.split(":", 1)[0]
    return text


def _is_ip_address(target: str) -> bool:
    try:
        ipaddress.ip_address(_target_host(target))
        return True
    except ValueError:
        return False


class NegotiateCredential(GssCredential):
    """One credential of each sub-package that could be acquired, and the PackageList."""

    def __init__(self, package: SecurityPackage, use: int, allowed: Tuple[str, ...]) -> None:
        super().__init__(package, use)
        self.allowed = allowed
        self.subs: Dict[str, GssCredential] = {}

    def outbound(self) -> List[str]:
        return [n for n in self.allowed if n in self.subs and self.subs[n].use
                & SECPKG_CRED_OUTBOUND]

    def inbound(self) -> List[str]:
        return [n for n in self.allowed if n in self.subs and self.subs[n].use
                & SECPKG_CRED_INBOUND]

    def __repr__(self) -> str:
        return (f"<NegotiateCredential packages={sorted(self.subs)!r} "
                f"allowed={self.allowed!r} use={self.use:#x}>")


class _Spnego:
    """The SPNEGO exchange state (MIT's ``spnego_gss_ctx_id_rec``)."""

    __slots__ = ("first_reply", "inner", "mech", "mech_complete", "mech_types_der",
                 "mic_rcvd", "mic_reqd", "mic_sent", "nego_done", "offered", "raw",
                 "sub_name", "supported_oid", "target")

    def __init__(self) -> None:
        self.mech: Optional[str] = None  # canonical OID of the selected mechanism
        self.inner: Optional[GssContext] = None  # that package's context object
        self.target = ""  # initiator: pszTargetName as given
        self.sub_name: Optional[TargetName] = None  # initiator: the target, parsed by it
        self.offered: Tuple[str, ...] = ()  # initiator: the mechTypes sent
        self.mech_types_der = b""  # what mechListMIC covers
        self.nego_done = False
        self.mech_complete = False
        self.mic_reqd = False
        self.mic_sent = False
        self.mic_rcvd = False
        self.raw = False  # acceptor: the peer sent the inner mechanism's token bare
        self.first_reply = True  # acceptor: supportedMech still to be sent
        self.supported_oid: Optional[str] = None  # acceptor: the OID as the peer spelled it

    @property
    def gss(self) -> Any:
        return self.inner.gss if self.inner is not None else None


class NegotiateContext(GssContext):
    """A Negotiate context: ``gss`` is the chosen mechanism's GSS context,
    ``spnego`` the exchange state with the chosen package's own context."""

    def __init__(self, package: SecurityPackage, cred: Credential, initiator: bool) -> None:
        super().__init__(package, cred, initiator)
        self.spnego: Optional[_Spnego] = None


class NegotiatePackage(GssPackage):
    name = "Negotiate"
    comment = "Microsoft Package Negotiator"
    capabilities = (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION
                    | SECPKG_FLAG_MULTI_REQUIRED | SECPKG_FLAG_EXTENDED_ERROR
                    | SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_ACCEPT_WIN32_NAME
                    | SECPKG_FLAG_NEGOTIABLE | SECPKG_FLAG_GSS_COMPATIBLE
                    | SECPKG_FLAG_LOGON | SECPKG_FLAG_RESTRICTED_TOKENS)  # 0x83BB3
    rpcid = 9  # RPC_C_AUTHN_GSS_NEGOTIATE
    max_token = 48256
    mech = gss.MECH_SPNEGO
    context_class = NegotiateContext
    target_required = False
    # ImportSecurityContext: an exported Negotiate context is its inner
    # mechanism's context (Kerberos or NTLM), not an SPNEGO one.
    imported_mech = None

    def __init__(self, kerberos: GssPackage, ntlm: GssPackage) -> None:
        self.subpackages: Dict[str, GssPackage] = {"kerberos": kerberos, "ntlm": ntlm}
        self._by_oid: Dict[str, GssPackage] = {_OIDS[n]: p for n, p in
                                               self.subpackages.items()}

    def _available(self) -> Tuple[str, ...]:
        return tuple(n for n in NEGOTIABLE if self.subpackages[n].available())

    # -- credentials -------------------------------------------------------------

    def acquire_credentials(self, principal: Optional[str], use: int, auth: Any,
                            ) -> Tuple[SECURITY_STATUS, Optional[Credential]]:
        if auth is not None and not isinstance(auth, SEC_WINNT_AUTH_IDENTITY):
            return s.SEC_E_UNKNOWN_CREDENTIALS, None
        available = self._available()
        allowed: Optional[Tuple[str, ...]] = None
        if isinstance(auth, SEC_WINNT_AUTH_IDENTITY_EX) and auth.PackageList is not None:
            try:
                text = auth._text(auth.PackageList)
            except (ValueError, UnicodeError, TypeError):
                return s.SEC_E_SECPKG_NOT_FOUND, None
            try:
                allowed = parse_package_list(text, NEGOTIABLE)
            except ValueError as err:
                log.info("Negotiate: PackageList %r refused: %s", text, err)
                return s.SEC_E_SECPKG_NOT_FOUND, None
            if allowed is not None:
                missing = [n for n in allowed if n not in available]
                if missing and len(missing) == len(allowed):
                    log.warning("Negotiate: PackageList %r names only packages that are not "
                                "available here (%s)", text, ", ".join(missing))
                    return s.SEC_E_SECPKG_NOT_FOUND, None
                allowed = tuple(n for n in allowed if n in available)
        cred = NegotiateCredential(self, use, allowed if allowed is not None else available)
        first_failure: Optional[SECURITY_STATUS] = None
        for name in cred.allowed:
            status, sub = self.subpackages[name].acquire_credentials(principal, use, auth)
            if status == s.SEC_E_OK and isinstance(sub, GssCredential):
                cred.subs[name] = sub
            elif first_failure is None:
                first_failure = status
        if not cred.subs:
            return first_failure or s.SEC_E_NO_CREDENTIALS, None
        kerberos = cred.subs.get("kerberos")
        cred.expiry = kerberos.expiry if kerberos is not None else None
        # The base class's checks look for these: any direction we can serve.
        cred.initiate = cred.subs if cred.outbound() else None
        cred.accept = cred.subs if cred.inbound() else None
        return s.SEC_E_OK, cred

    def credential_name(self, cred: NegotiateCredential) -> Optional[str]:
        for name in NEGOTIABLE:
            sub = cred.subs.get(name)
            lookup = getattr(sub.package, "credential_name", None) if sub is not None else None
            if lookup is not None:
                found: Optional[str] = lookup(sub)
                if found:
                    return found
        return None

    def free_credentials(self, cred: Credential) -> None:
        if isinstance(cred, NegotiateCredential):
            for sub in cred.subs.values():
                sub.package.free_credentials(sub)
            cred.subs = {}
        super().free_credentials(cred)

    # -- the state the shared exchange machinery carries ---------------------------

    @staticmethod
    def step_state(ctx: GssContext) -> Any:
        return getattr(ctx, "spnego", None)

    @staticmethod
    def store_state(ctx: GssContext, state: Any) -> None:
        assert isinstance(ctx, NegotiateContext)
        ctx.spnego = state
        ctx.gss = state.gss if isinstance(state, _Spnego) else state

    @staticmethod
    def discard(gss_ctx: Any) -> None:
        if isinstance(gss_ctx, _Spnego):
            if gss_ctx.inner is not None and gss_ctx.inner.gss is not None:
                gss.delete(gss_ctx.inner.gss)
                gss_ctx.inner.gss = None
        elif gss_ctx is not None:
            gss.delete(gss_ctx)

    def delete_context(self, ctx: Context) -> None:
        if isinstance(ctx, NegotiateContext):
            if ctx.spnego is not None and ctx.spnego.inner is not None:
                ctx.spnego.inner.gss = None
            ctx.spnego = None
        super().delete_context(ctx)

    def parse_target(self, target: str) -> TargetName:
        """Kept as given: each inner package parses it its own way."""
        text = (target or "").rstrip("\0")
        if "\0" in text:
            raise ValueError("embedded NUL in target name")
        return TargetName(text, False)

    def _sub(self, oid: str) -> GssPackage:
        return self._by_oid[oid]

    def _new_inner(self, state: _Spnego, oid: str, cred: NegotiateCredential,
                   initiator: bool) -> GssContext:
        sub = self._sub(oid)
        inner = sub.context_class(sub, cred.subs[_NAMES[oid]], initiator)
        state.mech = oid
        state.inner = inner
        state.mech_complete = False
        return inner

    @staticmethod
    def _reported_flags(oid: Optional[str], flags: int) -> int:
        # NTLM cannot authenticate the server: gss-ntlmssp's echo of
        # GSS_C_MUTUAL_FLAG is not passed on (the NTLM package does the same).
        if oid == sp.OID_NTLM:
            return flags & ~fl.GSS_C_MUTUAL_FLAG
        return flags

    # -- InitializeSecurityContext: the initiator's SPNEGO ------------------------

    def gss_init(self, cred: GssCredential, gss_ctx: Any, name: TargetName, req: int,
                 in_token: Optional[bytes], bindings: Any, extra_flags: int = 0,
                 ) -> gss.InitResult:
        assert isinstance(cred, NegotiateCredential)
        if gss_ctx is None:
            return self._init_first(cred, name, req, bindings)
        assert isinstance(gss_ctx, _Spnego)
        return self._init_next(cred, gss_ctx, req, in_token or b"", bindings)

    def _init_first(self, cred: NegotiateCredential, name: TargetName, req: int,
                    bindings: Any) -> gss.InitResult:
        candidates = [_OIDS[n] for n in cred.outbound()]
        if not candidates:
            raise gss.GssFailure(GSS_S_NO_CRED, message="no outbound credential")
        if len(candidates) > 1 and sp.OID_KRB5 in candidates and _is_ip_address(name.text):
            # Windows: an IP address has no SPN, so Kerberos is not tried.
            candidates.remove(sp.OID_KRB5)
        first_error: Optional[gss.GssFailure] = None
        for index, oid in enumerate(candidates):
            sub = self._sub(oid)
            sub_cred = cred.subs[_NAMES[oid]]
            try:
                sub_name = sub.parse_target(name.text)
                res = sub.gss_init(sub_cred, None, sub_name, req, None, bindings,
                                   fl.GSS_C_INTEG_FLAG)
            except ValueError:
                error = gss.GssFailure(GSS_S_BAD_NAME, message="target name not usable")
            except gss.GssFailure as failure:
                error = failure
            else:
                if index:
                    log.info("Negotiate: %s could not serve %r (%s); using %s",
                             _NAMES[candidates[0]], name.text,
                             first_error.message if first_error else "", _NAMES[oid])
                state = _Spnego()
                inner = self._new_inner(state, oid, cred, True)
                inner.target = name.text
                inner.name = sub_name
                state.target = name.text
                state.sub_name = sub_name
                state.offered = tuple(candidates[index:])
                state.mech_types_der = sp.encode_mech_types(state.offered)
                self._inner_step(state, res, req)
                self._ntlm_mic_check(state)
                token = sp.encode_init(state.offered, res.token or b"")
                # The first token always waits for the acceptor's answer.
                return gss.InitResult(state, token, self._reported_flags(oid, res.flags),
                                      res.lifetime, False)
            if first_error is None:
                first_error = error
        assert first_error is not None
        raise first_error

    @staticmethod
    def _ntlm_mic_check(state: _Spnego) -> None:
        """Ask gss-ntlmssp, after each of its tokens, whether SPNEGO must MIC.

        The question matters in itself: asked after the NEGOTIATE message it
        tells gss-ntlmssp that SPNEGO can carry a mechListMIC, and only then
        does it put a MIC into AUTHENTICATE (gssapi_ntlmssp.h), as Windows'
        SPNEGO expects; asked after AUTHENTICATE it says whether it did.
        MIT's SPNEGO makes the same call at the same points.
        """
        inner = state.inner
        if (state.mech == sp.OID_NTLM and inner is not None and inner.gss is not None
                and gss.ntlm_requires_mechlist_mic(inner.gss)):
            state.mic_reqd = True

    @staticmethod
    def _inner_step(state: _Spnego, res: Any, req: int) -> None:
        inner = state.inner
        assert inner is not None
        inner.gss = res.context
        inner.req = req
        inner.gss_flags = res.flags
        state.mech_complete = bool(res.complete)

    def _init_next(self, cred: NegotiateCredential, state: _Spnego, req: int,
                   in_token: bytes, bindings: Any) -> gss.InitResult:
        try:
            resp = sp.decode(in_token)
        except sp.SpnegoError as err:
            raise _defective(str(err)) from None
        if not isinstance(resp, sp.NegTokenResp):
            raise _defective("expected a NegTokenResp")
        mech_in = resp.response_token
        reject = resp.neg_state == sp.REJECT
        if reject and mech_in is None:
            if not state.nego_done:
                raise gss.GssFailure(GSS_S_BAD_MECH, message="SPNEGO: the acceptor supports "
                                     "none of the offered mechanisms")
            raise gss.GssFailure(GSS_S_UNAUTHORIZED, message="SPNEGO: rejected by the acceptor")
        call_mech = False
        if not state.nego_done:
            supported = _canonical(resp.supported_mech or state.mech)
            if supported != state.mech:
                # The acceptor counter-proposes: start that mechanism afresh.
                if supported not in state.offered:
                    raise _defective("supportedMech was not offered")
                if resp.neg_state == sp.ACCEPT_INCOMPLETE:
                    if supported != sp.OID_NTLM:
                        raise _defective("counter-proposal without request-mic")
                elif resp.neg_state != sp.REQUEST_MIC:
                    raise _defective("counter-proposal without request-mic")
                try:
                    sub_name = self._sub(supported).parse_target(state.target)
                except ValueError:
                    raise gss.GssFailure(GSS_S_BAD_NAME, message="target name not usable by "
                                         "the mechanism the acceptor chose") from None
                self.discard(state)
                inner = self._new_inner(state, supported, cred, True)
                inner.target = state.target
                inner.name = state.sub_name = sub_name
                state.mic_reqd = resp.neg_state == sp.REQUEST_MIC
                call_mech = True
                mech_in = None
            elif mech_in is None:
                if not state.mech_complete:
                    raise _defective("no token from the acceptor")
            elif not mech_in and state.mech_complete:
                mech_in = None  # old IIS: an empty token for "nothing"
            elif state.mech_complete:
                raise _defective("spurious token from the acceptor")
            else:
                call_mech = True
            state.nego_done = True
        elif (not state.mech_complete and mech_in is None) or (
                state.mech_complete and mech_in is not None):
            raise _defective("missing or spurious token from the acceptor")
        else:
            call_mech = not state.mech_complete

        mech_out: Optional[bytes] = None
        current = state.inner
        assert current is not None and state.mech is not None
        res_flags, lifetime = current.gss_flags, None
        if call_mech:
            sub = self._sub(state.mech)
            sub_cred = current.cred
            assert state.sub_name is not None and isinstance(sub_cred, GssCredential)
            res = sub.gss_init(sub_cred, current.gss, state.sub_name, req, mech_in, bindings,
                               fl.GSS_C_INTEG_FLAG)
            if reject:
                raise _defective("the acceptor rejected a token the mechanism accepted")
            self._inner_step(state, res, req)
            mech_out = res.token or None
            res_flags, lifetime = res.flags, res.lifetime
            self._ntlm_mic_check(state)

        mic_out = None
        complete = False
        if state.mech_complete and current.gss_flags & fl.GSS_C_INTEG_FLAG:
            mic_out = self._handle_mic(state, resp.mech_list_mic, mech_out is not None)
            complete = (state.mic_sent and state.mic_rcvd) or (
                not state.mic_reqd and mech_out is None)
        elif state.mech_complete:
            complete = mech_out is None
        token = sp.encode_resp(None, None, mech_out, mic_out) \
            if mech_out is not None or mic_out is not None else b""
        return gss.InitResult(state, token, self._reported_flags(state.mech, res_flags),
                              lifetime, complete)

    def _handle_mic(self, state: _Spnego, mic_in: Optional[bytes], sending_mech_token: bool,
                    ) -> Optional[bytes]:
        """MIT's handle_mic/process_mic: check the peer's mechListMIC, make ours."""
        inner = state.inner
        assert inner is not None
        if mic_in is not None:
            if state.mic_rcvd:
                raise _defective("a second mechListMIC", sp.encode_resp(sp.REJECT))
        elif state.mic_reqd and not sending_mech_token:
            raise _defective("the final token lacks the mechListMIC",
                             sp.encode_resp(sp.REJECT))
        ntlm = state.mech == sp.OID_NTLM
        if mic_in is not None:
            gss.verify_mic(inner.gss, state.mech_types_der, mic_in)
            if ntlm:
                gss.ntlm_reset_crypto(inner.gss, True)
            state.mic_reqd = state.mic_rcvd = True
        if state.mic_reqd and not state.mic_sent:
            mic = gss.get_mic(inner.gss, state.mech_types_der)
            if ntlm:
                gss.ntlm_reset_crypto(inner.gss, False)
            state.mic_sent = True
            return mic
        return None

    # -- AcceptSecurityContext: the acceptor's SPNEGO -----------------------------

    def gss_accept(self, cred: GssCredential, gss_ctx: Any, token: bytes, bindings: Any,
                   ) -> gss.AcceptResult:
        assert isinstance(cred, NegotiateCredential)
        inbound = [_OIDS[n] for n in cred.inbound()]
        if gss_ctx is None:
            state = _Spnego()
            raw = sp.raw_mechanism(token)
            if raw is not None:
                if raw not in inbound:
                    raise gss.GssFailure(GSS_S_BAD_MECH, message="Negotiate: bare token of a "
                                         "package this credential does not serve")
                state.raw = True
                self._new_inner(state, raw, cred, False)
                return self._accept_raw(state, token, bindings)
            return self._accept_first(cred, state, inbound, token, bindings)
        assert isinstance(gss_ctx, _Spnego)
        if gss_ctx.raw:
            return self._accept_raw(gss_ctx, token, bindings)
        return self._accept_next(gss_ctx, token, bindings)

    def _accept_raw(self, state: _Spnego, token: bytes, bindings: Any) -> gss.AcceptResult:
        inner = state.inner
        assert inner is not None and state.mech is not None
        res = self._sub(state.mech).gss_accept(inner.cred, inner.gss, token,  # type: ignore[arg-type]
                                               bindings)
        inner.gss = res.context
        inner.gss_flags = res.flags
        state.mech_complete = res.complete
        return gss.AcceptResult(state, res.token, self._reported_flags(state.mech, res.flags),
                                res.lifetime, res.complete, res.delegated)

    def _accept_first(self, cred: NegotiateCredential, state: _Spnego, inbound: List[str],
                      token: bytes, bindings: Any) -> gss.AcceptResult:
        try:
            init = sp.decode(token)
        except sp.SpnegoError as err:
            raise _defective(str(err)) from None
        if not isinstance(init, sp.NegTokenInit):
            raise _defective("expected a NegTokenInit")
        chosen = None
        for index, oid in enumerate(init.mech_types):
            if _canonical(oid) in inbound:
                chosen = (index, oid)
                break
        if chosen is None:
            raise gss.GssFailure(GSS_S_BAD_MECH, token=sp.encode_resp(sp.REJECT),
                                 message="SPNEGO: none of the offered mechanisms is served "
                                 "here")
        index, offered_oid = chosen
        canonical = _canonical(offered_oid)
        assert canonical is not None
        self._new_inner(state, canonical, cred, False)
        state.supported_oid = offered_oid
        state.mech_types_der = init.mech_types_der
        state.mic_reqd = index != 0
        neg_state = sp.REQUEST_MIC if index else sp.ACCEPT_INCOMPLETE
        mech_in = init.mech_token if index == 0 else None
        return self._accept_common(state, mech_in, init.mech_list_mic, neg_state, bindings)

    def _accept_next(self, state: _Spnego, token: bytes, bindings: Any) -> gss.AcceptResult:
        try:
            resp = sp.decode(token)
        except sp.SpnegoError as err:
            raise _defective(str(err)) from None
        if not isinstance(resp, sp.NegTokenResp):
            raise _defective("expected a NegTokenResp")
        if resp.response_token is None and resp.mech_list_mic is None:
            raise _defective("neither a token nor a MIC")
        if resp.supported_mech is not None:
            raise _defective("supportedMech from the initiator")
        return self._accept_common(state, resp.response_token, resp.mech_list_mic,
                                   sp.ACCEPT_INCOMPLETE, bindings)

    def _accept_common(self, state: _Spnego, mech_in: Optional[bytes],
                       mic_in: Optional[bytes], neg_state: int, bindings: Any,
                       ) -> gss.AcceptResult:
        inner = state.inner
        assert inner is not None and state.mech is not None
        mech_out: Optional[bytes] = None
        lifetime: Optional[int] = None
        delegated = None
        if neg_state != sp.REQUEST_MIC and mech_in is not None:
            if state.mech_complete:
                raise _defective("a token after the mechanism completed",
                                 sp.encode_resp(sp.REJECT))
            try:
                res = self._sub(state.mech).gss_accept(inner.cred, inner.gss,  # type: ignore[arg-type]
                                                       mech_in, bindings)
            except gss.GssFailure as failure:
                # The mechanism's error token travels in a reject NegTokenResp.
                raise gss.GssFailure(failure.major, failure.minor, krb5=failure.krb5,
                                     message=failure.message,
                                     token=sp.encode_resp(sp.REJECT, None, failure.token)
                                     ) from None
            inner.gss = res.context
            inner.gss_flags = res.flags
            mech_out = res.token or None
            lifetime = res.lifetime
            delegated = res.delegated
            if res.complete:
                state.mech_complete = True
                if not state.mic_reqd or not res.flags & fl.GSS_C_INTEG_FLAG:
                    neg_state = sp.ACCEPT_COMPLETED
        mic_out = None
        send = True
        if state.mech_complete and inner.gss_flags & fl.GSS_C_INTEG_FLAG:
            mic_out = self._handle_mic(state, mic_in, mech_out is not None)
            if state.mic_sent and state.mic_rcvd:
                neg_state = sp.ACCEPT_COMPLETED
                send = mic_out is not None or mech_out is not None or state.first_reply
            elif state.mic_reqd:
                neg_state = sp.ACCEPT_INCOMPLETE
        supported = state.supported_oid if state.first_reply else None
        state.first_reply = False
        token = sp.encode_resp(neg_state, supported, mech_out, mic_out) if send else b""
        complete = neg_state == sp.ACCEPT_COMPLETED
        return gss.AcceptResult(state, token, self._reported_flags(state.mech, inner.gss_flags),
                                lifetime, complete, delegated if complete else None)

    # -- completion, attributes, messages -------------------------------------------

    def _complete(self, ctx: GssContext) -> None:
        super()._complete(ctx)
        inner = self.inner(ctx)
        if inner is not None:
            inner.attrs = ctx.attrs
            inner.expiry = ctx.expiry
            inner.delegated = ctx.delegated
            inner.package._complete(inner)  # type: ignore[attr-defined]

    def inner(self, ctx: Context) -> Optional[GssContext]:
        """The chosen package's context, in step with ``ctx`` (None before a choice).

        An imported Negotiate context (ImportSecurityContext) has no SPNEGO
        state: its package is found from the GSS context's mechanism.
        """
        if not isinstance(ctx, NegotiateContext):
            return None
        state = ctx.spnego
        if state is None or state.inner is None:
            if ctx.gss is None:
                return None
            try:
                mech = gss.inquire(ctx.gss).mech
            except gss.GssFailure:
                return None
            sub = self._by_oid.get(_canonical(mech) or "")
            if sub is None:
                return None
            state = ctx.spnego = _Spnego()
            state.mech = _canonical(mech)
            state.inner = sub.context_class(sub, GssCredential(sub, 0), ctx.initiator)
            state.inner.complete = ctx.complete
            state.inner.started = ctx.started
        inner = state.inner
        assert inner is not None
        # Keep the inner context in step with the handle's (ExportSecurityContext
        # swaps ctx.gss; a failed leg marks ctx.failed).
        inner.gss = ctx.gss
        inner.failed = ctx.failed
        inner.expiry = ctx.expiry
        inner.gss_flags = ctx.gss_flags
        return inner

    def negotiated(self, ctx: Context) -> Optional[SecurityPackage]:
        """The package SPNEGO chose (NEGOTIATION_INFO / PACKAGE_INFO)."""
        state = getattr(ctx, "spnego", None)
        if state is None or state.mech is None:
            inner = self.inner(ctx)
            return inner.package if inner is not None else None
        return self._by_oid.get(state.mech)

    def query_context(self, ctx: Context, attribute: int, buffer: Any) -> SECURITY_STATUS:
        if attribute in (SECPKG_ATTR_NEGOTIATION_INFO, SECPKG_ATTR_PACKAGE_INFO,
                         SECPKG_ATTR_FLAGS):
            return _context_attrs.query(self, ctx, attribute, buffer)
        inner = self.inner(ctx)
        if inner is None:
            return s.SEC_E_INVALID_HANDLE
        return inner.package.query_context(inner, attribute, buffer)

    def query_credentials(self, cred: Credential, attribute: int, buffer: Any,
                          ) -> SECURITY_STATUS:
        return _context_attrs.query_credentials(self, cred, attribute, buffer)

    def make_signature(self, ctx: Context, qop: int, message: Any, seqno: int,
                       ) -> SECURITY_STATUS:
        inner = self.inner(ctx)
        if inner is None or not ctx.complete:
            return s.SEC_E_INVALID_HANDLE
        return inner.package.make_signature(inner, qop, message, seqno)

    def verify_signature(self, ctx: Context, message: Any, seqno: int, qop_out: Any,
                         ) -> SECURITY_STATUS:
        inner = self.inner(ctx)
        if inner is None or not ctx.complete:
            return s.SEC_E_INVALID_HANDLE
        return inner.package.verify_signature(inner, message, seqno, qop_out)

    def encrypt_message(self, ctx: Context, qop: int, message: Any, seqno: int,
                        ) -> SECURITY_STATUS:
        inner = self.inner(ctx)
        if inner is None or not ctx.complete:
            return s.SEC_E_INVALID_HANDLE
        return inner.package.encrypt_message(inner, qop, message, seqno)

    def decrypt_message(self, ctx: Context, message: Any, seqno: int, qop_out: Any,
                        ) -> SECURITY_STATUS:
        inner = self.inner(ctx)
        if inner is None or not ctx.complete:
            return s.SEC_E_INVALID_HANDLE
        return inner.package.decrypt_message(inner, message, seqno, qop_out)
