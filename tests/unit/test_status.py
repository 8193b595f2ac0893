"""Tests for sspi_compat._status: the SSPI status table, SECURITY_STATUS, FAILED/SUCCEEDED,
SSPIError and check().

The expected values below are an independent transcription: typed by hand from Windows
SDK ``winerror.h`` (code and MessageText) and pywin32 ``win32/Lib/winerror.py`` (the
signed form pywin32 exposes), not computed from the module under test.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sspi_compat import _constants, _status
from sspi_compat._status import (
    FAILED,
    SEC_E_INSUFFICIENT_BUFFERS,
    SEC_E_INTERNAL_ERROR,
    SEC_E_INVALID_TOKEN,
    SEC_E_LOGON_DENIED,
    SEC_E_NO_SPM,
    SEC_E_NOT_SUPPORTED,
    SEC_E_OK,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_I_CONTINUE_NEEDED,
    SEC_SUCCESS,
    SECURITY_STATUS,
    SUCCEEDED,
    SSPIError,
    check,
)

# (name, winerror.h value, pywin32 signed value, FormatMessage text)
WINERROR_ROWS: list[tuple[str, int, int, str]] = [
    ("SEC_E_OK", 0x00000000, 0, "The operation completed successfully."),
    (
        "SEC_E_INSUFFICIENT_MEMORY",
        0x80090300,
        -2146893056,
        "Not enough memory is available to complete this request",
    ),
    ("SEC_E_INVALID_HANDLE", 0x80090301, -2146893055, "The handle specified is invalid"),
    (
        "SEC_E_UNSUPPORTED_FUNCTION",
        0x80090302,
        -2146893054,
        "The function requested is not supported",
    ),
    (
        "SEC_E_TARGET_UNKNOWN",
        0x80090303,
        -2146893053,
        "The specified target is unknown or unreachable",
    ),
    (
        "SEC_E_INTERNAL_ERROR",
        0x80090304,
        -2146893052,
        "The Local Security Authority cannot be contacted",
    ),
    (
        "SEC_E_SECPKG_NOT_FOUND",
        0x80090305,
        -2146893051,
        "The requested security package does not exist",
    ),
    (
        "SEC_E_INVALID_TOKEN",
        0x80090308,
        -2146893048,
        "The token supplied to the function is invalid",
    ),
    (
        "SEC_E_QOP_NOT_SUPPORTED",
        0x8009030A,
        -2146893046,
        "The per-message Quality of Protection is not supported by the security package",
    ),
    ("SEC_E_LOGON_DENIED", 0x8009030C, -2146893044, "The logon attempt failed"),
    (
        "SEC_E_UNKNOWN_CREDENTIALS",
        0x8009030D,
        -2146893043,
        "The credentials supplied to the package were not recognized",
    ),
    (
        "SEC_E_NO_CREDENTIALS",
        0x8009030E,
        -2146893042,
        "No credentials are available in the security package",
    ),
    (
        "SEC_E_MESSAGE_ALTERED",
        0x8009030F,
        -2146893041,
        "The message or signature supplied for verification has been altered",
    ),
    (
        "SEC_E_OUT_OF_SEQUENCE",
        0x80090310,
        -2146893040,
        "The message supplied for verification is out of sequence",
    ),
    (
        "SEC_E_NO_AUTHENTICATING_AUTHORITY",
        0x80090311,
        -2146893039,
        "No authority could be contacted for authentication.",
    ),
    (
        "SEC_I_CONTINUE_NEEDED",
        0x00090312,
        590610,
        "The function completed successfully, but must be called again to complete the context",
    ),
    (
        "SEC_I_COMPLETE_NEEDED",
        0x00090313,
        590611,
        "The function completed successfully, but CompleteToken must be called",
    ),
    (
        "SEC_I_COMPLETE_AND_CONTINUE",
        0x00090314,
        590612,
        "The function completed successfully, but both CompleteToken and this function "
        "must be called to complete the context",
    ),
    (
        "SEC_I_LOCAL_LOGON",
        0x00090315,
        590613,
        "The logon was completed, but no network authority was available. The logon was "
        "made using locally known information",
    ),
    (
        "SEC_I_GENERIC_EXTENSION_RECEIVED",
        0x00090316,
        590614,
        "Schannel has received a TLS extension the SSPI caller subscribed to.",
    ),
    (
        "SEC_E_BAD_PKGID",
        0x80090316,
        -2146893034,
        "The requested security package does not exist",
    ),
    (
        "SEC_E_CONTEXT_EXPIRED",
        0x80090317,
        -2146893033,
        "The context has expired and can no longer be used.",
    ),
    (
        "SEC_I_CONTEXT_EXPIRED",
        0x00090317,
        590615,
        "The context has expired and can no longer be used.",
    ),
    (
        "SEC_E_INCOMPLETE_MESSAGE",
        0x80090318,
        -2146893032,
        "The supplied message is incomplete. The signature was not verified.",
    ),
    (
        "SEC_E_BUFFER_TOO_SMALL",
        0x80090321,
        -2146893023,
        "The buffers supplied to a function was too small.",
    ),
    (
        "SEC_I_INCOMPLETE_CREDENTIALS",
        0x00090320,
        590624,
        "The credentials supplied were not complete, and could not be verified. Additional "
        "information can be returned from the context.",
    ),
    (
        "SEC_I_RENEGOTIATE",
        0x00090321,
        590625,
        "The context data must be renegotiated with the peer.",
    ),
    (
        "SEC_E_WRONG_PRINCIPAL",
        0x80090322,
        -2146893022,
        "The target principal name is incorrect.",
    ),
    (
        "SEC_I_NO_LSA_CONTEXT",
        0x00090323,
        590627,
        "There is no LSA mode context associated with this context.",
    ),
    (
        "SEC_E_TIME_SKEW",
        0x80090324,
        -2146893020,
        "The clocks on the client and server machines are skewed.",
    ),
    (
        "SEC_E_DECRYPT_FAILURE",
        0x80090330,
        -2146893008,
        "The specified data could not be decrypted.",
    ),
    (
        "SEC_E_UNFINISHED_CONTEXT_DELETED",
        0x80090333,
        -2146893005,
        "A security context was deleted before the context was completed. This is "
        "considered a logon failure.",
    ),
    (
        "SEC_E_KDC_UNKNOWN_ETYPE",
        0x80090342,
        -2146892990,
        "The encryption type requested is not supported by the KDC.",
    ),
    (
        "SEC_E_DELEGATION_REQUIRED",
        0x80090345,
        -2146892987,
        "The requested operation cannot be completed. The computer must be trusted for "
        "delegation and the current user account must be configured to allow delegation.",
    ),
    (
        "SEC_E_BAD_BINDINGS",
        0x80090346,
        -2146892986,
        "Client's supplied SSPI channel bindings were incorrect.",
    ),
    ("SEC_E_NO_KERB_KEY", 0x80090348, -2146892984, "SEC_E_NO_KERB_KEY"),
    (
        "SEC_I_SIGNATURE_NEEDED",
        0x0009035C,
        590684,
        "A signature operation must be performed before the user can authenticate.",
    ),
    (
        "SEC_E_INVALID_PARAMETER",
        0x8009035D,
        -2146892963,
        "One or more of the parameters passed to the function was invalid.",
    ),
    (
        "SEC_E_POLICY_NLTM_ONLY",
        0x8009035F,
        -2146892961,
        "Client policy does not allow credential delegation to target server with NLTM "
        "only authentication.",
    ),
    (
        "SEC_I_NO_RENEGOTIATION",
        0x00090360,
        590688,
        "The recipient rejected the renegotiation request.",
    ),
    (
        "SEC_E_NO_CONTEXT",
        0x80090361,
        -2146892959,
        "The required security context does not exist.",
    ),
    (
        "SEC_E_MUTUAL_AUTH_FAILED",
        0x80090363,
        -2146892957,
        "The identity of the server computer could not be verified.",
    ),
    (
        "SEC_I_MESSAGE_FRAGMENT",
        0x00090364,
        590692,
        "The returned buffer is only a fragment of the message.  More fragments need to be "
        "returned.",
    ),
    (
        "SEC_I_CONTINUE_NEEDED_MESSAGE_OK",
        0x00090366,
        590694,
        "The function completed successfully, but must be called again to complete the "
        "context.  Early start can be used.",
    ),
    (
        "SEC_I_ASYNC_CALL_PENDING",
        0x00090368,
        590696,
        "An asynchronous SSPI routine has been called and the work is pending completion.",
    ),
    (
        "SEC_E_INSUFFICIENT_BUFFERS",
        0x8009036B,
        -2146892949,
        "Not enough secbuffers were supplied to generate a token.",
    ),
]

# Every SEC_I_* code of winerror.h (there are 14); all must exist.
ALL_SEC_I = {
    "SEC_I_CONTINUE_NEEDED": 0x00090312,
    "SEC_I_COMPLETE_NEEDED": 0x00090313,
    "SEC_I_COMPLETE_AND_CONTINUE": 0x00090314,
    "SEC_I_LOCAL_LOGON": 0x00090315,
    "SEC_I_GENERIC_EXTENSION_RECEIVED": 0x00090316,
    "SEC_I_CONTEXT_EXPIRED": 0x00090317,
    "SEC_I_INCOMPLETE_CREDENTIALS": 0x00090320,
    "SEC_I_RENEGOTIATE": 0x00090321,
    "SEC_I_NO_LSA_CONTEXT": 0x00090323,
    "SEC_I_SIGNATURE_NEEDED": 0x0009035C,
    "SEC_I_NO_RENEGOTIATION": 0x00090360,
    "SEC_I_MESSAGE_FRAGMENT": 0x00090364,
    "SEC_I_CONTINUE_NEEDED_MESSAGE_OK": 0x00090366,
    "SEC_I_ASYNC_CALL_PENDING": 0x00090368,
}

# winerror.h has 78 SEC_E_* codes besides SEC_E_OK, from 0x80090300 to 0x8009036B with
# these gaps (no code defined): 0x319-0x31F, 0x32A-0x32F, 0x344, 0x34A-0x34F, and the
# low words taken only by SEC_I_* codes. (0x316, 0x317, 0x320 and 0x321 are taken by
# both a SEC_E_* and a SEC_I_* code.)
SEC_E_GAPS = {
    *range(0x319, 0x320),
    *range(0x32A, 0x330),
    0x344,
    *range(0x34A, 0x350),
    0x312,
    0x313,
    0x314,
    0x315,
    0x323,
    0x35C,
    0x360,
    0x364,
    0x366,
    0x368,
}

ALIASES = {
    "SEC_E_NO_SPM": "SEC_E_INTERNAL_ERROR",
    "SEC_E_NOT_SUPPORTED": "SEC_E_UNSUPPORTED_FUNCTION",
}


def _module_statuses() -> dict[str, SECURITY_STATUS]:
    return {
        name: value
        for name, value in vars(_status).items()
        if name.startswith(("SEC_E_", "SEC_I_")) and isinstance(value, SECURITY_STATUS)
    }


# --- The table against the transcription ----------------------------------------------


@pytest.mark.parametrize(("name", "code", "signed", "message"), WINERROR_ROWS)
def test_constant_matches_winerror_h(name: str, code: int, signed: int, message: str) -> None:
    status = getattr(_status, name)
    assert type(status) is SECURITY_STATUS
    assert status == signed  # the signed LONG, as pywin32 exposes it
    assert int(status) == signed
    assert status.unsigned == code
    assert status.hex == f"0x{code:08X}"
    assert status.name == name
    assert status.message == message
    assert repr(status) == f"{name} (0x{code:08X})"
    assert str(status) == repr(status)


@pytest.mark.parametrize(("name", "code"), sorted(ALL_SEC_I.items()))
def test_every_sec_i_code_exists(name: str, code: int) -> None:
    status = getattr(_status, name)
    assert status.unsigned == code
    assert SUCCEEDED(status)
    assert status > 0


def test_sec_e_codes_cover_winerror_range_exactly() -> None:
    codes = {
        st.unsigned & 0xFFFF
        for name, st in _module_statuses().items()
        if name.startswith("SEC_E_") and name not in ALIASES and st != 0
    }
    assert codes == set(range(0x300, 0x36C)) - SEC_E_GAPS
    assert len(codes) == 78


def test_facility_and_severity_bits() -> None:
    for name, status in _module_statuses().items():
        if status == 0:
            assert name in ("SEC_E_OK",)
            continue
        assert (status.unsigned >> 16) & 0x1FFF == 9, name  # FACILITY_SECURITY
        if name.startswith("SEC_E_"):
            assert status.unsigned >> 31 == 1, name
            assert FAILED(status), name
        else:
            assert status.unsigned >> 31 == 0, name
            assert SUCCEEDED(status), name


def test_every_constant_has_a_message_and_its_own_name() -> None:
    statuses = _module_statuses()
    assert len(statuses) == 93 + len(ALIASES)
    for name, status in statuses.items():
        assert status.message, name
        assert status.message == status.message.strip(), name
        assert status.is_known
        if name in ALIASES:
            assert status.name == ALIASES[name]
        else:
            assert status.name == name


def test_aliases_as_windows_defines_them() -> None:
    assert SEC_E_NO_SPM is SEC_E_INTERNAL_ERROR
    assert SEC_E_NOT_SUPPORTED is SEC_E_UNSUPPORTED_FUNCTION
    assert SECURITY_STATUS.from_name("SEC_E_NO_SPM") is SEC_E_INTERNAL_ERROR
    # winerror.h gives these their own codes (IssPer16.h once aliased BAD_PKGID).
    assert _status.SEC_E_BAD_PKGID != _status.SEC_E_SECPKG_NOT_FOUND
    assert _status.SEC_E_UNKNOWN_CREDENTIALS != _status.SEC_E_NO_CREDENTIALS


def test_no_name_maps_to_two_values_and_no_value_to_two_primary_names() -> None:
    known = SECURITY_STATUS.known()
    assert len({int(s) for s in known}) == len(known)
    assert len({s.name for s in known}) == len(known)
    for status in known:
        assert SECURITY_STATUS.from_name(status.name) is status
        assert getattr(_status, status.name) is status
    # Status names and constant names never collide across the two modules.
    assert not set(_status.__all__) & set(_constants.__all__)


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        n
        for n, v in vars(_status).items()
        if not n.startswith("_")
        and (n.isupper() or n in {"SSPIError", "check"})
        and not isinstance(v, type(_status))
    }
    public -= {"Final", "SupportsIndex"}
    assert set(_status.__all__) == public
    assert len(_status.__all__) == len(set(_status.__all__))


def test_from_name_unknown_raises_keyerror() -> None:
    with pytest.raises(KeyError):
        SECURITY_STATUS.from_name("SEC_E_NO_SUCH_THING")


# --- SECURITY_STATUS behaviour ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "signed"),
    [
        (0, 0),
        (0x80090308, -2146893048),
        (-2146893048, -2146893048),
        (0xFFFFFFFF, -1),
        (-1, -1),
        (0x7FFFFFFF, 0x7FFFFFFF),
        (0x80000000, -0x80000000),
        (-0x80000000, -0x80000000),
        (0x80091234, -2146889164),
    ],
)
def test_signed_and_unsigned_forms_normalise(value: int, signed: int) -> None:
    status = SECURITY_STATUS(value)
    assert int(status) == signed
    assert status == SECURITY_STATUS(signed)
    assert status.unsigned == value & 0xFFFFFFFF


@pytest.mark.parametrize("value", [0x100000000, -0x80000001, 2**64, -(2**40)])
def test_out_of_range_is_value_error(value: int) -> None:
    with pytest.raises(ValueError, match="32 bits"):
        SECURITY_STATUS(value)
    with pytest.raises(ValueError):
        SECURITY_STATUS.from_code(value)
    with pytest.raises(ValueError):
        FAILED(value)


@pytest.mark.parametrize("value", [True, 1.0, "0x80090308", None, b"\x00"])
def test_non_integers_are_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        SECURITY_STATUS(value)  # type: ignore[arg-type]


def test_known_codes_are_shared_instances() -> None:
    assert SECURITY_STATUS(0x80090308) is SEC_E_INVALID_TOKEN
    assert SECURITY_STATUS(-2146893048) is SEC_E_INVALID_TOKEN
    assert SECURITY_STATUS.from_code(0x80090308) is SEC_E_INVALID_TOKEN
    assert SECURITY_STATUS.from_code(-2146893048) is SEC_E_INVALID_TOKEN
    assert SECURITY_STATUS.from_code(0) is SEC_E_OK
    assert SECURITY_STATUS(SEC_E_LOGON_DENIED) is SEC_E_LOGON_DENIED
    assert SECURITY_STATUS() is SEC_E_OK


def test_unknown_code() -> None:
    status = SECURITY_STATUS(0x80091234)
    assert status.name == "0x80091234"
    assert status.hex == "0x80091234"
    assert repr(status) == "0x80091234"
    assert not status.is_known
    assert "0x80091234" in status.message
    assert FAILED(status)
    assert SECURITY_STATUS.from_code(0x80091234) == status


def test_int_semantics_are_those_of_the_signed_long() -> None:
    assert SEC_E_INVALID_TOKEN == -2146893048
    assert SEC_E_INVALID_TOKEN != 0x80090308  # as with pywin32: compare normalised values
    assert hash(SEC_E_INVALID_TOKEN) == hash(-2146893048)
    assert {-2146893048: "x"}[SEC_E_INVALID_TOKEN] == "x"
    assert not SEC_E_OK  # zero is falsy, as in C
    assert f"{SEC_E_LOGON_DENIED:d}" == "-2146893044"
    assert f"{SEC_E_LOGON_DENIED}" == "SEC_E_LOGON_DENIED (0x8009030C)"
    assert "%d" % SEC_E_LOGON_DENIED == "-2146893044"  # noqa: UP031 (C-style callers)


def test_pickle_roundtrip_keeps_identity() -> None:
    for status in (SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_E_INSUFFICIENT_BUFFERS):
        assert pickle.loads(pickle.dumps(status)) is status
    unknown = SECURITY_STATUS(0x80099999)
    assert pickle.loads(pickle.dumps(unknown)) == unknown


@given(st.integers(min_value=-(2**31), max_value=2**32 - 1))
def test_property_any_32_bit_value_round_trips(value: int) -> None:
    status = SECURITY_STATUS(value)
    signed = value - 2**32 if value >= 2**31 else value
    assert int(status) == signed
    assert status.unsigned == value & 0xFFFFFFFF
    assert SECURITY_STATUS(status.unsigned) == status
    assert FAILED(value) is (signed < 0)
    assert SUCCEEDED(value) is (signed >= 0)
    assert status.hex in repr(status)
    assert status.message


# --- FAILED / SUCCEEDED ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "failed"),
    [
        (0, False),
        (0x00090312, False),  # SEC_I_CONTINUE_NEEDED
        (590610, False),
        (0x80090308, True),  # unsigned form of SEC_E_INVALID_TOKEN
        (-2146893048, True),
        (-1, True),
        (0x7FFFFFFF, False),
        (0x80000000, True),
    ],
)
def test_failed_succeeded_like_the_windows_macros(value: int, failed: bool) -> None:
    assert FAILED(value) is failed
    assert SUCCEEDED(value) is (not failed)
    assert SEC_SUCCESS(value) is (not failed)


# --- SSPIError and check() --------------------------------------------------------------


def test_check_returns_success_codes() -> None:
    assert check(SEC_E_OK) is SEC_E_OK
    assert check(0x00090312, "InitializeSecurityContext") is SEC_I_CONTINUE_NEEDED
    assert check(590610) is SEC_I_CONTINUE_NEEDED


def test_check_raises_sspierror() -> None:
    with pytest.raises(SSPIError) as info:
        check(0x8009030C, "InitializeSecurityContext")
    err = info.value
    assert err.status is SEC_E_LOGON_DENIED
    assert err.funcname == "InitializeSecurityContext"
    assert err.strerror == "The logon attempt failed"
    assert err.winerror == -2146893044
    assert err.args == (-2146893044, "InitializeSecurityContext", "The logon attempt failed")
    assert str(err) == (
        "InitializeSecurityContext: SEC_E_LOGON_DENIED (0x8009030C): The logon attempt failed"
    )


def test_sspierror_without_funcname_and_unknown_code() -> None:
    assert str(SSPIError(SEC_E_INVALID_TOKEN)) == (
        "SEC_E_INVALID_TOKEN (0x80090308): The token supplied to the function is invalid"
    )
    err = SSPIError(0x80091234, "DecryptMessage")
    assert str(err).startswith("DecryptMessage: 0x80091234: ")
    assert err.status.unsigned == 0x80091234


def test_sspierror_text_comes_only_from_the_table() -> None:
    # Nothing but the status and the function name reaches the message: a secret can
    # only appear if a caller passes it as the function name.
    err = SSPIError(SEC_E_LOGON_DENIED, "AcquireCredentialsHandle")
    text = str(err) + repr(err) + repr(err.args)
    for part in (err.status.name, err.status.hex, err.strerror, err.funcname):
        text = text.replace(part, "")
    assert set(text) <= set(" :()'\",-0123456789SSPIError")


def test_sspierror_pickles() -> None:
    err = SSPIError(SEC_E_LOGON_DENIED, "AcceptSecurityContext")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is SSPIError
    assert copy.status is SEC_E_LOGON_DENIED
    assert copy.funcname == "AcceptSecurityContext"
    assert str(copy) == str(err)
