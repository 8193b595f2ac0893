"""The throwaway MIT realm (sspi_compat.testing) and its pytest plugin.

Run with ``-p sspi_compat.testing.pytest_plugin`` until the package is installed.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

import sspi_compat.testing
from sspi_compat.testing import (
    CommandError,
    KerberosToolsMissingError,
    MITRealm,
    RealmError,
    find_free_port,
    find_tools,
    port_is_open,
)
from sspi_compat.testing import mit as mit_module
from sspi_compat.testing._profile import merge_profiles, render_profile
from sspi_compat.testing.bootstrap import export_lines

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.kdc

# The directory that holds the sspi_compat package, for child Pythons.
SRC_ROOT = str(Path(sspi_compat.testing.__file__).resolve().parents[2])

ENV_KEYS = (
    "KRB5_CONFIG",
    "KRB5_KDC_PROFILE",
    "KRB5CCNAME",
    "KRB5_KTNAME",
    "KRB5_CLIENT_KTNAME",
    "KRB5RCACHEDIR",
)


# -- helpers --------------------------------------------------------------------


def pid_gone(pid: int) -> bool:
    """No such process, or a zombie nobody reaped yet (PID 1 in a container)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def proc_net_sockets(port: int) -> List[str]:
    """``proto addr state`` for every socket in /proc/net/{tcp,udp}{,6} bound to ``port``."""
    found = []
    for proto in ("tcp", "udp", "tcp6", "udp6"):
        try:
            with open(f"/proc/net/{proto}", encoding="ascii") as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            addr_hex, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port:
                found.append(f"{proto} {addr_hex} {fields[3]}")
    return found


def non_loopback_address() -> Optional[str]:
    """This machine's address on its default route (no packet is sent), if any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        addr: str = s.getsockname()[0]
    return None if addr.startswith("127.") else addr


def child_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "KRB5_TRACE"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (SRC_ROOT, os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra)
    return env


def reap(proc: subprocess.Popen[str], kill: bool = False) -> None:
    """Kill (if asked or still running) and wait for a child; close its pipes."""
    if kill or proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def plugin_args() -> List[str]:
    """``-p`` for the plugin unless an installed entry point loads it already
    (pytest refuses one module registered under two names)."""
    from importlib.metadata import entry_points

    module = "sspi_compat.testing.pytest_plugin"
    if sys.version_info >= (3, 10):
        eps = entry_points(group="pytest11")
    else:
        eps = entry_points().get("pytest11", ())
    if any(ep.value == module for ep in eps):
        return []
    return ["-p", module]


@pytest.fixture
def realm() -> Iterator[MITRealm]:
    """A private realm that a test may stop or break."""
    r = MITRealm()
    try:
        yield r.start()
    finally:
        r.stop()


# -- pure helpers -----------------------------------------------------------------


def test_profile_render_and_merge() -> None:
    base = {"libdefaults": {"a": "1", "b": True}, "realms": {"R": {"kdc": "x:1"}}}
    merged = merge_profiles(
        base, {"libdefaults": {"a": None, "c": 3}, "realms": {"R": {"kdc": ["y:1", "z:2"]}}}
    )
    assert base["libdefaults"] == {"a": "1", "b": True}  # not modified
    text = render_profile(merged)
    assert text == (
        "[libdefaults]\n    b = true\n    c = 3\n\n"
        "[realms]\n    R = {\n        kdc = y:1\n        kdc = z:2\n    }\n"
    )
    with pytest.raises(ValueError):
        render_profile({"libdefaults": {"a": "x\ny"}})


def test_free_port_is_loopback_and_unused() -> None:
    port = find_free_port()
    assert 0 < port < 65536
    assert not port_is_open("127.0.0.1", port)


def test_missing_tools_error_names_debian_packages() -> None:
    with pytest.raises(KerberosToolsMissingError) as info:
        find_tools(["krb5kdc", "kinit", "no-such-kerberos-tool"])
    assert info.value.missing == ("no-such-kerberos-tool",)
    message = str(info.value)
    assert "no-such-kerberos-tool" in message
    assert "apt-get install" in message
    assert "krb5-kdc" in message and "krb5-user" in message


# -- the session realm --------------------------------------------------------------


def test_realm_is_running(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    assert r.running and r.kdc_running
    assert r.kdc_pid is not None and not pid_gone(r.kdc_pid)
    assert port_is_open("127.0.0.1", r.port)
    assert r.realm == "SSPI.TEST"
    assert r.domain == "sspi.test"
    assert r.hostname == "server.sspi.test"
    assert r.user == "alice@SSPI.TEST"
    assert r.user2 == "bob@SSPI.TEST"
    assert r.http_service == "HTTP/server.sspi.test@SSPI.TEST"
    assert r.mssql_service == "MSSQLSvc/server.sspi.test:1433@SSPI.TEST"
    assert r.start_seconds is not None and r.start_seconds < 5
    for path in (r.krb5_conf, r.kdc_conf, r.keytab, r.ccache):
        assert os.path.isfile(path)
    assert r.env == {
        "KRB5_CONFIG": r.krb5_conf,
        "KRB5_KDC_PROFILE": r.kdc_conf,
        "KRB5CCNAME": "FILE:" + r.ccache,
        "KRB5_KTNAME": "FILE:" + r.keytab,
        "KRB5_CLIENT_KTNAME": "FILE:" + r.client_keytab,
        "KRB5RCACHEDIR": r.workdir,
    }
    assert "KRB5_TRACE" not in r.env
    # The default user is logged on in the realm's ccache, forwardable.
    listing = r.klist()
    assert "Default principal: alice@SSPI.TEST" in listing
    assert "krbtgt/SSPI.TEST@SSPI.TEST" in listing
    assert "Flags: F" in listing


def test_no_secret_in_repr_or_env(krb5_realm: MITRealm) -> None:
    shown = repr(krb5_realm) + repr(krb5_realm.env) + repr(krb5_realm.describe())
    for password in krb5_realm.passwords.values():
        assert password not in shown


def test_config_files(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    krb5_conf = Path(r.krb5_conf).read_text()
    for line in (
        "default_realm = SSPI.TEST",
        "forwardable = true",
        "dns_lookup_kdc = false",
        "dns_lookup_realm = false",
        "dns_canonicalize_hostname = false",
        "rdns = false",
        "udp_preference_limit = 1",
        f"kdc = 127.0.0.1:{r.port}",
        ".sspi.test = SSPI.TEST",
    ):
        assert line in krb5_conf
    kdc_conf = Path(r.kdc_conf).read_text()
    listens = [ln.strip() for ln in kdc_conf.splitlines() if "listen" in ln]
    assert listens and all(ln.endswith(f"= 127.0.0.1:{r.port}") for ln in listens)
    assert str(ipaddress.IPv4Address(0)) not in kdc_conf  # the wildcard address
    assert "rc4" not in kdc_conf + krb5_conf
    assert "allow_weak_crypto" not in krb5_conf


def test_kdc_listens_only_on_loopback(krb5_realm: MITRealm) -> None:
    port = krb5_realm.port
    sockets = proc_net_sockets(port)
    # 0100007F is 127.0.0.1 in /proc's byte order; state 0A is LISTEN, 07 an
    # unconnected UDP socket. (Connections in TIME_WAIT from earlier tests may
    # be there too, on the same address.)
    assert all(s.split()[1] == "0100007F" for s in sockets), sockets
    assert not [s for s in sockets if s.startswith(("tcp6", "udp6"))], sockets
    assert [s for s in sockets if s.endswith(" 0A")] == ["tcp 0100007F 0A"], sockets
    assert [s for s in sockets if s.startswith("udp")] == ["udp 0100007F 07"], sockets
    assert port_is_open("127.0.0.1", port)
    assert not port_is_open("127.0.0.2", port)
    other = non_loopback_address()
    if other is not None:
        assert not port_is_open(other, port)


def test_kinit_right_and_wrong_password(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    ccache = r.kinit(r.user, r.user_password)
    assert ccache.startswith(r.workdir)
    assert "Default principal: alice@SSPI.TEST" in r.klist(ccache)
    r.kinit("bob", r.user2_password)
    with pytest.raises(CommandError) as info:
        r.kinit(r.user, r.user_password + "x")
    assert "Password incorrect" in str(info.value) or "Preauthentication" in str(info.value)
    assert r.user_password not in str(info.value)


def test_disabled_and_expired_users_are_refused(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    with pytest.raises(CommandError, match="revoked"):
        r.kinit(r.disabled_user, r.disabled_password)
    with pytest.raises(CommandError, match="expired"):
        r.kinit(r.expired_user, r.expired_password)


def test_service_tickets_and_ok_as_delegate(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    ccache = r.kinit(r.user, r.user_password)
    for service in r.services:
        assert "kvno = 1" in r.kvno(service, ccache)
    listing = r.klist(ccache).splitlines()

    def flags(service: str) -> str:
        at = next(i for i, line in enumerate(listing) if line.endswith(service))
        return listing[at + 1].split("Flags:")[1].split(",")[0].strip()

    assert "O" in flags(r.http_service)  # ok-as-delegate
    assert "O" not in flags(r.nodeleg_service)
    assert "F" in flags(r.http_service)  # forwardable
    with pytest.raises(CommandError, match="not found in Kerberos database"):
        r.kvno("HTTP/unknown.sspi.test", ccache)


def test_keytab_holds_every_service_key(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    listing = r.klist_keytab()
    for service in r.services:
        for enctype in r.enctypes:
            assert f"{service} ({enctype})" in listing
    assert "alice@" not in listing
    assert not os.path.exists(r.client_keytab)


def test_addprinc_ktadd_kadmin(krb5_realm: MITRealm) -> None:
    r = krb5_realm
    password = "with space \"quote\" and 'single'"
    principal = r.addprinc("carol", password, flags=["+requires_preauth"])
    assert principal == "carol@SSPI.TEST"
    assert r.password("carol") == password
    r.kinit("carol", password)
    svc = r.addprinc("ldap/server.sspi.test", flags=["+ok_as_delegate"])
    keytab = r.ktadd(svc, r.path("ldap.keytab"))
    assert f"{svc} (aes256-cts-hmac-sha1-96)" in r.klist_keytab(keytab)
    info = r.kadmin("getprinc carol")
    assert "Principal: carol@SSPI.TEST" in info and "REQUIRES_PRE_AUTH" in info
    assert "kadmin.local:" not in info and password not in info
    with pytest.raises(CommandError, match="already exists"):
        r.addprinc("carol", "x")
    with pytest.raises(CommandError, match="does not exist"):
        r.kadmin("getprinc nobody")


# -- life cycle -------------------------------------------------------------------


def test_stop_kills_kdc_and_removes_workdir() -> None:
    r = MITRealm()
    with r:
        pid, workdir = r.kdc_pid, r.workdir
        assert pid is not None and os.path.isdir(workdir)
    assert pid_gone(pid)
    assert not os.path.exists(workdir)
    assert not r.running and r.kdc_pid is None
    r.stop()  # idempotent
    with pytest.raises(RealmError):
        r.start()


def test_given_workdir_is_kept_unless_created(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    with MITRealm(workdir=str(existing)) as r:
        assert r.workdir == str(existing)
    assert (existing / "krb5.conf").exists()
    fresh = tmp_path / "fresh"
    with MITRealm(workdir=str(fresh)):
        assert fresh.is_dir()
    assert not fresh.exists()
    with pytest.raises(RealmError, match="already holds"):
        MITRealm(workdir=str(existing)).start()


def test_two_realms_at_once() -> None:
    with MITRealm() as a, MITRealm("OTHER.TEST") as b:
        assert a.port != b.port
        assert b.hostname == "server.other.test"
        assert a.kdc_pid != b.kdc_pid
        a.kinit(a.user, a.user_password)
        b.kinit(b.user, b.user_password)
        assert "kvno = 1" in b.kvno(b.http_service)
        with pytest.raises(CommandError):
            a.kinit(a.user, b.user_password)  # independent passwords


def test_same_realm_name_twice(krb5_realm: MITRealm) -> None:
    # What xdist workers do: same realm name, different ports and files.
    with MITRealm() as other:
        assert other.port != krb5_realm.port
        other.kinit(other.user, other.user_password)


def test_stop_kdc_and_start_kdc_same_port(realm: MITRealm) -> None:
    port, pid = realm.port, realm.kdc_pid
    assert pid is not None
    realm.stop_kdc()
    assert not realm.kdc_running and pid_gone(pid)
    began = time.monotonic()
    with pytest.raises(CommandError, match="Cannot contact any KDC"):
        realm.kinit(realm.user, realm.user_password)
    assert time.monotonic() - began < 2  # TCP: refused at once, no UDP timeouts
    realm.start_kdc()
    assert realm.port == port and realm.kdc_pid not in (None, pid)
    realm.kinit(realm.user, realm.user_password)


def test_busy_auto_port_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy_tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy_udp:
        busy_tcp.bind(("127.0.0.1", 0))
        busy_tcp.listen()
        busy = busy_tcp.getsockname()[1]
        busy_udp.bind(("127.0.0.1", busy))
        real = find_free_port
        handed_out: List[int] = []

        def flaky(host: str = "127.0.0.1", **kw: object) -> int:
            port = busy if not handed_out else real(host)
            handed_out.append(port)
            return port

        monkeypatch.setattr(mit_module, "find_free_port", flaky)
        with MITRealm() as r:
            assert handed_out[0] == busy and len(handed_out) == 2
            assert r.port == handed_out[1] != busy
            r.kinit(r.user, r.user_password)


def test_busy_fixed_port_fails_and_cleans_up() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = MITRealm(port=port)
        with pytest.raises(RealmError, match="in use"):
            r.start()
    assert not r.running and r.kdc_pid is None
    assert r._workdir is None


def test_kdc_dies_with_its_parent(tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG: SIGKILL the Python that started the KDC, the KDC goes too."""
    script = (
        "import sys, time\n"
        "from sspi_compat.testing import MITRealm\n"
        f"r = MITRealm(workdir={str(tmp_path / 'w')!r}).start()\n"
        "print(r.kdc_pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=child_env()
    )
    try:
        assert child.stdout is not None
        kdc_pid = int(child.stdout.readline())
        assert not pid_gone(kdc_pid)
    finally:
        reap(child, kill=True)
    assert wait_until(lambda: pid_gone(kdc_pid)), f"krb5kdc {kdc_pid} outlived its parent"


def test_rc4_realm(krb5_realm_factory: Callable[..., MITRealm]) -> None:
    r = krb5_realm_factory(realm="RC4.TEST", allow_rc4=True)
    assert r.enctypes[-1] == "rc4-hmac" and r.rc4_service == "HTTP/rc4.rc4.test@RC4.TEST"
    krb5_conf = Path(r.krb5_conf).read_text()
    assert "allow_weak_crypto = true" in krb5_conf and "allow_rc4 = true" in krb5_conf
    r.kvno(r.rc4_service)
    r.kvno(r.http_service)
    listing = r.klist().splitlines()
    rc4_at = next(i for i, line in enumerate(listing) if line.endswith(r.rc4_service))
    http_at = next(i for i, line in enumerate(listing) if line.endswith(r.http_service))
    assert "arcfour-hmac" in listing[rc4_at + 1]
    assert "aes256-cts-hmac-sha1-96" in listing[http_at + 1]  # AES still preferred


# -- bootstrap ----------------------------------------------------------------------


def test_bootstrap_prints_env_and_stops_on_sigterm(tmp_path: Path) -> None:
    json_path, env_path = tmp_path / "realm.json", tmp_path / "realm.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sspi_compat.testing",
            "--realm",
            "BOOT.TEST",
            "--json",
            str(json_path),
            "--env-file",
            str(env_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdout is not None
        exports = [proc.stdout.readline() for _ in ENV_KEYS]
        env: Dict[str, str] = {}
        for line in exports:
            assert line.startswith("export "), (line, proc.stderr and proc.stderr.read())
            key, _, value = line[len("export ") :].rstrip("\n").partition("=")
            env[key] = value
        assert sorted(env) == sorted(ENV_KEYS)
        assert env_path.read_text() == "".join(exports)
        info = json.loads(json_path.read_text())
        assert info["realm"] == "BOOT.TEST" and info["env"] == env
        assert info["kdc"] == f"127.0.0.1:{info['port']}"
        assert oct(json_path.stat().st_mode & 0o777) == "0o600"
        kdc_pid, workdir = info["kdc_pid"], info["workdir"]
        # The printed environment is enough for MIT's own tools.
        run_env = child_env(**env)
        kinit = subprocess.run(
            ["kinit", info["user"]],
            input=info["passwords"][info["user"]] + "\n",
            env=run_env,
            capture_output=True,
            text=True,
        )
        assert kinit.returncode == 0, kinit.stderr
        kvno = subprocess.run(
            ["kvno", info["services"]["http"]], env=run_env, capture_output=True, text=True
        )
        assert kvno.returncode == 0, kvno.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        reap(proc)
    assert pid_gone(kdc_pid)
    assert not os.path.exists(workdir)


def test_bootstrap_sigint_and_export_quoting(tmp_path: Path) -> None:
    assert export_lines({"A": "x y", "B": "plain"}) == "export A='x y'\nexport B=plain\n"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sspi_compat.testing.bootstrap", "--json", str(tmp_path / "j")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("export KRB5_CONFIG=")
        info = json.loads((tmp_path / "j").read_text())
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        reap(proc)
    assert pid_gone(info["kdc_pid"]) and not os.path.exists(info["workdir"])


# -- the fixtures -------------------------------------------------------------------

_seen_ccaches: List[str] = []


@pytest.mark.parametrize("round_", [1, 2])
def test_krb5_env_fresh_ccache_each_test(krb5_env: MITRealm, round_: int) -> None:
    r = krb5_env
    for key, value in r.env.items():
        if key != "KRB5CCNAME":
            assert os.environ[key] == value
    ccache = os.environ["KRB5CCNAME"]
    assert ccache.startswith("FILE:" + r.workdir) and ccache != "FILE:" + r.ccache
    assert ccache not in _seen_ccaches
    _seen_ccaches.append(ccache)
    klist = subprocess.run(["klist"], env=dict(os.environ), capture_output=True, text=True)
    assert "Default principal: alice@SSPI.TEST" in klist.stdout
    # Spoil it: the next test must not notice.
    subprocess.run(["kdestroy"], env=dict(os.environ), check=True)


def test_krb5_env_test_stops_kdc(krb5_env: MITRealm) -> None:
    krb5_env.stop_kdc()
    assert not krb5_env.kdc_running


def test_krb5_env_kdc_is_back(krb5_env: MITRealm) -> None:
    # Runs after the previous test (file order): the fixture restarted the KDC.
    assert krb5_env.kdc_running
    assert "kvno = 1" in krb5_env.kvno(krb5_env.http_service, os.environ["KRB5CCNAME"])


def test_activate_restores_environ(krb5_realm: MITRealm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/previous/krb5.conf")
    monkeypatch.delenv("KRB5_KTNAME", raising=False)
    with krb5_realm.activate(ccache="/x/cc") as values:
        assert os.environ["KRB5_CONFIG"] == krb5_realm.krb5_conf
        assert os.environ["KRB5CCNAME"] == "FILE:/x/cc" == values["KRB5CCNAME"]
    assert os.environ["KRB5_CONFIG"] == "/previous/krb5.conf"
    assert "KRB5_KTNAME" not in os.environ


def test_gssapi_handshake_in_krb5_env(krb5_env: MITRealm) -> None:
    import gssapi
    import gssapi.raw as raw

    r = krb5_env
    target = raw.import_name(b"HTTP@" + r.hostname.encode(), gssapi.NameType.hostbased_service)
    flags = [
        gssapi.RequirementFlag.mutual_authentication,
        gssapi.RequirementFlag.delegate_to_peer,
        gssapi.RequirementFlag.confidentiality,
        gssapi.RequirementFlag.integrity,
    ]
    init = raw.init_sec_context(target, flags=flags)
    accept_cred = raw.acquire_cred(None, usage="accept").creds  # KRB5_KTNAME
    accepted = raw.accept_sec_context(init.token, accept_cred)
    assert raw.display_name(accepted.initiator_name).name.decode() == r.user
    assert gssapi.RequirementFlag.delegate_to_peer in accepted.flags  # ok-as-delegate
    assert accepted.delegated_creds is not None
    done = raw.init_sec_context(
        target, context=init.context, flags=flags, input_token=accepted.token
    )
    assert not done.more_steps
    wrapped = raw.wrap(done.context, b"hello", confidential=True)
    assert raw.unwrap(accepted.context, wrapped.message).message == b"hello"


def test_plugin_fails_without_mit_tools(pytester: pytest.Pytester) -> None:
    """Missing programs make the fixtures fail (not skip), naming the packages."""
    pytester.makeconftest(
        "import sspi_compat.testing.mit as m\nm.MIT_TOOLS = (*m.MIT_TOOLS, 'no-such-krb5kdc')\n"
    )
    pytester.makepyfile("def test_needs_kdc(krb5_env):\n    pass\n")
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no-such-krb5kdc*apt-get install*"])


def test_harness_imports_neither_gssapi_nor_the_rest_of_sspi_compat() -> None:
    """The harness runs MIT's programs only, so it works while the rest is broken."""
    import ast

    package_dir = Path(sspi_compat.testing.__file__).parent
    for source in sorted(package_dir.glob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["sspi_compat.testing"]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top != "gssapi", f"{source.name} imports {name}"
                if top == "sspi_compat":
                    assert name.startswith("sspi_compat.testing"), f"{source.name} imports {name}"
