"""mapping/flags.py: ISC/ASC flags <-> GSS flags, by table, both directions.

No KDC, no gssapi.  The GSS values themselves are checked against
python-gssapi and the C headers in test_flags_against_gssapi.py.
"""

from __future__ import annotations

from typing import Dict

import pytest

from sspi_compat import _constants as C
from sspi_compat.mapping import flags as fl

GSS_NAMES = ["GSS_C_DELEG_FLAG", "GSS_C_MUTUAL_FLAG", "GSS_C_REPLAY_FLAG",
             "GSS_C_SEQUENCE_FLAG", "GSS_C_CONF_FLAG", "GSS_C_INTEG_FLAG", "GSS_C_ANON_FLAG",
             "GSS_C_PROT_READY_FLAG", "GSS_C_TRANS_FLAG", "GSS_C_CHANNEL_BOUND_FLAG",
             "GSS_C_DCE_STYLE", "GSS_C_IDENTIFY_FLAG", "GSS_C_EXTENDED_ERROR_FLAG",
             "GSS_C_DELEG_POLICY_FLAG"]

# The pairing the design fixes (DESIGN.md §3, Wine dlls/kerberos): SSPI flag
# name suffix -> GSS flag.  ISC_REQ_DELEGATE asks for delegation under the
# ok-as-delegate policy; what GSS reports back when it happened is DELEG.
PAIRS = {
    "MUTUAL_AUTH": fl.GSS_C_MUTUAL_FLAG,
    "REPLAY_DETECT": fl.GSS_C_REPLAY_FLAG,
    "SEQUENCE_DETECT": fl.GSS_C_SEQUENCE_FLAG,
    "CONFIDENTIALITY": fl.GSS_C_CONF_FLAG,
    "INTEGRITY": fl.GSS_C_INTEG_FLAG,
    "IDENTIFY": fl.GSS_C_IDENTIFY_FLAG,
}


def names_of(prefix: str) -> Dict[int, str]:
    return {v: n for n, v in vars(C).items() if n.startswith(prefix) and isinstance(v, int)}


def test_gss_flags_are_distinct_single_bits() -> None:
    values = [getattr(fl, n) for n in GSS_NAMES]
    assert len(set(values)) == len(values)
    assert all(v and v & (v - 1) == 0 for v in values)


@pytest.mark.parametrize("table", ["ISC_REQ_TO_GSS", "GSS_TO_ISC_RET", "ASC_REQ_TO_GSS",
                                   "GSS_TO_ASC_RET"])
def test_tables_are_one_to_one_single_bits(table: str) -> None:
    pairs = getattr(fl, table)
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    assert len(set(left)) == len(left) and len(set(right)) == len(right)
    assert all(v and v & (v - 1) == 0 for v in left + right)


@pytest.mark.parametrize(("suffix", "gss"), sorted(PAIRS.items()))
def test_isc_both_directions(suffix: str, gss: int) -> None:
    req, ret = getattr(C, f"ISC_REQ_{suffix}"), getattr(C, f"ISC_RET_{suffix}")
    extra = C.ISC_REQ_MUTUAL_AUTH if suffix != "MUTUAL_AUTH" else 0
    assert fl.isc_req_to_gss(req | extra) & ~fl.isc_req_to_gss(extra) == gss
    assert fl.gss_to_isc_ret(gss) == ret


@pytest.mark.parametrize(("suffix", "gss"), sorted(PAIRS.items()))
def test_asc_both_directions(suffix: str, gss: int) -> None:
    req, ret = getattr(C, f"ASC_REQ_{suffix}"), getattr(C, f"ASC_RET_{suffix}")
    assert dict(fl.ASC_REQ_TO_GSS)[req] == gss
    assert fl.gss_to_asc_ret(gss) == ret


def test_isc_and_asc_bits_differ_but_meet_in_gss() -> None:
    # ISC_REQ_INTEGRITY 0x10000, ASC_REQ_INTEGRITY 0x20000: the same GSS integ bit
    assert C.ISC_REQ_INTEGRITY != C.ASC_REQ_INTEGRITY
    assert fl.isc_req_to_gss(C.ISC_REQ_INTEGRITY) == dict(fl.ASC_REQ_TO_GSS)[
        C.ASC_REQ_INTEGRITY] == fl.GSS_C_INTEG_FLAG
    assert fl.gss_to_isc_ret(fl.GSS_C_INTEG_FLAG) == C.ISC_RET_INTEGRITY == 0x10000
    assert fl.gss_to_asc_ret(fl.GSS_C_INTEG_FLAG) == C.ASC_RET_INTEGRITY == 0x20000
    # and numerically the SSPI bit is never the GSS bit for integrity
    assert C.ISC_REQ_INTEGRITY != fl.GSS_C_INTEG_FLAG


class TestDelegate:
    def test_windows_rule_is_the_policy_flag(self) -> None:
        req = C.ISC_REQ_DELEGATE | C.ISC_REQ_MUTUAL_AUTH
        assert fl.isc_req_to_gss(req) == fl.GSS_C_DELEG_POLICY_FLAG | fl.GSS_C_MUTUAL_FLAG
        assert not fl.isc_req_to_gss(req) & fl.GSS_C_DELEG_FLAG  # never "delegate to anyone"

    def test_needs_mutual_auth(self) -> None:
        """Seed F4: ISC_REQ_DELEGATE only works together with ISC_REQ_MUTUAL_AUTH."""
        assert fl.isc_req_to_gss(C.ISC_REQ_DELEGATE) == 0

    def test_granted_delegation_reports_delegate(self) -> None:
        assert fl.gss_to_isc_ret(fl.GSS_C_DELEG_FLAG) == C.ISC_RET_DELEGATE
        assert fl.gss_to_asc_ret(fl.GSS_C_DELEG_FLAG) == C.ASC_RET_DELEGATE
        # the policy bit itself is not "delegated"
        assert fl.gss_to_isc_ret(fl.GSS_C_DELEG_POLICY_FLAG) == 0


def test_dce_null_session_identify() -> None:
    assert fl.isc_req_to_gss(C.ISC_REQ_USE_DCE_STYLE) == fl.GSS_C_DCE_STYLE == 0x1000
    assert fl.gss_to_isc_ret(fl.GSS_C_DCE_STYLE) == C.ISC_RET_USED_DCE_STYLE
    assert fl.gss_to_asc_ret(fl.GSS_C_DCE_STYLE) == C.ASC_RET_USED_DCE_STYLE
    assert fl.isc_req_to_gss(C.ISC_REQ_NULL_SESSION) == fl.GSS_C_ANON_FLAG
    assert fl.gss_to_isc_ret(fl.GSS_C_ANON_FLAG) == C.ISC_RET_NULL_SESSION
    assert fl.gss_to_asc_ret(fl.GSS_C_ANON_FLAG) == C.ASC_RET_NULL_SESSION


@pytest.mark.parametrize("name", ["ISC_REQ_CONNECTION", "ISC_REQ_STREAM",
                                  "ISC_REQ_EXTENDED_ERROR", "ISC_REQ_ALLOCATE_MEMORY",
                                  "ISC_REQ_USE_SUPPLIED_CREDS", "ISC_REQ_PROMPT_FOR_CREDS",
                                  "ISC_REQ_NO_INTEGRITY", "ISC_REQ_FRAGMENT_TO_FIT",
                                  "ISC_REQ_MESSAGES"])
def test_call_level_requests_ask_gss_for_nothing(name: str) -> None:
    assert fl.isc_req_to_gss(getattr(C, name)) == 0


def test_unknown_gss_bits_drop() -> None:
    granted = fl.GSS_C_PROT_READY_FLAG | fl.GSS_C_TRANS_FLAG | fl.GSS_C_DELEG_POLICY_FLAG
    assert fl.gss_to_isc_ret(granted) == 0
    assert fl.gss_to_asc_ret(granted) == 0
    assert fl.gss_to_isc_ret(0xFFFFFFFF) == sum(ret for _, ret in fl.GSS_TO_ISC_RET)
