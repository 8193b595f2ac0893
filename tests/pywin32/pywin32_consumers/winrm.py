"""WinRM message encryption over a Kerberos context, the way WinRM clients do it.

The body of an encrypted WinRM message (MS-WSMV, "Encrypted Boundary") is,
per part: a 4-byte little-endian length of the SSPI header, the header, then
the encrypted payload — produced with ``EncryptMessage`` over
``[SECBUFFER_TOKEN, SECBUFFER_DATA, SECBUFFER_PADDING]`` sized from
``SECPKG_ATTR_SIZES`` and undone with ``DecryptMessage`` over
``[SECBUFFER_TOKEN, SECBUFFER_DATA]``.  ``sspi.ClientAuth.encrypt`` /
``decrypt`` give the same two pieces (data, trailer) with the token last.
"""

import struct

import sspicon
import win32security

BOUNDARY = b"Encrypted Boundary"
PROTOCOL = "application/HTTP-Kerberos-session-encrypted"


def encrypt_message(ctxt, seq_num, plaintext):
    """Encrypt one WinRM message body with a PyCtxtHandle; returns the MIME body."""
    sizes = ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
    buffers = win32security.PySecBufferDescType()
    buffers.append(win32security.PySecBufferType(sizes["SecurityTrailer"],
                                                 sspicon.SECBUFFER_TOKEN))
    buffers.append(win32security.PySecBufferType(len(plaintext), sspicon.SECBUFFER_DATA))
    buffers.append(win32security.PySecBufferType(sizes["BlockSize"],
                                                 sspicon.SECBUFFER_PADDING))
    buffers[1].Buffer = plaintext
    ctxt.EncryptMessage(0, buffers, seq_num)
    header = buffers[0].Buffer
    payload = buffers[1].Buffer + buffers[2].Buffer
    return (b"--" + BOUNDARY + b"\r\n"
            b"\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(plaintext)).encode() + b"\r\n"
            b"--" + BOUNDARY + b"\r\n"
            b"\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(header)) + header + payload
            + b"--" + BOUNDARY + b"--\r\n")


def split_message(body):
    """(header, payload, original length) from an encrypted WinRM body."""
    parts = body.split(b"--" + BOUNDARY)
    meta, blob = parts[1], parts[2]
    length = int(meta.split(b"Length=")[1].split(b"\r\n")[0])
    blob = blob.split(b"application/octet-stream\r\n", 1)[1]
    header_len = struct.unpack("<i", blob[:4])[0]
    return blob[4:4 + header_len], blob[4 + header_len:], length


def decrypt_message(ctxt, seq_num, body):
    """Decrypt a body made by ``encrypt_message`` (or a Windows WinRM peer)."""
    header, payload, length = split_message(body)
    buffers = win32security.PySecBufferDescType()
    buffers.append(win32security.PySecBufferType(len(header), sspicon.SECBUFFER_TOKEN))
    buffers.append(win32security.PySecBufferType(len(payload), sspicon.SECBUFFER_DATA))
    buffers[0].Buffer = header
    buffers[1].Buffer = payload
    ctxt.DecryptMessage(buffers, seq_num)
    plaintext = buffers[1].Buffer
    if len(plaintext) != length:
        raise ValueError("decrypted length differs from the OriginalContent length")
    return plaintext
