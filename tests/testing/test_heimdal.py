"""The throwaway Heimdal realm, the KDC choice, and the Heimdal traps of the gss layer.

HeimdalRealm runs Heimdal's programs from the private prefix that
scripts/heimdal-prefix.sh makes; without it these tests *fail*, saying so.
The tests at the end run on whichever GSS library python-gssapi is built
on here (MIT in the default leg, Heimdal in the heimdal-gss leg) and assert
what each must do.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from sspi_compat.testing import (
    CommandError,
    HeimdalRealm,
    HeimdalToolsMissingError,
    KerberosToolsMissingError,
    MITRealm,
    RealmError,
    find_heimdal,
    kdc_kind,
    make_realm,
    port_is_open,
    realm_class,
)
from sspi_compat.testing import _realm as realm_module
from sspi_compat.testing.heimdal import (
    HEIMDAL_TOOLS,
    _sl_make_argv,
    kadmin_line,
    python_gssapi_library,
)
from sspi_compat.testing.pytest_plugin import ConfigThreads

from .test_realm import (
    child_env,
    non_loopback_address,
    pid_gone,
    plugin_args,
    proc_net_sockets,
    reap,
    wait_until,
)

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.kdc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def heimdal() -> Iterator[HeimdalRealm]:
    """One Heimdal realm for the read-only tests of this module."""
    realm = HeimdalRealm()
    try:
        realm.start()
    except RealmError as exc:
        pytest.fail(f"cannot start a Heimdal realm (run scripts/heimdal-prefix.sh): {exc}")
    try:
        yield realm
    finally:
        realm.stop()


@pytest.fixture
def own() -> Iterator[HeimdalRealm]:
    """A private Heimdal realm that a test may stop or break."""
    realm = HeimdalRealm()
    try:
        yield realm.start()
    finally:
        realm.stop()


def kdc_children(pid: int) -> List[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


# -- the realm ------------------------------------------------------------------------


def test_realm_is_running(heimdal: HeimdalRealm) -> None:
    r = heimdal
    assert r.provider == "heimdal" and r.kdc_program == "kdc"
    assert r.running and r.kdc_running and r.kdc_pid is not None
    assert port_is_open("127.0.0.1", r.port)
    assert (r.realm, r.hostname, r.user) == ("SSPI.TEST", "server.sspi.test", "alice@SSPI.TEST")
    assert r.start_seconds is not None and r.start_seconds < 5
    for path in (r.krb5_conf, r.kdc_conf, r.keytab, r.ccache, r.path("heimdal.db")):
        assert os.path.isfile(path), path
    assert r.env["KRB5_CONFIG"] == r.krb5_conf and r.env["KRB5CCNAME"] == "FILE:" + r.ccache
    # MIT klist's layout, rebuilt from Heimdal's klist -v.
    listing = r.klist()
    assert listing.startswith(f"Ticket cache: FILE:{r.ccache}\nDefault principal: alice@SSPI.TEST")
    tgt = "  krbtgt/SSPI.TEST@SSPI.TEST\n\tFlags: FIA, Etype (skey, tkt): aes256-cts-hmac-sha1-96"
    assert tgt in listing
    verbose = r.run(["klist", "-v", "-c", r.ccache]).stdout
    assert "Server: krbtgt/SSPI.TEST@SSPI.TEST" in verbose and "forwardable" in verbose
    # kdc --testing: one process serves, no worker to outlive it.
    assert kdc_children(r.kdc_pid) == []


def test_kdc_listens_only_on_loopback(heimdal: HeimdalRealm) -> None:
    sockets = proc_net_sockets(heimdal.port)
    assert all(s.split()[1] == "0100007F" for s in sockets), sockets
    assert [s for s in sockets if s.endswith(" 0A")] == ["tcp 0100007F 0A"], sockets
    assert [s for s in sockets if s.startswith("udp")] == ["udp 0100007F 07"], sockets
    assert not port_is_open("127.0.0.2", heimdal.port)
    other = non_loopback_address()
    if other is not None:
        assert not port_is_open(other, heimdal.port)


def test_config_files(heimdal: HeimdalRealm) -> None:
    kdc_conf = Path(heimdal.kdc_conf).read_text()
    assert f"ports = {heimdal.port}" in kdc_conf and "addresses = 127.0.0.1" in kdc_conf
    assert "require-preauth = true" in kdc_conf
    assert "default_keys = aes256-cts-hmac-sha1-96:pw-salt" in kdc_conf
    krb5_conf = Path(heimdal.krb5_conf).read_text()
    for line in (
        f"kdc = 127.0.0.1:{heimdal.port}",
        "default_etypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96",
        f"default_cc_name = FILE:{heimdal.ccache}",
        f"default_ccache_name = FILE:{heimdal.ccache}",
        "udp_preference_limit = 1",
    ):
        assert line in krb5_conf


def test_no_secret_in_repr_logs_or_description(heimdal: HeimdalRealm) -> None:
    shown = repr(heimdal) + repr(heimdal.env) + json.dumps(heimdal.describe())
    for name in ("kdc.log", "kdc.out", "kadmin.log"):
        if os.path.exists(heimdal.path(name)):
            shown += Path(heimdal.path(name)).read_text(errors="replace")
    for password in heimdal.passwords.values():
        assert password not in shown


def test_kinit_right_wrong_disabled_expired(heimdal: HeimdalRealm) -> None:
    r = heimdal
    ccache = r.kinit(r.user2, r.user2_password)
    assert "Default principal: bob@SSPI.TEST" in r.klist(ccache)
    with pytest.raises(CommandError, match="Password incorrect") as info:
        r.kinit(r.user, r.user_password + "x")
    assert r.user_password not in str(info.value)
    with pytest.raises(CommandError, match="KDC policy rejects request"):
        r.kinit(r.disabled_user, r.disabled_password)
    with pytest.raises(CommandError, match=r"expired@SSPI.TEST\) expired"):
        r.kinit(r.expired_user, r.expired_password)
    with pytest.raises(CommandError, match="unknown"):
        r.kinit("nobody", "x")


def test_service_tickets_and_ok_as_delegate(heimdal: HeimdalRealm) -> None:
    r = heimdal
    ccache = r.kinit(r.user, r.user_password)
    for service in r.services:
        assert r.kvno(service, ccache) == f"{service}: kvno = 1\n"
    listing = r.klist(ccache).splitlines()

    def flags(service: str) -> str:
        at = next(i for i, line in enumerate(listing) if line.endswith(service))
        return listing[at + 1].split("Flags:")[1].split(",")[0].strip()

    assert flags(r.http_service) == "FATO"  # forwardable, pre-authent, transited, ok-as-delegate
    assert flags(r.nodeleg_service) == "FAT"
    with pytest.raises(CommandError, match="unknown"):
        r.kvno("HTTP/unknown.sspi.test", ccache)


def test_keytab_holds_every_service_key(heimdal: HeimdalRealm) -> None:
    listing = heimdal.klist_keytab()
    assert listing.startswith(f"Keytab name: FILE:{heimdal.keytab}\nKVNO Principal\n")
    for service in heimdal.services:
        for enctype in heimdal.enctypes:
            assert f"   1 {service} ({enctype}) \n" in listing
    assert "alice@" not in listing


def test_mit_client_tools_and_gss_against_the_heimdal_kdc(heimdal: HeimdalRealm) -> None:
    """MIT's kinit/kvno and python-gssapi (whatever it is built on) use the realm."""
    import gssapi
    import gssapi.raw as raw
    r = heimdal
    ccache = r.new_ccache_path("mit")
    env = {**os.environ, **r.env, "KRB5CCNAME": "FILE:" + ccache}
    done = subprocess.run(["kinit", r.user], input=r.user_password + "\n", env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(["kvno", r.http_service], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "kvno = 1" in done.stdout, done.stderr
    if python_gssapi_library() == "heimdal":
        return  # the heimdal-gss leg: its GSS library already read the session's krb5.conf
    with r.activate(ccache=ccache):
        target = raw.import_name(b"HTTP@" + r.hostname.encode(),
                                 gssapi.NameType.hostbased_service)
        flags = [gssapi.RequirementFlag.mutual_authentication,
                 gssapi.RequirementFlag.delegate_to_peer]
        init = raw.init_sec_context(target, flags=flags)
        accepted = raw.accept_sec_context(init.token, raw.acquire_cred(None, usage="accept").creds)
        assert raw.display_name(accepted.initiator_name).name.decode() == r.user
        assert accepted.delegated_creds is not None  # ok-as-delegate, forwardable TGT


# -- administration ---------------------------------------------------------------------


def test_addprinc_translates_mit_flags(own: HeimdalRealm) -> None:
    r = own
    password = "with space \"quote\" and 'single'"
    assert r.addprinc("carol", password, flags=["+requires_preauth"]) == "carol@SSPI.TEST"
    assert r.password("carol") == password
    r.kinit("carol", password)
    info = r.kadmin("get carol")
    assert "requires-pre-auth" in info and password not in info
    svc = r.addprinc("ldap/server.sspi.test", flags=["+ok_as_delegate", "-e",
                                                     "aes128-cts-hmac-sha1-96:normal"])
    keytab = r.ktadd(svc, r.path("ldap.keytab"))
    keys = r.klist_keytab(keytab)
    assert keys.endswith(f"   1 {svc} (aes128-cts-hmac-sha1-96) \n") and keys.count(svc) == 1
    assert "ok-as-delegate" in r.kadmin("get ldap/server.sspi.test")
    r.addprinc("dave", "pw-dave", flags=["-allow_tix", "-expire", "2001-02-03 00:00:00 UTC"])
    dave = r.kadmin("get dave")
    assert "disallow-all-tix" in dave and "2001-02-03" in dave
    r.addprinc("erin", "pw-erin", flags=["--attributes=requires-pw-change"])
    assert "requires-pw-change" in r.kadmin("get erin")
    with pytest.raises(CommandError, match="already exists"):
        r.addprinc("carol", "x")
    with pytest.raises(CommandError, match="does not exist"):
        r.kadmin("get nobody")
    with pytest.raises(ValueError, match="no Heimdal equivalent"):
        r.addprinc("frank", "x", flags=["+no_such_flag"])
    with pytest.raises(ValueError, match="cannot be written"):
        r.addprinc("gina", 'ends with a quote"')
    r.addprinc("hal", "back\\slash")
    r.kinit("hal", "back\\slash")
    assert "frank@SSPI.TEST" not in r.passwords and "gina@SSPI.TEST" not in r.passwords


@pytest.mark.parametrize(
    "args",
    [["add", "--password=plain", "x"], ["a b", 'q"uote', "end"], ['x"y z', "w"], ["tab\tx"],
     ["'single'", "-"], ["back\\slash"], ['q"q']],
)
def test_kadmin_line_round_trips(args: List[str]) -> None:
    assert _sl_make_argv(kadmin_line(args)) == args


@pytest.mark.parametrize("bad", [["a\\\\b"], ['x""'], ["new\nline"], ['"'], ['end"']])
def test_kadmin_line_refuses_what_kadmin_cannot_parse(bad: List[str]) -> None:
    with pytest.raises(ValueError):
        kadmin_line(bad)


def test_sl_make_argv_reproduces_heimdals_quirk() -> None:
    # After a backslash escape the next character is taken literally too.
    assert _sl_make_argv('a\\" b') == ['a" b']
    assert _sl_make_argv('"open') is None
    assert _sl_make_argv("  two   words ") == ["two", "words"]


# -- life cycle -------------------------------------------------------------------------


def test_stop_kills_kdc_and_removes_workdir() -> None:
    r = HeimdalRealm()
    with r:
        pid, workdir = r.kdc_pid, r.workdir
        assert pid is not None
    assert pid_gone(pid) and not os.path.exists(workdir)
    r.stop()
    with pytest.raises(RealmError):
        r.start()


def test_stop_kdc_and_start_kdc_same_port(own: HeimdalRealm) -> None:
    port, pid = own.port, own.kdc_pid
    assert pid is not None
    own.stop_kdc()
    assert not own.kdc_running and pid_gone(pid)
    began = time.monotonic()
    with pytest.raises(CommandError, match="unable to reach any KDC"):
        own.kinit(own.user, own.user_password)
    assert time.monotonic() - began < 2
    own.start_kdc()
    assert own.port == port and own.kdc_pid not in (None, pid)
    own.kinit(own.user, own.user_password)


def test_busy_auto_port_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heimdal's kdc keeps running when a port is taken: the log says so, a new port is tried."""
    with socket.socket() as busy_tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy_udp:
        busy_tcp.bind(("127.0.0.1", 0))
        busy_tcp.listen()
        busy = busy_tcp.getsockname()[1]
        busy_udp.bind(("127.0.0.1", busy))
        real = realm_module.find_free_port
        handed_out: List[int] = []

        def flaky(host: str = "127.0.0.1", **kw: object) -> int:
            port = busy if not handed_out else real(host)
            handed_out.append(port)
            return port

        monkeypatch.setattr(realm_module, "find_free_port", flaky)
        with HeimdalRealm() as r:
            assert handed_out[0] == busy and len(handed_out) == 2
            assert r.port == handed_out[1] != busy
            assert "Address already in use" in Path(r.path("kdc.log")).read_text()
            r.kinit(r.user, r.user_password)


def test_busy_fixed_port_fails_and_cleans_up() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = HeimdalRealm(port=busy.getsockname()[1])
        with pytest.raises(RealmError, match="in use"):
            r.start()
    assert not r.running and r.kdc_pid is None and r._workdir is None


def test_kdc_dies_with_its_parent(tmp_path: Path) -> None:
    script = (
        "import time\n"
        "from sspi_compat.testing import HeimdalRealm\n"
        f"r = HeimdalRealm(workdir={str(tmp_path / 'w')!r}).start()\n"
        "print(r.kdc_pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env=child_env())
    try:
        assert child.stdout is not None
        kdc_pid = int(child.stdout.readline())
        assert not pid_gone(kdc_pid)
    finally:
        reap(child, kill=True)
    assert wait_until(lambda: pid_gone(kdc_pid)), f"kdc {kdc_pid} outlived its parent"


def test_rc4_realm() -> None:
    with HeimdalRealm("RC4.TEST", allow_rc4=True) as r:
        assert r.rc4_service == "HTTP/rc4.rc4.test@RC4.TEST"
        assert r.enctypes[-1] == "rc4-hmac"
        r.kvno(r.rc4_service)
        r.kvno(r.http_service)
        listing = r.klist().splitlines()
        rc4_at = next(i for i, line in enumerate(listing) if line.endswith(r.rc4_service))
        http_at = next(i for i, line in enumerate(listing) if line.endswith(r.http_service))
        assert listing[rc4_at + 1].endswith("(skey, tkt): arcfour-hmac, arcfour-hmac ")
        assert "aes256-cts-hmac-sha1-96" in listing[http_at + 1]
        keys = [line for line in r.klist_keytab().splitlines() if r.rc4_service in line]
        assert keys == [f"   1 {r.rc4_service} (arcfour-hmac) "]


def test_two_realms_and_one_of_each_kdc() -> None:
    with HeimdalRealm() as a, HeimdalRealm("OTHER.TEST") as b, MITRealm() as c:
        assert len({a.port, b.port, c.port}) == 3
        b.kinit(b.user, b.user_password)
        c.kinit(c.user, c.user_password)
        with pytest.raises(CommandError):
            a.kinit(a.user, b.user_password)


# -- finding Heimdal and choosing the KDC ------------------------------------------------


def test_missing_prefix_says_how_to_get_heimdal(tmp_path: Path) -> None:
    with pytest.raises(HeimdalToolsMissingError) as info:
        find_heimdal(str(tmp_path))
    assert isinstance(info.value, KerberosToolsMissingError)
    assert "scripts/heimdal-prefix.sh" in str(info.value) and str(tmp_path) in str(info.value)
    r = HeimdalRealm(prefix=str(tmp_path))
    with pytest.raises(HeimdalToolsMissingError):
        r.start()
    assert not r.running and r._workdir is None


def test_find_heimdal_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    found = find_heimdal()
    monkeypatch.setenv("SSPI_COMPAT_HEIMDAL_PREFIX", os.path.dirname(found.root))
    assert find_heimdal() == found
    assert os.path.isfile(found.program("kdc"))
    assert found.libdir is None or os.path.isfile(os.path.join(found.libdir, "libkrb5.so.26"))
    assert set(HEIMDAL_TOOLS) <= {"kdc", "kadmin", "kinit", "klist", "ktutil", "kgetcred"}


def test_kdc_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSPI_COMPAT_KDC", raising=False)
    assert kdc_kind() == "mit" and realm_class() is MITRealm
    monkeypatch.setenv("SSPI_COMPAT_KDC", "Heimdal")
    assert kdc_kind() == "heimdal" and realm_class() is HeimdalRealm
    assert isinstance(make_realm(realm="X.TEST"), HeimdalRealm)
    assert realm_class("mit") is MITRealm  # the parameter wins
    monkeypatch.setenv("SSPI_COMPAT_KDC", "kerberos-ng")
    with pytest.raises(ValueError, match="SSPI_COMPAT_KDC='kerberos-ng'"):
        kdc_kind()
    with pytest.raises(ValueError, match="kind='x'"):
        kdc_kind("x")


def test_prefix_script_is_idempotent() -> None:
    began = time.monotonic()
    done = subprocess.run([str(REPO / "scripts" / "heimdal-prefix.sh")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "already unpacked" in done.stderr
    assert time.monotonic() - began < 10


# -- the bootstrap and the plugin ---------------------------------------------------------


def test_bootstrap_runs_a_heimdal_realm(tmp_path: Path) -> None:
    json_path = tmp_path / "realm.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sspi_compat.testing", "--kdc", "heimdal", "--json",
         str(json_path), "--env-file", str(tmp_path / "realm.env")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("export KRB5_CONFIG=")
        info = json.loads(json_path.read_text())
        assert info["provider"] == "heimdal" and info["kdc"] == f"127.0.0.1:{info['port']}"
        env = child_env(**info["env"])
        kinit = subprocess.run(["kinit", info["user"]], input=info["passwords"][info["user"]]
                               + "\n", env=env, capture_output=True, text=True)
        assert kinit.returncode == 0, kinit.stderr  # MIT's kinit, Heimdal's KDC
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        reap(proc)
    assert pid_gone(info["kdc_pid"]) and not os.path.exists(info["workdir"])


def test_bootstrap_kdc_host_is_written_for_clients(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sspi_compat.testing", "--kdc", "mit", "--kdc-host",
         "localhost", "--json", str(tmp_path / "j")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=child_env(),
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        info = json.loads((tmp_path / "j").read_text())
        assert info["kdc"] == f"localhost:{info['port']}" and info["bind_address"] == "127.0.0.1"
        assert f"kdc = localhost:{info['port']}" in Path(info["krb5_conf"]).read_text()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        reap(proc)


def test_bootstrap_refuses_an_unknown_kdc() -> None:
    done = subprocess.run([sys.executable, "-m", "sspi_compat.testing", "--kdc", "nope"],
                          capture_output=True, text=True, env=child_env())
    assert done.returncode == 2 and "invalid choice" in done.stderr
    done = subprocess.run([sys.executable, "-m", "sspi_compat.testing"], capture_output=True,
                          text=True, env=child_env(SSPI_COMPAT_KDC="nope"), timeout=30)
    assert done.returncode == 2 and "SSPI_COMPAT_KDC='nope'" in done.stderr


def test_plugin_heimdal_realm_is_active_before_collection(pytester: pytest.Pytester) -> None:
    """SSPI_COMPAT_KDC=heimdal: the session realm's environment is in os.environ
    when test modules are imported (Heimdal's GSS library reads krb5.conf once)."""
    pytester.makepyfile(
        "import os\n"
        "SEEN = os.environ.get('KRB5_CONFIG')\n"
        "def test_session_realm(krb5_realm, krb5_env):\n"
        "    assert krb5_realm.provider == 'heimdal'\n"
        "    assert SEEN == krb5_realm.krb5_conf\n"
        "    assert os.environ['KRB5CCNAME'] != 'FILE:' + krb5_realm.ccache\n"
        "def test_factory_uses_the_sessions_kdc(krb5_realm_factory):\n"
        "    assert krb5_realm_factory().provider == 'heimdal'\n"
        "    assert krb5_realm_factory(kdc='mit').provider == 'mit'\n"
    )
    env = {k: v for k, v in child_env().items() if not k.startswith("KRB5")}
    for key, value in env.items():
        pytester._monkeypatch.setenv(key, value)
    pytester._monkeypatch.setenv("SSPI_COMPAT_KDC", "heimdal")
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*throwaway realms on the heimdal KDC*"])


def test_plugin_kdc_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_kind(krb5_realm):\n    assert krb5_realm.provider == 'heimdal'\n"
    )
    for key, value in child_env().items():
        pytester._monkeypatch.setenv(key, value)
    pytester._monkeypatch.delenv("SSPI_COMPAT_KDC", raising=False)
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider",
                                           "--kdc", "heimdal")
    result.assert_outcomes(passed=1)


def test_config_threads() -> None:
    threads = ConfigThreads()
    try:
        main = threading.get_ident()
        first = threads.run("a.conf", threading.get_ident)
        assert first != main and threads.run("a.conf", threading.get_ident) == first
        assert threads.run("b.conf", threading.get_ident) not in (first, main)
        fresh = threads.run(None, threading.get_ident)
        assert fresh not in (first, main)

        def boom() -> None:
            raise KeyError("from the worker")

        with pytest.raises(KeyError, match="from the worker"):
            threads.run("a.conf", boom)
        assert threads.run("a.conf", lambda: 42) == 42  # the worker survived
    finally:
        threads.close()


# -- what the gss layer does on each library -----------------------------------------------


def _library() -> str:
    from sspi_compat.gss import _library

    return _library.gss_library()


def test_the_library_is_recognised() -> None:
    library = _library()
    assert library == python_gssapi_library() in ("mit", "heimdal")


def test_krb5_reply_framing_check() -> None:
    from sspi_compat.gss._library import keyblock_enctype, krb5_reply_token_ok

    oid = bytes.fromhex("06092a864886f712010202")

    def token(inner: bytes, length: int = -1) -> bytes:
        body = oid + inner
        return b"\x60" + bytes([len(body) if length < 0 else length]) + body

    assert krb5_reply_token_ok(token(b"\x02\x00\x6f\x03abc"))  # AP-REP
    assert krb5_reply_token_ok(token(b"\x03\x00\x7e\x00"))  # KRB-ERROR
    long_body = oid + b"\x02\x00" + b"x" * 300
    assert krb5_reply_token_ok(b"\x60\x82" + len(long_body).to_bytes(2, "big") + long_body)
    for bad in (b"", b"\x60", b"garbage", token(b"\x01\x00xx"), token(b"\x02"),
                token(b"\x02\x00x", length=5), b"\x60\x80" + oid + b"\x02\x00",
                b"\x60\x84\xff\xff\xff\xff" + oid, token(b"\x02\x00")[:-3] + b"\x02\x00\x00"):
        assert not krb5_reply_token_ok(bad), bad
    assert keyblock_enctype(bytes.fromhex("0012000000000020") + b"k" * 32) == 18
    assert keyblock_enctype(b"\x00\x12") == 0


def test_garbage_reply_is_an_invalid_token_never_a_crash(krb5_env: Any) -> None:
    """Heimdal 7.8 crashes on a non-AP-REP reply to a krb5 initiator; here it is refused."""
    import sspi_compat as sc

    for reply in (b"garbage", b"\x60\x03garbage", b"\x60", b"\x6f\x84\x7f\xff\xff\xff"):
        cred, ctx = sc.CredHandle(), sc.CtxtHandle()
        assert sc.AcquireCredentialsHandle(None, "Kerberos", sc.SECPKG_CRED_OUTBOUND, None, None,
                                           None, None, cred, None) == sc.SEC_E_OK
        out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
        assert sc.InitializeSecurityContext(
            cred, None, f"HTTP/{krb5_env.hostname}", sc.ISC_REQ_MUTUAL_AUTH, 0,
            sc.SECURITY_NATIVE_DREP, None, 0, ctx, out, sc.ULONG(), None
        ) == sc.SEC_I_CONTINUE_NEEDED
        status = sc.InitializeSecurityContext(
            cred, ctx, f"HTTP/{krb5_env.hostname}", sc.ISC_REQ_MUTUAL_AUTH, 0,
            sc.SECURITY_NATIVE_DREP, sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, reply)]),
            0, ctx, out, sc.ULONG(), None)
        assert status == sc.SEC_E_INVALID_TOKEN, (reply, status)
        sc.DeleteSecurityContext(ctx)
        sc.FreeCredentialsHandle(cred)


def test_principal_in_a_dir_collection(krb5_env: Any, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """MIT: chosen within the collection. Heimdal 7.8 crashes doing that, so on
    Heimdal's library it is SEC_E_UNSUPPORTED_FUNCTION, with the reason logged."""
    import sspi_compat as sc

    library = _library()
    collection = tempfile.mkdtemp(dir=krb5_env.workdir, prefix="collection-")
    if library == "mit":
        krb5_env.kinit(krb5_env.user2, krb5_env.user2_password, ccache=f"DIR::{collection}/tkta")
    monkeypatch.setenv("KRB5CCNAME", f"DIR:{collection}")
    cred = sc.CredHandle()
    status = sc.AcquireCredentialsHandle(krb5_env.user2, "Kerberos", sc.SECPKG_CRED_OUTBOUND,
                                         None, None, None, None, cred, None)
    if library == "mit":
        assert status == sc.SEC_E_OK
        sc.FreeCredentialsHandle(cred)
    else:
        assert status == sc.SEC_E_UNSUPPORTED_FUNCTION
        assert "DIR: ccache collection" in caplog.text and "not supported on Heimdal" in caplog.text


def test_explicit_keytab_needs_the_cred_store_extension(caplog: pytest.LogCaptureFixture,
                                                        krb5_env: Any) -> None:
    from sspi_compat import gss
    from sspi_compat.gss import calls

    if calls._HAVE_CRED_STORE:
        cred = gss.acquire_keytab(None, krb5_env.keytab, "accept", gss.MECH_KRB5)
        assert cred is not None
    else:
        with pytest.raises(gss.GssFailure) as info:
            gss.acquire_keytab(None, krb5_env.keytab, "accept", gss.MECH_KRB5)
        assert info.value.major == 16 << 16  # GSS_S_UNAVAILABLE: SEC_E_UNSUPPORTED_FUNCTION
        assert "gss_acquire_cred_from" in info.value.message
        assert "not supported on Heimdal" in caplog.text

