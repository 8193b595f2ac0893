"""tls-server-end-point channel bindings (RFC 5929 section 4) from a certificate.

What a Windows client gets from ``QueryContextAttributes(tls_ctx,
SECPKG_ATTR_ENDPOINT_BINDINGS)`` and an IIS/HTTP.sys server passes to
AcceptSecurityContext: a ``SEC_CHANNEL_BINDINGS`` whose application data is
``b"tls-server-end-point:" + hash(server certificate DER)``.  The hash is
the one the certificate's signature algorithm uses, except that MD5 and
SHA-1 are replaced by SHA-256; RFC 5929 defines no binding for signature
algorithms without a single hash (Ed25519, Ed448), so those need an
explicit ``hash_name``.

The certificate is parsed with a small DER reader (only the outer
structure and the signature algorithm are looked at): no dependency beyond
the standard library.  Typical use::

    der = ssl_socket.getpeercert(binary_form=True)
    cbt = tls_server_end_point_bindings(der)
    SecBuffer(SECBUFFER_CHANNEL_BINDINGS, bytearray(cbt))

Input that is not a certificate raises ``ValueError`` (these are helpers,
not SSPI functions, so they raise as ``bytes.fromhex`` would), the wrong
type ``TypeError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Dict, Optional, Tuple, Union

from ._types import SEC_CHANNEL_BINDINGS

__all__ = [
    "TLS_SERVER_END_POINT_PREFIX",
    "tls_server_end_point_application_data",
    "tls_server_end_point_bindings",
    "tls_server_end_point_hash_name",
]

TLS_SERVER_END_POINT_PREFIX = b"tls-server-end-point:"

Certificate = Union[bytes, bytearray, memoryview, str]

# signatureAlgorithm OID -> hashlib name of the hash it uses; "" = no single hash.
_SIGNATURE_HASH: Dict[str, str] = {
    # RSA PKCS#1 v1.5 (RFC 8017, RFC 4055)
    "1.2.840.113549.1.1.4": "md5",
    "1.2.840.113549.1.1.5": "sha1",
    "1.3.14.3.2.29": "sha1",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
    "1.2.840.113549.1.1.15": "sha512_224",
    "1.2.840.113549.1.1.16": "sha512_256",
    # ECDSA (RFC 5758)
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
    # DSA
    "1.2.840.10040.4.3": "sha1",
    "2.16.840.1.101.3.4.3.1": "sha224",
    "2.16.840.1.101.3.4.3.2": "sha256",
    "2.16.840.1.101.3.4.3.3": "sha384",
    "2.16.840.1.101.3.4.3.4": "sha512",
    # SHA-3 with DSA, ECDSA, RSA (NIST CSOR)
    "2.16.840.1.101.3.4.3.5": "sha3_224",
    "2.16.840.1.101.3.4.3.6": "sha3_256",
    "2.16.840.1.101.3.4.3.7": "sha3_384",
    "2.16.840.1.101.3.4.3.8": "sha3_512",
    "2.16.840.1.101.3.4.3.9": "sha3_224",
    "2.16.840.1.101.3.4.3.10": "sha3_256",
    "2.16.840.1.101.3.4.3.11": "sha3_384",
    "2.16.840.1.101.3.4.3.12": "sha3_512",
    "2.16.840.1.101.3.4.3.13": "sha3_224",
    "2.16.840.1.101.3.4.3.14": "sha3_256",
    "2.16.840.1.101.3.4.3.15": "sha3_384",
    "2.16.840.1.101.3.4.3.16": "sha3_512",
    # No single hash: RFC 5929 leaves the binding undefined.
    "1.3.101.112": "",  # Ed25519
    "1.3.101.113": "",  # Ed448
}

_RSASSA_PSS = "1.2.840.113549.1.1.10"

# Hash AlgorithmIdentifier OIDs (inside RSASSA-PSS parameters).
_HASH_OID: Dict[str, str] = {
    "1.2.840.113549.2.5": "md5",
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.2.5": "sha512_224",
    "2.16.840.1.101.3.4.2.6": "sha512_256",
    "2.16.840.1.101.3.4.2.7": "sha3_224",
    "2.16.840.1.101.3.4.2.8": "sha3_256",
    "2.16.840.1.101.3.4.2.9": "sha3_384",
    "2.16.840.1.101.3.4.2.10": "sha3_512",
}

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----")


# --- a minimal DER reader ------------------------------------------------------


def _tlv(data: bytes, pos: int, end: int) -> Tuple[int, int, int]:
    """(tag, content start, content end) of the element at ``pos``."""
    if pos + 2 > end:
        raise ValueError("truncated DER element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise ValueError("unexpected high-number DER tag")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise ValueError("indefinite length is not DER")
    else:
        count = first & 0x7F
        if count > 4 or pos + count > end:
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if length > end - pos:
        raise ValueError("DER element runs past its container")
    return tag, pos, pos + length


def _oid(data: bytes, start: int, end: int) -> str:
    if start >= end:
        raise ValueError("empty OID")
    arcs = []
    value = 0
    for i in range(start, end):
        byte = data[i]
        if value == 0 and byte == 0x80:
            raise ValueError("non-minimal OID encoding")
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if data[end - 1] & 0x80:
        raise ValueError("truncated OID")
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def _signature_algorithm(der: bytes) -> Tuple[str, int, int]:
    """(OID, parameters start, parameters end) of the certificate's signatureAlgorithm."""
    tag, start, end = _tlv(der, 0, len(der))
    if tag != 0x30 or end != len(der):
        raise ValueError("not a DER certificate (outer SEQUENCE)")
    tag, _, tbs_end = _tlv(der, start, end)  # tbsCertificate
    if tag != 0x30:
        raise ValueError("not a DER certificate (tbsCertificate)")
    tag, alg_start, alg_end = _tlv(der, tbs_end, end)  # signatureAlgorithm
    if tag != 0x30:
        raise ValueError("not a DER certificate (signatureAlgorithm)")
    tag, _, sig_end = _tlv(der, alg_end, end)  # signatureValue
    if tag != 0x03 or sig_end != end:
        raise ValueError("not a DER certificate (signatureValue)")
    tag, oid_start, oid_end = _tlv(der, alg_start, alg_end)
    if tag != 0x06:
        raise ValueError("signatureAlgorithm without an OID")
    return _oid(der, oid_start, oid_end), oid_end, alg_end


def _pss_hash(der: bytes, start: int, end: int) -> str:
    """The hashAlgorithm of RSASSA-PSS-params (default SHA-1, RFC 4055)."""
    if start == end:
        return "sha1"
    tag, p_start, p_end = _tlv(der, start, end)
    if tag != 0x30:
        raise ValueError("bad RSASSA-PSS parameters")
    if p_start == p_end:
        return "sha1"
    tag, h_start, h_end = _tlv(der, p_start, p_end)
    if tag != 0xA0:  # [0] hashAlgorithm absent: the default
        return "sha1"
    tag, a_start, a_end = _tlv(der, h_start, h_end)
    if tag != 0x30:
        raise ValueError("bad RSASSA-PSS hashAlgorithm")
    tag, o_start, o_end = _tlv(der, a_start, a_end)
    if tag != 0x06:
        raise ValueError("bad RSASSA-PSS hashAlgorithm")
    oid = _oid(der, o_start, o_end)
    name = _HASH_OID.get(oid)
    if name is None:
        raise ValueError(f"unknown RSASSA-PSS hash algorithm {oid}")
    return name


def _der(certificate: Certificate) -> bytes:
    if isinstance(certificate, str):
        try:
            certificate = certificate.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("a certificate given as str must be PEM") from None
        text_given = True
    elif isinstance(certificate, (bytes, bytearray, memoryview)):
        certificate = bytes(certificate)
        text_given = False
    else:
        raise TypeError("certificate must be DER bytes or PEM text, "
                        f"not {type(certificate).__name__}")
    if text_given or not certificate.startswith(b"\x30"):  # DER starts with SEQUENCE
        match = _PEM.search(certificate)
        if match is None:
            raise ValueError("no PEM CERTIFICATE block found")
        try:
            return base64.b64decode(b"".join(match.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("bad base64 in the PEM CERTIFICATE block") from None
    return certificate


# --- public helpers -----------------------------------------------------------


def tls_server_end_point_hash_name(certificate: Certificate) -> str:
    """The hashlib name RFC 5929 picks for this certificate (``"sha256"``, ...).

    ValueError when the certificate cannot be parsed or its signature
    algorithm has no single hash (Ed25519, Ed448) or is unknown.
    """
    der = _der(certificate)
    oid, p_start, p_end = _signature_algorithm(der)
    name = _pss_hash(der, p_start, p_end) if oid == _RSASSA_PSS else _SIGNATURE_HASH.get(oid)
    if name is None:
        raise ValueError(f"unknown certificate signature algorithm {oid}: pass hash_name")
    if name == "":
        raise ValueError(f"RFC 5929 defines no tls-server-end-point hash for signature "
                         f"algorithm {oid} (no single hash): pass hash_name")
    return "sha256" if name in ("md5", "sha1") else name


def tls_server_end_point_application_data(certificate: Certificate,
                                          hash_name: Optional[str] = None) -> bytes:
    """``b"tls-server-end-point:" + hash(certificate DER)`` (RFC 5929 section 4.1).

    ``certificate`` is DER bytes (``SSLSocket.getpeercert(binary_form=True)``)
    or PEM (bytes or str; the first CERTIFICATE block).  ``hash_name``
    (a hashlib name) overrides the RFC's choice, for signature algorithms
    the RFC leaves undefined.
    """
    der = _der(certificate)
    if hash_name is None:
        hash_name = tls_server_end_point_hash_name(der)
    try:
        digest = hashlib.new(hash_name, der).digest()
    except (ValueError, TypeError):
        raise ValueError(f"hash algorithm {hash_name!r} is not available") from None
    return TLS_SERVER_END_POINT_PREFIX + digest


def tls_server_end_point_bindings(certificate: Certificate,
                                  hash_name: Optional[str] = None) -> bytes:
    """A packed ``SEC_CHANNEL_BINDINGS`` (32-byte header, no addresses) holding
    the tls-server-end-point application data of ``certificate``: the bytes
    to put in a ``SECBUFFER_CHANNEL_BINDINGS`` buffer, on either side."""
    app = tls_server_end_point_application_data(certificate, hash_name)
    return SEC_CHANNEL_BINDINGS(ApplicationData=app).pack()
