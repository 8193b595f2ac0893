"""``SEC_WINNT_AUTH_IDENTITY_EX.PackageList``: which packages Negotiate may use.

The field is a comma-separated list of package names, matched without regard
to case and surrounding blanks; a name prefixed with ``!`` is excluded
(``"!ntlm"``: anything but NTLM; ``"Kerberos"``: Kerberos only;
``"kerberos,!ntlm"``).  With no positive entry every package Negotiate knows
is a candidate.  The list filters; it does not reorder: Negotiate always
prefers Kerberos to NTLM, as Windows does.

Names Windows accepts there but that have no implementation here
(``NegoExtender``, ``pku2u``, ``CloudAP``, ``LiveSSP``) select nothing
(``"!pku2u"`` changes nothing, ``"pku2u"`` alone leaves no package).  Any
other name -- ``Negotiate`` itself included -- is an error
(:class:`ValueError`; the package answers ``SEC_E_SECPKG_NOT_FOUND``), as is a
list that leaves no package.
"""

from __future__ import annotations

from typing import Final, Optional, Sequence, Tuple

__all__ = ["NEGOTIABLE", "parse_package_list"]

# Negotiate's sub-packages, in its order of preference (lower-case names).
NEGOTIABLE: Final = ("kerberos", "ntlm")

_IGNORED: Final = frozenset({"negoextender", "pku2u", "cloudap", "livessp"})


def parse_package_list(text: Optional[str],
                       available: Sequence[str] = NEGOTIABLE) -> Optional[Tuple[str, ...]]:
    """The packages (lower-case, in preference order) a PackageList allows.

    ``None`` or a blank list means "no restriction" (returns None).
    ``available`` are the sub-packages that can work here; a list whose
    allowed packages are all unavailable raises ValueError.
    """
    if text is None or not text.strip():
        return None
    wanted = []
    excluded = set()
    positive = False  # a package was named (even one with no implementation here)
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        negate = entry.startswith("!")
        name = entry[1:].strip().lower() if negate else entry.lower()
        positive = positive or not negate
        if name in _IGNORED:
            continue
        if name not in NEGOTIABLE:
            raise ValueError(f"unknown package in PackageList: {name!r}")
        (excluded.add(name) if negate else wanted.append(name))
    base = wanted if positive else list(NEGOTIABLE)
    allowed = tuple(p for p in NEGOTIABLE if p in base and p not in excluded and p in available)
    if not allowed:
        raise ValueError("PackageList leaves no package to negotiate")
    return allowed
