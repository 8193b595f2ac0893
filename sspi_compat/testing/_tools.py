"""Locating MIT Kerberos' programs, and the error that says what to install."""

from __future__ import annotations

import os
import shutil
from typing import Final, Iterable, Mapping, Optional, Sequence

__all__ = [
    "MIT_PACKAGES",
    "MIT_TOOLS",
    "KerberosToolsMissingError",
    "RealmError",
    "find_tools",
]

#: Program -> the Debian/Ubuntu package that ships it.
MIT_PACKAGES: Final[Mapping[str, str]] = {
    "krb5kdc": "krb5-kdc",
    "kdb5_util": "krb5-kdc",
    "kadmin.local": "krb5-admin-server",
    "kinit": "krb5-user",
    "klist": "krb5-user",
    "kvno": "krb5-user",
}

#: The programs an MIT realm needs.
MIT_TOOLS: Final[Sequence[str]] = tuple(MIT_PACKAGES)

# The daemons and admin tools live in sbin, which is often not on a user's PATH.
_EXTRA_DIRS: Final = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin")


class RealmError(RuntimeError):
    """A test realm could not be set up, started or queried."""


class KerberosToolsMissingError(RealmError):
    """MIT Kerberos' programs are not installed: the message says which package."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        packages = sorted({MIT_PACKAGES.get(tool, "krb5-user") for tool in self.missing})
        super().__init__(
            "MIT Kerberos programs not found: "
            + ", ".join(self.missing)
            + ". A throwaway KDC needs them. On Debian/Ubuntu: "
            + "sudo apt-get install "
            + " ".join(packages)
            + " (all of MIT's: krb5-kdc krb5-admin-server krb5-user libkrb5-dev); "
            + "on Fedora/RHEL: krb5-server krb5-workstation. "
            + "Heimdal's programs are not a substitute."
        )


def find_tools(
    tools: Iterable[str] = MIT_TOOLS, search_dirs: Optional[Sequence[str]] = None
) -> dict[str, str]:
    """Map each program name to its absolute path.

    ``search_dirs`` (if given) is searched first, then ``$PATH``, then the usual
    sbin/bin directories. Raises :class:`KerberosToolsMissingError` naming every
    program that was not found.
    """
    dirs = list(search_dirs or ())
    dirs += [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    dirs += list(_EXTRA_DIRS)
    path = os.pathsep.join(dict.fromkeys(dirs))
    found: dict[str, str] = {}
    missing: list[str] = []
    for tool in tools:
        where = shutil.which(tool, path=path)
        if where is None:
            missing.append(tool)
        else:
            found[tool] = where
    if missing:
        raise KerberosToolsMissingError(missing)
    return found
