"""Which GSS-API library python-gssapi runs on, and what Heimdal's cannot do.

python-gssapi builds against MIT krb5 or Heimdal (DESIGN.md §4-5). The calls
in :mod:`.calls` are the same; what differs is collected here, so that a
feature Heimdal's library lacks answers SEC_E_UNSUPPORTED_FUNCTION with a
message that says so (:data:`HEIMDAL_UNSUPPORTED`, listed in docs/heimdal.md),
and two inputs that crash Heimdal 7.8's library are refused before they reach
it. Nothing here calls GSS: Heimdal reads krb5.conf once per process, at its
first GSS call, so even finding out which library this is must not be one.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from typing import Final, Mapping

from .errors import GssFailure

__all__ = [
    "GSS_KRB5_GET_SUBKEY_X",
    "GSS_S_DEFECTIVE_TOKEN",
    "GSS_S_UNAVAILABLE",
    "HEIMDAL_UNSUPPORTED",
    "KRB5KRB_AP_ERR_BAD_INTEGRITY",
    "KRB5KRB_AP_WRONG_PRINC",
    "ap_req_ticket_server",
    "cfx_unrotated",
    "dir_collection_in_use",
    "gss_library",
    "is_heimdal",
    "keyblock_enctype",
    "krb5_reply_token_ok",
    "unsupported",
    "wrong_principal",
]

log = logging.getLogger("sspi_compat")

#: Heimdal: the context's current (sub)key as krb5_store_keyblock wrote it.
GSS_KRB5_GET_SUBKEY_X: Final = "1.2.752.43.13.8"

GSS_S_DEFECTIVE_TOKEN: Final = 9 << 16
GSS_S_UNAVAILABLE: Final = 16 << 16  # -> SEC_E_UNSUPPORTED_FUNCTION

# krb5 error codes (MIT's and Heimdal's krb5_err table share its base and positions).
KRB5KRB_AP_ERR_BAD_INTEGRITY: Final = ((-1765328384) & 0xFFFFFFFF) + 31
KRB5KRB_AP_WRONG_PRINC: Final = ((-1765328384) & 0xFFFFFFFF) + 144  # MIT's own code

#: Feature -> why a Heimdal-built python-gssapi cannot provide it (the message
#: of the SEC_E_UNSUPPORTED_FUNCTION it answers).
HEIMDAL_UNSUPPORTED: Final[Mapping[str, str]] = {
    "keytab": (
        "Heimdal's GSS library has no credential-store extension (gss_acquire_cred_from):"
        " an acceptor credential from a keytab other than the default one (KRB5_KTNAME)"
        " is not supported on Heimdal"
    ),
    "ntlm": (
        "Heimdal's GSS library carries an NTLM mechanism of its own under NTLM's OID"
        " (credentials from a digest-capable KDC), not gss-ntlmssp, which is a module"
        " for MIT's mechglue and which the NTLM package is built on: the NTLM package"
        " is not available on Heimdal"
    ),
    "iov-layout": (
        "Heimdal's gss_wrap_iov refuses (EINVAL) some buffer layouts Windows'"
        " EncryptMessage writes: an integrity-only (SECQOP_WRAP_NO_ENCRYPT) message on a"
        " DCE-style context, and most DCE-style RC4 messages; those are"
        " not supported on Heimdal"
    ),
    "collection": (
        "Heimdal 7.8's GSS library crashes (krb5_cc_cache_match) when a principal is"
        " looked up in a DIR: ccache collection: choosing a principal within a DIR:"
        " collection is not supported on Heimdal; point KRB5CCNAME at that principal's"
        " ccache instead"
    ),
}

# The krb5 mechanism OID, DER-encoded (1.2.840.113554.1.2.2).
_KRB5_OID_DER: Final = bytes.fromhex("2a864886f712010202")
# TOK_IDs a krb5 initiator may be sent after its AP-REQ: AP-REP, KRB-ERROR.
_REPLY_TOK_IDS: Final = (b"\x02\x00", b"\x03\x00")


@functools.cache
def gss_library() -> str:
    """``"heimdal"``, ``"mit"``, ``"apple"`` (GSS.framework, Heimdal-based) or ``"unknown"``.

    Read from the shared objects mapped into this process after
    ``gssapi.raw`` was imported (Linux: /proc/self/maps): Heimdal's library
    is ``libgssapi.so.3``, MIT's ``libgssapi_krb5.so.2``.
    """
    if sys.platform == "darwin":
        return "apple"
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    if "/libgssapi_krb5.so" in maps:
        return "mit"
    if "/libgssapi.so.3" in maps:
        return "heimdal"
    return "unknown"


def is_heimdal() -> bool:
    """Whether python-gssapi runs on Heimdal's library (Apple's counts: it is Heimdal's)."""
    return gss_library() in ("heimdal", "apple")


def dir_collection_in_use() -> bool:
    """Whether ``KRB5CCNAME`` names a DIR: ccache collection."""
    return os.environ.get("KRB5CCNAME", "").upper().startswith("DIR:")


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    """(length, offset after it) of a DER definite length at ``data[at]``; (-1, at) if bad."""
    if at >= len(data):
        return -1, at
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or at + 1 + count > len(data):
        return -1, at
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def krb5_reply_token_ok(token: bytes) -> bool:
    """Whether ``token`` is framed as a krb5 AP-REP or KRB-ERROR token (RFC 4121 §4.1).

    Heimdal 7.8's gss_init_sec_context, given any other reply in a non-DCE
    krb5 exchange, decodes an uninitialised buffer as an AP-REP and crashes
    (init_sec_context.c repl_mutual ignores _gsskrb5_decapsulate's failure).
    This is the check _gsskrb5_decapsulate makes, made first.
    """
    if len(token) < 2 or token[0] != 0x60:
        return False
    length, at = _der_length(token, 1)
    if length != len(token) - at or at >= len(token) or token[at] != 0x06:
        return False
    oid_length, at = _der_length(token, at + 1)
    if oid_length != len(_KRB5_OID_DER) or token[at : at + oid_length] != _KRB5_OID_DER:
        return False
    return token[at + oid_length : at + oid_length + 2] in _REPLY_TOK_IDS


def _tlv(data: bytes, at: int, tag: int) -> tuple[int, int]:
    """(start, end) of the contents of the DER element with ``tag`` at ``data[at]``; (-1, -1)."""
    if at < 0 or at >= len(data) or data[at] != tag:
        return -1, -1
    length, start = _der_length(data, at + 1)
    if length < 0 or start + length > len(data):
        return -1, -1
    return start, start + length


def _field(data: bytes, start: int, end: int, number: int) -> tuple[int, int]:
    """The contents of context tag [number] within the SEQUENCE contents data[start:end]."""
    at = start
    while at < end:
        if data[at] & 0xE0 != 0xA0:
            return -1, -1
        inner, after = _tlv(data, at, data[at])
        if inner < 0:
            return -1, -1
        if data[at] & 0x1F == number:
            return inner, after
        at = after
    return -1, -1


def ap_req_ticket_server(token: bytes) -> str | None:
    """The server principal (``name/host@REALM``) a framed krb5 AP-REQ token's ticket
    is for (RFC 4121 §4.1, RFC 4120 §5.5.1: the ticket's sname and realm are in the
    clear), or None if the token is not one.

    Heimdal's acceptor, with a credential restricted to one principal, decrypts
    any ticket with that principal's key and answers KRB5KRB_AP_ERR_BAD_INTEGRITY
    for a ticket to another service; MIT compares the names first and answers
    KRB5KRB_AP_WRONG_PRINC. Read only when such a failure arrives.
    """
    try:
        start, end = _tlv(token, 0, 0x60)
        if start < 0 or end != len(token):
            return None
        oid_start, oid_end = _tlv(token, start, 0x06)
        if token[oid_start:oid_end] != _KRB5_OID_DER or token[oid_end:oid_end + 2] != b"\x01\x00":
            return None
        ap_start, _ = _tlv(token, oid_end + 2, 0x6E)  # [APPLICATION 14] AP-REQ
        seq_start, seq_end = _tlv(token, ap_start, 0x30)
        tkt_start, _ = _field(token, seq_start, seq_end, 3)
        t_start, _ = _tlv(token, tkt_start, 0x61)  # [APPLICATION 1] Ticket
        ts_start, ts_end = _tlv(token, t_start, 0x30)
        realm_start, _ = _field(token, ts_start, ts_end, 1)
        r_start, r_end = _tlv(token, realm_start, 0x1B)
        sname_start, _ = _field(token, ts_start, ts_end, 2)
        pn_start, pn_end = _tlv(token, sname_start, 0x30)
        names_start, _ = _field(token, pn_start, pn_end, 1)
        ns_start, ns_end = _tlv(token, names_start, 0x30)
        if min(r_start, ns_start) < 0:
            return None
        parts = []
        at = ns_start
        while at < ns_end:
            p_start, p_end = _tlv(token, at, 0x1B)
            if p_start < 0:
                return None
            parts.append(token[p_start:p_end].decode("utf-8", "replace"))
            at = p_end
        realm = token[r_start:r_end].decode("utf-8", "replace")
    except IndexError:
        return None
    return "/".join(parts) + "@" + realm


def wrong_principal(failure: GssFailure, acceptor: str, token: bytes) -> GssFailure:
    """A Heimdal acceptor's failure told as MIT tells it, when it is a ticket for another service.

    Heimdal's gss_accept_sec_context, with a credential restricted to
    ``acceptor``, decrypts any ticket with that principal's key and answers
    KRB5KRB_AP_ERR_BAD_INTEGRITY for a ticket to another service; MIT compares
    the names first and answers KRB5KRB_AP_WRONG_PRINC (SEC_E_WRONG_PRINCIPAL,
    as on Windows). When ``token``'s ticket names another server than
    ``acceptor`` (realm compared only when ``acceptor`` has one), that is the
    failure returned; otherwise (the ticket is for us, so the authenticator did
    not decrypt), or on MIT's library, ``failure`` itself.
    """
    if (failure.minor != KRB5KRB_AP_ERR_BAD_INTEGRITY or not failure.krb5
            or "/" not in acceptor or not is_heimdal()):
        return failure
    server = ap_req_ticket_server(token)
    if server is None:
        return failure
    if acceptor == server or ("@" not in acceptor and server.rsplit("@", 1)[0] == acceptor):
        return failure
    return GssFailure(failure.major, KRB5KRB_AP_WRONG_PRINC, krb5=failure.krb5,
                      message=f"the ticket is for {server}, the acceptor credential for"
                              f" {acceptor} (Heimdal: {failure.message})",
                      token=failure.token)


def keyblock_enctype(blob: bytes) -> int:
    """The enctype of a Heimdal keyblock (int16 keytype, int16 0, int32 length, key); 0 if short."""
    return int.from_bytes(blob[:2], "big") if len(blob) >= 8 else 0


def unsupported(feature: str) -> GssFailure:
    """The failure (GSS_S_UNAVAILABLE: SEC_E_UNSUPPORTED_FUNCTION) for a feature of
    :data:`HEIMDAL_UNSUPPORTED`; its message is logged as a warning, since an
    SSPI status carries no text."""
    message = HEIMDAL_UNSUPPORTED[feature]
    log.warning("SEC_E_UNSUPPORTED_FUNCTION: %s", message)
    return GssFailure(GSS_S_UNAVAILABLE, message=message)


def cfx_unrotated(token: bytes) -> bytes:
    """A CFX wrap token (RFC 4121 §4.2.5) with RRC 0: what MIT's ``gss_wrap`` writes.

    Heimdal's ``gss_wrap`` writes Windows' rotation (RRC = 16 + checksum
    length sealed, the checksum length otherwise) and unwraps either form;
    the layers above take ``gss_wrap``'s output to be unrotated (RRC 0).
    Anything else is returned as it is.
    """
    if len(token) <= 16 or token[0] != 0x05 or token[1] != 0x04:
        return token
    rrc = int.from_bytes(token[6:8], "big")
    body = token[16:]
    if rrc == 0:
        return token
    rrc %= len(body)
    return token[:6] + b"\x00\x00" + token[8:16] + body[rrc:] + body[:rrc]
