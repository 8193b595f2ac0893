"""tls-server-end-point channel bindings (RFC 5929 section 4) from certificates.

No KDC, no gssapi.  Certificates are generated here: with ``cryptography``
for the algorithms it still signs with, and with the ``openssl`` program for
MD5 and SHA-1 (which ``cryptography`` refuses to sign with).  The expected
hash comes from an independent oracle: ``cryptography``'s own reading of the
certificate's signature hash (the rule requests-kerberos and pyspnego's
users apply) and its fingerprint, or ``openssl x509 -fingerprint``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import struct
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from sspi_compat import (
    SEC_CHANNEL_BINDINGS,
    TLS_SERVER_END_POINT_PREFIX,
    tls_server_end_point_application_data,
    tls_server_end_point_bindings,
    tls_server_end_point_hash_name,
)
from sspi_compat.mapping import bindings as cb_map

_KEYS: Dict[str, Any] = {}


def _key(kind: str) -> Any:
    if kind not in _KEYS:
        _KEYS[kind] = {
            "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "ec384": lambda: ec.generate_private_key(ec.SECP384R1()),
            "dsa": lambda: dsa.generate_private_key(key_size=2048),
            "ed25519": ed25519.Ed25519PrivateKey.generate,
            "ed448": ed448.Ed448PrivateKey.generate,
        }[kind]()
    return _KEYS[kind]


def _certificate(kind: str, algorithm: Optional[hashes.HashAlgorithm],
                 rsa_padding: Any = None) -> bytes:
    key = _key(kind)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server.sspi.test")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)))
    kwargs = {"rsa_padding": rsa_padding} if rsa_padding is not None else {}
    cert = builder.sign(key, algorithm, **kwargs)
    return cert.public_bytes(serialization.Encoding.DER)


def _openssl_certificate(tmp_path: Path, digest: str) -> bytes:
    key, pem = tmp_path / f"{digest}.key", tmp_path / f"{digest}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(pem), "-subj", "/CN=server.sspi.test", f"-{digest}",
                    "-days", "1"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", str(pem), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return der


def _openssl_fingerprint(der: bytes, digest: str) -> bytes:
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-fingerprint",
                          f"-{digest}"], input=der, check=True, capture_output=True).stdout
    return bytes.fromhex(out.decode().strip().split("=", 1)[1].replace(":", ""))


def _oracle(der: bytes) -> bytes:
    """The application data by the rule its users implement with cryptography."""
    cert = x509.load_der_x509_certificate(der)
    algorithm = cert.signature_hash_algorithm
    assert algorithm is not None
    if algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    return TLS_SERVER_END_POINT_PREFIX + cert.fingerprint(algorithm)


PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=padding.PSS.DIGEST_LENGTH)

GENERATED: Dict[str, Callable[[], bytes]] = {
    "rsa-sha224": lambda: _certificate("rsa", hashes.SHA224()),
    "rsa-sha256": lambda: _certificate("rsa", hashes.SHA256()),
    "rsa-sha384": lambda: _certificate("rsa", hashes.SHA384()),
    "rsa-sha512": lambda: _certificate("rsa", hashes.SHA512()),
    "rsa-pss-sha512": lambda: _certificate("rsa", hashes.SHA512(), PSS),
    "ecdsa-p256-sha256": lambda: _certificate("ec256", hashes.SHA256()),
    "ecdsa-p384-sha384": lambda: _certificate("ec384", hashes.SHA384()),
    "ecdsa-p256-sha512": lambda: _certificate("ec256", hashes.SHA512()),
    "dsa-sha256": lambda: _certificate("dsa", hashes.SHA256()),
    "rsa-sha3-256": lambda: _certificate("rsa", hashes.SHA3_256()),
}

EXPECTED_HASH = {
    "rsa-sha224": "sha224", "rsa-sha256": "sha256", "rsa-sha384": "sha384",
    "rsa-sha512": "sha512", "rsa-pss-sha512": "sha512", "ecdsa-p256-sha256": "sha256",
    "ecdsa-p384-sha384": "sha384", "ecdsa-p256-sha512": "sha512", "dsa-sha256": "sha256",
    "rsa-sha3-256": "sha3_256",
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_hash_follows_the_signature_algorithm(case: str) -> None:
    der = GENERATED[case]()
    assert tls_server_end_point_hash_name(der) == EXPECTED_HASH[case]
    app = tls_server_end_point_application_data(der)
    assert app == _oracle(der)
    assert app == TLS_SERVER_END_POINT_PREFIX + hashlib.new(EXPECTED_HASH[case], der).digest()


@pytest.mark.parametrize("digest", ["md5", "sha1"])
def test_md5_and_sha1_certificates_use_sha256(tmp_path: Path, digest: str) -> None:
    der = _openssl_certificate(tmp_path, digest)
    assert x509.load_der_x509_certificate(der).signature_hash_algorithm.name == digest  # type: ignore[union-attr]
    assert tls_server_end_point_hash_name(der) == "sha256"
    app = tls_server_end_point_application_data(der)
    assert app == TLS_SERVER_END_POINT_PREFIX + _openssl_fingerprint(der, "sha256")
    assert app == _oracle(der)


def test_openssl_sha384_certificate(tmp_path: Path) -> None:
    der = _openssl_certificate(tmp_path, "sha384")
    assert tls_server_end_point_application_data(der) == (
        TLS_SERVER_END_POINT_PREFIX + _openssl_fingerprint(der, "sha384"))


def test_pem_bytes_and_text_give_the_same_bindings() -> None:
    der = GENERATED["rsa-sha256"]()
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    expected = tls_server_end_point_application_data(der)
    assert tls_server_end_point_application_data(pem) == expected
    assert tls_server_end_point_application_data(pem.decode("ascii")) == expected
    assert tls_server_end_point_application_data(b"subject=CN = x\n" + pem + pem) == expected
    assert tls_server_end_point_application_data(bytearray(der)) == expected
    assert tls_server_end_point_application_data(memoryview(der)) == expected


def test_packed_bindings_layout() -> None:
    der = GENERATED["ecdsa-p256-sha256"]()
    app = tls_server_end_point_application_data(der)
    packed = tls_server_end_point_bindings(der)
    assert packed == SEC_CHANNEL_BINDINGS(ApplicationData=app).pack()
    # 32-byte header: no addresses, application data right after the header.
    assert packed[:32] == struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app), 32)
    assert packed[32:] == app
    assert len(app) == len(TLS_SERVER_END_POINT_PREFIX) + 32
    assert cb_map.parse(packed) == (0, b"", 0, b"", app)


@pytest.mark.parametrize("kind", ["ed25519", "ed448"])
def test_no_single_hash_needs_an_explicit_hash(kind: str) -> None:
    der = _certificate(kind, None)
    with pytest.raises(ValueError, match="RFC 5929 defines no"):
        tls_server_end_point_bindings(der)
    app = tls_server_end_point_application_data(der, hash_name="sha256")
    assert app == TLS_SERVER_END_POINT_PREFIX + hashlib.sha256(der).digest()


def test_explicit_hash_overrides_the_rule() -> None:
    der = GENERATED["rsa-sha256"]()
    assert tls_server_end_point_application_data(der, "sha512") == (
        TLS_SERVER_END_POINT_PREFIX + hashlib.sha512(der).digest())
    with pytest.raises(ValueError, match="not available"):
        tls_server_end_point_application_data(der, "no-such-hash")


def _der_with_signature_oid(der: bytes, new_oid: bytes) -> bytes:
    """Swap the signatureAlgorithm OID body (same length) to test unknown OIDs."""
    old = bytes.fromhex("2a864886f70d01010b")  # sha256WithRSAEncryption
    assert der.count(old) == 2 and len(new_oid) == len(old)
    return der.replace(old, new_oid)


def test_unknown_signature_algorithm_is_a_value_error() -> None:
    der = _der_with_signature_oid(GENERATED["rsa-sha256"](), bytes.fromhex("2a864886f70d01017f"))
    with pytest.raises(ValueError, match="unknown certificate signature algorithm"):
        tls_server_end_point_bindings(der)


BAD_INPUTS = {
    "empty": b"",
    "garbage": b"\x00\x01\x02\x03",
    "sequence-only": b"\x30\x00",
    "indefinite-length": b"\x30\x80\x00\x00",
    "long-length-past-end": b"\x30\x84\x7f\xff\xff\xff\x00",
    "huge-length-octets": b"\x30\x89" + b"\x01" * 9,
    "pem-without-block": b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    "pem-bad-base64": b"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
    "pem-not-a-cert": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "text-not-pem": "hello",
    "text-non-ascii": "\u00e9t\u00e9",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_malformed_input_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        tls_server_end_point_bindings(BAD_INPUTS[name])


def test_truncated_and_extended_certificates_are_value_errors() -> None:
    der = GENERATED["rsa-sha256"]()
    for cut in (1, 2, 10, len(der) // 2, len(der) - 1):
        with pytest.raises(ValueError):
            tls_server_end_point_application_data(der[:cut])
    with pytest.raises(ValueError):
        tls_server_end_point_application_data(der + b"\x00")


def test_every_single_byte_corruption_is_handled() -> None:
    """Flip each byte of the outer structure: a result or ValueError, nothing else."""
    der = GENERATED["ecdsa-p256-sha256"]()
    for i in range(len(der)):
        bad = bytearray(der)
        bad[i] ^= 0xFF
        with contextlib.suppress(ValueError):
            tls_server_end_point_application_data(bytes(bad))


@pytest.mark.parametrize("value", [None, 42, ["x"], object()])
def test_wrong_type_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        tls_server_end_point_bindings(value)
