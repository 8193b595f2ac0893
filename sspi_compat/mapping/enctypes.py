"""Per-enctype facts: algorithm names, key sizes and message overheads.

Sizes are what this package's Kerberos EncryptMessage / MakeSignature write,
which is Windows' layout (DESIGN.md §3, MS-KILE 3.4.5.4.1): the header that
goes into the TOKEN buffer (with the rotated trailer folded in), the padding
that goes into the PADDING buffer, and the MakeSignature MIC.  Each number
was measured against MIT's ``gss_wrap_iov(HEADER, DATA, PADDING)`` on a
realm restricted to that enctype (tests/integration/test_messages.py checks
them on every run); :mod:`.wrap_layout` derives the same numbers from the
token formats.  RFC 3961 / RFC 3962 / RFC 8009 / RFC 4757 give the checksum
types.

RC4's header depends on the message length (its DER framing counts the
data): 45 bytes below 84 data bytes, 46 below 212, 47 below 65492, 48 below
16 MiB, 49 up to 4 GiB.  ``wrap_header`` is the largest, 49, which is also
the ``cbSecurityTrailer`` Windows reports for RC4 contexts (with
``cbMaxSignature`` 37); DCE style counts only the header in the framing,
so its RC4 header is always 45 and it has no padding byte.
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
    wrap_header: int  # EncryptMessage TOKEN size, Windows layout (largest)
    mic_size: int  # MakeSignature TOKEN size
    dce_header: int  # EncryptMessage TOKEN size for DCE-style contexts
    wrap_padding: int = 0  # EncryptMessage PADDING size (largest; DCE style: 0)


ENCTYPES: Final[Dict[int, Enctype]] = {
    17: Enctype(17, "AES128-CTS-HMAC-SHA1-96", 128, 15, "HMAC-SHA1-96-AES128", 60, 28, 76),
    18: Enctype(18, "AES256-CTS-HMAC-SHA1-96", 256, 16, "HMAC-SHA1-96-AES256", 60, 28, 76),
    19: Enctype(19, "AES128-CTS-HMAC-SHA256-128", 128, 19, "HMAC-SHA256-128-AES128", 64, 32, 80),
    20: Enctype(20, "AES256-CTS-HMAC-SHA384-192", 256, 20, "HMAC-SHA384-192-AES256", 72, 40, 88),
    23: Enctype(23, "RC4-HMAC", 128, -138, "HMAC-MD5", 49, 37, 45, 1),
}

# Used before the key is known (context not complete) and for enctypes not
# in the table: the largest values, so that a buffer sized from them is
# never too small.
_UNKNOWN: Final = Enctype(0, "", 0, 0, "", 72, 40, 88, 1)


def enctype_info(number: int) -> Enctype:
    """Facts for ``number``; an unknown enctype gets the safe maxima."""
    return ENCTYPES.get(number, _UNKNOWN)
