"""SSPI status codes: ``SECURITY_STATUS``, the ``SEC_E_*`` / ``SEC_I_*`` constants, and errors.

Reproduces the SSPI part (facility 9, ``FACILITY_SECURITY``) of Windows' ``winerror.h``:
every ``SEC_E_*`` and ``SEC_I_*`` code with the ``MessageText`` that ``FormatMessage``
returns for it (without the trailing CR LF), plus ``SEC_E_OK``, the two aliases
``SEC_E_NO_SPM`` and ``SEC_E_NOT_SUPPORTED``, and the ``SUCCEEDED`` / ``FAILED`` macros.

Sources: Windows SDK 10.0.22000 and 10.0.25290 ``shared/winerror.h`` (identical for these
codes; the ``MessageText`` blocks are generated from the message table that
``FormatMessage`` reads), cross-checked against pywin32's ``win32/Lib/winerror.py``.

A ``SECURITY_STATUS`` is an ``int`` whose value is the signed 32-bit ``LONG`` that Windows
returns (``SEC_E_INVALID_TOKEN == -2146893048``, as pywin32 reports it). It prints as
``SEC_E_INVALID_TOKEN (0x80090308)``. The constructor accepts the signed or the unsigned
32-bit form; known codes always come back as the one shared constant, so
``SECURITY_STATUS(0x80090308) is SEC_E_INVALID_TOKEN``.

Differences from Windows:

- Comparison and hashing are those of ``int`` on the signed value, so
  ``SEC_E_INVALID_TOKEN == 0x80090308`` is ``False`` (as with pywin32); normalise with
  ``SECURITY_STATUS(x)`` or compare against the constants.
- ``message`` of a code outside the table is ``"Unknown SSPI status 0x........"``, where
  Windows' ``FormatMessage`` would fail.
- Error text is built only from this table (name, code, message) and the caller-supplied
  function name: no token, principal name or password can leak into it.
"""

from __future__ import annotations

import operator
from typing import Final, SupportsIndex

__all__ = [
    "FAILED",
    "SECURITY_STATUS",
    "SEC_E_ALGORITHM_MISMATCH",
    "SEC_E_APPLICATION_PROTOCOL_MISMATCH",
    "SEC_E_BAD_BINDINGS",
    "SEC_E_BAD_PKGID",
    "SEC_E_BUFFER_TOO_SMALL",
    "SEC_E_CANNOT_INSTALL",
    "SEC_E_CANNOT_PACK",
    "SEC_E_CERT_EXPIRED",
    "SEC_E_CERT_UNKNOWN",
    "SEC_E_CERT_WRONG_USAGE",
    "SEC_E_CONTEXT_EXPIRED",
    "SEC_E_CROSSREALM_DELEGATION_FAILURE",
    "SEC_E_CRYPTO_SYSTEM_INVALID",
    "SEC_E_DECRYPT_FAILURE",
    "SEC_E_DELEGATION_POLICY",
    "SEC_E_DELEGATION_REQUIRED",
    "SEC_E_DOWNGRADE_DETECTED",
    "SEC_E_ENCRYPT_FAILURE",
    "SEC_E_EXT_BUFFER_TOO_SMALL",
    "SEC_E_ILLEGAL_MESSAGE",
    "SEC_E_INCOMPLETE_CREDENTIALS",
    "SEC_E_INCOMPLETE_MESSAGE",
    "SEC_E_INSUFFICIENT_BUFFERS",
    "SEC_E_INSUFFICIENT_MEMORY",
    "SEC_E_INTERNAL_ERROR",
    "SEC_E_INVALID_HANDLE",
    "SEC_E_INVALID_PARAMETER",
    "SEC_E_INVALID_TOKEN",
    "SEC_E_INVALID_UPN_NAME",
    "SEC_E_ISSUING_CA_UNTRUSTED",
    "SEC_E_ISSUING_CA_UNTRUSTED_KDC",
    "SEC_E_KDC_CERT_EXPIRED",
    "SEC_E_KDC_CERT_REVOKED",
    "SEC_E_KDC_INVALID_REQUEST",
    "SEC_E_KDC_UNABLE_TO_REFER",
    "SEC_E_KDC_UNKNOWN_ETYPE",
    "SEC_E_LOGON_DENIED",
    "SEC_E_MAX_REFERRALS_EXCEEDED",
    "SEC_E_MESSAGE_ALTERED",
    "SEC_E_MULTIPLE_ACCOUNTS",
    "SEC_E_MUST_BE_KDC",
    "SEC_E_MUTUAL_AUTH_FAILED",
    "SEC_E_NOT_OWNER",
    "SEC_E_NOT_SUPPORTED",
    "SEC_E_NO_AUTHENTICATING_AUTHORITY",
    "SEC_E_NO_CONTEXT",
    "SEC_E_NO_CREDENTIALS",
    "SEC_E_NO_IMPERSONATION",
    "SEC_E_NO_IP_ADDRESSES",
    "SEC_E_NO_KERB_KEY",
    "SEC_E_NO_PA_DATA",
    "SEC_E_NO_S4U_PROT_SUPPORT",
    "SEC_E_NO_SPM",
    "SEC_E_NO_TGT_REPLY",
    "SEC_E_OK",
    "SEC_E_ONLY_HTTPS_ALLOWED",
    "SEC_E_OUT_OF_SEQUENCE",
    "SEC_E_PKINIT_CLIENT_FAILURE",
    "SEC_E_PKINIT_NAME_MISMATCH",
    "SEC_E_PKU2U_CERT_FAILURE",
    "SEC_E_POLICY_NLTM_ONLY",
    "SEC_E_QOP_NOT_SUPPORTED",
    "SEC_E_REVOCATION_OFFLINE_C",
    "SEC_E_REVOCATION_OFFLINE_KDC",
    "SEC_E_SECPKG_NOT_FOUND",
    "SEC_E_SECURITY_QOS_FAILED",
    "SEC_E_SHUTDOWN_IN_PROGRESS",
    "SEC_E_SMARTCARD_CERT_EXPIRED",
    "SEC_E_SMARTCARD_CERT_REVOKED",
    "SEC_E_SMARTCARD_LOGON_REQUIRED",
    "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED",
    "SEC_E_TARGET_UNKNOWN",
    "SEC_E_TIME_SKEW",
    "SEC_E_TOO_MANY_PRINCIPALS",
    "SEC_E_UNFINISHED_CONTEXT_DELETED",
    "SEC_E_UNKNOWN_CREDENTIALS",
    "SEC_E_UNSUPPORTED_FUNCTION",
    "SEC_E_UNSUPPORTED_PREAUTH",
    "SEC_E_UNTRUSTED_ROOT",
    "SEC_E_WRONG_CREDENTIAL_HANDLE",
    "SEC_E_WRONG_PRINCIPAL",
    "SEC_I_ASYNC_CALL_PENDING",
    "SEC_I_COMPLETE_AND_CONTINUE",
    "SEC_I_COMPLETE_NEEDED",
    "SEC_I_CONTEXT_EXPIRED",
    "SEC_I_CONTINUE_NEEDED",
    "SEC_I_CONTINUE_NEEDED_MESSAGE_OK",
    "SEC_I_GENERIC_EXTENSION_RECEIVED",
    "SEC_I_INCOMPLETE_CREDENTIALS",
    "SEC_I_LOCAL_LOGON",
    "SEC_I_MESSAGE_FRAGMENT",
    "SEC_I_NO_LSA_CONTEXT",
    "SEC_I_NO_RENEGOTIATION",
    "SEC_I_RENEGOTIATE",
    "SEC_I_SIGNATURE_NEEDED",
    "SEC_SUCCESS",
    "SUCCEEDED",
    "SSPIError",
    "check",
]

_MIN_LONG: Final = -0x80000000
_MAX_ULONG: Final = 0xFFFFFFFF

# Lookup tables, filled by _define() at import time and read-only afterwards.
_BY_CODE: dict[int, SECURITY_STATUS] = {}  # signed AND unsigned form -> shared constant
_BY_NAME: dict[str, SECURITY_STATUS] = {}  # every name, aliases included
_NAME: dict[int, str] = {}  # signed value -> canonical name
_MESSAGE: dict[int, str] = {}  # signed value -> FormatMessage text
_KNOWN: list[SECURITY_STATUS] = []  # canonical constants, in winerror.h order


def _to_signed(code: int) -> int:
    """Return the signed 32-bit value of ``code`` (signed or unsigned 32-bit form)."""
    if code > 0x7FFFFFFF:
        if code > _MAX_ULONG:
            raise ValueError(f"SSPI status {code:#x} does not fit in 32 bits")
        return code - 0x100000000
    if code < _MIN_LONG:
        raise ValueError(f"SSPI status {code} does not fit in 32 bits")
    return code


class SECURITY_STATUS(int):
    """The Windows ``SECURITY_STATUS`` (``typedef LONG SECURITY_STATUS``, ``sspi.h``).

    ``SECURITY_STATUS(code)`` accepts the signed or unsigned 32-bit form of a code and
    raises ``ValueError`` for anything wider, ``TypeError`` for non-integers (and
    ``bool``). Known codes return the shared module constant; use :meth:`from_code` on
    hot paths.
    """

    __slots__ = ()

    def __new__(cls, value: SupportsIndex = 0) -> SECURITY_STATUS:
        if isinstance(value, bool):
            raise TypeError("SECURITY_STATUS() argument must be an integer, not bool")
        code = operator.index(value)
        if cls is SECURITY_STATUS:
            known = _BY_CODE.get(code)
            if known is not None:
                return known
        return int.__new__(cls, _to_signed(code))

    @classmethod
    def from_code(cls, code: int) -> SECURITY_STATUS:
        """Return the status for ``code`` (signed or unsigned), shared when it is known.

        A single dict lookup for the codes in the table; otherwise as the constructor.
        """
        known = _BY_CODE.get(code)
        if known is not None:
            return known
        return SECURITY_STATUS(code)

    @classmethod
    def from_name(cls, name: str) -> SECURITY_STATUS:
        """Return the constant called ``name`` (e.g. ``"SEC_E_NOT_SUPPORTED"``).

        Raises ``KeyError`` for a name that is not an SSPI status.
        """
        return _BY_NAME[name]

    @classmethod
    def known(cls) -> tuple[SECURITY_STATUS, ...]:
        """All codes of the table (no aliases), in ``winerror.h`` order."""
        return tuple(_KNOWN)

    @property
    def name(self) -> str:
        """The Windows name, e.g. ``"SEC_E_INVALID_TOKEN"``; ``"0x80091234"`` if unknown.

        Aliases resolve to the primary name: ``SEC_E_NOT_SUPPORTED.name`` is
        ``"SEC_E_UNSUPPORTED_FUNCTION"``.
        """
        name = _NAME.get(self)
        return name if name is not None else self.hex

    @property
    def message(self) -> str:
        """The ``FormatMessage`` text of the code, e.g. ``"The logon attempt failed"``."""
        message = _MESSAGE.get(self)
        return message if message is not None else f"Unknown SSPI status {self.hex}"

    @property
    def hex(self) -> str:
        """The unsigned form as Windows prints it: ``"0x80090308"``."""
        return f"0x{self & _MAX_ULONG:08X}"

    @property
    def unsigned(self) -> int:
        """The unsigned 32-bit value (``0x80090308`` for ``SEC_E_INVALID_TOKEN``)."""
        return int(self) & _MAX_ULONG

    @property
    def is_known(self) -> bool:
        """Whether the code is in the ``winerror.h`` table."""
        return int(self) in _NAME

    def __repr__(self) -> str:
        name = _NAME.get(self)
        if name is None:
            return self.hex
        return f"{name} ({self.hex})"

    __str__ = __repr__


def _define(name: str, code: int, message: str) -> SECURITY_STATUS:
    """Create the shared constant ``name`` and register it in the lookup tables."""
    signed = _to_signed(code)
    if signed in _NAME or name in _BY_NAME:
        raise RuntimeError(f"duplicate SSPI status {name} {code:#010x}")
    status = int.__new__(SECURITY_STATUS, signed)
    _BY_CODE[signed] = status
    _BY_CODE[signed & _MAX_ULONG] = status
    _BY_NAME[name] = status
    _NAME[signed] = name
    _MESSAGE[signed] = message
    _KNOWN.append(status)
    return status


def _alias(name: str, status: SECURITY_STATUS) -> SECURITY_STATUS:
    """Register ``name`` as a second name of ``status`` (``#define A B`` in winerror.h)."""
    if name in _BY_NAME:
        raise RuntimeError(f"duplicate SSPI status name {name}")
    _BY_NAME[name] = status
    return status


# --- The table -------------------------------------------------------------------------
# winerror.h order (by the low 16 bits). SEC_I_* are success codes (severity 0,
# 0x0009xxxx); SEC_E_* are failures (severity 1, 0x8009xxxx), except SEC_E_OK (0).
# SEC_E_OK's text is that of ERROR_SUCCESS / S_OK, which share the value 0.
# The text of SEC_E_NO_KERB_KEY really is its own name in the SDK's message table.

SEC_E_OK: Final = _define("SEC_E_OK", 0x00000000, "The operation completed successfully.")
SEC_E_INSUFFICIENT_MEMORY: Final = _define(
    "SEC_E_INSUFFICIENT_MEMORY",
    0x80090300,
    "Not enough memory is available to complete this request",
)
SEC_E_INVALID_HANDLE: Final = _define(
    "SEC_E_INVALID_HANDLE", 0x80090301, "The handle specified is invalid"
)
SEC_E_UNSUPPORTED_FUNCTION: Final = _define(
    "SEC_E_UNSUPPORTED_FUNCTION", 0x80090302, "The function requested is not supported"
)
SEC_E_TARGET_UNKNOWN: Final = _define(
    "SEC_E_TARGET_UNKNOWN", 0x80090303, "The specified target is unknown or unreachable"
)
SEC_E_INTERNAL_ERROR: Final = _define(
    "SEC_E_INTERNAL_ERROR", 0x80090304, "The Local Security Authority cannot be contacted"
)
SEC_E_SECPKG_NOT_FOUND: Final = _define(
    "SEC_E_SECPKG_NOT_FOUND", 0x80090305, "The requested security package does not exist"
)
SEC_E_NOT_OWNER: Final = _define(
    "SEC_E_NOT_OWNER", 0x80090306, "The caller is not the owner of the desired credentials"
)
SEC_E_CANNOT_INSTALL: Final = _define(
    "SEC_E_CANNOT_INSTALL",
    0x80090307,
    "The security package failed to initialize, and cannot be installed",
)
SEC_E_INVALID_TOKEN: Final = _define(
    "SEC_E_INVALID_TOKEN", 0x80090308, "The token supplied to the function is invalid"
)
SEC_E_CANNOT_PACK: Final = _define(
    "SEC_E_CANNOT_PACK",
    0x80090309,
    "The security package is not able to marshall the logon buffer, so the logon attempt has "
    "failed",
)
SEC_E_QOP_NOT_SUPPORTED: Final = _define(
    "SEC_E_QOP_NOT_SUPPORTED",
    0x8009030A,
    "The per-message Quality of Protection is not supported by the security package",
)
SEC_E_NO_IMPERSONATION: Final = _define(
    "SEC_E_NO_IMPERSONATION",
    0x8009030B,
    "The security context does not allow impersonation of the client",
)
SEC_E_LOGON_DENIED: Final = _define("SEC_E_LOGON_DENIED", 0x8009030C, "The logon attempt failed")
SEC_E_UNKNOWN_CREDENTIALS: Final = _define(
    "SEC_E_UNKNOWN_CREDENTIALS",
    0x8009030D,
    "The credentials supplied to the package were not recognized",
)
SEC_E_NO_CREDENTIALS: Final = _define(
    "SEC_E_NO_CREDENTIALS", 0x8009030E, "No credentials are available in the security package"
)
SEC_E_MESSAGE_ALTERED: Final = _define(
    "SEC_E_MESSAGE_ALTERED",
    0x8009030F,
    "The message or signature supplied for verification has been altered",
)
SEC_E_OUT_OF_SEQUENCE: Final = _define(
    "SEC_E_OUT_OF_SEQUENCE", 0x80090310, "The message supplied for verification is out of sequence"
)
SEC_E_NO_AUTHENTICATING_AUTHORITY: Final = _define(
    "SEC_E_NO_AUTHENTICATING_AUTHORITY",
    0x80090311,
    "No authority could be contacted for authentication.",
)
SEC_I_CONTINUE_NEEDED: Final = _define(
    "SEC_I_CONTINUE_NEEDED",
    0x00090312,
    "The function completed successfully, but must be called again to complete the context",
)
SEC_I_COMPLETE_NEEDED: Final = _define(
    "SEC_I_COMPLETE_NEEDED",
    0x00090313,
    "The function completed successfully, but CompleteToken must be called",
)
SEC_I_COMPLETE_AND_CONTINUE: Final = _define(
    "SEC_I_COMPLETE_AND_CONTINUE",
    0x00090314,
    "The function completed successfully, but both CompleteToken and this function must be called"
    " to complete the context",
)
SEC_I_LOCAL_LOGON: Final = _define(
    "SEC_I_LOCAL_LOGON",
    0x00090315,
    "The logon was completed, but no network authority was available. The logon was made using "
    "locally known information",
)
SEC_I_GENERIC_EXTENSION_RECEIVED: Final = _define(
    "SEC_I_GENERIC_EXTENSION_RECEIVED",
    0x00090316,
    "Schannel has received a TLS extension the SSPI caller subscribed to.",
)
SEC_E_BAD_PKGID: Final = _define(
    "SEC_E_BAD_PKGID", 0x80090316, "The requested security package does not exist"
)
SEC_E_CONTEXT_EXPIRED: Final = _define(
    "SEC_E_CONTEXT_EXPIRED", 0x80090317, "The context has expired and can no longer be used."
)
SEC_I_CONTEXT_EXPIRED: Final = _define(
    "SEC_I_CONTEXT_EXPIRED", 0x00090317, "The context has expired and can no longer be used."
)
SEC_E_INCOMPLETE_MESSAGE: Final = _define(
    "SEC_E_INCOMPLETE_MESSAGE",
    0x80090318,
    "The supplied message is incomplete. The signature was not verified.",
)
SEC_E_INCOMPLETE_CREDENTIALS: Final = _define(
    "SEC_E_INCOMPLETE_CREDENTIALS",
    0x80090320,
    "The credentials supplied were not complete, and could not be verified. The context could not"
    " be initialized.",
)
SEC_E_BUFFER_TOO_SMALL: Final = _define(
    "SEC_E_BUFFER_TOO_SMALL", 0x80090321, "The buffers supplied to a function was too small."
)
SEC_I_INCOMPLETE_CREDENTIALS: Final = _define(
    "SEC_I_INCOMPLETE_CREDENTIALS",
    0x00090320,
    "The credentials supplied were not complete, and could not be verified. Additional "
    "information can be returned from the context.",
)
SEC_I_RENEGOTIATE: Final = _define(
    "SEC_I_RENEGOTIATE", 0x00090321, "The context data must be renegotiated with the peer."
)
SEC_E_WRONG_PRINCIPAL: Final = _define(
    "SEC_E_WRONG_PRINCIPAL", 0x80090322, "The target principal name is incorrect."
)
SEC_I_NO_LSA_CONTEXT: Final = _define(
    "SEC_I_NO_LSA_CONTEXT", 0x00090323, "There is no LSA mode context associated with this context."
)
SEC_E_TIME_SKEW: Final = _define(
    "SEC_E_TIME_SKEW", 0x80090324, "The clocks on the client and server machines are skewed."
)
SEC_E_UNTRUSTED_ROOT: Final = _define(
    "SEC_E_UNTRUSTED_ROOT",
    0x80090325,
    "The certificate chain was issued by an authority that is not trusted.",
)
SEC_E_ILLEGAL_MESSAGE: Final = _define(
    "SEC_E_ILLEGAL_MESSAGE", 0x80090326, "The message received was unexpected or badly formatted."
)
SEC_E_CERT_UNKNOWN: Final = _define(
    "SEC_E_CERT_UNKNOWN", 0x80090327, "An unknown error occurred while processing the certificate."
)
SEC_E_CERT_EXPIRED: Final = _define(
    "SEC_E_CERT_EXPIRED", 0x80090328, "The received certificate has expired."
)
SEC_E_ENCRYPT_FAILURE: Final = _define(
    "SEC_E_ENCRYPT_FAILURE", 0x80090329, "The specified data could not be encrypted."
)
SEC_E_DECRYPT_FAILURE: Final = _define(
    "SEC_E_DECRYPT_FAILURE", 0x80090330, "The specified data could not be decrypted."
)
SEC_E_ALGORITHM_MISMATCH: Final = _define(
    "SEC_E_ALGORITHM_MISMATCH",
    0x80090331,
    "The client and server cannot communicate, because they do not possess a common algorithm.",
)
SEC_E_SECURITY_QOS_FAILED: Final = _define(
    "SEC_E_SECURITY_QOS_FAILED",
    0x80090332,
    "The security context could not be established due to a failure in the requested quality of "
    "service (e.g. mutual authentication or delegation).",
)
SEC_E_UNFINISHED_CONTEXT_DELETED: Final = _define(
    "SEC_E_UNFINISHED_CONTEXT_DELETED",
    0x80090333,
    "A security context was deleted before the context was completed. This is considered a logon "
    "failure.",
)
SEC_E_NO_TGT_REPLY: Final = _define(
    "SEC_E_NO_TGT_REPLY",
    0x80090334,
    "The client is trying to negotiate a context and the server requires user-to-user but didn't "
    "send a TGT reply.",
)
SEC_E_NO_IP_ADDRESSES: Final = _define(
    "SEC_E_NO_IP_ADDRESSES",
    0x80090335,
    "Unable to accomplish the requested task because the local machine does not have any IP "
    "addresses.",
)
SEC_E_WRONG_CREDENTIAL_HANDLE: Final = _define(
    "SEC_E_WRONG_CREDENTIAL_HANDLE",
    0x80090336,
    "The supplied credential handle does not match the credential associated with the security "
    "context.",
)
SEC_E_CRYPTO_SYSTEM_INVALID: Final = _define(
    "SEC_E_CRYPTO_SYSTEM_INVALID",
    0x80090337,
    "The crypto system or checksum function is invalid because a required function is unavailable.",
)
SEC_E_MAX_REFERRALS_EXCEEDED: Final = _define(
    "SEC_E_MAX_REFERRALS_EXCEEDED",
    0x80090338,
    "The number of maximum ticket referrals has been exceeded.",
)
SEC_E_MUST_BE_KDC: Final = _define(
    "SEC_E_MUST_BE_KDC",
    0x80090339,
    "The local machine must be a Kerberos KDC (domain controller) and it is not.",
)
SEC_E_STRONG_CRYPTO_NOT_SUPPORTED: Final = _define(
    "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED",
    0x8009033A,
    "The other end of the security negotiation is requires strong crypto but it is not supported "
    "on the local machine.",
)
SEC_E_TOO_MANY_PRINCIPALS: Final = _define(
    "SEC_E_TOO_MANY_PRINCIPALS", 0x8009033B, "The KDC reply contained more than one principal name."
)
SEC_E_NO_PA_DATA: Final = _define(
    "SEC_E_NO_PA_DATA",
    0x8009033C,
    "Expected to find PA data for a hint of what etype to use, but it was not found.",
)
SEC_E_PKINIT_NAME_MISMATCH: Final = _define(
    "SEC_E_PKINIT_NAME_MISMATCH",
    0x8009033D,
    "The client certificate does not contain a valid UPN, or does not match the client name in "
    "the logon request. Please contact your administrator.",
)
SEC_E_SMARTCARD_LOGON_REQUIRED: Final = _define(
    "SEC_E_SMARTCARD_LOGON_REQUIRED", 0x8009033E, "Smartcard logon is required and was not used."
)
SEC_E_SHUTDOWN_IN_PROGRESS: Final = _define(
    "SEC_E_SHUTDOWN_IN_PROGRESS", 0x8009033F, "A system shutdown is in progress."
)
SEC_E_KDC_INVALID_REQUEST: Final = _define(
    "SEC_E_KDC_INVALID_REQUEST", 0x80090340, "An invalid request was sent to the KDC."
)
SEC_E_KDC_UNABLE_TO_REFER: Final = _define(
    "SEC_E_KDC_UNABLE_TO_REFER",
    0x80090341,
    "The KDC was unable to generate a referral for the service requested.",
)
SEC_E_KDC_UNKNOWN_ETYPE: Final = _define(
    "SEC_E_KDC_UNKNOWN_ETYPE",
    0x80090342,
    "The encryption type requested is not supported by the KDC.",
)
SEC_E_UNSUPPORTED_PREAUTH: Final = _define(
    "SEC_E_UNSUPPORTED_PREAUTH",
    0x80090343,
    "An unsupported preauthentication mechanism was presented to the Kerberos package.",
)
SEC_E_DELEGATION_REQUIRED: Final = _define(
    "SEC_E_DELEGATION_REQUIRED",
    0x80090345,
    "The requested operation cannot be completed. The computer must be trusted for delegation and"
    " the current user account must be configured to allow delegation.",
)
SEC_E_BAD_BINDINGS: Final = _define(
    "SEC_E_BAD_BINDINGS", 0x80090346, "Client's supplied SSPI channel bindings were incorrect."
)
SEC_E_MULTIPLE_ACCOUNTS: Final = _define(
    "SEC_E_MULTIPLE_ACCOUNTS",
    0x80090347,
    "The received certificate was mapped to multiple accounts.",
)
SEC_E_NO_KERB_KEY: Final = _define("SEC_E_NO_KERB_KEY", 0x80090348, "SEC_E_NO_KERB_KEY")
SEC_E_CERT_WRONG_USAGE: Final = _define(
    "SEC_E_CERT_WRONG_USAGE", 0x80090349, "The certificate is not valid for the requested usage."
)
SEC_E_DOWNGRADE_DETECTED: Final = _define(
    "SEC_E_DOWNGRADE_DETECTED",
    0x80090350,
    "The system cannot contact a domain controller to service the authentication request. Please "
    "try again later.",
)
SEC_E_SMARTCARD_CERT_REVOKED: Final = _define(
    "SEC_E_SMARTCARD_CERT_REVOKED",
    0x80090351,
    "The smartcard certificate used for authentication has been revoked. Please contact your "
    "system administrator. There may be additional information in the event log.",
)
SEC_E_ISSUING_CA_UNTRUSTED: Final = _define(
    "SEC_E_ISSUING_CA_UNTRUSTED",
    0x80090352,
    "An untrusted certificate authority was detected while processing the smartcard certificate "
    "used for authentication. Please contact your system administrator.",
)
SEC_E_REVOCATION_OFFLINE_C: Final = _define(
    "SEC_E_REVOCATION_OFFLINE_C",
    0x80090353,
    "The revocation status of the smartcard certificate used for authentication could not be "
    "determined. Please contact your system administrator.",
)
SEC_E_PKINIT_CLIENT_FAILURE: Final = _define(
    "SEC_E_PKINIT_CLIENT_FAILURE",
    0x80090354,
    "The smartcard certificate used for authentication was not trusted. Please contact your "
    "system administrator.",
)
SEC_E_SMARTCARD_CERT_EXPIRED: Final = _define(
    "SEC_E_SMARTCARD_CERT_EXPIRED",
    0x80090355,
    "The smartcard certificate used for authentication has expired. Please contact your system "
    "administrator.",
)
SEC_E_NO_S4U_PROT_SUPPORT: Final = _define(
    "SEC_E_NO_S4U_PROT_SUPPORT",
    0x80090356,
    "The Kerberos subsystem encountered an error. A service for user protocol request was made "
    "against a domain controller which does not support service for user.",
)
SEC_E_CROSSREALM_DELEGATION_FAILURE: Final = _define(
    "SEC_E_CROSSREALM_DELEGATION_FAILURE",
    0x80090357,
    "An attempt was made by this server to make a Kerberos constrained delegation request for a "
    "target outside of the server's realm. This is not supported, and indicates a "
    "misconfiguration on this server's allowed to delegate to list. Please contact your "
    "administrator.",
)
SEC_E_REVOCATION_OFFLINE_KDC: Final = _define(
    "SEC_E_REVOCATION_OFFLINE_KDC",
    0x80090358,
    "The revocation status of the domain controller certificate used for smartcard authentication"
    " could not be determined. There is additional information in the system event log. Please "
    "contact your system administrator.",
)
SEC_E_ISSUING_CA_UNTRUSTED_KDC: Final = _define(
    "SEC_E_ISSUING_CA_UNTRUSTED_KDC",
    0x80090359,
    "An untrusted certificate authority was detected while processing the domain controller "
    "certificate used for authentication. There is additional information in the system event "
    "log. Please contact your system administrator.",
)
SEC_E_KDC_CERT_EXPIRED: Final = _define(
    "SEC_E_KDC_CERT_EXPIRED",
    0x8009035A,
    "The domain controller certificate used for smartcard logon has expired. Please contact your "
    "system administrator with the contents of your system event log.",
)
SEC_E_KDC_CERT_REVOKED: Final = _define(
    "SEC_E_KDC_CERT_REVOKED",
    0x8009035B,
    "The domain controller certificate used for smartcard logon has been revoked. Please contact "
    "your system administrator with the contents of your system event log.",
)
SEC_I_SIGNATURE_NEEDED: Final = _define(
    "SEC_I_SIGNATURE_NEEDED",
    0x0009035C,
    "A signature operation must be performed before the user can authenticate.",
)
SEC_E_INVALID_PARAMETER: Final = _define(
    "SEC_E_INVALID_PARAMETER",
    0x8009035D,
    "One or more of the parameters passed to the function was invalid.",
)
SEC_E_DELEGATION_POLICY: Final = _define(
    "SEC_E_DELEGATION_POLICY",
    0x8009035E,
    "Client policy does not allow credential delegation to target server.",
)
SEC_E_POLICY_NLTM_ONLY: Final = _define(
    "SEC_E_POLICY_NLTM_ONLY",
    0x8009035F,
    "Client policy does not allow credential delegation to target server with NLTM only "
    "authentication.",
)
SEC_I_NO_RENEGOTIATION: Final = _define(
    "SEC_I_NO_RENEGOTIATION", 0x00090360, "The recipient rejected the renegotiation request."
)
SEC_E_NO_CONTEXT: Final = _define(
    "SEC_E_NO_CONTEXT", 0x80090361, "The required security context does not exist."
)
SEC_E_PKU2U_CERT_FAILURE: Final = _define(
    "SEC_E_PKU2U_CERT_FAILURE",
    0x80090362,
    "The PKU2U protocol encountered an error while attempting to utilize the associated "
    "certificates.",
)
SEC_E_MUTUAL_AUTH_FAILED: Final = _define(
    "SEC_E_MUTUAL_AUTH_FAILED",
    0x80090363,
    "The identity of the server computer could not be verified.",
)
SEC_I_MESSAGE_FRAGMENT: Final = _define(
    "SEC_I_MESSAGE_FRAGMENT",
    0x00090364,
    "The returned buffer is only a fragment of the message.  More fragments need to be returned.",
)
SEC_E_ONLY_HTTPS_ALLOWED: Final = _define(
    "SEC_E_ONLY_HTTPS_ALLOWED", 0x80090365, "Only https scheme is allowed."
)
SEC_I_CONTINUE_NEEDED_MESSAGE_OK: Final = _define(
    "SEC_I_CONTINUE_NEEDED_MESSAGE_OK",
    0x00090366,
    "The function completed successfully, but must be called again to complete the context.  "
    "Early start can be used.",
)
SEC_E_APPLICATION_PROTOCOL_MISMATCH: Final = _define(
    "SEC_E_APPLICATION_PROTOCOL_MISMATCH",
    0x80090367,
    "No common application protocol exists between the client and the server. Application "
    "protocol negotiation failed.",
)
SEC_I_ASYNC_CALL_PENDING: Final = _define(
    "SEC_I_ASYNC_CALL_PENDING",
    0x00090368,
    "An asynchronous SSPI routine has been called and the work is pending completion.",
)
SEC_E_INVALID_UPN_NAME: Final = _define(
    "SEC_E_INVALID_UPN_NAME",
    0x80090369,
    "You can't sign in with a user ID in this format. Try using your email address instead.",
)
SEC_E_EXT_BUFFER_TOO_SMALL: Final = _define(
    "SEC_E_EXT_BUFFER_TOO_SMALL",
    0x8009036A,
    "The buffer supplied by the SSPI caller to receive generic extensions is too small.",
)
SEC_E_INSUFFICIENT_BUFFERS: Final = _define(
    "SEC_E_INSUFFICIENT_BUFFERS",
    0x8009036B,
    "Not enough secbuffers were supplied to generate a token.",
)

# Aliases defined in winerror.h as '#define SEC_E_NO_SPM SEC_E_INTERNAL_ERROR' and
# '#define SEC_E_NOT_SUPPORTED SEC_E_UNSUPPORTED_FUNCTION'.
SEC_E_NO_SPM: Final = _alias("SEC_E_NO_SPM", SEC_E_INTERNAL_ERROR)
SEC_E_NOT_SUPPORTED: Final = _alias("SEC_E_NOT_SUPPORTED", SEC_E_UNSUPPORTED_FUNCTION)


# --- Macros ----------------------------------------------------------------------------


def _signed(status: int) -> int:
    # Fast path for values already in signed range; otherwise normalise (and validate).
    if _MIN_LONG <= status <= 0x7FFFFFFF:
        return status
    return _to_signed(operator.index(status))


def SUCCEEDED(status: int) -> bool:
    """``SUCCEEDED(hr)`` of ``winerror.h``: the status, read as a signed LONG, is >= 0.

    Accepts the signed or unsigned 32-bit form; raises ``ValueError`` beyond 32 bits.
    """
    return _signed(status) >= 0


def FAILED(status: int) -> bool:
    """``FAILED(hr)`` of ``winerror.h``: the status, read as a signed LONG, is < 0."""
    return _signed(status) < 0


def SEC_SUCCESS(status: int) -> bool:
    """``SEC_SUCCESS(Status)`` of ``sspi.h`` (``(Status) >= 0``); same as :func:`SUCCEEDED`."""
    return _signed(status) >= 0


# --- Exceptions ------------------------------------------------------------------------


class SSPIError(Exception):
    """An SSPI failure, for callers who prefer exceptions to status codes.

    ``args`` is ``(status, funcname, strerror)`` like pywin32's ``pywintypes.error``;
    ``str()`` is ``"InitializeSecurityContext: SEC_E_LOGON_DENIED (0x8009030C): The logon
    attempt failed"``. The text comes only from the status table and ``funcname``.
    The SSPI functions of this package never raise it: only :func:`check` does.
    """

    status: SECURITY_STATUS
    funcname: str
    strerror: str

    def __init__(self, status: int, funcname: str = "") -> None:
        st = SECURITY_STATUS.from_code(status)
        super().__init__(int(st), funcname, st.message)
        self.status = st
        self.funcname = funcname
        self.strerror = st.message

    @property
    def winerror(self) -> int:
        """The signed status code, as ``pywintypes.error.winerror``."""
        return int(self.status)

    def __str__(self) -> str:
        prefix = f"{self.funcname}: " if self.funcname else ""
        return f"{prefix}{self.status!r}: {self.strerror}"

    def __reduce__(self) -> tuple[type[SSPIError], tuple[int, str]]:
        return (type(self), (int(self.status), self.funcname))


def check(status: int, funcname: str = "") -> SECURITY_STATUS:
    """Raise :class:`SSPIError` if ``status`` is a failure; otherwise return it.

    ``check(InitializeSecurityContext(...), "InitializeSecurityContext")`` gives back
    ``SEC_E_OK`` or ``SEC_I_CONTINUE_NEEDED`` (and other success codes) as
    ``SECURITY_STATUS``.
    """
    st = SECURITY_STATUS.from_code(status)
    if st < 0:
        raise SSPIError(st, funcname)
    return st
