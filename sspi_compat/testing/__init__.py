"""Throwaway Kerberos realms for tests, and a pytest plugin that provides them.

Stand-alone: nothing here imports gssapi or the rest of sspi_compat; the
realms run the KDC's own programs with subprocess -- MIT's (krb5kdc,
kdb5_util, kadmin.local, kinit) or Heimdal's (kdc, kadmin -l, kinit, from the
private prefix scripts/heimdal-prefix.sh makes) -- and an external realm
(Active Directory, FreeIPA, a KDC container) can stand in for them. See
docs/testing.md and docs/heimdal.md.
"""

from __future__ import annotations

from sspi_compat.testing._realm import (
    DEFAULT_REALM,
    ENV_VARIABLES,
    KDC_ENV,
    KDC_KINDS,
    KDCRealm,
    Realm,
    kdc_kind,
    make_realm,
    random_password,
    realm_class,
)
from sspi_compat.testing._tools import KerberosToolsMissingError, RealmError, find_tools
from sspi_compat.testing.external import (
    EXTERNAL_ENV,
    ExternalRealm,
    ExternalRealmError,
    RealmAdministrationError,
    external_mode,
)
from sspi_compat.testing.heimdal import HeimdalRealm, HeimdalToolsMissingError, find_heimdal
from sspi_compat.testing.mit import DEFAULT_ENCTYPES, RC4_ENCTYPE, CommandError, MITRealm
from sspi_compat.testing.ports import find_free_port, port_is_open, wait_for_port

__all__ = [
    "DEFAULT_ENCTYPES",
    "DEFAULT_REALM",
    "ENV_VARIABLES",
    "EXTERNAL_ENV",
    "KDC_ENV",
    "KDC_KINDS",
    "RC4_ENCTYPE",
    "CommandError",
    "ExternalRealm",
    "ExternalRealmError",
    "HeimdalRealm",
    "HeimdalToolsMissingError",
    "KDCRealm",
    "KerberosToolsMissingError",
    "MITRealm",
    "Realm",
    "RealmAdministrationError",
    "RealmError",
    "external_mode",
    "find_free_port",
    "find_heimdal",
    "find_tools",
    "kdc_kind",
    "make_realm",
    "port_is_open",
    "random_password",
    "realm_class",
    "wait_for_port",
]
