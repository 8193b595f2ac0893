"""The NTLM package over gss-ntlmssp: AcquireCredentialsHandle,
InitializeSecurityContext, AcceptSecurityContext (NTLM) and message protection.

Windows behaviour reproduced (the NTLM pages of InitializeSecurityContext /
AcceptSecurityContext, MS-NLMP):

* three legs, raw NTLMSSP messages: the client's first call returns
  NEGOTIATE with ``SEC_I_CONTINUE_NEEDED``, the server answers CHALLENGE with
  ``SEC_I_CONTINUE_NEEDED``, the client's second call returns AUTHENTICATE
  with ``SEC_E_OK`` (the token must still be sent), the server's second call
  returns ``SEC_E_OK`` with no token;
* ``pszTargetName`` may be None (NTLM needs no SPN); an SPN given is sent in
  the AUTHENTICATE message's target-name field;
* the client gives an explicit user, domain and password
  (``SEC_WINNT_AUTH_IDENTITY``: ``user`` + ``Domain``, ``DOMAIN\\user`` or
  ``user@domain``), or none for its "logon session";
* ``SECPKG_ATTR_NAMES`` on the server is ``DOMAIN\\user``;
* NTLM has no mutual authentication and no delegation: ISC_RET_MUTUAL_AUTH
  and ISC_RET_DELEGATE are never reported;
* SecPkgInfo: fCapabilities 0x82B37, wRPCID 10 (RPC_C_AUTHN_WINNT),
  cbMaxToken 2888, "NTLM Security Package".

Where the users come from (the Linux meaning of the logon session and of the
domain controller):

* client, no identity: gss-ntlmssp's default credential -- the first entry of
  the file named by ``NTLM_USER_FILE`` (``pszPrincipal`` picks an entry by
  name), or winbind when gss-ntlmssp was built with it;
* server: the users of the file named by ``NTLM_USER_FILE`` (lines
  ``DOMAIN:user:password``, or smbpasswd lines with NT hashes), read by
  gss-ntlmssp when a client authenticates.

gss-ntlmssp must be installed; it is found even when it is not registered
under /etc (:mod:`sspi_compat.gss.mechs`).  When it is missing the package is
absent: EnumerateSecurityPackages does not list it, and every call naming it
answers ``SEC_E_SECPKG_NOT_FOUND``, with the remedy logged once.

Known gss-ntlmssp traps handled (DESIGN.md §4, and measured here):

* asking an acceptor context for its target name dereferences a NULL name
  when the acceptor credential has none: the gss layer never asks NTLM
  acceptor contexts for it;
* naming the acceptor credential is no cure: gss-ntlmssp's server then puts
  that name in the CHALLENGE as MsvAvTargetName and gss-ntlmssp clients
  refuse (EINVAL) any target name that differs.  So the server credential
  is nameless unless ``pszPrincipal`` names it;
* client names carry a trailing NUL (``SSPI\\alice\\0``): stripped;
* once installed, a nameless accept credential acquired without a mechanism
  list covers NTLM and SPNEGO too: every credential here names its mechanism.

Differences: no datagram (connectionless) NTLM, no NTLMv1-only peers beyond
what gss-ntlmssp's LM compatibility level allows, and ``ptsExpiry`` is
"never" (gss-ntlmssp contexts do not expire).
"""

from __future__ import annotations

import errno
import logging
import os
from typing import Any, Optional, Tuple

from .. import _status as s
from .. import gss
from .._constants import (
    ISC_RET_DELEGATE,
    ISC_RET_MUTUAL_AUTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_CONNECTION,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_LOGON,
    SECPKG_FLAG_MULTI_REQUIRED,
    SECPKG_FLAG_NEGOTIABLE,
    SECPKG_FLAG_PRIVACY,
    SECPKG_FLAG_RESTRICTED_TOKENS,
    SECPKG_FLAG_TOKEN_ONLY,
)
from .._status import SECURITY_STATUS
from .._types import SEC_WINNT_AUTH_IDENTITY, SecPkgContext_Sizes
from ..mapping import flags as fl
from ..mapping.names import TargetName
from ..mapping.status import (
    GSS_S_BAD_BINDINGS,
    GSS_S_DEFECTIVE_TOKEN,
    GSS_S_FAILURE,
    GSS_S_NO_CONTEXT,
    GSS_S_NO_CRED,
    GSS_S_UNAUTHORIZED,
    ROUTINE_MASK,
    gss_to_status,
)
from . import _context_attrs, ntlm_messages
from ._base import Context, Credential, SecurityPackage
from ._gss_package import GssContext, GssCredential, GssPackage

__all__ = ["NtlmContext", "NtlmCredential", "NtlmPackage", "ntlm_user_name"]

MECH = gss.MECH_NTLM
log = logging.getLogger("sspi_compat")

# NTLM cannot delegate; asking gss-ntlmssp for it would only be ignored.
_NO_GSS = fl.GSS_C_DELEG_FLAG | fl.GSS_C_DELEG_POLICY_FLAG


def ntlm_user_name(user: Optional[str], domain: Optional[str]) -> Optional[str]:
    """``user`` + ``Domain`` in any Windows spelling -> the name gss-ntlmssp parses.

    ``DOMAIN\\user`` and ``user@domain`` pass unchanged; a separate domain
    makes ``DOMAIN\\user``.  The domain keeps its case (NTLMv2 hashes it as
    given).
    """
    if not user:
        return None
    if domain and "\\" not in user and "@" not in user:
        return f"{domain}\\{user}"
    return user


class NtlmCredential(GssCredential):
    """gss-ntlmssp credentials: a user credential (out), a server credential (in)."""

    def __init__(self, package: SecurityPackage, use: int, user: Optional[str]) -> None:
        super().__init__(package, use)
        self.user = user

    def __repr__(self) -> str:
        return f"<NtlmCredential user={self.user!r} use={self.use:#x}>"


class NtlmContext(GssContext):
    """An NTLM context (names read from gss-ntlmssp on first use)."""


class NtlmPackage(GssPackage):
    name = "NTLM"
    comment = "NTLM Security Package"
    capabilities = (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_TOKEN_ONLY
                    | SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MULTI_REQUIRED
                    | SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_ACCEPT_WIN32_NAME
                    | SECPKG_FLAG_NEGOTIABLE | SECPKG_FLAG_LOGON
                    | SECPKG_FLAG_RESTRICTED_TOKENS)  # 0x82B37, as Windows reports
    rpcid = 10  # RPC_C_AUTHN_WINNT
    max_token = 2888
    mech = MECH
    context_class = NtlmContext
    target_required = False

    def available(self) -> bool:
        return gss.ntlm_status().available

    # -- credentials ---------------------------------------------------------

    def acquire_credentials(self, principal: Optional[str], use: int, auth: Any,
                            ) -> Tuple[SECURITY_STATUS, Optional[Credential]]:
        if not self.available():
            return s.SEC_E_SECPKG_NOT_FOUND, None
        user: Optional[str] = None
        password: Optional[str] = None
        if auth is not None:
            if not isinstance(auth, SEC_WINNT_AUTH_IDENTITY):
                return s.SEC_E_UNKNOWN_CREDENTIALS, None
            try:
                a_user, a_domain, password = auth.decoded()
            except (ValueError, UnicodeError):
                return s.SEC_E_UNKNOWN_CREDENTIALS, None
            user = ntlm_user_name(a_user, a_domain)
            if password is not None and user is None:
                return s.SEC_E_UNKNOWN_CREDENTIALS, None
        if user is None and principal and use & SECPKG_CRED_OUTBOUND:
            user = principal
        cred = NtlmCredential(self, use, user)
        try:
            if use & SECPKG_CRED_OUTBOUND:
                cred.initiate = gss.acquire_named("initiate", MECH, user, "user", password)
                if password is None and user is not None:
                    self._probe(cred)
            if use & SECPKG_CRED_INBOUND:
                if not os.environ.get("NTLM_USER_FILE"):
                    log.info("NTLM: NTLM_USER_FILE is not set; gss-ntlmssp will refuse "
                             "every client unless it was built with winbind")
                # Nameless unless asked: see the module docstring (MsvAvTargetName).
                server = self.parse_target(principal).text if principal else None
                cred.accept = gss.acquire_named("accept", MECH, server, "hostbased")
        except gss.GssFailure as failure:
            return self.credential_status(failure), None
        return s.SEC_E_OK, cred

    def _probe(self, cred: NtlmCredential) -> None:
        """A named credential without a password: make gss-ntlmssp show that it
        holds a secret for that user (it accepts any ``DOMAIN\\user`` name and
        fails only when producing a token).  A local NEGOTIATE message, thrown
        away; GssFailure(GSS_S_NO_CRED) if there is no secret."""
        res = self.gss_init(cred, None, TargetName("host", True), 0, None, None)
        self.discard(res.context)

    @staticmethod
    def credential_status(failure: gss.GssFailure) -> SECURITY_STATUS:
        """AcquireCredentialsHandle's status for a gss-ntlmssp failure.

        gss-ntlmssp answers GSS_S_CRED_UNAVAIL (no NTLM_USER_FILE entry, no
        winbind) and GSS_S_BAD_NAMETYPE / BAD_NAME for names it cannot use.
        """
        status = gss_to_status(failure.major, failure.minor, False)
        if status == s.SEC_E_TARGET_UNKNOWN:
            return s.SEC_E_UNKNOWN_CREDENTIALS
        if status == s.SEC_E_INTERNAL_ERROR:
            return s.SEC_E_NO_CREDENTIALS
        return status

    def credential_name(self, cred: NtlmCredential) -> Optional[str]:
        """``DOMAIN\\user`` of the client credential (None for a server one)."""
        if cred.initiate is None:
            return None
        name, _ = gss.cred_info(cred.initiate, MECH)
        return name.rstrip("\0") if name else name

    # -- the exchange ----------------------------------------------------------

    def parse_target(self, target: str) -> TargetName:
        """Any target -> a host-based name (gss-ntlmssp takes no other kind).

        ``svc/host[:port][/name][@REALM]`` -> ``svc@host`` (``[v6]:port`` and a bare
        IPv6 address as host too); ``user@domain`` is
        used as a host-based name as it is; a bare ``host`` -> ``host@host``;
        None or "" (allowed for NTLM) -> ``host``, the local host.
        """
        target = (target or "").rstrip("\0")
        if "\0" in target:
            raise ValueError("embedded NUL in target name")
        if not target.strip("/@"):
            return TargetName("host", True)
        if "/" in target:
            service, _, rest = target.partition("/")
            host = rest.split("/", 1)[0].split("@", 1)[0]
            if host.startswith("["):  # [IPv6 address]:port
                host = host[1:].split("]", 1)[0]
            elif host.count(":") == 1:  # host:port
                host = host.split(":", 1)[0]
            if not service or not host:
                raise ValueError("SPN has an empty component")
            return TargetName(f"{service}@{host}", True)
        if "@" in target:
            return TargetName(target, True)
        return TargetName(f"host@{target}", True)

    def gss_flags_for(self, req: int) -> int:
        return fl.isc_req_to_gss(req) & ~_NO_GSS

    @staticmethod
    def isc_attrs(granted: int, req: int) -> int:
        # gss-ntlmssp echoes GSS_C_MUTUAL_FLAG; NTLM cannot authenticate the
        # server and Windows never reports it.
        return GssPackage.isc_attrs(granted, req) & ~(ISC_RET_MUTUAL_AUTH | ISC_RET_DELEGATE)

    def gss_init(self, cred: GssCredential, gss_ctx: Any, name: TargetName, req: int,
                 in_token: Optional[bytes], bindings: Any, extra_flags: int = 0,
                 ) -> gss.InitResult:
        """gss-ntlmssp's answers, made to say what they mean (measured):

        * the first call fails with GSS_S_FAILURE ("a required argument is
          missing") when the credential holds a name but no secret -- a user
          neither in NTLM_USER_FILE nor known to winbind: no credentials;
        * a message of the wrong type is GSS_S_NO_CONTEXT ("wrong message
          type"): the token's fault, not the handle's.
        """
        try:
            return super().gss_init(cred, gss_ctx, name, req, in_token, bindings, extra_flags)
        except gss.GssFailure as failure:
            routine = failure.major & ROUTINE_MASK
            if in_token is None and routine == GSS_S_FAILURE:
                raise gss.GssFailure(GSS_S_NO_CRED, failure.minor,
                                     message=failure.message) from None
            if in_token is not None and routine == GSS_S_NO_CONTEXT:
                raise gss.GssFailure(GSS_S_DEFECTIVE_TOKEN, failure.minor,
                                     message=failure.message) from None
            raise

    def gss_accept(self, cred: GssCredential, gss_ctx: Any, token: bytes, bindings: Any,
                   ) -> gss.AcceptResult:
        """gss-ntlmssp's acceptor reports a refused logon (unknown user, wrong
        password, no NTLM_USER_FILE) as GSS_S_FAILURE with an errno minor
        (EACCES, EINVAL; measured): that is GSS_S_UNAUTHORIZED, which Windows
        answers with SEC_E_LOGON_DENIED.  Malformed messages come as
        GSS_S_DEFECTIVE_TOKEN, or GSS_S_NO_CONTEXT for a message of the wrong
        type: SEC_E_INVALID_TOKEN both.  Channel bindings that differ from the
        client's come as GSS_S_DEFECTIVE_TOKEN with minor EACCES
        (``ntlm_verify_channel_bindings``, gss-ntlmssp 1.2 gss_sec_ctx.c):
        SEC_E_BAD_BINDINGS, as Windows reports them."""
        try:
            return super().gss_accept(cred, gss_ctx, token, bindings)
        except gss.GssFailure as failure:
            routine = failure.major & ROUTINE_MASK
            if (bindings is not None and routine == GSS_S_DEFECTIVE_TOKEN
                    and failure.minor == errno.EACCES):
                raise gss.GssFailure(GSS_S_BAD_BINDINGS, failure.minor,
                                     message=failure.message) from None
            if routine == GSS_S_FAILURE:
                raise gss.GssFailure(GSS_S_UNAUTHORIZED, failure.minor,
                                     message=failure.message) from None
            if routine == GSS_S_NO_CONTEXT:
                raise gss.GssFailure(GSS_S_DEFECTIVE_TOKEN, failure.minor,
                                     message=failure.message) from None
            raise

    # -- attributes, messages, teardown ---------------------------------------

    def sizes(self, ctx: Context, out: SecPkgContext_Sizes) -> SECURITY_STATUS:
        """SECPKG_ATTR_SIZES as Windows' NTLM reports it: 2888/16/0/16 (the
        signature, and EncryptMessage's trailer, is 16 bytes; NTLM seals as a
        stream cipher: block size 0)."""
        out.cbMaxToken = self.max_token
        out.cbMaxSignature = ntlm_messages.SIGNATURE_SIZE
        out.cbBlockSize = 0
        out.cbSecurityTrailer = ntlm_messages.SIGNATURE_SIZE
        return s.SEC_E_OK

    def query_context(self, ctx: Context, attribute: int, buffer: Any) -> SECURITY_STATUS:
        assert isinstance(ctx, NtlmContext)
        return _context_attrs.query(self, ctx, attribute, buffer)

    def query_credentials(self, cred: Credential, attribute: int, buffer: Any,
                          ) -> SECURITY_STATUS:
        return _context_attrs.query_credentials(self, cred, attribute, buffer)

    make_signature = ntlm_messages.make_signature
    verify_signature = ntlm_messages.verify_signature
    encrypt_message = ntlm_messages.encrypt_message
    decrypt_message = ntlm_messages.decrypt_message
