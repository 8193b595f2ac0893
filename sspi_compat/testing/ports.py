"""Free loopback ports and readiness polling for test daemons.

Nothing here uses a fixed port or the wildcard address: a port is chosen by
binding ``127.0.0.1:0`` (TCP and UDP on the same number, since a KDC listens
on both) and released just before the daemon binds it. The window in between
is a race with other processes; callers retry with a new port when the
daemon reports "Address already in use" (see ``MITRealm.start``).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Callable, Final, Optional

__all__ = [
    "LOOPBACK",
    "find_free_port",
    "is_wildcard",
    "port_is_open",
    "wait_for_port",
]

#: The only address the test realms listen on unless told otherwise.
LOOPBACK: Final = "127.0.0.1"

# The IPv4 and IPv6 "any" addresses, spelled from their numeric values.
_WILDCARDS: Final = frozenset({str(ipaddress.IPv4Address(0)), "::", "", "*"})


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means "every interface" (IPv4 any, ``::``)."""
    return host in _WILDCARDS


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def find_free_port(host: str = LOOPBACK, *, udp: bool = True, attempts: int = 50) -> int:
    """Return a port that is free on ``host`` for TCP (and UDP, if ``udp``).

    The kernel picks the number (bind to port 0); with ``udp`` the same number
    must also be bindable for UDP, otherwise another one is tried. The sockets
    are closed before returning, so the port is only *probably* free: treat a
    later bind failure as a reason to call this again.
    """
    family = _family(host)
    for _ in range(attempts):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port: int = tcp.getsockname()[1]
            if not udp:
                return port
            with socket.socket(family, socket.SOCK_DGRAM) as dgram:
                try:
                    dgram.bind((host, port))
                except OSError:
                    continue
                return port
    raise OSError(f"no free TCP+UDP port found on {host} after {attempts} attempts")


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether a TCP connect to ``host:port`` succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(
    host: str,
    port: int,
    timeout: float = 10.0,
    *,
    alive: Optional[Callable[[], bool]] = None,
    interval: float = 0.002,
) -> bool:
    """Poll until ``host:port`` accepts a TCP connection.

    Returns ``True`` when it does, ``False`` on timeout or as soon as
    ``alive()`` (if given) returns ``False`` -- e.g. the daemon exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        if port_is_open(host, port):
            return True
        if alive is not None and not alive():
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
