"""Arbitrary input through the façade: pywin32's answer or ``pywintypes.error``, nothing else.

The h11-style invariant, in pywin32's terms: whatever bytes arrive as a
token or a message and whatever buffer layout a caller builds, a façade call
either returns pywin32's result shape or raises ``pywintypes.error`` with an
SSPI status (signed, known funcname) — never another exception, never a
crash or hang — and the context keeps working afterwards.  A rejected
message leaves the caller's buffers as they were.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Tuple

import pytest
import sspi
import sspicon
import win32security
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pywin32_helpers import kerberos_sspi_pair

from sspi_compat.testing import MITRealm

FLAGS = (sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_INTEGRITY
         | sspicon.ISC_REQ_CONFIDENTIALITY | sspicon.ISC_REQ_SEQUENCE_DETECT
         | sspicon.ISC_REQ_REPLAY_DETECT)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
BUFFER_TYPES = [sspicon.SECBUFFER_EMPTY, sspicon.SECBUFFER_DATA, sspicon.SECBUFFER_TOKEN,
                sspicon.SECBUFFER_PADDING, sspicon.SECBUFFER_STREAM,
                sspicon.SECBUFFER_CHANNEL_BINDINGS, sspicon.SECBUFFER_EXTRA, 99]
ATTR_FLAGS = [0, sspicon.SECBUFFER_READONLY, sspicon.SECBUFFER_READONLY_WITH_CHECKSUM]


def _check_error(exc: win32security.error) -> None:
    winerror, funcname, strerror = exc.args
    assert isinstance(winerror, int) and -0x80000000 <= winerror < 0
    assert winerror != sspicon.SEC_E_INTERNAL_ERROR, exc  # would be a bug report
    assert isinstance(funcname, str) and funcname
    assert isinstance(strerror, str) and strerror


@pytest.fixture
def pair(krb5_env: MITRealm) -> Iterator[Tuple[sspi.ClientAuth, sspi.ServerAuth]]:
    yield kerberos_sspi_pair(krb5_env, FLAGS)


@pytest.mark.kdc
def test_empty_token(pair: Tuple[sspi.ClientAuth, sspi.ServerAuth]) -> None:
    _, server = pair
    for data in (b"", b"x"):
        desc = win32security.PySecBufferDescType()
        desc.append(win32security.PySecBufferType(len(data), sspicon.SECBUFFER_DATA))
        desc.append(win32security.PySecBufferType(0, sspicon.SECBUFFER_TOKEN))
        desc[0].Buffer = data
        for call in (server.ctxt.DecryptMessage, server.ctxt.VerifySignature):
            with pytest.raises(win32security.error) as exc:
                call(desc, 0)
            _check_error(exc.value)


def _still_works(client: sspi.ClientAuth, server: sspi.ServerAuth) -> None:
    data, trailer = client.encrypt(b"still here")
    assert server.decrypt(data, trailer) == b"still here"


@pytest.mark.kdc
@FUZZ
@given(token=st.binary(max_size=300))
def test_server_authorize_any_token(krb5_env: MITRealm, token: bytes) -> None:
    server = sspi.ServerAuth("Kerberos")
    try:
        err, _ = server.authorize(bytearray(token))
    except win32security.error as exc:
        _check_error(exc)
        assert exc.funcname == "AcceptSecurityContext"
        return
    assert err in (0, sspicon.SEC_I_CONTINUE_NEEDED)  # pragma: no cover - needs a real token


@pytest.mark.kdc
@FUZZ
@given(token=st.binary(max_size=300))
def test_client_continuation_any_token(krb5_env: MITRealm, token: bytes) -> None:
    client = sspi.ClientAuth("Kerberos", targetspn=f"HTTP/{krb5_env.hostname}", scflags=FLAGS)
    err, _ = client.authorize(None)
    assert err == sspicon.SEC_I_CONTINUE_NEEDED
    try:
        client.authorize(token)
    except win32security.error as exc:
        _check_error(exc)
        assert exc.funcname == "InitializeSecurityContext"
    except ValueError as exc:  # pywin32's: a token longer than MaxToken does not fit
        assert "greater than allocated buffer size" in str(exc)


@pytest.mark.kdc
@FUZZ
@given(data=st.binary(max_size=200), trailer=st.binary(max_size=100))
def test_decrypt_any_message(pair: Tuple[sspi.ClientAuth, sspi.ServerAuth], data: bytes,
                             trailer: bytes) -> None:
    client, server = pair
    desc = win32security.PySecBufferDescType()
    desc.append(win32security.PySecBufferType(len(data), sspicon.SECBUFFER_DATA))
    desc.append(win32security.PySecBufferType(len(trailer), sspicon.SECBUFFER_TOKEN))
    desc[0].Buffer = data
    desc[1].Buffer = trailer
    with pytest.raises(win32security.error) as exc:
        server.ctxt.DecryptMessage(desc, 0)
    _check_error(exc.value)
    assert (desc[0].Buffer, desc[1].Buffer) == (data, trailer)  # untouched
    with pytest.raises(win32security.error) as exc:
        server.ctxt.VerifySignature(desc, 0)
    _check_error(exc.value)
    with pytest.raises(win32security.error) as exc:
        server.unwrap(data + trailer)
    _check_error(exc.value)
    _still_works(client, server)


def _layout() -> Any:
    return st.lists(st.tuples(st.sampled_from(BUFFER_TYPES), st.sampled_from(ATTR_FLAGS),
                              st.integers(0, 80), st.binary(max_size=80)), max_size=5)


@pytest.mark.kdc
@FUZZ
@given(layout=_layout(), qop=st.sampled_from([0, sspicon.SECQOP_WRAP_NO_ENCRYPT, 7]))
def test_any_buffer_layout(pair: Tuple[sspi.ClientAuth, sspi.ServerAuth],
                           layout: List[Tuple[int, int, int, bytes]], qop: int) -> None:
    client, server = pair
    for method in ("EncryptMessage", "MakeSignature", "DecryptMessage", "VerifySignature"):
        desc = win32security.PySecBufferDescType()
        for btype, flags, size, content in layout:
            buf = win32security.PySecBufferType(max(size, len(content)), btype | flags)
            buf.Buffer = content
            desc.append(buf)
        call = getattr(client.ctxt, method)
        try:
            if method in ("EncryptMessage", "MakeSignature"):
                assert call(qop, desc, 0) is None
            else:
                assert isinstance(call(desc, 0), int)
        except win32security.error as exc:
            _check_error(exc)
    # Whatever the client sealed or signed above, the pair still talks (the
    # client may have used sequence numbers: only check the other direction).
    data, trailer = server.encrypt(b"reply")
    assert client.decrypt(data, trailer) == b"reply"


@pytest.mark.kdc
@FUZZ
@given(attribute=st.integers(-0x80000000, 0xFFFFFFFF))
def test_any_context_attribute(pair: Tuple[sspi.ClientAuth, sspi.ServerAuth],
                               attribute: int) -> None:
    client, _ = pair
    try:
        client.ctxt.QueryContextAttributes(attribute)
    except win32security.error as exc:
        _check_error(exc)
    except NotImplementedError as exc:  # pywin32's answer for attributes it cannot convert
        assert str(exc) == "Attribute is not supported yet"
