"""Per-enctype facts: algorithm names, key sizes and message overheads.

Sizes are what Windows' Kerberos package writes (measured against sspi-rs
and MIT, DESIGN.md §3): the ``EncryptMessage`` header (TOKEN buffer, with
the rotated trailer folded in) and the ``MakeSignature`` MIC.  RFC 3961 /
RFC 3962 / RFC 8009 / RFC 4757 give the checksum types.
"""

from __future__ import annotations

from typing import Dict, Final, NamedTuple

__all__ = ["ENCTYPES", "Enctype", "enctype_info"]


class Enctype(NamedTuple):
    number: int
    name: str
    key_bits: int
    checksum_type: int
    checksum_name: str
    wrap_header: int  # EncryptMessage TOKEN size, Windows layout
    mic_size: int  # MakeSignature TOKEN size
    dce_header: int  # EncryptMessage TOKEN size for DCE-style contexts


ENCTYPES: Final[Dict[int, Enctype]] = {
    17: Enctype(17, "AES128-CTS-HMAC-SHA1-96", 128, 15, "HMAC-SHA1-96-AES128", 60, 28, 76),
    18: Enctype(18, "AES256-CTS-HMAC-SHA1-96", 256, 16, "HMAC-SHA1-96-AES256", 60, 28, 76),
    19: Enctype(19, "AES128-CTS-HMAC-SHA256-128", 128, 19, "HMAC-SHA256-128-AES128", 64, 32, 80),
    20: Enctype(20, "AES256-CTS-HMAC-SHA384-192", 256, 20, "HMAC-SHA384-192-AES256", 72, 40, 88),
    23: Enctype(23, "RC4-HMAC", 128, -138, "HMAC-MD5", 45, 37, 57),
}

# Used before the key is known (context not complete): the largest values,
# so that a buffer sized from them is never too small.
_UNKNOWN: Final = Enctype(0, "", 0, 0, "", 72, 40, 88)


def enctype_info(number: int) -> Enctype:
    """Facts for ``number``; an unknown enctype gets the safe maxima."""
    return ENCTYPES.get(number, _UNKNOWN)
