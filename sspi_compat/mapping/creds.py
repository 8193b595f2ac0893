"""Credential requests: SEC_WINNT_AUTH_IDENTITY and pszPrincipal -> krb5 principals.

Windows accepts the user as ``user`` with a separate ``Domain``, as
``DOMAIN\\user``, or as a UPN ``user@domain``.  Each becomes the Kerberos
principal ``user@REALM`` where the realm is the domain uppercased when it
is written in lower case (AD realms are the uppercased DNS domain; a
NetBIOS-style ``CORP`` is used as is).  No domain means the default realm.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

__all__ = ["LogonRequest", "logon_request", "principal_from_parts"]


class LogonRequest(NamedTuple):
    """Who to log on as.  ``password`` None means "from the ccache"."""

    principal: Optional[str]
    password: Optional[str]

    def __repr__(self) -> str:  # never show the password
        return f"LogonRequest(principal={self.principal!r}, password=<hidden>)"


def _realm(domain: str) -> str:
    return domain.upper() if domain == domain.lower() else domain


def principal_from_parts(user: Optional[str], domain: Optional[str]) -> Optional[str]:
    """``user`` + ``domain`` in any Windows spelling -> ``user@REALM`` (or None)."""
    if not user:
        return None
    if "\\" in user and not domain:
        domain, _, user = user.partition("\\")
    if "@" in user:
        name, _, realm = user.rpartition("@")
        return f"{name}@{_realm(realm)}" if name and realm else None
    if domain:
        return f"{user}@{_realm(domain)}"
    return user


def logon_request(user: Optional[str], domain: Optional[str],
                  password: Optional[str]) -> LogonRequest:
    return LogonRequest(principal_from_parts(user, domain), password or None)
