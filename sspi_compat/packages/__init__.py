"""Security packages: one module per SSPI package, all built on the mapping layer.

``find_package(name)`` resolves a package name case-insensitively, as
Windows does; ``all_packages()`` lists them in EnumerateSecurityPackages
order.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from ._base import Context, Credential, SecurityPackage
from .kerberos import KerberosPackage
from .negotiate import NegotiatePackage
from .ntlm import NtlmPackage

__all__ = ["Context", "Credential", "SecurityPackage", "all_packages", "find_package"]

# EnumerateSecurityPackages order, as Windows lists them: Negotiate, Kerberos, NTLM.
_KERBEROS = KerberosPackage()
_NTLM = NtlmPackage()
_NEGOTIATE = NegotiatePackage(_KERBEROS, _NTLM)
_PACKAGES: List[SecurityPackage] = [_NEGOTIATE, _KERBEROS, _NTLM]
_BY_NAME: Dict[str, SecurityPackage] = {p.name.lower(): p for p in _PACKAGES}


def register(package: SecurityPackage) -> None:
    """Add a package (Negotiate, NTLM) to the registry."""
    _PACKAGES.append(package)
    _BY_NAME[package.name.lower()] = package


def all_packages() -> List[SecurityPackage]:
    """The packages that can work here (NTLM only when gss-ntlmssp is found)."""
    return [p for p in _PACKAGES if p.available()]


def find_package(name: str) -> Optional[SecurityPackage]:
    """The package named ``name`` in any case, None if unknown or unavailable."""
    pkg = _BY_NAME.get(name.lower())
    return pkg if pkg is not None and pkg.available() else None
