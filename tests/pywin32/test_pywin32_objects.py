"""PySecBuffer, PySecBufferDesc, the handle objects and argument errors, as pywin32 has them.

Every expectation here is read from pywin32's sources
(win32/src/win32security_sspi.cpp, win32security.i, PyWinTypesmodule.cpp,
PyTime.cpp; pywin32 at 3cc9680c): constructors, attribute semantics,
reprs and the exact exception types and messages.  No KDC needed.
"""

from __future__ import annotations

import datetime
import re

import pytest
import pywintypes
import sspicon
import win32api
import win32security

# --- PySecBuffer -----------------------------------------------------------------


def test_secbuffer_allocates_zeroed_memory_of_the_given_size() -> None:
    buf = win32security.PySecBufferType(16, sspicon.SECBUFFER_TOKEN)
    assert buf.BufferSize == 16
    assert buf.MaxBufferSize == 16
    assert buf.BufferType == sspicon.SECBUFFER_TOKEN
    assert buf.Buffer == bytes(16)


def test_secbuffer_keywords_are_pywin32s() -> None:
    buf = win32security.PySecBufferType(BufferSize=4, BufferType=sspicon.SECBUFFER_DATA)
    assert (buf.BufferSize, buf.BufferType) == (4, 1)
    with pytest.raises(TypeError):
        win32security.PySecBufferType(4)  # type: ignore[call-arg]


def test_setting_buffer_copies_data_and_sets_size() -> None:
    buf = win32security.PySecBufferType(8, sspicon.SECBUFFER_DATA)
    buf.Buffer = b"abc"
    assert buf.Buffer == b"abc"
    assert buf.BufferSize == 3
    assert buf.MaxBufferSize == 8
    buf.Buffer = bytearray(b"xy")  # any bytes-like object; the rest is zeroed
    assert buf.Buffer == b"xy"
    buf.Clear()
    assert buf.Buffer == bytes(8)  # the old "abc" does not come back
    buf.Buffer = memoryview(b"12345678")
    assert buf.Buffer == b"12345678"


def test_setting_more_than_allocated_is_pywin32s_value_error() -> None:
    buf = win32security.PySecBufferType(4, sspicon.SECBUFFER_TOKEN)
    buf.Buffer = b"1234"
    with pytest.raises(ValueError, match=re.escape(
            "Data size (5) greater than allocated buffer size (4)")):
        buf.Buffer = b"12345"
    assert buf.Buffer == b"1234"  # unchanged


def test_buffer_rejects_str_and_none() -> None:
    buf = win32security.PySecBufferType(8, sspicon.SECBUFFER_DATA)
    with pytest.raises(TypeError, match="bytes-like object is required, not 'str'"):
        buf.Buffer = "text"
    with pytest.raises(TypeError, match="Buffer cannot be None"):
        buf.Buffer = None


def test_buffersize_is_writable_and_never_reads_past_the_memory() -> None:
    buf = win32security.PySecBufferType(4, sspicon.SECBUFFER_DATA)
    buf.Buffer = b"abcd"
    buf.BufferSize = 2
    assert buf.Buffer == b"ab"
    buf.BufferSize = 1000
    assert buf.Buffer == b"abcd"


def test_max_buffer_size_is_read_only() -> None:
    buf = win32security.PySecBufferType(4, sspicon.SECBUFFER_DATA)
    with pytest.raises(AttributeError, match="readonly attribute"):
        buf.MaxBufferSize = 8


def test_buffer_type_takes_pywin32s_signed_flags_and_reads_back_unsigned() -> None:
    # sspicon.SECBUFFER_READONLY is -2147483648; BufferType is a T_ULONG member.
    buf = win32security.PySecBufferType(0, sspicon.SECBUFFER_TOKEN | sspicon.SECBUFFER_READONLY)
    assert buf.BufferType == 0x80000002
    buf.BufferType = sspicon.SECBUFFER_DATA | sspicon.SECBUFFER_READONLY_WITH_CHECKSUM
    assert buf.BufferType == 0x10000001


def test_zero_sized_buffer_is_a_null_pointer() -> None:
    buf = win32security.PySecBufferType(0, sspicon.SECBUFFER_DATA)
    assert buf.Buffer == b""
    buf.Buffer = b""
    with pytest.raises(ValueError):
        buf.Buffer = b"x"
    assert "pvBuffer: 0x0000000000000000" in repr(buf)


def test_out_of_range_integers_overflow_like_a_c_long() -> None:
    with pytest.raises(OverflowError):
        win32security.PySecBufferType(0, 1 << 32)
    with pytest.raises(TypeError):
        win32security.PySecBufferType(1.5, sspicon.SECBUFFER_DATA)
    with pytest.raises(MemoryError, match="cannot allocate buffer of -1 bytes"):
        win32security.PySecBufferType(-1, sspicon.SECBUFFER_DATA)


def test_secbuffer_has_no_other_attributes() -> None:
    buf = win32security.PySecBufferType(1, sspicon.SECBUFFER_DATA)
    with pytest.raises(AttributeError):
        buf.Whatever = 1  # type: ignore[attr-defined]


# --- PySecBufferDesc -------------------------------------------------------------


def test_reprs_match_pywin32s_own_test() -> None:
    """pywin32's win32/test/test_sspi.py testSecBufferRepr, verbatim patterns."""
    desc = win32security.PySecBufferDescType()
    assert re.match(
        r"PySecBufferDesc\(ulVersion: 0 \| cBuffers: 0 \| pBuffers: 0x[\da-fA-F]{8,16}\)",
        repr(desc))
    buffer1 = win32security.PySecBufferType(0, sspicon.SECBUFFER_TOKEN)
    assert re.match(
        r"PySecBuffer\(cbBuffer: 0 \| BufferType: 2 \| pvBuffer: 0x[\da-fA-F]{8,16}\)",
        repr(buffer1))
    desc.append(buffer1)
    assert re.match(
        r"PySecBufferDesc\(ulVersion: 0 \| cBuffers: 1 \| pBuffers: 0x[\da-fA-F]{8,16}\)",
        repr(desc))
    buffer2 = win32security.PySecBufferType(4, sspicon.SECBUFFER_DATA)
    assert re.match(
        r"PySecBuffer\(cbBuffer: 4 \| BufferType: 1 \| pvBuffer: 0x[\da-fA-F]{8,16}\)",
        repr(buffer2))
    desc.append(buffer2)
    assert re.match(
        r"PySecBufferDesc\(ulVersion: 0 \| cBuffers: 2 \| pBuffers: 0x[\da-fA-F]{8,16}\)",
        repr(desc))


def test_repr_prints_buffer_type_signed_like_c_percent_i() -> None:
    buf = win32security.PySecBufferType(0, sspicon.SECBUFFER_TOKEN | sspicon.SECBUFFER_READONLY)
    assert "BufferType: -2147483646 " in repr(buf)


def test_desc_sequence_protocol() -> None:
    desc = win32security.PySecBufferDescType()
    assert len(desc) == 0
    a = win32security.PySecBufferType(1, sspicon.SECBUFFER_DATA)
    b = win32security.PySecBufferType(2, sspicon.SECBUFFER_TOKEN)
    desc.append(a)
    desc.append(b)
    assert len(desc) == 2
    assert desc[0] is a and desc[1] is b and desc[-1] is b
    assert list(desc) == [a, b]
    with pytest.raises(IndexError, match="larger than number of allocated buffers"):
        desc[2]
    c = win32security.PySecBufferType(3, sspicon.SECBUFFER_PADDING)
    desc[1] = c
    assert desc[1] is c
    with pytest.raises(IndexError, match="PySecBufferDesc contains 2 buffers"):
        desc[5] = c
    with pytest.raises(NotImplementedError, match="Removing buffers not yet supported"):
        del desc[0]
    with pytest.raises(TypeError, match="Object must be a PySecBuffer"):
        desc.append(b"token")
    with pytest.raises(TypeError, match="Object must be a PySecBuffer"):
        desc[0] = None


def test_desc_version() -> None:
    assert win32security.PySecBufferDescType().Version == sspicon.SECBUFFER_VERSION == 0
    desc = win32security.PySecBufferDescType(Version=1)
    assert desc.Version == 1
    desc.Version = 0
    assert desc.Version == 0


def test_old_type_aliases() -> None:
    assert win32security.SecBufferType is win32security.PySecBufferType
    assert win32security.SecBufferDescType is win32security.PySecBufferDescType
    assert win32security.CtxtHandleType is win32security.PyCtxtHandleType
    assert win32security.CredHandleType is win32security.PyCredHandleType
    assert win32security.PySecBufferDescType.__name__ == "PySecBufferDesc"
    assert win32security.PySecBufferType.__name__ == "PySecBuffer"


# --- handles without a KDC -------------------------------------------------------


def _winerror(exc: pytest.ExceptionInfo[pywintypes.error]) -> int:
    return exc.value.winerror  # type: ignore[no-any-return]


def test_fresh_handles_detach_as_minus_one() -> None:
    assert win32security.PyCtxtHandleType().Detach() == -1
    assert win32security.PyCredHandleType().Detach() == -1


@pytest.mark.parametrize("call", [
    lambda h: h.DeleteSecurityContext(),
    lambda h: h.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES),
    lambda h: h.QueryContextAttributes(sspicon.SECPKG_ATTR_NAMES),
    lambda h: h.QueryContextAttributes(sspicon.SECPKG_ATTR_ACCESS_TOKEN),
    lambda h: h.ImpersonateSecurityContext(),
    lambda h: h.RevertSecurityContext(),
    lambda h: h.QuerySecurityContextToken(),
    lambda h: h.CompleteAuthToken(win32security.PySecBufferDescType()),
    lambda h: h.MakeSignature(0, win32security.PySecBufferDescType(), 0),
    lambda h: h.VerifySignature(win32security.PySecBufferDescType(), 0),
    lambda h: h.EncryptMessage(0, win32security.PySecBufferDescType(), 0),
    lambda h: h.DecryptMessage(win32security.PySecBufferDescType(), 0),
], ids=["Delete", "QCA-sizes", "QCA-names", "QCA-access-token", "Impersonate", "Revert",
        "QSCT", "Complete", "MakeSignature", "VerifySignature", "Encrypt", "Decrypt"])
def test_methods_on_an_invalid_context_raise_invalid_handle(call: object) -> None:
    handle = win32security.PyCtxtHandleType()
    with pytest.raises(pywintypes.error) as exc:
        call(handle)  # type: ignore[operator]
    assert exc.value.winerror == sspicon.SEC_E_INVALID_HANDLE == -2146893055
    assert exc.value.strerror == "The handle specified is invalid"
    assert isinstance(exc.value.funcname, str) and exc.value.funcname


def test_methods_on_an_invalid_credential_raise_invalid_handle() -> None:
    cred = win32security.PyCredHandleType()
    with pytest.raises(pywintypes.error) as exc:
        cred.FreeCredentialsHandle()
    assert exc.value.args == (sspicon.SEC_E_INVALID_HANDLE, "FreeCredentialsHandle",
                              "The handle specified is invalid")
    with pytest.raises(win32security.error) as exc2:
        cred.QueryCredentialsAttributes(sspicon.SECPKG_CRED_ATTR_NAMES)
    assert exc2.value.funcname == "QueryCredentialsAttributes"


def test_descriptor_arguments_are_checked_like_pywin32() -> None:
    handle = win32security.PyCtxtHandleType()
    with pytest.raises(ValueError, match="PySecBufferDesc cannot be None in this context"):
        handle.MakeSignature(0, None, 0)
    with pytest.raises(TypeError, match="Object must be a PySecBufferDesc"):
        handle.EncryptMessage(0, [b"data"], 0)


def test_isc_argument_errors() -> None:
    desc = win32security.PySecBufferDescType()
    ctxt = win32security.PyCtxtHandleType()
    with pytest.raises(ValueError, match="Credentials handle cannot be NULL"):
        win32security.InitializeSecurityContext(None, None, "x", 0, 0, None, ctxt, desc)
    cred = win32security.PyCredHandleType()
    with pytest.raises(ValueError, match="Context handle cannot be NULL"):
        win32security.InitializeSecurityContext(cred, None, "x", 0, 0, None, None, desc)
    with pytest.raises(ValueError, match="PySecBufferDesc cannot be None"):
        win32security.InitializeSecurityContext(cred, None, "x", 0, 0, None, ctxt, None)
    with pytest.raises(TypeError, match="Object must be a PyCredHandle"):
        win32security.InitializeSecurityContext(ctxt, None, "x", 0, 0, None, ctxt, desc)
    with pytest.raises(TypeError, match="can not be converted to Unicode"):
        win32security.InitializeSecurityContext(cred, None, b"x", 0, 0, None, ctxt, desc)
    with pytest.raises(NotImplementedError, match="ISC_REQ_ALLOCATE_MEMORY"):
        win32security.InitializeSecurityContext(cred, None, "x",
                                                sspicon.ISC_REQ_ALLOCATE_MEMORY, 0, None,
                                                ctxt, desc)
    with pytest.raises(NotImplementedError, match="ISC_REQ_ALLOCATE_MEMORY"):
        win32security.AcceptSecurityContext(cred, None, None, sspicon.ASC_REQ_ALLOCATE_MEMORY,
                                            0, ctxt, desc)
    # A well-formed call on an invalid credential handle is an SSPI failure.
    with pytest.raises(pywintypes.error) as exc:
        win32security.InitializeSecurityContext(cred, None, "x", 0, 0, None, ctxt, desc)
    assert exc.value.args[:2] == (sspicon.SEC_E_INVALID_HANDLE, "InitializeSecurityContext")


def test_acquire_credentials_argument_errors() -> None:
    with pytest.raises(NotImplementedError, match="GetKeyFn and arguments are not supported"):
        win32security.AcquireCredentialsHandle(None, "Kerberos",
                                               sspicon.SECPKG_CRED_OUTBOUND, None, None,
                                               lambda: None)
    message = r"AuthData must be a tuple of 3 strings \(or None\): \(User, Domain, Password\)"
    for bad in (["u", "d", "p"], ("u", "d"), ("u", b"d", "p"), "u"):
        with pytest.raises(TypeError, match=message):
            win32security.AcquireCredentialsHandle(None, "Kerberos",
                                                   sspicon.SECPKG_CRED_OUTBOUND, None, bad)
    with pytest.raises(TypeError, match="None is not a valid string in this context"):
        win32security.AcquireCredentialsHandle(None, None, sspicon.SECPKG_CRED_OUTBOUND,
                                               None, None)


def test_unknown_package_raises_secpkg_not_found() -> None:
    with pytest.raises(pywintypes.error) as exc:
        win32security.QuerySecurityPackageInfo("NoSuchPackage")
    assert exc.value.args == (-2146893051, "QuerySecurityPackageInfo",
                              "The requested security package does not exist")
    with pytest.raises(pywintypes.error) as exc:
        win32security.AcquireCredentialsHandle(None, "NoSuchPackage",
                                               sspicon.SECPKG_CRED_OUTBOUND, None, None)
    assert exc.value.winerror == sspicon.SEC_E_SECPKG_NOT_FOUND


@pytest.mark.parametrize("name", ["Kerberos", "kerberos", "KERBEROS", "KeRbErOs"])
def test_package_names_in_any_case(name: str) -> None:
    info = win32security.QuerySecurityPackageInfo(name)
    assert info["Name"] == "Kerberos"
    assert set(info) == {"Capabilities", "Version", "RPCID", "MaxToken", "Name", "Comment"}
    assert info["RPCID"] == 16 and info["MaxToken"] == 48000


def test_enumerate_security_packages_is_a_tuple_of_dicts() -> None:
    packages = win32security.EnumerateSecurityPackages()
    assert isinstance(packages, tuple)
    names = [p["Name"] for p in packages]
    assert "Kerberos" in names
    assert all(isinstance(p, dict) for p in packages)


# --- pywintypes -------------------------------------------------------------------


def test_error_is_one_class_under_all_its_names() -> None:
    import sspi

    assert win32security.error is pywintypes.error is win32api.error is sspi.error
    err = pywintypes.error(-2146893044, "InitializeSecurityContext",
                           "The logon attempt failed")
    assert (err.winerror, err.funcname, err.strerror) == err.args
    assert str(err) == ("(-2146893044, 'InitializeSecurityContext', "
                        "'The logon attempt failed')")
    assert pywintypes.error().winerror is None  # pywin32 tolerates "insane" args


def test_timestamp_reads_filetime_as_utc_with_millisecond_precision() -> None:
    # 2020-01-02 03:04:05.678901 as a FILETIME.
    ticks = 132224078456789010
    value = pywintypes.TimeStamp(ticks)
    assert isinstance(value, pywintypes.datetime)
    assert value == datetime.datetime(2020, 1, 2, 3, 4, 5, 678000,
                                      tzinfo=datetime.timezone.utc)
    assert value.Format("%Y") == "2020"


def test_never_expires_is_datetime_max() -> None:
    never = pywintypes.TimeStamp(0x7FFFFFFFFFFFFFFF)
    assert never == datetime.datetime.max
    assert type(never) is datetime.datetime


def test_get_user_name_ex_errors() -> None:
    with pytest.raises(pywintypes.error) as exc:
        win32api.GetUserNameEx(win32api.NameUnknown)
    assert exc.value.args[:2] == (87, "GetUserNameExW")
    with pytest.raises(pywintypes.error) as exc:
        win32api.GetUserNameEx(win32api.NameFullyQualifiedDN)
    assert exc.value.args == (1332, "GetUserNameExW",
                              "No mapping between account names and security IDs was done.")
    assert "\\" in win32api.GetUserNameEx(win32api.NameSamCompatible)
