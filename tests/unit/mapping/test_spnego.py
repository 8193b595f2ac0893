"""mapping/spnego.py: the SPNEGO DER codec, against fixed bytes and pyspnego.

No KDC, no gssapi.  The fixed tokens are real ones recorded from MIT krb5's
SPNEGO (gss_init_sec_context with the SPNEGO OID over gss-ntlmssp) and
Windows-shaped ones built by pyspnego, an independent encoder.
"""

from __future__ import annotations

import pytest
from spnego._spnego import NegState, NegTokenInit, NegTokenResp, pack_mech_type_list, unpack_token

from sspi_compat.mapping import spnego as sp

# MIT krb5 1.20's first SPNEGO token over gss-ntlmssp (the NTLM NEGOTIATE
# message inside), recorded on this platform.
MIT_INIT_NTLM = bytes.fromhex(
    "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d53535000"
    "01000000178208e200000000000000000000000000000000060200000000000f")
# Its final accept-completed with a mechListMIC.
MIT_RESP_COMPLETE = bytes.fromhex(
    "a11b3019a0030a0100a31204100100000076b140decb5cc38000000000")


class TestOids:
    @pytest.mark.parametrize("dotted,der", [
        (sp.OID_SPNEGO, "2b0601050502"),
        (sp.OID_KRB5, "2a864886f712010202"),
        (sp.OID_MS_KRB5, "2a864882f712010202"),
        (sp.OID_NTLM, "2b06010401823702020a"),
        ("2.999.1", "883701"),
        ("0.0", "00"),
    ])
    def test_both_ways(self, dotted: str, der: str) -> None:
        assert sp.encode_oid(dotted).hex() == der
        assert sp.decode_oid(bytes.fromhex(der)) == dotted

    @pytest.mark.parametrize("der", ["", "2b8001", "2b86", "80" * 200])
    def test_malformed(self, der: str) -> None:
        with pytest.raises(sp.SpnegoError):
            sp.decode_oid(bytes.fromhex(der))

    @pytest.mark.parametrize("dotted", ["", "1", "3.1", "1.40", "1.2.x", "1.-2"])
    def test_not_oids(self, dotted: str) -> None:
        with pytest.raises(sp.SpnegoError):
            sp.encode_oid(dotted)


class TestRecordedTokens:
    def test_mit_init(self) -> None:
        init = sp.decode(MIT_INIT_NTLM)
        assert isinstance(init, sp.NegTokenInit)
        assert init.mech_types == (sp.OID_NTLM,)
        assert init.mech_token is not None and init.mech_token.startswith(b"NTLMSSP\0\x01")
        assert init.mech_list_mic is None
        assert init.mech_types_der == pack_mech_type_list([sp.OID_NTLM])
        # Our encoder writes the same bytes.
        assert sp.encode_init(init.mech_types, init.mech_token) == MIT_INIT_NTLM

    def test_mit_final(self) -> None:
        resp = sp.decode(MIT_RESP_COMPLETE)
        assert resp == sp.NegTokenResp(sp.ACCEPT_COMPLETED, None, None,
                                       bytes.fromhex("0100000076b140decb5cc38000000000"))
        assert sp.encode_resp(*resp) == MIT_RESP_COMPLETE


class TestAgainstPyspnego:
    def test_init_read_by_pyspnego(self) -> None:
        token = sp.encode_init((sp.OID_KRB5, sp.OID_NTLM), b"\x60optimistic", b"mic")
        other = unpack_token(token)
        assert isinstance(other, NegTokenInit)
        assert other.mech_types == [sp.OID_KRB5, sp.OID_NTLM]
        assert (other.mech_token, other.mech_list_mic) == (b"\x60optimistic", b"mic")

    @pytest.mark.parametrize("state", [None, 0, 1, 2, 3])
    def test_resp_read_by_pyspnego(self, state: int) -> None:
        token = sp.encode_resp(state, sp.OID_NTLM if state else None, b"x" * 300, None)
        other = unpack_token(token)
        assert isinstance(other, NegTokenResp)
        assert other.neg_state == (NegState(state) if state is not None else None)
        assert other.response_token == b"x" * 300

    def test_pyspnego_read_by_us(self) -> None:
        windows = NegTokenInit([sp.OID_MS_KRB5, sp.OID_KRB5, sp.OID_NTLM],
                               mech_token=b"t" * 200, mech_list_mic=b"m").pack()
        init = sp.decode(windows)
        assert isinstance(init, sp.NegTokenInit)
        assert init.mech_types == (sp.OID_MS_KRB5, sp.OID_KRB5, sp.OID_NTLM)
        assert (init.mech_token, init.mech_list_mic) == (b"t" * 200, b"m")
        resp = NegTokenResp(NegState.request_mic, sp.OID_NTLM, b"r", b"m").pack()
        assert sp.decode(resp) == sp.NegTokenResp(sp.REQUEST_MIC, sp.OID_NTLM, b"r", b"m")

    def test_neg_token_init2_hints(self) -> None:
        """Windows servers' NegTokenInit2: negHints [3] then mechListMIC [4]."""
        hinted = NegTokenInit([sp.OID_NTLM], hint_name=b"not_defined_in_RFC4178@please_ignore"
                              ).pack()
        init = sp.decode(hinted)
        assert isinstance(init, sp.NegTokenInit) and init.mech_types == (sp.OID_NTLM,)

    def test_mech_types_der(self) -> None:
        assert sp.encode_mech_types((sp.OID_KRB5, sp.OID_NTLM)) == \
            pack_mech_type_list([sp.OID_KRB5, sp.OID_NTLM])


class TestMalformed:
    @pytest.mark.parametrize("token", [
        b"", b"\x00", b"\x60", b"\x60\x00", b"\xa1", b"\xa1\x00", b"\xa1\x02\x30\x00\x00",
        b"\x60\x80\x06\x06\x2b\x06\x01\x05\x05\x02\x00\x00",  # indefinite length
        b"\x60\x85\x01\x00\x00\x00\x00",  # 5-byte length
        b"\x60\x08\x06\x06\x2b\x06\x01\x05\x05\x03",  # another OID
        MIT_INIT_NTLM[:-1], MIT_INIT_NTLM + b"\x00", MIT_RESP_COMPLETE + b"\x00",
        b"\xa1\x07\x30\x05\xa0\x03\x0a\x01\x04",  # negState 4
        b"\xa1\x07\x30\x05\xa0\x03\x0a\x02\x00\x01",  # negState of two bytes
        b"\xa1\x0a\x30\x08\xa2\x02\x04\x00\xa0\x02\x0a\x00",  # fields out of order
        b"\xa1\x06\x30\x04\xa5\x02\x04\x00",  # unknown field
        b"\xa1\x06\x30\x04\xa2\x02\x05\x00",  # responseToken not an OCTET STRING
        sp.encode_init(()).replace(b"\xa0\x02\x30\x00", b"\xa1\x02\x03\x00"),  # no mechTypes
        b"\x1f\x81\x00",  # multi-byte tag
        b"NTLMSSP\x00\x01\x00\x00\x00",  # bare NTLM is not SPNEGO
    ])
    def test_refused(self, token: bytes) -> None:
        with pytest.raises(sp.SpnegoError):
            sp.decode(token)
        assert issubclass(sp.SpnegoError, ValueError)


class TestRawMechanism:
    def test_bare_tokens(self) -> None:
        assert sp.raw_mechanism(b"NTLMSSP\x00\x01\x00\x00\x00") == sp.OID_NTLM
        krb = b"\x60\x0d\x06\x09" + sp.encode_oid(sp.OID_KRB5) + b"\x01\x00"
        assert sp.raw_mechanism(krb) == sp.OID_KRB5
        ms = b"\x60\x0d\x06\x09" + sp.encode_oid(sp.OID_MS_KRB5) + b"\x01\x00"
        assert sp.raw_mechanism(ms) == sp.OID_KRB5
        assert sp.raw_mechanism(MIT_INIT_NTLM) is None  # SPNEGO is not "bare"
        for junk in (b"", b"\x60", b"\x60\x05\x06\x09", b"NTLMSSP"):
            assert sp.raw_mechanism(junk) is None
