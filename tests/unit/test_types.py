"""sspi_compat._types: the C structures, their derived fields and their reprs.

No KDC, no gssapi.  Expected values come from the C headers (sizes, field
meanings) and from the definitions of FILETIME and local time, not from the
module under test.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import time
from typing import Iterator

import pytest

from sspi_compat import (
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_A,
    SEC_WINNT_AUTH_IDENTITY_ANSI,
    SEC_WINNT_AUTH_IDENTITY_EX,
    SEC_WINNT_AUTH_IDENTITY_EXA,
    SEC_WINNT_AUTH_IDENTITY_EXW,
    SEC_WINNT_AUTH_IDENTITY_UNICODE,
    SEC_WINNT_AUTH_IDENTITY_VERSION,
    SEC_WINNT_AUTH_IDENTITY_W,
    SECBUFFER_DATA,
    SECBUFFER_EMPTY,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_TOKEN,
    SECBUFFER_VERSION,
    ULONG,
    SecBuffer,
    SecBufferDesc,
    SecPkgContext_SessionKey,
    TimeStamp,
)

PASSWORD = "s3cr3t-Pässwörd"

# FILETIME: 100 ns ticks since 1601-01-01 UTC; 11644473600 s lie between 1601 and 1970.
TICKS_1601_TO_1970 = 11_644_473_600 * 10_000_000


# --- SecBuffer ------------------------------------------------------------------


class TestSecBuffer:
    def test_cbbuffer_defaults_to_the_memory_size(self) -> None:
        assert SecBuffer(SECBUFFER_TOKEN, bytearray(48000)).cbBuffer == 48000
        assert SecBuffer(SECBUFFER_TOKEN, b"abc").cbBuffer == 3
        assert SecBuffer(SECBUFFER_TOKEN, memoryview(bytearray(7))).cbBuffer == 7
        assert SecBuffer(SECBUFFER_TOKEN, None).cbBuffer == 0
        assert SecBuffer().BufferType == SECBUFFER_EMPTY

    def test_explicit_cbbuffer_is_kept(self) -> None:
        buf = SecBuffer(SECBUFFER_TOKEN, bytearray(b"abcdef"), 2)
        assert buf.cbBuffer == 2
        assert buf.data == b"ab"

    def test_data_is_a_bounded_copy(self) -> None:
        mem = bytearray(b"abcdef")
        buf = SecBuffer(SECBUFFER_TOKEN, mem, 3)
        data = buf.data
        assert data == b"abc" and isinstance(data, bytes)
        mem[0] = ord("X")
        assert data == b"abc"  # a copy: stays valid when the memory changes
        buf.cbBuffer = 100  # a lie: never reads past the memory
        assert buf.data == b"Xbcdef"
        buf.cbBuffer = -5
        assert buf.data == b""
        assert SecBuffer(SECBUFFER_TOKEN, None, 10).data == b""

    def test_type_and_attribute_flags(self) -> None:
        ro = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, b"x")
        assert ro.type == SECBUFFER_DATA
        assert ro.readonly
        cks = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, b"x")
        assert cks.type == SECBUFFER_DATA
        assert not cks.readonly  # signed, hence not simply skipped
        assert not SecBuffer(SECBUFFER_TOKEN, b"x").readonly

    @pytest.mark.parametrize("bad", ["text", 5, 1.5, [1, 2], object()])
    def test_pvbuffer_must_be_memory(self, bad: object) -> None:
        with pytest.raises(TypeError):
            SecBuffer(SECBUFFER_TOKEN, bad)  # type: ignore[arg-type]

    def test_buffertype_must_be_an_int(self) -> None:
        with pytest.raises(TypeError):
            SecBuffer("token", b"")  # type: ignore[arg-type]

    def test_repr_shows_no_content(self) -> None:
        text = repr(SecBuffer(SECBUFFER_TOKEN, b"SECRET-CONTENT"))
        assert "SECRET" not in text
        assert "cbBuffer=14" in text


class TestSecBufferDesc:
    def test_derived_count_and_sequence_protocol(self) -> None:
        a, b = SecBuffer(SECBUFFER_TOKEN, b"a"), SecBuffer(SECBUFFER_DATA, b"bb")
        desc = SecBufferDesc([a, b])
        assert desc.ulVersion == SECBUFFER_VERSION == 0
        assert desc.cBuffers == len(desc) == 2
        assert desc[0] is a and desc[1] is b and desc[-1] is b
        assert list(desc) == [a, b]
        assert desc[0:1] == [a]
        desc.append(SecBuffer(SECBUFFER_EMPTY))
        assert desc.cBuffers == 3
        assert SecBufferDesc().cBuffers == 0
        assert SecBufferDesc(None).pBuffers == []

    def test_holds_only_secbuffers(self) -> None:
        with pytest.raises(TypeError):
            SecBufferDesc([b"token"])  # type: ignore[list-item]
        with pytest.raises(TypeError):
            SecBufferDesc().append(b"token")  # type: ignore[arg-type]


# --- ULONG ------------------------------------------------------------------------


def test_ulong_out_holder() -> None:
    holder = ULONG()
    assert holder.value == 0
    holder.value = 0x8000_0000
    assert int(holder) == 0x8000_0000
    assert holder == 0x8000_0000 and holder == ULONG(0x8000_0000)
    assert [10, 20][ULONG(1)] == 20  # __index__
    assert "0x80000000" in repr(holder)
    with pytest.raises(TypeError):
        hash(holder)  # mutable: not hashable


# --- TimeStamp --------------------------------------------------------------------


@contextlib.contextmanager
def timezone(tz: str) -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def utc_ticks(epoch: float) -> int:
    return int(epoch * 10_000_000) + TICKS_1601_TO_1970


class TestTimeStamp:
    EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC

    def test_filetime_epoch(self) -> None:
        with timezone("UTC"):
            ts = TimeStamp()
            ts.set_local_from_epoch(0)
            assert ts.QuadPart == TICKS_1601_TO_1970 == 116444736000000000
            assert ts.to_datetime() == dt.datetime(1970, 1, 1)

    @pytest.mark.parametrize(("tz", "offset_s"), [
        ("UTC", 0),
        ("Asia/Kolkata", 5 * 3600 + 1800),
        ("America/New_York", -5 * 3600),  # November: EST
        ("Pacific/Chatham", 13 * 3600 + 2700),  # November: +13:45 (DST)
    ])
    def test_local_time_is_utc_plus_the_zone_offset(self, tz: str, offset_s: int) -> None:
        with timezone(tz):
            ts = TimeStamp()
            ts.set_local_from_epoch(self.EPOCH)
            assert ts.QuadPart == utc_ticks(self.EPOCH + offset_s)
            assert ts.to_datetime() == dt.datetime.fromtimestamp(self.EPOCH)
            assert ts.datetime == ts.to_datetime()

    def test_daylight_saving_follows_the_instant_not_today(self) -> None:
        summer, winter = 1_688_000_000, 1_700_000_000  # 2023-06-29, 2023-11-14
        with timezone("Europe/Berlin"):
            ts = TimeStamp()
            ts.set_local_from_epoch(summer)
            assert ts.QuadPart == utc_ticks(summer + 7200)
            ts.set_local_from_epoch(winter)
            assert ts.QuadPart == utc_ticks(winter + 3600)

    def test_sub_second_precision(self) -> None:
        with timezone("UTC"):
            ts = TimeStamp()
            ts.set_local_from_epoch(self.EPOCH + 0.25)
            assert ts.QuadPart == utc_ticks(self.EPOCH) + 2_500_000

    def test_never_expires(self) -> None:
        ts = TimeStamp()
        ts.set_local_from_epoch(None)
        assert ts.QuadPart == 0x7FFF_FFFF_FFFF_FFFF == TimeStamp.NEVER
        assert ts.never_expires
        assert ts.LowPart == 0xFFFF_FFFF
        assert ts.HighPart == 0x7FFF_FFFF
        assert ts.to_datetime() == dt.datetime.max
        assert repr(ts) == "TimeStamp(never)"

    def test_low_and_high_parts(self) -> None:
        ts = TimeStamp(0x01D9_1234_89AB_CDEF)
        assert ts.LowPart == 0x89AB_CDEF
        assert ts.HighPart == 0x01D9_1234
        assert int(ts) == 0x01D9_1234_89AB_CDEF
        # HighPart is a signed LONG (LARGE_INTEGER)
        assert TimeStamp(-1).HighPart == -1
        assert not ts.never_expires

    def test_equality_and_repr(self) -> None:
        assert TimeStamp(5) == TimeStamp(5) and TimeStamp(5) != TimeStamp(6)
        assert repr(TimeStamp()) == "TimeStamp(0)"
        with timezone("UTC"):
            ts = TimeStamp()
            ts.set_local_from_epoch(self.EPOCH)
            assert repr(ts) == "TimeStamp(2023-11-14 22:13:20 local)"


# --- SEC_WINNT_AUTH_IDENTITY ------------------------------------------------------


class TestAuthIdentity:
    def test_unicode_is_the_default_form(self) -> None:
        ident = SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", PASSWORD)
        assert ident.Flags == SEC_WINNT_AUTH_IDENTITY_UNICODE
        assert SEC_WINNT_AUTH_IDENTITY_W is SEC_WINNT_AUTH_IDENTITY
        assert SEC_WINNT_AUTH_IDENTITY_A().Flags == SEC_WINNT_AUTH_IDENTITY_ANSI

    def test_lengths_are_derived_in_characters(self) -> None:
        ident = SEC_WINNT_AUTH_IDENTITY("älice", "SSPI.TEST", PASSWORD)
        assert (ident.UserLength, ident.DomainLength, ident.PasswordLength) == (
            5, 9, len(PASSWORD))
        ident.User = "bob"
        assert ident.UserLength == 3  # follows the field, as C's caller-maintained one should
        empty = SEC_WINNT_AUTH_IDENTITY()
        assert (empty.UserLength, empty.DomainLength, empty.PasswordLength) == (0, 0, 0)

    def test_unicode_bytes_are_utf16le_without_the_terminator(self) -> None:
        ident = SEC_WINNT_AUTH_IDENTITY("älice\0".encode("utf-16-le"), None,
                                        PASSWORD.encode("utf-16-le"))
        assert ident.UserLength == 5
        assert ident.decoded() == ("älice", None, PASSWORD)

    def test_ansi_bytes(self) -> None:
        ident = SEC_WINNT_AUTH_IDENTITY_A(b"alice", b"sspi.test\0", PASSWORD.encode())
        assert ident.decoded() == ("alice", "sspi.test", PASSWORD)
        assert ident.DomainLength == 9

    def test_bad_encoding_raises_valueerror(self) -> None:
        with pytest.raises(ValueError):
            SEC_WINNT_AUTH_IDENTITY_A(b"\xff\xfe\xfd").decoded()
        with pytest.raises(ValueError):
            SEC_WINNT_AUTH_IDENTITY(b"\x00\xd8").decoded()  # lone UTF-16 surrogate

    @pytest.mark.parametrize("ident", [
        SEC_WINNT_AUTH_IDENTITY("alice", None, "s3cr\udcffet"),
        SEC_WINNT_AUTH_IDENTITY("alice", None, "s3cr3t".encode("utf-16-le") + b"\x00"),
        SEC_WINNT_AUTH_IDENTITY(b"a\0", None, "s3cr3t".encode("utf-16-le") + b"\x00\xd8"),
        SEC_WINNT_AUTH_IDENTITY_A(b"alice", None, b"s3cr\xff3t"),
    ], ids=["lone-surrogate", "odd-utf16", "utf16-surrogate", "ansi-not-utf8"])
    def test_bad_password_encoding_error_shows_nothing_of_it(
            self, ident: SEC_WINNT_AUTH_IDENTITY) -> None:
        for read in (lambda: ident.PasswordLength, ident.decoded):
            with pytest.raises(ValueError) as exc:
                read()
            text = str(exc.value)
            for secret in ("s3cr", "\udcff", "xff", "xd8", "0xd8", "0xff", "position"):
                assert secret not in text, text
            # Nothing chained either (a UnicodeError keeps the whole string).
            assert exc.value.__cause__ is None and exc.value.__context__ is None

    def test_ex_forms(self) -> None:
        ex = SEC_WINNT_AUTH_IDENTITY_EX("alice", "SSPI.TEST", PASSWORD,
                                        PackageList="Kerberos,!NTLM")
        assert ex.Version == SEC_WINNT_AUTH_IDENTITY_VERSION == 0x200
        assert ex.Flags == SEC_WINNT_AUTH_IDENTITY_UNICODE
        assert ex.PackageListLength == len("Kerberos,!NTLM")
        assert SEC_WINNT_AUTH_IDENTITY_EXW is SEC_WINNT_AUTH_IDENTITY_EX
        exa = SEC_WINNT_AUTH_IDENTITY_EXA(b"alice", b"SSPI.TEST", PASSWORD.encode(),
                                          PackageList=b"Kerberos")
        assert exa.Flags == SEC_WINNT_AUTH_IDENTITY_ANSI
        assert exa.PackageListLength == 8
        assert isinstance(exa, SEC_WINNT_AUTH_IDENTITY)

    def test_ex_length_is_the_64_bit_windows_sizeof(self) -> None:
        # sspi.h: ULONG Version, Length; then (pointer, ULONG) for User, Domain,
        # Password; ULONG Flags; pointer, ULONG for PackageList.  Windows is
        # LLP64: ULONG is 32 bits, pointers 64.
        class EXW(ctypes.Structure):
            _fields_ = [("Version", ctypes.c_uint32), ("Length", ctypes.c_uint32),
                        ("User", ctypes.c_uint64), ("UserLength", ctypes.c_uint32),
                        ("Domain", ctypes.c_uint64), ("DomainLength", ctypes.c_uint32),
                        ("Password", ctypes.c_uint64), ("PasswordLength", ctypes.c_uint32),
                        ("Flags", ctypes.c_uint32),
                        ("PackageList", ctypes.c_uint64),
                        ("PackageListLength", ctypes.c_uint32)]

        assert SEC_WINNT_AUTH_IDENTITY_EX().Length == ctypes.sizeof(EXW) == 72

    @pytest.mark.parametrize("ident", [
        SEC_WINNT_AUTH_IDENTITY("alice", "SSPI.TEST", PASSWORD),
        SEC_WINNT_AUTH_IDENTITY(b"a\0l\0", None, PASSWORD.encode("utf-16-le")),
        SEC_WINNT_AUTH_IDENTITY_A(b"alice", b"D", PASSWORD.encode()),
        SEC_WINNT_AUTH_IDENTITY_EX("alice", "D", PASSWORD, PackageList="Kerberos"),
        SEC_WINNT_AUTH_IDENTITY_EXA(b"alice", b"D", PASSWORD.encode()),
    ], ids=["W-str", "W-bytes", "A-bytes", "EXW", "EXA"])
    def test_password_never_in_repr_or_str(self, ident: SEC_WINNT_AUTH_IDENTITY) -> None:
        for text in (repr(ident), str(ident), f"{ident!r:>10}"):
            assert PASSWORD not in text
            assert "s3cr3t" not in text
            assert "<hidden>" in text
        assert "alice" in repr(ident) or "a\\x00l" in repr(ident)

    def test_no_password_shows_none(self) -> None:
        assert "Password=None" in repr(SEC_WINNT_AUTH_IDENTITY("alice"))


def test_session_key_never_in_repr() -> None:
    key = SecPkgContext_SessionKey(16, b"K" * 16)
    assert "KKKK" not in repr(key) and "KKKK" not in str(key)
    assert "16" in repr(key)


def test_secbuffer_counts_bytes_of_wider_memoryviews() -> None:
    """C buffers are bytes: a memoryview of 4-byte items is seen as its bytes,
    and writes through it land in the caller's array."""
    import array

    words = array.array("I", [0, 0])
    buf = SecBuffer(SECBUFFER_TOKEN, memoryview(words))
    assert buf.cbBuffer == 8
    assert isinstance(buf.pvBuffer, memoryview)
    buf.pvBuffer[:4] = b"\x01\x00\x00\x00"
    assert words[0] == 1
    assert buf.data == b"\x01" + b"\x00" * 7
