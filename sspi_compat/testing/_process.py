"""Child daemons that cannot outlive the test process, and stopping them by PID.

A daemon is started with ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` (Linux), so the
kernel sends it SIGTERM when the thread that started it dies -- including when
pytest is killed with SIGKILL and no ``finally`` or ``atexit`` runs. It also
gets its own session, so a Ctrl-C in the terminal reaches only the Python
process, which then stops the daemon in order.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from typing import IO, Callable, Final, Mapping, Optional, Sequence, Union

__all__ = ["spawn_daemon", "stop_process"]

_PR_SET_PDEATHSIG: Final = 1


def _load_prctl() -> Optional[Callable[..., int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        prctl: Callable[..., int] = libc.prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Resolved once, in the parent: nothing may be loaded between fork and exec.
_PRCTL: Final = _load_prctl()


def _pdeathsig_preexec(parent_pid: int) -> Optional[Callable[[], None]]:
    prctl = _PRCTL
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        # The parent may have died between fork() and prctl(): then nobody
        # would ever send the signal.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


def spawn_daemon(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    output: Union[IO[bytes], int],
    cwd: Optional[str] = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` as a child that dies with this process.

    stdin is /dev/null, stdout and stderr go to ``output`` (a file: a pipe
    nobody reads would eventually block the daemon).

    Caveat: PR_SET_PDEATHSIG follows the *thread* that forked; start daemons
    from a thread that lives as long as they should (pytest's main thread).
    """
    return subprocess.Popen(
        list(argv),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        close_fds=True,
        start_new_session=True,
        preexec_fn=_pdeathsig_preexec(os.getpid()),
    )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> Optional[int]:
    """Stop ``proc`` by its PID: SIGTERM, then SIGKILL after ``timeout``; reap it.

    Returns the exit status (``None`` only if even SIGKILL did not reap it).
    Safe to call on a process that already exited.
    """
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)
    except ProcessLookupError:
        return proc.wait()
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None
