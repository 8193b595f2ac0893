"""GSS failures -> SECURITY_STATUS.

Order of decision (DESIGN.md §3):

1. For plain Kerberos contexts only, a krb5 minor code we know refines the
   answer (wrong password -> LOGON_DENIED, unknown service -> TARGET_UNKNOWN,
   KDC unreachable -> NO_AUTHENTICATING_AUTHORITY, undecodable ASN.1 ->
   INVALID_TOKEN, ...).  Minor codes of other mechanisms (SPNEGO, NTLM) are
   reassigned by MIT at run time and are never matched.  A credential
   failure (``GSS_S_NO_CRED``) stays SEC_E_NO_CREDENTIALS even when its
   minor names a missing keytab entry: that is "no service key at all"
   (AcquireCredentialsHandle), not a ticket for another principal.
2. Otherwise the routine error of the major status, by table (after Wine's
   ``status_gss_to_sspi``, refined where Windows answers differently);
   a status with only supplementary bits (duplicate, old, unsequenced, gap
   token) is ``SEC_E_OUT_OF_SEQUENCE``.
3. When the failed call consumed a peer's token (``consumed_token``: the
   second and later InitializeSecurityContext legs, every
   AcceptSecurityContext), what GSS could only call a generic failure
   (``GSS_S_FAILURE`` with a minor code not in the table, ``GSS_S_BAD_MECH``)
   is the token's fault: SEC_E_INVALID_TOKEN, which the seed page gives for
   "corrupted, wrong size, or meant for another package".  For a plain
   Kerberos acceptor, ``GSS_S_NO_CRED`` there means the token is for a
   mechanism the Kerberos credential has no element for (an NTLM or SPNEGO
   token): SEC_E_INVALID_TOKEN too.

4. A condition some library reports with codes the rules above would
   misread, recognised by the caller's kind of call:

   * ``per_message`` (gss_unwrap/_iov, gss_verify_mic on the peer's
     token): ``GSS_S_FAILURE`` whose minor is KRB5KRB_AP_ERR_BAD_INTEGRITY
     is a checksum that did not verify -- Heimdal's gss_unwrap_iov reports a
     tampered message so (its krb5_decrypt_iov_ivec failure), where MIT and
     Heimdal's own gss_unwrap say ``GSS_S_BAD_SIG``: SEC_E_MESSAGE_ALTERED.

SEC_E_INTERNAL_ERROR is left only for failures no table explains.

The numeric tables are checked against python-gssapi's and krb5's real
values in ``tests/unit/mapping/test_status_against_gssapi_krb5.py``.
"""

from __future__ import annotations

from typing import Dict, Final

from .. import _status as s
from .._status import SECURITY_STATUS

# RFC 2744 routine errors (already shifted into place, as in gssapi.h).
GSS_S_BAD_MECH: Final = 1 << 16
GSS_S_BAD_NAME: Final = 2 << 16
GSS_S_BAD_NAMETYPE: Final = 3 << 16
GSS_S_BAD_BINDINGS: Final = 4 << 16
GSS_S_BAD_STATUS: Final = 5 << 16
GSS_S_BAD_SIG: Final = 6 << 16
GSS_S_NO_CRED: Final = 7 << 16
GSS_S_NO_CONTEXT: Final = 8 << 16
GSS_S_DEFECTIVE_TOKEN: Final = 9 << 16
GSS_S_DEFECTIVE_CREDENTIAL: Final = 10 << 16
GSS_S_CREDENTIALS_EXPIRED: Final = 11 << 16
GSS_S_CONTEXT_EXPIRED: Final = 12 << 16
GSS_S_FAILURE: Final = 13 << 16
GSS_S_BAD_QOP: Final = 14 << 16
GSS_S_UNAUTHORIZED: Final = 15 << 16
GSS_S_UNAVAILABLE: Final = 16 << 16
GSS_S_DUPLICATE_ELEMENT: Final = 17 << 16
GSS_S_NAME_NOT_MN: Final = 18 << 16
GSS_S_BAD_MECH_ATTR: Final = 19 << 16
ROUTINE_MASK: Final = 0xFF << 16
CALLING_MASK: Final = 0xFF << 24

# Supplementary bits.
GSS_S_CONTINUE_NEEDED: Final = 1 << 0
GSS_S_DUPLICATE_TOKEN: Final = 1 << 1
GSS_S_OLD_TOKEN: Final = 1 << 2
GSS_S_UNSEQ_TOKEN: Final = 1 << 3
GSS_S_GAP_TOKEN: Final = 1 << 4
SEQUENCE_MASK: Final = GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN

ROUTINE_TO_STATUS: Final[Dict[int, SECURITY_STATUS]] = {
    GSS_S_BAD_MECH: s.SEC_E_SECPKG_NOT_FOUND,
    GSS_S_BAD_NAME: s.SEC_E_TARGET_UNKNOWN,
    GSS_S_BAD_NAMETYPE: s.SEC_E_TARGET_UNKNOWN,
    GSS_S_BAD_BINDINGS: s.SEC_E_BAD_BINDINGS,
    GSS_S_BAD_STATUS: s.SEC_E_INTERNAL_ERROR,
    GSS_S_BAD_SIG: s.SEC_E_MESSAGE_ALTERED,
    GSS_S_NO_CRED: s.SEC_E_NO_CREDENTIALS,
    GSS_S_NO_CONTEXT: s.SEC_E_INVALID_HANDLE,
    GSS_S_DEFECTIVE_TOKEN: s.SEC_E_INVALID_TOKEN,
    GSS_S_DEFECTIVE_CREDENTIAL: s.SEC_E_UNKNOWN_CREDENTIALS,
    GSS_S_CREDENTIALS_EXPIRED: s.SEC_E_CONTEXT_EXPIRED,
    GSS_S_CONTEXT_EXPIRED: s.SEC_E_CONTEXT_EXPIRED,
    GSS_S_FAILURE: s.SEC_E_INTERNAL_ERROR,
    GSS_S_BAD_QOP: s.SEC_E_QOP_NOT_SUPPORTED,
    GSS_S_UNAUTHORIZED: s.SEC_E_LOGON_DENIED,
    GSS_S_UNAVAILABLE: s.SEC_E_UNSUPPORTED_FUNCTION,
    GSS_S_DUPLICATE_ELEMENT: s.SEC_E_INTERNAL_ERROR,
    GSS_S_NAME_NOT_MN: s.SEC_E_TARGET_UNKNOWN,
    GSS_S_BAD_MECH_ATTR: s.SEC_E_SECPKG_NOT_FOUND,
}

# krb5 error codes (com_err table krb5_err.et, base -1765328384), as unsigned
# 32-bit numbers, the way GSS reports them as minor status.
_KRB5_BASE: Final = (-1765328384) & 0xFFFFFFFF


def _krb5(offset: int) -> int:
    return (_KRB5_BASE + offset) & 0xFFFFFFFF


KRB5KDC_ERR_NAME_EXP: Final = _krb5(1)
KRB5KDC_ERR_BAD_PVNO: Final = _krb5(3)
KRB5KDC_ERR_SERVICE_EXP: Final = _krb5(2)
KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN: Final = _krb5(6)
KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: Final = _krb5(7)
KRB5KDC_ERR_NULL_KEY: Final = _krb5(9)
KRB5KDC_ERR_CANNOT_POSTDATE: Final = _krb5(10)
KRB5KDC_ERR_NEVER_VALID: Final = _krb5(11)
KRB5KDC_ERR_POLICY: Final = _krb5(12)
KRB5KDC_ERR_BADOPTION: Final = _krb5(13)
KRB5KDC_ERR_ETYPE_NOSUPP: Final = _krb5(14)
KRB5KDC_ERR_PATH_NOT_ACCEPTED: Final = _krb5(28)
KRB5KDC_ERR_CLIENT_REVOKED: Final = _krb5(18)
KRB5KDC_ERR_SERVICE_REVOKED: Final = _krb5(19)
KRB5KDC_ERR_TGT_REVOKED: Final = _krb5(20)
KRB5KDC_ERR_CLIENT_NOTYET: Final = _krb5(21)
KRB5KDC_ERR_KEY_EXP: Final = _krb5(23)
KRB5KDC_ERR_PREAUTH_FAILED: Final = _krb5(24)
KRB5KDC_ERR_SVC_UNAVAILABLE: Final = _krb5(29)
KRB5KRB_AP_ERR_BAD_INTEGRITY: Final = _krb5(31)
KRB5KRB_AP_ERR_TKT_EXPIRED: Final = _krb5(32)
KRB5KRB_AP_ERR_TKT_NYV: Final = _krb5(33)
KRB5KRB_AP_ERR_REPEAT: Final = _krb5(34)
KRB5KRB_AP_ERR_NOT_US: Final = _krb5(35)
KRB5KRB_AP_ERR_BADMATCH: Final = _krb5(36)
KRB5KRB_AP_ERR_SKEW: Final = _krb5(37)
KRB5KRB_AP_ERR_BADADDR: Final = _krb5(38)
KRB5KRB_AP_ERR_BADVERSION: Final = _krb5(39)
KRB5KRB_AP_ERR_MSG_TYPE: Final = _krb5(40)
KRB5KRB_AP_ERR_MODIFIED: Final = _krb5(41)
KRB5KRB_AP_ERR_BADORDER: Final = _krb5(42)
KRB5KRB_AP_ERR_BADKEYVER: Final = _krb5(44)
KRB5KRB_AP_ERR_NOKEY: Final = _krb5(45)
KRB5KRB_AP_ERR_MUT_FAIL: Final = _krb5(46)
KRB5KRB_AP_WRONG_PRINC: Final = _krb5(144)
KRB5KRB_ERR_RESPONSE_TOO_BIG: Final = _krb5(52)
KRB5_REALM_UNKNOWN: Final = _krb5(154)
KRB5_KDC_UNREACH: Final = _krb5(156)
KRB5_MUTUAL_FAILED: Final = _krb5(158)
KRB5_KDCREP_SKEW: Final = _krb5(148)
KRB5_CC_NOTFOUND: Final = _krb5(141)
KRB5_FCC_NOFILE: Final = _krb5(195)
KRB5_KT_NOTFOUND: Final = _krb5(181)
KRB5_KT_END: Final = _krb5(182)
KRB5_REALM_CANT_RESOLVE: Final = _krb5(220)
KRB5_CC_NOSUPP: Final = _krb5(247)
KRB5_PREAUTH_FAILED: Final = _krb5(210)

# ASN.1 decoding errors (com_err table asn1_err.et, base 1859794432): the
# bytes received are not a well-formed Kerberos message.
_ASN1_BASE: Final = 1859794432
ASN1_BAD_TIMEFORMAT: Final = _ASN1_BASE + 0
ASN1_MISSING_FIELD: Final = _ASN1_BASE + 1
ASN1_MISPLACED_FIELD: Final = _ASN1_BASE + 2
ASN1_TYPE_MISMATCH: Final = _ASN1_BASE + 3
ASN1_OVERFLOW: Final = _ASN1_BASE + 4
ASN1_OVERRUN: Final = _ASN1_BASE + 5
ASN1_BAD_ID: Final = _ASN1_BASE + 6
ASN1_BAD_LENGTH: Final = _ASN1_BASE + 7
ASN1_BAD_FORMAT: Final = _ASN1_BASE + 8
ASN1_PARSE_ERROR: Final = _ASN1_BASE + 9
ASN1_BAD_GMTIME: Final = _ASN1_BASE + 10
ASN1_INDEF: Final = _ASN1_BASE + 11
ASN1_MISSING_EOC: Final = _ASN1_BASE + 12
ASN1_OMITTED: Final = _ASN1_BASE + 13
ASN1_ERRORS: Final = tuple(range(ASN1_BAD_TIMEFORMAT, ASN1_OMITTED + 1))

KRB5_MINOR_TO_STATUS: Final[Dict[int, SECURITY_STATUS]] = {
    # The client cannot log on.
    KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN: s.SEC_E_LOGON_DENIED,
    KRB5KDC_ERR_PREAUTH_FAILED: s.SEC_E_LOGON_DENIED,
    KRB5_PREAUTH_FAILED: s.SEC_E_LOGON_DENIED,
    KRB5KRB_AP_ERR_BAD_INTEGRITY: s.SEC_E_LOGON_DENIED,  # wrong password, no preauth
    KRB5KDC_ERR_CLIENT_REVOKED: s.SEC_E_LOGON_DENIED,  # disabled / locked out
    KRB5KDC_ERR_NAME_EXP: s.SEC_E_LOGON_DENIED,  # account expired
    KRB5KDC_ERR_KEY_EXP: s.SEC_E_LOGON_DENIED,  # password expired
    KRB5KDC_ERR_CLIENT_NOTYET: s.SEC_E_LOGON_DENIED,
    KRB5KDC_ERR_POLICY: s.SEC_E_LOGON_DENIED,
    # The service is unknown to the KDC.
    KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: s.SEC_E_TARGET_UNKNOWN,
    KRB5KDC_ERR_SERVICE_EXP: s.SEC_E_TARGET_UNKNOWN,
    KRB5KDC_ERR_SERVICE_REVOKED: s.SEC_E_TARGET_UNKNOWN,
    # The KDC will not route to the target's realm ("unknown or unreachable"):
    # Heimdal's answer where MIT says S_PRINCIPAL_UNKNOWN for odd names.
    KRB5KDC_ERR_PATH_NOT_ACCEPTED: s.SEC_E_TARGET_UNKNOWN,
    # No KDC for the realm.
    KRB5_KDC_UNREACH: s.SEC_E_NO_AUTHENTICATING_AUTHORITY,
    KRB5_REALM_UNKNOWN: s.SEC_E_NO_AUTHENTICATING_AUTHORITY,
    KRB5_REALM_CANT_RESOLVE: s.SEC_E_NO_AUTHENTICATING_AUTHORITY,
    KRB5KDC_ERR_SVC_UNAVAILABLE: s.SEC_E_NO_AUTHENTICATING_AUTHORITY,
    # No logon session: no ccache, or nothing usable in it.
    KRB5_FCC_NOFILE: s.SEC_E_NO_CREDENTIALS,
    KRB5_CC_NOTFOUND: s.SEC_E_NO_CREDENTIALS,
    # Clocks.
    KRB5KRB_AP_ERR_SKEW: s.SEC_E_TIME_SKEW,
    KRB5KRB_AP_ERR_TKT_NYV: s.SEC_E_TIME_SKEW,
    KRB5KDC_ERR_NEVER_VALID: s.SEC_E_TIME_SKEW,
    KRB5_KDCREP_SKEW: s.SEC_E_TIME_SKEW,
    KRB5KRB_AP_ERR_TKT_EXPIRED: s.SEC_E_CONTEXT_EXPIRED,
    KRB5KDC_ERR_TGT_REVOKED: s.SEC_E_CONTEXT_EXPIRED,
    # Malformed or replayed AP exchange.
    KRB5KRB_AP_ERR_REPEAT: s.SEC_E_INVALID_TOKEN,
    KRB5KRB_AP_ERR_BADVERSION: s.SEC_E_INVALID_TOKEN,
    KRB5KRB_AP_ERR_MSG_TYPE: s.SEC_E_INVALID_TOKEN,
    KRB5KRB_AP_ERR_BADORDER: s.SEC_E_OUT_OF_SEQUENCE,
    KRB5KRB_AP_ERR_BADMATCH: s.SEC_E_INVALID_TOKEN,
    KRB5KRB_AP_ERR_MUT_FAIL: s.SEC_E_MUTUAL_AUTH_FAILED,
    KRB5_MUTUAL_FAILED: s.SEC_E_MUTUAL_AUTH_FAILED,
    KRB5KDC_ERR_BAD_PVNO: s.SEC_E_INVALID_TOKEN,
    **{code: s.SEC_E_INVALID_TOKEN for code in ASN1_ERRORS},
    # The ticket is not for this service, or its key is wrong: Windows
    # reports KRB_AP_ERR_MODIFIED and friends as "target principal name is
    # incorrect".
    KRB5KRB_AP_WRONG_PRINC: s.SEC_E_WRONG_PRINCIPAL,
    KRB5KRB_AP_ERR_NOT_US: s.SEC_E_WRONG_PRINCIPAL,
    KRB5KRB_AP_ERR_MODIFIED: s.SEC_E_WRONG_PRINCIPAL,
    KRB5KRB_AP_ERR_BADKEYVER: s.SEC_E_WRONG_PRINCIPAL,
    KRB5KRB_AP_ERR_NOKEY: s.SEC_E_WRONG_PRINCIPAL,
    KRB5_KT_NOTFOUND: s.SEC_E_WRONG_PRINCIPAL,
    # Heimdal's acceptor, keytab scanned to its end without the ticket's key
    # ("Failed to find <service>(kvno n) in keytab"): MIT says KT_NOTFOUND.
    KRB5_KT_END: s.SEC_E_WRONG_PRINCIPAL,
    # Crypto.
    KRB5KDC_ERR_ETYPE_NOSUPP: s.SEC_E_KDC_UNKNOWN_ETYPE,
    KRB5KDC_ERR_NULL_KEY: s.SEC_E_NO_KERB_KEY,
    KRB5KDC_ERR_BADOPTION: s.SEC_E_DELEGATION_POLICY,
}


def gss_to_status(major: int, minor: int, krb5: bool, *,
                  consumed_token: bool = False, per_message: bool = False,
                  ) -> SECURITY_STATUS:
    """The SECURITY_STATUS for a failed GSS call (see the module docstring).

    ``consumed_token``: the call processed a token from the peer (rule 3);
    ``per_message``: it read a per-message token (unwrap, verify_mic) (rule 4).
    """
    routine = major & ROUTINE_MASK
    if (per_message and routine == GSS_S_FAILURE
            and minor & 0xFFFFFFFF == KRB5KRB_AP_ERR_BAD_INTEGRITY):
        return s.SEC_E_MESSAGE_ALTERED
    if krb5:
        refined = KRB5_MINOR_TO_STATUS.get(minor & 0xFFFFFFFF)
        if refined is not None:
            if routine == GSS_S_NO_CRED and refined == s.SEC_E_WRONG_PRINCIPAL:
                return s.SEC_E_NO_CREDENTIALS
            return refined
    if consumed_token and (routine in (GSS_S_FAILURE, GSS_S_BAD_MECH)
                           or (krb5 and routine == GSS_S_NO_CRED)):
        return s.SEC_E_INVALID_TOKEN
    if routine == 0:
        # Only supplementary bits (python-gssapi raises on these warnings):
        # a replayed, old, reordered or missing per-message token.
        if major & SEQUENCE_MASK and not major & CALLING_MASK:
            return s.SEC_E_OUT_OF_SEQUENCE
        # A calling error (inaccessible read/write, bad structure): GSS was
        # handed an empty or unusable buffer, i.e. a malformed token/message.
        if major & CALLING_MASK:
            return s.SEC_E_INVALID_TOKEN
        return s.SEC_E_INTERNAL_ERROR
    return ROUTINE_TO_STATUS.get(routine, s.SEC_E_INTERNAL_ERROR)
