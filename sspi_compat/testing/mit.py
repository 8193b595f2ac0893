"""A throwaway MIT Kerberos realm on loopback, run with MIT's own programs.

``MITRealm`` writes krb5.conf and kdc.conf into a work directory, creates the
database (``kdb5_util create -s``), the principals and the service keytab in
one batched ``kadmin.local``, starts ``krb5kdc -n`` as a child process bound
to ``127.0.0.1:<free port>`` only, and kinits the default user. It uses
subprocess only: no gssapi, no krb5 bindings, nothing else from sspi_compat.

Why not k5test: it listens on 0.0.0.0 at a fixed port base (61000), so two
runs collide and a leftover KDC silently answers the next run (DESIGN §4).

Example::

    with MITRealm() as realm, realm.activate():
        ...  # KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME point into the realm
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from typing import Any, Dict, Final, Mapping, Optional, Sequence

from sspi_compat.testing._process import spawn_daemon, stop_process
from sspi_compat.testing._profile import Profile, merge_profiles, render_profile
from sspi_compat.testing._realm import DEFAULT_REALM, Realm, random_password
from sspi_compat.testing._tools import MIT_TOOLS, RealmError, find_tools
from sspi_compat.testing.ports import LOOPBACK, find_free_port, is_wildcard, port_is_open

__all__ = [
    "DEFAULT_ENCTYPES",
    "RC4_ENCTYPE",
    "CommandError",
    "MITRealm",
]

#: The enctypes of a default realm, strongest first.
DEFAULT_ENCTYPES: Final = (
    "aes256-cts-hmac-sha1-96",
    "aes128-cts-hmac-sha1-96",
    "aes256-cts-hmac-sha384-192",
    "aes128-cts-hmac-sha256-128",
)
#: Added (last) by ``allow_rc4=True``.
RC4_ENCTYPE: Final = "rc4-hmac"

# kadmin.local writes these to stderr when all is well.
_KADMIN_NOISE: Final = re.compile(
    r"^(No policy specified for .*; defaulting to no policy"
    r"|Authenticating as principal .* with password\.?"
    r"|WARNING: no policy specified .*)$"
)
_START_ATTEMPTS: Final = 8


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


def _kadmin_quote(arg: str) -> str:
    """Quote one argument for kadmin.local's command line parser (libss)."""
    if "\n" in arg or "\r" in arg:
        raise ValueError("kadmin arguments cannot contain newlines")
    if arg and not re.search(r"[\s\"']", arg):
        return arg
    return '"' + arg.replace('"', '""') + '"'


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class MITRealm(Realm):
    """A realm served by MIT ``krb5kdc`` on a free loopback port.

    Args:
        realm: the realm name.
        workdir: where the files go; default a fresh temporary directory. A
            directory that did not exist before is removed by :meth:`stop`
            (override with ``keep_workdir``).
        krb5_conf, kdc_conf: extra settings merged into the generated files, as
            ``{section: {key: value}}`` (dict values are ``{ }`` subsections,
            lists repeat the key, ``None`` removes a key).
        enctypes: the enctypes of the database, the KDC and the clients.
        allow_rc4: add ``rc4-hmac`` (with ``allow_weak_crypto`` and
            ``allow_rc4``) and create :attr:`rc4_service`, whose only key and
            session enctype is RC4.
        port: the KDC port; 0 picks a free one (and retries if another process
            grabs it first).
        bind_address: the KDC's listening address. Keep the default
            ``127.0.0.1`` except in a container; a wildcard is reached through
            127.0.0.1.
        start_timeout: seconds to wait for the KDC to answer.
        tool_dirs: directories searched first for MIT's programs.
    """

    provider = "mit"

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
        self.kdc_host: str = LOOPBACK if is_wildcard(bind_address) else bind_address
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
            f"<MITRealm {self.realm} state={self._state} kdc={self.kdc_host}:{self.port}"
            f" pid={self.kdc_pid} workdir={self._workdir!r}>"
        )

    @property
    def services(self) -> tuple[str, ...]:
        rc4 = (self.rc4_service,) if self.rc4_service else ()
        return super().services + rc4

    # -- configuration ----------------------------------------------------------

    def krb5_conf_profile(self) -> Profile:
        """The contents of krb5.conf, as a profile dict."""
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
            # So that a program seeing only KRB5_CONFIG still stays inside the realm.
            "default_ccache_name": "FILE:" + self.ccache,
            "default_keytab_name": "FILE:" + self.keytab,
            "default_client_keytab_name": "FILE:" + self.client_keytab,
        }
        if self.allow_rc4:
            libdefaults["allow_weak_crypto"] = True
            libdefaults["allow_rc4"] = True
        base: Profile = {
            "libdefaults": libdefaults,
            "realms": {
                self.realm: {
                    "kdc": _hostport(self.kdc_host, self.port),
                    "default_domain": self.domain,
                }
            },
            "domain_realm": {"." + self.domain: self.realm, self.domain: self.realm},
        }
        return merge_profiles(base, self._extra_krb5_conf)

    def kdc_conf_profile(self) -> Profile:
        """The contents of kdc.conf, as a profile dict."""
        listen = _hostport(self.bind_address, self.port)
        base: Profile = {
            "kdcdefaults": {"kdc_listen": listen, "kdc_tcp_listen": listen},
            "realms": {
                self.realm: {
                    "database_name": self.path("principal"),
                    "key_stash_file": self.path("stash"),
                    "acl_file": self.path("kadm5.acl"),
                    "kdc_listen": listen,
                    "kdc_tcp_listen": listen,
                    "max_life": "1d",
                    "max_renewable_life": "7d",
                    "master_key_type": self.enctypes[0],
                    "supported_enctypes": " ".join(f"{e}:normal" for e in self.enctypes),
                    # As in Active Directory: AS requests need pre-authentication.
                    "default_principal_flags": "+preauth",
                }
            },
            "logging": {
                "kdc": "FILE:" + self.path("kdc.log"),
                "admin_server": "FILE:" + self.path("kadmin.log"),
                "default": "FILE:" + self.path("krb5lib.log"),
            },
        }
        return merge_profiles(base, self._extra_kdc_conf)

    def _write_configs(self) -> None:
        for path, profile in (
            (self.krb5_conf, self.krb5_conf_profile()),
            (self.kdc_conf, self.kdc_conf_profile()),
        ):
            with open(path, "w", encoding="utf-8") as f:
                f.write(render_profile(profile))

    # -- running programs -------------------------------------------------------

    def tool(self, name: str) -> str:
        """The absolute path of an MIT program (``krb5kdc``, ``kinit``, ...)."""
        if name not in self._tools:
            self._tools.update(find_tools([name], self._tool_dirs))
        return self._tools[name]

    def _tool_env(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["LC_ALL"] = "C"  # error texts that can be matched and read
        env.update(extra or {})
        return env

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

        A bare program name is looked up like MIT's tools. With ``check``, a
        non-zero exit raises :class:`CommandError` (with stderr, never stdin).
        """
        argv = list(argv)
        if argv and os.sep not in argv[0]:
            argv[0] = self.tool(argv[0])
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
        """Run kadmin.local commands in one process (fed on stdin, so that
        passwords stay out of ``ps``). Returns stdout without prompts and echoes;
        raises :class:`CommandError` if any command reported an error.
        """
        argv = [
            self.tool("kadmin.local"),
            "-r",
            self.realm,
            "-p",
            f"sspi-compat/admin@{self.realm}",
        ]
        proc = self.run(argv, input="".join(c + "\n" for c in commands), check=False)
        errors = [
            line
            for line in proc.stderr.splitlines()
            if line.strip() and not _KADMIN_NOISE.match(line.strip())
        ]
        if proc.returncode != 0 or errors:
            raise CommandError(argv, proc.returncode, "\n".join(errors))
        # stdout echoes every command after a prompt -- including -pw passwords.
        return "".join(
            line
            for line in proc.stdout.splitlines(keepends=True)
            if not line.startswith("kadmin.local:") and not _KADMIN_NOISE.match(line.strip())
        )

    def kadmin(self, command: str) -> str:
        """Run one kadmin.local command (a string, as typed at its prompt)."""
        return self.kadmin_batch([command])

    @staticmethod
    def _addprinc_command(principal: str, password: Optional[str], flags: Sequence[str]) -> str:
        args = ["addprinc", *flags]
        args += ["-pw", password] if password is not None else ["-randkey"]
        args.append(principal)
        return " ".join(_kadmin_quote(a) for a in args)

    def addprinc(self, name: str, password: Optional[str] = None, flags: Sequence[str] = ()) -> str:
        """Create a principal; ``password=None`` gives it random keys.

        ``flags`` are kadmin options, e.g. ``("+ok_as_delegate",)``,
        ``("-allow_tix",)``, ``("-expire", "2000-01-01")``. Returns the full
        principal name; the password is remembered in :attr:`passwords`.
        """
        principal = self.principal(name)
        self.kadmin(self._addprinc_command(principal, password, flags))
        if password is not None:
            self.passwords[principal] = password
        return principal

    def ktadd(self, name: str, keytab: Optional[str] = None) -> str:
        """Add the current keys of ``name`` to ``keytab`` (default :attr:`keytab`),
        without changing them. Returns the keytab path."""
        keytab = keytab or self.keytab
        self.kadmin(
            f"ktadd -k {_kadmin_quote(keytab)} -norandkey {_kadmin_quote(self.principal(name))}"
        )
        return keytab

    def kinit(
        self,
        principal: str,
        password: str,
        ccache: Optional[str] = None,
        forwardable: bool = True,
        extra_args: Sequence[str] = (),
    ) -> str:
        """Log ``principal`` on with MIT ``kinit`` (password on stdin).

        ``ccache`` defaults to a new FILE ccache in the work directory. Returns
        the ccache path (or the name given). Raises :class:`CommandError` when
        the KDC says no (wrong password, disabled, expired, unreachable).
        """
        if ccache is None:
            ccache = self.new_ccache_path(principal.split("@")[0])
        argv = [self.tool("kinit"), "-F" if not forwardable else "-f", "-c", ccache]
        argv += [*extra_args, self.principal(principal)]
        self.run(argv, input=password + "\n")
        return ccache

    def klist(self, ccache: Optional[str] = None) -> str:
        """``klist -e -f`` of a ccache (default: the realm's)."""
        return self.run([self.tool("klist"), "-e", "-f", "-c", ccache or self.ccache]).stdout

    def klist_keytab(self, keytab: Optional[str] = None) -> str:
        """``klist -e -k`` of a keytab (default: the service keytab)."""
        return self.run([self.tool("klist"), "-e", "-k", keytab or self.keytab]).stdout

    def kvno(self, service: str, ccache: Optional[str] = None) -> str:
        """Get a service ticket with MIT ``kvno`` (into ``ccache``, default the realm's)."""
        argv = [self.tool("kvno"), "-c", ccache or self.ccache, self.principal(service)]
        return self.run(argv).stdout

    # -- life cycle -------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Started and not stopped (the KDC itself may be stopped: see :attr:`kdc_running`)."""
        return self._state == "running"

    @property
    def kdc_pid(self) -> Optional[int]:
        """The PID of the running krb5kdc, or ``None``."""
        return self._kdc.pid if self._kdc is not None and self._kdc.poll() is None else None

    @property
    def kdc_running(self) -> bool:
        return self.kdc_pid is not None

    def start(self) -> MITRealm:
        """Create the realm and start its KDC. Idempotent while running.

        Fails with :class:`KerberosToolsMissingError` if MIT's programs are not
        installed, :class:`RealmError` if the KDC does not come up; in both
        cases everything already created is cleaned up.
        """
        if self._state == "running":
            return self
        if self._state == "stopped":
            raise RealmError("a stopped realm cannot be started again: make a new one")
        began = time.monotonic()
        self._tools.update(find_tools(MIT_TOOLS, self._tool_dirs))
        self._state = "running"
        self._register_atexit()
        try:
            self._open_workdir()
            if os.path.exists(self.path("principal")):
                raise RealmError(f"{self.workdir} already holds a Kerberos database")
            if not self._fixed_port:
                self.port = find_free_port(self._probe_host())
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
            "kdc": _hostport(self.kdc_host, self.port),
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
        return "0.0.0.0" if self.bind_address in ("", "*") else self.bind_address

    def _create_database(self) -> None:
        master = random_password()
        self.run(
            [self.tool("kdb5_util"), "-r", self.realm, "create", "-s", "-W"],
            input=f"{master}\n{master}\n",
        )
        with open(self.path("kadm5.acl"), "w", encoding="utf-8") as f:
            f.write(f"*/admin@{self.realm} *\n")
        # The KDC refuses these two before it uses any key, and PBKDF2 for the
        # SHA-2 enctypes costs ~40 ms a key: give them one cheap key only.
        one_key = ["-e", f"{self._cheapest_enctype()}:normal"]
        commands = [
            self._addprinc_command(self.user, self.user_password, ()),
            self._addprinc_command(self.user2, self.user2_password, ()),
            self._addprinc_command(
                self.disabled_user, self.disabled_password, ["-allow_tix", *one_key]
            ),
            self._addprinc_command(
                self.expired_user,
                self.expired_password,
                ["-expire", "2000-01-01 00:00:00 UTC", *one_key],
            ),
            self._addprinc_command(self.http_service, None, ["+ok_as_delegate"]),
            self._addprinc_command(self.host_service, None, ()),
            self._addprinc_command(self.mssql_service, None, ()),
            self._addprinc_command(self.cifs_service, None, ()),
            self._addprinc_command(self.nodeleg_service, None, ()),
        ]
        if self.rc4_service is not None:
            commands += [
                self._addprinc_command(self.rc4_service, None, ["-e", f"{RC4_ENCTYPE}:normal"]),
                f"setstr {_kadmin_quote(self.rc4_service)} session_enctypes {RC4_ENCTYPE}",
            ]
        commands.append(
            f"ktadd -k {_kadmin_quote(self.keytab)} -norandkey "
            + " ".join(_kadmin_quote(s) for s in self.services)
        )
        self.kadmin_batch(commands)

    def _cheapest_enctype(self) -> str:
        for enctype in ("aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"):
            if enctype in self.enctypes:
                return enctype
        return self.enctypes[0]

    def _start_kdc_with_retries(self) -> None:
        attempts = 1 if self._fixed_port else _START_ATTEMPTS
        for attempt in range(attempts):
            if attempt:
                self.port = find_free_port(self._probe_host())
                self._write_configs()
            try:
                self._launch_kdc()
                return
            except _PortInUseError as exc:
                if self._fixed_port:
                    raise RealmError(str(exc)) from None
        raise RealmError(f"krb5kdc found its port taken {attempts} times in a row")

    def _launch_kdc(self) -> None:
        out_path = self.path("krb5kdc.out")
        log_path = self.path("kdc.log")
        log_offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        out_offset = os.path.getsize(out_path) if os.path.exists(out_path) else 0
        with open(out_path, "ab") as out:
            proc = spawn_daemon(
                [self.tool("krb5kdc"), "-n"], env=self._tool_env(), output=out, cwd=self.workdir
            )
        self._kdc = proc
        deadline = time.monotonic() + self.start_timeout
        while True:
            # "starting..." is printed only after every socket is bound (so a
            # foreign listener on our port cannot pass for our KDC).
            if (
                proc.poll() is None
                and b"starting..." in _read_from(out_path, out_offset)
                and port_is_open(self.kdc_host, self.port)
            ):
                return
            if proc.poll() is not None:
                self._kdc = None
                text = _read_from(log_path, log_offset).decode("utf-8", "replace")
                text += _read_from(out_path, out_offset).decode("utf-8", "replace")
                if "Address already in use" in text:
                    raise _PortInUseError(f"port {self.port} is in use: {text.strip()}")
                raise RealmError(f"krb5kdc exited with status {proc.returncode}: {text.strip()}")
            if time.monotonic() >= deadline:
                self.stop_kdc()
                raise RealmError(
                    f"krb5kdc did not answer on {self.kdc_host}:{self.port}"
                    f" within {self.start_timeout} s"
                )
            time.sleep(0.001)


def _read_from(path: str, offset: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read()
    except FileNotFoundError:
        return b""
