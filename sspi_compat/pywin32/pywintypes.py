"""``pywintypes`` as SSPI code uses it: ``error``, the ``datetime`` type, ``HANDLE``.

pywin32 raises :class:`error` for every failed Windows call.  Its arguments
are ``(winerror, funcname, strerror)``: the code as a *signed* 32-bit int
(``SEC_E_LOGON_DENIED`` is ``-2146893044``), the name of the Windows
function, and the ``FormatMessage`` text without its trailing CR LF.  The
attributes of the same names hold them; ``str(e)`` is the tuple's str, so
a traceback ends in ``(-2146893044, 'InitializeSecurityContext', 'The logon
attempt failed')`` exactly as on Windows.

Time values come back as :class:`datetime`, a ``datetime.datetime`` subclass
with pywin32's ``Format()`` method.

Differences from pywin32:

- :class:`error` lives in ``sspi_compat.pywin32.pywintypes`` (its
  ``__module__``); with :func:`sspi_compat.pywin32.install` it is also
  ``pywintypes.error``, ``win32api.error``, ``win32security.error`` and
  ``sspi.error`` — one class, as in pywin32.
- The ``tzinfo`` of returned times is ``datetime.timezone.utc`` rather than
  ``win32timezone.TimeZoneInfo.utc()`` (there is no ``win32timezone`` here).
- Only the handful of names SSPI code touches exist (``error``,
  ``com_error``, ``datetime``/``TimeType``, ``Time``, ``TimeStamp``,
  ``HANDLE``/``HANDLEType``).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

__all__ = [
    "HANDLE",
    "HANDLEType",
    "Time",
    "TimeStamp",
    "TimeType",
    "com_error",
    "datetime",
    "error",
]


class error(Exception):  # pywin32's name (not ...Error)
    """pywin32's ``pywintypes.error``: ``(winerror, funcname, strerror)``.

    Built like pywin32's own Python-level class: any number of arguments,
    the first three also as attributes (``None`` when missing).
    """

    winerror: Any
    funcname: Any
    strerror: Any

    def __init__(self, *args: Any, **kw: Any) -> None:
        n = len(args)
        self.winerror = args[0] if n > 0 else None
        self.funcname = args[1] if n > 1 else None
        self.strerror = args[2] if n > 2 else None
        super().__init__(*args, **kw)


class com_error(Exception):  # pywin32's name
    """pywin32's ``pywintypes.com_error``: ``(hresult, strerror, excepinfo, argerror)``."""

    hresult: Any
    strerror: Any
    excepinfo: Any
    argerror: Any

    def __init__(self, *args: Any, **kw: Any) -> None:
        n = len(args)
        self.hresult = args[0] if n > 0 else None
        self.strerror = args[1] if n > 1 else None
        self.excepinfo = args[2] if n > 2 else None
        self.argerror = args[3] if n > 3 else None
        super().__init__(*args, **kw)


class datetime(_dt.datetime):
    """``pywintypes.datetime`` (PyDateTime): a ``datetime.datetime`` with ``Format``."""

    def Format(self, fmt: str = "%c") -> str:
        """An alias of ``strftime`` whose format defaults to ``"%c"`` (pywin32)."""
        return self.strftime(fmt)


TimeType = datetime

_FILETIME_1601 = _dt.datetime(1601, 1, 1, tzinfo=_dt.timezone.utc)
# The first tick of year 10000: SYSTEMTIME years past 9999 become datetime.max.
_FILETIME_YEAR_10000 = ((_dt.date(9999, 12, 31) - _dt.date(1601, 1, 1)).days + 1) * 864_000_000_000


def TimeStamp(timestamp: int) -> _dt.datetime:
    """``pywintypes.TimeStamp``: a FILETIME-style count (100 ns since 1601) as a time.

    Reproduces pywin32's ``PyWinObject_FromTimeStamp``: the count is read
    as UTC (``FileTimeToSystemTime``, so milliseconds precision) without any
    time-zone conversion — SSPI's Kerberos package reports *local* time in
    it, and pywin32 hands that back labelled UTC.  A count past year 9999
    (e.g. "never expires", ``0x7FFFFFFFFFFFFFFF``) is ``datetime.datetime.max``,
    a plain naive datetime, as in pywin32.
    """
    ticks = int(timestamp)
    if ticks < 0:
        raise error(87, "FileTimeToSystemTime", "The parameter is incorrect.")
    if ticks >= _FILETIME_YEAR_10000:
        return _dt.datetime.max
    millis = ticks // 10_000
    moment = _FILETIME_1601 + _dt.timedelta(milliseconds=millis)
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                    moment.second, moment.microsecond, tzinfo=_dt.timezone.utc)


def Time(timeRepr: Any) -> datetime:
    """``pywintypes.Time``: a time from a ``datetime``, a POSIX timestamp or a time tuple."""
    if isinstance(timeRepr, _dt.datetime):
        moment = timeRepr
    elif isinstance(timeRepr, (int, float)):
        moment = _dt.datetime.fromtimestamp(timeRepr)
    elif isinstance(timeRepr, tuple):
        moment = _dt.datetime(*timeRepr[:6])
    else:
        raise TypeError(f"Objects of type '{type(timeRepr).__name__}' "
                        "can not be used as a time object")
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                    moment.second, moment.microsecond, tzinfo=moment.tzinfo)


class HANDLE:
    """``PyHANDLE``: a handle value with ``handle``, ``Close``, ``Detach`` and ``int()``.

    SSPI returns one from ``QuerySecurityContextToken`` and
    ``QueryContextAttributes(SECPKG_ATTR_ACCESS_TOKEN)``.  Here the value is
    whatever object the core API handed out (there are no kernel handles);
    ``int()`` of a handle whose value is not a number is its ``id``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any = 0) -> None:
        self._value: Optional[Any] = value

    @property
    def handle(self) -> int:
        value = self._value
        if value is None:
            return 0
        return value if isinstance(value, int) else id(value)

    @property
    def value(self) -> Any:
        """The object the core API returned for this handle (None once closed)."""
        return self._value

    def Close(self) -> None:
        """Close the handle (forget the object)."""
        self._value = None

    def Detach(self) -> int:
        """Return the handle's value and stop owning it."""
        value = self.handle
        self._value = None
        return value

    def __int__(self) -> int:
        return self.handle

    def __bool__(self) -> bool:
        return self.handle != 0

    def __repr__(self) -> str:
        return f"<PyHANDLE:{self.handle}>"


HANDLEType = HANDLE
