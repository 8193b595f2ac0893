"""Security packages: one module per SSPI package, all built on the mapping layer.

``find_package(name)`` resolves a package name case-insensitively, as
Windows does; ``all_packages()`` lists them in EnumerateSecurityPackages
order.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from ._base import Context, Credential, SecurityPackage
from .kerberos import KerberosPackage

__all__ = ["Context", "Credential", "SecurityPackage", "all_packages", "find_package"]

_PACKAGES: List[SecurityPackage] = [KerberosPackage()]
_BY_NAME: Dict[str, SecurityPackage] = {p.name.lower(): p for p in _PACKAGES}


def register(package: SecurityPackage) -> None:
    """Add a package (Negotiate, NTLM) to the registry."""
    _PACKAGES.append(package)
    _BY_NAME[package.name.lower()] = package


def all_packages() -> List[SecurityPackage]:
    return list(_PACKAGES)


def find_package(name: str) -> Optional[SecurityPackage]:
    return _BY_NAME.get(name.lower())
