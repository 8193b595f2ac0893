"""EnumerateSecurityPackages, QuerySecurityPackageInfo and FreeContextBuffer.

Windows: package names match without regard to case; an unknown package is
SEC_E_SECPKG_NOT_FOUND; what the package allocated (the SecPkgInfo array or
record) is released with FreeContextBuffer.  Kerberos' SecPkgInfo on Windows:
Name "Kerberos", Comment "Microsoft Kerberos V1.0", wRPCID 16
(RPC_C_AUTHN_GSS_KERBEROS), cbMaxToken 48000, wVersion 1.
"""

from __future__ import annotations

from typing import Any

import pytest

from sspi_compat import (
    SEC_E_INVALID_HANDLE,
    SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND,
    SECPKG_FLAG_CONNECTION,
    SECPKG_FLAG_DELEGATION,
    SECPKG_FLAG_GSS_COMPATIBLE,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_MUTUAL_AUTH,
    SECPKG_FLAG_PRIVACY,
    ULONG,
    EnumerateSecurityPackages,
    FreeContextBuffer,
    MisuseError,
    PSecPkgInfo,
    QuerySecurityPackageInfo,
    SecPkgInfo,
    _memory,
)

KERBEROS_CAPS = (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION
                 | SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_DELEGATION
                 | SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_GSS_COMPATIBLE)


def assert_kerberos(info: Any) -> None:
    assert isinstance(info, SecPkgInfo)
    assert info.Name == "Kerberos"
    assert info.Comment == "Microsoft Kerberos V1.0"
    assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 16, 48000)
    assert info.fCapabilities & KERBEROS_CAPS == KERBEROS_CAPS


class TestEnumerate:
    def test_lists_kerberos_and_counts(self) -> None:
        count, infos = ULONG(), PSecPkgInfo()
        assert EnumerateSecurityPackages(count, infos) == SEC_E_OK
        try:
            assert count.value == len(infos.value) >= 1
            names = [i.Name for i in infos.value]
            assert len(set(names)) == len(names)
            assert_kerberos(next(i for i in infos.value if i.Name == "Kerberos"))
        finally:
            assert FreeContextBuffer(infos.value) == SEC_E_OK

    def test_free_releases_exactly_once(self) -> None:
        before = _memory.outstanding()
        count, infos = ULONG(), PSecPkgInfo()
        assert EnumerateSecurityPackages(count, infos) == SEC_E_OK
        assert _memory.outstanding() == before + 1
        assert FreeContextBuffer(infos.value) == SEC_E_OK
        assert _memory.outstanding() == before
        assert FreeContextBuffer(infos.value) == SEC_E_INVALID_HANDLE  # double free

    def test_every_call_allocates_anew(self) -> None:
        a, b = PSecPkgInfo(), PSecPkgInfo()
        EnumerateSecurityPackages(ULONG(), a)
        EnumerateSecurityPackages(ULONG(), b)
        try:
            assert a.value is not b.value
            a.value[0].Name = "changed by the caller"
            assert b.value[0].Name != "changed by the caller"
        finally:
            FreeContextBuffer(a.value)
            FreeContextBuffer(b.value)

    @pytest.mark.parametrize(("count", "infos"), [(None, PSecPkgInfo()), (ULONG(), None),
                                                  (0, PSecPkgInfo()), (ULONG(), [])])
    def test_wrong_out_holders_are_misuse(self, count: Any, infos: Any) -> None:
        with pytest.raises(MisuseError):
            EnumerateSecurityPackages(count, infos)


class TestQuery:
    @pytest.mark.parametrize("name", ["Kerberos", "kerberos", "KERBEROS", "KeRbErOs",
                                      b"Kerberos", bytearray(b"kerberos")])
    def test_any_case_and_ansi_bytes(self, name: Any) -> None:
        info = PSecPkgInfo()
        assert QuerySecurityPackageInfo(name, info) == SEC_E_OK
        try:
            assert_kerberos(info.value)
        finally:
            assert FreeContextBuffer(info.value) == SEC_E_OK

    @pytest.mark.parametrize("name", ["", "Kerberos5", " Kerberos", "Kerberos ", "Kerb",
                                      "NoSuchPackage", "Kerberos\0", b"\xff\xfe", None])
    def test_unknown_package(self, name: Any) -> None:
        info = PSecPkgInfo()
        assert QuerySecurityPackageInfo(name, info) == SEC_E_SECPKG_NOT_FOUND
        assert info.value is None  # nothing written on failure

    def test_wrong_types_are_misuse(self) -> None:
        with pytest.raises(MisuseError):
            QuerySecurityPackageInfo(16, PSecPkgInfo())
        with pytest.raises(MisuseError):
            QuerySecurityPackageInfo("Kerberos", None)


class TestFreeContextBuffer:
    def test_null_is_accepted(self) -> None:
        assert FreeContextBuffer(None) == SEC_E_OK

    @pytest.mark.parametrize("foreign", [bytearray(10), b"x", SecPkgInfo(), [], 0, "text"])
    def test_memory_the_package_did_not_allocate(self, foreign: Any) -> None:
        before = _memory.outstanding()
        assert FreeContextBuffer(foreign) == SEC_E_INVALID_HANDLE
        assert _memory.outstanding() == before

    def test_an_equal_copy_is_not_the_allocation(self) -> None:
        info = PSecPkgInfo()
        QuerySecurityPackageInfo("Kerberos", info)
        copy = SecPkgInfo(**vars(info.value))
        assert copy == info.value
        assert FreeContextBuffer(copy) == SEC_E_INVALID_HANDLE
        assert FreeContextBuffer(info.value) == SEC_E_OK
