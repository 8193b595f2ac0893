"""mapping/bindings.py: SEC_CHANNEL_BINDINGS blobs, 32- and 64-byte headers.

No KDC, no gssapi.  The 64-byte form is what Python code ported from Windows
produces on 64-bit Linux with ``struct.pack('LLLLLLLL', ...)`` (native ``L``
is 8 bytes there, 4 on Windows).
"""

from __future__ import annotations

import struct

import pytest

from sspi_compat import (
    SEC_CHANNEL_BINDINGS,
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_TOKEN,
    SecBuffer,
    SecBufferDesc,
)
from sspi_compat.mapping import bindings

APP = b"tls-server-end-point:" + bytes(range(32))
GSS_C_AF_INET = 2


def windows_layout(ia_type: int, ia: bytes, aa_type: int, aa: bytes, app: bytes) -> bytes:
    """The 32-byte header Windows' SEC_CHANNEL_BINDINGS has (eight ULONGs), built
    here independently of SEC_CHANNEL_BINDINGS.pack()."""
    off = 32
    fields = []
    for blob in (ia, aa):
        fields.append((len(blob), off if blob else 0))
        off += len(blob)
    return struct.pack("<8I", ia_type, fields[0][0], fields[0][1], aa_type, fields[1][0],
                       fields[1][1], len(app), off if app else 0) + ia + aa + app


class TestWindowsLayout:
    def test_application_data_only(self) -> None:
        blob = windows_layout(0, b"", 0, b"", APP)
        assert len(blob) == 32 + len(APP)
        assert bindings.parse(blob) == (0, b"", 0, b"", APP)

    def test_all_three_blobs(self) -> None:
        ia, aa = bytes([127, 0, 0, 1]), bytes([10, 0, 0, 2])
        blob = windows_layout(GSS_C_AF_INET, ia, GSS_C_AF_INET, aa, APP)
        assert bindings.parse(blob) == (GSS_C_AF_INET, ia, GSS_C_AF_INET, aa, APP)

    def test_pack_matches_the_windows_layout(self) -> None:
        cb = SEC_CHANNEL_BINDINGS(GSS_C_AF_INET, b"\x7f\0\0\1", 0, b"", APP)
        assert cb.pack() == windows_layout(GSS_C_AF_INET, b"\x7f\0\0\1", 0, b"", APP)
        assert bindings.parse(cb.pack()) == (GSS_C_AF_INET, b"\x7f\0\0\1", 0, b"", APP)

    def test_header_only_means_empty_bindings(self) -> None:
        assert bindings.parse(bytes(32)) == (0, b"", 0, b"", b"")

    def test_offsets_need_not_be_contiguous(self) -> None:
        blob = struct.pack("<8I", 0, 0, 0, 0, 0, 0, 4, 40) + bytes(8) + b"DATA"
        assert bindings.parse(blob) == (0, b"", 0, b"", b"DATA")


class TestLinux64BitHeader:
    def test_requests_negotiate_sspi_form(self) -> None:
        """requests-negotiate-sspi: struct.pack('LLLLLLLL', 0,0,0,0,0,0,len(app),32)+app."""
        if struct.calcsize("L") != 8:
            pytest.fail("this test documents 64-bit Linux, where native 'L' is 8 bytes")
        blob = struct.pack("LLLLLLLL", 0, 0, 0, 0, 0, 0, len(APP), 32) + APP
        assert len(blob) == 64 + len(APP)
        assert bindings.parse(blob) == (0, b"", 0, b"", APP)

    def test_consistent_64_bit_offsets(self) -> None:
        blob = struct.pack("<8Q", 0, 0, 0, 0, 0, 0, len(APP), 64) + APP
        assert bindings.parse(blob) == (0, b"", 0, b"", APP)

    def test_64_bit_with_addresses(self) -> None:
        ia = b"\x7f\0\0\1"
        blob = struct.pack("<8Q", GSS_C_AF_INET, 4, 32, 0, 0, 0, len(APP), 36) + ia + APP
        assert bindings.parse(blob) == (GSS_C_AF_INET, ia, 0, b"", APP)


@pytest.mark.parametrize("blob", [
    b"",
    bytes(31),
    struct.pack("<8I", 0, 0, 0, 0, 0, 0, 100, 32) + b"short",  # length past the end
    struct.pack("<8I", 0, 0, 0, 0, 0, 0, 4, 4000) + b"DATA",  # offset past the end
    struct.pack("<8I", 0, 4, 1 << 31, 0, 0, 0, 0, 0) + b"DATA",
    struct.pack("<8Q", 0, 0, 0, 0, 0, 0, 2**40, 64) + APP,  # absurd 64-bit length
    struct.pack("<8Q", 0, 0, 0, 0, 0, 0, len(APP), 2**62) + APP,
], ids=["empty", "31-bytes", "len-past-end", "offset-past-end", "huge-offset",
        "absurd-64-len", "absurd-64-offset"])
def test_malformed_blobs_raise_valueerror(blob: bytes) -> None:
    with pytest.raises(ValueError):
        bindings.parse(blob)


class TestFromDescriptor:
    def test_no_bindings_buffer(self) -> None:
        assert bindings.from_descriptor(None) is None
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, b"t")])
        assert bindings.from_descriptor(desc) is None

    def test_bindings_next_to_the_token(self) -> None:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, b"t"),
                              SecBuffer(SECBUFFER_CHANNEL_BINDINGS,
                                        windows_layout(0, b"", 0, b"", APP))])
        assert bindings.from_descriptor(desc) == (0, b"", 0, b"", APP)

    def test_cbbuffer_limits_the_blob(self) -> None:
        blob = windows_layout(0, b"", 0, b"", APP)
        desc = SecBufferDesc([SecBuffer(SECBUFFER_CHANNEL_BINDINGS, blob + b"junk",
                                        len(blob))])
        assert bindings.from_descriptor(desc) == (0, b"", 0, b"", APP)
        desc[0].cbBuffer = 40  # cuts the application data
        with pytest.raises(ValueError):
            bindings.from_descriptor(desc)

    @pytest.mark.parametrize("cb", [-1, 10_000])
    def test_impossible_cbbuffer_is_valueerror(self, cb: int) -> None:
        desc = SecBufferDesc([SecBuffer(SECBUFFER_CHANNEL_BINDINGS, bytearray(40), cb)])
        with pytest.raises(ValueError):
            bindings.from_descriptor(desc)
