"""ExportSecurityContext / ImportSecurityContext for the GSS-based packages.

The packed context is this module's own envelope around what GSS exports::

    b"SSPICTX" 0x01                      magic and format version
    u32 length, JSON header               package, side, SSPI attributes
    u32 length, gss_export_sec_context    the mechanism's context (keys,
                                          sequence numbers, names)
    u32 length, gss_export_cred           the client's delegated credential
                                          (acceptor side; 0 when none)
    SHA-256 of all the above              integrity check

(lengths big-endian).  The checksum keeps corrupted or truncated input away
from ``gss_import_sec_context``: MIT 1.20's parser of its own export format
is not bounds-checked everywhere (a single flipped bit in the serialised
profile section crashes the process in ``profile_ser_internalize``), so
nothing reaches it that this module did not write.  The checksum is not
keyed: a packed context crafted on purpose, with a matching checksum, is
trusted input, like the keys it carries.  The header carries only what GSS does not know:
the package name, the ISC_RET_/ASC_RET_ bits reported to the caller, the
fContextReq, the GSS flags, the start time and the target name as the
caller wrote it.  Names, lifetime and enctype are read back from the
imported GSS context, never trusted from the header.

The blob holds the session key and, with a delegated credential, the
client's forwarded TGT: it is as secret as the context itself (Windows'
packed context is too).  It is meant for another process of the same user
on the same machine, as on Windows; hand it over a pipe, not a file others
can read.

Differences from Windows:

* ``gss_export_sec_context`` always destroys the exported context.  Without
  ``SECPKG_CONTEXT_EXPORT_DELETE_OLD`` Windows keeps the old context usable,
  so the export is imported straight back into the old handle: both copies
  then work, each with its own copy of the sequence state, as two Windows
  copies of one context do.
* Only complete contexts are exported (``SEC_E_UNSUPPORTED_FUNCTION``
  otherwise): a half-built context would also need the SSPI-side state of
  the exchange.

A package opts in by being a :class:`GssPackage` (its ``context_class``
and ``mech`` are used) or by offering ``new_imported_context(initiator) ->
Context``, a context shell (its credential unusable for new exchanges) that
this module fills in, and ``imported_mech`` when its exports come back as
another mechanism.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import math
import struct
from typing import Any, Dict, Optional, Tuple

from .. import _status as s
from .. import gss
from .._status import SECURITY_STATUS
from ..mapping.filetime import expiry_epoch
from ..mapping.names import parse_target
from ..mapping.status import gss_to_status
from ._base import Context, SecurityPackage

__all__ = ["MAGIC", "export_context", "import_context", "pack", "unpack"]

log = logging.getLogger("sspi_compat")

MAGIC = b"SSPICTX\x01"
_LEN = struct.Struct(">I")
_MAX_HEADER = 64 * 1024
_DIGEST = hashlib.sha256().digest_size
_ULONG_MAX = 0xFFFFFFFFFFFFFFFF


class BadPackedContextError(ValueError):
    """The bytes are not a packed context this module wrote."""


def pack(header: Dict[str, Any], gss_token: bytes, cred_token: bytes) -> bytes:
    head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    body = b"".join((MAGIC, _LEN.pack(len(head)), head, _LEN.pack(len(gss_token)), gss_token,
                     _LEN.pack(len(cred_token)), cred_token))
    return body + hashlib.sha256(body).digest()


def _take(blob: bytes, pos: int) -> Tuple[bytes, int]:
    if pos + _LEN.size > len(blob):
        raise BadPackedContextError("truncated")
    (n,) = _LEN.unpack_from(blob, pos)
    pos += _LEN.size
    if n > len(blob) - pos:
        raise BadPackedContextError("truncated")
    return blob[pos:pos + n], pos + n


def _int_field(header: Dict[str, Any], key: str) -> int:
    value = header.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _ULONG_MAX:
        raise BadPackedContextError(f"bad {key}")
    return value


def unpack(blob: bytes) -> Tuple[Dict[str, Any], bytes, bytes]:
    """(header, GSS context token, credential token); BadPackedContextError if malformed."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _DIGEST:
        raise BadPackedContextError("not a packed context")
    blob, digest = blob[:-_DIGEST], blob[-_DIGEST:]
    if not hmac.compare_digest(hashlib.sha256(blob).digest(), digest):
        raise BadPackedContextError("checksum mismatch")
    raw_head, pos = _take(blob, len(MAGIC))
    gss_token, pos = _take(blob, pos)
    cred_token, pos = _take(blob, pos)
    if pos != len(blob) or len(raw_head) > _MAX_HEADER or not gss_token:
        raise BadPackedContextError("bad layout")
    try:
        header = json.loads(raw_head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadPackedContextError("bad header") from None
    if not isinstance(header, dict):
        raise BadPackedContextError("bad header")
    if not isinstance(header.get("package"), str) or not isinstance(header.get("initiator"),
                                                                    bool):
        raise BadPackedContextError("bad header")
    for key in ("attrs", "req", "gss_flags"):
        _int_field(header, key)
    started = header.get("started")
    if isinstance(started, bool) or not isinstance(started, (int, float)) \
            or not math.isfinite(started) or started < 0:
        raise BadPackedContextError("bad start time")
    target = header.get("target")
    if target is not None and not isinstance(target, str):
        raise BadPackedContextError("bad target")
    return header, gss_token, cred_token


def _status(failure: gss.GssFailure) -> SECURITY_STATUS:
    return gss_to_status(failure.major, failure.minor, False)


def export_context(ctx: Context, delete_old: bool) -> Tuple[SECURITY_STATUS, Optional[bytes]]:
    """Serialise ``ctx``; unless ``delete_old`` the context stays usable.

    With ``delete_old`` the context's GSS state is gone afterwards; the
    caller releases the handle.
    """
    gss_ctx = getattr(ctx, "gss", None)
    if ctx.failed or gss_ctx is None:
        return s.SEC_E_INVALID_HANDLE, None
    if not ctx.complete or _shell_factory(ctx.package) is None:
        return s.SEC_E_UNSUPPORTED_FUNCTION, None
    delegated = getattr(ctx, "delegated", None)
    try:
        cred_token = gss.export_cred(delegated) if delegated is not None else b""
        token = gss.export_context(gss_ctx)
    except gss.GssFailure as failure:
        return _status(failure), None
    header = {
        "package": ctx.package.name,
        "initiator": bool(ctx.initiator),
        "attrs": int(ctx.attrs),
        "req": int(getattr(ctx, "req", 0)),
        "gss_flags": int(getattr(ctx, "gss_flags", 0)),
        "started": float(ctx.started),
        "target": getattr(ctx, "target", None),
    }
    blob = pack(header, token, cred_token)
    if delete_old:
        ctx.gss = None  # type: ignore[attr-defined]
        return s.SEC_E_OK, blob
    # gss_export_sec_context consumed the context: take the copy back, so
    # the old handle keeps working as it does on Windows.
    try:
        ctx.gss = gss.import_context(token)  # type: ignore[attr-defined]
    except gss.GssFailure:
        log.warning("ExportSecurityContext: the exported context could not be re-imported; "
                    "the old handle is no longer usable")
        ctx.gss = None  # type: ignore[attr-defined]
        ctx.failed = True
    return s.SEC_E_OK, blob


def _shell_factory(pkg: SecurityPackage) -> Any:
    """A callable ``(initiator) -> Context`` building an empty context of ``pkg``."""
    hook = getattr(pkg, "new_imported_context", None)
    if hook is not None:
        return hook
    from ._gss_package import GssCredential, GssPackage

    if isinstance(pkg, GssPackage):
        def shell(initiator: bool) -> Context:
            # use=0: the credential can start no new exchange (re-authenticating
            # an imported context answers SEC_E_NO_CREDENTIALS).
            return pkg.context_class(pkg, GssCredential(pkg, 0), initiator)
        return shell
    return None


def import_context(pkg: SecurityPackage, blob: bytes,
                   ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
    """Rebuild a context of ``pkg`` from a packed context."""
    factory = _shell_factory(pkg)
    if factory is None:
        return s.SEC_E_UNSUPPORTED_FUNCTION, None
    try:
        header, token, cred_token = unpack(blob)
    except BadPackedContextError:
        return s.SEC_E_INVALID_TOKEN, None
    if header["package"].lower() != pkg.name.lower():
        return s.SEC_E_INVALID_TOKEN, None
    try:
        gss_ctx = gss.import_context(token)
    except gss.GssFailure:
        return s.SEC_E_INVALID_TOKEN, None
    try:
        info = gss.inquire(gss_ctx)
        delegated = gss.import_cred(cred_token) if cred_token else None
    except gss.GssFailure:
        gss.delete(gss_ctx)
        return s.SEC_E_INVALID_TOKEN, None
    # The mechanism the imported GSS context must have: the package's own
    # (a package whose exports come back as another mechanism, e.g. SPNEGO,
    # says so with ``imported_mech``; None skips the check).
    expected_mech = getattr(pkg, "imported_mech", getattr(pkg, "mech", None)) or None
    if (not info.complete or info.locally_initiated != header["initiator"]
            or (expected_mech is not None and info.mech != expected_mech)):
        gss.delete(gss_ctx)
        return s.SEC_E_INVALID_TOKEN, None
    ctx: Context = factory(header["initiator"])
    ctx.gss = gss_ctx  # type: ignore[attr-defined]
    ctx.complete = True
    ctx.attrs = header["attrs"]
    ctx.started = float(header["started"])
    ctx.expiry = expiry_epoch(info.lifetime)
    for key in ("req", "gss_flags", "target"):
        if hasattr(ctx, key):
            setattr(ctx, key, header[key])
    if hasattr(ctx, "name") and header["target"]:
        with contextlib.suppress(ValueError):
            ctx.name = parse_target(header["target"])
    if hasattr(ctx, "delegated"):
        ctx.delegated = delegated
    return s.SEC_E_OK, ctx
