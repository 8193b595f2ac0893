"""``win32api``: the calls SSPI code makes — ``GetUserName``, ``GetUserNameEx``, ``error``.

Windows answers ``GetUserName`` from the calling thread's token: the
account the process runs as, or the client while a server impersonates it
(``ImpersonateSecurityContext`` until ``RevertSecurityContext``).  Both
functions here are the core API's ``GetUserName`` / ``GetUserNameEx``, which
follow the core's impersonation state, shaped as pywin32's:

- ``GetUserName()``: the impersonated client's account name (``alice``),
  else the Unix user the process runs as;
- ``GetUserNameEx(format)``: the name in that ``EXTENDED_NAME_FORMAT``
  (``NameSamCompatible`` -> ``SSPI\\alice``, ``NameUserPrincipal`` ->
  ``alice@SSPI.TEST``, ...; see ``sspi_compat.GetUserNameEx``).  Where the
  core has no name of that format (Windows' ``ERROR_NONE_MAPPED``), pywin32
  raises ``error(1332, "GetUserNameExW", "No mapping between account names
  and security IDs was done.")`` and so does this; a number that is no
  ``EXTENDED_NAME_FORMAT`` at all raises ``ERROR_INVALID_PARAMETER`` (87).

The ``Name*`` constants are the nine pywin32's ``win32api`` defines plus
``NameDnsDomain``, ``NameGivenName`` and ``NameSurname`` (``win32con``).

Differences: there are no Windows tokens; without impersonation the user is
the Unix account, which need not be a Kerberos principal (pywin32's
``targetspn=win32api.GetUserName()`` idiom then needs a principal of that
name, as on Windows the logged-on user is one).
"""

from __future__ import annotations

import socket

import sspi_compat as core

from . import pywintypes

__all__ = [
    "GetComputerName",
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
    "error",
]

error = pywintypes.error

# EXTENDED_NAME_FORMAT (secext.h), the core's values.
NameUnknown: int = core.NameUnknown
NameFullyQualifiedDN: int = core.NameFullyQualifiedDN
NameSamCompatible: int = core.NameSamCompatible
NameDisplay: int = core.NameDisplay
NameUniqueId: int = core.NameUniqueId
NameCanonical: int = core.NameCanonical
NameUserPrincipal: int = core.NameUserPrincipal
NameCanonicalEx: int = core.NameCanonicalEx
NameServicePrincipal: int = core.NameServicePrincipal
NameDnsDomain: int = core.NameDnsDomain
NameGivenName: int = core.NameGivenName
NameSurname: int = core.NameSurname

_FORMATS = frozenset({NameFullyQualifiedDN, NameSamCompatible, NameDisplay, NameUniqueId,
                      NameCanonical, NameUserPrincipal, NameCanonicalEx, NameServicePrincipal,
                      NameDnsDomain, NameGivenName, NameSurname})
_ERROR_INVALID_PARAMETER = (87, "The parameter is incorrect.")
_ERROR_NONE_MAPPED = (1332, "No mapping between account names and security IDs was done.")


def GetUserName() -> str:
    """The account the calling thread acts for (the client while impersonating)."""
    return core.GetUserName()


def GetUserNameEx(NameFormat: int) -> str:
    """The calling thread's user in an ``EXTENDED_NAME_FORMAT``; raises if there is none."""
    if isinstance(NameFormat, bool) or not isinstance(NameFormat, int):
        raise TypeError(f"'{type(NameFormat).__name__}' object cannot be interpreted "
                        "as an integer")
    if NameFormat not in _FORMATS:
        raise error(_ERROR_INVALID_PARAMETER[0], "GetUserNameExW", _ERROR_INVALID_PARAMETER[1])
    name = core.GetUserNameEx(NameFormat)
    if name is None:
        raise error(_ERROR_NONE_MAPPED[0], "GetUserNameExW", _ERROR_NONE_MAPPED[1])
    return name


def GetComputerName() -> str:
    """The NetBIOS-style computer name: this host's short name, upper-cased."""
    return socket.gethostname().split(".")[0].upper()
