"""Shared set-up for the pywin32 façade tests.

The façade is installed when this file is imported, before any test module
is: the consumer modules in ``pywin32_consumers`` and the pywin32-style test
modules start with ``import win32security, sspi, sspicon, win32api`` at top
level, exactly as code written for Windows does.  ``force=True`` so that the
tests exercise the façade even on a machine where real pywin32 exists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest

import sspi_compat.pywin32
from sspi_compat.testing import MITRealm

sspi_compat.pywin32.install(force=True)


@pytest.fixture
def self_user_env(krb5_env: MITRealm, tmp_path: Path) -> Iterator[MITRealm]:
    """pywin32's test_sspi situation: client and server are the logged-on user.

    On Windows ``sspi.ClientAuth("Kerberos", targetspn=win32api.GetUserName())``
    works because the user running the tests is a domain account and the
    server side (same process, same user) holds that account's key.  Here:
    a principal named like the Unix user that ``win32api.GetUserName()``
    reports, kinit-ed into a fresh ccache, and its key in a keytab that is
    the process' acceptor keytab; for NTLM the same user and password in
    the ``NTLM_USER_FILE`` that gss-ntlmssp reads on both sides.
    """
    import win32api

    realm = krb5_env
    user = win32api.GetUserName()
    principal = realm.principal(user)
    if principal not in realm.passwords:
        realm.addprinc(user, password=os.urandom(12).hex())
    keytab = str(tmp_path / "self.keytab")
    realm.ktadd(user, keytab)
    ccache = realm.kinit(principal, realm.passwords[principal])
    # NTLM's "logon session" and "domain controller": gss-ntlmssp's user file.
    users = tmp_path / "ntlm_users"
    users.write_text(f"{realm.realm.split('.')[0]}:{user}:{realm.passwords[principal]}\n")
    users.chmod(0o600)
    saved = {k: os.environ.get(k) for k in ("KRB5CCNAME", "KRB5_KTNAME", "NTLM_USER_FILE")}
    os.environ["KRB5CCNAME"] = f"FILE:{ccache}"
    os.environ["KRB5_KTNAME"] = f"FILE:{keytab}"
    os.environ["NTLM_USER_FILE"] = str(users)
    try:
        yield realm
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if os.path.exists(ccache):
            os.unlink(ccache)



def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Tests using ``self_user_env`` add a principal and keytab entries to the
    realm: they administer it, so external-realm mode deselects them (a fixture
    cannot carry a mark itself)."""
    for item in items:
        if "self_user_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kdc_admin)
