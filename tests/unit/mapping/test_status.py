"""mapping/status.py: GSS major/minor -> SECURITY_STATUS decisions.

No KDC, no gssapi: the numbers are fed in directly.  That the numeric
constants are the real GSS / krb5 ones is checked separately, against
python-gssapi and libkrb5, in test_status_against_gssapi_krb5.py.
"""

from __future__ import annotations

import pytest

from sspi_compat import _status as s
from sspi_compat.mapping import status as m

ROUTINES = [m.GSS_S_BAD_MECH, m.GSS_S_BAD_NAME, m.GSS_S_BAD_NAMETYPE, m.GSS_S_BAD_BINDINGS,
            m.GSS_S_BAD_STATUS, m.GSS_S_BAD_SIG, m.GSS_S_NO_CRED, m.GSS_S_NO_CONTEXT,
            m.GSS_S_DEFECTIVE_TOKEN, m.GSS_S_DEFECTIVE_CREDENTIAL,
            m.GSS_S_CREDENTIALS_EXPIRED, m.GSS_S_CONTEXT_EXPIRED, m.GSS_S_FAILURE,
            m.GSS_S_BAD_QOP, m.GSS_S_UNAUTHORIZED, m.GSS_S_UNAVAILABLE,
            m.GSS_S_DUPLICATE_ELEMENT, m.GSS_S_NAME_NOT_MN, m.GSS_S_BAD_MECH_ATTR]

# The decisions the design fixes (DESIGN.md §3 and the seed page), by routine error.
EXPECTED_ROUTINE = {
    m.GSS_S_BAD_NAME: s.SEC_E_TARGET_UNKNOWN,
    m.GSS_S_BAD_BINDINGS: s.SEC_E_BAD_BINDINGS,
    m.GSS_S_BAD_SIG: s.SEC_E_MESSAGE_ALTERED,
    m.GSS_S_NO_CRED: s.SEC_E_NO_CREDENTIALS,
    m.GSS_S_NO_CONTEXT: s.SEC_E_INVALID_HANDLE,
    m.GSS_S_DEFECTIVE_TOKEN: s.SEC_E_INVALID_TOKEN,
    m.GSS_S_CREDENTIALS_EXPIRED: s.SEC_E_CONTEXT_EXPIRED,
    m.GSS_S_CONTEXT_EXPIRED: s.SEC_E_CONTEXT_EXPIRED,
    m.GSS_S_BAD_QOP: s.SEC_E_QOP_NOT_SUPPORTED,
    m.GSS_S_UNAVAILABLE: s.SEC_E_UNSUPPORTED_FUNCTION,
}


def test_routine_codes_are_rfc2744_positions() -> None:
    assert [n << 16 for n in range(1, 20)] == ROUTINES
    assert m.ROUTINE_MASK == 0x00FF0000 and m.CALLING_MASK == 0xFF000000
    assert [m.GSS_S_CONTINUE_NEEDED, m.GSS_S_DUPLICATE_TOKEN, m.GSS_S_OLD_TOKEN,
            m.GSS_S_UNSEQ_TOKEN, m.GSS_S_GAP_TOKEN] == [1, 2, 4, 8, 16]


def test_every_routine_error_has_a_failing_status() -> None:
    assert set(m.ROUTINE_TO_STATUS) == set(ROUTINES)
    for routine in ROUTINES:
        status = m.gss_to_status(routine, 0, False)
        assert s.FAILED(status) and status.is_known


@pytest.mark.parametrize(("routine", "expected"), sorted(EXPECTED_ROUTINE.items()))
def test_routine_decisions(routine: int, expected: s.SECURITY_STATUS) -> None:
    assert m.gss_to_status(routine, 0, False) == expected


def test_calling_and_supplementary_bits_are_masked() -> None:
    major = (1 << 24) | m.GSS_S_DEFECTIVE_TOKEN | m.GSS_S_DUPLICATE_TOKEN
    assert m.gss_to_status(major, 0, False) == s.SEC_E_INVALID_TOKEN


@pytest.mark.parametrize("supp", [m.GSS_S_DUPLICATE_TOKEN, m.GSS_S_OLD_TOKEN,
                                  m.GSS_S_UNSEQ_TOKEN, m.GSS_S_GAP_TOKEN])
def test_only_sequence_bits_is_out_of_sequence(supp: int) -> None:
    assert m.gss_to_status(supp, 0, False) == s.SEC_E_OUT_OF_SEQUENCE
    assert m.gss_to_status(supp, 0, True) == s.SEC_E_OUT_OF_SEQUENCE


def test_nothing_explained_is_internal_error() -> None:
    assert m.gss_to_status(0, 0, False) == s.SEC_E_INTERNAL_ERROR
    assert m.gss_to_status(m.GSS_S_FAILURE, 12345, True) == s.SEC_E_INTERNAL_ERROR


# krb5 minor refinements: (minor, status) as DESIGN.md §3 measured them.
KRB5_DECISIONS = [
    (m.KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, s.SEC_E_TARGET_UNKNOWN),
    (m.KRB5KDC_ERR_PREAUTH_FAILED, s.SEC_E_LOGON_DENIED),
    (m.KRB5_PREAUTH_FAILED, s.SEC_E_LOGON_DENIED),
    (m.KRB5KRB_AP_ERR_BAD_INTEGRITY, s.SEC_E_LOGON_DENIED),
    (m.KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, s.SEC_E_LOGON_DENIED),
    (m.KRB5KDC_ERR_CLIENT_REVOKED, s.SEC_E_LOGON_DENIED),
    (m.KRB5KDC_ERR_NAME_EXP, s.SEC_E_LOGON_DENIED),
    (m.KRB5_KDC_UNREACH, s.SEC_E_NO_AUTHENTICATING_AUTHORITY),
    (m.KRB5_REALM_UNKNOWN, s.SEC_E_NO_AUTHENTICATING_AUTHORITY),
    (m.KRB5_FCC_NOFILE, s.SEC_E_NO_CREDENTIALS),
    (m.KRB5_CC_NOTFOUND, s.SEC_E_NO_CREDENTIALS),
    (m.KRB5KRB_AP_ERR_SKEW, s.SEC_E_TIME_SKEW),
    (m.KRB5KRB_AP_ERR_TKT_NYV, s.SEC_E_TIME_SKEW),
    (m.KRB5KRB_AP_ERR_TKT_EXPIRED, s.SEC_E_CONTEXT_EXPIRED),
    (m.KRB5KRB_AP_ERR_REPEAT, s.SEC_E_INVALID_TOKEN),
    (m.KRB5KRB_AP_ERR_MSG_TYPE, s.SEC_E_INVALID_TOKEN),
    (m.KRB5KRB_AP_ERR_NOT_US, s.SEC_E_WRONG_PRINCIPAL),
    (m.KRB5KRB_AP_WRONG_PRINC, s.SEC_E_WRONG_PRINCIPAL),
    (m.KRB5KRB_AP_ERR_MODIFIED, s.SEC_E_WRONG_PRINCIPAL),
    (m.KRB5_MUTUAL_FAILED, s.SEC_E_MUTUAL_AUTH_FAILED),
    (m.ASN1_OVERRUN, s.SEC_E_INVALID_TOKEN),
    (m.ASN1_BAD_ID, s.SEC_E_INVALID_TOKEN),
]


@pytest.mark.parametrize(("minor", "expected"), KRB5_DECISIONS)
def test_krb5_minor_refines_for_kerberos_only(minor: int, expected: s.SECURITY_STATUS) -> None:
    assert m.gss_to_status(m.GSS_S_FAILURE, minor, True) == expected
    # the same number from another mechanism means nothing
    assert m.gss_to_status(m.GSS_S_FAILURE, minor, False) == s.SEC_E_INTERNAL_ERROR
    # minor codes arrive unsigned or as a signed C long
    assert m.gss_to_status(m.GSS_S_FAILURE, minor - (1 << 32) if minor >= 1 << 31 else minor,
                           True) == expected


def test_every_krb5_refinement_is_a_known_failure() -> None:
    for minor, status in m.KRB5_MINOR_TO_STATUS.items():
        assert 0 <= minor <= 0xFFFFFFFF
        assert s.FAILED(status) and status.is_known, hex(minor)
        assert status != s.SEC_E_INTERNAL_ERROR


def test_krb5_codes_are_the_com_err_table_positions() -> None:
    base = 0x96C73A00  # ERROR_TABLE_BASE_krb5, -1765328384 as unsigned
    assert base + 6 == m.KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN
    assert base + 37 == m.KRB5KRB_AP_ERR_SKEW
    assert base + 144 == m.KRB5KRB_AP_WRONG_PRINC
    assert base + 156 == m.KRB5_KDC_UNREACH
    assert m.ASN1_BAD_TIMEFORMAT == 1859794432 and m.ASN1_OMITTED == 1859794445


def test_no_cred_with_a_keytab_minor_stays_no_credentials() -> None:
    """AcquireCredentialsHandle(INBOUND) with no keytab: NO_CRED + KRB5_KT_NOTFOUND."""
    assert m.gss_to_status(m.GSS_S_NO_CRED, m.KRB5_KT_NOTFOUND, True) == s.SEC_E_NO_CREDENTIALS
    # the same minor while accepting a ticket: not our principal
    assert m.gss_to_status(m.GSS_S_FAILURE, m.KRB5_KT_NOTFOUND, True) == s.SEC_E_WRONG_PRINCIPAL
    # Heimdal's acceptor: the keytab scanned to its end without the ticket's key
    assert m.gss_to_status(m.GSS_S_FAILURE, m.KRB5_KT_END, True) == s.SEC_E_WRONG_PRINCIPAL
    assert m.gss_to_status(m.GSS_S_NO_CRED, m.KRB5_KT_END, True) == s.SEC_E_NO_CREDENTIALS
    # other NO_CRED refinements still apply (KDC down during a password logon)
    assert m.gss_to_status(m.GSS_S_NO_CRED, m.KRB5_KDC_UNREACH, True) == (
        s.SEC_E_NO_AUTHENTICATING_AUTHORITY)


class TestConsumedToken:
    def test_generic_failure_on_a_peer_token_is_invalid_token(self) -> None:
        for krb5 in (True, False):
            assert m.gss_to_status(m.GSS_S_FAILURE, 100001, krb5,
                                   consumed_token=True) == s.SEC_E_INVALID_TOKEN
            assert m.gss_to_status(m.GSS_S_BAD_MECH, 0, krb5,
                                   consumed_token=True) == s.SEC_E_INVALID_TOKEN

    def test_known_minor_still_wins(self) -> None:
        assert m.gss_to_status(m.GSS_S_FAILURE, m.KRB5KRB_AP_ERR_SKEW, True,
                               consumed_token=True) == s.SEC_E_TIME_SKEW

    def test_no_cred_for_a_kerberos_acceptor(self) -> None:
        assert m.gss_to_status(m.GSS_S_NO_CRED, 0, True,
                               consumed_token=True) == s.SEC_E_INVALID_TOKEN
        # not for other mechanisms, where it may mean a missing credential
        assert m.gss_to_status(m.GSS_S_NO_CRED, 0, False,
                               consumed_token=True) == s.SEC_E_NO_CREDENTIALS

    def test_without_a_token_nothing_changes(self) -> None:
        assert m.gss_to_status(m.GSS_S_BAD_MECH, 0, True) == s.SEC_E_SECPKG_NOT_FOUND
        assert m.gss_to_status(m.GSS_S_NO_CRED, 0, True) == s.SEC_E_NO_CREDENTIALS

    def test_other_routines_keep_their_meaning(self) -> None:
        assert m.gss_to_status(m.GSS_S_BAD_BINDINGS, 0, True,
                               consumed_token=True) == s.SEC_E_BAD_BINDINGS
        assert m.gss_to_status(m.GSS_S_DEFECTIVE_TOKEN, 0, True,
                               consumed_token=True) == s.SEC_E_INVALID_TOKEN


class TestKindOfCall:
    """Rule 4: a code one library uses for a condition the others name otherwise."""

    def test_per_message_integrity_failure_is_message_altered(self) -> None:
        # Heimdal's gss_unwrap_iov: GSS_S_FAILURE + KRB5KRB_AP_ERR_BAD_INTEGRITY
        for minor in (m.KRB5KRB_AP_ERR_BAD_INTEGRITY, m.KRB5KRB_AP_ERR_BAD_INTEGRITY - (1 << 32)):
            assert m.gss_to_status(m.GSS_S_FAILURE, minor, False, consumed_token=True,
                                   per_message=True) == s.SEC_E_MESSAGE_ALTERED
        # other generic per-message failures stay a bad token
        assert m.gss_to_status(m.GSS_S_FAILURE, 0, False, consumed_token=True,
                               per_message=True) == s.SEC_E_INVALID_TOKEN
        # a handshake token is not a message
        assert m.gss_to_status(m.GSS_S_FAILURE, m.KRB5KRB_AP_ERR_BAD_INTEGRITY, False,
                               consumed_token=True) == s.SEC_E_INVALID_TOKEN
