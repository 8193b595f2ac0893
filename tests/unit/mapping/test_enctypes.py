"""mapping/enctypes.py: per-enctype algorithm facts and message overheads.

No KDC, no gssapi.  The sizes are derived here from the RFCs' structure
(RFC 4121 token header 16 bytes; RFC 3962 / RFC 8009 confounder = cipher
block 16 bytes; checksum lengths 12 / 16 / 24 bytes; EncryptMessage puts
header + encrypted confounder + the rotated (header copy + checksum) tail in
TOKEN; DCE style adds a 16-byte encrypted header copy alignment) rather than
copied from the module.
"""

from __future__ import annotations

import pytest

from sspi_compat.mapping.enctypes import ENCTYPES, enctype_info

TOKEN_HEADER = 16
CONFOUNDER = 16
# enctype -> (name, key bits, checksum type, checksum bytes)  [RFC 3962, RFC 8009, RFC 4757]
AES = {
    17: ("AES128-CTS-HMAC-SHA1-96", 128, 15, 12),
    18: ("AES256-CTS-HMAC-SHA1-96", 256, 16, 12),
    19: ("AES128-CTS-HMAC-SHA256-128", 128, 19, 16),
    20: ("AES256-CTS-HMAC-SHA384-192", 256, 20, 24),
}


@pytest.mark.parametrize("number", sorted(AES))
def test_aes_sizes_follow_rfc4121(number: int) -> None:
    name, bits, cksumtype, cksum_len = AES[number]
    info = enctype_info(number)
    assert (info.number, info.name, info.key_bits, info.checksum_type) == (
        number, name, bits, cksumtype)
    assert info.mic_size == TOKEN_HEADER + cksum_len
    assert info.wrap_header == TOKEN_HEADER + CONFOUNDER + TOKEN_HEADER + cksum_len
    assert info.dce_header == info.wrap_header + 16


def test_measured_aes_sha1_sizes() -> None:
    """DESIGN.md §3: AES-SHA1 header 60 (16 + 16 + 28 rotated), MIC 28, DCE 76."""
    assert (ENCTYPES[18].wrap_header, ENCTYPES[18].mic_size, ENCTYPES[18].dce_header) == (
        60, 28, 76)
    assert (ENCTYPES[19].wrap_header, ENCTYPES[19].mic_size) == (64, 32)
    assert (ENCTYPES[20].wrap_header, ENCTYPES[20].mic_size) == (72, 40)


def test_rc4() -> None:
    info = enctype_info(23)
    assert (info.name, info.key_bits, info.checksum_type, info.checksum_name) == (
        "RC4-HMAC", 128, -138, "HMAC-MD5")
    # RC4's header grows with the message (DER framing): at least the 45 bytes
    # DESIGN.md §3 measured for short messages; the exact figures are checked
    # against MIT by tests/integration/test_messages.py.
    assert info.wrap_header >= 45 and info.mic_size == 37


@pytest.mark.parametrize("number", [0, 1, 3, 16, 24, 25, 26, -1, 2**31])
def test_unknown_enctype_gets_sizes_no_real_one_exceeds(number: int) -> None:
    info = enctype_info(number)
    assert info.number == 0 and info.name == ""
    for known in ENCTYPES.values():
        assert info.wrap_header >= known.wrap_header
        assert info.mic_size >= known.mic_size
        assert info.dce_header >= known.dce_header


def test_table_is_keyed_by_its_own_numbers() -> None:
    assert all(number == info.number for number, info in ENCTYPES.items())
    assert set(ENCTYPES) == {17, 18, 19, 20, 23}
