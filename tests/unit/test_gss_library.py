"""gss/_library.py: reading an AP-REQ's ticket server, and Heimdal's acceptor failure
for a ticket to another service told as MIT tells it (no KDC, no GSS call)."""

from __future__ import annotations

import pytest

from sspi_compat import _status as s
from sspi_compat.gss import _library as lib
from sspi_compat.gss.errors import GssFailure
from sspi_compat.mapping import status as m


def der(tag: int, body: bytes) -> bytes:
    n = len(body)
    length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + body


def ap_req(sname: list[str], realm: str, *, tok_id: bytes = b"\x01\x00") -> bytes:
    """A krb5 GSS AP-REQ token (RFC 4121 §4.1, RFC 4120 §5.5.1) with a dummy enc-part."""
    strings = b"".join(der(0x1B, part.encode()) for part in sname)
    principal = der(0x30, der(0xA0, der(0x02, b"\x02")) + der(0xA1, der(0x30, strings)))
    enc = der(0x30, der(0xA0, der(0x02, b"\x12")) + der(0xA2, der(0x04, b"\x00" * 300)))
    ticket = der(0x61, der(0x30, der(0xA0, der(0x02, b"\x05"))
                           + der(0xA1, der(0x1B, realm.encode()))
                           + der(0xA2, principal) + der(0xA3, enc)))
    body = der(0x6E, der(0x30, der(0xA0, der(0x02, b"\x05")) + der(0xA1, der(0x02, b"\x0e"))
                         + der(0xA2, der(0x03, b"\x00\x20\x00\x00\x00"))
                         + der(0xA3, ticket) + der(0xA4, enc)))
    return der(0x60, der(0x06, bytes.fromhex("2a864886f712010202")) + tok_id + body)


def test_ticket_server_is_read() -> None:
    token = ap_req(["host", "server.sspi.test"], "SSPI.TEST")
    assert lib.ap_req_ticket_server(token) == "host/server.sspi.test@SSPI.TEST"


@pytest.mark.parametrize("bad", [
    b"", b"\x60", ap_req(["host", "x"], "R", tok_id=b"\x02\x00"),  # an AP-REP's TOK_ID
    ap_req(["host", "x"], "R")[:-1],  # truncated
    ap_req(["host", "x"], "R") + b"\x00",  # trailing byte
    b"\x60\x84\xff\xff\xff\xff",  # a length past the end
])
def test_anything_else_is_none(bad: bytes) -> None:
    assert lib.ap_req_ticket_server(bad) is None


def test_every_truncation_is_none_never_an_exception() -> None:
    token = ap_req(["HTTP", "server.sspi.test"], "SSPI.TEST")
    for end in range(len(token)):
        assert lib.ap_req_ticket_server(token[:end]) is None


def _integrity() -> GssFailure:
    return GssFailure(m.GSS_S_FAILURE, lib.KRB5KRB_AP_ERR_BAD_INTEGRITY, krb5=True,
                      message="Decrypt integrity check failed")


@pytest.fixture()
def heimdal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lib, "is_heimdal", lambda: True)


def test_codes_are_the_mappings() -> None:
    assert lib.KRB5KRB_AP_ERR_BAD_INTEGRITY == m.KRB5KRB_AP_ERR_BAD_INTEGRITY
    assert lib.KRB5KRB_AP_WRONG_PRINC == m.KRB5KRB_AP_WRONG_PRINC


@pytest.mark.usefixtures("heimdal")
@pytest.mark.parametrize("acceptor", ["HTTP/server.sspi.test", "HTTP/server.sspi.test@SSPI.TEST"])
def test_ticket_for_another_service_is_wrong_principal(acceptor: str) -> None:
    token = ap_req(["host", "server.sspi.test"], "SSPI.TEST")
    failure = lib.wrong_principal(_integrity(), acceptor, token)
    assert failure.minor == lib.KRB5KRB_AP_WRONG_PRINC and failure.krb5
    assert m.gss_to_status(failure.major, failure.minor, True,
                           consumed_token=True) == s.SEC_E_WRONG_PRINCIPAL
    assert "host/server.sspi.test@SSPI.TEST" in failure.message


@pytest.mark.usefixtures("heimdal")
@pytest.mark.parametrize("acceptor", ["HTTP/server.sspi.test", "HTTP/server.sspi.test@SSPI.TEST"])
def test_ticket_for_the_acceptor_keeps_its_failure(acceptor: str) -> None:
    # The ticket is ours, so the authenticator did not decrypt: still LOGON_DENIED.
    original = _integrity()
    token = ap_req(["HTTP", "server.sspi.test"], "SSPI.TEST")
    assert lib.wrong_principal(original, acceptor, token) is original


@pytest.mark.usefixtures("heimdal")
def test_other_failures_and_tokens_are_kept() -> None:
    token = ap_req(["host", "server.sspi.test"], "SSPI.TEST")
    skew = GssFailure(m.GSS_S_FAILURE, m.KRB5KRB_AP_ERR_SKEW, krb5=True)
    assert lib.wrong_principal(skew, "HTTP/server.sspi.test", token) is skew
    not_krb5 = GssFailure(m.GSS_S_FAILURE, lib.KRB5KRB_AP_ERR_BAD_INTEGRITY)
    assert lib.wrong_principal(not_krb5, "HTTP/server.sspi.test", token) is not_krb5
    original = _integrity()
    assert lib.wrong_principal(original, "HTTP/server.sspi.test", b"garbage") is original
    assert lib.wrong_principal(original, "alice@SSPI.TEST", token) is original


def test_mit_failures_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lib, "is_heimdal", lambda: False)
    original = _integrity()
    token = ap_req(["host", "server.sspi.test"], "SSPI.TEST")
    assert lib.wrong_principal(original, "HTTP/server.sspi.test", token) is original


@pytest.mark.parametrize("feature", sorted(lib.HEIMDAL_UNSUPPORTED))
def test_unsupported_features_answer_unsupported_function(
        feature: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="sspi_compat"):
        failure = lib.unsupported(feature)
    assert m.gss_to_status(failure.major, failure.minor, False) == s.SEC_E_UNSUPPORTED_FUNCTION
    assert lib.HEIMDAL_UNSUPPORTED[feature] in caplog.text
    assert "Heimdal" in failure.message
