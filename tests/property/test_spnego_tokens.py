"""Properties of the SPNEGO codec (h11-style invariants), for any input:

* ``decode`` returns a token or raises SpnegoError (a ValueError), never
  anything else, whatever the bytes;
* every token ``encode_init`` / ``encode_resp`` writes decodes to what went in;
* a well-formed token with any byte flipped or cut still only decodes or
  raises SpnegoError.
"""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from sspi_compat.mapping import spnego as sp

OIDS = st.sampled_from([sp.OID_KRB5, sp.OID_MS_KRB5, sp.OID_NTLM, "1.2.3.4.5", "2.999.1"])
BLOBS = st.one_of(st.none(), st.binary(max_size=600))


def _decodes_or_refuses(data: bytes) -> None:
    with contextlib.suppress(sp.SpnegoError):
        sp.decode(data)
    sp.raw_mechanism(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    _decodes_or_refuses(data)
    _decodes_or_refuses(b"\x60" + data)
    _decodes_or_refuses(b"\xa1" + data)


@settings(max_examples=200, deadline=None)
@given(st.lists(OIDS, max_size=4), BLOBS, BLOBS)
def test_init_roundtrip(mechs: list, token: bytes, mic: bytes) -> None:
    encoded = sp.encode_init(mechs, token, mic)
    init = sp.decode(encoded)
    assert init == sp.NegTokenInit(tuple(mechs), sp.encode_mech_types(mechs), token, mic)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), OIDS), BLOBS, BLOBS)
def test_resp_roundtrip(state: int, mech: str, token: bytes, mic: bytes) -> None:
    assert sp.decode(sp.encode_resp(state, mech, token, mic)) == \
        sp.NegTokenResp(state, mech, token, mic)


@settings(max_examples=300, deadline=None)
@given(st.lists(OIDS, min_size=1, max_size=3), st.binary(max_size=200), st.data())
def test_mutations(mechs: list, token: bytes, data: st.DataObject) -> None:
    good = bytearray(sp.encode_init(mechs, token))
    i = data.draw(st.integers(0, len(good) - 1))
    mutated = bytearray(good)
    mutated[i] ^= data.draw(st.integers(1, 255))
    _decodes_or_refuses(bytes(mutated))
    _decodes_or_refuses(bytes(good[:i]))
