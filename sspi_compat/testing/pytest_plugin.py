"""pytest plugin: a throwaway MIT realm per test session (per xdist worker).

Registered as the ``pytest11`` entry point ``sspi_compat``; without installing
the package, load it with ``-p sspi_compat.testing.pytest_plugin``.

Fixtures:

``krb5_realm`` (session)
    A started :class:`~sspi_compat.testing.mit.MITRealm`, stopped at the end of
    the session (and, via PR_SET_PDEATHSIG, even if pytest is killed).
``krb5_env`` (function)
    The same realm, with its environment put into ``os.environ`` and a fresh
    FILE ccache where ``realm.user`` is kinit-ed; ``os.environ`` is restored
    afterwards and a KDC the test stopped is started again.
``krb5_realm_factory`` (function)
    ``factory(**MITRealm_kwargs)`` -> a started realm of its own (e.g. with
    ``allow_rc4=True``), stopped after the test.

If MIT's programs are missing these fixtures *fail* (a skipped integration
test would hide a missing feature), saying which packages to install.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator, List

import pytest

from sspi_compat.testing._tools import RealmError
from sspi_compat.testing.mit import MITRealm

__all__ = ["krb5_env", "krb5_realm", "krb5_realm_factory", "start_realm"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kdc: needs a real KDC (started by the test harness)")


def start_realm(**kwargs: Any) -> MITRealm:
    """Start an :class:`MITRealm`, turning a failure into ``pytest.fail``."""
    realm = MITRealm(**kwargs)
    try:
        return realm.start()
    except RealmError as exc:
        pytest.fail(f"cannot start a throwaway Kerberos realm: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def krb5_realm() -> Iterator[MITRealm]:
    """A running MIT realm for the whole session (one per xdist worker process)."""
    realm = start_realm()
    try:
        yield realm
    finally:
        realm.stop()


@pytest.fixture
def krb5_env(krb5_realm: MITRealm) -> Iterator[MITRealm]:
    """``krb5_realm`` activated in ``os.environ`` with a fresh ccache for ``realm.user``."""
    realm = krb5_realm
    try:
        realm.ensure_kdc()
        ccache = realm.kinit(realm.user, realm.user_password)
    except RealmError as exc:
        pytest.fail(f"cannot prepare the Kerberos environment: {exc}", pytrace=False)
    try:
        with realm.activate(ccache=ccache):
            yield realm
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(ccache)
        # The next test gets a KDC even if this one stopped it.
        realm.ensure_kdc()


@pytest.fixture
def krb5_realm_factory() -> Iterator[Callable[..., MITRealm]]:
    """Start extra realms (``factory(allow_rc4=True)``, ...), stopped after the test."""
    realms: List[MITRealm] = []

    def factory(**kwargs: Any) -> MITRealm:
        realm = start_realm(**kwargs)
        realms.append(realm)
        return realm

    try:
        yield factory
    finally:
        for realm in realms:
            realm.stop()
