"""Who the calling thread acts for: GetUserName / GetUserNameEx.

These are not SSPI functions (advapi32 and secur32), but servers that
impersonate a client ask them, so the answer must follow
ImpersonateSecurityContext.  Python has no WCHAR buffers, so they are
shaped as pywin32's ``win32api.GetUserName()`` / ``GetUserNameEx(format)``
are: they return the name, or ``None`` where Windows returns FALSE
(``ERROR_NONE_MAPPED``: no name of that format exists).

Answers:

=====================  ===============================  ==========================
call                   impersonating ``alice@SSPI.TEST``  not impersonating
=====================  ===============================  ==========================
``GetUserName()``      ``alice``                        the Unix user (effective
                                                        uid), as Windows names the
                                                        account the process runs as
``NameSamCompatible``  ``SSPI\\alice`` (first realm     ``HOST\\user`` (short host
                       label as the NetBIOS domain)     name upper-cased), Windows'
                                                        form for a local account
``NameUserPrincipal``  ``alice@SSPI.TEST``              the default ccache's
                                                        principal (the "logon
                                                        session"), None without one
``NameDnsDomain``      ``SSPI.TEST\\alice``             None (a local account)
``NameDisplay``        ``alice``                        the GECOS full name, else
                                                        the user name
other formats          None                             None
=====================  ===============================  ==========================

An NTLM client name ``DOMAIN\\user`` gives ``user``, ``DOMAIN\\user`` for
NameSamCompatible and None for the Kerberos-only formats.

Differences: there is no directory to ask, so NameFullyQualifiedDN,
NameCanonical, NameUniqueId, NameGivenName and the like are never known.
"""

from __future__ import annotations

import os
import socket
from typing import Optional, Tuple

from ._misuse import MisuseError
from .packages import impersonation

__all__ = [
    "GetUserName",
    "GetUserNameEx",
    "NameCanonical",
    "NameCanonicalEx",
    "NameDisplay",
    "NameDnsDomain",
    "NameFullyQualifiedDN",
    "NameGivenName",
    "NameSamCompatible",
    "NameServicePrincipal",
    "NameSurname",
    "NameUniqueId",
    "NameUnknown",
    "NameUserPrincipal",
]

# EXTENDED_NAME_FORMAT (secext.h)
NameUnknown = 0
NameFullyQualifiedDN = 1
NameSamCompatible = 2
NameDisplay = 3
NameUniqueId = 6
NameCanonical = 7
NameUserPrincipal = 8
NameCanonicalEx = 9
NameServicePrincipal = 10
NameDnsDomain = 12
NameGivenName = 13
NameSurname = 14


def _unix_user() -> Tuple[str, str]:
    """(login name, GECOS full name or "") of the effective uid."""
    try:
        import pwd

        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_name, entry.pw_gecos.split(",", 1)[0]
    except (ImportError, KeyError, OSError):
        for var in ("LOGNAME", "USER", "USERNAME"):
            if os.environ.get(var):
                return os.environ[var], ""
        return str(os.geteuid()), ""


def _split_client(name: str) -> Tuple[str, Optional[str], Optional[str]]:
    """(account, NetBIOS-style domain, Kerberos realm) of a client name."""
    if "\\" in name:  # NTLM: DOMAIN\user
        domain, _, user = name.partition("\\")
        return user, domain or None, None
    user, at, realm = name.rpartition("@")
    if not at or not user:
        return name, None, None
    return user, realm.split(".", 1)[0], realm


def GetUserName() -> str:
    """GetUserName: the impersonated client's account name, else the Unix user."""
    record = impersonation.current()
    if record is not None:
        return _split_client(record.client_name)[0]
    return _unix_user()[0]


def GetUserNameEx(NameFormat: int) -> Optional[str]:
    """GetUserNameEx: the name in ``NameFormat``, or None (Windows: ERROR_NONE_MAPPED).

    See the module table for what each format gives.
    """
    if isinstance(NameFormat, bool) or not isinstance(NameFormat, int):
        raise MisuseError(f"NameFormat must be an int, not {type(NameFormat).__name__}")
    record = impersonation.current()
    if record is not None:
        user, domain, realm = _split_client(record.client_name)
        if NameFormat == NameSamCompatible:
            return f"{domain}\\{user}" if domain else user
        if NameFormat == NameUserPrincipal:
            return f"{user}@{realm}" if realm else None
        if NameFormat == NameDnsDomain:
            return f"{realm}\\{user}" if realm else None
        if NameFormat == NameDisplay:
            return user
        return None
    login, gecos = _unix_user()
    if NameFormat == NameSamCompatible:
        host = socket.gethostname().split(".", 1)[0].upper() or "LOCALHOST"
        return f"{host}\\{login}"
    if NameFormat == NameUserPrincipal:
        return impersonation.logon_principal()
    if NameFormat == NameDisplay:
        return gecos or login
    return None
