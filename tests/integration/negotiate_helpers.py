"""Helpers for the Negotiate, NTLM and SPNEGO interop tests: an NTLM user file,
credentials of any package, and drivers that run one of our contexts against a
pyspnego or python-gssapi peer.  Everything of ours goes through the public
C-faithful API.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple

import pytest
from kerberos_helpers import not_internal

from sspi_compat import (
    FAILED,
    SEC_E_OK,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_DATA,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_NEGOTIATION_INFO,
    SECURITY_NATIVE_DREP,
    SECURITY_STATUS,
    ULONG,
    AcceptSecurityContext,
    AcquireCredentialsHandle,
    CredHandle,
    CtxtHandle,
    DecryptMessage,
    EncryptMessage,
    FreeCredentialsHandle,
    InitializeSecurityContext,
    QueryContextAttributes,
    SecBuffer,
    SecBufferDesc,
    SecPkgContext_NegotiationInfo,
    TimeStamp,
)
from sspi_compat.testing import MITRealm

HTTP = "HTTP/server.sspi.test"


@dataclass
class NtlmUsers:
    """The NTLM user file (``NTLM_USER_FILE``) of a test, and who is in it.

    alice and bob have their Kerberos passwords under the domain SSPI.TEST
    (so Negotiate falls back from Kerberos to NTLM with the same identity);
    carol exists for NTLM only, under the NetBIOS-style domain NTDOM.
    """

    path: str
    alice: str
    bob: str
    carol: str

    def __repr__(self) -> str:  # no passwords in test output
        return f"NtlmUsers({self.path!r})"


@pytest.fixture
def ntlm_users(krb5_env: MITRealm, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
               ) -> NtlmUsers:
    users = NtlmUsers(str(tmp_path / "ntlm_users"), krb5_env.user_password,
                      krb5_env.user2_password, secrets.token_urlsafe(12))
    with open(users.path, "w", encoding="utf-8") as fh:
        fh.write(f"SSPI.TEST:alice:{users.alice}\n")
        fh.write(f"SSPI.TEST:bob:{users.bob}\n")
        fh.write(f"NTDOM:carol:{users.carol}\n")
    os.chmod(users.path, 0o600)
    monkeypatch.setenv("NTLM_USER_FILE", users.path)
    return users


def acquire(package: str, use: int, auth: Any = None, principal: Any = None,
            ) -> Tuple[SECURITY_STATUS, CredHandle]:
    cred = CredHandle()
    status = AcquireCredentialsHandle(principal, package, use, None, auth, None, None, cred,
                                      TimeStamp())
    return not_internal(status, f"AcquireCredentialsHandle({package})"), cred


@pytest.fixture
def cred_factory() -> Iterator[Any]:
    """``make(package, use, auth=None, principal=None)`` -> a CredHandle (must succeed)."""
    made: List[CredHandle] = []

    def make(package: str, use: int, auth: Any = None, principal: Any = None) -> CredHandle:
        status, cred = acquire(package, use, auth, principal)
        assert status == SEC_E_OK, status
        made.append(cred)
        return cred

    yield make
    for cred in made:
        FreeCredentialsHandle(cred)


def negotiation_info(ctx: CtxtHandle) -> Tuple[Optional[str], int]:
    info = SecPkgContext_NegotiationInfo()
    assert QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, info) == SEC_E_OK
    return (info.PackageInfo.Name if info.PackageInfo else None), info.NegotiationState


# --- one of our contexts against a foreign peer ------------------------------------


@dataclass
class Run:
    ctx: CtxtHandle
    statuses: List[SECURITY_STATUS]
    sent: List[bytes]  # our tokens, in order
    received: List[bytes]  # the peer's tokens, in order
    attrs: int = 0


def client_against(peer: Any, cred: CredHandle, target: Any, req: int = 0,
                   extra: Tuple[SecBuffer, ...] = (), max_legs: int = 6) -> Run:
    """Our InitializeSecurityContext against ``peer.step(token) -> token``
    (pyspnego's interface; see ``GssAcceptor`` for python-gssapi)."""
    run = Run(CtxtHandle(), [], [], [])
    token: Optional[bytes] = None
    for leg in range(max_legs):
        inp = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token), *extra]) \
            if token is not None else (SecBufferDesc(list(extra)) if extra else None)
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
        attrs = ULONG()
        status = not_internal(InitializeSecurityContext(
            cred, run.ctx if leg else None, target, req, 0, SECURITY_NATIVE_DREP, inp, 0,
            run.ctx, out, attrs, TimeStamp()), "InitializeSecurityContext")
        run.statuses.append(status)
        if FAILED(status):
            return run
        assert status in (SEC_E_OK, SEC_I_CONTINUE_NEEDED)
        run.attrs = attrs.value
        mine = bytes(out[0].data)
        if not mine:
            assert status == SEC_E_OK, "CONTINUE_NEEDED without a token"
            return run
        run.sent.append(mine)
        token = peer.step(mine)
        if token:
            run.received.append(token)
        if status == SEC_E_OK:
            assert not token, "the peer answered a final token"
            return run
    raise AssertionError("exchange did not finish")


def server_against(peer: Any, cred: CredHandle, req: int = 0,
                   extra: Tuple[SecBuffer, ...] = (), max_legs: int = 6) -> Run:
    """Our AcceptSecurityContext against a peer client (``peer.step()`` first)."""
    run = Run(CtxtHandle(), [], [], [])
    token = peer.step()
    for leg in range(max_legs):
        run.received.append(token)
        out = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(60000))])
        attrs = ULONG()
        status = not_internal(AcceptSecurityContext(
            cred, run.ctx if leg else None, SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token),
                                                           *extra]),
            req, SECURITY_NATIVE_DREP, run.ctx, out, attrs, TimeStamp()),
            "AcceptSecurityContext")
        run.statuses.append(status)
        if FAILED(status):
            return run
        run.attrs = attrs.value
        mine = bytes(out[0].data)
        if mine:
            run.sent.append(mine)
            token = peer.step(mine)
        else:
            token = None
        if status == SEC_E_OK:
            assert not token, "the peer answered after we completed"
            return run
        assert token, "CONTINUE_NEEDED but the peer has nothing to say"
    raise AssertionError("exchange did not finish")


class _GssPeer:
    """What both GSS peers offer once established: the mechanism, wrap, unwrap."""

    _gr: Any
    ctx: Any

    def mech(self) -> str:
        dotted: str = self._gr.inquire_context(self.ctx, target_name=False).mech.dotted_form
        return dotted

    def wrap(self, data: bytes) -> bytes:
        out: bytes = self._gr.wrap(self.ctx, data, True).message
        return out

    def unwrap(self, data: bytes) -> bytes:
        out: bytes = self._gr.unwrap(self.ctx, data).message
        return out


class GssAcceptor(_GssPeer):
    """python-gssapi's raw accept_sec_context (MIT's own SPNEGO or NTLM) with a
    pyspnego-like ``step``."""

    def __init__(self, mech: Optional[str] = None, cred: Any = None,
                 bindings: Any = None) -> None:
        import gssapi.raw as gr

        self._gr = gr
        self.ctx: Any = None
        self.cred = cred if cred is not None else gr.acquire_cred(
            None, usage="accept", mechs=[gr.OID.from_int_seq(mech)] if mech else None).creds
        self.bindings = bindings
        self.complete = False

    def step(self, token: bytes) -> Optional[bytes]:
        res = self._gr.accept_sec_context(token, self.cred, context=self.ctx,
                                          channel_bindings=self.bindings)
        self.ctx = res.context
        self.complete = not res.more_steps
        out: Optional[bytes] = res.token
        return out

    def initiator(self) -> str:
        info = self._gr.inquire_context(self.ctx, target_name=False)
        name: bytes = self._gr.display_name(info.initiator_name, name_type=False).name
        return name.decode().rstrip("\0")


class GssInitiator(_GssPeer):
    """python-gssapi's raw init_sec_context with a pyspnego-like ``step``."""

    def __init__(self, target: str, mech: str, cred: Any = None, flags: int = 0x32,
                 bindings: Any = None) -> None:
        import gssapi.raw as gr

        self._gr = gr
        self.name = gr.import_name(target.encode(), gr.NameType.hostbased_service)
        self.mech_oid = gr.OID.from_int_seq(mech)
        self.cred = cred
        self.flags = flags
        self.bindings = bindings
        self.ctx: Any = None
        self.complete = False

    def step(self, token: Optional[bytes] = None) -> Optional[bytes]:
        res = self._gr.init_sec_context(self.name, self.cred, context=self.ctx,
                                        mech=self.mech_oid, flags=self.flags,
                                        channel_bindings=self.bindings, input_token=token)
        self.ctx = res.context
        self.complete = not res.more_steps
        out: Optional[bytes] = res.token
        return out


# --- messages ------------------------------------------------------------------------


def seal(ctx: CtxtHandle, data: bytes, trailer: int = 100) -> Tuple[bytes, bytes]:
    """EncryptMessage over [TOKEN, DATA]: (token, sealed data)."""
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(trailer)),
                          SecBuffer(SECBUFFER_DATA, bytearray(data))])
    status = not_internal(EncryptMessage(ctx, 0, desc, 0), "EncryptMessage")
    assert status == SEC_E_OK, status
    return bytes(desc[0].data), bytes(desc[1].data)


def unseal(ctx: CtxtHandle, token: bytes, data: bytes) -> Tuple[SECURITY_STATUS, bytes]:
    desc = SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(token)),
                          SecBuffer(SECBUFFER_DATA, bytearray(data))])
    status = not_internal(DecryptMessage(ctx, desc, 0, ULONG()), "DecryptMessage")
    return status, bytes(desc[1].data)
