"""Tests for sspi_compat._constants.

Expected values are an independent transcription typed by hand from Windows SDK
``sspi.h`` / ``security.h`` / ``rpcdce.h`` / ``NTSecAPI.h`` / ``credssp.h`` and from
pywin32's ``win32/Lib/sspicon.py`` (which spells some ULONG flags as signed ints).
"""

from __future__ import annotations

import pytest

from sspi_compat import _constants as C

# (name, value in the Windows header)
SSPI_H_ROWS: list[tuple[str, int]] = [
    ("SECURITY_NATIVE_DREP", 0x10),
    ("SECURITY_NETWORK_DREP", 0),
    ("SECPKG_CRED_INBOUND", 1),
    ("SECPKG_CRED_OUTBOUND", 2),
    ("SECPKG_CRED_BOTH", 3),
    ("SECPKG_CRED_DEFAULT", 4),
    ("SECPKG_CRED_AUTOLOGON_RESTRICTED", 0x10),
    ("SECPKG_CRED_PROCESS_POLICY_ONLY", 0x20),
    ("SECPKG_CRED_RESERVED", 0xF0000000),
    ("ISC_REQ_DELEGATE", 0x1),
    ("ISC_REQ_MUTUAL_AUTH", 0x2),
    ("ISC_REQ_REPLAY_DETECT", 0x4),
    ("ISC_REQ_SEQUENCE_DETECT", 0x8),
    ("ISC_REQ_CONFIDENTIALITY", 0x10),
    ("ISC_REQ_USE_SESSION_KEY", 0x20),
    ("ISC_REQ_PROMPT_FOR_CREDS", 0x40),
    ("ISC_REQ_USE_SUPPLIED_CREDS", 0x80),
    ("ISC_REQ_ALLOCATE_MEMORY", 0x100),
    ("ISC_REQ_USE_DCE_STYLE", 0x200),
    ("ISC_REQ_CONNECTION", 0x800),
    ("ISC_REQ_CALL_LEVEL", 0x1000),
    ("ISC_REQ_EXTENDED_ERROR", 0x4000),
    ("ISC_REQ_STREAM", 0x8000),
    ("ISC_REQ_INTEGRITY", 0x10000),
    ("ISC_REQ_IDENTIFY", 0x20000),
    ("ISC_REQ_NULL_SESSION", 0x40000),
    ("ISC_REQ_FRAGMENT_TO_FIT", 0x200000),
    ("ISC_REQ_FORWARD_CREDENTIALS", 0x400000),
    ("ISC_REQ_NO_INTEGRITY", 0x800000),
    ("ISC_REQ_USE_HTTP_STYLE", 0x1000000),
    ("ISC_REQ_UNVERIFIED_TARGET_NAME", 0x20000000),
    ("ISC_REQ_CONFIDENTIALITY_ONLY", 0x40000000),
    ("ISC_REQ_MESSAGES", 0x100000000),
    ("ISC_REQ_DEFERRED_CRED_VALIDATION", 0x200000000),
    ("ISC_REQ_NO_POST_HANDSHAKE_AUTH", 0x400000000),
    ("ISC_REQ_REUSE_SESSION_TICKETS", 0x800000000),
    ("ISC_REQ_EXPLICIT_SESSION", 0x1000000000),
    ("ISC_RET_USED_COLLECTED_CREDS", 0x40),
    ("ISC_RET_ALLOCATED_MEMORY", 0x100),
    ("ISC_RET_INTERMEDIATE_RETURN", 0x1000),
    ("ISC_RET_CALL_LEVEL", 0x2000),
    ("ISC_RET_FRAGMENT_ONLY", 0x200000),
    ("ISC_RET_USED_HTTP_STYLE", 0x1000000),
    ("ISC_RET_NO_ADDITIONAL_TOKEN", 0x2000000),
    ("ISC_RET_REAUTHENTICATION", 0x8000000),
    ("ISC_RET_CONFIDENTIALITY_ONLY", 0x40000000),
    ("ASC_REQ_SESSION_TICKET", 0x40),
    ("ASC_REQ_ALLOCATE_MEMORY", 0x100),
    ("ASC_REQ_CALL_LEVEL", 0x1000),
    ("ASC_REQ_FRAGMENT_SUPPLIED", 0x2000),
    ("ASC_REQ_EXTENDED_ERROR", 0x8000),
    ("ASC_REQ_STREAM", 0x10000),
    ("ASC_REQ_INTEGRITY", 0x20000),
    ("ASC_REQ_IDENTIFY", 0x80000),
    ("ASC_REQ_ALLOW_NULL_SESSION", 0x100000),
    ("ASC_REQ_NO_TOKEN", 0x1000000),
    ("ASC_REQ_PROXY_BINDINGS", 0x4000000),
    ("ASC_REQ_ALLOW_MISSING_BINDINGS", 0x10000000),
    ("ASC_REQ_MESSAGES", 0x100000000),
    ("ASC_RET_CALL_LEVEL", 0x2000),
    ("ASC_RET_THIRD_LEG_FAILED", 0x4000),
    ("ASC_RET_NULL_SESSION", 0x100000),
    ("ASC_RET_NO_ADDITIONAL_TOKEN", 0x2000000),
    ("ASC_RET_REUSE_SESSION_TICKETS", 0x800000000),
    ("SECBUFFER_VERSION", 0),
    ("SECBUFFER_EMPTY", 0),
    ("SECBUFFER_DATA", 1),
    ("SECBUFFER_TOKEN", 2),
    ("SECBUFFER_PKG_PARAMS", 3),
    ("SECBUFFER_MISSING", 4),
    ("SECBUFFER_EXTRA", 5),
    ("SECBUFFER_STREAM_TRAILER", 6),
    ("SECBUFFER_STREAM_HEADER", 7),
    ("SECBUFFER_PADDING", 9),
    ("SECBUFFER_STREAM", 10),
    ("SECBUFFER_TARGET", 13),
    ("SECBUFFER_CHANNEL_BINDINGS", 14),
    ("SECBUFFER_TARGET_HOST", 16),
    ("SECBUFFER_ALERT", 17),
    ("SECBUFFER_TOKEN_BINDING", 21),
    ("SECBUFFER_DTLS_MTU", 24),
    ("SECBUFFER_FLAGS", 27),
    ("SECBUFFER_SESSION_TICKET", 32),
    ("SECBUFFER_ATTRMASK", 0xF0000000),
    ("SECBUFFER_READONLY", 0x80000000),
    ("SECBUFFER_READONLY_WITH_CHECKSUM", 0x10000000),
    ("SECBUFFER_RESERVED", 0x60000000),
    ("SECBUFFER_UNMAPPED", 0x40000000),
    ("SECPKG_ATTR_SIZES", 0),
    ("SECPKG_ATTR_NAMES", 1),
    ("SECPKG_ATTR_LIFESPAN", 2),
    ("SECPKG_ATTR_DCE_INFO", 3),
    ("SECPKG_ATTR_STREAM_SIZES", 4),
    ("SECPKG_ATTR_KEY_INFO", 5),
    ("SECPKG_ATTR_AUTHORITY", 6),
    ("SECPKG_ATTR_PROTO_INFO", 7),
    ("SECPKG_ATTR_PASSWORD_EXPIRY", 8),
    ("SECPKG_ATTR_SESSION_KEY", 9),
    ("SECPKG_ATTR_PACKAGE_INFO", 10),
    ("SECPKG_ATTR_USER_FLAGS", 11),
    ("SECPKG_ATTR_NEGOTIATION_INFO", 12),
    ("SECPKG_ATTR_NATIVE_NAMES", 13),
    ("SECPKG_ATTR_FLAGS", 14),
    ("SECPKG_ATTR_TARGET", 19),
    ("SECPKG_ATTR_LOGOFF_TIME", 21),
    ("SECPKG_ATTR_NEGO_KEYS", 22),
    ("SECPKG_ATTR_PROMPTING_NEEDED", 24),
    ("SECPKG_ATTR_ENDPOINT_BINDINGS", 26),
    ("SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS", 30),
    ("SECPKG_ATTR_CONTEXT_DELETED", 33),
    ("SECPKG_ATTR_APPLICATION_PROTOCOL", 35),
    ("SECPKG_ATTR_IS_LOOPBACK", 37),
    ("SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES", 128),
    ("SECPKG_ATTR_NEGOTIATION_PACKAGE", 0x80000081),
    ("SECPKG_CRED_ATTR_NAMES", 1),
    ("SECPKG_CRED_ATTR_SSI_PROVIDER", 2),
    ("SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS", 3),
    ("SECPKG_CRED_ATTR_CERT", 4),
    ("SECPKG_NEGOTIATION_COMPLETE", 0),
    ("SECPKG_NEGOTIATION_OPTIMISTIC", 1),
    ("SECPKG_NEGOTIATION_IN_PROGRESS", 2),
    ("SECPKG_NEGOTIATION_DIRECT", 3),
    ("SECPKG_NEGOTIATION_TRY_MULTICRED", 4),
    ("SECPKG_CONTEXT_EXPORT_RESET_NEW", 1),
    ("SECPKG_CONTEXT_EXPORT_DELETE_OLD", 2),
    ("SECPKG_CONTEXT_EXPORT_TO_KERNEL", 4),
    ("SECQOP_WRAP_NO_ENCRYPT", 0x80000001),
    ("SECQOP_WRAP_OOB_DATA", 0x40000000),
    ("KERB_WRAP_NO_ENCRYPT", 0x80000001),
    ("SEC_WINNT_AUTH_IDENTITY_ANSI", 1),
    ("SEC_WINNT_AUTH_IDENTITY_UNICODE", 2),
    ("SEC_WINNT_AUTH_IDENTITY_MARSHALLED", 4),
    ("SEC_WINNT_AUTH_IDENTITY_ONLY", 8),
    ("SEC_WINNT_AUTH_IDENTITY_VERSION", 0x200),
    ("SEC_WINNT_AUTH_IDENTITY_VERSION_2", 0x201),
    ("SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_USER", 0x20000),
    ("SECPKG_FLAG_INTEGRITY", 0x1),
    ("SECPKG_FLAG_PRIVACY", 0x2),
    ("SECPKG_FLAG_TOKEN_ONLY", 0x4),
    ("SECPKG_FLAG_CONNECTION", 0x10),
    ("SECPKG_FLAG_MULTI_REQUIRED", 0x20),
    ("SECPKG_FLAG_EXTENDED_ERROR", 0x80),
    ("SECPKG_FLAG_IMPERSONATION", 0x100),
    ("SECPKG_FLAG_ACCEPT_WIN32_NAME", 0x200),
    ("SECPKG_FLAG_NEGOTIABLE", 0x800),
    ("SECPKG_FLAG_GSS_COMPATIBLE", 0x1000),
    ("SECPKG_FLAG_LOGON", 0x2000),
    ("SECPKG_FLAG_MUTUAL_AUTH", 0x10000),
    ("SECPKG_FLAG_DELEGATION", 0x20000),
    ("SECPKG_FLAG_READONLY_WITH_CHECKSUM", 0x40000),
    ("SECPKG_FLAG_RESTRICTED_TOKENS", 0x80000),
    ("SECPKG_FLAG_NEGO_EXTENDER", 0x100000),
    ("SECPKG_FLAG_NEGOTIABLE2", 0x200000),
    ("SECPKG_FLAG_APPCONTAINER_PASSTHROUGH", 0x400000),
    ("SECPKG_FLAG_APPCONTAINER_CHECKS", 0x800000),
    ("SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED", 0x1000000),
    ("SECPKG_FLAG_APPLY_LOOPBACK", 0x2000000),
    ("SECPKG_ID_NONE", 0xFFFF),
    ("SecPkgAttrLastClientTokenYes", 0),
    ("SecPkgAttrLastClientTokenNo", 1),
    ("SecPkgAttrLastClientTokenMaybe", 2),
    ("SEC_CHANNEL_BINDINGS_RESULT_VALID_MATCHED", 0x10),
    ("SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISMATCH", 0x4),
    ("RPC_C_AUTHN_GSS_NEGOTIATE", 9),
    ("RPC_C_AUTHN_WINNT", 10),
    ("RPC_C_AUTHN_GSS_SCHANNEL", 14),
    ("RPC_C_AUTHN_GSS_KERBEROS", 16),
    ("RPC_C_AUTHN_DEFAULT", 0xFFFFFFFF),
]

# pywin32 sspicon.py spells these ULONG values as signed ints.
PYWIN32_SIGNED_ROWS: list[tuple[str, int]] = [
    ("SECBUFFER_ATTRMASK", -268435456),
    ("SECBUFFER_READONLY", -2147483648),
    ("SECBUFFER_READONLY_WITH_CHECKSUM", 268435456),
    ("SECBUFFER_RESERVED", 1610612736),
    ("SECPKG_CRED_RESERVED", -268435456),
    ("SECQOP_WRAP_NO_ENCRYPT", -2147483647),
    ("ISC_REQ_HTTP", 0x10000000),
    ("ASC_REQ_NO_TOKEN", 16777216),
    ("ASC_RET_FRAGMENT_ONLY", 8388608),
    ("SEC_WINNT_AUTH_IDENTITY_VERSION", 512),
]

STRING_ROWS: list[tuple[str, str]] = [
    ("NTLMSP_NAME", "NTLM"),
    ("NTLMSP_NAME_A", "NTLM"),
    ("MICROSOFT_KERBEROS_NAME", "Kerberos"),
    ("MICROSOFT_KERBEROS_NAME_A", "Kerberos"),
    ("MICROSOFT_KERBEROS_NAME_W", "Kerberos"),
    ("NEGOSSP_NAME", "Negotiate"),
    ("NEGOSSP_NAME_A", "Negotiate"),
    ("NEGOSSP_NAME_W", "Negotiate"),
]

# The 64-bit flags of the current SDK (everything else fits a ULONG).
WIDE_FLAGS = {
    "ISC_REQ_MESSAGES",
    "ISC_REQ_DEFERRED_CRED_VALIDATION",
    "ISC_REQ_NO_POST_HANDSHAKE_AUTH",
    "ISC_REQ_REUSE_SESSION_TICKETS",
    "ISC_REQ_EXPLICIT_SESSION",
    "ISC_RET_MESSAGES",
    "ISC_RET_DEFERRED_CRED_VALIDATION",
    "ISC_RET_NO_POST_HANDSHAKE_AUTH",
    "ISC_RET_REUSE_SESSION_TICKETS",
    "ISC_RET_EXPLICIT_SESSION",
    "ASC_REQ_MESSAGES",
    "ASC_REQ_REUSE_SESSION_TICKETS",
    "ASC_REQ_EXPLICIT_SESSION",
    "ASC_RET_MESSAGES",
    "ASC_RET_REUSE_SESSION_TICKETS",
    "ASC_RET_EXPLICIT_SESSION",
}

# Same-name REQ/RET pairs whose bits differ in Windows itself.
DIFFERENT_BIT_SAME_NAME = {"CALL_LEVEL"}

# REQ flag -> RET flag with a different name but the same bit (sspi.h).
ISC_RENAMED_PAIRS = {
    "ISC_REQ_PROMPT_FOR_CREDS": "ISC_RET_USED_COLLECTED_CREDS",
    "ISC_REQ_USE_SUPPLIED_CREDS": "ISC_RET_USED_SUPPLIED_CREDS",
    "ISC_REQ_ALLOCATE_MEMORY": "ISC_RET_ALLOCATED_MEMORY",
    "ISC_REQ_USE_DCE_STYLE": "ISC_RET_USED_DCE_STYLE",
    "ISC_REQ_FRAGMENT_TO_FIT": "ISC_RET_FRAGMENT_ONLY",
    "ISC_REQ_USE_HTTP_STYLE": "ISC_RET_USED_HTTP_STYLE",
}
ASC_RENAMED_PAIRS = {
    "ASC_REQ_ALLOCATE_MEMORY": "ASC_RET_ALLOCATED_MEMORY",
    "ASC_REQ_USE_DCE_STYLE": "ASC_RET_USED_DCE_STYLE",
    "ASC_REQ_ALLOW_NULL_SESSION": "ASC_RET_NULL_SESSION",
    "ASC_REQ_FRAGMENT_TO_FIT": "ASC_RET_FRAGMENT_ONLY",
}
# REQ flags with no RET counterpart at all in sspi.h.
ISC_REQ_WITHOUT_RET = {
    "ISC_REQ_FRAGMENT_SUPPLIED",
    "ISC_REQ_NO_INTEGRITY",
    "ISC_REQ_UNVERIFIED_TARGET_NAME",
}
ASC_REQ_WITHOUT_RET = {
    "ASC_REQ_FRAGMENT_SUPPLIED",
    "ASC_REQ_PROXY_BINDINGS",
    "ASC_REQ_ALLOW_MISSING_BINDINGS",
}

# Names that share a value with another name of the same group, on purpose.
INTENDED_ALIASES = {
    "SECBUFFER_VERSION",  # 0, the SecBufferDesc.ulVersion, not a type
    "SECPKG_ATTR_DATAGRAM_SIZES",  # == SECPKG_ATTR_STREAM_SIZES
    "SECPKG_CRED_ATTR_KDC_NETWORK_SETTINGS",  # == ..._KDC_PROXY_SETTINGS
}


def _group(prefix: str) -> dict[str, int]:
    return {n: getattr(C, n) for n in C.__all__ if n.startswith(prefix)}


@pytest.mark.parametrize(("name", "value"), SSPI_H_ROWS)
def test_value_matches_windows_header(name: str, value: int) -> None:
    assert getattr(C, name) == value
    assert type(getattr(C, name)) is int


@pytest.mark.parametrize(("name", "signed"), PYWIN32_SIGNED_ROWS)
def test_value_matches_pywin32_signed_form(name: str, signed: int) -> None:
    assert getattr(C, name) == signed & 0xFFFFFFFF


@pytest.mark.parametrize(("name", "value"), STRING_ROWS)
def test_package_names(name: str, value: str) -> None:
    assert getattr(C, name) == value


def test_all_is_complete_and_unique() -> None:
    # "@py_..." names come from pytest's assertion rewriting, which covers the
    # whole installed distribution because it ships a pytest plugin.
    public = {
        n
        for n in vars(C)
        if not n.startswith(("_", "@")) and n not in {"Final", "annotations"}
    }
    assert set(C.__all__) == public
    assert len(C.__all__) == len(set(C.__all__))


def test_every_numeric_constant_is_a_plain_non_negative_int_of_the_right_width() -> None:
    for name in C.__all__:
        value = getattr(C, name)
        if isinstance(value, str):
            continue
        assert type(value) is int, name
        assert value >= 0, name
        if name in WIDE_FLAGS:
            assert 0xFFFFFFFF < value <= 0xFFFFFFFFFFFFFFFF, name
        else:
            assert value <= 0xFFFFFFFF, name


@pytest.mark.parametrize("prefix", ["ISC_REQ_", "ISC_RET_", "ASC_REQ_", "ASC_RET_", "SECPKG_FLAG_"])
def test_flags_are_single_distinct_bits(prefix: str) -> None:
    group = _group(prefix)
    assert group
    seen: dict[int, str] = {}
    for name, value in group.items():
        assert value and value & (value - 1) == 0, f"{name} is not a single bit"
        if name in INTENDED_ALIASES:
            continue
        assert value not in seen, f"{name} and {seen.get(value)} share {value:#x}"
        seen[value] = name


@pytest.mark.parametrize(
    ("req_prefix", "ret_prefix", "renamed", "without_ret"),
    [
        ("ISC_REQ_", "ISC_RET_", ISC_RENAMED_PAIRS, ISC_REQ_WITHOUT_RET),
        ("ASC_REQ_", "ASC_RET_", ASC_RENAMED_PAIRS, ASC_REQ_WITHOUT_RET),
    ],
)
def test_req_flags_have_their_ret_flag(
    req_prefix: str, ret_prefix: str, renamed: dict[str, str], without_ret: set[str]
) -> None:
    rets = _group(ret_prefix)
    for req_name, req_value in _group(req_prefix).items():
        suffix = req_name[len(req_prefix) :]
        same_name = ret_prefix + suffix
        if same_name in rets:
            if suffix in DIFFERENT_BIT_SAME_NAME:
                assert rets[same_name] == req_value << 1, same_name
            else:
                assert rets[same_name] == req_value, same_name
        elif req_name in renamed:
            assert rets[renamed[req_name]] == req_value, req_name
        elif req_name == "ASC_REQ_REUSE_SESSION_TICKETS":
            assert rets["ASC_RET_REUSE_SESSION_TICKETS"] == req_value
        elif req_name == "ISC_REQ_HTTP":
            assert rets["ISC_RET_HTTP"] == req_value
        else:
            assert req_name in without_ret, f"{req_name} has no {ret_prefix} counterpart"


def test_call_level_quirk_is_kept() -> None:
    assert C.ISC_REQ_CALL_LEVEL == 0x1000
    assert C.ISC_RET_INTERMEDIATE_RETURN == 0x1000
    assert C.ISC_RET_CALL_LEVEL == 0x2000
    assert C.ASC_REQ_CALL_LEVEL == 0x1000
    assert C.ASC_RET_CALL_LEVEL == 0x2000


def test_isc_and_asc_bits_differ_where_windows_says_so() -> None:
    # The design notes: map by table, the bits do not line up above 0x800.
    assert C.ISC_REQ_INTEGRITY == 0x10000
    assert C.ASC_REQ_INTEGRITY == 0x20000
    assert C.ISC_REQ_EXTENDED_ERROR == 0x4000
    assert C.ASC_REQ_EXTENDED_ERROR == 0x8000
    assert C.ISC_REQ_IDENTIFY == 0x20000
    assert C.ASC_REQ_IDENTIFY == 0x80000


def test_secbuffer_types_and_attribute_flags() -> None:
    types = {
        n: v for n, v in _group("SECBUFFER_").items() if v < 0x10000000 and n != "SECBUFFER_VERSION"
    }
    assert sorted(types.values()) == list(range(33))
    attrs = {n: v for n, v in _group("SECBUFFER_").items() if v >= 0x10000000}
    for name, value in attrs.items():
        assert value & ~C.SECBUFFER_ATTRMASK == 0, name
    assert C.SECBUFFER_READONLY | C.SECBUFFER_READONLY_WITH_CHECKSUM | C.SECBUFFER_RESERVED == (
        C.SECBUFFER_ATTRMASK
    )
    assert C.SECBUFFER_UNMAPPED & C.SECBUFFER_RESERVED == C.SECBUFFER_UNMAPPED
    assert C.SECBUFFER_KERNEL_MAP & C.SECBUFFER_RESERVED == C.SECBUFFER_KERNEL_MAP


def test_context_attribute_ids_are_unique() -> None:
    seen: dict[int, str] = {}
    for name, value in _group("SECPKG_ATTR_").items():
        if name.startswith("SECPKG_ATTR_NEGO_INFO_FLAG_") or name in INTENDED_ALIASES:
            continue
        assert value not in seen, f"{name} and {seen.get(value)} share {value:#x}"
        seen[value] = name
    assert C.SECPKG_ATTR_DATAGRAM_SIZES == C.SECPKG_ATTR_STREAM_SIZES
    assert C.SECPKG_ATTR_C_ACCESS_TOKEN == C.SECPKG_ATTR_ACCESS_TOKEN | C.SECPKG_ALT_ATTR


def test_composite_values() -> None:
    assert C.SECPKG_CRED_BOTH == C.SECPKG_CRED_INBOUND | C.SECPKG_CRED_OUTBOUND
    assert C.SEC_CHANNEL_BINDINGS_RESULT_VALID == (
        C.SEC_CHANNEL_BINDINGS_RESULT_VALID_MATCHED
        | C.SEC_CHANNEL_BINDINGS_RESULT_VALID_PROXY
        | C.SEC_CHANNEL_BINDINGS_RESULT_VALID_MISSING
    )
    assert C.SEC_CHANNEL_BINDINGS_RESULT_NOTVALID == (
        C.SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISMATCH
        | C.SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISSING
    )
    assert C.SEC_CHANNEL_BINDINGS_VALID_FLAGS == C.SEC_CHANNEL_BINDINGS_AUDIT_BINDINGS
    # 'XEBC' as an MSVC multi-character constant; little-endian bytes read "CBEX".
    assert C.SEC_CHANNEL_BINDINGS_EX_MAGIC.to_bytes(4, "big") == b"XEBC"
    assert C.SEC_WINNT_AUTH_IDENTITY_FLAGS_VALID_SSPIPFC_FLAGS == (
        C.SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE
        | C.SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_CHECKED
        | C.SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_NO_CHECKBOX
        | C.SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_LOAD
    )
    assert C.SECQOP_WRAP_NO_ENCRYPT == C.KERB_WRAP_NO_ENCRYPT


def test_names_do_not_collide_with_status_module() -> None:
    from sspi_compat import _status

    assert not set(C.__all__) & set(_status.__all__)
