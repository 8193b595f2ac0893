"""mapping/buffers.py: finding, reading and writing SecBuffers without trusting cbBuffer.

No KDC, no gssapi.  Reads are bounded by the real memory; a write that
cannot happen changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from sspi_compat import (
    SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM,
    SECBUFFER_TOKEN,
    SecBuffer,
    SecBufferDesc,
)
from sspi_compat.mapping import buffers as bufmap


class TestFind:
    def test_first_of_the_type_attribute_flags_ignored(self) -> None:
        data = SecBuffer(SECBUFFER_DATA | SECBUFFER_READONLY, b"d")
        tok1 = SecBuffer(SECBUFFER_TOKEN | SECBUFFER_READONLY_WITH_CHECKSUM, b"t1")
        tok2 = SecBuffer(SECBUFFER_TOKEN, b"t2")
        desc = SecBufferDesc([data, tok1, tok2])
        assert bufmap.find(desc, SECBUFFER_TOKEN) is tok1
        assert bufmap.find(desc, SECBUFFER_DATA) is data

    def test_missing(self) -> None:
        assert bufmap.find(None, SECBUFFER_TOKEN) is None
        assert bufmap.find(SecBufferDesc(), SECBUFFER_TOKEN) is None
        desc = SecBufferDesc([SecBuffer(SECBUFFER_PADDING, b"")])
        assert bufmap.find(desc, SECBUFFER_CHANNEL_BINDINGS) is None


class TestRead:
    @pytest.mark.parametrize("memory", [
        b"abcdef", bytearray(b"abcdef"), memoryview(b"abcdef"),
        memoryview(bytearray(b"abcdef")), memoryview(b"xxabcdefxx")[2:8],
    ], ids=["bytes", "bytearray", "ro-memoryview", "rw-memoryview", "sliced-view"])
    def test_every_memory_kind_reads_as_bytes(self, memory: Any) -> None:
        got = bufmap.read(SecBuffer(SECBUFFER_TOKEN, memory))
        assert got == b"abcdef" and type(got) is bytes
        assert bufmap.read(SecBuffer(SECBUFFER_TOKEN, memory, 2)) == b"ab"
        assert bufmap.read(SecBuffer(SECBUFFER_TOKEN, memory, 0)) == b""

    def test_read_is_a_snapshot(self) -> None:
        mem = bytearray(b"abc")
        got = bufmap.read(SecBuffer(SECBUFFER_TOKEN, mem))
        mem[0] = 0
        assert got == b"abc"

    @pytest.mark.parametrize("cb", [-1, -(2**40), 7, 2**40])
    def test_impossible_cbbuffer(self, cb: int) -> None:
        with pytest.raises(bufmap.BadBufferError) as err:
            bufmap.read(SecBuffer(SECBUFFER_TOKEN, bytearray(6), cb))
        assert not err.value.too_small

    def test_non_int_cbbuffer(self) -> None:
        buf = SecBuffer(SECBUFFER_TOKEN, bytearray(6))
        buf.cbBuffer = "6"  # type: ignore[assignment]
        with pytest.raises(bufmap.BadBufferError):
            bufmap.read(buf)

    def test_null_memory(self) -> None:
        assert bufmap.read(SecBuffer(SECBUFFER_TOKEN, None)) == b""
        with pytest.raises(bufmap.BadBufferError):
            bufmap.read(SecBuffer(SECBUFFER_TOKEN, None, 5))


class TestWrite:
    def test_in_place_into_caller_memory(self) -> None:
        mem = bytearray(10)
        buf = SecBuffer(SECBUFFER_TOKEN, mem)
        assert bufmap.write(buf, b"abc", allocate=False) is None
        assert buf.pvBuffer is mem  # the caller's memory, not a replacement
        assert buf.cbBuffer == 3
        assert bytes(mem) == b"abc" + bytes(7)

    def test_into_a_writable_memoryview(self) -> None:
        backing = bytearray(8)
        view = memoryview(backing)
        buf = SecBuffer(SECBUFFER_TOKEN, view)
        bufmap.write(buf, b"xy", allocate=False)
        assert buf.pvBuffer is view and backing[:2] == b"xy"

    @pytest.mark.parametrize("memory", [bytes(8), memoryview(bytes(8))],
                             ids=["bytes", "readonly-memoryview"])
    def test_immutable_memory_is_replaced_with_same_capacity(self, memory: Any) -> None:
        buf = SecBuffer(SECBUFFER_TOKEN, memory)
        bufmap.write(buf, b"xyz", allocate=False)
        assert isinstance(buf.pvBuffer, bytearray)
        assert len(buf.pvBuffer) == 8 and buf.cbBuffer == 3
        assert buf.data == b"xyz"
        assert bytes(memory) == bytes(8)  # the immutable object itself is untouched

    def test_exactly_full(self) -> None:
        buf = SecBuffer(SECBUFFER_TOKEN, bytearray(3))
        bufmap.write(buf, b"abc", allocate=False)
        assert buf.data == b"abc"

    @pytest.mark.parametrize("memory", [bytearray(2), None, bytearray()],
                             ids=["small", "null", "empty"])
    def test_too_small_changes_nothing(self, memory: Any) -> None:
        buf = SecBuffer(SECBUFFER_TOKEN, memory, 0 if memory is None else len(memory))
        before = (buf.BufferType, buf.cbBuffer, buf.pvBuffer,
                  None if memory is None else bytes(memory))
        with pytest.raises(bufmap.BadBufferError) as err:
            bufmap.write(buf, b"abc", allocate=False)
        assert err.value.too_small
        assert (buf.BufferType, buf.cbBuffer, buf.pvBuffer,
                None if memory is None else bytes(memory)) == before

    def test_allocate_hands_out_fresh_memory(self) -> None:
        caller = bytearray(100)
        buf = SecBuffer(SECBUFFER_TOKEN, caller)
        mem = bufmap.write(buf, b"token", allocate=True)
        assert mem is not None and mem is buf.pvBuffer and mem is not caller
        assert bytes(mem) == b"token" and buf.cbBuffer == 5
        assert caller == bytearray(100)
        empty = SecBuffer(SECBUFFER_TOKEN, None)
        assert bufmap.write(empty, b"", allocate=True) == bytearray()
        assert empty.cbBuffer == 0

    def test_capacity(self) -> None:
        assert bufmap.capacity(SecBuffer(SECBUFFER_TOKEN, bytearray(9), 2)) == 9
        assert bufmap.capacity(SecBuffer(SECBUFFER_TOKEN, None)) == 0
