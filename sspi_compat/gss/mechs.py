"""Mechanisms that are not built into the GSS library: finding gss-ntlmssp.

MIT's mechglue reads the list of loadable mechanisms from ``/etc/gss/mech``
and ``/etc/gss/mech.d/*.conf`` -- or, when the environment variable
``GSS_MECH_CONFIG`` is set, from that one file *instead*.  What the variable
does, read from MIT krb5 1.20.1 ``src/lib/gssapi/mechglue/g_initialize.c``
(``loadConfigFiles``, ``load_if_changed``, ``addConfigEntry``) and checked
here (``tests/integration/test_ntlm.py``):

* it names one file (not a directory, not a pattern); when set, the files
  under /etc are not read at all;
* it is read with ``secure_getenv``: a set-uid/set-gid program ignores it;
* the configuration is read lazily, by the first mechglue call that needs
  the mechanism list, then re-read at most once per wall-clock second and
  only when the file's mtime (or its symlink target's) is newer than the
  newest file loaded so far;
* entries are only ever added: a mechanism once listed stays listed for the
  life of the process, a loaded one is never replaced; krb5, SPNEGO and
  IAKERB are built in and always present;
* each line is ``name OID library [kernel-module] [options] <type>``; a
  relative library path is taken under MIT's plugin directory.

So the package registers gss-ntlmssp without writing to /etc: when the GSS
library does not list the NTLM mechanism but the gss-ntlmssp library is
found, it writes a private mechanism file (the lines GSS would have read
anyway, plus one for gss-ntlmssp), points ``GSS_MECH_CONFIG`` at it for one
forced re-read (``gss_indicate_mechs``), then restores the environment and
deletes the file: the entry stays in the process, and child processes do
not inherit a variable pointing at a deleted file.

The library is looked for at ``$SSPI_COMPAT_GSSNTLMSSP`` when that is set (an
empty value turns the search off) and otherwise at the places distributions
install it (:data:`LIBRARY_CANDIDATES`).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sysconfig
import tempfile
import threading
import time
from typing import List, NamedTuple, Optional

import gssapi.raw as gr
from gssapi.raw import GSSError

from . import _library

__all__ = ["LIBRARY_CANDIDATES", "LIBRARY_ENV", "REMEDY", "NtlmStatus", "ntlm_status"]

log = logging.getLogger("sspi_compat")

NTLM_OID = "1.3.6.1.4.1.311.2.2.10"
LIBRARY_ENV = "SSPI_COMPAT_GSSNTLMSSP"
MECH_CONFIG_ENV = "GSS_MECH_CONFIG"
SYSTEM_CONFIG = "/etc/gss/mech"
SYSTEM_CONFIG_DIR = "/etc/gss/mech.d"
_GSS_S_BAD_MECH = 1 << 16


def _candidates() -> List[str]:
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [f"/usr/lib/{multiarch}" if multiarch else "", "/usr/lib64", "/usr/lib",
            "/usr/local/lib64", "/usr/local/lib", "/opt/homebrew/lib"]
    return [os.path.join(d, "gssntlmssp", "gssntlmssp.so") for d in dirs if d]


LIBRARY_CANDIDATES = tuple(_candidates())

REMEDY = (
    "the NTLM mechanism gss-ntlmssp is not installed: install it (Debian/Ubuntu: "
    "apt-get install gss-ntlmssp; Fedora/RHEL: dnf install gssntlmssp), or set "
    f"{LIBRARY_ENV} to the path of its gssntlmssp.so (nothing under /etc is needed)"
)


class NtlmStatus(NamedTuple):
    """Whether GSS can use gss-ntlmssp, how it was found, and what to do if not."""

    available: bool
    how: str  # "registered" (GSS already listed it), "private-config", or "absent"
    library: Optional[str]
    detail: str


_lock = threading.Lock()
_status: Optional[NtlmStatus] = None


def _oid() -> gr.OID:
    return gr.OID.from_int_seq(NTLM_OID)


def _listed() -> bool:
    try:
        return _oid() in gr.indicate_mechs()
    except GSSError:
        return False


def _loadable() -> bool:
    """Its library loads: gss_inquire_attrs_for_mech loads the mechanism and
    answers GSS_S_BAD_MECH when it cannot (any other answer means it loaded)."""
    try:
        gr.inquire_attrs_for_mech(_oid())
        return True
    except GSSError as err:
        return err.maj_code & (0xFF << 16) != _GSS_S_BAD_MECH


def _find_library() -> Optional[str]:
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit is not None:
        return explicit if explicit and os.path.isfile(explicit) else None
    for path in LIBRARY_CANDIDATES:
        if os.path.isfile(path):
            return path
    return None


def _config_lines() -> List[str]:
    """The mechanism lines GSS reads without us, NTLM's own left out."""
    current = os.environ.get(MECH_CONFIG_ENV)
    files = [current] if current is not None else (
        [SYSTEM_CONFIG, *sorted(glob.glob(os.path.join(SYSTEM_CONFIG_DIR, "*.conf")))])
    lines: List[str] = []
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    fields = line.split()
                    if line.startswith("#") or len(fields) < 3 or fields[1] == NTLM_OID:
                        continue
                    lines.append(line.rstrip("\n"))
        except OSError:
            continue
    return lines


def _register(library: str) -> bool:
    """Point GSS_MECH_CONFIG at a private file listing ``library``, force a re-read."""
    workdir = tempfile.mkdtemp(prefix="sspi-compat-gss-")  # mode 0700, ours
    path = os.path.join(workdir, "mech")
    previous = os.environ.get(MECH_CONFIG_ENV)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write("# written by sspi_compat (gss/mechs.py)\n")
            for line in _config_lines():
                fh.write(line + "\n")
            fh.write(f"gssntlmssp_v1\t{NTLM_OID}\t{library}\n")
        # Newer than anything GSS loaded before, even a file touched this second.
        future = time.time() + 2
        os.utime(path, (future, future))
        os.environ[MECH_CONFIG_ENV] = path
        if _listed():
            return True
        # MIT re-reads at most once per second: wait for the next one, once.
        time.sleep(1.0 - (time.time() % 1.0) + 0.01)
        return _listed()
    finally:
        if previous is None:
            os.environ.pop(MECH_CONFIG_ENV, None)
        else:
            os.environ[MECH_CONFIG_ENV] = previous
        shutil.rmtree(workdir, ignore_errors=True)


def ntlm_status(refresh: bool = False) -> NtlmStatus:
    """Find gss-ntlmssp once per process (see the module docstring).

    The first call that finds it missing logs a warning with :data:`REMEDY`.
    """
    global _status
    with _lock:
        if _status is not None and not refresh:
            return _status
        library = None
        if _library.is_heimdal():
            status = NtlmStatus(False, "absent", None, _library.HEIMDAL_UNSUPPORTED["ntlm"])
        elif _listed() and _loadable():
            status = NtlmStatus(True, "registered", None, "listed by the GSS library")
        else:
            library = _find_library()
            if library is None:
                status = NtlmStatus(False, "absent", None, "gss-ntlmssp library not found")
            elif _register(library) and _loadable():
                status = NtlmStatus(True, "private-config", library,
                                    f"registered through {MECH_CONFIG_ENV}")
            else:
                status = NtlmStatus(False, "absent", library,
                                    f"{library} could not be loaded as a GSS mechanism")
        if not status.available:
            if _library.is_heimdal():  # installing gss-ntlmssp would not help
                log.warning("NTLM: %s", status.detail)
            else:
                log.warning("NTLM: %s; %s", status.detail, REMEDY)
        _status = status
        return status
