"""install() and ``python -m sspi_compat.pywin32 script.py [args]``.

The scripts are written as Windows scripts are: plain ``import sspi,
win32security`` at the top, nothing Linux-specific.  Each runs in a child
process, so ``sys.modules`` of the test process is not involved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from sspi_compat.testing import MITRealm

ROOT = str(Path(__file__).resolve().parents[2])

HANDSHAKE_SCRIPT = textwrap.dedent('''\
    import sys
    import sspi, sspicon, win32security, win32api, pywintypes

    target = sys.argv[1]
    client = sspi.ClientAuth("Kerberos", targetspn=target,
                             scflags=sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_INTEGRITY)
    server = sspi.ServerAuth("Kerberos")
    err, buf = client.authorize(None)
    while True:
        err, buf = server.authorize(buf)
        if err == 0 and not buf[0].Buffer:
            break
        err, buf = client.authorize(buf)
        if err == 0 and client.authenticated and server.authenticated:
            break
    print("client", client.authenticated, client.service_name)
    print("server", server.authenticated, server.initiator_name)
    print("module", win32security.__name__)
    try:
        sspi.ClientAuth("Kerberos", targetspn="HTTP/nowhere.sspi.test").authorize(None)
    except pywintypes.error as e:
        print("error", e.winerror, e.funcname)
    sys.exit(int(sys.argv[2]))
''')


def _run(args: List[str], env: Optional[Dict[str, str]] = None,
         cwd: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120)


@pytest.mark.kdc
def test_runs_an_unmodified_script_with_its_arguments(krb5_env: MITRealm,
                                                       tmp_path: Path) -> None:
    script = tmp_path / "windows_script.py"
    script.write_text(HANDSHAKE_SCRIPT)
    done = _run(["-m", "sspi_compat.pywin32", str(script), "HTTP/server.sspi.test", "7"])
    assert done.returncode == 7, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "client True HTTP/server.sspi.test@SSPI.TEST"
    assert lines[1] == "server True alice@SSPI.TEST"
    assert lines[2] == "module sspi_compat.pywin32.win32security"
    assert lines[3] == "error -2146893053 InitializeSecurityContext"


def test_script_directory_comes_first_on_sys_path(tmp_path: Path) -> None:
    (tmp_path / "helper_mod.py").write_text("VALUE = 'found'\n")
    script = tmp_path / "main.py"
    script.write_text("import helper_mod, sys, sspicon\n"
                      "print(helper_mod.VALUE, sys.argv[1:], __name__,\n"
                      "      sspicon.SECBUFFER_READONLY)\n")
    done = _run(["-m", "sspi_compat.pywin32", str(script), "a", "b"], cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "found ['a', 'b'] __main__ -2147483648"


def test_module_mode_and_errors(tmp_path: Path) -> None:
    (tmp_path / "pkg_main.py").write_text("import sys, win32api\nprint(sys.argv[1:], "
                                          "win32api.GetUserName() != '')\n")
    done = _run(["-m", "sspi_compat.pywin32", "-m", "pkg_main", "x"], cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['x'] True"

    missing = _run(["-m", "sspi_compat.pywin32", str(tmp_path / "nope.py")])
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    usage = _run(["-m", "sspi_compat.pywin32"])
    assert usage.returncode == 2 and "usage:" in usage.stderr

    failing = tmp_path / "failing.py"
    failing.write_text("import win32security\nwin32security.QuerySecurityPackageInfo('x')\n")
    crashed = _run(["-m", "sspi_compat.pywin32", str(failing)])
    assert crashed.returncode == 1
    assert ("pywintypes.error: (-2146893051, 'QuerySecurityPackageInfo', "
            "'The requested security package does not exist')") in crashed.stderr


def test_real_pywin32_wins_unless_forced(tmp_path: Path) -> None:
    """A ``win32security`` found on sys.path stands for real pywin32."""
    fake = tmp_path / "fake_pywin32"
    fake.mkdir()
    (fake / "win32security.py").write_text("REAL = True\n")
    script = tmp_path / "which.py"
    script.write_text("import win32security\nprint(getattr(win32security, 'REAL', False))\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(fake)
    plain = _run(["-m", "sspi_compat.pywin32", str(script)], env=env)
    assert plain.stdout.strip() == "True", plain.stderr
    forced = _run(["-m", "sspi_compat.pywin32", "--force", str(script)], env=env)
    assert forced.stdout.strip() == "False", forced.stderr


def test_install_and_uninstall_in_a_fresh_interpreter() -> None:
    code = textwrap.dedent('''\
        import sys
        import sspi_compat.pywin32 as facade
        assert "win32security" not in sys.modules
        assert not facade.installed()
        assert facade.install() is True and facade.installed()
        assert facade.install() is True  # idempotent
        import win32security, sspi, sspicon, pywintypes, win32api
        assert win32security is facade.win32security and sspi is facade.sspi
        assert sspi.error is pywintypes.error
        facade.uninstall()
        assert not any(n in sys.modules for n in facade.MODULE_NAMES)
        sys.modules["sspi"] = other = type(sys)("sspi")   # some unrelated module
        facade.install()
        assert sys.modules["sspi"] is facade.sspi           # replaced, as documented
        facade.uninstall()
        print("ok")
    ''')
    done = _run(["-c", code])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
