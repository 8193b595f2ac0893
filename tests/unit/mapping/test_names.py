"""mapping/names.py: every SPN / UPN shape of the module's table -> the GSS name.

No KDC, no gssapi.  Each row of the table in ``sspi_compat/mapping/names.py``
has a case here; so do the malformed names that must become
SEC_E_TARGET_UNKNOWN (ValueError from ``parse_target``).
"""

from __future__ import annotations

import pytest

from sspi_compat.mapping import names
from sspi_compat.mapping.names import TargetName, parse_target

# (pszTargetName, GSS name text, host-based?)
SHAPES = [
    # service/host -> host-based service@host (realm from [domain_realm])
    ("HTTP/web.example.com", "HTTP@web.example.com", True),
    ("host/server.sspi.test", "host@server.sspi.test", True),
    ("cifs/FILESRV", "cifs@FILESRV", True),  # short names are passed on unchanged
    # a port: krb5 principal, unchanged, default realm
    ("MSSQLSvc/db.example.com:1433", "MSSQLSvc/db.example.com:1433", False),
    ("MSSQLSvc/db.example.com:instance", "MSSQLSvc/db.example.com:instance", False),
    # a third component (service name): krb5 principal
    ("ldap/dc.example.com/example.com", "ldap/dc.example.com/example.com", False),
    ("ldap/dc.example.com:389/example.com", "ldap/dc.example.com:389/example.com", False),
    # explicit @REALM: krb5 principal with that realm
    ("HTTP/web.example.com@EXAMPLE.COM", "HTTP/web.example.com@EXAMPLE.COM", False),
    ("HTTP/web.example.com@example.com", "HTTP/web.example.com@EXAMPLE.COM", False),
    ("HTTP/web.example.com@Mixed.Realm", "HTTP/web.example.com@Mixed.Realm", False),
    ("MSSQLSvc/db:1433@CORP.EXAMPLE", "MSSQLSvc/db:1433@CORP.EXAMPLE", False),
    # UPN: krb5 principal, lower-case suffix uppercased
    ("user@example.com", "user@EXAMPLE.COM", False),
    ("alice@example.com", "alice@EXAMPLE.COM", False),
    ("alice@EXAMPLE.COM", "alice@EXAMPLE.COM", False),
    ("first.last@sub.example.com", "first.last@SUB.EXAMPLE.COM", False),
    ("svc-account@Corp", "svc-account@Corp", False),
    # no '/' nor '@': krb5 principal in the default realm
    ("webserver", "webserver", False),
    # C strings: trailing NULs are the terminator; a trailing '@' adds nothing
    ("HTTP/web.example.com\0", "HTTP@web.example.com", True),
    ("HTTP/web.example.com\0\0\0", "HTTP@web.example.com", True),
    ("HTTP/web.example.com@", "HTTP@web.example.com", True),
    ("alice@", "alice", False),
    # non-ASCII host names pass through
    ("HTTP/wéb.example.com", "HTTP@wéb.example.com", True),
]


@pytest.mark.parametrize(("target", "text", "hostbased"), SHAPES,
                         ids=[s[0].replace("\0", "\\0") for s in SHAPES])
def test_shape(target: str, text: str, hostbased: bool) -> None:
    assert parse_target(target) == TargetName(text, hostbased)


MALFORMED = [
    "",
    "\0",
    "/",
    "@",
    "//",
    "/@",
    "HTTP/",
    "/web.example.com",
    "HTTP//web.example.com",
    "HTTP/web.example.com/",
    "@EXAMPLE.COM",
    "HTTP/we\0b.example.com",  # embedded NUL: C would stop there, Python must not guess
]


@pytest.mark.parametrize("target", MALFORMED, ids=repr)
def test_malformed_names_raise_valueerror(target: str) -> None:
    with pytest.raises(ValueError):
        parse_target(target)


def test_every_table_row_of_the_module_docstring_is_covered() -> None:
    """The module's table lists example targets; each must be a case above."""
    lines = (names.__doc__ or "").splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("=====")]
    assert len(rules) == 3, "the module docstring lost its table"
    rows = [line.split("``")[1] for line in lines[rules[1] + 1:rules[2]]
            if line.startswith("``")]
    assert rows, "the module docstring lost its table"
    tested = {s[0] for s in SHAPES}
    for example in rows:
        if example == "name":  # the placeholder row: "webserver" above
            continue
        # The docstring writes "@REALM" and "ldap/dc.example.com/example.com"
        example = example.replace("@REALM", "@EXAMPLE.COM")
        assert example in tested, f"table row {example!r} has no test case"
