"""Run a throwaway realm in the foreground: the entry point of docker/ and of humans.

    python -m sspi_compat.testing [--kdc mit|heimdal] [--realm R] [--workdir D] [--port N]
                                  [--bind ADDR] [--kdc-host NAME]
                                  [--json FILE] [--env-file FILE] [--allow-rc4]

Starts an :class:`~sspi_compat.testing.mit.MITRealm` or (``--kdc heimdal``, or
``SSPI_COMPAT_KDC=heimdal``) a :class:`~sspi_compat.testing.heimdal.HeimdalRealm`,
prints its environment
on stdout as ``export K=V`` lines, optionally writes them to ``--env-file``
and a JSON description (with the passwords; mode 0600) to ``--json`` -- both
written atomically *after* the KDC answers, so their appearance means
"ready" -- then keeps the KDC running until SIGTERM, SIGINT or SIGHUP, and
stops it and cleans up. Exit status 0 after a signal, 1 if the KDC died on
its own, 2 if the realm could not start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
from types import FrameType
from typing import Any, Dict, Mapping, Optional, Sequence, TextIO

from sspi_compat.testing._realm import DEFAULT_REALM, KDC_ENV, KDC_KINDS, KDCRealm, make_realm
from sspi_compat.testing._tools import RealmError
from sspi_compat.testing.ports import LOOPBACK

__all__ = ["bootstrap", "export_lines", "main", "serve"]


class _Shutdown(BaseException):
    """Raised from a signal handler to leave :func:`serve`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def export_lines(env: Mapping[str, str]) -> str:
    """``export K=V`` lines (shell-quoted) for ``env``."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())


def _write_atomically(path: str, text: str, mode: int = 0o600) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def bootstrap(
    realm: str = DEFAULT_REALM,
    workdir: Optional[str] = None,
    *,
    port: int = 0,
    bind: str = LOOPBACK,
    allow_rc4: bool = False,
    json_path: Optional[str] = None,
    env_path: Optional[str] = None,
    out: Optional[TextIO] = None,
    kdc: Optional[str] = None,
    kdc_host: Optional[str] = None,
) -> KDCRealm:
    """Start a realm, print its ``export`` lines to ``out``, write the files asked for.

    ``kdc`` is "mit" or "heimdal" (default ``$SSPI_COMPAT_KDC``, else MIT);
    ``kdc_host`` the name clients reach the KDC by (written into krb5.conf).
    Returns the running realm; the caller stops it (or calls :func:`serve`).
    """
    # Files left by an earlier run (a container's volume) must not say "ready".
    for stale in (json_path, env_path):
        if stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
    started = make_realm(
        kdc,
        realm=realm,
        workdir=workdir,
        port=port,
        bind_address=bind,
        kdc_host=kdc_host,
        allow_rc4=allow_rc4,
    )
    started.start()
    try:
        exports = export_lines(started.env)
        if env_path:
            _write_atomically(env_path, exports, 0o644)
        if json_path:
            description: Dict[str, Any] = started.describe(secrets=True)
            description["start_seconds"] = started.start_seconds
            _write_atomically(json_path, json.dumps(description, indent=2) + "\n")
        stream = out if out is not None else sys.stdout
        stream.write(exports)
        stream.flush()
    except BaseException:
        started.stop()
        raise
    return started


def serve(realm: KDCRealm) -> int:
    """Wait until a signal or the KDC's death; stop the realm. Returns an exit status."""
    try:
        status = realm.wait()
    except _Shutdown:
        return 0
    finally:
        realm.stop()
    print(f"{realm.kdc_program} exited on its own with status {status}", file=sys.stderr)
    return 1


def _on_signal(signum: int, frame: Optional[FrameType]) -> None:
    raise _Shutdown(signum)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sspi_compat.testing",
        description="Run a throwaway MIT or Heimdal Kerberos realm until SIGTERM/SIGINT.",
    )
    p.add_argument(
        "--kdc",
        choices=KDC_KINDS,
        default=None,
        help=f"the KDC (default ${KDC_ENV}, else mit); heimdal needs scripts/heimdal-prefix.sh",
    )
    p.add_argument("--realm", default=DEFAULT_REALM, help="realm name (default %(default)s)")
    p.add_argument("--workdir", help="directory for the realm's files (default: a temp dir)")
    p.add_argument("--port", type=int, default=0, help="KDC port; 0 picks a free one")
    p.add_argument(
        "--bind",
        default=LOOPBACK,
        help="KDC listening address (default %(default)s; every interface only inside a container)",
    )
    p.add_argument(
        "--kdc-host",
        default=None,
        help="the address clients reach the KDC by, written into krb5.conf"
        " (default 127.0.0.1 for a wildcard --bind, else --bind)",
    )
    p.add_argument("--allow-rc4", action="store_true", help="add rc4-hmac and HTTP/rc4.<domain>")
    p.add_argument("--json", dest="json_path", help="write a JSON description (with passwords)")
    p.add_argument("--env-file", dest="env_path", help="write the export lines to this file")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _on_signal) for sig in handled}
    try:
        realm = bootstrap(
            args.realm,
            args.workdir,
            port=args.port,
            bind=args.bind,
            allow_rc4=args.allow_rc4,
            json_path=args.json_path,
            env_path=args.env_path,
            kdc=args.kdc,
            kdc_host=args.kdc_host,
        )
        print(
            f"# {realm.realm}: {realm.provider} {realm.kdc_program} pid {realm.kdc_pid} on"
            f" {realm.bind_address}:{realm.port}, workdir {realm.workdir};"
            " SIGTERM or SIGINT stops it",
            file=sys.stderr,
            flush=True,
        )
        return serve(realm)
    except _Shutdown:
        return 0  # a signal during start-up: bootstrap() already cleaned up
    except (RealmError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
