"""Properties (h11-style invariants) of the new input paths, for any bytes:

* SEC_CHANNEL_BINDINGS parsing returns bindings or raises ValueError -- which
  the packages turn into SEC_E_BAD_BINDINGS -- and nothing else;
* ImportSecurityContext answers a status and never raises, and leaves the
  handle invalid unless it answered SEC_E_OK;
* the tls-server-end-point helper returns bytes or raises ValueError.

No KDC: none of these inputs is a packed context this package wrote, so none
reaches GSS.
"""

from __future__ import annotations

import contextlib
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from sspi_compat import (
    SEC_E_INVALID_TOKEN,
    SEC_E_SECPKG_NOT_FOUND,
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_EMPTY,
    CtxtHandle,
    ImportSecurityContext,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    tls_server_end_point_application_data,
)
from sspi_compat.mapping import bindings
from sspi_compat.packages.transfer import MAGIC

ULONG32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
ULONG64 = st.integers(min_value=0, max_value=0xFFFFFFFFFFFFFFFF)


def _check_parse(blob: bytes) -> None:
    try:
        ia_type, ia, aa_type, aa, app = bindings.parse(blob)
    except ValueError:
        return
    assert 0 <= ia_type <= 0xFFFFFFFF and 0 <= aa_type <= 0xFFFFFFFF
    assert len(ia) + len(aa) + len(app) <= len(blob)
    for part in (ia, aa, app):
        assert part in blob


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_parse_any_bytes(blob: bytes) -> None:
    _check_parse(blob)


@settings(max_examples=500)
@given(st.tuples(*[ULONG32] * 8), st.binary(max_size=100))
def test_parse_any_32_bit_header(fields: tuple, tail: bytes) -> None:  # type: ignore[type-arg]
    _check_parse(struct.pack("<8I", *fields) + tail)


@settings(max_examples=500)
@given(st.tuples(*[ULONG64] * 8), st.binary(max_size=100))
def test_parse_any_64_bit_header(fields: tuple, tail: bytes) -> None:  # type: ignore[type-arg]
    _check_parse(struct.pack("<8Q", *fields) + tail)


@settings(max_examples=300)
@given(st.binary(max_size=100), st.integers(min_value=-5, max_value=300))
def test_from_descriptor_any_cbbuffer(blob: bytes, cb: int) -> None:
    desc = SecBufferDesc([SecBuffer(SECBUFFER_CHANNEL_BINDINGS, bytearray(blob), cb)])
    with contextlib.suppress(ValueError):
        bindings.from_descriptor(desc)
    assert desc[0].pvBuffer == blob and desc[0].cbBuffer == cb  # never written


@settings(max_examples=500)
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: MAGIC + b)),
       st.sampled_from(["Kerberos", "kerberos", "NoSuchPackage"]))
def test_import_any_bytes_is_a_status(blob: bytes, package: str) -> None:
    ctx = CtxtHandle()
    status = ImportSecurityContext(package, SecBuffer(SECBUFFER_EMPTY, bytearray(blob)), None,
                                   ctx)
    expected = SEC_E_SECPKG_NOT_FOUND if package == "NoSuchPackage" else SEC_E_INVALID_TOKEN
    assert status == expected
    assert not SecIsValidHandle(ctx)


@settings(max_examples=500)
@given(st.one_of(st.binary(max_size=300),
                 st.binary(max_size=300).map(lambda b: b"\x30\x82" + b),
                 st.text(max_size=200)))
def test_tls_helper_any_input(value: object) -> None:
    try:
        app = tls_server_end_point_application_data(value)  # type: ignore[arg-type]
    except ValueError:
        return
    assert app.startswith(b"tls-server-end-point:")
