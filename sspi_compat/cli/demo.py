"""The ``demo`` walk-through: the seed page's calling sequence, narrated.

1. AcquireCredentialsHandle (outbound, the "logon session" = a ccache) and
   (inbound, the service keytab);
2. the InitializeSecurityContext / AcceptSecurityContext loop until both
   sides return SEC_E_OK, printing every status, flag set and token size;
3. QueryContextAttributes for sizes, names, lifespan and key info;
4. one EncryptMessage / DecryptMessage round trip;
5. DeleteSecurityContext and FreeCredentialsHandle.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, List, Optional, Tuple

import sspi_compat as sc

FlagTable = List[Tuple[str, int]]


def _flag_table(prefix: str) -> FlagTable:
    """The public constants named ``prefix*``, by value."""
    return sorted(((name, value) for name, value in vars(sc).items()
                   if name.startswith(prefix) and isinstance(value, int)),
                  key=lambda item: item[1])


_ISC_REQ = _flag_table("ISC_REQ_")
_ISC_RET = _flag_table("ISC_RET_")
_ASC_RET = _flag_table("ASC_RET_")


def flag_names(value: int, table: FlagTable) -> str:
    """``0x13`` -> ``ISC_RET_DELEGATE|ISC_RET_MUTUAL_AUTH|...`` (first name per bit)."""
    names, seen = [], 0
    for name, bit in table:
        if bit and value & bit == bit and not seen & bit:
            names.append(name)
            seen |= bit
    rest = value & ~seen
    if rest:
        names.append(f"{rest:#x}")
    return "|".join(names) or "0"


def _say(step: str, status: sc.SECURITY_STATUS, extra: str = "") -> None:
    print(f"{step:<44} -> {status}{('  ' + extra) if extra else ''}")


@contextlib.contextmanager
def _realm(external: bool) -> Iterator[Optional[Any]]:
    if external:
        # A realm described by SSPI_COMPAT_* variables or SSPI_COMPAT_REALM_JSON
        # (docs/testing.md); without them, the environment as it is.
        from sspi_compat.testing import ExternalRealm, RealmError

        try:
            described = ExternalRealm.from_environ()
        except RealmError:
            yield None
            return
        with described, described.activate():
            print(f"external realm {described.realm}; client logged on into "
                  f"{described.env['KRB5CCNAME']}")
            yield described
        return
    from sspi_compat.testing import make_realm  # MIT, or SSPI_COMPAT_KDC=heimdal

    with make_realm() as realm, realm.activate():
        print(f"embedded {realm.provider} realm {realm.realm} on 127.0.0.1:{realm.port}; "
              f"client {realm.user} logged on into {realm.ccache}")
        yield realm


def run_demo(package: str = "Kerberos", target: Optional[str] = None,
             external: bool = False) -> int:
    with _realm(external) as realm:
        if target is None:
            try:
                hostname = getattr(realm, "hostname", None)
            except RuntimeError:  # an external realm that names no service
                hostname = None
            if hostname is None:
                print("--external needs --target SPN (or SSPI_COMPAT_HTTP_SERVICE)")
                return 2
            target = f"HTTP/{hostname}"
        return _walk(package, target)


def _walk(package: str, target: str) -> int:
    ccred, scred, expiry = sc.CredHandle(), sc.CredHandle(), sc.TimeStamp()
    st = sc.AcquireCredentialsHandle(None, package, sc.SECPKG_CRED_OUTBOUND, None, None,
                                     None, None, ccred, expiry)
    _say(f"AcquireCredentialsHandle({package}, OUTBOUND)", st, f"expires {expiry}")
    if sc.FAILED(st):
        return 1
    st = sc.AcquireCredentialsHandle(None, package, sc.SECPKG_CRED_INBOUND, None, None,
                                     None, None, scred, None)
    _say(f"AcquireCredentialsHandle({package}, INBOUND)", st)
    if sc.FAILED(st):
        return 1

    req = (sc.ISC_REQ_MUTUAL_AUTH | sc.ISC_REQ_CONFIDENTIALITY | sc.ISC_REQ_INTEGRITY
           | sc.ISC_REQ_REPLAY_DETECT | sc.ISC_REQ_SEQUENCE_DETECT | sc.ISC_REQ_CONNECTION)
    asc_req = (sc.ASC_REQ_MUTUAL_AUTH | sc.ASC_REQ_CONFIDENTIALITY | sc.ASC_REQ_INTEGRITY
               | sc.ASC_REQ_REPLAY_DETECT | sc.ASC_REQ_SEQUENCE_DETECT | sc.ASC_REQ_CONNECTION)
    print(f"fContextReq = {flag_names(req, _ISC_REQ)}")
    cctx, sctx = sc.CtxtHandle(), sc.CtxtHandle()
    cattrs, sattrs = sc.ULONG(), sc.ULONG()
    reply: Optional[bytes] = None
    client_done = server_done = False
    leg = 0
    while not (client_done and server_done) and leg < 10:
        leg += 1
        if not client_done:
            out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
            inp = (sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, reply)])
                   if reply is not None else None)
            st = sc.InitializeSecurityContext(ccred, cctx if reply is not None else None,
                                              target, req, 0, sc.SECURITY_NATIVE_DREP, inp, 0,
                                              cctx, out, cattrs, expiry)
            _say(f"InitializeSecurityContext #{leg}", st,
                 f"token {out[0].cbBuffer} bytes")
            if sc.FAILED(st):
                return 1
            print(f"    pfContextAttr = {flag_names(cattrs.value, _ISC_RET)}")
            client_done = st == sc.SEC_E_OK
            token = out[0].data
            if not token:
                break
        if not server_done:
            out = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, bytearray(48000))])
            st = sc.AcceptSecurityContext(scred, sctx if leg > 1 else None,
                                          sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN,
                                                                         token)]),
                                          asc_req, sc.SECURITY_NATIVE_DREP, sctx, out, sattrs,
                                          None)
            _say(f"AcceptSecurityContext #{leg}", st, f"token {out[0].cbBuffer} bytes")
            if sc.FAILED(st):
                return 1
            print(f"    pfContextAttr = {flag_names(sattrs.value, _ASC_RET)}")
            server_done = st == sc.SEC_E_OK
            reply = out[0].data
            if not reply:
                break
    if not server_done:
        print("context not established")
        return 1

    sizes, names = sc.SecPkgContext_Sizes(), sc.SecPkgContext_Names()
    life, keyinfo = sc.SecPkgContext_Lifespan(), sc.SecPkgContext_KeyInfo()
    for attr, label, struct in ((sc.SECPKG_ATTR_SIZES, "SIZES", sizes),
                                (sc.SECPKG_ATTR_NAMES, "NAMES", names),
                                (sc.SECPKG_ATTR_LIFESPAN, "LIFESPAN", life),
                                (sc.SECPKG_ATTR_KEY_INFO, "KEY_INFO", keyinfo)):
        st = sc.QueryContextAttributes(sctx, attr, struct)
        _say(f"QueryContextAttributes(server, {label})", st)
        print(f"    {struct}")

    message = b"Hello from the client"
    data = bytearray(message)
    header = bytearray(sizes.cbSecurityTrailer)
    desc = sc.SecBufferDesc([sc.SecBuffer(sc.SECBUFFER_TOKEN, header),
                             sc.SecBuffer(sc.SECBUFFER_DATA, data)])
    st = sc.EncryptMessage(cctx, 0, desc, 0)
    _say("EncryptMessage(client)", st, f"header {desc[0].cbBuffer} + data {desc[1].cbBuffer}")
    if not sc.FAILED(st):
        qop = sc.ULONG()
        st = sc.DecryptMessage(sctx, desc, 0, qop)
        _say("DecryptMessage(server)", st, f"plaintext {desc[1].data!r}")
    for handle in (cctx, sctx):
        _say("DeleteSecurityContext", sc.DeleteSecurityContext(handle))
    for cred in (ccred, scred):
        _say("FreeCredentialsHandle", sc.FreeCredentialsHandle(cred))
    return 0

