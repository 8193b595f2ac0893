"""mapping/status.py's numbers checked against the other side's real constants.

Needs gssapi and libkrb5 (and MIT's ``krb5.h`` from libkrb5-dev, which
python-gssapi is built against) but no KDC.  Every GSS_S_* value must be
python-gssapi's own (its exception classes carry the routine/supplementary
codes; the GSS library's ``gss_display_status`` names them), and every krb5 /
ASN.1 error code must be the value in MIT's ``krb5.h`` and mean, in
libkrb5's own words, what the mapping assumes.  (pyspnego's error table once
had two mistyped GSS codes that no test caught; this is that test.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
from typing import Dict, Iterator

import gssapi.raw as gr
import pytest
from gssapi.raw import exceptions as gex
from gssapi.raw import misc as gmisc

from sspi_compat.mapping import status as m

# python-gssapi exception class -> our constant (routine errors).
ROUTINE_CLASSES = {
    "BadMechanismError": "GSS_S_BAD_MECH",
    "BadNameError": "GSS_S_BAD_NAME",
    "BadNameTypeError": "GSS_S_BAD_NAMETYPE",
    "BadChannelBindingsError": "GSS_S_BAD_BINDINGS",
    "BadStatusError": "GSS_S_BAD_STATUS",
    "BadMICError": "GSS_S_BAD_SIG",
    "MissingCredentialsError": "GSS_S_NO_CRED",
    "MissingContextError": "GSS_S_NO_CONTEXT",
    "InvalidTokenError": "GSS_S_DEFECTIVE_TOKEN",
    "InvalidCredentialsError": "GSS_S_DEFECTIVE_CREDENTIAL",
    "ExpiredCredentialsError": "GSS_S_CREDENTIALS_EXPIRED",
    "ExpiredContextError": "GSS_S_CONTEXT_EXPIRED",
    "BadQoPError": "GSS_S_BAD_QOP",
    "UnauthorizedError": "GSS_S_UNAUTHORIZED",
    "OperationUnavailableError": "GSS_S_UNAVAILABLE",
    "DuplicateCredentialsElementError": "GSS_S_DUPLICATE_ELEMENT",
    "MechanismNameRequiredError": "GSS_S_NAME_NOT_MN",
}
SUPPLEMENTARY_CLASSES = {
    "DuplicateTokenError": "GSS_S_DUPLICATE_TOKEN",
    "ExpiredTokenError": "GSS_S_OLD_TOKEN",
    "TokenTooLateError": "GSS_S_UNSEQ_TOKEN",
    "TokenTooEarlyError": "GSS_S_GAP_TOKEN",
}
# gss_display_status texts (RFC 2744 meanings) for the codes python-gssapi has
# no exception class for, in each library's wording: the number is right when
# the library names it so.
DISPLAY_TEXT = {
    "GSS_S_FAILURE": ("Unspecified GSS failure", "Miscellaneous failure (see text)"),
    "GSS_S_BAD_MECH": ("An unsupported mechanism was requested",) * 2,
    "GSS_S_NO_CRED": ("No credentials were supplied",) * 2,
    "GSS_S_DEFECTIVE_TOKEN": ("Invalid token was supplied", "A token was invalid"),
    "GSS_S_BAD_BINDINGS": ("Incorrect channel bindings were supplied",) * 2,
    "GSS_S_CONTEXT_EXPIRED": ("The referenced context has expired", "The context has expired"),
    "GSS_S_DUPLICATE_TOKEN": ("The token was a duplicate of an earlier token",
                              "duplicate per-message token detected"),
}


def _heimdal() -> bool:
    from sspi_compat import gss

    return gss.is_heimdal()


@pytest.mark.parametrize(("cls", "ours"), sorted(ROUTINE_CLASSES.items()))
def test_routine_codes_match_python_gssapi(cls: str, ours: str) -> None:
    assert getattr(m, ours) == getattr(gex, cls).ROUTINE_CODE


@pytest.mark.parametrize(("cls", "ours"), sorted(SUPPLEMENTARY_CLASSES.items()))
def test_supplementary_codes_match_python_gssapi(cls: str, ours: str) -> None:
    assert getattr(m, ours) == getattr(gex, cls).SUPPLEMENTARY_CODE


def test_masks_match_python_gssapi() -> None:
    # python-gssapi picks its exception class from these fields
    assert gex.ParameterReadError.CALLING_CODE & ~m.CALLING_MASK == 0
    assert gex.MalformedParameterError.CALLING_CODE == 3 << 24


@pytest.mark.parametrize("ours", sorted(DISPLAY_TEXT))
def test_display_status_names_our_codes(ours: str) -> None:
    text = DISPLAY_TEXT[ours][1 if _heimdal() else 0]
    message = gmisc._display_status(getattr(m, ours), True)[0].decode()
    assert message.strip().startswith(text)


def test_every_routine_code_is_known_to_the_gss_library() -> None:
    """Each GSS_S_* routine value we map is one the library has a text for,
    except GSS_S_BAD_MECH_ATTR (RFC 5587), which MIT defines in gssapi.h but
    gss_display_status does not name (checked against the header instead).
    MIT gives unknown codes GSS_S_BAD_STATUS's own text; Heimdal says
    "unknown routine error" and names GSS_S_BAD_STATUS."""
    unknown = gmisc._display_status(0xFF << 16, True)[0]
    bad_status = gmisc._display_status(m.GSS_S_BAD_STATUS, True)[0]
    if _heimdal():
        assert bad_status.strip() == b"An invalid status code was supplied"
        assert unknown.strip() == b"unknown routine error"
    else:
        assert bad_status == unknown
    for name in [n for n in dir(m) if n.startswith("GSS_S_")]:
        value = getattr(m, name)
        if value & m.ROUTINE_MASK and name not in ("GSS_S_BAD_MECH_ATTR", "GSS_S_BAD_STATUS"):
            assert gmisc._display_status(value, True)[0] != unknown, name


# --- krb5 --------------------------------------------------------------------------

KRB5_H = "/usr/include/krb5/krb5.h"
GSSAPI_H = "/usr/include/gssapi/gssapi.h"


def header_defines(path: str) -> Dict[str, int]:
    if not os.path.exists(path):
        pytest.fail(f"{path} missing: install libkrb5-dev (python-gssapi builds against it)")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return {name: int(value) for name, value in
            re.findall(r"#define\s+(\w+)\s+\((-?\d+)L\)", text)}


def our_krb5_constants() -> Iterator[str]:
    for name in dir(m):
        if re.match(r"^(KRB5|ASN1_)[A-Z0-9_]+$", name) and isinstance(getattr(m, name), int):
            yield name


@pytest.mark.parametrize("name", sorted(our_krb5_constants()))
def test_krb5_constant_is_the_header_value(name: str) -> None:
    defines = header_defines(KRB5_H)
    assert name in defines, f"{name} is not a krb5.h error code"
    assert getattr(m, name) == defines[name] & 0xFFFFFFFF


def test_gss_bad_mech_attr_is_the_header_value() -> None:
    with open(GSSAPI_H, encoding="utf-8") as f:
        text = f.read()
    found = re.search(r"#define\s+GSS_S_BAD_MECH_ATTR\s*\\?\s*\(\(\(OM_uint32\)\s*(\d+)ul\)",
                      text)
    assert found, "GSS_S_BAD_MECH_ATTR not in gssapi.h"
    assert int(found.group(1)) << 16 == m.GSS_S_BAD_MECH_ATTR


# libkrb5's own text for every code the mapping refines on (krb5_err.et /
# asn1_err.et wording), so that a wrong number shows as a wrong meaning.
KRB5_TEXT = {
    "KRB5KDC_ERR_NAME_EXP": "Client's entry in database has expired",
    "KRB5KDC_ERR_BAD_PVNO": "Requested protocol version not supported",
    "KRB5KDC_ERR_SERVICE_EXP": "Server's entry in database has expired",
    "KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN": "Client not found in Kerberos database",
    "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN": "Server not found in Kerberos database",
    "KRB5KDC_ERR_NULL_KEY": "Client or server has a null key",
    "KRB5KDC_ERR_NEVER_VALID": "Requested effective lifetime is negative or too short",
    "KRB5KDC_ERR_POLICY": "KDC policy rejects request",
    "KRB5KDC_ERR_BADOPTION": "KDC can't fulfill requested option",
    "KRB5KDC_ERR_ETYPE_NOSUPP": "KDC has no support for encryption type",
    "KRB5KDC_ERR_CLIENT_REVOKED": "Client's credentials have been revoked",
    "KRB5KDC_ERR_SERVICE_REVOKED": "Credentials for server have been revoked",
    "KRB5KDC_ERR_PATH_NOT_ACCEPTED": "KDC policy rejects transited path",
    "KRB5KDC_ERR_TGT_REVOKED": "TGT has been revoked",
    "KRB5KDC_ERR_CLIENT_NOTYET": "Client not yet valid - try again later",
    "KRB5KDC_ERR_KEY_EXP": "Password has expired",
    "KRB5KDC_ERR_PREAUTH_FAILED": "Preauthentication failed",
    "KRB5KDC_ERR_SVC_UNAVAILABLE":
        "A service is not available that is required to process the request",
    "KRB5KRB_AP_ERR_BAD_INTEGRITY": "Decrypt integrity check failed",
    "KRB5KRB_AP_ERR_TKT_EXPIRED": "Ticket expired",
    "KRB5KRB_AP_ERR_TKT_NYV": "Ticket not yet valid",
    "KRB5KRB_AP_ERR_REPEAT": "Request is a replay",
    "KRB5KRB_AP_ERR_NOT_US": "The ticket isn't for us",
    "KRB5KRB_AP_ERR_BADMATCH": "Ticket/authenticator don't match",
    "KRB5KRB_AP_ERR_SKEW": "Clock skew too great",
    "KRB5KRB_AP_ERR_BADVERSION": "Protocol version mismatch",
    "KRB5KRB_AP_ERR_MSG_TYPE": "Invalid message type",
    "KRB5KRB_AP_ERR_MODIFIED": "Message stream modified",
    "KRB5KRB_AP_ERR_BADORDER": "Message out of order",
    "KRB5KRB_AP_ERR_BADKEYVER": "Key version is not available",
    "KRB5KRB_AP_ERR_NOKEY": "Service key not available",
    "KRB5KRB_AP_ERR_MUT_FAIL": "Mutual authentication failed",
    "KRB5KRB_AP_WRONG_PRINC": "Wrong principal in request",
    "KRB5_REALM_UNKNOWN": "Cannot find KDC for requested realm",
    "KRB5_KDC_UNREACH": "Cannot contact any KDC for requested realm",
    "KRB5_MUTUAL_FAILED": "Mutual authentication failed",
    "KRB5_KDCREP_SKEW": "Clock skew too great in KDC reply",
    "KRB5_CC_NOTFOUND": "Matching credential not found",
    "KRB5_FCC_NOFILE": "No credentials cache found",
    "KRB5_KT_NOTFOUND": "Key table entry not found",
    "KRB5_KT_END": "End of key table reached",
    "KRB5_REALM_CANT_RESOLVE": "Cannot resolve network address for KDC in requested realm",
    "KRB5_PREAUTH_FAILED": "Generic preauthentication failure",
    "ASN1_MISSING_FIELD": "ASN.1 structure is missing a required field",
    "ASN1_OVERFLOW": "ASN.1 value too large",
    "ASN1_OVERRUN": "ASN.1 encoding ended unexpectedly",
    "ASN1_BAD_ID": "ASN.1 identifier doesn't match expected value",
    "ASN1_BAD_LENGTH": "ASN.1 length doesn't match expected value",
    "ASN1_INDEF": "ASN.1 indefinite encoding",
}


class _Krb5:
    """krb5_get_error_message through ctypes: libkrb5's own error table."""

    def __init__(self) -> None:
        path = ctypes.util.find_library("krb5") or "libkrb5.so.3"
        self.lib = ctypes.CDLL(path)
        self.ctx = ctypes.c_void_p()
        if self.lib.krb5_init_context(ctypes.byref(self.ctx)) != 0:
            pytest.fail("krb5_init_context failed")
        self.lib.krb5_get_error_message.restype = ctypes.c_void_p
        self.lib.krb5_get_error_message.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        self.lib.krb5_free_error_message.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.lib.krb5_free_context.argtypes = [ctypes.c_void_p]

    def message(self, code: int) -> str:
        signed = code - (1 << 32) if code >= 1 << 31 else code
        ptr = self.lib.krb5_get_error_message(self.ctx, signed)
        try:
            return ctypes.string_at(ptr).decode()
        finally:
            self.lib.krb5_free_error_message(self.ctx, ptr)

    def close(self) -> None:
        self.lib.krb5_free_context(self.ctx)


@pytest.fixture(scope="module")
def libkrb5() -> Iterator[_Krb5]:
    lib = _Krb5()
    yield lib
    lib.close()


def test_every_refined_minor_has_its_meaning_listed() -> None:
    names = {getattr(m, n): n for n in our_krb5_constants()}
    for code in m.KRB5_MINOR_TO_STATUS:
        assert code in names, f"{code:#x} refined but not named"
        name = names[code]
        assert name in KRB5_TEXT or name.startswith("ASN1_"), f"{name}: no meaning listed"


@pytest.mark.parametrize(("name", "text"), sorted(KRB5_TEXT.items()))
def test_libkrb5_says_what_the_mapping_assumes(libkrb5: _Krb5, name: str, text: str) -> None:
    assert libkrb5.message(getattr(m, name)) == text


@pytest.mark.parametrize("name", sorted(our_krb5_constants()))
def test_libkrb5_knows_every_code(libkrb5: _Krb5, name: str) -> None:
    assert not libkrb5.message(getattr(m, name)).startswith("Unknown code")


def test_mechanism_oid_of_the_minor_codes() -> None:
    """The krb5 refinement is only for minors from the krb5 mechanism OID."""
    from sspi_compat.gss import MECH_KRB5

    assert gr.OID.from_int_seq(MECH_KRB5) in gr.indicate_mechs()
