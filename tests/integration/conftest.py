"""Fixtures the integration tests share (helpers are in kerberos_helpers.py)."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest
from kerberos_helpers import ENCTYPES, Creds, default_creds, enctype_realm


@pytest.fixture
def creds(krb5_env: Any) -> Iterator[Creds]:
    """The default client credential and the service's keytab credential."""
    yield from default_creds()


@pytest.fixture(scope="module")
def realm_cache() -> Iterator[Dict[str, Any]]:
    """One-enctype realms (``enctype_realm``) kept for a module, stopped after it."""
    realms: Dict[str, Any] = {}
    try:
        yield realms
    finally:
        for realm in realms.values():
            realm.stop()


@pytest.fixture(params=list(ENCTYPES))
def enc(request: pytest.FixtureRequest, realm_cache: Dict[str, Any]) -> Iterator[str]:
    """The enctype name; a realm restricted to it is active in os.environ for the test."""
    with enctype_realm(realm_cache, request.param).activate():
        yield request.param
