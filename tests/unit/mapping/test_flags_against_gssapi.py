"""mapping/flags.py's GSS_C_* values against python-gssapi and the C headers.

Imports gssapi (no KDC).  python-gssapi's RequirementFlag is its own
transcription; MIT's gssapi.h / gssapi_ext.h are the source both copy.
"""

from __future__ import annotations

import os
import re
from typing import Dict

import pytest
from gssapi.raw import RequirementFlag

from sspi_compat import _constants as C
from sspi_compat.mapping import flags as fl

# python-gssapi member -> our constant
BY_NAME = {
    "delegate_to_peer": "GSS_C_DELEG_FLAG",
    "mutual_authentication": "GSS_C_MUTUAL_FLAG",
    "replay_detection": "GSS_C_REPLAY_FLAG",
    "out_of_sequence_detection": "GSS_C_SEQUENCE_FLAG",
    "confidentiality": "GSS_C_CONF_FLAG",
    "integrity": "GSS_C_INTEG_FLAG",
    "anonymity": "GSS_C_ANON_FLAG",
    "protection_ready": "GSS_C_PROT_READY_FLAG",
    "transferable": "GSS_C_TRANS_FLAG",
    "channel_bound": "GSS_C_CHANNEL_BOUND_FLAG",
    "dce_style": "GSS_C_DCE_STYLE",
    "identify": "GSS_C_IDENTIFY_FLAG",
    "extended_error": "GSS_C_EXTENDED_ERROR_FLAG",
    "ok_as_delegate": "GSS_C_DELEG_POLICY_FLAG",
}


@pytest.mark.parametrize(("member", "ours"), sorted(BY_NAME.items()))
def test_matches_requirement_flag(member: str, ours: str) -> None:
    assert getattr(fl, ours) == int(RequirementFlag[member])


def test_every_requirement_flag_is_known() -> None:
    assert {m.name for m in RequirementFlag} == set(BY_NAME)


def header_flags() -> Dict[str, int]:
    out: Dict[str, int] = {}
    for header in ("/usr/include/gssapi/gssapi.h", "/usr/include/gssapi/gssapi_ext.h"):
        if not os.path.exists(header):
            pytest.fail(f"{header} missing: install libkrb5-dev")
        with open(header, encoding="utf-8") as f:
            for name, value in re.findall(r"#define\s+(GSS_C_\w+)\s+(0x[0-9a-fA-F]+|\d+)\b",
                                          f.read()):
                out.setdefault(name, int(value, 0))
    return out


@pytest.mark.parametrize("ours", sorted(BY_NAME.values()))
def test_matches_the_c_header(ours: str) -> None:
    assert getattr(fl, ours) == header_flags()[ours]


@pytest.mark.parametrize("table", ["ISC_REQ_TO_GSS", "ASC_REQ_TO_GSS"])
def test_request_tables_use_real_gss_flags(table: str) -> None:
    valid = {int(m) for m in RequirementFlag}
    for _, gss in getattr(fl, table):
        assert gss in valid


@pytest.mark.parametrize("table", ["GSS_TO_ISC_RET", "GSS_TO_ASC_RET"])
def test_return_tables_read_real_gss_flags(table: str) -> None:
    valid = {int(m) for m in RequirementFlag}
    for gss, _ in getattr(fl, table):
        assert gss in valid


def test_round_trip_through_python_gssapi_flag_sets() -> None:
    from gssapi.raw.types import IntEnumFlagSet

    req = (C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
           | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_DELEGATE)
    as_set = IntEnumFlagSet(RequirementFlag, fl.isc_req_to_gss(req))
    assert set(as_set) == {RequirementFlag.mutual_authentication,
                           RequirementFlag.replay_detection,
                           RequirementFlag.out_of_sequence_detection,
                           RequirementFlag.confidentiality, RequirementFlag.integrity,
                           RequirementFlag.ok_as_delegate}
    granted = int(IntEnumFlagSet(RequirementFlag, [RequirementFlag.delegate_to_peer,
                                                   RequirementFlag.mutual_authentication]))
    assert fl.gss_to_isc_ret(granted) == C.ISC_RET_DELEGATE | C.ISC_RET_MUTUAL_AUTH
    assert fl.gss_to_asc_ret(granted) == C.ASC_RET_DELEGATE | C.ASC_RET_MUTUAL_AUTH
