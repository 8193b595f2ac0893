"""A throwaway MIT Kerberos realm on loopback, run with MIT's own programs.

``MITRealm`` writes krb5.conf and kdc.conf into a work directory, creates the
database (``kdb5_util create -s``), the principals and the service keytab in
one batched ``kadmin.local``, starts ``krb5kdc -n`` as a child process bound
to ``127.0.0.1:<free port>`` only, and kinits the default user. It uses
subprocess only: no gssapi, no krb5 bindings, nothing else from sspi_compat.

Why not k5test: it listens on every interface at a fixed port base, so two
runs collide and a leftover KDC silently answers the next run (DESIGN §4).

Example::

    with MITRealm() as realm, realm.activate():
        ...  # KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME point into the realm
"""

from __future__ import annotations

import re
from typing import Any, Dict, Final, List, Mapping, Optional, Sequence

from sspi_compat.testing._profile import Profile, merge_profiles
from sspi_compat.testing._realm import (
    DEFAULT_ENCTYPES,
    DEFAULT_REALM,
    RC4_ENCTYPE,
    CommandError,
    KDCRealm,
    hostport,
    random_password,
)
from sspi_compat.testing._tools import MIT_TOOLS, find_tools
from sspi_compat.testing.ports import LOOPBACK, find_free_port

__all__ = [
    "DEFAULT_ENCTYPES",
    "RC4_ENCTYPE",
    "CommandError",
    "MITRealm",
]

# kadmin.local writes these to stderr when all is well.
_KADMIN_NOISE: Final = re.compile(
    r"^(No policy specified for .*; defaulting to no policy"
    r"|Authenticating as principal .* with password\.?"
    r"|WARNING: no policy specified .*)$"
)


def _kadmin_quote(arg: str) -> str:
    """Quote one argument for kadmin.local's command line parser (libss)."""
    if "\n" in arg or "\r" in arg:
        raise ValueError("kadmin arguments cannot contain newlines")
    if arg and not re.search(r"[\s\"']", arg):
        return arg
    return '"' + arg.replace('"', '""') + '"'


class MITRealm(KDCRealm):
    """A realm served by MIT ``krb5kdc`` on a free loopback port.

    Args: see :class:`~sspi_compat.testing._realm.KDCRealm`; in addition
        ``allow_rc4`` sets ``allow_weak_crypto`` and ``allow_rc4`` and gives
        :attr:`rc4_service` the ``session_enctypes`` string attribute
        ``rc4-hmac``; ``tool_dirs`` are searched first for MIT's programs.
    """

    provider = "mit"
    kdc_program = "krb5kdc"
    _ready_marker = b"starting..."
    _database_marker = "principal"

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
        super().__init__(
            realm,
            workdir,
            krb5_conf=krb5_conf,
            kdc_conf=kdc_conf,
            enctypes=enctypes,
            allow_rc4=allow_rc4,
            port=port,
            bind_address=bind_address,
            kdc_host=kdc_host,
            keep_workdir=keep_workdir,
            start_timeout=start_timeout,
            tool_dirs=tool_dirs,
        )

    # -- configuration ----------------------------------------------------------

    def kdc_conf_profile(self) -> Profile:
        """The contents of kdc.conf, as a profile dict."""
        listen = hostport(self.bind_address, self.port)
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

    # -- running programs -------------------------------------------------------

    def _find_tools(self, names: Sequence[str]) -> Dict[str, str]:
        return find_tools(names, self._tool_dirs)

    def _required_tools(self) -> Sequence[str]:
        return MIT_TOOLS  # this module's global, looked up at call time

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

    # -- internals --------------------------------------------------------------

    def _free_port(self, host: str) -> int:
        # Looked up in this module at call time, so that a test can patch it here.
        return find_free_port(host)

    def _kdc_argv(self) -> List[str]:
        return [self.tool("krb5kdc"), "-n"]

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
