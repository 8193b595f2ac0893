"""``sspicon``: pywin32's SSPI constants, with pywin32's signed values.

pywin32 generated its ``sspicon`` from ``sspi.h`` with ``h2py``, which turns
every 32-bit value with the top bit set into a negative Python int
(``SECBUFFER_READONLY == -2147483648``, ``SECQOP_WRAP_NO_ENCRYPT ==
-2147483647``, ``SEC_E_LOGON_DENIED == -2146893044``), and pywin32's C
functions parse flags as a signed ``long``, so Windows code ORs and compares
those signed values.  This module does the same: every constant of the core
API (:mod:`sspi_compat`) appears here with its unsigned 32-bit value
reinterpreted as a signed one; status codes are plain ``int`` as in
pywin32.  Names pywin32's ``sspicon`` has beyond ``sspi.h`` (``ISSP_*``,
``SECURITY_ENTRYPOINT*``, the Kerberos and MSV1_0 LSA message numbers, and
the IPsec and CryptoAPI error codes h2py swept in) are defined below with
pywin32's values, so ``sspicon.__dict__`` holds every name pywin32's does.

Differences: constants pywin32 predates (e.g. ``SECBUFFER_CHANNEL_BINDINGS``
is there, but the 64-bit ``ISC_REQ_MESSAGES``, ``SECPKG_ATTR_*`` added since,
``SEC_E_*`` codes of later SDKs) are here too — more names, never other
values.  Values wider than 32 bits keep their (positive) value.
"""

import typing as _typing

import sspi_compat as _core

# Only the constants (and SEC_SUCCESS) are public here, as in pywin32's module;
# helpers are private and typing is imported under a private name.
if _typing.TYPE_CHECKING:  # every constant is set in globals() below

    def __getattr__(name: str) -> _typing.Any: ...


def _signed32(value: int) -> int:
    """The value as pywin32 spells it: 32-bit values with the top bit set are negative."""
    value = int(value)
    if 0x80000000 <= value <= 0xFFFFFFFF:
        return value - 0x100000000
    return value


def SEC_SUCCESS(Status: int) -> bool:
    """``SEC_SUCCESS(Status)`` of ``sspi.h``: the (signed) status is not negative."""
    return Status >= 0


def _core_constants() -> _typing.Dict[str, _typing.Any]:
    """Every public constant of the core API, in pywin32's spelling."""
    table: _typing.Dict[str, _typing.Any] = {}
    for name in dir(_core):
        if name.startswith("_") or name != name.upper():
            continue
        value = getattr(_core, name)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            continue
        table[name] = value if isinstance(value, str) else _signed32(value)
    return table


# pywin32's own additions (sspicon.py of pywin32, generated from the SDK).
_PYWIN32_EXTRAS: _typing.Tuple[_typing.Tuple[str, _typing.Any], ...] = (
    ("ISSP_LEVEL", 32),
    ("ISSP_MODE", 1),
    ("SECURITY_ENTRYPOINT_ANSIW", "InitSecurityInterfaceW"),
    ("SECURITY_ENTRYPOINT_ANSIA", "InitSecurityInterfaceA"),
    ("SECURITY_ENTRYPOINT16", "INITSECURITYINTERFACEA"),
    ("SECURITY_ENTRYPOINT", "INITSECURITYINTERFACEA"),
    ("SECURITY_ENTRYPOINT_ANSI", "INITSECURITYINTERFACEA"),
)

# KERB_PROTOCOL_MESSAGE_TYPE and MSV1_0_PROTOCOL_MESSAGE_TYPE (ntsecapi.h), numbered
# from 0 in this order; LsaCallAuthenticationPackage uses them.
_KERB_MESSAGES = (
    "KerbDebugRequestMessage", "KerbQueryTicketCacheMessage",
    "KerbChangeMachinePasswordMessage", "KerbVerifyPacMessage", "KerbRetrieveTicketMessage",
    "KerbUpdateAddressesMessage", "KerbPurgeTicketCacheMessage", "KerbChangePasswordMessage",
    "KerbRetrieveEncodedTicketMessage", "KerbDecryptDataMessage",
    "KerbAddBindingCacheEntryMessage", "KerbSetPasswordMessage", "KerbSetPasswordExMessage",
    "KerbVerifyCredentialsMessage", "KerbQueryTicketCacheExMessage",
    "KerbPurgeTicketCacheExMessage", "KerbRefreshSmartcardCredentialsMessage",
    "KerbAddExtraCredentialsMessage", "KerbQuerySupplementalCredentialsMessage",
)
_MSV1_0_MESSAGES = (
    "MsV1_0Lm20ChallengeRequest", "MsV1_0Lm20GetChallengeResponse", "MsV1_0EnumerateUsers",
    "MsV1_0GetUserInfo", "MsV1_0ReLogonUsers", "MsV1_0ChangePassword",
    "MsV1_0ChangeCachedPassword", "MsV1_0GenericPassthrough", "MsV1_0CacheLogon",
    "MsV1_0SubAuth", "MsV1_0DeriveCredential", "MsV1_0CacheLookup", "MsV1_0SetProcessOption",
)

# Error codes of other facilities that pywin32's sspicon carries (winerror.h):
# IPsec (decimal Win32 codes) and CryptoAPI (HRESULTs, signed).
_OTHER_CODES: _typing.Tuple[_typing.Tuple[str, int], ...] = (
    ('ERROR_IPSEC_QM_POLICY_EXISTS', 13000),
    ('ERROR_IPSEC_QM_POLICY_NOT_FOUND', 13001),
    ('ERROR_IPSEC_QM_POLICY_IN_USE', 13002),
    ('ERROR_IPSEC_MM_POLICY_EXISTS', 13003),
    ('ERROR_IPSEC_MM_POLICY_NOT_FOUND', 13004),
    ('ERROR_IPSEC_MM_POLICY_IN_USE', 13005),
    ('ERROR_IPSEC_MM_FILTER_EXISTS', 13006),
    ('ERROR_IPSEC_MM_FILTER_NOT_FOUND', 13007),
    ('ERROR_IPSEC_TRANSPORT_FILTER_EXISTS', 13008),
    ('ERROR_IPSEC_TRANSPORT_FILTER_NOT_FOUND', 13009),
    ('ERROR_IPSEC_MM_AUTH_EXISTS', 13010),
    ('ERROR_IPSEC_MM_AUTH_NOT_FOUND', 13011),
    ('ERROR_IPSEC_MM_AUTH_IN_USE', 13012),
    ('ERROR_IPSEC_DEFAULT_MM_POLICY_NOT_FOUND', 13013),
    ('ERROR_IPSEC_DEFAULT_MM_AUTH_NOT_FOUND', 13014),
    ('ERROR_IPSEC_DEFAULT_QM_POLICY_NOT_FOUND', 13015),
    ('ERROR_IPSEC_TUNNEL_FILTER_EXISTS', 13016),
    ('ERROR_IPSEC_TUNNEL_FILTER_NOT_FOUND', 13017),
    ('ERROR_IPSEC_MM_FILTER_PENDING_DELETION', 13018),
    ('ERROR_IPSEC_TRANSPORT_FILTER_PENDING_DELETION', 13019),
    ('ERROR_IPSEC_TUNNEL_FILTER_PENDING_DELETION', 13020),
    ('ERROR_IPSEC_MM_POLICY_PENDING_DELETION', 13021),
    ('ERROR_IPSEC_MM_AUTH_PENDING_DELETION', 13022),
    ('ERROR_IPSEC_QM_POLICY_PENDING_DELETION', 13023),
    ('ERROR_IPSEC_IKE_NEG_STATUS_BEGIN', 13800),
    ('ERROR_IPSEC_IKE_AUTH_FAIL', 13801),
    ('ERROR_IPSEC_IKE_ATTRIB_FAIL', 13802),
    ('ERROR_IPSEC_IKE_NEGOTIATION_PENDING', 13803),
    ('ERROR_IPSEC_IKE_GENERAL_PROCESSING_ERROR', 13804),
    ('ERROR_IPSEC_IKE_TIMED_OUT', 13805),
    ('ERROR_IPSEC_IKE_NO_CERT', 13806),
    ('ERROR_IPSEC_IKE_SA_DELETED', 13807),
    ('ERROR_IPSEC_IKE_SA_REAPED', 13808),
    ('ERROR_IPSEC_IKE_MM_ACQUIRE_DROP', 13809),
    ('ERROR_IPSEC_IKE_QM_ACQUIRE_DROP', 13810),
    ('ERROR_IPSEC_IKE_QUEUE_DROP_MM', 13811),
    ('ERROR_IPSEC_IKE_QUEUE_DROP_NO_MM', 13812),
    ('ERROR_IPSEC_IKE_DROP_NO_RESPONSE', 13813),
    ('ERROR_IPSEC_IKE_MM_DELAY_DROP', 13814),
    ('ERROR_IPSEC_IKE_QM_DELAY_DROP', 13815),
    ('ERROR_IPSEC_IKE_ERROR', 13816),
    ('ERROR_IPSEC_IKE_CRL_FAILED', 13817),
    ('ERROR_IPSEC_IKE_INVALID_KEY_USAGE', 13818),
    ('ERROR_IPSEC_IKE_INVALID_CERT_TYPE', 13819),
    ('ERROR_IPSEC_IKE_NO_PRIVATE_KEY', 13820),
    ('ERROR_IPSEC_IKE_DH_FAIL', 13822),
    ('ERROR_IPSEC_IKE_INVALID_HEADER', 13824),
    ('ERROR_IPSEC_IKE_NO_POLICY', 13825),
    ('ERROR_IPSEC_IKE_INVALID_SIGNATURE', 13826),
    ('ERROR_IPSEC_IKE_KERBEROS_ERROR', 13827),
    ('ERROR_IPSEC_IKE_NO_PUBLIC_KEY', 13828),
    ('ERROR_IPSEC_IKE_PROCESS_ERR', 13829),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_SA', 13830),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_PROP', 13831),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_TRANS', 13832),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_KE', 13833),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_ID', 13834),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_CERT', 13835),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_CERT_REQ', 13836),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_HASH', 13837),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_SIG', 13838),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_NONCE', 13839),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_NOTIFY', 13840),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_DELETE', 13841),
    ('ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR', 13842),
    ('ERROR_IPSEC_IKE_INVALID_PAYLOAD', 13843),
    ('ERROR_IPSEC_IKE_LOAD_SOFT_SA', 13844),
    ('ERROR_IPSEC_IKE_SOFT_SA_TORN_DOWN', 13845),
    ('ERROR_IPSEC_IKE_INVALID_COOKIE', 13846),
    ('ERROR_IPSEC_IKE_NO_PEER_CERT', 13847),
    ('ERROR_IPSEC_IKE_PEER_CRL_FAILED', 13848),
    ('ERROR_IPSEC_IKE_POLICY_CHANGE', 13849),
    ('ERROR_IPSEC_IKE_NO_MM_POLICY', 13850),
    ('ERROR_IPSEC_IKE_NOTCBPRIV', 13851),
    ('ERROR_IPSEC_IKE_SECLOADFAIL', 13852),
    ('ERROR_IPSEC_IKE_FAILSSPINIT', 13853),
    ('ERROR_IPSEC_IKE_FAILQUERYSSP', 13854),
    ('ERROR_IPSEC_IKE_SRVACQFAIL', 13855),
    ('ERROR_IPSEC_IKE_SRVQUERYCRED', 13856),
    ('ERROR_IPSEC_IKE_GETSPIFAIL', 13857),
    ('ERROR_IPSEC_IKE_INVALID_FILTER', 13858),
    ('ERROR_IPSEC_IKE_OUT_OF_MEMORY', 13859),
    ('ERROR_IPSEC_IKE_ADD_UPDATE_KEY_FAILED', 13860),
    ('ERROR_IPSEC_IKE_INVALID_POLICY', 13861),
    ('ERROR_IPSEC_IKE_UNKNOWN_DOI', 13862),
    ('ERROR_IPSEC_IKE_INVALID_SITUATION', 13863),
    ('ERROR_IPSEC_IKE_DH_FAILURE', 13864),
    ('ERROR_IPSEC_IKE_INVALID_GROUP', 13865),
    ('ERROR_IPSEC_IKE_ENCRYPT', 13866),
    ('ERROR_IPSEC_IKE_DECRYPT', 13867),
    ('ERROR_IPSEC_IKE_POLICY_MATCH', 13868),
    ('ERROR_IPSEC_IKE_UNSUPPORTED_ID', 13869),
    ('ERROR_IPSEC_IKE_INVALID_HASH', 13870),
    ('ERROR_IPSEC_IKE_INVALID_HASH_ALG', 13871),
    ('ERROR_IPSEC_IKE_INVALID_HASH_SIZE', 13872),
    ('ERROR_IPSEC_IKE_INVALID_ENCRYPT_ALG', 13873),
    ('ERROR_IPSEC_IKE_INVALID_AUTH_ALG', 13874),
    ('ERROR_IPSEC_IKE_INVALID_SIG', 13875),
    ('ERROR_IPSEC_IKE_LOAD_FAILED', 13876),
    ('ERROR_IPSEC_IKE_RPC_DELETE', 13877),
    ('ERROR_IPSEC_IKE_BENIGN_REINIT', 13878),
    ('ERROR_IPSEC_IKE_INVALID_RESPONDER_LIFETIME_NOTIFY', 13879),
    ('ERROR_IPSEC_IKE_INVALID_CERT_KEYLEN', 13881),
    ('ERROR_IPSEC_IKE_MM_LIMIT', 13882),
    ('ERROR_IPSEC_IKE_NEGOTIATION_DISABLED', 13883),
    ('ERROR_IPSEC_IKE_NEG_STATUS_END', 13884),
    ('WARNING_IPSEC_MM_POLICY_PRUNED', 13024),
    ('WARNING_IPSEC_QM_POLICY_PRUNED', 13025),
    ('CRYPT_E_MSG_ERROR', -2146889727),
    ('CRYPT_E_UNKNOWN_ALGO', -2146889726),
    ('CRYPT_E_OID_FORMAT', -2146889725),
    ('CRYPT_E_INVALID_MSG_TYPE', -2146889724),
    ('CRYPT_E_UNEXPECTED_ENCODING', -2146889723),
    ('CRYPT_E_AUTH_ATTR_MISSING', -2146889722),
    ('CRYPT_E_HASH_VALUE', -2146889721),
    ('CRYPT_E_INVALID_INDEX', -2146889720),
    ('CRYPT_E_ALREADY_DECRYPTED', -2146889719),
    ('CRYPT_E_NOT_DECRYPTED', -2146889718),
    ('CRYPT_E_RECIPIENT_NOT_FOUND', -2146889717),
    ('CRYPT_E_CONTROL_TYPE', -2146889716),
    ('CRYPT_E_ISSUER_SERIALNUMBER', -2146889715),
    ('CRYPT_E_SIGNER_NOT_FOUND', -2146889714),
    ('CRYPT_E_ATTRIBUTES_MISSING', -2146889713),
    ('CRYPT_E_STREAM_MSG_NOT_READY', -2146889712),
    ('CRYPT_E_STREAM_INSUFFICIENT_DATA', -2146889711),
    ('CRYPT_I_NEW_PROTECTION_REQUIRED', 593938),
    ('CRYPT_E_BAD_LEN', -2146885631),
    ('CRYPT_E_BAD_ENCODE', -2146885630),
    ('CRYPT_E_FILE_ERROR', -2146885629),
    ('CRYPT_E_NOT_FOUND', -2146885628),
    ('CRYPT_E_EXISTS', -2146885627),
    ('CRYPT_E_NO_PROVIDER', -2146885626),
    ('CRYPT_E_SELF_SIGNED', -2146885625),
    ('CRYPT_E_DELETED_PREV', -2146885624),
    ('CRYPT_E_NO_MATCH', -2146885623),
    ('CRYPT_E_UNEXPECTED_MSG_TYPE', -2146885622),
    ('CRYPT_E_NO_KEY_PROPERTY', -2146885621),
    ('CRYPT_E_NO_DECRYPT_CERT', -2146885620),
    ('CRYPT_E_BAD_MSG', -2146885619),
    ('CRYPT_E_NO_SIGNER', -2146885618),
    ('CRYPT_E_PENDING_CLOSE', -2146885617),
    ('CRYPT_E_REVOKED', -2146885616),
    ('CRYPT_E_NO_REVOCATION_DLL', -2146885615),
    ('CRYPT_E_NO_REVOCATION_CHECK', -2146885614),
    ('CRYPT_E_REVOCATION_OFFLINE', -2146885613),
    ('CRYPT_E_NOT_IN_REVOCATION_DATABASE', -2146885612),
    ('CRYPT_E_INVALID_NUMERIC_STRING', -2146885600),
    ('CRYPT_E_INVALID_PRINTABLE_STRING', -2146885599),
    ('CRYPT_E_INVALID_IA5_STRING', -2146885598),
    ('CRYPT_E_INVALID_X500_STRING', -2146885597),
    ('CRYPT_E_NOT_CHAR_STRING', -2146885596),
    ('CRYPT_E_FILERESIZED', -2146885595),
    ('CRYPT_E_SECURITY_SETTINGS', -2146885594),
    ('CRYPT_E_NO_VERIFY_USAGE_DLL', -2146885593),
    ('CRYPT_E_NO_VERIFY_USAGE_CHECK', -2146885592),
    ('CRYPT_E_VERIFY_USAGE_OFFLINE', -2146885591),
    ('CRYPT_E_NOT_IN_CTL', -2146885590),
    ('CRYPT_E_NO_TRUSTED_SIGNER', -2146885589),
    ('CRYPT_E_MISSING_PUBKEY_PARA', -2146885588),
    ('CRYPT_E_OSS_ERROR', -2146881536),
)


def _build() -> _typing.Dict[str, _typing.Any]:
    table = _core_constants()
    table.update(_PYWIN32_EXTRAS)
    table.update({name: number for number, name in enumerate(_KERB_MESSAGES)})
    table.update({name: number for number, name in enumerate(_MSV1_0_MESSAGES)})
    table.update(_OTHER_CODES)
    return table


globals().update(_build())
