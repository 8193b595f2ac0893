"""pytest plugin: a throwaway MIT or Heimdal realm per test session (per xdist
worker), or an external realm described by environment variables.

Registered as the ``pytest11`` entry point ``sspi_compat``; without installing
the package, load it with ``-p sspi_compat.testing.pytest_plugin``.

Fixtures:

``krb5_realm`` (session)
    A started realm, stopped at the end of the session (and, via
    PR_SET_PDEATHSIG, even if pytest is killed): an
    :class:`~sspi_compat.testing.mit.MITRealm`, a
    :class:`~sspi_compat.testing.heimdal.HeimdalRealm` (``--kdc heimdal`` or
    ``SSPI_COMPAT_KDC=heimdal``), or in external mode (``--external-realm`` or
    ``SSPI_COMPAT_EXTERNAL_REALM=1``) an
    :class:`~sspi_compat.testing.external.ExternalRealm`.
``krb5_env`` (function)
    The same realm, with its environment put into ``os.environ`` and a fresh
    FILE ccache where ``realm.user`` is logged on; ``os.environ`` is restored
    afterwards and a KDC the test stopped is started again.
``krb5_realm_factory`` (function)
    ``factory(**realm_kwargs)`` -> a started realm of its own, of the session's
    KDC (e.g. with ``allow_rc4=True``), stopped after the test;
    ``factory(kdc="mit", ...)`` for a test about one KDC in particular.

Heimdal's GSS library reads krb5.conf once per process -- precisely, once per
thread, at the thread's first GSS call (DESIGN.md §4). So with the Heimdal
KDC, or a python-gssapi built on Heimdal, the session realm is started and
its environment put into ``os.environ`` when the session starts, before any
test module is imported and can make a first GSS call. And with a
python-gssapi built on Heimdal, a test whose realm is not the session's (its
fixtures activated another one, or it uses ``krb5_realm_factory``) runs its
body in a thread of that realm's own: a long-lived one per krb5.conf, or a
fresh one for the factory's realms (see :class:`ConfigThreads`).

In external mode tests marked ``kdc_admin`` (they stop the KDC, create
principals, change keys) and tests that start realms of their own
(``krb5_realm_factory``) are deselected, and the terminal summary says how
many and why.

If the KDC's programs are missing these fixtures *fail* (a skipped
integration test would hide a missing feature), saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import pytest

from sspi_compat.testing._realm import KDC_ENV, KDC_KINDS, KDCRealm, kdc_kind, make_realm
from sspi_compat.testing._tools import RealmError
from sspi_compat.testing.external import EXTERNAL_ENV, ExternalRealm, external_mode
from sspi_compat.testing.heimdal import python_gssapi_library

__all__ = ["krb5_env", "krb5_realm", "krb5_realm_factory", "start_realm"]

#: What the realm fixtures hand out.
AnyRealm = Union[KDCRealm, ExternalRealm]

_ADMIN_MARKER = "kdc_admin"
_DIFFERENCES_ENV = "SSPI_COMPAT_KNOWN_DIFFERENCES"
_OWN_REALM_FIXTURE = "krb5_realm_factory"

_session_realm_key = pytest.StashKey[Optional[AnyRealm]]()
_session_env_key = pytest.StashKey[Any]()
# (section title, why, node ids) of every group of tests the plugin deselected.
_deselected_key = pytest.StashKey[List[Tuple[str, str, List[str]]]]()
_threads_key = pytest.StashKey[Optional["ConfigThreads"]]()


class ConfigThreads:
    """Threads that each keep one reading of one krb5.conf (Heimdal's GSS library).

    :meth:`run` calls a function in the long-lived thread of a krb5.conf path
    (made on first use), or with ``config=None`` in a fresh thread that ends
    with the call, and returns its result or raises its exception. Realms a
    function starts die with its thread (PR_SET_PDEATHSIG), so a long-lived
    thread keeps the realms it started until :meth:`close`.
    """

    def __init__(self) -> None:
        self._queues: Dict[str, queue.Queue[Optional[Callable[[], None]]]] = {}
        self._threads: List[threading.Thread] = []

    def run(self, config: Optional[str], function: Callable[[], Any]) -> Any:
        outcome: List[Tuple[bool, Any]] = []

        def job() -> None:
            try:
                outcome.append((True, function()))
            except BaseException as exc:  # re-raised in the calling thread
                outcome.append((False, exc))

        if config is None:
            thread = threading.Thread(target=job, name="sspi-compat-fresh-krb5-context")
            thread.start()
            thread.join()
        else:
            jobs = self._queues.get(config)
            if jobs is None:
                jobs = self._queues[config] = queue.Queue()
                thread = threading.Thread(
                    target=self._serve, args=(jobs,), name=f"sspi-compat-krb5-context:{config}"
                )
                thread.daemon = True
                thread.start()
                self._threads.append(thread)
            done = threading.Event()

            def job_then_signal() -> None:
                try:
                    job()
                finally:
                    done.set()

            jobs.put(job_then_signal)
            done.wait()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    @staticmethod
    def _serve(jobs: queue.Queue[Optional[Callable[[], None]]]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            job()

    def close(self) -> None:
        for jobs in self._queues.values():
            jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._queues.clear()
        self._threads.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sspi_compat", "sspi_compat Kerberos realms")
    group.addoption(
        "--kdc",
        choices=KDC_KINDS,
        default=None,
        help=f"KDC of the throwaway realms (default ${KDC_ENV} or mit)",
    )
    group.addoption(
        "--known-differences",
        default=None,
        metavar="FILE",
        help=f"xfails: node ids under '## reason' headings (or ${_DIFFERENCES_ENV})",
    )
    group.addoption(
        "--external-realm",
        action="store_true",
        default=None,
        help=f"run against the realm described by SSPI_COMPAT_* variables (or ${EXTERNAL_ENV}=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kdc: needs a real KDC (started by the test harness)")
    config.addinivalue_line(
        "markers",
        f"{_ADMIN_MARKER}: administers the realm (stops the KDC, creates principals, changes"
        " keys); deselected when running against an external realm",
    )
    config.stash[_session_realm_key] = None
    config.stash[_deselected_key] = []
    config.stash[_threads_key] = None


def _kind(config: pytest.Config) -> str:
    option: Optional[str] = config.getoption("kdc", None)
    try:
        return kdc_kind(option)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _external(config: pytest.Config) -> bool:
    return bool(config.getoption("external_realm", None)) or external_mode()


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", 0))


def start_realm(kind: Optional[str] = None, **kwargs: Any) -> KDCRealm:
    """Start a realm of the chosen KDC, turning a failure into ``pytest.fail``."""
    try:
        realm = make_realm(kind, **kwargs)
        return realm.start()
    except (RealmError, ValueError) as exc:
        pytest.fail(f"cannot start a throwaway Kerberos realm: {exc}", pytrace=False)


def _start_external() -> ExternalRealm:
    try:
        return ExternalRealm.from_environ().start()
    except RealmError as exc:
        pytest.fail(f"cannot use the external Kerberos realm: {exc}", pytrace=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Heimdal: start the session realm and export its environment now (see above)."""
    config = session.config
    heimdal_gss = python_gssapi_library() == "heimdal"
    if _external(config) or _is_xdist_controller(config):
        return
    if _kind(config) != "heimdal" and not heimdal_gss:
        return
    try:
        realm = make_realm(_kind(config)).start()
    except RealmError as exc:
        raise pytest.UsageError(f"cannot start a throwaway Kerberos realm: {exc}") from None
    config.stash[_session_realm_key] = realm
    env = realm.activate()
    env.__enter__()
    config.stash[_session_env_key] = env
    if heimdal_gss:
        config.stash[_threads_key] = ConfigThreads()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Optional[bool]:
    """Heimdal GSS: run a test whose realm is not the session's in that realm's thread."""
    threads = pyfuncitem.config.stash.get(_threads_key, None)
    realm = pyfuncitem.config.stash.get(_session_realm_key, None)
    if threads is None or realm is None:
        return None
    if _OWN_REALM_FIXTURE in pyfuncitem.fixturenames:
        config: Optional[str] = None  # the test's own realms: a fresh thread
    else:
        config = os.environ.get("KRB5_CONFIG", "")
        if config == realm.krb5_conf:
            return None  # the session realm: this (main) thread
    from _pytest.python import pytest_pyfunc_call as call_test_function

    threads.run(config, lambda: call_test_function(pyfuncitem))
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    realm = config.stash.get(_session_realm_key, None)
    if realm is None:
        return
    config.stash[_session_realm_key] = None
    env = config.stash.get(_session_env_key, None)
    threads = config.stash.get(_threads_key, None)
    try:
        if threads is not None:
            threads.close()
        if env is not None:
            env.__exit__(None, None, None)
    finally:
        realm.stop()


_EXTERNAL_WHY = (
    f"they administer the realm (marked {_ADMIN_MARKER}: stop the KDC, create principals,"
    f" change keys) or start realms of their own ({_OWN_REALM_FIXTURE}), which an external"
    " realm does not allow. Run them against a throwaway realm (without external mode)."
)
_NTLM_WHY = (
    "they need gss-ntlmssp (marked ntlm), a mechanism module for MIT's GSS library:"
    " python-gssapi here is built on Heimdal's, whose NTLM mechanism is another one"
    " (docs/heimdal.md). Run them in a leg whose python-gssapi is built on MIT."
)


def _deselect(
    config: pytest.Config,
    items: List[pytest.Item],
    title: str,
    why: str,
    unwanted: Callable[[pytest.Item], bool],
) -> None:
    kept = [item for item in items if not unwanted(item)]
    gone = [item for item in items if unwanted(item)]
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = kept
        config.stash[_deselected_key].append((title, why, [item.nodeid for item in gone]))


def _known_differences(path: str) -> Dict[str, str]:
    """Node id -> reason, from a file of ``## reason`` headings over node ids."""
    reasons: Dict[str, str] = {}
    reason = "a known difference"
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = line.strip()
            if text.startswith("## "):
                reason = text[3:].strip()
            elif text and not text.startswith("#"):
                reasons[text] = reason
    return reasons


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Deselect what cannot run here, and say so in the summary; mark known differences.

    * external mode: the tests that administer the realm;
    * python-gssapi built on Heimdal: the tests that need gss-ntlmssp (``ntlm``);
    * ``--known-differences FILE`` (or ``$SSPI_COMPAT_KNOWN_DIFFERENCES``): the node
      ids listed there become xfails with the reason of their ``## `` heading (not
      strict: some fail only after other tests; an XPASS says a line can go).

    Runs last, so that a conftest.py can mark first, e.g. every test using a
    fixture that creates principals::

        def pytest_collection_modifyitems(items):
            for item in items:
                if "self_user_env" in item.fixturenames:
                    item.add_marker("kdc_admin")
    """
    if _external(config):
        _deselect(
            config,
            items,
            "external realm",
            _EXTERNAL_WHY,
            lambda item: (
                bool(item.get_closest_marker(_ADMIN_MARKER))
                or _OWN_REALM_FIXTURE in getattr(item, "fixturenames", ())
            ),
        )
    if python_gssapi_library() == "heimdal":
        _deselect(
            config,
            items,
            "Heimdal GSS library",
            _NTLM_WHY,
            lambda item: bool(item.get_closest_marker("ntlm")),
        )
    path = config.getoption("known_differences", None) or os.environ.get(_DIFFERENCES_ENV)
    if path:
        reasons = _known_differences(path)
        for item in items:
            if item.nodeid in reasons:
                item.add_marker(pytest.mark.xfail(reason=reasons[item.nodeid], strict=False))


def pytest_report_header(config: pytest.Config) -> str:
    if _external(config):
        return f"sspi_compat: external Kerberos realm ({EXTERNAL_ENV})"
    return f"sspi_compat: throwaway realms on the {_kind(config)} KDC"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for title, why, nodeids in config.stash.get(_deselected_key, []):
        terminalreporter.section(title)
        terminalreporter.write_line(f"{len(nodeids)} tests deselected: {why}")
        if config.getoption("verbose", 0) > 0:
            for nodeid in nodeids:
                terminalreporter.write_line(f"  {nodeid}")


@pytest.fixture(scope="session")
def krb5_realm(request: pytest.FixtureRequest) -> Iterator[AnyRealm]:
    """The session's realm: throwaway (MIT or Heimdal) or external."""
    config = request.config
    early = config.stash.get(_session_realm_key, None)
    if early is not None:
        yield early  # started by pytest_sessionstart, stopped by pytest_sessionfinish
        return
    realm: AnyRealm = _start_external() if _external(config) else start_realm(_kind(config))
    try:
        yield realm
    finally:
        realm.stop()


@pytest.fixture
def krb5_env(krb5_realm: AnyRealm) -> Iterator[AnyRealm]:
    """``krb5_realm`` activated in ``os.environ`` with a fresh ccache for ``realm.user``."""
    realm = krb5_realm
    try:
        realm.ensure_kdc()
        if isinstance(realm, ExternalRealm):
            ccache = realm.fresh_ccache()
        else:
            ccache = realm.kinit(realm.user, realm.user_password)
    except RealmError as exc:
        pytest.fail(f"cannot prepare the Kerberos environment: {exc}", pytrace=False)
    try:
        with realm.activate(ccache=ccache):
            yield realm
    finally:
        if ccache.startswith(realm.workdir):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(ccache)
        # The next test gets a KDC even if this one stopped it.
        realm.ensure_kdc()


@pytest.fixture
def krb5_realm_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., KDCRealm]]:
    """Start extra realms (``factory(allow_rc4=True)``, ...) of the session's KDC
    (or ``kdc="mit"``/``"heimdal"``), stopped after the test."""
    kind = _kind(request.config)
    realms: List[KDCRealm] = []

    def factory(*, kdc: Optional[str] = None, **kwargs: Any) -> KDCRealm:
        realm = start_realm(kdc or kind, **kwargs)
        realms.append(realm)
        return realm

    try:
        yield factory
    finally:
        for realm in realms:
            realm.stop()
