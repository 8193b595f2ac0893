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

The exchange itself (buffers, flags, re-authentication, pending tokens) is
the shared GSS machinery of :mod:`._gss_package`; this module adds the krb5
credentials and the Kerberos-specific context facts (enctype).

Differences: datagram contexts, user-to-user (``ISC_REQ_USE_SESSION_KEY``)
and credential prompting have no GSS equivalent and answer
``SEC_E_UNSUPPORTED_FUNCTION``.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from .. import _status as s
from .. import gss
from .._constants import (
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_CONNECTION,
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
from ..mapping import creds as credmap
from ..mapping.filetime import expiry_epoch
from ..mapping.status import GSS_S_DEFECTIVE_TOKEN, gss_to_status
from . import _context_attrs, kerberos_attrs, kerberos_messages
from ._base import Context, Credential, SecurityPackage
from ._gss_package import (
    ASC_ECHO,
    ISC_ECHO,
    ISC_UNSUPPORTED,
    GssContext,
    GssCredential,
    GssPackage,
)

__all__ = ["ASC_ECHO", "ISC_ECHO", "ISC_UNSUPPORTED", "KerberosContext",
           "KerberosCredential", "KerberosPackage"]

MECH = gss.MECH_KRB5


class KerberosCredential(GssCredential):
    """GSS credentials for one or both directions.

    Explicit identities are logged on lazily (first InitializeSecurityContext)
    into a private MEMORY ccache owned by the GSS credential.
    """

    def __init__(self, package: SecurityPackage, use: int, principal: Optional[str]) -> None:
        super().__init__(package, use)
        self.principal = principal
        self._password: Optional[str] = None

    def initiate_cred(self) -> Any:
        """The initiator GSS credential, logging on first if needed (GssFailure).

        The password is dropped once the logon succeeded: the TGT in the
        credential's MEMORY ccache is all later calls use.  After a failed
        logon it is kept, so that the next call tries again (and is refused
        again), as Windows does.
        """
        if self.initiate is None:
            if self._password is not None and self.principal:
                self.initiate = gss.acquire_password(self.principal, self._password,
                                                     "initiate", MECH)
                self._password = None
            else:
                self.initiate = gss.acquire_default("initiate", self.principal, MECH)
        return self.initiate

    def __repr__(self) -> str:
        return f"<KerberosCredential principal={self.principal!r} use={self.use:#x}>"


class KerberosContext(GssContext):
    """A Kerberos context; names and enctype are read from GSS on first use."""

    def __init__(self, package: SecurityPackage, cred: Credential, initiator: bool) -> None:
        super().__init__(package, cred, initiator)
        self._enctype: Optional[int] = None

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


class KerberosPackage(GssPackage):
    name = "Kerberos"
    comment = "Microsoft Kerberos V1.0"
    capabilities = (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION
                    | SECPKG_FLAG_EXTENDED_ERROR
                    | SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_ACCEPT_WIN32_NAME
                    | SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_DELEGATION
                    | SECPKG_FLAG_READONLY_WITH_CHECKSUM | SECPKG_FLAG_GSS_COMPATIBLE
                    | SECPKG_FLAG_LOGON)
    rpcid = 16  # RPC_C_AUTHN_GSS_KERBEROS
    max_token = 48000
    mech = MECH
    context_class = KerberosContext

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

    def gss_accept(self, cred: GssCredential, gss_ctx: Any, token: bytes, bindings: Any,
                   ) -> gss.AcceptResult:
        """One acceptor step.

        A first step that wants more input yet has nothing to send back is
        MIT's answer to a krb5-framed token that is not an AP-REQ (an AP-REP
        or KRB-ERROR token id): no context exists, and no client could ever
        continue it.  Windows rejects such a token: SEC_E_INVALID_TOKEN.
        """
        try:
            res = super().gss_accept(cred, gss_ctx, token, bindings)
        except gss.GssFailure as failure:
            if (gss_ctx is None and isinstance(cred, KerberosCredential) and cred.principal
                    and not cred.use & SECPKG_CRED_OUTBOUND):
                # Heimdal's answer to a ticket for another service, told as MIT's
                raise gss.wrong_principal(failure, cred.principal, token) from None
            raise
        if gss_ctx is None and not res.complete and not res.token:
            self.discard(res.context)
            raise gss.GssFailure(GSS_S_DEFECTIVE_TOKEN, krb5=True,
                                 message="not an AP-REQ: nothing to continue")
        return res

    def _complete(self, ctx: GssContext) -> None:
        super()._complete(ctx)
        if isinstance(ctx, KerberosContext):
            ctx._enctype = None

    # -- message protection: MakeSignature, VerifySignature, EncryptMessage,
    # DecryptMessage (kerberos_messages; bound directly, no extra call) ----
    make_signature = kerberos_messages.make_signature
    verify_signature = kerberos_messages.verify_signature
    encrypt_message = kerberos_messages.encrypt_message
    decrypt_message = kerberos_messages.decrypt_message

    # -- attributes and teardown -------------------------------------------

    def query_context(self, ctx: Context, attribute: int, buffer: Any) -> SECURITY_STATUS:
        assert isinstance(ctx, KerberosContext)
        return kerberos_attrs.query(self, ctx, attribute, buffer)

    def query_credentials(self, cred: Credential, attribute: int, buffer: Any,
                          ) -> SECURITY_STATUS:
        assert isinstance(cred, KerberosCredential)
        return _context_attrs.query_credentials(self, cred, attribute, buffer)

    def free_credentials(self, cred: Credential) -> None:
        super().free_credentials(cred)
        if isinstance(cred, KerberosCredential):
            cred._password = None
