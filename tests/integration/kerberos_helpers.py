"""Helpers for the Kerberos integration tests: the seed's calling sequence,
written with the public C-faithful API only (no gssapi, no mocks).

``handshake()`` runs InitializeSecurityContext / AcceptSecurityContext to
completion the way the seed page describes it and checks, on every leg, that
the call returned a status (never SEC_E_INTERNAL_ERROR) and set
pfContextAttr on success.  ``ENCTYPES`` / ``enctype_realm()`` give realms
restricted to one enctype (the ``realm_cache`` fixture of conftest.py keeps
them for a module); the ``creds`` fixture is ``default_creds()``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from sspi_compat import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_INTEGRITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_REQ_REPLAY_DETECT,
    ASC_REQ_SEQUENCE_DETECT,
    FAILED,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    SEC_E_INTERNAL_ERROR,
    SEC_E_OK,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_NAMES,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
    SECURITY_STATUS,
    ULONG,
    AcceptSecurityContext,
    AcquireCredentialsHandle,
    CredHandle,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    InitializeSecurityContext,
    QueryContextAttributes,
    QueryCredentialsAttributes,
    SecBuffer,
    SecBufferDesc,
    SecIsValidHandle,
    SecPkgContext_Names,
    SecPkgCredentials_Names,
    TimeStamp,
)
from sspi_compat.testing.pytest_plugin import start_realm

PACKAGE = "Kerberos"
HTTP = "HTTP/server.sspi.test"
HOST = "host/server.sspi.test"
NODELEG = "HTTP/nodeleg.sspi.test"
MAX_TOKEN = 48000
SENTINEL_ATTRS = 0x5EA1ED  # pfContextAttr value a failed call must leave alone
SENTINEL_TIME = 0x0123_4567_89AB_CDEF
# Everything message protection can ask for (replay and sequence detection included).
FULL_ISC = (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
            | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT)
FULL_ASC = (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY
            | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT)


def heimdal_refuses_iov_layout(enc: str, dce: bool, conf: bool) -> bool:
    """Whether EncryptMessage answers SEC_E_UNSUPPORTED_FUNCTION for this message on
    the GSS library in use: an integrity-only DCE-style AES message on Heimdal's,
    whose gss_wrap_iov refuses that layout (docs/heimdal.md, HEIMDAL_UNSUPPORTED)."""
    from sspi_compat import gss

    return dce and not conf and ENCTYPES[enc][2] is not None and gss.is_heimdal()


def not_internal(status: SECURITY_STATUS, what: str = "") -> SECURITY_STATUS:
    """Every call in these tests: SEC_E_INTERNAL_ERROR is a bug report."""
    assert status != SEC_E_INTERNAL_ERROR, f"{what}: SEC_E_INTERNAL_ERROR is a bug"
    return status


def ok(status: SECURITY_STATUS, what: str = "") -> None:
    """A call that must succeed (and SEC_E_INTERNAL_ERROR named as the bug it is)."""
    assert not_internal(status, what) == SEC_E_OK, f"{what}: {status}"


def context_user_name(ctx: CtxtHandle) -> Optional[str]:
    """SECPKG_ATTR_NAMES: the client's name as the context reports it."""
    names = SecPkgContext_Names()
    assert QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names) == SEC_E_OK
    return names.sUserName


def credential_user_name(cred: CredHandle) -> Optional[str]:
    """SECPKG_CRED_ATTR_NAMES: the name the credential speaks for."""
    names = SecPkgCredentials_Names()
    assert QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, names) == SEC_E_OK
    return names.sUserName


def acquire(use: int, auth: Any = None, principal: Any = None,
            package: Any = PACKAGE) -> Tuple[SECURITY_STATUS, CredHandle, TimeStamp]:
    cred, expiry = CredHandle(), TimeStamp()
    status = AcquireCredentialsHandle(principal, package, use, None, auth, None, None, cred,
                                      expiry)
    return not_internal(status, "AcquireCredentialsHandle"), cred, expiry


def must_acquire(use: int, auth: Any = None, principal: Any = None) -> CredHandle:
    status, cred, _ = acquire(use, auth, principal)
    assert status == SEC_E_OK, status
    return cred


def out_desc(size: Optional[int] = MAX_TOKEN) -> SecBufferDesc:
    return SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, bytearray(size) if size else None)])


def token_desc(token: bytes, *extra: SecBuffer) -> SecBufferDesc:
    return SecBufferDesc([SecBuffer(SECBUFFER_TOKEN, token), *extra])


@dataclass
class Leg:
    """One InitializeSecurityContext / AcceptSecurityContext call."""

    side: str
    status: SECURITY_STATUS
    token: bytes
    attrs: int
    expiry: TimeStamp


@dataclass
class Handshake:
    client: CtxtHandle
    server: CtxtHandle
    legs: List[Leg] = field(default_factory=list)

    @property
    def client_attrs(self) -> int:
        return [leg for leg in self.legs if leg.side == "client"][-1].attrs

    @property
    def server_attrs(self) -> int:
        return [leg for leg in self.legs if leg.side == "server"][-1].attrs

    @property
    def client_expiry(self) -> TimeStamp:
        return [leg for leg in self.legs if leg.side == "client"][-1].expiry

    @property
    def server_expiry(self) -> TimeStamp:
        return [leg for leg in self.legs if leg.side == "server"][-1].expiry

    @property
    def statuses(self) -> List[Tuple[str, SECURITY_STATUS]]:
        return [(leg.side, leg.status) for leg in self.legs]

    def _last_status(self, side: str) -> Optional[SECURITY_STATUS]:
        statuses = [leg.status for leg in self.legs if leg.side == side]
        return statuses[-1] if statuses else None

    @property
    def client_status(self) -> Optional[SECURITY_STATUS]:
        """The last InitializeSecurityContext status (None before any)."""
        return self._last_status("client")

    @property
    def server_status(self) -> Optional[SECURITY_STATUS]:
        """The last AcceptSecurityContext status (None before any)."""
        return self._last_status("server")

    @property
    def ok(self) -> bool:
        """Both sides' last call returned SEC_E_OK."""
        return self.client_status == SEC_E_OK and self.server_status == SEC_E_OK

    def delete(self) -> None:
        for handle in (self.client, self.server):
            if SecIsValidHandle(handle):
                DeleteSecurityContext(handle)


def isc(cred: Optional[CredHandle], ctx: CtxtHandle, target: Any, req: int,
        token: Optional[bytes] = None, extra: Tuple[SecBuffer, ...] = ()) -> Leg:
    """One InitializeSecurityContext call; the first when ``ctx`` is not yet valid."""
    first = not SecIsValidHandle(ctx)
    inp = token_desc(token, *extra) if token is not None else (
        SecBufferDesc(list(extra)) if extra else None)
    out = out_desc()
    attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
    status = not_internal(InitializeSecurityContext(
        cred, None if first else ctx, target, req, 0, SECURITY_NATIVE_DREP, inp, 0, ctx, out,
        attrs, expiry), "InitializeSecurityContext")
    if not FAILED(status):
        assert attrs.value != SENTINEL_ATTRS, "pfContextAttr not set on success"
        assert expiry.QuadPart != SENTINEL_TIME, "ptsExpiry not set on success"
    return Leg("client", status, out[0].data, attrs.value, expiry)


def asc(cred: Optional[CredHandle], ctx: CtxtHandle, token: bytes, req: int,
        extra: Tuple[SecBuffer, ...] = ()) -> Leg:
    first = not SecIsValidHandle(ctx)
    out = out_desc()
    attrs, expiry = ULONG(SENTINEL_ATTRS), TimeStamp(SENTINEL_TIME)
    status = not_internal(AcceptSecurityContext(
        cred, None if first else ctx, token_desc(token, *extra), req, SECURITY_NATIVE_DREP,
        ctx, out, attrs, expiry), "AcceptSecurityContext")
    if not FAILED(status):
        assert attrs.value != SENTINEL_ATTRS, "pfContextAttr not set on success"
        assert expiry.QuadPart != SENTINEL_TIME, "ptsExpiry not set on success"
    return Leg("server", status, out[0].data, attrs.value, expiry)


def handshake(client_cred: CredHandle, server_cred: CredHandle, target: Any = HTTP,
              isc_req: int = 0, asc_req: int = 0, client_extra: Tuple[SecBuffer, ...] = (),
              server_extra: Tuple[SecBuffer, ...] = (), max_legs: int = 6,
              ) -> Handshake:
    """Run the exchange until both sides are done or one fails (then stop)."""
    hs = Handshake(CtxtHandle(), CtxtHandle())
    token: Optional[bytes] = None
    client_done = server_done = False
    for _ in range(max_legs):
        if not client_done:
            leg = isc(client_cred, hs.client, target, isc_req, token, client_extra)
            hs.legs.append(leg)
            if FAILED(leg.status):
                return hs
            client_done = leg.status == SEC_E_OK
            assert leg.status in (SEC_E_OK, SEC_I_CONTINUE_NEEDED), leg.status
            if not leg.token:
                break
            token = leg.token
        if not server_done:
            assert token is not None
            leg = asc(server_cred, hs.server, token, asc_req, server_extra)
            hs.legs.append(leg)
            if FAILED(leg.status):
                return hs
            server_done = leg.status == SEC_E_OK
            if not leg.token:
                break
            token = leg.token
        if client_done and server_done:
            break
    return hs


def complete(hs: Handshake) -> Handshake:
    """Assert the exchange ended with SEC_E_OK on both sides."""
    assert [st for side, st in hs.statuses if side == "client"][-1] == SEC_E_OK, hs.statuses
    assert [st for side, st in hs.statuses if side == "server"][-1] == SEC_E_OK, hs.statuses
    return hs


class Creds(NamedTuple):
    client: CredHandle  # outbound, the default ccache
    server: CredHandle  # inbound, the service keytab


def default_creds() -> Iterator[Creds]:
    """(client: the default ccache, server: the service keytab), freed afterwards.

    The ``creds`` fixture (conftest.py) wraps it, after ``krb5_env``.
    """
    client = must_acquire(SECPKG_CRED_OUTBOUND)
    server = must_acquire(SECPKG_CRED_INBOUND)
    try:
        yield Creds(client, server)
    finally:
        FreeCredentialsHandle(client)
        FreeCredentialsHandle(server)


# --- realms restricted to one enctype ---------------------------------------------------

# name -> (MIT enctype name, krb5 enctype number, RFC 4121 checksum length or None)
ENCTYPES: Dict[str, Tuple[str, int, Optional[int]]] = {
    "aes256-sha1": ("aes256-cts-hmac-sha1-96", 18, 12),
    "aes128-sha1": ("aes128-cts-hmac-sha1-96", 17, 12),
    "aes128-sha256": ("aes128-cts-hmac-sha256-128", 19, 16),
    "aes256-sha384": ("aes256-cts-hmac-sha384-192", 20, 24),
    "rc4": ("rc4-hmac", 23, None),
}


def enctype_realm(cache: Dict[str, Any], name: str) -> Any:
    """The MIT realm whose keys, tickets and subkeys are all of enctype ``name``
    (RC4 with ``allow_rc4``), started once per ``cache`` (the ``realm_cache``
    fixture)."""
    if name not in cache:
        cache[name] = start_realm("mit", enctypes=(ENCTYPES[name][0],),
                                  allow_rc4=(name == "rc4"))
    return cache[name]


# --- reading the realm's own tools ---------------------------------------------------

def klist_entries(realm: Any, ccache: str) -> Dict[str, Dict[str, Any]]:
    """``klist -e -f`` of a ccache: service principal -> {end (local datetime),
    start, flags, session enctype}."""
    text = realm.klist(ccache)
    entries: Dict[str, Dict[str, Any]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\d\d/\d\d/\d\d\s+\d\d:\d\d:\d\d)\s+(\d\d/\d\d/\d\d\s+\d\d:\d\d:\d\d)"
                     r"\s+(\S+)", line)
        if not m:
            continue
        entry: Dict[str, Any] = {
            "start": dt.datetime.strptime(m.group(1), "%m/%d/%y %H:%M:%S"),
            "end": dt.datetime.strptime(m.group(2), "%m/%d/%y %H:%M:%S"),
        }
        for extra in lines[i + 1:i + 3]:
            fm = re.search(r"Flags: (\S*)", extra)
            if fm:
                entry["flags"] = fm.group(1).rstrip(",")
            em = re.search(r"Etype \(skey, tkt\): ([\w-]+),", extra)
            if em:
                entry["skey"] = em.group(1)
        entries[m.group(3)] = entry
    return entries


def ccache_path(environ: Optional[Dict[str, str]] = None) -> str:
    name = (environ or os.environ)["KRB5CCNAME"]
    return name[5:] if name.startswith("FILE:") else name


def snapshot(*directories: str) -> Dict[str, Tuple[int, float]]:
    """Every file below the directories: path -> (size, mtime)."""
    seen: Dict[str, Tuple[int, float]] = {}
    for top in directories:
        for dirpath, _, files in os.walk(top):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                seen[path] = (st.st_size, st.st_mtime)
    return seen


def run(argv: List[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout
