"""Throwaway Kerberos realms for tests, and a pytest plugin that provides them.

Stand-alone: nothing here imports gssapi or the rest of sspi_compat; the
realms run MIT's programs (krb5kdc, kdb5_util, kadmin.local, kinit) with
subprocess. See docs/testing.md.
"""

from __future__ import annotations

from sspi_compat.testing._realm import DEFAULT_REALM, ENV_VARIABLES, Realm, random_password
from sspi_compat.testing._tools import KerberosToolsMissingError, RealmError, find_tools
from sspi_compat.testing.mit import DEFAULT_ENCTYPES, RC4_ENCTYPE, CommandError, MITRealm
from sspi_compat.testing.ports import find_free_port, port_is_open, wait_for_port

__all__ = [
    "DEFAULT_ENCTYPES",
    "DEFAULT_REALM",
    "ENV_VARIABLES",
    "RC4_ENCTYPE",
    "CommandError",
    "KerberosToolsMissingError",
    "MITRealm",
    "Realm",
    "RealmError",
    "find_free_port",
    "find_tools",
    "port_is_open",
    "random_password",
    "wait_for_port",
]
