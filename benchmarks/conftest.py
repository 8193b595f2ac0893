"""Benchmarks share one realm and report each group's ratios to the raw baseline.

Run with ``./run bench`` (or ``pytest benchmarks``).  Within a group, the
benchmark named ``raw`` (python-gssapi's raw C bindings) is the baseline and
every other entry is reported as a ratio of medians; DESIGN.md §7 sets the
targets (handshake <= 1.10x raw, 100-byte Encrypt+Decrypt <= 1.5x raw
wrap+unwrap, 1 MiB >= 0.9x raw throughput).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest


@pytest.fixture(scope="module")
def realm_env(krb5_realm: Any) -> Iterator[Any]:
    """The realm's environment, active for the whole benchmark module."""
    with krb5_realm.activate():
        yield krb5_realm


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups: Dict[str, Dict[str, float]] = {}
    for bench in session.benchmarks:
        name = bench.name.split("[", 1)[-1].rstrip("]") if "[" in bench.name else bench.name
        groups.setdefault(bench.group or "", {})[name] = bench.stats.median
    terminalreporter.section("ratios to raw python-gssapi (median)")
    for group, entries in sorted(groups.items()):
        base = entries.get("raw")
        for name, median in sorted(entries.items(), key=lambda kv: kv[1]):
            ratio = f"{median / base:5.2f}x" if base else "  n/a"
            terminalreporter.write_line(f"{group:<28} {name:<14} {median * 1e6:10.1f} us  {ratio}")
