"""External-realm mode: ExternalRealm from environment variables or a bootstrap
JSON, the plugin against a KDC started outside the test process, and
``sspi-compat demo --external``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

import pytest

from sspi_compat.testing import (
    CommandError,
    ExternalRealm,
    ExternalRealmError,
    RealmAdministrationError,
    external_mode,
)
from sspi_compat.testing.external import VARIABLES

from .test_realm import child_env, pid_gone, plugin_args, reap

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.kdc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, object]]:
    """A realm started by the bootstrap as a plain process, outside this one."""
    tmp = tmp_path_factory.mktemp("external")
    json_path = tmp / "realm.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sspi_compat.testing", "--json", str(json_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=child_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("export ")  # written once the KDC answers
        info = json.loads(json_path.read_text())
        info["json_path"] = str(json_path)
        yield info
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        reap(proc)


def variables(info: Dict[str, object], **extra: str) -> Dict[str, str]:
    """The SSPI_COMPAT_* variables that describe the bootstrap's realm one by one."""
    services = info["services"]
    passwords = info["passwords"]
    assert isinstance(services, dict) and isinstance(passwords, dict)
    env = {
        "SSPI_COMPAT_USER": str(info["user"]),
        "SSPI_COMPAT_USER_PASSWORD": passwords[info["user"]],
        "SSPI_COMPAT_HTTP_SERVICE": services["http"],
        "SSPI_COMPAT_KEYTAB": str(info["keytab"]),
        "SSPI_COMPAT_KDC_ADDRESS": str(info["kdc"]),
    }
    env.update(extra)
    return env


# -- ExternalRealm --------------------------------------------------------------------


def test_mode_switch() -> None:
    assert external_mode({"SSPI_COMPAT_EXTERNAL_REALM": "1"})
    assert external_mode({"SSPI_COMPAT_EXTERNAL_REALM": "yes"})
    assert not external_mode({"SSPI_COMPAT_EXTERNAL_REALM": "0"})
    assert not external_mode({})


def test_attributes_from_variables(tmp_path: Path) -> None:
    realm = ExternalRealm.from_environ({
        "SSPI_COMPAT_USER": "alice@EXAMPLE.COM",
        "SSPI_COMPAT_USER_PASSWORD": "s3cret-value",
        "SSPI_COMPAT_HTTP_SERVICE": "HTTP/web.example.com",
        "SSPI_COMPAT_KEYTAB": "FILE:/etc/web.keytab",
        "SSPI_COMPAT_KDC_ADDRESS": "[::1]:8888",
    })
    assert realm.realm == "EXAMPLE.COM" and realm.domain == "example.com"
    assert realm.user == "alice@EXAMPLE.COM"
    assert realm.http_service == "HTTP/web.example.com@EXAMPLE.COM"
    assert realm.hostname == "web.example.com" and realm.keytab == "/etc/web.keytab"
    assert (realm.kdc_host, realm.port) == ("::1", 8888)
    assert realm.services == ("HTTP/web.example.com@EXAMPLE.COM",)
    assert realm.passwords == {"alice@EXAMPLE.COM": "s3cret-value"}
    assert realm.rc4_service is None and realm.kdc_pid is None
    for name in ("user2", "disabled_user", "mssql_service", "nodeleg_hostname"):
        with pytest.raises(ExternalRealmError, match=VARIABLES[name.replace("_hostname",
                                                                             "_service")]):
            getattr(realm, name)
    shown = repr(realm) + json.dumps(realm.describe())
    assert "s3cret-value" not in shown
    assert realm.describe(secrets=True)["user_password"] == "s3cret-value"
    assert ExternalRealm.from_environ({"SSPI_COMPAT_KDC_ADDRESS": "kdc",
                                       "SSPI_COMPAT_REALM": "R.TEST"}).port == 88


def test_a_realm_name_is_needed() -> None:
    with pytest.raises(ExternalRealmError, match="SSPI_COMPAT_REALM"):
        ExternalRealm.from_environ({"KRB5CCNAME": "FILE:/tmp/x"})
    with pytest.raises(ValueError, match="unknown"):
        ExternalRealm({"realm": "R", "no_such_attribute": "x"})


def test_start_needs_a_credential(tmp_path: Path) -> None:
    with pytest.raises(ExternalRealmError, match="SSPI_COMPAT_USER_PASSWORD"):
        ExternalRealm.from_environ({"SSPI_COMPAT_REALM": "R.TEST"}).start()
    missing = tmp_path / "no-ccache"
    realm = ExternalRealm.from_environ({"SSPI_COMPAT_REALM": "R.TEST",
                                        "SSPI_COMPAT_CCACHE": str(missing)})
    with pytest.raises(ExternalRealmError, match="does not exist"):
        realm.start()
    assert not realm.running


def test_administration_is_refused_naming_the_marker() -> None:
    realm = ExternalRealm({"realm": "R.TEST"})
    for call in (realm.stop_kdc, realm.start_kdc, realm.wait, lambda: realm.addprinc("x"),
                 lambda: realm.ktadd("x"), lambda: realm.kadmin("x"),
                 lambda: realm.kadmin_batch(["x"])):
        with pytest.raises(RealmAdministrationError, match="kdc_admin"):
            call()
    realm.ensure_kdc()  # nothing to do, nothing refused


def test_variables_against_a_running_realm(bootstrap: Dict[str, object],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("KRB5_CONFIG", "KRB5CCNAME", "KRB5_KTNAME"):
        monkeypatch.delenv(key, raising=False)
    with ExternalRealm.from_environ(variables(bootstrap)) as realm:
        assert realm.kdc_running
        # krb5.conf generated from SSPI_COMPAT_KDC_ADDRESS, in the realm's work dir
        assert realm.krb5_conf == realm.path("krb5.conf")
        assert f"kdc = {bootstrap['kdc']}" in Path(realm.krb5_conf).read_text()
        assert "Default principal: alice@SSPI.TEST" in realm.klist()
        assert "kvno = 1" in realm.kvno(realm.http_service)
        first, second = realm.fresh_ccache(), realm.fresh_ccache()
        assert first != second and os.path.exists(first)
        with pytest.raises(CommandError):
            realm.kinit(realm.user, "wrong")
        workdir = realm.workdir
    assert not os.path.exists(workdir)


def test_json_description_and_a_given_ccache(bootstrap: Dict[str, object]) -> None:
    with ExternalRealm.from_environ({"SSPI_COMPAT_REALM_JSON": str(bootstrap["json_path"])}) as r:
        assert r.krb5_conf == bootstrap["krb5_conf"]
        assert (r.user2, r.disabled_user, r.nodeleg_hostname) == (
            "bob@SSPI.TEST", "disabled@SSPI.TEST", "nodeleg.sspi.test")
        assert set(r.services) == set(bootstrap["services"].values())  # type: ignore[union-attr]
        ccache = r.kinit(r.user2, r.user2_password)
    # Without a password: the ccache given is copied for each test.
    with ExternalRealm.from_environ({"SSPI_COMPAT_REALM": "SSPI.TEST",
                                     "KRB5_CONFIG": str(bootstrap["krb5_conf"]),
                                     "KRB5CCNAME": f"FILE:{bootstrap['ccache']}"}) as r:
        copy = r.fresh_ccache()
        assert copy.startswith(r.workdir)
        assert Path(copy).read_bytes() == Path(str(bootstrap["ccache"])).read_bytes()
        assert r.env["KRB5CCNAME"] == f"FILE:{bootstrap['ccache']}"
    del ccache
    with ExternalRealm({"realm": "R", "ccache": "KEYRING:persistent:0"}) as r:
        assert r.fresh_ccache() == "KEYRING:persistent:0"


# -- the plugin against a KDC started outside -------------------------------------------

SUITE = '''
import os, pytest

def test_handshake(krb5_env):
    import sspi_compat as sc
    ccred, scred = sc.CredHandle(), sc.CredHandle()
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_OUTBOUND, None, None,
                                       None, None, ccred, None) == sc.SEC_E_OK
    assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_INBOUND, None, None,
                                       None, None, scred, None) == sc.SEC_E_OK
    cctx, sctx = sc.CtxtHandle(), sc.CtxtHandle()
    out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
    assert sc.InitializeSecurityContext(ccred, None, f"HTTP/{krb5_env.hostname}",
        sc.ISC_REQ_MUTUAL_AUTH, 0, sc.SECURITY_NATIVE_DREP, None, 0, cctx, out, sc.ULONG(),
        None) == sc.SEC_I_CONTINUE_NEEDED
    back = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
    assert sc.AcceptSecurityContext(scred, None,
        sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, out[0].data)]),
        sc.ASC_REQ_MUTUAL_AUTH, sc.SECURITY_NATIVE_DREP, sctx, back, sc.ULONG(),
        None) == sc.SEC_E_OK
    assert krb5_env.provider == "external"
    assert os.environ["KRB5CCNAME"].startswith("FILE:" + krb5_env.workdir)

@pytest.mark.kdc_admin
def test_marked_admin(krb5_env):
    krb5_env.stop_kdc()

def test_own_realm(krb5_realm_factory):
    krb5_realm_factory()

def test_unmarked_admin(krb5_env):
    krb5_env.addprinc("mallory", "x")
'''


def run_external(pytester: pytest.Pytester, env: Dict[str, str], *args: str) -> pytest.RunResult:
    pytester.makepyfile(SUITE)
    for key in ("KRB5_CONFIG", "KRB5CCNAME", "KRB5_KTNAME", "SSPI_COMPAT_KDC"):
        pytester._monkeypatch.delenv(key, raising=False)
    for key, value in {**child_env(), **env}.items():
        pytester._monkeypatch.setenv(key, value)
    return pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", *args)


def test_plugin_runs_the_suite_against_an_external_realm(
        pytester: pytest.Pytester, bootstrap: Dict[str, object]) -> None:
    result = run_external(pytester, {"SSPI_COMPAT_EXTERNAL_REALM": "1",
                                     "SSPI_COMPAT_REALM_JSON": str(bootstrap["json_path"])})
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    result.stdout.fnmatch_lines([
        "*external Kerberos realm*",
        "*RealmAdministrationError: addprinc('mallory'): an external realm cannot be*",
        "*2 tests deselected: they administer the realm (marked kdc_admin*krb5_realm_factory*",
    ])
    assert not pid_gone(int(str(bootstrap["kdc_pid"])))  # the realm is not ours to stop


def test_plugin_option_and_variables(pytester: pytest.Pytester,
                                     bootstrap: Dict[str, object]) -> None:
    result = run_external(pytester, variables(bootstrap), "--external-realm", "-v",
                          "-k", "handshake or test_marked")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(["*test_marked_admin*"])  # -v lists the deselected


def test_plugin_fails_clearly_without_a_description(pytester: pytest.Pytester) -> None:
    result = run_external(pytester, {"SSPI_COMPAT_EXTERNAL_REALM": "1"}, "-k", "handshake")
    result.assert_outcomes(errors=1, deselected=3)
    result.stdout.fnmatch_lines(["*cannot use the external Kerberos realm*SSPI_COMPAT_REALM*"])


def test_demo_external(bootstrap: Dict[str, object]) -> None:
    env = child_env(SSPI_COMPAT_REALM_JSON=str(bootstrap["json_path"]))
    done = subprocess.run([sys.executable, "-m", "sspi_compat", "demo", "--external"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "external realm SSPI.TEST" in done.stdout
    assert "DecryptMessage(server)" in done.stdout and "SEC_E_OK" in done.stdout
    passwords = bootstrap["passwords"]
    assert isinstance(passwords, dict)
    assert not any(p in done.stdout + done.stderr for p in passwords.values())
    nothing = subprocess.run([sys.executable, "-m", "sspi_compat", "demo", "--external"],
                             capture_output=True, text=True, env=child_env(), timeout=60)
    assert nothing.returncode == 2 and "--external needs --target" in nothing.stdout


def test_ci_script_runs_the_suite_against_a_plain_process_bootstrap(tmp_path: Path) -> None:
    """scripts/test-external.sh: bootstrap, suite in external mode, bootstrap stopped."""
    (tmp_path / "test_one.py").write_text(SUITE.split("@pytest.mark.kdc_admin")[0])
    done = subprocess.run(
        [str(REPO / "scripts" / "test-external.sh"), "mit", str(tmp_path / "test_one.py"),
         "-p", "no:cacheprovider", *plugin_args()],
        capture_output=True, text=True, timeout=120,
        env=child_env(PYTHON=sys.executable), cwd=REPO,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout and "external mit realm up" in done.stderr
