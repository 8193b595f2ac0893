"""Thin, typed calls onto ``gssapi.raw``.

Each function does one GSS call (or a fixed pair), converts python-gssapi's
exceptions into :class:`GssFailure`, and returns plain values.  The hot
per-message functions (:func:`wrap`, :func:`unwrap`, :func:`get_mic`,
:func:`verify_mic`) are direct calls with a single ``try`` around them: the
speed budget in DESIGN.md §7 leaves no room for more.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

import gssapi.raw as gr
from gssapi.raw import GSSError

from . import _library
from .errors import GssFailure

__all__ = [
    "MECH_KRB5",
    "MECH_NTLM",
    "MECH_SPNEGO",
    "AcceptResult",
    "ContextInfo",
    "InitResult",
    "accept",
    "acquire_default",
    "acquire_keytab",
    "acquire_named",
    "acquire_password",
    "cred_info",
    "delete",
    "export_context",
    "export_cred",
    "get_mic",
    "import_context",
    "import_cred",
    "init",
    "inquire",
    "mech_available",
    "ntlm_requires_mechlist_mic",
    "ntlm_reset_crypto",
    "session_key",
    "set_thread_initiator",
    "thread_impersonating",
    "unwrap",
    "unwrap_iov",
    "verify_mic",
    "wrap",
    "wrap_iov",
    "wrap_iov_length",
]

MECH_KRB5 = "1.2.840.113554.1.2.2"
MECH_SPNEGO = "1.3.6.1.5.5.2"
MECH_NTLM = "1.3.6.1.4.1.311.2.2.10"

# GSS_C_INQ_SSPI_SESSION_KEY: returns [session key, enctype OID] (MIT >= 1.10).
_INQ_SSPI_SESSION_KEY = gr.OID.from_int_seq("1.2.840.113554.1.2.2.5.5")
_ENCTYPE_OID_PREFIX = "1.2.840.113554.1.2.2.4."

_HAVE_PASSWORD = hasattr(gr, "acquire_cred_with_password")
_HAVE_CRED_STORE = hasattr(gr, "acquire_cred_from")


@functools.cache
def _oid(dotted: str) -> Any:
    return gr.OID.from_int_seq(dotted)


def _failure(err: GSSError, mech: Optional[str]) -> GssFailure:
    try:
        message = err.gen_message()
    except Exception:  # gen_message can itself fail on odd codes
        message = f"GSS major {err.maj_code:#x}"
    return GssFailure(err.maj_code, err.min_code, krb5=(mech == MECH_KRB5),
                      message=message, token=getattr(err, "token", None))


def mech_available(mech: str) -> bool:
    """Whether the GSS library has this mechanism (e.g. gss-ntlmssp installed)."""
    try:
        return _oid(mech) in gr.indicate_mechs()
    except GSSError:
        return False


def _name(text: str, hostbased: bool) -> Any:
    # Not cached: a krb5 principal without a realm takes the default realm
    # at import time, and that can change between calls (KRB5_CONFIG).
    name_type = gr.NameType.hostbased_service if hostbased else gr.NameType.kerberos_principal
    return gr.import_name(text.encode("utf-8"), name_type)


# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------


def acquire_default(usage: str, principal: Optional[str], mech: str) -> Any:
    """gss_acquire_cred from the default ccache (initiate) or keytab (accept).

    While the calling thread impersonates a client (set_thread_initiator),
    the default *initiator* credential is the client's delegated one.
    """
    if usage == "initiate" and getattr(_thread, "active", False):
        return _impersonated_initiator(principal, mech)
    if principal and _library.is_heimdal() and _library.dir_collection_in_use():
        raise _library.unsupported("collection")
    try:
        name = _name(principal, False) if principal else None
        return gr.acquire_cred(name, usage=usage, mechs=[_oid(mech)]).creds
    except GSSError as err:
        raise _failure(err, mech) from None


def acquire_password(principal: str, password: str, usage: str, mech: str) -> Any:
    """gss_acquire_cred_with_password: an AS exchange into a private MEMORY ccache.

    MIT keeps the resulting TGT in a MEMORY ccache owned by the credential;
    neither the default ccache nor the disk is touched.
    """
    if not _HAVE_PASSWORD:
        raise GssFailure(0x100000, message="GSS library lacks acquire_cred_with_password")
    try:
        name = _name(principal, False)
        return gr.acquire_cred_with_password(name, password.encode("utf-8"), usage=usage,
                                             mechs=[_oid(mech)]).creds
    except GSSError as err:
        raise _failure(err, mech) from None


def acquire_keytab(principal: Optional[str], keytab: Optional[str], usage: str,
                   mech: str) -> Any:
    """An acceptor credential from a keytab (the default one unless ``keytab``)."""
    if keytab is not None and not _HAVE_CRED_STORE:  # Heimdal: no gss_acquire_cred_from
        raise _library.unsupported("keytab")
    if keytab is None:
        return acquire_default(usage, principal, mech)
    try:
        name = _name(principal, False) if principal else None
        return gr.acquire_cred_from({b"keytab": keytab.encode()}, name, usage=usage,
                                    mechs=[_oid(mech)]).creds
    except GSSError as err:
        raise _failure(err, mech) from None


def cred_info(cred: Any, mech: str) -> Tuple[Optional[str], Optional[int]]:
    """(display name, remaining lifetime in seconds or None for indefinite)."""
    try:
        info = gr.inquire_cred(cred, name=True, lifetime=True, usage=False, mechs=False)
    except GSSError as err:
        raise _failure(err, mech) from None
    name = gr.display_name(info.name, name_type=False).name.decode("utf-8", "replace") \
        if info.name is not None else None
    return name, info.lifetime


# ---------------------------------------------------------------------------
# Context establishment
# ---------------------------------------------------------------------------


class InitResult(NamedTuple):
    context: Any
    token: Optional[bytes]
    flags: int
    lifetime: Optional[int]
    complete: bool


class AcceptResult(NamedTuple):
    context: Any
    token: Optional[bytes]
    flags: int
    lifetime: Optional[int]
    complete: bool
    delegated: Any


def _bindings(cb: Optional[Tuple[int, bytes, int, bytes, bytes]]) -> Any:
    if cb is None:
        return None
    ia_type, ia, aa_type, aa, app = cb
    return gr.ChannelBindings(initiator_address_type=ia_type or None,
                              initiator_address=ia or None,
                              acceptor_address_type=aa_type or None,
                              acceptor_address=aa or None,
                              application_data=app or None)


class _NoFlags(int):
    """A zero that is true: python-gssapi's init_sec_context replaces a false
    ``flags`` (0) by its default, mutual + sequence; this asks for nothing."""

    def __bool__(self) -> bool:
        return True


_NO_FLAGS = _NoFlags(0)


def init(cred: Any, context: Any, target: str, hostbased: bool, mech: str, flags: int,
         token: Optional[bytes],
         channel_bindings: Optional[Tuple[int, bytes, int, bytes, bytes]] = None) -> InitResult:
    """One gss_init_sec_context step; ``flags`` 0 really requests no flags."""
    if (token is not None and context is not None and mech == MECH_KRB5
            and not flags & 0x1000 and _library.is_heimdal()  # 0x1000: GSS_C_DCE_STYLE
            and not _library.krb5_reply_token_ok(token)):
        # Heimdal 7.8 would crash on it (see _library.krb5_reply_token_ok).
        raise GssFailure(_library.GSS_S_DEFECTIVE_TOKEN, krb5=True,
                         message="the reply is not a krb5 AP-REP or KRB-ERROR token")
    try:
        name = _name(target, hostbased)
        res = gr.init_sec_context(name, cred, context=context, mech=_oid(mech),
                                  flags=flags or _NO_FLAGS,
                                  channel_bindings=_bindings(channel_bindings),
                                  input_token=token)
    except GSSError as err:
        raise _failure(err, mech) from None
    return InitResult(res.context, res.token, int(res.flags), res.lifetime, not res.more_steps)


def accept(cred: Any, context: Any, token: bytes, mech: Optional[str],
           channel_bindings: Optional[Tuple[int, bytes, int, bytes, bytes]] = None
           ) -> AcceptResult:
    """One gss_accept_sec_context step."""
    try:
        res = gr.accept_sec_context(token, cred, context=context,
                                    channel_bindings=_bindings(channel_bindings))
    except GSSError as err:
        raise _failure(err, mech) from None
    return AcceptResult(res.context, res.token, int(res.flags), res.lifetime,
                        not res.more_steps, res.delegated_creds)


def _display(name: Any) -> str:
    text: bytes = gr.display_name(name, name_type=False).name
    return text.decode("utf-8", "replace").rstrip("\0")


class ContextInfo(NamedTuple):
    initiator: Optional[str]
    target: Optional[str]
    lifetime: Optional[int]
    mech: Optional[str]
    flags: int
    locally_initiated: bool
    complete: bool


def inquire(context: Any) -> ContextInfo:
    """gss_inquire_context, names displayed as strings.

    The target name is asked for separately, and never of a gss-ntlmssp
    acceptor context: gss-ntlmssp dereferences a NULL name there when the
    acceptor credential had no name (DESIGN.md §4), so it is None for those.
    """
    try:
        info = gr.inquire_context(context, target_name=False)
    except GSSError as err:
        raise _failure(err, None) from None
    initiator = _display(info.initiator_name) if info.initiator_name is not None else None
    mech = info.mech.dotted_form if info.mech is not None else None
    target = None
    if not (mech == MECH_NTLM and not info.locally_init):
        try:
            tname = gr.inquire_context(context, initiator_name=False, target_name=True,
                                       lifetime=False, mech=False, flags=False,
                                       locally_init=False, complete=False).target_name
            target = _display(tname) if tname is not None else None
        except GSSError:
            target = None
    return ContextInfo(initiator, target, info.lifetime, mech, int(info.flags or 0),
                       bool(info.locally_init), bool(info.complete))


def session_key(context: Any) -> Tuple[bytes, int]:
    """(session key bytes, krb5 enctype number) via GSS_C_INQ_SSPI_SESSION_KEY."""
    try:
        values = gr.inquire_sec_context_by_oid(context, _INQ_SSPI_SESSION_KEY)
    except GSSError as err:
        raise _failure(err, None) from None
    key = bytes(values[0])
    enctype = 0
    if len(values) > 1:
        try:
            dotted = gr.OID(elements=bytes(values[1])).dotted_form
            if dotted.startswith(_ENCTYPE_OID_PREFIX):
                enctype = int(dotted[len(_ENCTYPE_OID_PREFIX):])
        except (ValueError, GSSError, TypeError):
            enctype = 0
    elif _library.is_heimdal():  # Heimdal answers the key only: ask for the keyblock
        with contextlib.suppress(GSSError, IndexError):
            blob = gr.inquire_sec_context_by_oid(context, _oid(_library.GSS_KRB5_GET_SUBKEY_X))
            enctype = _library.keyblock_enctype(bytes(blob[0]))
    return key, enctype


def delete(context: Any) -> None:
    """gss_delete_sec_context; errors are ignored (the handle is gone either way)."""
    with contextlib.suppress(GSSError):
        gr.delete_sec_context(context)


def export_context(context: Any) -> bytes:
    try:
        return bytes(gr.export_sec_context(context))
    except GSSError as err:
        raise _failure(err, None) from None


def import_context(token: bytes) -> Any:
    try:
        return gr.import_sec_context(token)
    except GSSError as err:
        raise _failure(err, None) from None


_HAVE_CRED_EXPORT = hasattr(gr, "export_cred") and hasattr(gr, "import_cred")
_GSS_S_UNAVAILABLE = 16 << 16


def export_cred(cred: Any) -> bytes:
    """gss_export_cred: a credential as bytes another process can import."""
    if not _HAVE_CRED_EXPORT:
        raise GssFailure(_GSS_S_UNAVAILABLE, message="GSS library lacks gss_export_cred")
    try:
        return bytes(gr.export_cred(cred))
    except GSSError as err:
        raise _failure(err, None) from None


def import_cred(token: bytes) -> Any:
    """gss_import_cred."""
    if not _HAVE_CRED_EXPORT:
        raise GssFailure(_GSS_S_UNAVAILABLE, message="GSS library lacks gss_import_cred")
    try:
        return gr.import_cred(token)
    except GSSError as err:
        raise _failure(err, None) from None


# ---------------------------------------------------------------------------
# The calling thread's default initiator credential (ImpersonateSecurityContext)
# ---------------------------------------------------------------------------

_thread = threading.local()
_GSS_S_NO_CRED = 7 << 16


def set_thread_initiator(active: bool, cred: Any = None) -> None:
    """Make ``cred`` (None: no credential at all) the calling thread's default
    initiator credential while ``active``; ``active=False`` restores the
    process default (the default ccache)."""
    _thread.active = active
    _thread.cred = cred if active else None


def thread_impersonating() -> bool:
    return bool(getattr(_thread, "active", False))


def _impersonated_initiator(principal: Optional[str], mech: str) -> Any:
    cred = getattr(_thread, "cred", None)
    if cred is None:
        raise GssFailure(_GSS_S_NO_CRED, message="the impersonated client delegated no credential")
    try:
        mechs = gr.inquire_cred(cred, name=False, lifetime=False, usage=False,
                                mechs=True).mechs or set()
        # A delegated Kerberos credential also serves SPNEGO (which then
        # negotiates Kerberos); it holds nothing for any other mechanism.
        if _oid(mech) not in mechs and not (mech == MECH_SPNEGO and _oid(MECH_KRB5) in mechs):
            raise GssFailure(_GSS_S_NO_CRED, message="the delegated credential has no "
                             "element for this mechanism")
        if principal:
            held = gr.inquire_cred(cred, name=True, lifetime=False, usage=False, mechs=False).name
            if held is None or not gr.compare_name(_name(principal, False), held):
                raise GssFailure(_GSS_S_NO_CRED, message="not the impersonated client's name")
    except GSSError as err:
        raise _failure(err, mech) from None
    return cred


# ---------------------------------------------------------------------------
# Per-message calls (hot paths)
# ---------------------------------------------------------------------------

_wrap = gr.wrap
# Read from the shared objects mapped once gssapi.raw is imported: no GSS call.
_ROTATED_WRAP = _library.is_heimdal()
_unwrap = gr.unwrap
_get_mic = gr.get_mic
_verify_mic = gr.verify_mic


def wrap(context: Any, message: bytes, confidential: bool) -> Tuple[bytes, bool]:
    """gss_wrap: (token, encrypted); a CFX token always with RRC 0, as MIT writes it."""
    try:
        res = _wrap(context, message, confidential)
    except GSSError as err:
        raise _failure(err, None) from None
    if _ROTATED_WRAP:  # Heimdal rotates (RRC != 0): undo it, see _library.cfx_unrotated
        return _library.cfx_unrotated(res.message), res.encrypted
    return res.message, res.encrypted


_GSS_S_FAILURE_ONLY = 13 << 16
_GSS_S_UNSEQ_TOKEN = 1 << 3


def _message_failure(err: GSSError) -> GssFailure:
    """A per-message call's failure (unwrap, unwrap_iov, verify_mic).

    Heimdal 7.8's sequence window answers a token it cannot place -- one
    between two it has already seen -- with a bare GSS_S_FAILURE, minor 0
    (lib/gssapi/krb5/sequence.c, the end of _gssapi_msg_order_check; its
    other per-message failures carry a minor code), where MIT answers
    GSS_S_UNSEQ_TOKEN: told as MIT tells it (SEC_E_OUT_OF_SEQUENCE).
    """
    if err.maj_code == _GSS_S_FAILURE_ONLY and not err.min_code and _library.is_heimdal():
        return GssFailure(_GSS_S_UNSEQ_TOKEN, message="Heimdal's sequence window could not"
                          " place the token (GSS_S_FAILURE, minor 0): an unsequenced token")
    return _failure(err, None)


def unwrap(context: Any, token: bytes) -> Tuple[bytes, bool, int]:
    """gss_unwrap: (plaintext, encrypted, qop)."""
    try:
        res = _unwrap(context, token)
    except GSSError as err:
        raise _message_failure(err) from None
    return res.message, res.encrypted, res.qop


def get_mic(context: Any, message: bytes) -> bytes:
    try:
        mic: bytes = _get_mic(context, message)
    except GSSError as err:
        raise _failure(err, None) from None
    return mic


def verify_mic(context: Any, message: bytes, mic: bytes) -> int:
    """gss_verify_mic: the QOP."""
    try:
        qop: int = _verify_mic(context, message, mic)
    except GSSError as err:
        raise _message_failure(err) from None
    return qop


# ---------------------------------------------------------------------------
# IOV calls (EncryptMessage/DecryptMessage layouts the plain calls cannot do)
# ---------------------------------------------------------------------------
#
# Only HEADER, DATA, SIGN_ONLY and PADDING buffers are ever built: never a
# STREAM buffer, whose unwrap_iov corrupts the heap in python-gssapi
# (DESIGN.md §4).  ``parts`` is the message in order, each ``(sign_only,
# bytes)``: a SIGN_ONLY buffer is checksummed but neither encrypted nor
# decrypted.

_HAVE_IOV = hasattr(gr, "wrap_iov") and hasattr(gr, "IOV")
_EINVAL = 22  # Heimdal's minor for an IOV layout it does not handle


def _iov(header: Optional[bytes], parts: Sequence[Tuple[bool, bytes]],
         padding: Optional[bytes], with_padding: bool) -> Any:
    if not _HAVE_IOV:
        raise GssFailure(_GSS_S_UNAVAILABLE, message="GSS library lacks the IOV extension")
    kind = gr.IOVBufferType
    buffers: List[Any] = [(kind.header, header is None, header)]
    buffers += [(kind.sign_only if sign else kind.data, False, data) for sign, data in parts]
    if with_padding:
        buffers.append((kind.padding, padding is None, padding))
    return gr.IOV(*buffers, std_layout=False)


def wrap_iov(context: Any, parts: Sequence[Tuple[bool, bytes]], confidential: bool,
             with_padding: bool) -> Tuple[bytes, List[bytes], bytes, bool]:
    """gss_wrap_iov over [HEADER, DATA/SIGN_ONLY..., PADDING?] with no TRAILER.

    Returns (header, the parts' new contents, padding, encrypted).  Without
    a TRAILER buffer MIT folds the trailer into the header (RRC), which is
    Windows' EncryptMessage layout.
    """
    iov = _iov(None, parts, None, with_padding)
    try:
        encrypted = gr.wrap_iov(context, iov, confidential)
    except GSSError as err:
        if err.min_code == _EINVAL and _library.is_heimdal():
            raise _library.unsupported("iov-layout") from None
        raise _failure(err, None) from None
    values = [buf.value or b"" for buf in iov]
    padding = values[-1] if with_padding else b""
    return values[0], values[1:len(parts) + 1], padding, bool(encrypted)


def wrap_iov_length(context: Any, parts: Sequence[Tuple[bool, bytes]], confidential: bool,
                    with_padding: bool) -> Tuple[int, int]:
    """gss_wrap_iov_length: (header length, padding length) wrap_iov would write."""
    iov = _iov(None, parts, None, with_padding)
    try:
        gr.wrap_iov_length(context, iov, confidential)
    except GSSError as err:
        if err.min_code == _EINVAL and _library.is_heimdal():
            raise _library.unsupported("iov-layout") from None
        raise _failure(err, None) from None
    header = len(iov[0].value or b"")
    padding = len(iov[len(parts) + 1].value or b"") if with_padding else 0
    return header, padding


def unwrap_iov(context: Any, header: bytes, parts: Sequence[Tuple[bool, bytes]],
               padding: Optional[bytes]) -> Tuple[List[bytes], bool, int]:
    """gss_unwrap_iov over [HEADER, DATA/SIGN_ONLY..., PADDING?]: (parts, encrypted, qop).

    ``padding`` None leaves the PADDING buffer out.  The returned parts may
    be shorter than given (RFC 1964 padding taken off the last DATA part).
    """
    iov = _iov(header, parts, padding, padding is not None)
    try:
        res = gr.unwrap_iov(context, iov)
    except GSSError as err:
        raise _message_failure(err) from None
    values = [buf.value or b"" for buf in iov]
    return values[1:len(parts) + 1], bool(res.encrypted), int(res.qop or 0)


# ---------------------------------------------------------------------------
# Names of any kind, and gss-ntlmssp's extensions (NTLM and Negotiate packages)
# ---------------------------------------------------------------------------

_NAME_TYPES = {"user": gr.NameType.user, "hostbased": gr.NameType.hostbased_service,
               "krb5": gr.NameType.kerberos_principal}

# gss-ntlmssp's private OIDs (its gssapi_ntlmssp.h; OID space 1.3.6.1.4.1.7165.655.1
# of the Samba project): "does the AUTHENTICATE message carry a MIC, so SPNEGO
# must exchange mechListMIC" and "reset the RC4 state after the mechListMIC"
# (MS-SPNG 3.3.5.1), the two calls MIT's own SPNEGO makes on NTLM contexts.
_NTLM_REQUIRE_MIC = "1.3.6.1.4.1.7165.655.1.2"
_NTLM_RESET_CRYPTO = "1.3.6.1.4.1.7165.655.1.3"


def acquire_named(usage: str, mech: str, name: Optional[str], name_kind: str,
                  password: Optional[str] = None) -> Any:
    """gss_acquire_cred (or _with_password) for ``mech`` with a name of ``name_kind``.

    ``name_kind`` is "user" (GSS_C_NT_USER_NAME: what gss-ntlmssp parses as
    ``DOMAIN\\user`` or ``user@domain``), "hostbased" or "krb5".  No name and
    no password is the mechanism's default credential (:func:`acquire_default`).
    """
    if name is None and password is None:
        return acquire_default(usage, None, mech)
    try:
        gname = gr.import_name(name.encode("utf-8"), _NAME_TYPES[name_kind]) \
            if name is not None else None
        if password is not None:
            if gname is None:
                raise GssFailure(2 << 16, message="a password needs a name")
            if not _HAVE_PASSWORD:
                raise GssFailure(_GSS_S_UNAVAILABLE,
                                 message="GSS library lacks acquire_cred_with_password")
            return gr.acquire_cred_with_password(gname, password.encode("utf-8"), usage=usage,
                                                 mechs=[_oid(mech)]).creds
        return gr.acquire_cred(gname, usage=usage, mechs=[_oid(mech)]).creds
    except GSSError as err:
        raise _failure(err, mech) from None


def ntlm_requires_mechlist_mic(context: Any) -> bool:
    """True when gss-ntlmssp put a MIC in its AUTHENTICATE message (SPNEGO must MIC)."""
    try:
        values = gr.inquire_sec_context_by_oid(context, _oid(_NTLM_REQUIRE_MIC))
    except GSSError:
        return False
    return len(values) == 1 and bytes(values[0]) == b"\x01"


def ntlm_reset_crypto(context: Any, verify: bool) -> None:
    """Reset gss-ntlmssp's RC4 state after a mechListMIC (``verify``: the one received).

    Older gss-ntlmssp versions lack the option (GSS_S_UNAVAILABLE): ignored,
    as MIT's SPNEGO does.
    """
    try:
        gr.set_sec_context_option(_oid(_NTLM_RESET_CRYPTO), context,
                                  int(verify).to_bytes(4, sys.byteorder))
    except GSSError as err:
        if err.maj_code & (0xFF << 16) != _GSS_S_UNAVAILABLE:
            raise _failure(err, MECH_NTLM) from None
