"""sspicon against pywin32's own sspicon: every name, the same (signed) value."""

from __future__ import annotations

import json
import os
from typing import Any, Dict

import pytest
import sspicon

import sspi_compat

_DATA = os.path.join(os.path.dirname(__file__), "data", "pywin32_sspicon.json")


def _pywin32_values() -> Dict[str, Any]:
    with open(_DATA, encoding="utf-8") as f:
        values: Dict[str, Any] = json.load(f)["values"]
    return values


PYWIN32 = _pywin32_values()


@pytest.mark.parametrize("name", sorted(PYWIN32))
def test_every_pywin32_name_has_pywin32s_value(name: str) -> None:
    assert getattr(sspicon, name) == PYWIN32[name]
    assert type(getattr(sspicon, name)) is type(PYWIN32[name])


def test_the_snapshot_is_the_whole_module() -> None:
    # A guard against a truncated data file: pywin32's sspicon has 454 names.
    assert len(PYWIN32) == 454
    assert PYWIN32["SECBUFFER_READONLY"] == -2147483648
    assert PYWIN32["SECQOP_WRAP_NO_ENCRYPT"] == -2147483647


def test_extra_names_are_the_core_constants_signed() -> None:
    extra = {n for n in dir(sspicon) if not n.startswith("_") and n not in PYWIN32
             and n.isupper() and not callable(getattr(sspicon, n))}
    assert {"SEC_E_OUT_OF_SEQUENCE", "SECPKG_ATTR_NEGOTIATION_PACKAGE",
            "SEC_CHANNEL_BINDINGS_VALID_FLAGS"} - set(dir(sspicon)) == set()
    for name in extra:
        value = getattr(sspicon, name)
        core_value = getattr(sspi_compat, name)
        if isinstance(value, str):
            assert value == core_value
            continue
        assert type(value) is int, name
        assert value & 0xFFFFFFFF == int(core_value) & 0xFFFFFFFF, name
        assert -0x80000000 <= value <= 0x7FFFFFFF or value > 0xFFFFFFFF, name


def test_statuses_are_plain_ints_so_they_print_like_pywin32() -> None:
    assert type(sspicon.SEC_E_LOGON_DENIED) is int
    assert repr(sspicon.SEC_I_CONTINUE_NEEDED) == "590610"


def test_sec_success() -> None:
    assert sspicon.SEC_SUCCESS(sspicon.SEC_I_CONTINUE_NEEDED)
    assert not sspicon.SEC_SUCCESS(sspicon.SEC_E_INVALID_TOKEN)


def test_module_dict_lookup_idiom() -> None:
    """pywin32's Demos/security/sspi/simple_auth.py looks status names up this way."""

    def lookup_ret_code(err: int) -> Any:
        for k, v in sspicon.__dict__.items():
            if k[0:6] in ("SEC_I_", "SEC_E_") and v == err:
                return k
        return None

    assert lookup_ret_code(-2146893044) == "SEC_E_LOGON_DENIED"
    assert lookup_ret_code(590610) == "SEC_I_CONTINUE_NEEDED"
