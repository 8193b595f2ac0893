"""AcquireCredentialsHandle / FreeCredentialsHandle / QueryCredentialsAttributes
(Kerberos) against a real MIT KDC.

Windows behaviour reproduced: the outbound default is the logon session (here
the default ccache); explicit SEC_WINNT_AUTH_IDENTITY credentials (ANSI,
Unicode, _EX) log on into a private credential that never touches the user's
logon session or the disk; inbound credentials come from the service's keys
(here the keytab), optionally one service principal's only; a freed handle
is invalid; SECPKG_CRED_ATTR_NAMES names the principal.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from typing import Any, Tuple

import pytest
from kerberos_helpers import (
    HOST,
    HTTP,
    acquire,
    asc,
    ccache_path,
    complete,
    context_user_name,
    credential_user_name,
    handshake,
    isc,
    klist_entries,
    must_acquire,
    snapshot,
)

from sspi_compat import (
    SEC_E_INVALID_HANDLE,
    SEC_E_INVALID_PARAMETER,
    SEC_E_LOGON_DENIED,
    SEC_E_NO_CREDENTIALS,
    SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND,
    SEC_E_UNKNOWN_CREDENTIALS,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_E_WRONG_PRINCIPAL,
    SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY,
    SEC_WINNT_AUTH_IDENTITY_A,
    SEC_WINNT_AUTH_IDENTITY_EX,
    SEC_WINNT_AUTH_IDENTITY_EXA,
    SEC_WINNT_AUTH_IDENTITY_UNICODE,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_BOTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    AcquireCredentialsHandle,
    CredHandle,
    CtxtHandle,
    DeleteSecurityContext,
    FreeCredentialsHandle,
    MisuseError,
    QueryContextAttributes,
    QueryCredentialsAttributes,
    SecIsValidHandle,
    SecPkgContext_Names,
    SecPkgContext_Sizes,
    SecPkgCredentials_Names,
    TimeStamp,
)

pytestmark = pytest.mark.kdc


# --- outbound: the logon session ------------------------------------------------------


class TestOutboundDefault:
    def test_default_ccache(self, krb5_env: Any) -> None:
        status, cred, expiry = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_OK and SecIsValidHandle(cred)
        try:
            assert credential_user_name(cred) == krb5_env.user
            # ptsExpiry: the TGT's end, in local time (klist prints local time)
            tgt = klist_entries(krb5_env, ccache_path())[f"krbtgt/{krb5_env.realm}@"
                                                          f"{krb5_env.realm}"]
            assert abs((expiry.to_datetime() - tgt["end"]).total_seconds()) < 2
            server = must_acquire(SECPKG_CRED_INBOUND)
            hs = complete(handshake(cred, server, HTTP))
            assert context_user_name(hs.server) == krb5_env.user
            hs.delete()
            FreeCredentialsHandle(server)
        finally:
            FreeCredentialsHandle(cred)

    def test_no_ccache_is_no_credentials(self, krb5_env: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        missing = os.path.join(krb5_env.workdir, "no-such-ccache")
        monkeypatch.setenv("KRB5CCNAME", "FILE:" + missing)
        status, cred, expiry = acquire(SECPKG_CRED_OUTBOUND)
        assert status == SEC_E_NO_CREDENTIALS
        assert not SecIsValidHandle(cred) and expiry.QuadPart == 0  # nothing written
        assert not os.path.exists(missing)

    def test_principal_selects_within_a_ccache_collection(
            self, krb5_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        collection = tempfile.mkdtemp(dir=krb5_env.workdir, prefix="collection-")
        krb5_env.kinit(krb5_env.user, krb5_env.user_password, ccache=f"DIR::{collection}/tkta")
        krb5_env.kinit(krb5_env.user2, krb5_env.user2_password, ccache=f"DIR::{collection}/tktb")
        monkeypatch.setenv("KRB5CCNAME", f"DIR:{collection}")
        server = must_acquire(SECPKG_CRED_INBOUND)
        for principal, expected in (("bob@SSPI.TEST", krb5_env.user2),
                                    ("alice@SSPI.TEST", krb5_env.user),
                                    ("bob", krb5_env.user2)):
            status, cred, _ = acquire(SECPKG_CRED_OUTBOUND, principal=principal)
            assert status == SEC_E_OK, principal
            assert credential_user_name(cred) == expected
            hs = complete(handshake(cred, server, HTTP))
            assert context_user_name(hs.server) == expected
            hs.delete()
            FreeCredentialsHandle(cred)
        status, cred, _ = acquire(SECPKG_CRED_OUTBOUND, principal="carol@SSPI.TEST")
        assert status == SEC_E_NO_CREDENTIALS
        FreeCredentialsHandle(server)


# --- outbound: explicit credentials -----------------------------------------------------

def identities(realm: Any, user: str, password: str) -> Any:
    name = user.split("@")[0]
    return [
        pytest.param(SEC_WINNT_AUTH_IDENTITY(name, realm.realm, password), id="W-str"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY(name.encode("utf-16-le"),
                                             realm.domain.encode("utf-16-le"),
                                             password.encode("utf-16-le")), id="W-bytes"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY_A(name.encode(), realm.realm.encode(),
                                               password.encode()), id="A-bytes"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY_A(name, realm.domain, password), id="A-str"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY_EX(name, realm.realm, password,
                                                PackageList="Kerberos"), id="EXW"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY_EXA(name.encode(), realm.domain.encode(),
                                                 password.encode()), id="EXA"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY(f"{name}@{realm.domain}", None, password,
                                             SEC_WINNT_AUTH_IDENTITY_UNICODE), id="UPN"),
        pytest.param(SEC_WINNT_AUTH_IDENTITY(f"{realm.realm}\\{name}", None, password),
                     id="DOMAIN-backslash-user"),
    ]


IDENTITY_IDS = ["W-str", "W-bytes", "A-bytes", "A-str", "EXW", "EXA", "UPN",
                "DOMAIN-backslash-user"]


@pytest.mark.parametrize("form", IDENTITY_IDS)
def test_explicit_identity_logs_on_as_that_user(krb5_env: Any, form: str) -> None:
    """bob's explicit identity, while alice owns the default ccache: the server
    must see bob."""
    ident = next(p.values[0] for p in identities(krb5_env, krb5_env.user2,
                                                 krb5_env.user2_password) if p.id == form)
    status, cred, _expiry = acquire(SECPKG_CRED_OUTBOUND, ident)
    assert status == SEC_E_OK
    assert credential_user_name(cred) == krb5_env.user2  # before any KDC contact
    server = must_acquire(SECPKG_CRED_INBOUND)
    hs = complete(handshake(cred, server, HTTP))
    assert context_user_name(hs.server) == krb5_env.user2
    assert credential_user_name(cred) == krb5_env.user2  # after the logon
    hs.delete()
    FreeCredentialsHandle(cred)
    FreeCredentialsHandle(server)


def test_explicit_logon_never_touches_the_default_ccache_or_disk(krb5_env: Any) -> None:
    default = ccache_path()
    with open(default, "rb") as f:
        before_bytes = f.read()
    before_stat = os.stat(default)
    tmp_before = set(os.listdir(tempfile.gettempdir()))
    files_before = snapshot(krb5_env.workdir)
    time.sleep(0.01)  # so that a rewrite would show in the mtime

    ident = SEC_WINNT_AUTH_IDENTITY(krb5_env.user2.split("@")[0], krb5_env.realm,
                                    krb5_env.user2_password)
    status, cred, _ = acquire(SECPKG_CRED_OUTBOUND, ident)
    assert status == SEC_E_OK
    ctx = CtxtHandle()
    leg = isc(cred, ctx, HTTP, 0)  # the AS and TGS exchanges happen here
    assert leg.status == SEC_E_OK and leg.token

    with open(default, "rb") as f:
        assert f.read() == before_bytes
    after_stat = os.stat(default)
    assert (after_stat.st_mtime_ns, after_stat.st_size) == (before_stat.st_mtime_ns,
                                                            before_stat.st_size)
    files_after = snapshot(krb5_env.workdir)
    assert set(files_after) == set(files_before)  # no new ccache, no temporary file
    changed = {os.path.basename(p) for p in files_before if files_after[p] != files_before[p]}
    # only the KDC's own database and logs move (it records the AS and TGS requests)
    assert changed <= {"principal", "principal.ok", "principal.kadm5", "principal.kadm5.lock",
                       "kdc.log", "krb5kdc.out", "krb5lib.log"}, changed
    new_tmp = set(os.listdir(tempfile.gettempdir())) - tmp_before
    assert not [n for n in new_tmp if n.startswith(("krb5cc", "tkt", "krb5_"))], new_tmp
    # and bob's tickets are not in alice's ccache
    assert "bob" not in krb5_env.klist(default)

    server = must_acquire(SECPKG_CRED_INBOUND)
    sctx = CtxtHandle()
    assert asc(server, sctx, leg.token, 0).status == SEC_E_OK
    assert context_user_name(sctx) == krb5_env.user2


def test_explicit_logon_works_without_any_ccache(krb5_env: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    missing = os.path.join(krb5_env.workdir, "never-created")
    monkeypatch.setenv("KRB5CCNAME", "FILE:" + missing)
    ident = SEC_WINNT_AUTH_IDENTITY("alice", krb5_env.realm, krb5_env.user_password)
    cred = must_acquire(SECPKG_CRED_OUTBOUND, ident)
    server = must_acquire(SECPKG_CRED_INBOUND)
    complete(handshake(cred, server, HTTP)).delete()
    assert not os.path.exists(missing)


def test_password_is_kept_only_until_the_logon(krb5_env: Any) -> None:
    """The credential holds the password until the first successful logon
    (a failed one keeps it: the next call tries again), and not afterwards."""
    from sspi_compat import _handles

    for password, logs_on in (("not-the-password", False), (krb5_env.user_password, True)):
        ident = SEC_WINNT_AUTH_IDENTITY("alice", krb5_env.realm, password)
        cred = must_acquire(SECPKG_CRED_OUTBOUND, ident)
        state = _handles.lookup(cred, _handles.CRED_TAG)
        assert state._password == password  # logged on at first use
        ctx = CtxtHandle()
        leg = isc(cred, ctx, HTTP, 0)
        assert (leg.status == SEC_E_OK) is logs_on, leg.status
        assert state._password == (None if logs_on else password)
        if SecIsValidHandle(ctx):
            DeleteSecurityContext(ctx)
        FreeCredentialsHandle(cred)
        assert state._password is None


def test_wrong_password_is_denied_at_first_use(krb5_env: Any) -> None:
    """As on Windows, ACH does not contact the KDC; the logon fails in ISC."""
    ident = SEC_WINNT_AUTH_IDENTITY("alice", krb5_env.realm, "not-the-password")
    status, cred, expiry = acquire(SECPKG_CRED_OUTBOUND, ident)
    assert status == SEC_E_OK
    assert expiry.never_expires  # not logged on yet
    ctx = CtxtHandle()
    assert isc(cred, ctx, HTTP, 0).status == SEC_E_LOGON_DENIED
    assert not SecIsValidHandle(ctx)


@pytest.mark.parametrize("ident", [
    SEC_WINNT_AUTH_IDENTITY_A(b"\xff\xfe\xfd", None, b"x"),  # not UTF-8
    SEC_WINNT_AUTH_IDENTITY(b"\x00\xd8", None, b"x\x00"),  # lone UTF-16 surrogate
    "alice:password",
    {"User": "alice"},
], ids=["bad-ansi", "bad-utf16", "str", "dict"])
def test_unusable_auth_data(krb5_env: Any, ident: Any) -> None:
    status, cred, _ = acquire(SECPKG_CRED_OUTBOUND, ident)
    assert status == SEC_E_UNKNOWN_CREDENTIALS
    assert not SecIsValidHandle(cred)


# --- inbound: the keytab ---------------------------------------------------------------


class TestInbound:
    @pytest.mark.parametrize("target", [HTTP, HOST, "MSSQLSvc/server.sspi.test:1433",
                                        "cifs/server.sspi.test", "HTTP/nodeleg.sspi.test"])
    def test_whole_keytab_accepts_every_service(self, krb5_env: Any, target: str) -> None:
        client = must_acquire(SECPKG_CRED_OUTBOUND)
        server = must_acquire(SECPKG_CRED_INBOUND)
        complete(handshake(client, server, target)).delete()

    @pytest.mark.parametrize("principal", ["HTTP/server.sspi.test@SSPI.TEST",
                                           "HTTP/server.sspi.test"])
    def test_restricted_to_one_spn(self, krb5_env: Any, principal: str) -> None:
        client = must_acquire(SECPKG_CRED_OUTBOUND)
        status, server, _expiry = acquire(SECPKG_CRED_INBOUND, principal=principal)
        assert status == SEC_E_OK
        assert credential_user_name(server) == "HTTP/server.sspi.test@SSPI.TEST"
        complete(handshake(client, server, HTTP)).delete()
        hs = handshake(client, server, HOST)  # a ticket for another service
        assert hs.statuses[-1] == ("server", SEC_E_WRONG_PRINCIPAL)
        assert not SecIsValidHandle(hs.server)

    def test_unknown_spn(self, krb5_env: Any) -> None:
        status, _cred, _ = acquire(SECPKG_CRED_INBOUND, principal="HTTP/nowhere.sspi.test")
        assert status == SEC_E_NO_CREDENTIALS

    def test_no_keytab(self, krb5_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KRB5_KTNAME", "FILE:" + os.path.join(krb5_env.workdir, "none.kt"))
        status, cred, _ = acquire(SECPKG_CRED_INBOUND)
        assert status == SEC_E_NO_CREDENTIALS
        assert not SecIsValidHandle(cred)

    def test_inbound_only_cannot_initiate(self, krb5_env: Any) -> None:
        server = must_acquire(SECPKG_CRED_INBOUND)
        ctx = CtxtHandle()
        assert isc(server, ctx, HTTP, 0).status == SEC_E_NO_CREDENTIALS
        assert not SecIsValidHandle(ctx)

    def test_outbound_only_cannot_accept(self, krb5_env: Any) -> None:
        client = must_acquire(SECPKG_CRED_OUTBOUND)
        leg = isc(client, CtxtHandle(), HTTP, 0)
        assert asc(client, CtxtHandle(), leg.token, 0).status == SEC_E_NO_CREDENTIALS


def test_both_directions_in_one_handle(krb5_env: Any) -> None:
    status, both, expiry = acquire(SECPKG_CRED_BOTH)
    assert status == SEC_E_OK
    assert not expiry.never_expires  # the outbound part has a TGT end
    assert credential_user_name(both) == krb5_env.user
    hs = complete(handshake(both, both, HTTP))
    assert context_user_name(hs.server) == krb5_env.user
    hs.delete()
    FreeCredentialsHandle(both)


# --- FreeCredentialsHandle ----------------------------------------------------------------


def test_free_invalidates_the_handle(krb5_env: Any) -> None:
    cred = must_acquire(SECPKG_CRED_OUTBOUND)
    assert FreeCredentialsHandle(cred) == SEC_E_OK
    assert FreeCredentialsHandle(cred) == SEC_E_INVALID_HANDLE
    assert QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES,
                                      SecPkgCredentials_Names()) == SEC_E_INVALID_HANDLE
    assert isc(cred, CtxtHandle(), HTTP, 0).status == SEC_E_INVALID_HANDLE


def test_contexts_outlive_their_freed_credential(krb5_env: Any) -> None:
    """Windows keeps a reference from the context to its credential: a
    context built before FreeCredentialsHandle finishes its exchange."""
    client, server = must_acquire(SECPKG_CRED_OUTBOUND), must_acquire(SECPKG_CRED_INBOUND)
    from sspi_compat import ISC_REQ_MUTUAL_AUTH

    ctx, sctx = CtxtHandle(), CtxtHandle()
    first = isc(client, ctx, HTTP, ISC_REQ_MUTUAL_AUTH)
    assert first.status == SEC_I_CONTINUE_NEEDED
    reply = asc(server, sctx, first.token, 0)
    assert FreeCredentialsHandle(client) == SEC_E_OK
    assert FreeCredentialsHandle(server) == SEC_E_OK
    assert isc(None, ctx, HTTP, ISC_REQ_MUTUAL_AUTH, reply.token).status == SEC_E_OK
    sizes = SecPkgContext_Sizes()
    from sspi_compat import SECPKG_ATTR_SIZES

    assert QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes) == SEC_E_OK
    assert QueryContextAttributes(sctx, SECPKG_ATTR_SIZES, sizes) == SEC_E_OK


# --- QueryCredentialsAttributes -----------------------------------------------------------


class TestQueryCredentials:
    def test_names_of_each_kind(self, krb5_env: Any) -> None:
        assert credential_user_name(must_acquire(SECPKG_CRED_OUTBOUND)) == krb5_env.user
        restricted = must_acquire(SECPKG_CRED_INBOUND, principal=HTTP)
        assert credential_user_name(restricted) == "HTTP/server.sspi.test@SSPI.TEST"
        ident = SEC_WINNT_AUTH_IDENTITY("bob", "sspi.test", "whatever")
        assert credential_user_name(must_acquire(SECPKG_CRED_OUTBOUND, ident)) == "bob@SSPI.TEST"

    def test_unsupported_attribute(self, krb5_env: Any) -> None:
        cred = must_acquire(SECPKG_CRED_OUTBOUND)
        names = SecPkgCredentials_Names("untouched")
        for attribute in (2, 0x80000000, 9999):  # SECPKG_ATTR_LIFESPAN-like, reserved, junk
            assert QueryCredentialsAttributes(cred, attribute, names) == (
                SEC_E_UNSUPPORTED_FUNCTION)
        assert names.sUserName == "untouched"

    def test_wrong_structure_is_misuse(self, krb5_env: Any) -> None:
        cred = must_acquire(SECPKG_CRED_OUTBOUND)
        with pytest.raises(MisuseError):
            QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, SecPkgContext_Names())


# --- argument checks -------------------------------------------------------------------------


class TestArguments:
    @pytest.mark.parametrize("package", ["kerberos", "KERBEROS", b"Kerberos"])
    def test_package_name_in_any_case(self, krb5_env: Any, package: Any) -> None:
        status, _cred, _ = acquire(SECPKG_CRED_OUTBOUND, package=package)
        assert status == SEC_E_OK

    @pytest.mark.parametrize("package", ["Kerberos5", "", "Schannel", b"\xff"])
    def test_unknown_package(self, krb5_env: Any, package: Any) -> None:
        status, cred, expiry = acquire(SECPKG_CRED_OUTBOUND, package=package)
        assert status == SEC_E_SECPKG_NOT_FOUND
        assert not SecIsValidHandle(cred) and expiry.QuadPart == 0

    @pytest.mark.parametrize(("use", "expected"), [(0, SEC_E_UNKNOWN_CREDENTIALS),
                                                   (4, SEC_E_INVALID_PARAMETER),
                                                   (0x10, SEC_E_INVALID_PARAMETER)])
    def test_credential_use_without_direction(self, krb5_env: Any, use: int,
                                              expected: Any) -> None:
        assert acquire(use)[0] == expected

    @pytest.mark.parametrize("position", [3, 5, 6])  # pvLogonId, pGetKeyFn, pvGetKeyArgument
    def test_other_logon_sessions_and_key_callbacks(self, krb5_env: Any,
                                                    position: int) -> None:
        args: list[Any] = [None, "Kerberos", SECPKG_CRED_OUTBOUND, None, None, None, None,
                           CredHandle(), TimeStamp()]
        args[position] = 1 if position == 3 else (lambda *a: None)
        assert AcquireCredentialsHandle(*args) == SEC_E_UNSUPPORTED_FUNCTION
        assert not SecIsValidHandle(args[7])

    def test_ptsexpiry_is_optional(self, krb5_env: Any) -> None:
        cred = CredHandle()
        assert AcquireCredentialsHandle(None, "Kerberos", SECPKG_CRED_OUTBOUND, None, None,
                                        None, None, cred, None) == SEC_E_OK

    @pytest.mark.parametrize(("position", "value"), [
        (1, 5), (2, "outbound"), (2, 1.0), (7, CtxtHandle()), (7, None), (8, 0),
        (0, 3.5)])
    def test_wrong_python_types_are_misuse(self, krb5_env: Any, position: int,
                                           value: Any) -> None:
        args: list[Any] = [None, "Kerberos", SECPKG_CRED_OUTBOUND, None, None, None, None,
                           CredHandle(), TimeStamp()]
        args[position] = value
        with pytest.raises(MisuseError):
            AcquireCredentialsHandle(*args)


def test_expiry_is_local_time(krb5_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same TGT end, read in two time zones, differs by the zones' offset."""
    def read(tz: str) -> Tuple[int, dt.datetime]:
        monkeypatch.setenv("TZ", tz)
        time.tzset()
        _, cred, expiry = acquire(SECPKG_CRED_OUTBOUND)
        FreeCredentialsHandle(cred)
        return expiry.QuadPart, expiry.to_datetime()

    try:
        utc_ticks, utc_dt = read("UTC")
        ist_ticks, ist_dt = read("Asia/Kolkata")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    # (the two reads are a few microseconds apart: the remaining lifetime GSS
    # reports is whole seconds, so the two ends may differ by under a second)
    assert abs(ist_ticks - utc_ticks - (5 * 3600 + 1800) * 10_000_000) < 10_000_000
    assert abs((ist_dt - utc_dt) - dt.timedelta(hours=5, minutes=30)) < dt.timedelta(seconds=1)
