"""A realm that already exists -- Active Directory, FreeIPA, a KDC container --
described by environment variables, with the attributes of a throwaway realm.

``ExternalRealm`` stands where :class:`~sspi_compat.testing.mit.MITRealm`
stands (the ``krb5_realm`` / ``krb5_env`` fixtures in external mode,
``sspi-compat demo --external``): the same names (``realm``, ``hostname``,
``user``, ``user_password``, ``http_service``, ``keytab``, ``env``,
``activate()``, ``kinit()``, ...), but it starts no KDC and cannot administer
the realm: :meth:`stop_kdc`, :meth:`addprinc`, :meth:`kadmin` ... raise
:class:`RealmAdministrationError`, which names the marker (``kdc_admin``) that
keeps such tests away from an external realm.

Where the description comes from (later wins):

1. ``SSPI_COMPAT_REALM_JSON``: the JSON file ``python -m sspi_compat.testing
   --json FILE`` writes (every principal, password, service and path of a
   realm started by the bootstrap, e.g. in a container);
2. one variable per attribute, ``SSPI_COMPAT_<ATTRIBUTE>`` (table below and
   in docs/testing.md), plus the usual ``KRB5_CONFIG``, ``KRB5CCNAME`` and
   ``KRB5_KTNAME``.

The client logs on with ``user_password`` (kinit, into a private ccache per
test) or, without one, uses the ccache given (``SSPI_COMPAT_CCACHE`` or
``KRB5CCNAME``: a FILE ccache is copied for each test, other types are used
as they are). krb5.conf is ``KRB5_CONFIG``, else the JSON's, else one
generated from ``SSPI_COMPAT_KDC_ADDRESS`` (``host[:port]``), else the
system's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from types import TracebackType
from typing import Any, ContextManager, Dict, Final, Mapping, Optional, Sequence, Tuple, Type

from sspi_compat.testing._profile import Profile, render_profile
from sspi_compat.testing._realm import activated
from sspi_compat.testing._tools import RealmError, find_tools
from sspi_compat.testing.ports import port_is_open

__all__ = [
    "EXTERNAL_ENV",
    "REALM_JSON_ENV",
    "VARIABLES",
    "ExternalRealm",
    "ExternalRealmError",
    "RealmAdministrationError",
    "external_mode",
]

#: ``1`` (or ``true``/``yes``) turns external-realm mode on in the pytest plugin.
EXTERNAL_ENV: Final = "SSPI_COMPAT_EXTERNAL_REALM"
#: A JSON description written by ``python -m sspi_compat.testing --json``.
REALM_JSON_ENV: Final = "SSPI_COMPAT_REALM_JSON"

#: Attribute -> the variable that sets it.
VARIABLES: Final[Mapping[str, str]] = {
    name: "SSPI_COMPAT_" + name.upper()
    for name in (
        "realm",
        "kdc_address",
        "hostname",
        "nodeleg_hostname",
        "user",
        "user_password",
        "ccache",
        "user2",
        "user2_password",
        "disabled_user",
        "disabled_password",
        "expired_user",
        "expired_password",
        "http_service",
        "keytab",
        "host_service",
        "mssql_service",
        "cifs_service",
        "nodeleg_service",
        "rc4_service",
    )
}

# JSON description key -> attribute (those not named alike).
_JSON_SERVICES: Final = {
    "http": "http_service",
    "host": "host_service",
    "mssql": "mssql_service",
    "cifs": "cifs_service",
    "nodeleg": "nodeleg_service",
    "rc4": "rc4_service",
}
_PASSWORD_OF: Final = {
    "user": "user_password",
    "user2": "user2_password",
    "disabled_user": "disabled_password",
    "expired_user": "expired_password",
}


def external_mode(environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether ``SSPI_COMPAT_EXTERNAL_REALM`` asks for an external realm."""
    value = (environ if environ is not None else os.environ).get(EXTERNAL_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


class ExternalRealmError(RealmError):
    """The external realm is not described well enough for what was asked."""


class RealmAdministrationError(ExternalRealmError):
    """A test tried to administer a realm it does not own."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: an external realm cannot be administered from here. A test that"
            " stops the KDC, creates principals or changes keys must be marked"
            " @pytest.mark.kdc_admin; external-realm runs deselect those"
            " (docs/docker.md, External-realm mode)."
        )


def _realm_of(principal: Optional[str]) -> Optional[str]:
    return principal.rsplit("@", 1)[1] if principal and "@" in principal else None


def _host_of(service: Optional[str]) -> Optional[str]:
    """``HTTP/web.example.com:80@R`` -> ``web.example.com``."""
    if not service:
        return None
    parts = service.rsplit("@", 1)[0].split("/")
    return parts[1].split(":")[0] if len(parts) > 1 else None


class ExternalRealm:
    """A realm this process does not run, with a throwaway realm's attributes.

    ``values``: attribute -> value (see :data:`VARIABLES`); usually built by
    :meth:`from_environ`. Attributes that were not given raise
    :class:`ExternalRealmError` naming their variable when read (a test that
    needs the disabled user fails saying ``SSPI_COMPAT_DISABLED_USER`` is not
    set, rather than being skipped); ``rc4_service`` is ``None`` then, as on
    a realm started without ``allow_rc4``.
    """

    provider = "external"

    def __init__(
        self,
        values: Mapping[str, Optional[str]],
        *,
        krb5_conf: Optional[str] = None,
        enctypes: Sequence[str] = (),
        keep_workdir: bool = False,
    ) -> None:
        self._values: Dict[str, str] = {k: v for k, v in values.items() if v}
        unknown = set(self._values) - set(VARIABLES)
        if unknown:
            raise ValueError(f"unknown external realm attributes: {', '.join(sorted(unknown))}")
        realm = (
            self._values.get("realm")
            or _realm_of(self._values.get("user"))
            or _realm_of(self._values.get("http_service"))
        )
        if not realm:
            raise ExternalRealmError(
                f"external realm: set {VARIABLES['realm']} (or {VARIABLES['user']} as"
                f" user@REALM), or {REALM_JSON_ENV}"
            )
        #: The realm name.
        self.realm: str = realm
        #: The DNS domain (the lower-cased realm name unless the service host says more).
        self.domain: str = realm.lower()
        self._given_krb5_conf = krb5_conf
        #: The enctypes, when the description says (a bootstrap JSON does).
        self.enctypes: Tuple[str, ...] = tuple(enctypes)
        self._keep_workdir = keep_workdir
        self._workdir: Optional[str] = None
        self._ccache_serial = 0
        self._state = "new"
        self._kinit_flavour: Optional[str] = None
        kdc = self._values.get("kdc_address", "")
        host, _, port = kdc.rpartition(":") if re.search(r":\d+$", kdc) else (kdc, "", "")
        #: The KDC's address and port, when the description says.
        self.kdc_host: Optional[str] = host.strip("[]") or None
        self.port: Optional[int] = int(port) if port else (88 if host else None)

    @classmethod
    def from_environ(cls, environ: Optional[Mapping[str, str]] = None) -> ExternalRealm:
        """The realm described by ``SSPI_COMPAT_REALM_JSON`` and ``SSPI_COMPAT_*``."""
        env = environ if environ is not None else os.environ
        values: Dict[str, Optional[str]] = {}
        krb5_conf: Optional[str] = None
        enctypes: Sequence[str] = ()
        json_path = env.get(REALM_JSON_ENV)
        if json_path:
            try:
                with open(json_path, encoding="utf-8") as f:
                    info = json.load(f)
            except (OSError, ValueError) as exc:
                raise ExternalRealmError(f"{REALM_JSON_ENV}={json_path}: {exc}") from None
            values.update(cls._values_from_description(info))
            if info.get("krb5_conf") and os.path.exists(info["krb5_conf"]):
                krb5_conf = info["krb5_conf"]
            enctypes = info.get("enctypes") or ()
        for name, variable in VARIABLES.items():
            if env.get(variable):
                values[name] = env[variable]
        if not values.get("ccache") and env.get("KRB5CCNAME") and not values.get("user_password"):
            values["ccache"] = env["KRB5CCNAME"]
        if env.get("KRB5_KTNAME") and not env.get(VARIABLES["keytab"]):
            values["keytab"] = env["KRB5_KTNAME"]
        if env.get("KRB5_CONFIG"):
            krb5_conf = env["KRB5_CONFIG"]
        return cls(values, krb5_conf=krb5_conf, enctypes=enctypes)

    @staticmethod
    def _values_from_description(info: Mapping[str, Any]) -> Dict[str, Optional[str]]:
        values: Dict[str, Optional[str]] = {
            "realm": info.get("realm"),
            "kdc_address": info.get("kdc"),
        }
        for name in ("hostname", "nodeleg_hostname", "keytab"):
            values[name] = info.get(name)
        passwords = info.get("passwords") or {}
        for name, password_name in _PASSWORD_OF.items():
            principal = info.get(name)
            values[name] = principal
            values[password_name] = passwords.get(principal) if principal else None
        for key, name in _JSON_SERVICES.items():
            values[name] = (info.get("services") or {}).get(key)
        return values

    def __repr__(self) -> str:
        return (
            f"<ExternalRealm {self.realm} state={self._state}"
            f" kdc={self.kdc_host}:{self.port} workdir={self._workdir!r}>"
        )

    # -- attributes -----------------------------------------------------------------

    def _get(self, name: str) -> str:
        value = self._values.get(name)
        if value is None:
            raise ExternalRealmError(
                f"the external realm {self.realm} has no {name}: set {VARIABLES[name]}"
            )
        return value

    def principal(self, name: str) -> str:
        """``name`` with ``@REALM`` appended unless it already names a realm."""
        return name if "@" in name else f"{name}@{self.realm}"

    @property
    def user(self) -> str:
        return self.principal(self._get("user"))

    @property
    def user_password(self) -> str:
        return self._get("user_password")

    @property
    def user2(self) -> str:
        return self.principal(self._get("user2"))

    @property
    def user2_password(self) -> str:
        return self._get("user2_password")

    @property
    def disabled_user(self) -> str:
        return self.principal(self._get("disabled_user"))

    @property
    def disabled_password(self) -> str:
        return self._get("disabled_password")

    @property
    def expired_user(self) -> str:
        return self.principal(self._get("expired_user"))

    @property
    def expired_password(self) -> str:
        return self._get("expired_password")

    @property
    def http_service(self) -> str:
        return self.principal(self._get("http_service"))

    @property
    def host_service(self) -> str:
        return self.principal(self._get("host_service"))

    @property
    def mssql_service(self) -> str:
        return self.principal(self._get("mssql_service"))

    @property
    def cifs_service(self) -> str:
        return self.principal(self._get("cifs_service"))

    @property
    def nodeleg_service(self) -> str:
        return self.principal(self._get("nodeleg_service"))

    @property
    def rc4_service(self) -> Optional[str]:
        value = self._values.get("rc4_service")
        return self.principal(value) if value else None

    @property
    def hostname(self) -> str:
        """The host of the services: ``SSPI_COMPAT_HOSTNAME``, else ``http_service``'s."""
        value = self._values.get("hostname") or _host_of(self._values.get("http_service"))
        if not value:
            raise ExternalRealmError(
                f"the external realm {self.realm} has no hostname: set {VARIABLES['hostname']}"
                f" or {VARIABLES['http_service']}"
            )
        return value

    @property
    def nodeleg_hostname(self) -> str:
        value = self._values.get("nodeleg_hostname") or _host_of(
            self._values.get("nodeleg_service")
        )
        if not value:
            raise ExternalRealmError(
                f"the external realm {self.realm} has no nodeleg_hostname:"
                f" set {VARIABLES['nodeleg_service']}"
            )
        return value

    @property
    def services(self) -> Tuple[str, ...]:
        """The service principals the description names (keys in :attr:`keytab`)."""
        names = (
            "http_service",
            "host_service",
            "mssql_service",
            "cifs_service",
            "nodeleg_service",
            "rc4_service",
        )
        return tuple(self.principal(self._values[n]) for n in names if self._values.get(n))

    @property
    def passwords(self) -> Dict[str, str]:
        """Principal -> password, for every principal the description gives one for."""
        found: Dict[str, str] = {}
        for name, password_name in _PASSWORD_OF.items():
            if self._values.get(name) and self._values.get(password_name):
                found[self.principal(self._values[name])] = self._values[password_name]
        return found

    def password(self, name: str) -> str:
        """The password of a principal (``KeyError`` if the description has none)."""
        return self.passwords[self.principal(name)]

    # -- files and environment -----------------------------------------------------------

    @property
    def workdir(self) -> str:
        """A private directory for ccaches (and a generated krb5.conf), made by :meth:`start`."""
        if self._workdir is None:
            raise RealmError("the external realm has no work directory yet: start() it first")
        return self._workdir

    def path(self, name: str) -> str:
        return os.path.join(self.workdir, name)

    def new_ccache_path(self, label: str = "cc") -> str:
        """A path for a ccache that does not exist yet, inside :attr:`workdir`."""
        self._ccache_serial += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
        return self.path(f"ccache.{safe}.{self._ccache_serial}")

    @property
    def krb5_conf(self) -> Optional[str]:
        """krb5.conf: given, generated from the KDC address, or ``None`` (the system's)."""
        if self._given_krb5_conf:
            return self._given_krb5_conf
        if self.kdc_host and self._workdir is not None:
            return self.path("krb5.conf")
        return None

    @property
    def kdc_conf(self) -> None:
        """An external realm's KDC configuration is not ours to read."""
        return None

    @property
    def keytab(self) -> str:
        """The service keytab (``SSPI_COMPAT_KEYTAB`` or ``KRB5_KTNAME``)."""
        value = self._get("keytab")
        return value[5:] if value.startswith("FILE:") else value

    @property
    def client_keytab(self) -> str:
        """An empty client keytab: no client keytab logon by accident."""
        return self.path("client.keytab")

    @property
    def ccache(self) -> str:
        """The default ccache: the given one, or where :meth:`start` logged the user on."""
        given = self._values.get("ccache")
        if given and not self._values.get("user_password"):
            return given[5:] if given.startswith("FILE:") else given
        return self.path("ccache")

    @property
    def env(self) -> Dict[str, str]:
        """``KRB5_CONFIG`` (unless the system's), ``KRB5CCNAME``, ``KRB5_KTNAME``
        (when a keytab is known), ``KRB5_CLIENT_KTNAME`` and ``KRB5RCACHEDIR``."""
        values: Dict[str, str] = {}
        if self.krb5_conf:
            values["KRB5_CONFIG"] = self.krb5_conf
        ccache = self.ccache
        values["KRB5CCNAME"] = ccache if ":" in ccache else "FILE:" + ccache
        if self._values.get("keytab"):
            keytab = self._values["keytab"]
            values["KRB5_KTNAME"] = keytab if ":" in keytab else "FILE:" + keytab
        values["KRB5_CLIENT_KTNAME"] = "FILE:" + self.client_keytab
        values["KRB5RCACHEDIR"] = self.workdir
        return values

    def activate(self, ccache: Optional[str] = None) -> ContextManager[Dict[str, str]]:
        """Put :attr:`env` into ``os.environ``; restore the previous values after."""
        return activated(self.env, ccache)

    def _generated_krb5_conf(self) -> Profile:
        assert self.kdc_host is not None
        address = f"[{self.kdc_host}]" if ":" in self.kdc_host else self.kdc_host
        return {
            "libdefaults": {
                "default_realm": self.realm,
                "forwardable": True,
                "dns_lookup_kdc": False,
                "dns_lookup_realm": False,
                "dns_canonicalize_hostname": False,
                "rdns": False,
                "udp_preference_limit": 1,
            },
            "realms": {self.realm: {"kdc": f"{address}:{self.port}"}},
            "domain_realm": {"." + self.domain: self.realm, self.domain: self.realm},
        }

    # -- programs -----------------------------------------------------------------------

    def _tool_env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["LC_ALL"] = "C"
        return env

    def run(
        self, argv: Sequence[str], *, input: Optional[str] = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a program in the realm's environment; a failure raises
        :class:`~sspi_compat.testing.CommandError` (stderr, never stdin)."""
        from sspi_compat.testing._realm import CommandError

        argv = list(argv)
        if argv and os.sep not in argv[0]:
            argv[0] = find_tools([argv[0]])[argv[0]]
        proc = subprocess.run(
            argv,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=self._tool_env(),
            cwd=self.workdir,
            timeout=60,
        )
        if check and proc.returncode != 0:
            raise CommandError(argv, proc.returncode, proc.stderr)
        return proc

    def _flavour(self) -> str:
        """ "heimdal" or "mit": whose kinit/klist are on this machine's PATH."""
        if self._kinit_flavour is None:
            proc = self.run(["kinit", "--version"], check=False)
            self._kinit_flavour = "heimdal" if "Heimdal" in proc.stdout + proc.stderr else "mit"
        return self._kinit_flavour

    def kinit(
        self,
        principal: str,
        password: str,
        ccache: Optional[str] = None,
        forwardable: bool = True,
        extra_args: Sequence[str] = (),
    ) -> str:
        """Log ``principal`` on with the system's kinit (password on stdin) into a
        FILE ccache (default a new one in :attr:`workdir`); returns its path."""
        if ccache is None:
            ccache = self.new_ccache_path(principal.split("@")[0])
        if self._flavour() == "heimdal":
            argv = ["kinit", "--password-file=STDIN", "-c", ccache]
            argv.append("--forwardable" if forwardable else "--no-forwardable")
        else:
            argv = ["kinit", "-f" if forwardable else "-F", "-c", ccache]
        self.run([*argv, *extra_args, self.principal(principal)], input=password + "\n")
        return ccache

    def klist(self, ccache: Optional[str] = None) -> str:
        """The system klist of a ccache (MIT: ``-e -f``; Heimdal: ``-v``)."""
        flags = ["-v"] if self._flavour() == "heimdal" else ["-e", "-f"]
        return self.run(["klist", *flags, "-c", ccache or self.ccache]).stdout

    def kvno(self, service: str, ccache: Optional[str] = None) -> str:
        """Get a service ticket with MIT's kvno (Heimdal: kgetcred)."""
        principal = self.principal(service)
        if self._flavour() == "heimdal":
            self.run(["kgetcred", "-c", ccache or self.ccache, principal])
            return f"{principal}: ticket obtained\n"
        return self.run(["kvno", "-c", ccache or self.ccache, principal]).stdout

    def fresh_ccache(self, label: str = "test") -> str:
        """A ccache of its own where :attr:`user` is logged on: kinit with the
        password, else a copy of the given FILE ccache (another ccache type is
        returned as it is)."""
        if self._values.get("user_password"):
            return self.kinit(self.user, self.user_password)
        given = self.ccache
        if ":" in given and not given.startswith("FILE:"):
            return given
        path = self.new_ccache_path(label)
        shutil.copyfile(given[5:] if given.startswith("FILE:") else given, path)
        os.chmod(path, 0o600)
        return path

    # -- life cycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._state == "running"

    @property
    def kdc_pid(self) -> None:
        """Not ours: always ``None``."""
        return None

    @property
    def kdc_running(self) -> bool:
        """Whether the KDC answers on TCP (``True`` when its address is not known)."""
        if self.kdc_host is None or self.port is None:
            return True
        return port_is_open(self.kdc_host, self.port)

    def start(self) -> ExternalRealm:
        """Make the work directory, write krb5.conf if generated, log the user on
        (kinit with the password) or check the given ccache exists."""
        if self._state == "running":
            return self
        if self._state == "stopped":
            raise RealmError("a stopped realm cannot be started again: make a new one")
        self._workdir = tempfile.mkdtemp(prefix="sspi-compat-external-realm-")
        self._state = "running"
        try:
            if self.krb5_conf == self.path("krb5.conf"):
                with open(self.krb5_conf, "w", encoding="utf-8") as f:
                    f.write(render_profile(self._generated_krb5_conf()))
            if self._values.get("user_password"):
                self.kinit(self.user, self.user_password, ccache=self.ccache)
            elif not self._values.get("ccache"):
                raise ExternalRealmError(
                    f"external realm {self.realm}: set {VARIABLES['user']} and"
                    f" {VARIABLES['user_password']}, or a ccache ({VARIABLES['ccache']} or"
                    " KRB5CCNAME)"
                )
            elif ":" not in self.ccache and not os.path.exists(self.ccache):
                raise ExternalRealmError(f"the given ccache {self.ccache} does not exist")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Remove the work directory (the realm itself is not ours). Idempotent."""
        if self._state != "running":
            return
        self._state = "stopped"
        path, self._workdir = self._workdir, None
        if path and not self._keep_workdir:
            shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> ExternalRealm:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def ensure_kdc(self) -> None:
        """Nothing to do: the KDC is not ours."""

    def wait(self) -> int:
        raise RealmAdministrationError("wait() for the KDC")

    def stop_kdc(self, timeout: float = 5.0) -> None:
        raise RealmAdministrationError("stop_kdc()")

    def start_kdc(self) -> None:
        raise RealmAdministrationError("start_kdc()")

    def addprinc(self, name: str, password: Optional[str] = None, flags: Sequence[str] = ()) -> str:
        raise RealmAdministrationError(f"addprinc({name!r})")

    def ktadd(self, name: str, keytab: Optional[str] = None) -> str:
        raise RealmAdministrationError(f"ktadd({name!r})")

    def kadmin(self, command: str) -> str:
        raise RealmAdministrationError("kadmin()")

    def kadmin_batch(self, commands: Sequence[str]) -> str:
        raise RealmAdministrationError("kadmin_batch()")

    def describe(self, *, secrets: bool = False) -> Dict[str, Any]:
        """A JSON-able description (passwords only with ``secrets``)."""
        info: Dict[str, Any] = {"provider": self.provider, "realm": self.realm}
        for name in VARIABLES:
            if name in self._values and (secrets or "password" not in name):
                info[name] = self._values[name]
        return info
