"""mapping/packages.py: SEC_WINNT_AUTH_IDENTITY_EX.PackageList for Negotiate.

No KDC, no gssapi.
"""

from __future__ import annotations

from typing import Optional, Tuple

import pytest

from sspi_compat.mapping.packages import NEGOTIABLE, parse_package_list


@pytest.mark.parametrize("text,allowed", [
    (None, None), ("", None), ("  ", None),
    ("!ntlm", ("kerberos",)), ("!NTLM", ("kerberos",)), ("kerberos", ("kerberos",)),
    ("Kerberos", ("kerberos",)), ("Kerberos,!NTLM", ("kerberos",)), ("NTLM", ("ntlm",)),
    ("!kerberos", ("ntlm",)), ("ntlm,kerberos", ("kerberos", "ntlm")),
    (" ntlm , kerberos ", ("kerberos", "ntlm")), ("kerberos,,ntlm,", ("kerberos", "ntlm")),
    ("! ntlm", ("kerberos",)), ("!pku2u", ("kerberos", "ntlm")),
    ("NegoExtender,Kerberos", ("kerberos",)), ("kerberos,kerberos", ("kerberos",)),
    ("kerberos,!kerberos,ntlm", ("ntlm",)),
])
def test_lists(text: Optional[str], allowed: Optional[Tuple[str, ...]]) -> None:
    assert parse_package_list(text) == allowed


@pytest.mark.parametrize("text", ["!kerberos,!ntlm", "bogus", "Negotiate", "negotiate",
                                  "kerberos,bogus", "!", "ntlm;kerberos", "pku2u", "CloudAP",
                                  "Kerberos NTLM", "!bogus"])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_package_list(text)


def test_availability() -> None:
    assert parse_package_list("!ntlm", ("kerberos",)) == ("kerberos",)
    assert parse_package_list("kerberos,ntlm", ("kerberos",)) == ("kerberos",)
    with pytest.raises(ValueError):
        parse_package_list("ntlm", ("kerberos",))
    assert NEGOTIABLE == ("kerberos", "ntlm")  # Kerberos preferred, as on Windows
