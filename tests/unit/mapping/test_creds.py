"""mapping/creds.py: SEC_WINNT_AUTH_IDENTITY user/domain spellings -> krb5 principals.

No KDC, no gssapi.
"""

from __future__ import annotations

from typing import Optional

import pytest

from sspi_compat.mapping.creds import LogonRequest, logon_request, principal_from_parts

CASES = [
    # (User, Domain, principal)
    ("alice", "SSPI.TEST", "alice@SSPI.TEST"),
    ("alice", "sspi.test", "alice@SSPI.TEST"),  # lower-case DNS domain -> AD realm
    ("alice", "Sspi.Test", "alice@Sspi.Test"),  # mixed case: a realm given as such
    ("alice", "CORP", "alice@CORP"),  # NetBIOS-style domain used as is
    ("CORP\\alice", None, "alice@CORP"),
    ("corp\\alice", "", "alice@CORP"),
    ("alice@sspi.test", None, "alice@SSPI.TEST"),  # UPN
    ("alice@SSPI.TEST", None, "alice@SSPI.TEST"),
    ("alice@sspi.test", "OTHER", "alice@SSPI.TEST"),  # a UPN carries its own realm
    ("alice", None, "alice"),  # default realm, decided by GSS
    ("alice", "", "alice"),
    ("Älice", "sspi.test", "Älice@SSPI.TEST"),
]


@pytest.mark.parametrize(("user", "domain", "principal"), CASES)
def test_principal_from_parts(user: str, domain: Optional[str], principal: str) -> None:
    assert principal_from_parts(user, domain) == principal


@pytest.mark.parametrize(("user", "domain"), [
    (None, "SSPI.TEST"),
    ("", "SSPI.TEST"),
    ("@sspi.test", None),
    ("alice@", None),
    ("@", None),
])
def test_no_principal(user: Optional[str], domain: Optional[str]) -> None:
    assert principal_from_parts(user, domain) is None


def test_logon_request() -> None:
    assert logon_request("alice", "sspi.test", "pw") == LogonRequest("alice@SSPI.TEST", "pw")
    # an empty password means "from the ccache", as a NULL password does
    assert logon_request("alice", "sspi.test", "") == LogonRequest("alice@SSPI.TEST", None)
    assert logon_request(None, None, None) == LogonRequest(None, None)


def test_password_never_in_repr() -> None:
    request = logon_request("alice", "sspi.test", "Very-Secret-42")
    for text in (repr(request), str(request), f"{request}"):
        assert "Very-Secret-42" not in text
    assert "alice@SSPI.TEST" in repr(request)
