"""``sspi``: pywin32's helper classes ``ClientAuth`` and ``ServerAuth``.

They hide the token exchange behind one method, ``authorize(token)``, and
the per-message calls behind ``sign``/``verify``, ``encrypt``/``decrypt``
and ``wrap``/``unwrap``, exactly as pywin32's ``win32/Lib/sspi.py`` does —
same constructor arguments and defaults, same attributes (``pkg_info``,
``credentials``, ``credentials_expiry``, ``ctxt``, ``ctxt_attr``,
``ctxt_expiry``, ``authenticated``, ``initiator_name``, ``service_name``,
``next_seq_num``, ``scflags``, ``datarep``, ``targetspn``/``spn``), same
buffer layouts, same exceptions (:data:`error` is ``pywintypes.error``):

- ``ClientAuth(pkg_name, client_name=None, auth_info=None, targetspn=None,
  scflags=None, datarep=SECURITY_NETWORK_DREP)``; default ``scflags``
  ``ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
  ISC_REQ_CONFIDENTIALITY``; ``auth_info`` is ``(user, domain, password)``.
- ``ServerAuth(pkg_name, spn=None, scflags=None,
  datarep=SECURITY_NETWORK_DREP)``; default ``scflags`` the ``ASC_REQ_``
  equivalents.
- ``authorize(sec_buffer_in)``: ``None`` first (client), raw bytes /
  bytearray (wrapped into a one-token PySecBufferDesc of ``MaxToken`` bytes),
  or a PySecBufferDesc used as is; returns ``(status, sec_buffer_out)`` where
  ``sec_buffer_out[0].Buffer`` is the token to send.  When the status is 0
  the names are filled in from ``SECPKG_ATTR_NATIVE_NAMES``.
- ``encrypt(data) -> (data, trailer)``, ``decrypt(data, trailer)``,
  ``sign(data) -> signature``, ``verify(data, signature)`` (raises on a bad
  signature), ``wrap(msg, encrypt=False) -> token``, ``unwrap(token) ->
  (msg, was_encrypted)``, ``reset()``.

Every per-message call passes ``next_seq_num`` (then increments it) as
``MessageSeqNo``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

from . import sspicon, win32security

__all__ = ["ClientAuth", "ServerAuth", "error"]

error = win32security.error

# (context in, input descriptor, context out, output descriptor) -> (status, attributes, expiry)
_Step = Callable[[Optional[win32security.PyCtxtHandle], Any, win32security.PyCtxtHandle,
                  win32security.PySecBufferDesc], Tuple[int, int, Any]]


class _BaseAuth:
    """State and per-message operations shared by both sides."""

    pkg_info: Any
    ctxt: Optional[win32security.PyCtxtHandle]
    authenticated: bool
    initiator_name: Optional[str]
    service_name: Optional[str]
    next_seq_num: int

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Go back to the unauthenticated state (a later ``authorize`` starts over)."""
        self.ctxt = None
        self.authenticated = False
        self.initiator_name = None
        self.service_name = None
        self.next_seq_num = 0

    def _get_next_seq_num(self) -> int:
        """The sequence number for the next message (a plain counter)."""
        number = self.next_seq_num
        self.next_seq_num = number + 1
        return number

    def _context(self) -> win32security.PyCtxtHandle:
        if self.ctxt is None:  # pywin32 fails here with an AttributeError on None
            raise AttributeError("'NoneType' object has no attribute 'QueryContextAttributes'")
        return self.ctxt

    @staticmethod
    def _data_token(data: Any, token: Any) -> win32security.PySecBufferDesc:
        """``[DATA, TOKEN]`` as pywin32's sspi.py builds it: DATA holds ``data``;
        TOKEN holds ``token`` (bytes) or is that many zero bytes (an int)."""
        desc = win32security.PySecBufferDescType()
        desc.append(win32security.PySecBufferType(len(data), sspicon.SECBUFFER_DATA))
        size = token if isinstance(token, int) else len(token)
        desc.append(win32security.PySecBufferType(size, sspicon.SECBUFFER_TOKEN))
        desc[0].Buffer = data
        if not isinstance(token, int):
            desc[1].Buffer = token
        return desc

    def encrypt(self, data: Any) -> Tuple[bytes, bytes]:
        """Encrypt ``data``; returns ``(encrypted_data, trailer)`` for :meth:`decrypt`."""
        ctxt = self._context()
        sizes = ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
        desc = self._data_token(data, sizes["SecurityTrailer"])
        ctxt.EncryptMessage(0, desc, self._get_next_seq_num())
        return desc[0].Buffer, desc[1].Buffer

    def decrypt(self, data: Any, trailer: Any) -> bytes:
        """Decrypt what :meth:`encrypt` produced; returns the original data."""
        desc = self._data_token(data, trailer)
        self._context().DecryptMessage(desc, self._get_next_seq_num())
        plain: bytes = desc[0].Buffer
        return plain

    def sign(self, data: Any) -> bytes:
        """A signature of ``data`` (a GSS MIC for Kerberos) for :meth:`verify`."""
        ctxt = self._context()
        sizes = ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
        desc = self._data_token(data, sizes["MaxSignature"])
        ctxt.MakeSignature(0, desc, self._get_next_seq_num())
        return desc[1].Buffer

    def verify(self, data: Any, sig: Any) -> None:
        """Check ``sig`` over ``data``; raises :data:`error` if it does not verify."""
        desc = self._data_token(data, sig)
        self._context().VerifySignature(desc, self._get_next_seq_num())

    def unwrap(self, token: Any) -> Tuple[bytes, bool]:
        """GSSAPI ``unwrap``: ``(message, was_encrypted)`` from a wrap token.

        The token goes in a ``SECBUFFER_STREAM`` buffer, the message comes
        back in an empty ``SECBUFFER_DATA`` buffer (SSPI/GSSAPI interop).
        """
        ctxt = self._context()
        desc = win32security.PySecBufferDescType()
        desc.append(win32security.PySecBufferType(len(token), sspicon.SECBUFFER_STREAM))
        desc[0].Buffer = token
        desc.append(win32security.PySecBufferType(0, sspicon.SECBUFFER_DATA))
        qop = ctxt.DecryptMessage(desc, self._get_next_seq_num())
        return desc[1].Buffer, qop != sspicon.SECQOP_WRAP_NO_ENCRYPT

    def wrap(self, msg: Any, encrypt: bool = False) -> bytes:
        """GSSAPI ``wrap``: a token (header, data, padding) carrying ``msg``.

        Signed only unless ``encrypt`` (``SECQOP_WRAP_NO_ENCRYPT``).
        """
        ctxt = self._context()
        sizes = ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
        desc = win32security.PySecBufferDescType()
        desc.append(win32security.PySecBufferType(len(msg), sspicon.SECBUFFER_DATA))
        desc[0].Buffer = msg
        desc.append(win32security.PySecBufferType(sizes["SecurityTrailer"],
                                                  sspicon.SECBUFFER_TOKEN))
        desc.append(win32security.PySecBufferType(sizes["BlockSize"],
                                                  sspicon.SECBUFFER_PADDING))
        qop = 0 if encrypt else sspicon.SECQOP_WRAP_NO_ENCRYPT
        ctxt.EncryptMessage(qop, desc, self._get_next_seq_num())
        token: bytes = desc[1].Buffer + desc[0].Buffer + desc[2].Buffer
        return token

    def _amend_ctx_name(self) -> None:
        """Fill ``initiator_name`` and ``service_name`` once authenticated."""
        if not self.authenticated:
            raise ValueError("Sec context is not completely authenticated")
        try:
            names = self._context().QueryContextAttributes(sspicon.SECPKG_ATTR_NATIVE_NAMES)
        except error:
            return  # the package does not provide them
        self.initiator_name, self.service_name = names

    def _token_desc(self, sec_buffer_in: Any) -> Any:
        """Raw token bytes -> a one-buffer PySecBufferDesc (a descriptor passes through)."""
        if sec_buffer_in is None or isinstance(sec_buffer_in,
                                               win32security.PySecBufferDescType):
            return sec_buffer_in
        desc = win32security.PySecBufferDescType()
        token = win32security.PySecBufferType(self.pkg_info["MaxToken"],
                                              sspicon.SECBUFFER_TOKEN)
        token.Buffer = sec_buffer_in
        desc.append(token)
        return desc

    def _out_desc(self) -> win32security.PySecBufferDesc:
        desc = win32security.PySecBufferDescType()
        desc.append(win32security.PySecBufferType(self.pkg_info["MaxToken"],
                                                  sspicon.SECBUFFER_TOKEN))
        return desc

    def _acquire(self, pkg_name: str, principal: Optional[str], use: int,
                 auth_info: Any) -> None:
        self.pkg_info = win32security.QuerySecurityPackageInfo(pkg_name)
        self.credentials, self.credentials_expiry = win32security.AcquireCredentialsHandle(
            principal, self.pkg_info["Name"], use, None, auth_info)

    def _step(self, sec_buffer_in: Any, call: _Step) -> Tuple[int, win32security.PySecBufferDesc]:
        """One InitializeSecurityContext / AcceptSecurityContext step (``call``),
        with the buffers and the state changes both sides share."""
        sec_buffer_in = self._token_desc(sec_buffer_in)
        sec_buffer_out = self._out_desc()
        ctxtin = self.ctxt
        if self.ctxt is None:
            self.ctxt = win32security.PyCtxtHandleType()
        err, attr, exp = call(ctxtin, sec_buffer_in, self.ctxt, sec_buffer_out)
        self.ctxt_attr = attr
        self.ctxt_expiry = exp
        if err in (sspicon.SEC_I_COMPLETE_NEEDED, sspicon.SEC_I_COMPLETE_AND_CONTINUE):
            self._context().CompleteAuthToken(sec_buffer_out)
        self.authenticated = err == 0
        if self.authenticated:
            self._amend_ctx_name()
        return err, sec_buffer_out


class ClientAuth(_BaseAuth):
    """The client side of an SSPI exchange (InitializeSecurityContext)."""

    def __init__(self, pkg_name: str, client_name: Optional[str] = None,
                 auth_info: Optional[Tuple[Optional[str], Optional[str], Optional[str]]] = None,
                 targetspn: Optional[str] = None, scflags: Optional[int] = None,
                 datarep: int = sspicon.SECURITY_NETWORK_DREP) -> None:
        if scflags is None:
            scflags = (sspicon.ISC_REQ_INTEGRITY | sspicon.ISC_REQ_SEQUENCE_DETECT
                       | sspicon.ISC_REQ_REPLAY_DETECT | sspicon.ISC_REQ_CONFIDENTIALITY)
        self.scflags = scflags
        self.datarep = datarep
        self.targetspn = targetspn
        self._acquire(pkg_name, client_name, sspicon.SECPKG_CRED_OUTBOUND, auth_info)
        _BaseAuth.__init__(self)

    def authorize(self, sec_buffer_in: Any) -> Tuple[int, win32security.PySecBufferDesc]:
        """One InitializeSecurityContext step; pass None the first time.

        Returns ``(status, sec_buffer_out)``; raises :data:`error` on failure.
        """
        return self._step(sec_buffer_in, lambda ctxtin, sec_in, ctxt, sec_out:
                          win32security.InitializeSecurityContext(
                              self.credentials, ctxtin, self.targetspn, self.scflags,
                              self.datarep, sec_in, ctxt, sec_out))


class ServerAuth(_BaseAuth):
    """The server side of an SSPI exchange (AcceptSecurityContext)."""

    def __init__(self, pkg_name: str, spn: Optional[str] = None, scflags: Optional[int] = None,
                 datarep: int = sspicon.SECURITY_NETWORK_DREP) -> None:
        self.spn = spn
        self.datarep = datarep
        if scflags is None:
            scflags = (sspicon.ASC_REQ_INTEGRITY | sspicon.ASC_REQ_SEQUENCE_DETECT
                       | sspicon.ASC_REQ_REPLAY_DETECT | sspicon.ASC_REQ_CONFIDENTIALITY)
        self.scflags = scflags
        self._acquire(pkg_name, spn, sspicon.SECPKG_CRED_INBOUND, None)
        _BaseAuth.__init__(self)

    def authorize(self, sec_buffer_in: Any) -> Tuple[int, win32security.PySecBufferDesc]:
        """One AcceptSecurityContext step with the client's token.

        Returns ``(status, sec_buffer_out)``; raises :data:`error` on failure.
        """
        return self._step(sec_buffer_in, lambda ctxtin, sec_in, ctxt, sec_out:
                          win32security.AcceptSecurityContext(
                              self.credentials, ctxtin, sec_in, self.scflags, self.datarep,
                              ctxt, sec_out))
