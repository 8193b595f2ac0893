"""SSPI structures with their C names and C field names.

Each class mirrors one structure of ``sspi.h`` so that code written against
the C signatures reads the same in Python.  Pointers become object
references; a pointer-to-pointer output becomes an out-holder whose
``.value`` the call sets; lengths that C stores beside a string are derived.
"""

from __future__ import annotations

import datetime as _dt
import time as _time
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Optional, Sequence, Union, overload

from ._constants import (
    SEC_WINNT_AUTH_IDENTITY_ANSI,
    SEC_WINNT_AUTH_IDENTITY_UNICODE,
    SEC_WINNT_AUTH_IDENTITY_VERSION,
    SECBUFFER_ATTRMASK,
    SECBUFFER_EMPTY,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_VERSION,
)

Buffer = Union[bytearray, memoryview, bytes, None]

__all__ = [
    "HANDLE",
    "SEC_CHANNEL_BINDINGS",
    "SEC_WINNT_AUTH_IDENTITY",
    "SEC_WINNT_AUTH_IDENTITY_A",
    "SEC_WINNT_AUTH_IDENTITY_EX",
    "SEC_WINNT_AUTH_IDENTITY_EXA",
    "SEC_WINNT_AUTH_IDENTITY_EXW",
    "SEC_WINNT_AUTH_IDENTITY_W",
    "ULONG",
    "PSecPkgInfo",
    "SecBuffer",
    "SecBufferDesc",
    "SecPkgContext_Authority",
    "SecPkgContext_Flags",
    "SecPkgContext_KeyInfo",
    "SecPkgContext_Lifespan",
    "SecPkgContext_Names",
    "SecPkgContext_NativeNames",
    "SecPkgContext_NegotiationInfo",
    "SecPkgContext_PackageInfo",
    "SecPkgContext_SessionKey",
    "SecPkgContext_Sizes",
    "SecPkgContext_StreamSizes",
    "SecPkgCredentials_Names",
    "SecPkgInfo",
    "TimeStamp",
]

# ---------------------------------------------------------------------------
# Buffers
# ---------------------------------------------------------------------------


class SecBuffer:
    """``SecBuffer``: one typed region of memory handed to a package.

    ``BufferType`` carries the type in its low bits and the attribute flags
    (``SECBUFFER_READONLY``, ``SECBUFFER_READONLY_WITH_CHECKSUM``) OR-ed in,
    as in C.  ``pvBuffer`` is the memory: a ``bytearray`` or writable
    ``memoryview`` can be written in place; ``bytes`` is treated as memory the
    package may read and, when it must write, replace with a ``bytearray`` of
    the same capacity (Python bytes are immutable).  ``cbBuffer`` is the
    number of meaningful bytes; it defaults to the size of ``pvBuffer``.
    """

    __slots__ = ("BufferType", "cbBuffer", "pvBuffer")

    def __init__(self, BufferType: int = SECBUFFER_EMPTY, pvBuffer: Buffer = None,
                 cbBuffer: Optional[int] = None) -> None:
        if isinstance(pvBuffer, (str, int)) or not (
                pvBuffer is None or isinstance(pvBuffer, (bytes, bytearray, memoryview))):
            raise TypeError("pvBuffer must be bytearray, memoryview, bytes or None, "
                            f"not {type(pvBuffer).__name__}")
        if not isinstance(BufferType, int):
            raise TypeError("BufferType must be an int")
        if isinstance(pvBuffer, memoryview) and (pvBuffer.ndim != 1
                                                 or pvBuffer.format not in ("B", "b", "c")):
            # C memory is bytes: view e.g. an array('I') as its bytes, so that
            # cbBuffer and every offset count bytes, not items.
            if not pvBuffer.c_contiguous:
                raise TypeError("pvBuffer must be contiguous memory")
            pvBuffer = pvBuffer.cast("B")
        self.BufferType: int = BufferType
        self.pvBuffer: Buffer = pvBuffer
        if cbBuffer is None:
            cbBuffer = 0 if pvBuffer is None else len(pvBuffer)
        self.cbBuffer: int = cbBuffer

    @property
    def type(self) -> int:
        """The buffer type without the attribute flags."""
        return self.BufferType & ~SECBUFFER_ATTRMASK

    @property
    def readonly(self) -> bool:
        """True when ``SECBUFFER_READONLY`` is set (and not the checksum variant)."""
        attrs = self.BufferType & SECBUFFER_ATTRMASK
        return bool(attrs & SECBUFFER_READONLY) and not attrs & SECBUFFER_READONLY_WITH_CHECKSUM

    @property
    def data(self) -> bytes:
        """The first ``cbBuffer`` bytes of ``pvBuffer`` (a copy, so it stays valid)."""
        pv = self.pvBuffer
        if pv is None:
            return b""
        return bytes(pv[: max(0, min(self.cbBuffer, len(pv)))])

    def __repr__(self) -> str:
        return f"SecBuffer(BufferType={self.BufferType:#x}, cbBuffer={self.cbBuffer})"


class SecBufferDesc:
    """``SecBufferDesc``: an ordered array of ``SecBuffer`` with a version.

    Behaves as a sequence of its buffers; ``cBuffers`` is derived from
    ``pBuffers``.
    """

    __slots__ = ("pBuffers", "ulVersion")

    def __init__(self, pBuffers: Optional[Sequence[SecBuffer]] = None,
                 ulVersion: int = SECBUFFER_VERSION) -> None:
        buffers = list(pBuffers or [])
        for b in buffers:
            if not isinstance(b, SecBuffer):
                raise TypeError(f"SecBufferDesc holds SecBuffer objects, not {type(b).__name__}")
        self.pBuffers: List[SecBuffer] = buffers
        self.ulVersion = ulVersion

    @property
    def cBuffers(self) -> int:
        return len(self.pBuffers)

    def append(self, buffer: SecBuffer) -> None:
        if not isinstance(buffer, SecBuffer):
            raise TypeError("SecBufferDesc holds SecBuffer objects")
        self.pBuffers.append(buffer)

    def __len__(self) -> int:
        return len(self.pBuffers)

    @overload
    def __getitem__(self, index: int) -> SecBuffer: ...

    @overload
    def __getitem__(self, index: slice) -> List[SecBuffer]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[SecBuffer, List[SecBuffer]]:
        return self.pBuffers[index]

    def __iter__(self) -> Iterator[SecBuffer]:
        return iter(self.pBuffers)

    def __repr__(self) -> str:
        return f"SecBufferDesc({self.pBuffers!r})"


# ---------------------------------------------------------------------------
# Scalars and out-holders
# ---------------------------------------------------------------------------

_FILETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns ticks from 1601-01-01 to 1970-01-01
_NEVER = 0x7FFFFFFFFFFFFFFF


class ULONG:
    """A ``ULONG`` out-parameter (``PULONG`` in C): the call sets ``value``."""

    __slots__ = ("value",)

    def __init__(self, value: int = 0) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ULONG):
            return self.value == other.value
        if isinstance(other, int):
            return self.value == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ULONG({self.value:#x})"


class TimeStamp:
    """``TimeStamp`` (a ``SECURITY_INTEGER``/FILETIME): 100 ns ticks since 1601.

    SSPI's Kerberos package reports expiry times in *local* time (remark on
    InitializeSecurityContext (Kerberos)), so the package fills these with
    local time.  ``QuadPart == 0x7FFFFFFFFFFFFFFF`` means "never expires".
    """

    __slots__ = ("QuadPart",)

    NEVER = _NEVER

    def __init__(self, QuadPart: int = 0) -> None:
        self.QuadPart = QuadPart

    @property
    def LowPart(self) -> int:
        return self.QuadPart & 0xFFFFFFFF

    @property
    def HighPart(self) -> int:
        high = (self.QuadPart >> 32) & 0xFFFFFFFF
        return high - 0x100000000 if high & 0x80000000 else high

    @property
    def never_expires(self) -> bool:
        return self.QuadPart == _NEVER

    def set_local_from_epoch(self, seconds: Optional[float]) -> None:
        """Set from a UTC epoch time, converted to local FILETIME ticks.

        ``None`` means indefinite (GSS_C_INDEFINITE) and sets the "never" value.
        """
        if seconds is None:
            self.QuadPart = _NEVER
            return
        offset = _local_utc_offset(seconds)
        self.QuadPart = int((seconds + offset) * 10_000_000) + _FILETIME_EPOCH_OFFSET

    def to_datetime(self) -> _dt.datetime:
        """The stored local time as a naive ``datetime`` (``datetime.max`` for never)."""
        if self.QuadPart == _NEVER:
            return _dt.datetime.max
        micros = (self.QuadPart - _FILETIME_EPOCH_OFFSET) // 10
        return _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=micros)

    @property
    def datetime(self) -> _dt.datetime:
        return self.to_datetime()

    def __int__(self) -> int:
        return self.QuadPart

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TimeStamp):
            return self.QuadPart == other.QuadPart
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.QuadPart == _NEVER:
            return "TimeStamp(never)"
        if self.QuadPart == 0:
            return "TimeStamp(0)"
        return f"TimeStamp({self.to_datetime().isoformat(sep=' ', timespec='seconds')} local)"


def _local_utc_offset(seconds: float) -> float:
    try:
        local = _time.localtime(seconds)
    except (OverflowError, OSError, ValueError):
        return 0.0
    return float(local.tm_gmtoff or 0)


# ---------------------------------------------------------------------------
# Authentication identities
# ---------------------------------------------------------------------------


class SEC_WINNT_AUTH_IDENTITY:
    """``SEC_WINNT_AUTH_IDENTITY``: explicit user, domain and password.

    ``Flags`` is ``SEC_WINNT_AUTH_IDENTITY_UNICODE`` (the ``_W`` form) or
    ``SEC_WINNT_AUTH_IDENTITY_ANSI`` (the ``_A`` form); the strings may be
    given as ``str`` or as encoded ``bytes`` (UTF-16-LE for Unicode, the ANSI
    code page — here UTF-8 — for ANSI).  The ``*Length`` fields are derived
    (characters, without the terminating NUL).  The password never appears
    in ``repr``.
    """

    __slots__ = ("Domain", "Flags", "Password", "User")

    def __init__(self, User: Union[str, bytes, None] = None,
                 Domain: Union[str, bytes, None] = None,
                 Password: Union[str, bytes, None] = None,
                 Flags: int = SEC_WINNT_AUTH_IDENTITY_UNICODE) -> None:
        self.User = User
        self.Domain = Domain
        self.Password = Password
        self.Flags = Flags

    def _text(self, value: Union[str, bytes, None]) -> Optional[str]:
        return _decode_identity_string(value, self.Flags)

    @property
    def UserLength(self) -> int:
        return len(self._text(self.User) or "")

    @property
    def DomainLength(self) -> int:
        return len(self._text(self.Domain) or "")

    @property
    def PasswordLength(self) -> int:
        return len(self._text(self.Password) or "")

    def decoded(self) -> tuple[Optional[str], Optional[str], Optional[str]]:
        """(user, domain, password) as ``str``; raises ValueError on bad encoding."""
        return self._text(self.User), self._text(self.Domain), self._text(self.Password)

    def __repr__(self) -> str:
        shown = "<hidden>" if self.Password is not None else "None"
        return (f"{type(self).__name__}(User={self.User!r}, Domain={self.Domain!r}, "
                f"Password={shown}, Flags={self.Flags:#x})")


SEC_WINNT_AUTH_IDENTITY_W = SEC_WINNT_AUTH_IDENTITY


class SEC_WINNT_AUTH_IDENTITY_A(SEC_WINNT_AUTH_IDENTITY):
    """The ANSI form: ``Flags`` defaults to ``SEC_WINNT_AUTH_IDENTITY_ANSI``."""

    __slots__ = ()

    def __init__(self, User: Union[str, bytes, None] = None,
                 Domain: Union[str, bytes, None] = None,
                 Password: Union[str, bytes, None] = None,
                 Flags: int = SEC_WINNT_AUTH_IDENTITY_ANSI) -> None:
        super().__init__(User, Domain, Password, Flags)


class SEC_WINNT_AUTH_IDENTITY_EX(SEC_WINNT_AUTH_IDENTITY):
    """``SEC_WINNT_AUTH_IDENTITY_EX``: the identity plus ``PackageList``.

    ``PackageList`` is a comma-separated list of package names, each possibly
    prefixed with ``!`` to exclude it (used by Negotiate).
    """

    __slots__ = ("PackageList", "Version")

    def __init__(self, User: Union[str, bytes, None] = None,
                 Domain: Union[str, bytes, None] = None,
                 Password: Union[str, bytes, None] = None,
                 Flags: int = SEC_WINNT_AUTH_IDENTITY_UNICODE,
                 PackageList: Union[str, bytes, None] = None,
                 Version: int = SEC_WINNT_AUTH_IDENTITY_VERSION) -> None:
        super().__init__(User, Domain, Password, Flags)
        self.PackageList = PackageList
        self.Version = Version

    @property
    def PackageListLength(self) -> int:
        return len(self._text(self.PackageList) or "")

    @property
    def Length(self) -> int:
        """``sizeof(SEC_WINNT_AUTH_IDENTITY_EX)`` on 64-bit Windows (LLP64:
        two ULONGs, then pointer/ULONG pairs, each pointer 8-aligned)."""
        return 72


SEC_WINNT_AUTH_IDENTITY_EXW = SEC_WINNT_AUTH_IDENTITY_EX


class SEC_WINNT_AUTH_IDENTITY_EXA(SEC_WINNT_AUTH_IDENTITY_EX):
    __slots__ = ()

    def __init__(self, User: Union[str, bytes, None] = None,
                 Domain: Union[str, bytes, None] = None,
                 Password: Union[str, bytes, None] = None,
                 Flags: int = SEC_WINNT_AUTH_IDENTITY_ANSI,
                 PackageList: Union[str, bytes, None] = None,
                 Version: int = SEC_WINNT_AUTH_IDENTITY_VERSION) -> None:
        super().__init__(User, Domain, Password, Flags, PackageList, Version)


def _decode_identity_string(value: Union[str, bytes, None], flags: int) -> Optional[str]:
    """The field as ``str``.  Text no C string can hold (lone surrogates) or bytes
    that are not UTF-16-LE (Unicode form) / UTF-8 (ANSI form) raise a ValueError
    that names neither the offending character nor its position: the field may
    be the password.  (Python's own UnicodeError does both, and keeps the whole
    string in ``.object``; it is not chained.)"""
    if value is None:
        return None
    if not isinstance(value, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"identity strings are str or bytes, not {type(value).__name__}")
    encoding = "utf-16-le" if flags & SEC_WINNT_AUTH_IDENTITY_UNICODE else "utf-8"
    try:
        if isinstance(value, str):
            value.encode("utf-8")
            text = value
        else:
            text = bytes(value).decode(encoding)
    except UnicodeError:
        pass
    else:
        return text.rstrip("\0")
    what = "text no C string can hold" if isinstance(value, str) else f"not {encoding}"
    raise ValueError(f"an identity string is {what}")


@dataclass
class SEC_CHANNEL_BINDINGS:
    """``SEC_CHANNEL_BINDINGS`` (the GSS channel bindings of RFC 2744).

    Carried in a ``SECBUFFER_CHANNEL_BINDINGS`` buffer, serialised with
    ``pack()``; application data only is what TLS bindings use.
    """

    dwInitiatorAddrType: int = 0
    InitiatorAddress: bytes = b""
    dwAcceptorAddrType: int = 0
    AcceptorAddress: bytes = b""
    ApplicationData: bytes = b""

    def pack(self) -> bytes:
        """The 32-byte header followed by the three blobs, as Windows lays it out."""
        import struct

        header = 32
        ia = header
        aa = ia + len(self.InitiatorAddress)
        ad = aa + len(self.AcceptorAddress)
        return struct.pack(
            "<8I", self.dwInitiatorAddrType, len(self.InitiatorAddress),
            ia if self.InitiatorAddress else 0, self.dwAcceptorAddrType,
            len(self.AcceptorAddress), aa if self.AcceptorAddress else 0,
            len(self.ApplicationData), ad if self.ApplicationData else 0,
        ) + self.InitiatorAddress + self.AcceptorAddress + self.ApplicationData


# ---------------------------------------------------------------------------
# Package information and attribute structures
# ---------------------------------------------------------------------------


@dataclass
class SecPkgInfo:
    """``SecPkgInfo``: what EnumerateSecurityPackages/QuerySecurityPackageInfo return."""

    fCapabilities: int = 0
    wVersion: int = 1
    wRPCID: int = 0
    cbMaxToken: int = 0
    Name: str = ""
    Comment: str = ""


class PSecPkgInfo:
    """Out-holder for ``PSecPkgInfo*``: ``value`` is set to a SecPkgInfo or a list of them."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Any = None

    def __repr__(self) -> str:
        return f"PSecPkgInfo({self.value!r})"


@dataclass
class SecPkgContext_Sizes:
    cbMaxToken: int = 0
    cbMaxSignature: int = 0
    cbBlockSize: int = 0
    cbSecurityTrailer: int = 0


@dataclass
class SecPkgContext_StreamSizes:
    cbHeader: int = 0
    cbTrailer: int = 0
    cbMaximumMessage: int = 0
    cBuffers: int = 0
    cbBlockSize: int = 0


@dataclass
class SecPkgContext_Names:
    sUserName: Optional[str] = None


@dataclass
class SecPkgContext_NativeNames:
    sClientName: Optional[str] = None
    sServerName: Optional[str] = None


@dataclass
class SecPkgContext_Lifespan:
    tsStart: TimeStamp = field(default_factory=TimeStamp)
    tsExpiry: TimeStamp = field(default_factory=TimeStamp)


@dataclass
class SecPkgContext_Flags:
    Flags: int = 0


@dataclass
class SecPkgContext_PackageInfo:
    PackageInfo: Optional[SecPkgInfo] = None


@dataclass
class SecPkgContext_NegotiationInfo:
    PackageInfo: Optional[SecPkgInfo] = None
    NegotiationState: int = 0


@dataclass(repr=False)
class SecPkgContext_SessionKey:
    """The session key; its bytes never appear in ``repr``."""

    SessionKeyLength: int = 0
    SessionKey: bytes = b""

    def __repr__(self) -> str:
        return f"SecPkgContext_SessionKey(SessionKeyLength={self.SessionKeyLength}, <hidden>)"


@dataclass
class SecPkgContext_KeyInfo:
    sSignatureAlgorithmName: Optional[str] = None
    sEncryptAlgorithmName: Optional[str] = None
    KeySize: int = 0
    SignatureAlgorithm: int = 0
    EncryptAlgorithm: int = 0


@dataclass
class SecPkgContext_Authority:
    sAuthorityName: Optional[str] = None


@dataclass
class SecPkgCredentials_Names:
    sUserName: Optional[str] = None


class HANDLE:
    """Out-holder for a ``HANDLE*`` / ``void**`` output (ExportSecurityContext's
    ``pToken``, QuerySecurityContextToken's ``phToken``): the call sets
    ``value``; ``None`` is a NULL handle."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None) -> None:
        self.value: Any = value

    def __repr__(self) -> str:
        return f"HANDLE({self.value!r})"
