"""``win32security``: pywin32's SSPI functions and objects over the core API.

What Windows code written for pywin32 calls, with pywin32's signatures,
return values, object types, reprs and error messages:

===============================  ===========================================
``AcquireCredentialsHandle``     ``(Principal, Package, CredentialUse,
                                 LogonID, AuthData)`` ->
                                 ``(PyCredHandle, expiry)``
``InitializeSecurityContext``    ``(Credential, Context, TargetName,
                                 ContextReq, TargetDataRep, pInput,
                                 NewContext, pOutput)`` ->
                                 ``(status, attributes, expiry)``
``AcceptSecurityContext``        ``(Credential, Context, pInput, ContextReq,
                                 TargetDataRep, NewContext, pOutput)`` ->
                                 ``(status, attributes, expiry)``
``QuerySecurityPackageInfo``     ``(PackageName)`` -> dict
``EnumerateSecurityPackages``    ``()`` -> tuple of dicts
===============================  ===========================================

Statuses: a failing call (negative ``SECURITY_STATUS``) raises
``pywintypes.error(winerror, funcname, strerror)`` with the signed code;
``InitializeSecurityContext``/``AcceptSecurityContext`` return success codes
(``SEC_E_OK``, ``SEC_I_CONTINUE_NEEDED``, ...) as plain ints in the tuple;
``VerifySignature``, ``DecryptMessage``, ``CompleteAuthToken``,
``QueryContextAttributes`` and the handle methods raise for anything but
``SEC_E_OK``; ``MakeSignature`` and ``EncryptMessage`` only for failures —
all as pywin32's C code does.  Flags and QOP values come back signed
(``SECQOP_WRAP_NO_ENCRYPT`` is ``-2147483647``), times as
``pywintypes.datetime``.

Every call goes through the public C-faithful API (``import sspi_compat``),
as a user would write it.

Differences from pywin32:

- Integer arguments that pywin32 parses as a C ``long`` accept both the
  signed and the unsigned 32-bit spelling (``0x80000001`` as well as
  ``-2147483647``); wider values raise ``OverflowError`` as in pywin32.
- ``PySecBuffer``'s memory is a ``bytearray``; its address in ``repr`` is
  that object's ``id``.  Setting ``Buffer`` always writes into the buffer's
  own memory (pywin32 writes wherever ``pvBuffer`` points after a call,
  possibly into another buffer's memory); reading ``Buffer`` never reads
  past the memory, whatever ``BufferSize`` says.
- ``QuerySecurityContextToken`` (and ``SECPKG_ATTR_ACCESS_TOKEN``) raise
  ``pywintypes.error`` with ``SEC_E_UNSUPPORTED_FUNCTION``: there are no
  access tokens on Linux.  ``ImpersonateSecurityContext`` changes the
  thread's SSPI identity and default credentials only (core API).
- Subclasses of the four object types are accepted where pywin32 insists
  on the exact type.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Dict, Iterator, List, NoReturn, Optional, Tuple

import sspi_compat as core

from . import pywintypes

__all__ = [
    "AcceptSecurityContext",
    "AcquireCredentialsHandle",
    "CredHandleType",
    "CtxtHandleType",
    "EnumerateSecurityPackages",
    "InitializeSecurityContext",
    "PyCredHandle",
    "PyCredHandleType",
    "PyCtxtHandle",
    "PyCtxtHandleType",
    "PySecBuffer",
    "PySecBufferDesc",
    "PySecBufferDescType",
    "PySecBufferType",
    "QuerySecurityPackageInfo",
    "SecBufferDescType",
    "SecBufferType",
    "error",
]

error = pywintypes.error

_ULONG_MASK = 0xFFFFFFFF
_MAX_ALLOCATION = 0x7FFFFFFF


# --- conversions shared by everything below ----------------------------------------


def _long(value: Any) -> int:
    """A C ``long`` argument (``PyArg_ParseTuple`` ``"l"``) as the unsigned ULONG it becomes."""
    if isinstance(value, float):
        raise TypeError("'float' object cannot be interpreted as an integer")
    number = value.__index__() if hasattr(value, "__index__") else None
    if number is None:
        raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
    if number < -0x80000000 or number > _ULONG_MASK:
        raise OverflowError("Python int too large to convert to C long")
    return int(number) & _ULONG_MASK


def _signed(value: int) -> int:
    """A ULONG as pywin32 returns it through ``"l"``: the top bit makes it negative."""
    value = int(value) & _ULONG_MASK
    return value - 0x100000000 if value & 0x80000000 else value


def _strerror(status: int) -> str:
    st = core.SECURITY_STATUS(status)
    return st.message if st.is_known else "No error message is available"


def _raise(status: int, funcname: str) -> NoReturn:
    """``PyWin_SetAPIError(funcname, status)``."""
    raise error(_signed(status), funcname, _strerror(status))


def _unsupported(funcname: str) -> NoReturn:
    _raise(core.SEC_E_UNSUPPORTED_FUNCTION, funcname)


def _check(status: int, funcname: str) -> None:
    """Raise for anything but ``SEC_E_OK`` (most of pywin32's SSPI calls)."""
    if status != core.SEC_E_OK:
        _raise(status, funcname)


def _check_failed(status: int, funcname: str) -> None:
    """Raise for failures only: success codes such as ``SEC_I_CONTINUE_NEEDED`` pass."""
    if status < 0:
        _raise(status, funcname)


def _wchar(value: Any, none_ok: bool) -> Optional[str]:
    """``PyWinObject_AsWCHAR``: str, or None where NULL is allowed; never bytes."""
    if isinstance(value, str):
        return value
    if value is None:
        if none_ok:
            return None
        raise TypeError("None is not a valid string in this context")
    raise TypeError(f"Objects of type '{type(value).__name__}' can not be converted to Unicode.")


def _timestamp(ts: Any) -> Any:
    """``PyWinObject_FromTimeStamp``: the FILETIME read as UTC (see pywintypes.TimeStamp)."""
    return pywintypes.TimeStamp(ts.QuadPart)


def _pkg_info(info: Any) -> Dict[str, Any]:
    """``PyWinObject_FromSecPkgInfo``: a SecPkgInfo as pywin32's dict."""
    return {
        "Capabilities": _signed(info.fCapabilities),
        "Version": _signed(info.wVersion),
        "RPCID": _signed(info.wRPCID),
        "MaxToken": _signed(info.cbMaxToken),
        "Name": info.Name,
        "Comment": info.Comment,
    }


# --- PySecBuffer / PySecBufferDesc ---------------------------------------------------


class PySecBuffer:
    """``PySecBuffer``: one ``SecBuffer`` with memory of its own.

    ``PySecBufferType(BufferSize, BufferType)`` allocates ``BufferSize``
    zeroed bytes (none for 0) and sets ``cbBuffer`` to that size.

    - ``Buffer``: reading gives the first ``BufferSize`` bytes of the
      memory the buffer currently points at (a call such as DecryptMessage
      over a ``SECBUFFER_STREAM`` may point it elsewhere); assigning a
      bytes-like object zeroes the memory, copies it in and sets
      ``BufferSize`` to its length (``ValueError`` if it exceeds
      ``MaxBufferSize``).
    - ``BufferSize`` (``cbBuffer``), ``BufferType`` (unsigned, flags OR-ed
      in), read-only ``MaxBufferSize``.
    - ``Clear()``: zero the memory, ``BufferSize = MaxBufferSize``.
    """

    __slots__ = ("_alloc", "_max", "_sb")

    def __init__(self, BufferSize: int, BufferType: int) -> None:
        size = _long(BufferSize)
        btype = _long(BufferType)
        if size > _MAX_ALLOCATION:
            raise MemoryError("PySecBuffer::PySecBuffer - cannot allocate buffer of "
                              f"{_signed(size)} bytes")
        self._max = size
        self._alloc: Optional[bytearray] = bytearray(size) if size else None
        self._sb = core.SecBuffer(btype, self._alloc, size)

    # -- attributes --------------------------------------------------------------

    @property
    def Buffer(self) -> bytes:
        sb = self._sb
        pv = sb.pvBuffer
        if pv is None:
            return b""
        n = max(0, min(int(sb.cbBuffer), len(pv)))
        return bytes(pv[:n])

    @Buffer.setter
    def Buffer(self, value: Any) -> None:
        if value is None:
            raise TypeError("Buffer cannot be None")
        try:
            data = memoryview(value)
        except TypeError:
            raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'"
                            ) from None
        n = data.nbytes
        if n > self._max:
            raise ValueError(f"Data size ({n}) greater than allocated buffer size ({self._max})")
        mem = self._alloc
        if mem is not None:
            mem[:n] = data.tobytes()
            mem[n:] = bytes(self._max - n)
        self._sb.pvBuffer = mem
        self._sb.cbBuffer = n

    @property
    def BufferSize(self) -> int:
        return int(self._sb.cbBuffer) & _ULONG_MASK

    @BufferSize.setter
    def BufferSize(self, value: int) -> None:
        self._sb.cbBuffer = _long(value)

    @property
    def BufferType(self) -> int:
        return int(self._sb.BufferType) & _ULONG_MASK

    @BufferType.setter
    def BufferType(self, value: int) -> None:
        self._sb.BufferType = _long(value)

    @property
    def MaxBufferSize(self) -> int:
        return self._max

    @MaxBufferSize.setter
    def MaxBufferSize(self, value: int) -> None:
        raise AttributeError("readonly attribute")

    def Clear(self) -> None:
        """Reset the memory to zeros and ``BufferSize`` to ``MaxBufferSize``."""
        if self._alloc is not None:
            self._alloc[:] = bytes(self._max)
        self._sb.pvBuffer = self._alloc
        self._sb.cbBuffer = self._max

    def __repr__(self) -> str:
        pv = self._sb.pvBuffer
        address = 0 if pv is None else id(pv)
        return (f"PySecBuffer(cbBuffer: {_signed(self.BufferSize)} | "
                f"BufferType: {_signed(self.BufferType)} | pvBuffer: 0x{address:016X})")


def _as_secbuffer(ob: Any) -> PySecBuffer:
    if not isinstance(ob, PySecBuffer):
        raise TypeError("Object must be a PySecBuffer")
    return ob


class PySecBufferDesc:
    """``PySecBufferDesc``: a sequence of ``PySecBuffer`` (``SecBufferDesc``).

    ``PySecBufferDescType(Version=SECBUFFER_VERSION)``; ``append(buffer)``,
    ``len()``, indexing (``IndexError`` past the end), item assignment of
    another ``PySecBuffer``; deleting items raises ``NotImplementedError``
    as in pywin32.  ``Version`` is ``ulVersion``.
    """

    __slots__ = ("__weakref__", "_desc", "_items")

    def __init__(self, Version: int = 0) -> None:
        self._items: List[PySecBuffer] = []
        self._desc = core.SecBufferDesc([], _long(Version))

    @property
    def Version(self) -> int:
        return int(self._desc.ulVersion) & _ULONG_MASK

    @Version.setter
    def Version(self, value: int) -> None:
        self._desc.ulVersion = _long(value)

    def append(self, buffer: Any) -> None:
        """Add a ``PySecBuffer`` at the end."""
        buf = _as_secbuffer(buffer)
        self._items.append(buf)
        self._desc.pBuffers.append(buf._sb)

    def _index(self, index: Any) -> int:
        if not isinstance(index, int) and not hasattr(index, "__index__"):
            raise TypeError(f"sequence index must be integer, not '{type(index).__name__}'")
        i = operator.index(index)
        if i < 0:
            i += len(self._items)
        return i

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> PySecBuffer:
        i = self._index(index)
        if not 0 <= i < len(self._items):
            raise IndexError("Index specified larger than number of allocated buffers")
        return self._items[i]

    def __setitem__(self, index: Any, value: Any) -> None:
        i = self._index(index)
        if not 0 <= i < len(self._items):
            raise IndexError(f"PySecBufferDesc contains {len(self._items)} buffers")
        buf = _as_secbuffer(value)
        self._items[i] = buf
        self._desc.pBuffers[i] = buf._sb

    def __delitem__(self, index: Any) -> None:
        raise NotImplementedError("Removing buffers not yet supported")

    def __iter__(self) -> Iterator[PySecBuffer]:
        return iter(list(self._items))

    def __repr__(self) -> str:
        return (f"PySecBufferDesc(ulVersion: {_signed(self.Version)} | "
                f"cBuffers: {len(self._items)} | pBuffers: 0x{id(self._desc.pBuffers):016X})")


def _desc(ob: Any) -> core.SecBufferDesc:
    """``PyWinObject_AsSecBufferDesc`` (NULL not allowed): the core SecBufferDesc."""
    if ob is None:
        raise ValueError("PySecBufferDesc cannot be None in this context")
    if not isinstance(ob, PySecBufferDesc):
        raise TypeError("Object must be a PySecBufferDesc")
    return ob._desc


def _desc_or_none(ob: Any) -> Optional[core.SecBufferDesc]:
    """``PyWinObject_AsSecBufferDesc`` where None (NULL) is allowed."""
    return None if ob is None else _desc(ob)


# --- handles ----------------------------------------------------------------------


def _detach(handle: Any) -> int:
    """``PyWinObject_FromSecHandle`` then ``SecInvalidateHandle``."""
    if not core.SecIsValidHandle(handle):
        return -1
    value = (int(handle.dwLower) & 0xFFFFFFFFFFFFFFFF) | (
        (int(handle.dwUpper) & 0xFFFFFFFFFFFFFFFF) << 64)
    core.SecInvalidateHandle(handle)
    return value


class _OwnedHandle:
    """What PyCredHandle and PyCtxtHandle share: the core handle they own,
    released by ``_release`` (FreeCredentialsHandle / DeleteSecurityContext)
    when the object goes away, unless ``Detach()`` was called."""

    __slots__ = ("__weakref__", "_h")
    _h: Any

    @staticmethod
    def _release(handle: Any) -> core.SECURITY_STATUS:
        raise NotImplementedError

    def Detach(self) -> int:
        """Stop owning the handle; its value as an int (``-1`` if invalid)."""
        return _detach(self._h)

    def _close(self, funcname: str) -> None:
        """The explicit release: raises on failure, leaves the handle invalid."""
        _check(self._release(self._h), funcname)
        core.SecInvalidateHandle(self._h)

    def __del__(self) -> None:
        try:
            if core.SecIsValidHandle(self._h):
                self._release(self._h)
        except Exception:  # a destructor must not raise (e.g. at interpreter exit)
            pass


class PyCredHandle(_OwnedHandle):
    """``PyCredHandle``: a credentials handle (``CredHandle``).

    Made by ``AcquireCredentialsHandle`` (``PyCredHandleType()`` gives an
    invalid one).  The credentials are freed when the object goes away,
    unless ``Detach()`` was called.
    """

    __slots__ = ()

    @staticmethod
    def _release(handle: Any) -> core.SECURITY_STATUS:
        return core.FreeCredentialsHandle(handle)

    def __init__(self) -> None:
        self._h = core.CredHandle()

    def FreeCredentialsHandle(self) -> None:
        """``FreeCredentialsHandle``: release the credentials; the object becomes unusable."""
        self._close("FreeCredentialsHandle")

    def QueryCredentialsAttributes(self, Attribute: int) -> Any:
        """``QueryCredentialsAttributes``: ``SECPKG_CRED_ATTR_NAMES`` -> the user name (str).

        Other attributes: the call is made (and raises if it fails); a
        result pywin32 cannot convert raises ``NotImplementedError``.
        """
        attribute = _long(Attribute)
        if attribute == core.SECPKG_CRED_ATTR_NAMES:
            names = core.SecPkgCredentials_Names()
            _check(core.QueryCredentialsAttributes(self._h, attribute, names),
                   "QueryCredentialsAttributes")
            return names.sUserName
        try:
            status = core.QueryCredentialsAttributes(self._h, attribute, None)
        except TypeError:
            status = core.SEC_E_OK
        _check(status, "QueryCredentialsAttributes")
        raise NotImplementedError("Attribute is not supported yet")


def _cred(ob: Any) -> Any:
    if ob is None:
        raise ValueError("Credentials handle cannot be NULL")
    if not isinstance(ob, PyCredHandle):
        raise TypeError("Object must be a PyCredHandle")
    return ob._h


def _ctxt(ob: Any, none_ok: bool) -> Optional[Any]:
    if ob is None:
        if none_ok:
            return None
        raise ValueError("Context handle cannot be NULL")
    if not isinstance(ob, PyCtxtHandle):
        raise TypeError("Object must be a PyCtxtHandle")
    return ob._h


# QueryContextAttributes: attribute -> (core structure name, converter to pywin32's shape).
# A structure the core API does not define yet answers SEC_E_UNSUPPORTED_FUNCTION.
_Converter = Callable[[Any], Any]

_CONTEXT_ATTRIBUTES: Dict[int, Tuple[str, _Converter]] = {
    core.SECPKG_ATTR_SIZES: ("SecPkgContext_Sizes", lambda s: {
        "MaxToken": _signed(s.cbMaxToken), "MaxSignature": _signed(s.cbMaxSignature),
        "BlockSize": _signed(s.cbBlockSize), "SecurityTrailer": _signed(s.cbSecurityTrailer)}),
    core.SECPKG_ATTR_NAMES: ("SecPkgContext_Names", lambda s: s.sUserName),
    core.SECPKG_ATTR_LIFESPAN: ("SecPkgContext_Lifespan",
                                lambda s: (_timestamp(s.tsStart), _timestamp(s.tsExpiry))),
    core.SECPKG_ATTR_STREAM_SIZES: ("SecPkgContext_StreamSizes", lambda s: {
        "Header": _signed(s.cbHeader), "Trailer": _signed(s.cbTrailer),
        "MaximumMessage": _signed(s.cbMaximumMessage), "Buffers": _signed(s.cBuffers),
        "BlockSize": _signed(s.cbBlockSize)}),
    core.SECPKG_ATTR_KEY_INFO: ("SecPkgContext_KeyInfo", lambda s: {
        "SignatureAlgorithmName": s.sSignatureAlgorithmName,
        "EncryptAlgorithmName": s.sEncryptAlgorithmName, "KeySize": _signed(s.KeySize),
        "SignatureAlgorithm": _signed(s.SignatureAlgorithm),
        "EncryptAlgorithm": _signed(s.EncryptAlgorithm)}),
    core.SECPKG_ATTR_AUTHORITY: ("SecPkgContext_Authority", lambda s: s.sAuthorityName),
    core.SECPKG_ATTR_SESSION_KEY: ("SecPkgContext_SessionKey",
                                   lambda s: bytes(s.SessionKey[:s.SessionKeyLength])),
    core.SECPKG_ATTR_PACKAGE_INFO: ("SecPkgContext_PackageInfo",
                                    lambda s: _pkg_info(s.PackageInfo)),
    core.SECPKG_ATTR_NEGOTIATION_INFO: ("SecPkgContext_NegotiationInfo", lambda s: (
        _signed(s.NegotiationState), _pkg_info(s.PackageInfo))),
    core.SECPKG_ATTR_NATIVE_NAMES: ("SecPkgContext_NativeNames",
                                    lambda s: (s.sClientName, s.sServerName)),
    core.SECPKG_ATTR_FLAGS: ("SecPkgContext_Flags", lambda s: int(s.Flags) & _ULONG_MASK),
    core.SECPKG_ATTR_ACCESS_TOKEN: ("SecPkgContext_AccessToken",
                                    lambda s: pywintypes.HANDLE(s.AccessToken)),
    core.SECPKG_ATTR_PASSWORD_EXPIRY: ("SecPkgContext_PasswordExpiry",
                                       lambda s: _timestamp(s.tsPasswordExpires)),
    core.SECPKG_ATTR_TARGET_INFORMATION: ("SecPkgContext_TargetInformation", lambda s: bytes(
        (s.MarshalledTargetInfo or b"")[:s.MarshalledTargetInfoLength])),
    core.SECPKG_ATTR_CIPHER_STRENGTHS: ("SecPkgCred_CipherStrengths", lambda s: (
        _signed(s.dwMinimumCipherStrength), _signed(s.dwMaximumCipherStrength))),
    core.SECPKG_ATTR_CONNECTION_INFO: ("SecPkgContext_ConnectionInfo", lambda s: {
        "Protocol": _signed(s.dwProtocol), "Cipher": _signed(s.aiCipher),
        "CipherStrength": _signed(s.dwCipherStrength), "Hash": _signed(s.aiHash),
        "HashStrength": _signed(s.dwHashStrength), "Exch": _signed(s.aiExch),
        "ExchStrength": _signed(s.dwExchStrength)}),
    core.SECPKG_ATTR_ISSUER_LIST_EX: ("SecPkgContext_IssuerListInfoEx", lambda s: (
        _signed(s.cIssuers), bytes(s.aIssuers or b""))),
}


class PyCtxtHandle(_OwnedHandle):
    """``PyCtxtHandle``: a security context handle (``CtxtHandle``).

    ``PyCtxtHandleType()`` gives an invalid handle for ``NewContext``; the
    context is deleted when the object goes away, unless ``Detach()`` or
    ``DeleteSecurityContext()`` was called.
    """

    __slots__ = ()

    @staticmethod
    def _release(handle: Any) -> core.SECURITY_STATUS:
        return core.DeleteSecurityContext(handle)

    def __init__(self) -> None:
        self._h = core.CtxtHandle()

    def CompleteAuthToken(self, Token: Any) -> None:
        """``CompleteAuthToken`` over the descriptor the token was returned in."""
        _check(core.CompleteAuthToken(self._h, _desc(Token)), "CompleteAuthToken")

    def QueryContextAttributes(self, Attribute: int) -> Any:
        """``QueryContextAttributes``, returned in pywin32's shape for the attribute.

        ``SECPKG_ATTR_SIZES`` / ``STREAM_SIZES`` / ``KEY_INFO`` /
        ``PACKAGE_INFO``: dicts; ``NAMES`` / ``AUTHORITY``: str;
        ``NATIVE_NAMES``: ``(client, server)``; ``LIFESPAN``: ``(start,
        expiry)`` datetimes; ``NEGOTIATION_INFO``: ``(state, package dict)``;
        ``FLAGS``: int; ``SESSION_KEY``: bytes.  A failure raises
        ``pywintypes.error``; an attribute pywin32 has no conversion for
        raises ``NotImplementedError("Attribute is not supported yet")``.
        """
        attribute = _long(Attribute)
        entry = _CONTEXT_ATTRIBUTES.get(attribute)
        if entry is None:
            try:
                status = core.QueryContextAttributes(self._h, attribute, None)
            except TypeError:  # the package knows it, but needs a structure we lack
                status = core.SEC_E_OK
            _check(status, "QueryContextAttributes")
            raise NotImplementedError("Attribute is not supported yet")
        struct_name, convert = entry
        struct = getattr(core, struct_name, None)
        if struct is None:
            # The core has no such structure (no access tokens, no Schannel on
            # Linux): SEC_E_UNSUPPORTED_FUNCTION -- after the handle check every
            # call makes first (SEC_E_INVALID_HANDLE for a dead handle).
            try:
                status = core.QueryContextAttributes(self._h, attribute, None)
            except TypeError:  # a package that would fill a structure we lack
                status = core.SEC_E_UNSUPPORTED_FUNCTION
            _check(status, "QueryContextAttributes")
            _unsupported("QueryContextAttributes")
        buffer = struct()
        _check(core.QueryContextAttributes(self._h, attribute, buffer), "QueryContextAttributes")
        return convert(buffer)

    def DeleteSecurityContext(self) -> None:
        """``DeleteSecurityContext``; the handle is invalid afterwards."""
        self._close("DeleteSecurityContext")

    def QuerySecurityContextToken(self) -> pywintypes.HANDLE:
        """``QuerySecurityContextToken``: the client's access token as a PyHANDLE.

        Linux has no access tokens: the core answers
        ``SEC_E_UNSUPPORTED_FUNCTION``, raised as ``pywintypes.error``.
        """
        token = core.HANDLE()
        _check(core.QuerySecurityContextToken(self._h, token), "QuerySecurityContextToken")
        return pywintypes.HANDLE(token.value)

    def _protect(self, call: Callable[..., core.SECURITY_STATUS], funcname: str, fqop: int,
                 Message: Any, MessageSeqNo: int) -> None:
        """MakeSignature / EncryptMessage: raise for failures only."""
        qop, seqno = _long(fqop), _long(MessageSeqNo)
        _check_failed(call(self._h, qop, _desc(Message), seqno), funcname)

    def _unprotect(self, call: Callable[..., core.SECURITY_STATUS], funcname: str,
                   Message: Any, MessageSeqNo: int) -> int:
        """VerifySignature / DecryptMessage: the QOP, signed; raise unless SEC_E_OK."""
        seqno = _long(MessageSeqNo)
        desc = _desc(Message)
        qop = core.ULONG()
        _check(call(self._h, desc, seqno, qop), funcname)
        return _signed(qop.value)

    def MakeSignature(self, fqop: int, Message: Any, MessageSeqNo: int) -> None:
        """``MakeSignature``: the signature goes into the descriptor's token buffer."""
        self._protect(core.MakeSignature, "MakeSignature", fqop, Message, MessageSeqNo)

    def VerifySignature(self, Message: Any, MessageSeqNo: int) -> int:
        """``VerifySignature``: returns the quality of protection (signed int)."""
        return self._unprotect(core.VerifySignature, "VerifySignature", Message, MessageSeqNo)

    def EncryptMessage(self, fqop: int, Message: Any, MessageSeqNo: int) -> None:
        """``EncryptMessage``: the buffers are encrypted in place."""
        self._protect(core.EncryptMessage, "EncryptMessage", fqop, Message, MessageSeqNo)

    def DecryptMessage(self, Message: Any, MessageSeqNo: int) -> int:
        """``DecryptMessage``: decrypts in place, returns the QOP (``SECQOP_WRAP_NO_ENCRYPT``
        signed, ``-2147483647``, when the message was only signed)."""
        return self._unprotect(core.DecryptMessage, "DecryptMessage", Message, MessageSeqNo)

    def ImpersonateSecurityContext(self) -> None:
        """``ImpersonateSecurityContext``: the calling thread acts as the client.

        Until ``RevertSecurityContext``, ``win32api.GetUserName()`` reports
        the client and default outbound credentials are the client's
        delegated ones (see the core API's ImpersonateSecurityContext).
        """
        _check(core.ImpersonateSecurityContext(self._h), "ImpersonateSecurityContext")

    def RevertSecurityContext(self) -> None:
        """``RevertSecurityContext``: the calling thread acts for itself again."""
        _check(core.RevertSecurityContext(self._h), "RevertSecurityContext")


# The type objects under pywin32's names (and the old aliases it keeps).
PySecBufferType = SecBufferType = PySecBuffer
PySecBufferDescType = SecBufferDescType = PySecBufferDesc
PyCtxtHandleType = CtxtHandleType = PyCtxtHandle
PyCredHandleType = CredHandleType = PyCredHandle


# --- module functions --------------------------------------------------------------

_AUTH_DATA_ERROR = "AuthData must be a tuple of 3 strings (or None): (User, Domain, Password)"


def _auth_identity(AuthData: Any) -> Any:
    """``PyWinObject_AsSEC_WINNT_AUTH_IDENTITY``: a (User, Domain, Password) tuple."""
    if not isinstance(AuthData, tuple) or len(AuthData) != 3:
        raise TypeError(_AUTH_DATA_ERROR)
    try:
        user, domain, password = (_wchar(part, True) for part in AuthData)
    except TypeError:
        raise TypeError(_AUTH_DATA_ERROR) from None
    return core.SEC_WINNT_AUTH_IDENTITY(User=user, Domain=domain, Password=password,
                                        Flags=core.SEC_WINNT_AUTH_IDENTITY_UNICODE)


def AcquireCredentialsHandle(Principal: Optional[str], Package: str, CredentialUse: int,
                             LogonID: Any, AuthData: Any, GetKeyFn: Any = None,
                             GetKeyArgument: Any = None) -> Tuple[PyCredHandle, Any]:
    """``AcquireCredentialsHandle`` -> ``(PyCredHandle, expiry)``.

    ``Principal`` None for the current user; ``AuthData`` None for the
    logon session or ``(User, Domain, Password)`` (strings or None).
    ``GetKeyFn`` is not supported (``NotImplementedError``, as in pywin32).
    """
    use = _long(CredentialUse)
    if GetKeyFn is not None or GetKeyArgument is not None:
        raise NotImplementedError("GetKeyFn and arguments are not supported")
    identity = _auth_identity(AuthData) if AuthData is not None else None
    logon_id = None
    if LogonID is not None:
        if not isinstance(LogonID, int):
            raise TypeError("must be an integer")
        logon_id = LogonID
    principal = _wchar(Principal, True)
    package = _wchar(Package, False)
    handle = PyCredHandle()
    expiry = core.TimeStamp()
    _check(core.AcquireCredentialsHandle(principal, package, use, logon_id, identity,
                                         None, None, handle._h, expiry),
           "AcquireCredentialsHandle")
    return handle, _timestamp(expiry)


_ALLOCATE_MEMORY_ERROR = "Use of ISC_REQ_ALLOCATE_MEMORY is not yet supported"


def _context_step(funcname: str, allocate_memory: int, Credential: Any, Context: Any,
                  pInput: Any, ContextReq: int, TargetDataRep: int, NewContext: Any,
                  pOutput: Any, call: Callable[..., core.SECURITY_STATUS],
                  ) -> Tuple[int, int, Any]:
    """What InitializeSecurityContext and AcceptSecurityContext share: the
    arguments converted in pywin32's order, then ``call(cred, ctxt, in_desc,
    req, drep, new_ctxt, out_desc, attrs, expiry)``; failures raise."""
    req = _long(ContextReq)
    drep = _long(TargetDataRep)
    if req & allocate_memory:
        raise NotImplementedError(_ALLOCATE_MEMORY_ERROR)
    cred = _cred(Credential)
    ctxt = _ctxt(Context, True)
    in_desc = _desc_or_none(pInput)
    new_ctxt = _ctxt(NewContext, False)
    out_desc = _desc(pOutput)
    attrs = core.ULONG()
    expiry = core.TimeStamp()
    status = call(cred, ctxt, in_desc, req, drep, new_ctxt, out_desc, attrs, expiry)
    _check_failed(status, funcname)
    return int(status), _signed(attrs.value), _timestamp(expiry)


def InitializeSecurityContext(Credential: Any, Context: Any, TargetName: Optional[str],
                              ContextReq: int, TargetDataRep: int, pInput: Any,
                              NewContext: Any, pOutput: Any) -> Tuple[int, int, Any]:
    """``InitializeSecurityContext`` -> ``(status, attributes, expiry)``.

    ``Context`` is None on the first call, then the handle passed as
    ``NewContext`` before; ``pInput`` None or a PySecBufferDesc (an empty one
    is fine on the first call); ``pOutput`` receives the token.  Success
    codes (``SEC_I_CONTINUE_NEEDED``, ...) are returned; failures raise.
    """
    def call(cred: Any, ctxt: Any, in_desc: Any, req: int, drep: int, new_ctxt: Any,
             out_desc: Any, attrs: Any, expiry: Any) -> core.SECURITY_STATUS:
        target = _wchar(TargetName, True)  # converted last, as pywin32 does
        return core.InitializeSecurityContext(cred, ctxt, target, req, 0, drep, in_desc, 0,
                                              new_ctxt, out_desc, attrs, expiry)

    return _context_step("InitializeSecurityContext", core.ISC_REQ_ALLOCATE_MEMORY,
                         Credential, Context, pInput, ContextReq, TargetDataRep, NewContext,
                         pOutput, call)


def AcceptSecurityContext(Credential: Any, Context: Any, pInput: Any, ContextReq: int,
                          TargetDataRep: int, NewContext: Any, pOutput: Any,
                          ) -> Tuple[int, int, Any]:
    """``AcceptSecurityContext`` -> ``(status, attributes, expiry)`` (see ISC)."""
    return _context_step("AcceptSecurityContext", core.ASC_REQ_ALLOCATE_MEMORY,
                         Credential, Context, pInput, ContextReq, TargetDataRep, NewContext,
                         pOutput, core.AcceptSecurityContext)


def QuerySecurityPackageInfo(PackageName: str) -> Dict[str, Any]:
    """``QuerySecurityPackageInfo`` -> dict with ``Capabilities``, ``Version``,
    ``RPCID``, ``MaxToken``, ``Name``, ``Comment``.  Names match in any case."""
    name = _wchar(PackageName, False)
    holder = core.PSecPkgInfo()
    _check(core.QuerySecurityPackageInfo(name, holder), "QuerySecurityPackageInfo")
    try:
        return _pkg_info(holder.value)
    finally:
        core.FreeContextBuffer(holder.value)


def EnumerateSecurityPackages() -> Tuple[Dict[str, Any], ...]:
    """``EnumerateSecurityPackages`` -> a tuple of package dicts."""
    count = core.ULONG()
    holder = core.PSecPkgInfo()
    _check(core.EnumerateSecurityPackages(count, holder), "EnumerateSecurityPackages")
    try:
        return tuple(_pkg_info(info) for info in holder.value[:count.value])
    finally:
        core.FreeContextBuffer(holder.value)
