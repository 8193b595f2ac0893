"""mapping/wrap_layout.py: Windows' EncryptMessage layout of Kerberos tokens.

No KDC, no gssapi: the tokens here are built by hand from RFC 4121 / RFC
1964 structure, with recognisable filler bytes standing for the encrypted
parts (``C`` confounder, ``D`` data, ``F`` EC filler, ``H`` header copy,
``K`` checksum), so that every byte's final position can be checked.  The
integration tests check the same functions against MIT's real tokens.
"""

from __future__ import annotations

from typing import Tuple

import pytest

from sspi_compat.mapping import wrap_layout as wl
from sspi_compat.mapping.enctypes import ENCTYPES

CKSUM = {17: 12, 18: 12, 19: 16, 20: 24}


def cfx_header(flags: int, ec: int, rrc: int, seq: int = 0x0102030405060708) -> bytes:
    return (b"\x05\x04" + bytes([flags]) + b"\xff" + ec.to_bytes(2, "big")
            + rrc.to_bytes(2, "big") + seq.to_bytes(8, "big"))


def sealed_token(data: bytes, cksum: int, ec: int = 0, flags: int = 0x02) -> bytes:
    """What gss_wrap (RRC 0) writes with confidentiality."""
    return (cfx_header(flags, ec, 0) + b"C" * 16 + data + b"F" * ec + b"H" * 16
            + b"K" * cksum)


def integ_token(data: bytes, cksum: int) -> bytes:
    """What gss_wrap (RRC 0) writes without confidentiality (EC = checksum length)."""
    return cfx_header(0x00, cksum, 0) + data + b"K" * cksum


def windows_sealed(data: bytes, cksum: int, dce: bool = False) -> Tuple[bytes, bytes]:
    """(TOKEN, DATA) as Windows' EncryptMessage lays out a sealed message."""
    ec = 16 if dce else 0
    rrc = 16 + cksum  # DCE: the same RRC written, EC more rotated
    token = cfx_header(0x02, ec, rrc) + b"F" * ec + b"H" * 16 + b"K" * cksum + b"C" * 16
    return token, data


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("enctype", sorted(CKSUM))
def test_cfx_sizes_match_the_enctype_table(enctype: int) -> None:
    cksum = wl.cfx_checksum_size(enctype)
    info = ENCTYPES[enctype]
    assert cksum == CKSUM[enctype]
    assert wl.is_cfx(enctype)
    assert wl.cfx_wrap_header_size(cksum, sealed=True, dce=False) == info.wrap_header
    assert wl.cfx_wrap_header_size(cksum, sealed=True, dce=True) == info.dce_header
    assert wl.cfx_wrap_header_size(cksum, sealed=False, dce=False) == info.mic_size
    assert wl.cfx_wrap_header_size(cksum, sealed=False, dce=True) == info.mic_size
    assert wl.cfx_rrc(cksum, sealed=True) == 16 + cksum
    assert wl.cfx_rrc(cksum, sealed=False) == cksum
    assert info.wrap_padding == 0


def test_measured_aes_sha1_numbers() -> None:
    """DESIGN.md §3: AES-SHA1 header 60 with RRC 28, DCE 76; MIC 28."""
    assert wl.cfx_wrap_header_size(12, True, False) == 60
    assert wl.cfx_rrc(12, True) == 28
    assert wl.cfx_wrap_header_size(12, True, True) == 76


@pytest.mark.parametrize("enctype", [0, 1, 3, 16, 23, 24, 25, 26, -1])
def test_non_cfx_enctypes(enctype: int) -> None:
    assert wl.cfx_checksum_size(enctype) is None
    assert not wl.is_cfx(enctype)


@pytest.mark.parametrize("length,size", [
    (0, 1), (1, 1), (127, 1), (128, 2), (255, 2), (256, 3), (65535, 3), (65536, 4),
    (2**24 - 1, 4), (2**24, 5), (2**32 - 1, 5),
])
def test_der_length_size(length: int, size: int) -> None:
    assert wl.der_length_size(length) == size


@pytest.mark.parametrize("data_len,header", [
    (0, 45), (83, 45), (84, 46), (211, 46), (212, 47), (65491, 47), (65492, 48),
    (16777171, 48), (16777172, 49), (2**32 - 46, 49),
])
def test_rc4_header_grows_with_the_message(data_len: int, header: int) -> None:
    assert wl.v1_wrap_header_size(data_len, dce=False) == header


@pytest.mark.parametrize("data_len", [0, 1, 100, 70000, 2**24])
def test_rc4_dce_header_is_fixed(data_len: int) -> None:
    assert wl.v1_wrap_header_size(data_len, dce=True) == 45


def test_rc4_table_values() -> None:
    rc4 = ENCTYPES[23]
    assert rc4.wrap_header == wl.v1_wrap_header_size(2**32 - 46, dce=False) == 49
    assert rc4.dce_header == 45
    assert rc4.mic_size == wl.v1_mic_size() == 37
    assert rc4.wrap_padding == 1


# --- header parsing -----------------------------------------------------------------------


def test_parse_cfx_header() -> None:
    head = wl.parse_cfx_header(cfx_header(0x07, 0x1234, 0x0056, 0xAABBCCDD) + b"rest")
    assert head == wl.CfxHeader(b"\x05\x04", 0x07, 0x1234, 0x56, 0xAABBCCDD)
    assert head.sealed
    assert not wl.CfxHeader(b"\x05\x04", 0x05, 0, 0, 0).sealed


@pytest.mark.parametrize("raw", [
    b"",
    cfx_header(0x02, 0, 0)[:15],  # too short
    b"\x04\x04" + cfx_header(0x02, 0, 0)[2:],  # a MIC token id
    b"\x05\x05" + cfx_header(0x02, 0, 0)[2:],
    cfx_header(0x02, 0, 0)[:3] + b"\x00" + cfx_header(0x02, 0, 0)[4:],  # filler not 0xFF
    cfx_header(0x08, 0, 0),  # undefined flag bit
    b"\x60\x2b" + b"\x00" * 20,  # an RFC 1964 token
])
def test_parse_cfx_header_rejects(raw: bytes) -> None:
    assert wl.parse_cfx_header(raw) is None


KRB5_OID_TLV = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"


def rc4_token(data_len: int, sealed: bool = True, dce: bool = False) -> bytes:
    """An RFC 4757 wrap token of the right shape (contents are filler)."""
    body = (b"\x02\x01" + b"\x11\x00" + (b"\x10\x00" if sealed else b"\xff\xff")
            + b"\xff\xff" + b"S" * 8 + b"K" * 8 + b"C" * 8)
    tail = b"D" * data_len + (b"" if dce else b"\x01")
    inner = KRB5_OID_TLV + body + (b"" if dce else tail)
    n = len(inner)
    length = bytes([n]) if n < 128 else (
        bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return b"\x60" + length + KRB5_OID_TLV + body + tail


@pytest.mark.parametrize("data_len", [0, 1, 83, 84, 300, 70000])
@pytest.mark.parametrize("dce", [False, True])
def test_parse_v1_header(data_len: int, dce: bool) -> None:
    token = rc4_token(data_len, dce=dce)
    head = wl.parse_v1_header(token)
    assert head is not None
    assert head.header_len == wl.v1_wrap_header_size(data_len, dce)
    assert head.tok_id == b"\x02\x01" and head.sealed
    assert token[head.header_len:head.header_len + data_len] == b"D" * data_len
    assert not wl.parse_v1_header(rc4_token(data_len, sealed=False, dce=dce)).sealed  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", [
    b"", b"\x60", b"\x61\x2b" + KRB5_OID_TLV + b"\x02\x01" * 4,
    b"\x60\x2b\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x03" + b"\x02\x01" * 4,  # other OID
    b"\x60\x80" + KRB5_OID_TLV + b"\x02\x01" * 4,  # indefinite length
    b"\x60\x85\x01\x02\x03\x04\x05" + KRB5_OID_TLV,  # five length bytes
    b"\x60\x82\x01",  # truncated length
    b"\x60\x2b" + KRB5_OID_TLV + b"\x02",  # truncated body
    b"\x05\x04\x02\xff" + b"\x00" * 12,
])
def test_parse_v1_header_rejects(raw: bytes) -> None:
    assert wl.parse_v1_header(raw) is None


# --- rotation ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 5, 9, 10, 11, 28, 1000])
def test_rotations_are_inverse(count: int) -> None:
    data = bytes(range(10))
    right = wl.rotate_right(data, count)
    assert len(right) == 10
    assert wl.rotate_left(right, count) == data
    assert right == data[-(count % 10):] + data[:-(count % 10)] if count % 10 else right == data


def test_rotate_right_moves_the_end_to_the_front() -> None:
    assert wl.rotate_right(b"abcdef", 2) == b"efabcd"
    assert wl.rotate_left(b"abcdef", 2) == b"cdefab"
    assert wl.rotate_right(b"", 5) == b"" and wl.rotate_left(b"", 5) == b""
    assert wl.rotate_right(bytearray(b"abc"), 1) == b"cab"
    assert wl.rotate_right(memoryview(b"abc"), 3) == b"abc"


# --- RRC 0 token -> Windows' TOKEN / DATA -------------------------------------------------


@pytest.mark.parametrize("cksum", [12, 16, 24])
@pytest.mark.parametrize("data", [b"", b"x", b"D" * 100])
def test_windows_layout_of_a_sealed_token(cksum: int, data: bytes) -> None:
    token = sealed_token(data, cksum)
    head, lead = wl.windows_cfx_header(token, cksum)
    expected_token, expected_data = windows_sealed(data, cksum)
    assert head == expected_token
    assert lead == 32
    assert len(head) == wl.cfx_wrap_header_size(cksum, True, False)
    assert token[lead:lead + len(data)] == expected_data
    assert wl.split_cfx_token(token, cksum) == (expected_token, expected_data)
    # Windows' TOKEN || DATA is again one standard token, with RRC 16 + cksum.
    assert wl.parse_cfx_header(head + data) == wl.CfxHeader(
        b"\x05\x04", 0x02, 0, 16 + cksum, 0x0102030405060708)


@pytest.mark.parametrize("cksum", [12, 16, 24])
def test_windows_layout_of_an_integrity_token(cksum: int) -> None:
    data = b"plaintext stays in DATA"
    token = integ_token(data, cksum)
    head, lead = wl.windows_cfx_header(token, cksum)
    assert head == cfx_header(0x00, cksum, cksum) + b"K" * cksum
    assert lead == 16
    assert token[lead:lead + len(data)] == data


def test_acceptor_flags_are_kept() -> None:
    token = sealed_token(b"abc", 12, flags=0x07)
    head, _ = wl.windows_cfx_header(token, 12)
    assert head[2] == 0x07


def test_nonzero_ec_is_rotated_too() -> None:
    """A peer's EC filler belongs to the trailer that moves into TOKEN."""
    token = sealed_token(b"data", 12, ec=5)
    head, lead = wl.windows_cfx_header(token, 12)
    assert head == cfx_header(0x02, 5, 5 + 16 + 12) + b"F" * 5 + b"H" * 16 + b"K" * 12 + b"C" * 16
    assert token[lead:lead + 4] == b"data"


@pytest.mark.parametrize("token", [
    b"",
    b"\x05\x04\x02\xff\x00\x00\x00\x1c" + b"\x00" * 8 + b"x" * 60,  # already rotated
    b"\x04\x04\x00\xff" + b"\xff" * 12 + b"K" * 12,  # MIC token
    cfx_header(0x02, 0, 0) + b"short",
    cfx_header(0x00, 7, 0) + b"data" + b"K" * 12,  # integrity token with EC != cksum
])
def test_windows_cfx_header_rejects(token: bytes) -> None:
    with pytest.raises(ValueError):
        wl.windows_cfx_header(token, 12)


# --- Windows' layout -> a token any gss_unwrap takes ---------------------------------------


@pytest.mark.parametrize("cksum", [12, 16, 24])
def test_normalize_undoes_windows_rotation(cksum: int) -> None:
    data = b"D" * 37
    head, _ = windows_sealed(data, cksum)
    assert bytes(wl.normalize_cfx(head + data, dce=False)) == sealed_token(data, cksum)


@pytest.mark.parametrize("cksum", [12, 16, 24])
def test_normalize_knows_the_dce_quirk(cksum: int) -> None:
    """DCE: EC 16, RRC says 16 + cksum, the body is rotated by EC + RRC."""
    data = b"D" * 48
    head, _ = windows_sealed(data, cksum, dce=True)
    assert len(head) == wl.cfx_wrap_header_size(cksum, True, True)
    assert bytes(wl.normalize_cfx(head + data, dce=True)) == sealed_token(data, cksum, ec=16)
    assert bytes(wl.normalize_cfx(head + data, dce=False)) != sealed_token(data, cksum, ec=16)


def test_normalize_integrity_tokens_ignore_dce() -> None:
    data = b"signed only"
    head, _ = wl.windows_cfx_header(integ_token(data, 12), 12)
    for dce in (False, True):
        assert bytes(wl.normalize_cfx(head + data, dce)) == integ_token(data, 12)


def test_normalize_rejects_non_cfx() -> None:
    with pytest.raises(ValueError):
        wl.normalize_cfx(b"\x60\x2b" + b"\x00" * 60, dce=False)


# --- plaintext length and place --------------------------------------------------------------


@pytest.mark.parametrize("cksum", [12, 16, 24])
def test_expected_plaintext_length(cksum: int) -> None:
    for n in (0, 1, 100):
        sealed = sealed_token(b"D" * n, cksum)
        head = wl.parse_cfx_header(sealed)
        assert head is not None
        assert wl.expected_plaintext_length(head, len(sealed), cksum) == n
        dce = sealed_token(b"D" * n, cksum, ec=16)
        head = wl.parse_cfx_header(dce)
        assert head is not None
        assert wl.expected_plaintext_length(head, len(dce), cksum) == n
        integ = integ_token(b"D" * n, cksum)
        head = wl.parse_cfx_header(integ)
        assert head is not None
        assert wl.expected_plaintext_length(head, len(integ), cksum) == n
    head = wl.parse_cfx_header(sealed_token(b"", cksum))
    assert head is not None
    assert wl.expected_plaintext_length(head, 40, cksum) is None


@pytest.mark.parametrize("cksum", [12, 16, 24])
def test_plaintext_offset(cksum: int) -> None:
    data = b"D" * 50
    head, _ = windows_sealed(data, cksum)
    assert wl.plaintext_offset(head + data, 50, dce=False) == len(head)
    head, _ = windows_sealed(data, cksum, dce=True)
    assert wl.plaintext_offset(head + data, 50, dce=True) == len(head)
    assert wl.plaintext_offset(sealed_token(data, cksum), 50, dce=False) == 32
    integ = integ_token(data, cksum)
    assert wl.plaintext_offset(integ, 50, dce=False) == 16
    head, _ = wl.windows_cfx_header(integ, cksum)
    assert wl.plaintext_offset(head + data, 50, dce=False) == 16 + cksum


def test_plaintext_offset_rc4_and_fallbacks() -> None:
    for n, dce in ((0, False), (100, False), (100, True), (70000, False)):
        token = rc4_token(n, dce=dce)
        assert wl.plaintext_offset(token, n, dce) == wl.v1_wrap_header_size(n, dce)
    assert wl.plaintext_offset(b"garbage" * 10, 20, False) == 50
    assert wl.plaintext_offset(b"", 0, False) == 0
    # A rotation that splits the data: no contiguous place, the end is used.
    odd = cfx_header(0x02, 0, 40) + b"x" * 100
    assert wl.plaintext_offset(odd, 70, False) == 116 - 70
    assert wl.plaintext_offset(cfx_header(0x02, 0, 0), 0, False) == 16  # header only: its end
