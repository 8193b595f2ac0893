"""SECBUFFER_CHANNEL_BINDINGS -> GSS channel bindings.

The buffer holds a ``SEC_CHANNEL_BINDINGS``: eight 32-bit fields
(initiator address type, length, offset; acceptor type, length, offset;
application data length, offset) followed by the blobs, offsets counted
from the start of the structure.

Python code ported from Windows often builds it with
``struct.pack('LLLLLLLL', ...)``, which is 32 bytes on Windows but 64 bytes
on 64-bit Linux (``L`` is 8 bytes there), while still writing the offsets
the 32-byte layout implies.  Both parse: when the 32-bit reading is not
self-consistent and the 64-bit one is, the 64-bit one wins, and offsets
that point into its header are moved past it.  A blob of 64 bytes or more
that is empty in the 32-bit reading and invalid in the 64-bit one is
malformed (ValueError), never "no bindings".
"""

from __future__ import annotations

import struct
from typing import Any, Optional, Tuple

from .._constants import SECBUFFER_CHANNEL_BINDINGS
from . import buffers as bufmap

__all__ = ["Bindings", "from_descriptor", "parse"]

Bindings = Tuple[int, bytes, int, bytes, bytes]

_H32 = struct.Struct("<8I")
_H64 = struct.Struct("<8Q")


def _slices(blob: bytes, fields: Tuple[int, ...], header: int,
            shift: int) -> Optional[Bindings]:
    ia_type, ia_len, ia_off, aa_type, aa_len, aa_off, ad_len, ad_off = fields
    out = []
    for length, offset in ((ia_len, ia_off), (aa_len, aa_off), (ad_len, ad_off)):
        if length == 0:
            out.append(b"")
            continue
        if offset < header:
            offset += shift
        if offset < header or offset + length > len(blob):
            return None
        out.append(blob[offset:offset + length])
    if ia_type > 0xFFFFFFFF or aa_type > 0xFFFFFFFF:
        return None
    return ia_type, out[0], aa_type, out[1], out[2]


def parse(blob: bytes) -> Bindings:
    """Parse a SEC_CHANNEL_BINDINGS blob (32- or 64-byte header); ValueError if malformed."""
    if len(blob) >= _H32.size:
        got = _slices(blob, _H32.unpack_from(blob), _H32.size, 0)
        if got is not None and (any(got[i] for i in (1, 3, 4)) or len(blob) == _H32.size):
            return got
        if len(blob) >= _H64.size:
            got64 = _slices(blob, _H64.unpack_from(blob), _H64.size, _H64.size - _H32.size)
            if got64 is not None:
                return got64
            # An empty 32-bit reading followed by bytes that are not a valid
            # 64-bit header: the caller meant bindings we cannot read.  Saying
            # "no bindings" would silently switch channel binding off.
            got = None
        if got is not None:
            return got
    raise ValueError("malformed SEC_CHANNEL_BINDINGS")


def from_descriptor(desc: Any) -> Optional[Bindings]:
    """The bindings in ``desc``'s SECBUFFER_CHANNEL_BINDINGS buffer, if any."""
    buf = bufmap.find(desc, SECBUFFER_CHANNEL_BINDINGS)
    if buf is None:
        return None
    try:
        blob = bufmap.read(buf)
    except bufmap.BadBufferError:
        raise ValueError("unreadable channel bindings buffer") from None
    return parse(blob)
