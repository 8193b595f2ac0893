"""GetUserName / GetUserNameEx name formats, from the thread's impersonation record.

No KDC, no gssapi calls: the record is put in place directly (the
integration tests in test_delegation.py get it from a real context).
"""

from __future__ import annotations

import os
import pwd
import socket
import threading
from typing import Iterator, Optional

import pytest

from sspi_compat import (
    GetUserName,
    GetUserNameEx,
    MisuseError,
    NameCanonical,
    NameDisplay,
    NameDnsDomain,
    NameFullyQualifiedDN,
    NameSamCompatible,
    NameUniqueId,
    NameUserPrincipal,
)
from sspi_compat.packages import impersonation


@pytest.fixture
def acting_for() -> Iterator[object]:
    def set_client(name: str, package: str = "Kerberos") -> None:
        impersonation._state.record = impersonation.Impersonation(name, package, None, False)

    try:
        yield set_client
    finally:
        impersonation._state.record = None


def test_windows_extended_name_format_values() -> None:
    # secext.h EXTENDED_NAME_FORMAT
    assert (NameFullyQualifiedDN, NameSamCompatible, NameDisplay, NameUniqueId,
            NameCanonical, NameUserPrincipal, NameDnsDomain) == (1, 2, 3, 6, 7, 8, 12)


@pytest.mark.parametrize("client, user, sam, upn, dns", [
    ("alice@SSPI.TEST", "alice", "SSPI\\alice", "alice@SSPI.TEST", "SSPI.TEST\\alice"),
    ("bob@CORP.EXAMPLE.COM", "bob", "CORP\\bob", "bob@CORP.EXAMPLE.COM",
     "CORP.EXAMPLE.COM\\bob"),
    ("host/web.sspi.test@SSPI.TEST", "host/web.sspi.test", "SSPI\\host/web.sspi.test",
     "host/web.sspi.test@SSPI.TEST", "SSPI.TEST\\host/web.sspi.test"),
    ("DOMAIN\\carol", "carol", "DOMAIN\\carol", None, None),  # NTLM
    ("nobody", "nobody", "nobody", None, None),
])
def test_impersonated_names(acting_for: object, client: str, user: str, sam: str,
                            upn: Optional[str], dns: Optional[str]) -> None:
    acting_for(client)  # type: ignore[operator]
    assert GetUserName() == user
    assert GetUserNameEx(NameSamCompatible) == sam
    assert GetUserNameEx(NameUserPrincipal) == upn
    assert GetUserNameEx(NameDnsDomain) == dns
    assert GetUserNameEx(NameDisplay) == user
    for unknown in (NameFullyQualifiedDN, NameCanonical, NameUniqueId, 0, 99, -1):
        assert GetUserNameEx(unknown) is None


def test_own_names_are_the_unix_account() -> None:
    login = pwd.getpwuid(os.geteuid()).pw_name
    assert GetUserName() == login
    host = socket.gethostname().split(".", 1)[0].upper()
    assert GetUserNameEx(NameSamCompatible) == f"{host}\\{login}"
    assert GetUserNameEx(NameDnsDomain) is None
    assert GetUserNameEx(NameDisplay)


def test_impersonation_is_per_thread(acting_for: object) -> None:
    acting_for("alice@SSPI.TEST")  # type: ignore[operator]
    seen = []
    worker = threading.Thread(target=lambda: seen.append(GetUserName()))
    worker.start()
    worker.join(10)
    assert seen == [pwd.getpwuid(os.geteuid()).pw_name]
    assert GetUserName() == "alice"


@pytest.mark.parametrize("value", ["NameSamCompatible", None, 2.0, True])
def test_name_format_must_be_an_int(value: object) -> None:
    with pytest.raises(MisuseError):
        GetUserNameEx(value)  # type: ignore[arg-type]


def test_record_repr_has_no_credential() -> None:
    record = impersonation.Impersonation("alice@SSPI.TEST", "Kerberos", object(), False)
    assert "delegated=True" in repr(record) and "object at" not in repr(record)
