"""Target names: Windows SPNs and UPNs -> GSS names.

Windows' ``pszTargetName`` for Kerberos is an SPN
(``service/host[:port][/service-name][@REALM]``) or a UPN (``user@domain``).
GSS has two name forms that matter here, and each SPN shape goes to the one
that keeps its meaning:

=================================  =========================================
pszTargetName                      GSS name
=================================  =========================================
``HTTP/web.example.com``           host-based ``HTTP@web.example.com``: the
                                   realm comes from ``[domain_realm]`` /
                                   referrals, as a Windows client finds the
                                   realm of a host; MIT canonicalises the
                                   host per ``dns_canonicalize_hostname``.
``MSSQLSvc/db.example.com:1433``   krb5 principal, unchanged, in the default
``ldap/dc.example.com/example.com`` realm: a port or a third component has
                                   no host-based form.
``HTTP/web.example.com@REALM``     krb5 principal with that realm.
``user@example.com`` (UPN)         krb5 principal ``user@EXAMPLE.COM``: a
                                   lowercase realm part is uppercased, since
                                   Windows treats the UPN suffix without
                                   regard to case and Kerberos realms of AD
                                   domains are the uppercased DNS name.
``name`` (no ``/`` nor ``@``)      krb5 principal in the default realm.
=================================  =========================================

An empty name, embedded NULs or a name of only separators is not a name:
``parse_target`` raises ValueError and the API answers SEC_E_TARGET_UNKNOWN.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

__all__ = ["TargetName", "parse_target"]


class TargetName(NamedTuple):
    """What the gss layer imports: ``text`` as a host-based or a krb5 name."""

    text: str
    hostbased: bool


def _realm(realm: str) -> str:
    return realm.upper() if realm == realm.lower() else realm


@functools.lru_cache(maxsize=512)
def parse_target(target: str) -> TargetName:
    """Turn an SPN or UPN into the GSS name to import (see the module table).

    Cached: a program talks to a handful of services, and this runs on the
    first leg of every handshake.  (Pure text work: no realm is looked up.)
    """
    target = target.rstrip("\0")
    if not target or "\0" in target or target.strip("/@") == "":
        raise ValueError("empty or malformed target name")
    if target.endswith("@"):
        target = target[:-1]
    if "/" in target:
        spn, sep, realm = target.rpartition("@") if "@" in target.split("/", 1)[1] else (
            target, "", "")
        parts = spn.split("/")
        if any(not p for p in parts):
            raise ValueError("SPN has an empty component")
        if sep:
            return TargetName(f"{spn}@{_realm(realm)}", False)
        if len(parts) == 2 and ":" not in parts[1]:
            return TargetName(f"{parts[0]}@{parts[1]}", True)
        return TargetName(spn, False)
    if "@" in target:
        user, _, realm = target.rpartition("@")
        if not user or not realm:
            raise ValueError("UPN has an empty part")
        return TargetName(f"{user}@{_realm(realm)}", False)
    return TargetName(target, False)
