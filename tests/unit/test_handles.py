"""sspi_compat._handles: SecHandle values, the validity macros, and the handle table.

No KDC, no gssapi.  The table must resolve only live handles of the right
kind: a deleted, forged, foreign-kind or garbage handle resolves to nothing
(the API then answers SEC_E_INVALID_HANDLE).
"""

from __future__ import annotations

from typing import Any

import pytest

from sspi_compat import (
    CredHandle,
    CtxtHandle,
    SecHandle,
    SecInvalidateHandle,
    SecIsValidHandle,
)
from sspi_compat import _handles as h

ALL_ONES = 0xFFFF_FFFF_FFFF_FFFF  # (ULONG_PTR)(INT_PTR)-1, sspi.h SecInvalidateHandle


def test_fresh_handles_are_invalid() -> None:
    for cls in (SecHandle, CredHandle, CtxtHandle):
        handle = cls()
        assert (handle.dwLower, handle.dwUpper) == (ALL_ONES, ALL_ONES)
        assert not SecIsValidHandle(handle)
        assert repr(handle) == f"{cls.__name__}(invalid)"


def test_invalidate_and_validity_macros() -> None:
    handle = CtxtHandle(1, 2)
    assert SecIsValidHandle(handle)
    SecInvalidateHandle(handle)
    assert not SecIsValidHandle(handle)
    # Only both halves all-ones is "invalid" (the macro tests both).
    assert SecIsValidHandle(CtxtHandle(ALL_ONES, 0))
    assert SecIsValidHandle(CtxtHandle(0, 0))


def test_value_semantics() -> None:
    assert CredHandle(1, 2) == CredHandle(1, 2)
    assert CredHandle(1, 2) != CredHandle(1, 3)
    assert hash(CtxtHandle(5, 6)) == hash(CtxtHandle(5, 6))
    assert CredHandle(1, 2).__eq__(object()) is NotImplemented
    assert "dwLower=0x1" in repr(CtxtHandle(1, 2))
    with pytest.raises(AttributeError):
        CtxtHandle().extra = 1  # type: ignore[attr-defined]  # __slots__: C struct


class TestTable:
    def test_register_lookup_unregister(self) -> None:
        obj = object()
        handle = CredHandle()
        h.register(handle, h.CRED_TAG, obj)
        assert SecIsValidHandle(handle)
        assert handle.dwUpper == h.CRED_TAG
        assert h.lookup(handle, h.CRED_TAG) is obj
        # a copy of the numbers names the same object, as a copied C struct does
        assert h.lookup(CredHandle(handle.dwLower, handle.dwUpper), h.CRED_TAG) is obj
        assert h.unregister(handle, h.CRED_TAG) is obj
        assert h.lookup(handle, h.CRED_TAG) is None  # deleted
        assert h.unregister(handle, h.CRED_TAG) is None  # deleted twice
        assert SecIsValidHandle(handle)  # the caller's struct is left as it is (as in C)

    def test_every_registration_gets_new_numbers(self) -> None:
        a, b = CtxtHandle(), CtxtHandle()
        h.register(a, h.CTXT_TAG, 1)
        h.register(b, h.CTXT_TAG, 2)
        try:
            assert a != b
            h.unregister(a, h.CTXT_TAG)
            c = CtxtHandle()
            h.register(c, h.CTXT_TAG, 3)
            assert c != a  # a stale copy of a never names c's object
            assert h.lookup(a, h.CTXT_TAG) is None
            h.unregister(c, h.CTXT_TAG)
        finally:
            h.unregister(b, h.CTXT_TAG)

    def test_wrong_kind_resolves_to_nothing(self) -> None:
        ctxt = CtxtHandle()
        h.register(ctxt, h.CTXT_TAG, "context")
        try:
            assert h.lookup(ctxt, h.CRED_TAG) is None
            assert h.unregister(ctxt, h.CRED_TAG) is None
            # the same numbers in a CredHandle object still name a context:
            # only the tag decides, as only the numbers exist in C
            as_cred = CredHandle(ctxt.dwLower, ctxt.dwUpper)
            assert h.lookup(as_cred, h.CRED_TAG) is None
        finally:
            assert h.unregister(ctxt, h.CTXT_TAG) == "context"

    def test_tags_differ_and_are_salted(self) -> None:
        assert h.CRED_TAG != h.CTXT_TAG
        assert h.CRED_TAG != ALL_ONES and h.CTXT_TAG != ALL_ONES

    @pytest.mark.parametrize("forged", [
        CtxtHandle(),
        CtxtHandle(0, 0),
        CtxtHandle(0x1000, 0),
        CtxtHandle(-1, -1),
        CtxtHandle(2**80, 2**80),
    ], ids=repr)
    def test_forged_numbers_resolve_to_nothing(self, forged: CtxtHandle) -> None:
        assert h.lookup(forged, h.CTXT_TAG) is None
        assert h.unregister(forged, h.CTXT_TAG) is None

    def test_forged_lower_with_the_right_tag(self) -> None:
        live = CtxtHandle()
        h.register(live, h.CTXT_TAG, "live")
        try:
            assert h.lookup(CtxtHandle(live.dwLower + 10_000, h.CTXT_TAG), h.CTXT_TAG) is None
        finally:
            h.unregister(live, h.CTXT_TAG)

    @pytest.mark.parametrize("garbage", [None, 0, "handle", b"\x00" * 16, object(),
                                         CtxtHandle("a", "b")])  # type: ignore[arg-type]
    def test_garbage_objects_resolve_to_nothing(self, garbage: Any) -> None:
        assert h.lookup(garbage, h.CTXT_TAG) is None
        assert h.unregister(garbage, h.CTXT_TAG) is None

    def test_rebind_keeps_the_numbers(self) -> None:
        handle = CtxtHandle()
        h.register(handle, h.CTXT_TAG, "old")
        numbers = (handle.dwLower, handle.dwUpper)
        h.rebind(handle, h.CTXT_TAG, "new")
        try:
            assert (handle.dwLower, handle.dwUpper) == numbers
            assert h.lookup(handle, h.CTXT_TAG) == "new"
        finally:
            h.unregister(handle, h.CTXT_TAG)
