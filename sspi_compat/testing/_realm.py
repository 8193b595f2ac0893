"""What every throwaway realm has, whichever KDC implements it.

:class:`Realm`: the names, the principals and their passwords, the work
directory and the environment a Kerberos user of the realm needs.

:class:`KDCRealm`: a realm served by a KDC child process -- the configuration
options, the free loopback port (retried when taken), starting, waiting for
and stopping the KDC by PID, running the realm's programs. What differs
between KDCs (configuration files, database, the programs and their command
lines) lives in a subclass: :class:`~sspi_compat.testing.mit.MITRealm`,
:class:`~sspi_compat.testing.heimdal.HeimdalRealm`.

Path attributes (``keytab``, ``ccache``, ...) are plain file system paths;
the environment values carry an explicit ``FILE:`` prefix.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from types import TracebackType
from typing import (
    Any,
    Dict,
    Final,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
)

from sspi_compat.testing._process import spawn_daemon, stop_process
from sspi_compat.testing._profile import Profile, merge_profiles, render_profile
from sspi_compat.testing._tools import RealmError
from sspi_compat.testing.ports import LOOPBACK, find_free_port, is_wildcard, port_is_open

__all__ = [
    "DEFAULT_ENCTYPES",
    "DEFAULT_REALM",
    "ENV_VARIABLES",
    "KDC_ENV",
    "KDC_KINDS",
    "RC4_ENCTYPE",
    "CommandError",
    "KDCRealm",
    "Realm",
    "activated",
    "hostport",
    "kdc_kind",
    "make_realm",
    "random_password",
    "realm_class",
]

DEFAULT_REALM: Final = "SSPI.TEST"

#: The enctypes of a default realm, strongest first.
DEFAULT_ENCTYPES: Final = (
    "aes256-cts-hmac-sha1-96",
    "aes128-cts-hmac-sha1-96",
    "aes256-cts-hmac-sha384-192",
    "aes128-cts-hmac-sha256-128",
)
#: Added (last) by ``allow_rc4=True``.
RC4_ENCTYPE: Final = "rc4-hmac"

_START_ATTEMPTS: Final = 8

#: The variables :attr:`Realm.env` sets (``KRB5_TRACE`` is deliberately not one).
ENV_VARIABLES: Final = (
    "KRB5_CONFIG",
    "KRB5_KDC_PROFILE",
    "KRB5CCNAME",
    "KRB5_KTNAME",
    "KRB5_CLIENT_KTNAME",
    "KRB5RCACHEDIR",
)

_REALM_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")

_R = TypeVar("_R", bound="Realm")
_K = TypeVar("_K", bound="KDCRealm")


def random_password() -> str:
    """A fresh random password (URL-safe characters, 24 of them)."""
    return secrets.token_urlsafe(18)


@contextlib.contextmanager
def activated(env: Mapping[str, str], ccache: Optional[str] = None) -> Iterator[Dict[str, str]]:
    """Put ``env`` into ``os.environ`` (``ccache``, a path or ``TYPE:residual``
    name, replacing ``KRB5CCNAME``); restore the previous values after."""
    values = dict(env)
    if ccache is not None:
        values["KRB5CCNAME"] = ccache if ":" in ccache else "FILE:" + ccache
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class Realm:
    """Names, principals, work directory and environment of a test realm.

    Principals created at start (``@REALM`` appended):

    ============================== ===================================================
    ``user`` (``alice``)           ``user_password``; kinit-ed into ``ccache`` at start
    ``user2`` (``bob``)            ``user2_password``
    ``disabled_user``              ``disabled_password``; ``-allow_tix``
    ``expired_user``               ``expired_password``; principal expired in 2000
    ``http_service``               ``HTTP/server.<domain>``, ``+ok_as_delegate``
    ``host_service``               ``host/server.<domain>``
    ``mssql_service``              ``MSSQLSvc/server.<domain>:1433``
    ``cifs_service``               ``cifs/server.<domain>``
    ``nodeleg_service``            ``HTTP/nodeleg.<domain>``, not ok-as-delegate
    ============================== ===================================================

    All services have random keys, all of them in :attr:`keytab`.
    """

    #: "mit" or "heimdal".
    provider: str = ""

    def __init__(
        self,
        realm: str = DEFAULT_REALM,
        workdir: Optional[str] = None,
        *,
        keep_workdir: Optional[bool] = None,
    ) -> None:
        if not _REALM_RE.match(realm):
            raise ValueError(f"unusable realm name {realm!r}")
        #: The realm name, e.g. ``"SSPI.TEST"``.
        self.realm: str = realm
        #: The DNS domain mapped to the realm, e.g. ``"sspi.test"``.
        self.domain: str = realm.lower()
        #: The host of the standard services, e.g. ``"server.sspi.test"``.
        self.hostname: str = f"server.{self.domain}"
        #: A host whose HTTP service is *not* ok-as-delegate.
        self.nodeleg_hostname: str = f"nodeleg.{self.domain}"

        self.user: str = self.principal("alice")
        self.user_password: str = random_password()
        self.user2: str = self.principal("bob")
        self.user2_password: str = random_password()
        self.disabled_user: str = self.principal("disabled")
        self.disabled_password: str = random_password()
        self.expired_user: str = self.principal("expired")
        self.expired_password: str = random_password()

        self.http_service: str = self.principal(f"HTTP/{self.hostname}")
        self.host_service: str = self.principal(f"host/{self.hostname}")
        self.mssql_service: str = self.principal(f"MSSQLSvc/{self.hostname}:1433")
        self.cifs_service: str = self.principal(f"cifs/{self.hostname}")
        self.nodeleg_service: str = self.principal(f"HTTP/{self.nodeleg_hostname}")

        #: Principal -> password, for every principal created with a password.
        self.passwords: Dict[str, str] = {
            self.user: self.user_password,
            self.user2: self.user2_password,
            self.disabled_user: self.disabled_password,
            self.expired_user: self.expired_password,
        }

        self._workdir_arg = workdir
        self._keep_workdir = keep_workdir
        self._workdir: Optional[str] = None
        self._owns_workdir = False
        self._ccache_serial = 0

    # -- names --------------------------------------------------------------

    def principal(self, name: str) -> str:
        """``name`` with ``@REALM`` appended unless it already names a realm."""
        return name if "@" in name else f"{name}@{self.realm}"

    def password(self, name: str) -> str:
        """The password of a principal created with one (``KeyError`` otherwise)."""
        return self.passwords[self.principal(name)]

    @property
    def services(self) -> Tuple[str, ...]:
        """Every service principal whose keys are in :attr:`keytab`."""
        return (
            self.http_service,
            self.host_service,
            self.mssql_service,
            self.cifs_service,
            self.nodeleg_service,
        )

    # -- files ----------------------------------------------------------------

    @property
    def workdir(self) -> str:
        """The directory holding every file of the realm (set once started)."""
        if self._workdir is None:
            if self._workdir_arg is None:
                raise RealmError("the realm has no work directory yet: start() it first")
            return os.path.abspath(self._workdir_arg)
        return self._workdir

    def path(self, name: str) -> str:
        """The absolute path of ``name`` inside :attr:`workdir`."""
        return os.path.join(self.workdir, name)

    @property
    def krb5_conf(self) -> str:
        return self.path("krb5.conf")

    @property
    def kdc_conf(self) -> str:
        return self.path("kdc.conf")

    @property
    def keytab(self) -> str:
        """The keytab with the keys of every service principal."""
        return self.path("service.keytab")

    @property
    def client_keytab(self) -> str:
        """``KRB5_CLIENT_KTNAME``: does not exist until something is ``ktadd``-ed to it."""
        return self.path("client.keytab")

    @property
    def ccache(self) -> str:
        """The realm's default ccache, where ``user`` is kinit-ed at start."""
        return self.path("ccache")

    def new_ccache_path(self, label: str = "cc") -> str:
        """A path for a ccache that does not exist yet, inside :attr:`workdir`."""
        self._ccache_serial += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
        return self.path(f"ccache.{safe}.{self._ccache_serial}")

    def _open_workdir(self) -> str:
        if self._workdir_arg is None:
            self._workdir = tempfile.mkdtemp(prefix=f"sspi-compat-{self.provider}-realm-")
            self._owns_workdir = True
        else:
            path = os.path.abspath(self._workdir_arg)
            self._owns_workdir = not os.path.exists(path)
            os.makedirs(path, mode=0o700, exist_ok=True)
            self._workdir = path
        return self._workdir

    def _close_workdir(self) -> None:
        path, self._workdir = self._workdir, None
        if path is None:
            return
        keep = self._keep_workdir if self._keep_workdir is not None else not self._owns_workdir
        if not keep:
            shutil.rmtree(path, ignore_errors=True)

    # -- environment ----------------------------------------------------------

    @property
    def env(self) -> Dict[str, str]:
        """The environment a Kerberos user of this realm needs.

        ``KRB5_CONFIG``, ``KRB5_KDC_PROFILE``, ``KRB5CCNAME`` (the ccache where
        ``user`` is logged on), ``KRB5_KTNAME`` (the service keytab),
        ``KRB5_CLIENT_KTNAME`` (an empty client keytab) and ``KRB5RCACHEDIR``.
        ``KRB5_TRACE`` is not set (nor unset).
        """
        return {
            "KRB5_CONFIG": self.krb5_conf,
            "KRB5_KDC_PROFILE": self.kdc_conf,
            "KRB5CCNAME": "FILE:" + self.ccache,
            "KRB5_KTNAME": "FILE:" + self.keytab,
            "KRB5_CLIENT_KTNAME": "FILE:" + self.client_keytab,
            "KRB5RCACHEDIR": self.workdir,
        }

    @contextlib.contextmanager
    def activate(self, ccache: Optional[str] = None) -> Iterator[Dict[str, str]]:
        """Put :attr:`env` into ``os.environ``; restore the previous values after.

        ``ccache`` (a path or ``TYPE:residual`` name) replaces ``KRB5CCNAME``.
        Yields the variables that were set.
        """
        with activated(self.env, ccache) as values:
            yield values

    # -- life cycle -----------------------------------------------------------

    def start(self: _R) -> _R:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def _register_atexit(self) -> None:
        atexit.register(self.stop)

    def _unregister_atexit(self) -> None:
        atexit.unregister(self.stop)

    def __enter__(self: _R) -> _R:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()


# -- realms served by a KDC child process ----------------------------------------


class CommandError(RealmError):
    """A Kerberos program failed. Never carries its stdin (passwords go there)."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr = stderr
        program = os.path.basename(self.argv[0]) if self.argv else "?"
        super().__init__(f"{program} failed (exit {returncode}): {stderr.strip()}")


class _PortInUseError(RealmError):
    pass


def hostport(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _read_from(path: str, offset: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read()
    except FileNotFoundError:
        return b""


class KDCRealm(Realm):
    """A realm served by a KDC child process on a free loopback port.

    Args:
        realm: the realm name.
        workdir: where the files go; default a fresh temporary directory. A
            directory that did not exist before is removed by :meth:`stop`
            (override with ``keep_workdir``).
        krb5_conf, kdc_conf: extra settings merged into the generated files, as
            ``{section: {key: value}}`` (dict values are ``{ }`` subsections,
            lists repeat the key, ``None`` removes a key).
        enctypes: the enctypes of the database, the KDC and the clients.
        allow_rc4: add ``rc4-hmac`` and create :attr:`rc4_service`, whose only
            key and session enctype is RC4.
        port: the KDC port; 0 picks a free one (and retries if another process
            grabs it first).
        bind_address: the KDC's listening address. Keep the default
            ``127.0.0.1`` except in a container; a wildcard is reached through
            127.0.0.1 (or ``kdc_host``).
        kdc_host: the address clients use to reach the KDC, written into
            krb5.conf; default ``127.0.0.1`` for a wildcard ``bind_address``,
            else ``bind_address``. In a container: the name other containers
            know it by.
        start_timeout: seconds to wait for the KDC to answer.
        tool_dirs: directories searched first for the KDC's programs.

    Subclasses provide the configuration files (:meth:`kdc_conf_profile`,
    :meth:`_write_configs`), the database (:meth:`_create_database`), the
    KDC command line (:meth:`_kdc_argv`) and the programs (:meth:`kinit`,
    :meth:`kadmin_batch`, ...).
    """

    #: The KDC program, for messages ("krb5kdc", "kdc").
    kdc_program: str = "kdc"
    #: What the KDC writes (to its output or its log) once its sockets are bound.
    _ready_marker: bytes = b""
    #: A file of the work directory that exists once a database was created.
    _database_marker: str = ""

    def __init__(
        self,
        realm: str = DEFAULT_REALM,
        workdir: Optional[str] = None,
        *,
        krb5_conf: Optional[Mapping[str, Any]] = None,
        kdc_conf: Optional[Mapping[str, Any]] = None,
        enctypes: Sequence[str] = DEFAULT_ENCTYPES,
        allow_rc4: bool = False,
        port: int = 0,
        bind_address: str = LOOPBACK,
        kdc_host: Optional[str] = None,
        keep_workdir: Optional[bool] = None,
        start_timeout: float = 10.0,
        tool_dirs: Optional[Sequence[str]] = None,
    ) -> None:
        super().__init__(realm, workdir, keep_workdir=keep_workdir)
        if not 0 <= port < 65536:
            raise ValueError(f"bad port {port}")
        if not enctypes:
            raise ValueError("enctypes must not be empty")
        self.enctypes: tuple[str, ...] = tuple(enctypes)
        self.allow_rc4 = allow_rc4
        if allow_rc4 and RC4_ENCTYPE not in self.enctypes:
            self.enctypes += (RC4_ENCTYPE,)
        #: ``HTTP/rc4.<domain>``, RC4 keys and session keys only (``allow_rc4`` only).
        self.rc4_service: Optional[str] = (
            self.principal(f"HTTP/rc4.{self.domain}") if allow_rc4 else None
        )
        #: The KDC's port (0 until started).
        self.port: int = port
        self.bind_address = bind_address
        #: The address clients use to reach the KDC.
        self.kdc_host: str = kdc_host or (LOOPBACK if is_wildcard(bind_address) else bind_address)
        self.start_timeout = start_timeout
        #: Seconds the last :meth:`start` took (database, principals, KDC, kinit).
        self.start_seconds: Optional[float] = None
        self._fixed_port = port != 0
        self._extra_krb5_conf = krb5_conf
        self._extra_kdc_conf = kdc_conf
        self._tool_dirs = tool_dirs
        self._tools: Dict[str, str] = {}
        self._kdc: Optional[subprocess.Popen[bytes]] = None
        self._state = "new"

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.realm} state={self._state}"
            f" kdc={self.kdc_host}:{self.port} pid={self.kdc_pid} workdir={self._workdir!r}>"
        )

    @property
    def services(self) -> tuple[str, ...]:
        rc4 = (self.rc4_service,) if self.rc4_service else ()
        return super().services + rc4

    # -- configuration ----------------------------------------------------------

    def _libdefaults(self) -> Dict[str, Any]:
        """[libdefaults] of krb5.conf, read by MIT's and Heimdal's libraries alike."""
        enctypes = " ".join(self.enctypes)
        libdefaults: Dict[str, Any] = {
            "default_realm": self.realm,
            "forwardable": True,
            "dns_lookup_kdc": False,
            "dns_lookup_realm": False,
            "dns_canonicalize_hostname": False,
            "rdns": False,
            # TCP only: a stopped KDC is "connection refused" at once, never a UDP timeout.
            "udp_preference_limit": 1,
            "permitted_enctypes": enctypes,
            "default_tkt_enctypes": enctypes,
            "default_tgs_enctypes": enctypes,
            # Heimdal's name for the enctypes (its libraries ignore MIT's default_t*_enctypes
            # and would pick the strongest they know for the GSS subkeys).
            "default_etypes": enctypes,
            # So that a program seeing only KRB5_CONFIG still stays inside the realm
            # (default_cc_name: Heimdal's name).
            "default_ccache_name": "FILE:" + self.ccache,
            "default_cc_name": "FILE:" + self.ccache,
            "default_keytab_name": "FILE:" + self.keytab,
            "default_client_keytab_name": "FILE:" + self.client_keytab,
        }
        if self.allow_rc4:
            libdefaults["allow_weak_crypto"] = True
            libdefaults["allow_rc4"] = True
        return libdefaults

    def krb5_conf_profile(self) -> Profile:
        """The contents of krb5.conf, as a profile dict."""
        base: Profile = {
            "libdefaults": self._libdefaults(),
            "realms": {
                self.realm: {
                    "kdc": hostport(self.kdc_host, self.port),
                    "default_domain": self.domain,
                }
            },
            "domain_realm": {"." + self.domain: self.realm, self.domain: self.realm},
        }
        return merge_profiles(base, self._extra_krb5_conf)

    def kdc_conf_profile(self) -> Profile:
        """The contents of kdc.conf, as a profile dict."""
        raise NotImplementedError

    def _write_configs(self) -> None:
        for path, profile in (
            (self.krb5_conf, self.krb5_conf_profile()),
            (self.kdc_conf, self.kdc_conf_profile()),
        ):
            with open(path, "w", encoding="utf-8") as f:
                f.write(render_profile(profile))

    # -- running programs -------------------------------------------------------

    def tool(self, name: str) -> str:
        """The absolute path of one of the realm's programs."""
        if name not in self._tools:
            self._tools.update(self._find_tools([name]))
        return self._tools[name]

    def _find_tools(self, names: Sequence[str]) -> Dict[str, str]:
        raise NotImplementedError

    def _required_tools(self) -> Sequence[str]:
        """The programs :meth:`start` checks for before creating anything."""
        return ()

    def _tool_env(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["LC_ALL"] = "C"  # error texts that can be matched and read
        env.update(extra or {})
        return env

    def _command(self, name: str) -> List[str]:
        """The argv prefix that runs program ``name`` (a bare name)."""
        return [self.tool(name)]

    def run(
        self,
        argv: Sequence[str],
        *,
        input: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run a program in the realm's environment (plus ``env``); text I/O.

        A bare program name is looked up like the realm's own tools. With
        ``check``, a non-zero exit raises :class:`CommandError` (with stderr,
        never stdin).
        """
        argv = list(argv)
        if argv and os.sep not in argv[0]:
            argv[:1] = self._command(argv[0])
        proc = subprocess.run(
            argv,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=self._tool_env(env),
            cwd=self.workdir,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise CommandError(argv, proc.returncode, proc.stderr)
        return proc

    def kadmin_batch(self, commands: Sequence[str]) -> str:
        """Run administration commands in one local-admin process (stdin)."""
        raise NotImplementedError

    def kadmin(self, command: str) -> str:
        """Run one local administration command (a string, as typed at the prompt)."""
        return self.kadmin_batch([command])

    def addprinc(self, name: str, password: Optional[str] = None, flags: Sequence[str] = ()) -> str:
        """Create a principal; ``password=None`` gives it random keys."""
        raise NotImplementedError

    def ktadd(self, name: str, keytab: Optional[str] = None) -> str:
        """Add the current keys of ``name`` to ``keytab`` (default :attr:`keytab`)."""
        raise NotImplementedError

    def kinit(
        self,
        principal: str,
        password: str,
        ccache: Optional[str] = None,
        forwardable: bool = True,
        extra_args: Sequence[str] = (),
    ) -> str:
        """Log ``principal`` on (password on stdin) into a FILE ccache; returns its path."""
        raise NotImplementedError

    def klist(self, ccache: Optional[str] = None) -> str:
        """The tickets of a ccache (default: the realm's), as the realm's klist prints them."""
        raise NotImplementedError

    def klist_keytab(self, keytab: Optional[str] = None) -> str:
        """The keys of a keytab (default: the service keytab)."""
        raise NotImplementedError

    def kvno(self, service: str, ccache: Optional[str] = None) -> str:
        """Get a service ticket; returns ``"<service>: kvno = N"`` as MIT's kvno prints it."""
        raise NotImplementedError

    # -- life cycle -------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Started and not stopped (the KDC itself may be stopped: see :attr:`kdc_running`)."""
        return self._state == "running"

    @property
    def kdc_pid(self) -> Optional[int]:
        """The PID of the running KDC, or ``None``."""
        return self._kdc.pid if self._kdc is not None and self._kdc.poll() is None else None

    @property
    def kdc_running(self) -> bool:
        return self.kdc_pid is not None

    def start(self: _K) -> _K:
        """Create the realm and start its KDC. Idempotent while running.

        Fails with :class:`~sspi_compat.testing.KerberosToolsMissingError` if
        the KDC's programs are not installed, :class:`RealmError` if the KDC
        does not come up; in both cases everything already created is cleaned up.
        """
        if self._state == "running":
            return self
        if self._state == "stopped":
            raise RealmError("a stopped realm cannot be started again: make a new one")
        began = time.monotonic()
        self._tools.update(self._find_tools(self._required_tools()))
        self._state = "running"
        self._register_atexit()
        try:
            self._open_workdir()
            if os.path.exists(self.path(self._database_marker)):
                raise RealmError(f"{self.workdir} already holds a Kerberos database")
            if not self._fixed_port:
                self.port = self._free_port(self._probe_host())
            self._write_configs()
            self._create_database()
            self._start_kdc_with_retries()
            self.kinit(self.user, self.user_password, ccache=self.ccache)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Kill the KDC (SIGTERM, then SIGKILL), reap it, remove the work dir.

        Idempotent; also run at interpreter exit for a realm left running.
        """
        if self._state != "running":
            return
        self._state = "stopped"
        try:
            self.stop_kdc()
        finally:
            self._close_workdir()
            self._unregister_atexit()

    def stop_kdc(self, timeout: float = 5.0) -> None:
        """Stop only the KDC (the realm's files stay): for "KDC unreachable" tests."""
        proc, self._kdc = self._kdc, None
        if proc is not None:
            stop_process(proc, timeout)

    def start_kdc(self) -> None:
        """Start the KDC again after :meth:`stop_kdc`, on the same port."""
        if self._state != "running":
            raise RealmError("start() the realm first")
        if not self.kdc_running:
            self._launch_kdc()

    def ensure_kdc(self) -> None:
        """Restart the KDC if a test stopped it (or it died)."""
        if self._state == "running" and not self.kdc_running:
            self._kdc = None
            self._launch_kdc()

    def wait(self) -> int:
        """Block until the KDC exits; return its exit status."""
        if self._kdc is None:
            raise RealmError("the KDC is not running")
        return self._kdc.wait()

    def describe(self, *, secrets: bool = False) -> Dict[str, Any]:
        """A JSON-able description of the realm (passwords only with ``secrets``)."""
        info: Dict[str, Any] = {
            "provider": self.provider,
            "realm": self.realm,
            "domain": self.domain,
            "hostname": self.hostname,
            "nodeleg_hostname": self.nodeleg_hostname,
            "kdc": hostport(self.kdc_host, self.port),
            "bind_address": self.bind_address,
            "port": self.port,
            "kdc_pid": self.kdc_pid,
            "workdir": self.workdir,
            "krb5_conf": self.krb5_conf,
            "kdc_conf": self.kdc_conf,
            "keytab": self.keytab,
            "ccache": self.ccache,
            "enctypes": list(self.enctypes),
            "user": self.user,
            "user2": self.user2,
            "disabled_user": self.disabled_user,
            "expired_user": self.expired_user,
            "services": {
                "http": self.http_service,
                "host": self.host_service,
                "mssql": self.mssql_service,
                "cifs": self.cifs_service,
                "nodeleg": self.nodeleg_service,
                **({"rc4": self.rc4_service} if self.rc4_service else {}),
            },
            "env": self.env,
        }
        if secrets:
            info["passwords"] = dict(self.passwords)
        return info

    # -- internals --------------------------------------------------------------

    def _probe_host(self) -> str:
        # "" binds every interface in Python's socket module, as "*" does for the KDCs.
        return "" if self.bind_address in ("", "*") else self.bind_address

    def _free_port(self, host: str) -> int:
        return find_free_port(host)

    def _create_database(self) -> None:
        raise NotImplementedError

    def _kdc_argv(self) -> List[str]:
        raise NotImplementedError

    def _kdc_env(self) -> Dict[str, str]:
        return self._tool_env()

    def _cheapest_enctype(self) -> str:
        for enctype in ("aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"):
            if enctype in self.enctypes:
                return enctype
        return self.enctypes[0]

    def _start_kdc_with_retries(self) -> None:
        attempts = 1 if self._fixed_port else _START_ATTEMPTS
        for attempt in range(attempts):
            if attempt:
                self.port = self._free_port(self._probe_host())
                self._write_configs()
            try:
                self._launch_kdc()
                return
            except _PortInUseError as exc:
                if self._fixed_port:
                    raise RealmError(str(exc)) from None
        raise RealmError(f"{self.kdc_program} found its port taken {attempts} times in a row")

    def _launch_kdc(self) -> None:
        out_path = self.path(f"{self.kdc_program}.out")
        log_path = self.path("kdc.log")
        log_offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        out_offset = os.path.getsize(out_path) if os.path.exists(out_path) else 0
        with open(out_path, "ab") as out:
            proc = spawn_daemon(self._kdc_argv(), env=self._kdc_env(), output=out, cwd=self.workdir)
        self._kdc = proc
        deadline = time.monotonic() + self.start_timeout
        while True:
            alive = proc.poll() is None
            # The ready marker is written only after every socket is bound (so a
            # foreign listener on our port cannot pass for our KDC).
            if alive:
                text = _read_from(log_path, log_offset) + _read_from(out_path, out_offset)
                if self._ready_marker in text:
                    if b"Address already in use" in text:
                        # Heimdal's kdc keeps running on the sockets it could bind.
                        self.stop_kdc()
                        raise _PortInUseError(f"port {self.port} is in use: {_tail(text)}")
                    if port_is_open(self.kdc_host, self.port):
                        return
            else:
                self._kdc = None
                text = _read_from(log_path, log_offset) + _read_from(out_path, out_offset)
                if b"Address already in use" in text:
                    raise _PortInUseError(f"port {self.port} is in use: {_tail(text)}")
                raise RealmError(
                    f"{self.kdc_program} exited with status {proc.returncode}: {_tail(text)}"
                )
            if time.monotonic() >= deadline:
                self.stop_kdc()
                raise RealmError(
                    f"{self.kdc_program} did not answer on {self.kdc_host}:{self.port}"
                    f" within {self.start_timeout} s"
                )
            time.sleep(0.001)


def _tail(text: bytes) -> str:
    return text.decode("utf-8", "replace").strip()


# -- choosing the KDC ----------------------------------------------------------------

#: The environment variable that chooses the KDC ("mit", the default, or "heimdal").
KDC_ENV: Final = "SSPI_COMPAT_KDC"
#: The KDCs a throwaway realm can run.
KDC_KINDS: Final = ("mit", "heimdal")


def kdc_kind(kind: Optional[str] = None) -> str:
    """``kind``, else ``$SSPI_COMPAT_KDC``, else ``"mit"``; ``ValueError`` if unknown."""
    chosen = (kind or os.environ.get(KDC_ENV) or "mit").strip().lower()
    if chosen not in KDC_KINDS:
        source = "kind" if kind else KDC_ENV
        raise ValueError(f"{source}={chosen!r}: the KDC is one of {', '.join(KDC_KINDS)}")
    return chosen


def realm_class(kind: Optional[str] = None) -> Type[KDCRealm]:
    """:class:`~sspi_compat.testing.mit.MITRealm` or
    :class:`~sspi_compat.testing.heimdal.HeimdalRealm`, chosen as :func:`kdc_kind` says."""
    if kdc_kind(kind) == "heimdal":
        from sspi_compat.testing.heimdal import HeimdalRealm

        return HeimdalRealm
    from sspi_compat.testing.mit import MITRealm

    return MITRealm


def make_realm(kind: Optional[str] = None, **kwargs: Any) -> KDCRealm:
    """A new (not yet started) realm of the chosen KDC; ``kwargs`` go to its constructor."""
    return realm_class(kind)(**kwargs)
