"""A throwaway Heimdal realm on loopback, run with Heimdal's own programs.

``HeimdalRealm`` is :class:`~sspi_compat.testing.mit.MITRealm`'s twin: the same
names, principals, passwords, files, environment, methods and clean-up
guarantees, served by Heimdal's ``kdc`` and administered with Heimdal's
``kadmin -l``, ``kinit``, ``klist`` (``heimtools``), ``ktutil`` and
``kgetcred``. It uses subprocess only.

Where Heimdal comes from: Debian's Heimdal packages conflict with MIT's
(installing ``heimdal-kdc`` removes ``krb5-kdc``; DESIGN.md §4), so
``scripts/heimdal-prefix.sh`` unpacks them into a private prefix (default
``.heimdal/`` in the checkout; ``SSPI_COMPAT_HEIMDAL_PREFIX`` elsewhere) and
this module runs the programs from there with ``LD_LIBRARY_PATH`` pointing
at the private libraries. A system-wide Heimdal (``/usr/lib/heimdal-servers/kdc``)
is used when no prefix is found.

How it maps onto Heimdal (measured with Heimdal 7.8, Debian bookworm):

* ``kdc --testing`` serves in a single process (without it the KDC forks
  one worker per CPU, which would outlive a SIGKILLed master until they
  notice); ``--config-file`` names our kdc.conf, read before krb5.conf.
  ``[kdc] addresses``/``ports`` bind ``127.0.0.1:<port>`` for UDP and TCP.
  Heimdal does not exit when a port is taken: it logs "Address already in
  use" and serves on what it could bind, so the start-up reads its log.
* The database is ``db3:<workdir>/heimdal`` without a master key, written by
  one ``kadmin -l`` process fed on stdin (passwords never on a command line);
  keys come from ``[kadmin] default_keys`` (``pw-salt``), as many as
  :attr:`enctypes`. ``[kdc] require-preauth`` and ``requires-pre-auth`` on every
  user stand for MIT's ``default_principal_flags = +preauth``.
* ``kinit --password-file=STDIN``; Heimdal's kinit otherwise reads /dev/tty.
* ``disabled`` carries ``disallow-all-tix``: Heimdal answers
  KDC_ERR_POLICY ("KDC policy rejects request") where MIT answers
  KDC_ERR_CLIENT_REVOKED; both become SEC_E_LOGON_DENIED.
* :attr:`rc4_service` has only an arcfour-hmac-md5 key, so its session keys
  are RC4 as well (Heimdal picks the session enctype among the service's keys).

Example::

    with HeimdalRealm() as realm, realm.activate():
        realm.kvno(realm.http_service)
"""

from __future__ import annotations

import glob
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Final, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from sspi_compat.testing._profile import Profile, merge_profiles, render_profile
from sspi_compat.testing._realm import (
    DEFAULT_ENCTYPES,
    DEFAULT_REALM,
    RC4_ENCTYPE,
    CommandError,
    KDCRealm,
)
from sspi_compat.testing._tools import KerberosToolsMissingError, RealmError
from sspi_compat.testing.ports import LOOPBACK

__all__ = [
    "GSS_LIBRARY_ENV",
    "HEIMDAL_PREFIX_ENV",
    "HEIMDAL_TOOLS",
    "HeimdalInstall",
    "HeimdalRealm",
    "HeimdalToolsMissingError",
    "find_heimdal",
    "mit_keytab_layout",
    "mit_klist_layout",
    "python_gssapi_library",
]

#: Names the directory ``scripts/heimdal-prefix.sh`` unpacked Heimdal into.
HEIMDAL_PREFIX_ENV: Final = "SSPI_COMPAT_HEIMDAL_PREFIX"

#: Program -> (path under the install root, first arguments).
_PROGRAMS: Final[Mapping[str, Tuple[str, Tuple[str, ...]]]] = {
    "kdc": ("usr/lib/heimdal-servers/kdc", ()),
    "kadmin": ("usr/bin/kadmin.heimdal", ()),
    "kinit": ("usr/bin/kinit.heimdal", ()),
    "klist": ("usr/bin/heimtools", ("klist",)),  # klist.heimdal needs the sub-command
    "kdestroy": ("usr/bin/kdestroy.heimdal", ()),
    "ktutil": ("usr/bin/ktutil.heimdal", ()),
    "kgetcred": ("usr/bin/kgetcred", ()),
}

#: The programs a Heimdal realm needs.
HEIMDAL_TOOLS: Final[Sequence[str]] = ("kdc", "kadmin", "kinit", "klist", "ktutil", "kgetcred")

# The checkout this module lives in: scripts/heimdal-prefix.sh's default target.
_CHECKOUT_PREFIX: Final = str(Path(__file__).resolve().parents[2] / ".heimdal")
_SYSTEM_ROOT: Final = "/"

# The largest request the KDC reads (a 70 000-character SPN is a test case).
_MAX_REQUEST: Final = 1 << 20

# PBKDF2 with 32768 iterations (RFC 8009): ~40 ms a key.
_SLOW_ENCTYPES: Final = frozenset({"aes256-cts-hmac-sha384-192", "aes128-cts-hmac-sha256-128"})

# MIT kadmin principal flags (what MITRealm.addprinc takes) -> Heimdal attributes.
_ATTRIBUTES: Final[Mapping[str, str]] = {
    "+ok_as_delegate": "ok-as-delegate",
    "-allow_tix": "disallow-all-tix",
    "+requires_preauth": "requires-pre-auth",
    "+requires_hwauth": "requires-hw-auth",
    "+needchange": "requires-pw-change",
    "-allow_svr": "disallow-svr",
    "-allow_forwardable": "disallow-forwardable",
    "-allow_proxiable": "disallow-proxiable",
    "-allow_renewable": "disallow-renewable",
    "-allow_postdated": "disallow-postdated",
    "-allow_dup_skey": "disallow-dup-skey",
    "-allow_tgs_req": "disallow-tgt-based",
    "+ok_to_auth_as_delegate": "trusted-for-delegation",
}
# MIT kadmin options with a value -> Heimdal `add` options.
_VALUED: Final[Mapping[str, str]] = {
    "-expire": "--expiration-time",
    "-pwexpire": "--pw-expiration-time",
    "-maxlife": "--max-ticket-life",
    "-maxrenewlife": "--max-renewable-life",
    "-policy": "--policy",
}
# Flags that ask for what a Heimdal realm does anyway.
_DEFAULTS: Final = frozenset(
    {
        "+allow_tix",
        "+allow_svr",
        "+allow_forwardable",
        "+allow_proxiable",
        "+allow_renewable",
        "+allow_postdated",
        "+allow_dup_skey",
        "+allow_tgs_req",
        "-ok_as_delegate",
        "-needchange",
        "-requires_hwauth",
        "-ok_to_auth_as_delegate",
    }
)


class HeimdalToolsMissingError(KerberosToolsMissingError):
    """Heimdal's programs are not where they were looked for: the message says how to fix it."""

    def __init__(self, missing: Sequence[str], searched: Sequence[str]) -> None:
        self.missing = tuple(missing)
        self.searched = tuple(searched)
        RealmError.__init__(
            self,
            "Heimdal programs not found: "
            + ", ".join(self.missing)
            + " (looked in "
            + ", ".join(self.searched)
            + "). Unpack Heimdal beside MIT with scripts/heimdal-prefix.sh [PREFIX], then"
            f" set {HEIMDAL_PREFIX_ENV}=PREFIX unless PREFIX is the checkout's .heimdal/."
            " (apt-get install heimdal-kdc would remove MIT's krb5-kdc.)",
        )


class HeimdalInstall(NamedTuple):
    """Where Heimdal's files are: ``root`` holds ``usr/``; ``libdir`` its libraries."""

    root: str
    libdir: Optional[str]

    def program(self, name: str) -> str:
        return os.path.join(self.root, _PROGRAMS[name][0])


def _install_at(prefix: str) -> Optional[HeimdalInstall]:
    for root in (os.path.join(prefix, "root"), prefix):
        if os.path.isfile(os.path.join(root, _PROGRAMS["kdc"][0])):
            root = os.path.abspath(root)
            if root == _SYSTEM_ROOT:
                return HeimdalInstall(root, None)
            libs = sorted(glob.glob(os.path.join(root, "usr", "lib", "*", "libkrb5.so.26")))
            return HeimdalInstall(root, os.path.dirname(libs[0]) if libs else None)
    return None


def heimdal_prefixes(prefix: Optional[str] = None) -> List[str]:
    """Where :func:`find_heimdal` looks, in order."""
    candidates = [prefix] if prefix else []
    env = os.environ.get(HEIMDAL_PREFIX_ENV)
    if env:
        candidates.append(env)
    if not prefix and not env:
        candidates += [_CHECKOUT_PREFIX, "/opt/heimdal", _SYSTEM_ROOT]
    return candidates


def find_heimdal(prefix: Optional[str] = None) -> HeimdalInstall:
    """Locate Heimdal: ``prefix``, else ``$SSPI_COMPAT_HEIMDAL_PREFIX``, else the
    checkout's ``.heimdal/``, ``/opt/heimdal``, then a system-wide install.

    A prefix is the directory scripts/heimdal-prefix.sh made (it holds
    ``root/usr/...``) or a root holding ``usr/lib/heimdal-servers/kdc`` itself.
    """
    searched = heimdal_prefixes(prefix)
    for candidate in searched:
        found = _install_at(candidate)
        if found is not None:
            return found
    raise HeimdalToolsMissingError([_PROGRAMS["kdc"][0]], searched)


# -- kadmin's command line ----------------------------------------------------------


def _sl_make_argv(line: str) -> Optional[List[str]]:
    """How Heimdal's kadmin splits a line (lib/sl/sl.c ``sl_make_argv``); None: it fails.

    Note the original's quirk, reproduced: after a backslash escape the
    character following the escaped one is not interpreted either.
    """
    chars = list(line)
    args: List[str] = []
    i = 0
    while i < len(chars) and chars[i].isspace():
        i += 1
    begin, quote = i, False
    while True:
        if i >= len(chars):
            pass
        elif chars[i] == '"':
            quote = not quote
            del chars[i]
            continue
        elif chars[i] == "\\":
            if i + 1 >= len(chars):
                return None
            del chars[i]
            i += 2
            continue
        elif quote or not chars[i].isspace():
            i += 1
            continue
        if quote:
            return None
        end = min(i, len(chars))
        args.append("".join(chars[begin:end]))
        i = end + 1
        while i < len(chars) and chars[i].isspace():
            i += 1
        if i >= len(chars):
            break
        begin = i
    return args


def kadmin_line(args: Sequence[str]) -> str:
    """One kadmin command line whose words are exactly ``args``.

    Raises ``ValueError`` for what kadmin's parser cannot express (a newline,
    a backslash or quote next to another special character).
    """
    words = []
    for arg in args:
        if "\n" in arg or "\r" in arg:
            raise ValueError("kadmin arguments cannot contain newlines")
        if arg and not re.search(r'[\s"\\]', arg):
            words.append(arg)
        else:
            words.append('"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"')
    line = " ".join(words)
    if _sl_make_argv(line) != list(args):
        raise ValueError("this argument cannot be written on a Heimdal kadmin command line")
    return line


class HeimdalRealm(KDCRealm):
    """A realm served by Heimdal's ``kdc`` on a free loopback port.

    Args: those of :class:`~sspi_compat.testing._realm.KDCRealm`, plus
        ``prefix``: where Heimdal was unpacked (see :func:`find_heimdal`).
        ``tool_dirs`` are searched first for Heimdal's program files
        (``kdc``, ``kadmin.heimdal``, ``heimtools``, ...).

    Differences from :class:`~sspi_compat.testing.mit.MITRealm` (the method
    names and arguments are the same):

    * :meth:`kadmin` / :meth:`kadmin_batch` take Heimdal's kadmin commands
      (``get``, ``modify``, ``ext_keytab``, ...), not kadmin.local's.
    * :meth:`addprinc` takes MIT's flags (``+ok_as_delegate``, ``-allow_tix``,
      ``-expire DATE``, ``-e ENCTYPE:SALT``, ...) and translates them; Heimdal
      options (``--attributes=...``) pass through.
    * :meth:`klist`, :meth:`klist_keytab` and :meth:`kvno` print what MIT's
      ``klist -e -f``, ``klist -e -k`` and ``kvno`` print (rebuilt from
      Heimdal's ``klist -v``, ``ktutil list`` and ``kgetcred``).
    * error texts are Heimdal's ("KDC policy rejects request" for the
      disabled user, "Client (...) expired" for the expired one).
    """

    provider = "heimdal"
    kdc_program = "kdc"
    # Logged after every socket was bound (or failed to bind: see _launch_kdc).
    _ready_marker = b"KDC started"
    _database_marker = "heimdal.db"

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
        prefix: Optional[str] = None,
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
        self._prefix = prefix
        self._install: Optional[HeimdalInstall] = None

    # -- configuration ----------------------------------------------------------

    def kdc_conf_profile(self) -> Profile:
        """The contents of kdc.conf (Heimdal's: ``[kdc]``, ``[kadmin]``), as a profile dict."""
        return self._kdc_conf_with_keys(self.enctypes)

    def _kdc_conf_with_keys(self, enctypes: Sequence[str]) -> Profile:
        kdc: Dict[str, Any] = {
            "database": {
                "dbname": "db3:" + self.path("heimdal"),
                "realm": self.realm,
                "acl_file": self.path("kadmind.acl"),
                "log_file": self.path("heimdal.iprop"),
                "mkey_file": self.path("m-key"),
            },
            "ports": str(self.port),
            # As in Active Directory: AS requests need pre-authentication.
            "require-preauth": True,
            "enable-http": False,
            "num-kdc-processes": 1,
        }
        # No [kdc] addresses = every local address, one socket each (in a container).
        if self.bind_address not in ("", "*"):
            kdc["addresses"] = self.bind_address
        keys = " ".join(f"{_heimdal_enctype(e)}:pw-salt" for e in enctypes)
        base: Profile = {
            "kdc": kdc,
            "kadmin": {"default_keys": keys},
            "logging": {
                "kdc": "FILE:" + self.path("kdc.log"),
                "kadmin": "FILE:" + self.path("kadmin.log"),
                "default": "FILE:" + self.path("krb5lib.log"),
            },
        }
        return merge_profiles(base, self._extra_kdc_conf)

    # -- running programs -------------------------------------------------------

    @property
    def install(self) -> HeimdalInstall:
        """Where Heimdal's programs and libraries are (found on first use)."""
        if self._install is None:
            self._install = find_heimdal(self._prefix)
        return self._install

    def _required_tools(self) -> Sequence[str]:
        return HEIMDAL_TOOLS

    def _find_tools(self, names: Sequence[str]) -> Dict[str, str]:
        try:
            install = self.install
        except HeimdalToolsMissingError as exc:
            raise HeimdalToolsMissingError([_PROGRAMS[n][0] for n in names], exc.searched) from None
        found: Dict[str, str] = {}
        missing: List[str] = []
        for name in names:
            if name not in _PROGRAMS:
                raise RealmError(f"not one of Heimdal's programs here: {name!r}")
            relative = _PROGRAMS[name][0]
            dirs = [*(self._tool_dirs or ()), os.path.join(install.root, os.path.dirname(relative))]
            for directory in dirs:
                path = os.path.join(directory, os.path.basename(relative))
                if os.path.isfile(path) and os.access(path, os.X_OK):
                    found[name] = path
                    break
            else:
                missing.append(relative)
        if missing:
            raise HeimdalToolsMissingError(missing, [install.root])
        return found

    def _command(self, name: str) -> List[str]:
        if name in _PROGRAMS:
            return [self.tool(name), *_PROGRAMS[name][1]]
        return [name]  # another program: found on $PATH by subprocess

    def _tool_env(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        env = super()._tool_env(extra)
        libdir = self.install.libdir
        if libdir:
            old = env.get("LD_LIBRARY_PATH")
            env["LD_LIBRARY_PATH"] = libdir + (os.pathsep + old if old else "")
        return env

    def kadmin_batch(self, commands: Sequence[str], *, config: Optional[str] = None) -> str:
        """Run Heimdal ``kadmin -l`` commands in one process, fed on stdin (so
        that passwords stay out of ``ps``); returns stdout. Raises
        :class:`CommandError` if any command reported an error (kadmin then
        exits 1 and says so on stderr). ``config``: another kdc.conf.
        """
        config = config or self.kdc_conf
        argv = [*self._command("kadmin"), "-l", "-c", config, "-r", self.realm]
        proc = self.run(argv, input="".join(c + "\n" for c in commands), check=False)
        errors = [line for line in proc.stderr.splitlines() if line.strip()]
        if proc.returncode != 0 or errors:
            raise CommandError(argv, proc.returncode, "\n".join(errors))
        return proc.stdout

    def _add_commands(
        self,
        principal: str,
        password: Optional[str],
        flags: Sequence[str],
        config_enctypes: Optional[Sequence[str]] = None,
    ) -> List[str]:
        """kadmin lines creating ``principal`` with MIT-style ``flags`` translated.

        ``config_enctypes``: the ``default_keys`` of the kadmin that runs them
        (default :attr:`enctypes`); keys it makes that are not wanted are
        deleted, wanted ones it does not make are added (random keys only).
        """
        attributes = ["requires-pre-auth"] if password is not None else []
        options: List[str] = []
        only_enctypes: List[str] = []
        rest = list(flags)
        while rest:
            flag = rest.pop(0)
            if flag in _ATTRIBUTES:
                attributes.append(_ATTRIBUTES[flag])
            elif flag == "-requires_preauth":
                attributes = [a for a in attributes if a != "requires-pre-auth"]
            elif flag in _DEFAULTS:
                pass
            elif flag in _VALUED or flag == "-e":
                if not rest:
                    raise ValueError(f"kadmin flag {flag} needs a value")
                value = rest.pop(0)
                if flag == "-e":
                    only_enctypes += [_heimdal_enctype(v.split(":")[0]) for v in value.split()]
                else:
                    options.append(f"{_VALUED[flag]}={_heimdal_time(value)}")
            elif flag.startswith("--"):
                options.append(flag)  # a Heimdal option, as is
            else:
                raise ValueError(f"no Heimdal equivalent known for the kadmin flag {flag!r}")
        args = ["add", "--use-defaults"]
        args += [f"--password={password}"] if password is not None else ["--random-key"]
        if attributes:
            args.append("--attributes=" + ",".join(dict.fromkeys(attributes)))
        lines = [kadmin_line([*args, *options, principal])]
        made = [_heimdal_enctype(e) for e in (config_enctypes or self.enctypes)]
        wanted = only_enctypes or [_heimdal_enctype(e) for e in self.enctypes]
        extra = [e for e in made if e not in wanted]
        lacking = [e for e in wanted if e not in made]
        if lacking and password is not None:
            raise RealmError(f"kadmin cannot derive {', '.join(lacking)} keys from a password here")
        if lacking:
            lines.append(kadmin_line(["add_enctype", "--random-key", principal, *lacking]))
        if extra:
            lines.append(kadmin_line(["del_enctype", principal, *extra]))
        return lines

    def addprinc(self, name: str, password: Optional[str] = None, flags: Sequence[str] = ()) -> str:
        """Create a principal; ``password=None`` gives it random keys.

        ``flags`` are MIT kadmin options, translated: ``+ok_as_delegate``,
        ``-allow_tix``, ``+requires_preauth``, ``-expire DATE``,
        ``-e "ENCTYPE:SALT ..."`` (keeps only those keys), ... -- or Heimdal
        ``add`` options starting with ``--``. Returns the full principal name;
        the password is remembered in :attr:`passwords`.
        """
        principal = self.principal(name)
        self.kadmin_batch(self._add_commands(principal, password, flags))
        if password is not None:
            self.passwords[principal] = password
        return principal

    def ktadd(self, name: str, keytab: Optional[str] = None) -> str:
        """Add the current keys of ``name`` to ``keytab`` (default :attr:`keytab`)
        with ``ext_keytab``, which (locally) does not change them. Returns the path."""
        keytab = keytab or self.keytab
        self.kadmin(kadmin_line(["ext_keytab", "-k", keytab, self.principal(name)]))
        return keytab

    def kinit(
        self,
        principal: str,
        password: str,
        ccache: Optional[str] = None,
        forwardable: bool = True,
        extra_args: Sequence[str] = (),
    ) -> str:
        """Log ``principal`` on with Heimdal ``kinit --password-file=STDIN``.

        ``ccache`` defaults to a new FILE ccache in the work directory. Returns
        the ccache path (or the name given). Raises :class:`CommandError` when
        the KDC says no (wrong password, disabled, expired, unreachable).
        """
        if ccache is None:
            ccache = self.new_ccache_path(principal.split("@")[0])
        argv = [*self._command("kinit"), "--password-file=STDIN", "-c", ccache]
        argv += ["--forwardable" if forwardable else "--no-forwardable", *extra_args]
        argv.append(self.principal(principal))
        self.run(argv, input=password + "\n")
        return ccache

    def klist(self, ccache: Optional[str] = None) -> str:
        """The tickets of a ccache (default: the realm's) in MIT ``klist -e -f``'s
        layout, made from Heimdal's ``klist -v`` (so that what parses one parses both;
        Heimdal's own text: ``realm.run(["klist", "-v", "-c", ccache])``)."""
        verbose = self.run([*self._command("klist"), "-v", "-c", ccache or self.ccache]).stdout
        return mit_klist_layout(verbose)

    def klist_keytab(self, keytab: Optional[str] = None) -> str:
        """The keys of a keytab (default: the service keytab) in MIT ``klist -e -k``'s
        layout, made from Heimdal's ``ktutil list``."""
        keytab = keytab or self.keytab
        listing = self.run([*self._command("ktutil"), "-k", keytab, "list"]).stdout
        return mit_keytab_layout(keytab, listing)

    def kvno(self, service: str, ccache: Optional[str] = None) -> str:
        """Get a service ticket with Heimdal ``kgetcred`` (into ``ccache``, default the
        realm's); returns ``"<service>: kvno = N"`` as MIT's kvno prints it."""
        ccache = ccache or self.ccache
        principal = self.principal(service)
        self.run([*self._command("kgetcred"), "-c", ccache, principal])
        listing = self.run([*self._command("klist"), "-v", "-c", ccache]).stdout
        for block in listing.split("\n\n"):
            if re.search(rf"^Server: {re.escape(principal)}$", block, re.M):
                match = re.search(r"^Ticket etype: .*, kvno (\d+)", block, re.M)
                if match:
                    return f"{principal}: kvno = {match.group(1)}\n"
        raise RealmError(f"kgetcred stored no ticket for {principal} in {ccache}")

    # -- internals --------------------------------------------------------------

    def _kdc_argv(self) -> List[str]:
        # --max-request: 64 KiB by default (MIT's KDC takes more); Heimdal 7.8 reads
        # [kdc] max-request wrongly (config.c parses the command-line value), so here.
        return [
            *self._command("kdc"),
            "--testing",
            f"--config-file={self.kdc_conf}",
            f"--max-request={_MAX_REQUEST}",
        ]

    def _create_database(self) -> None:
        with open(self.path("kadmind.acl"), "w", encoding="utf-8") as f:
            f.write(f"*/admin@{self.realm} all\n")
        # Heimdal derives every key of `add` -- even --random-key, which first
        # sets a dummy password -- with its own PBKDF2: ~5 ms a key for the
        # SHA-1 AES enctypes, ~40 ms for the SHA-2 ones (32768 iterations). So
        # everything without a password is made by a kadmin whose default_keys
        # is one key, and the other keys are added as random keys (add_enctype);
        # the first key stays aes256-cts-hmac-sha1-96, which encrypts the TGTs
        # as with MIT. disabled and expired get that one key only, as with MIT:
        # the KDC refuses them before it uses a key.
        cheap = [self._cheapest_enctype()]
        others = [_heimdal_enctype(e) for e in self.enctypes if e not in cheap]
        quick_conf = self.path("kadmin-quick.conf")
        with open(quick_conf, "w", encoding="utf-8") as f:
            f.write(render_profile(self._kdc_conf_with_keys(cheap)))
        one_key = ["-e", f"{self._cheapest_enctype()}:normal"]
        quick = [
            kadmin_line(
                ["init", "--realm-max-ticket-life=1d", "--realm-max-renewable-life=7d", self.realm]
            ),
            *(
                [kadmin_line(["add_enctype", "--random-key", f"krbtgt/{self.realm}", *others])]
                if others
                else []
            ),
            *self._add_commands(
                self.disabled_user, self.disabled_password, ["-allow_tix", *one_key], cheap
            ),
            *self._add_commands(
                self.expired_user, self.expired_password, ["-expire", "2000-01-01", *one_key], cheap
            ),
            *self._add_commands(self.http_service, None, ["+ok_as_delegate"], cheap),
            *self._add_commands(self.host_service, None, (), cheap),
            *self._add_commands(self.mssql_service, None, (), cheap),
            *self._add_commands(self.cifs_service, None, (), cheap),
            *self._add_commands(self.nodeleg_service, None, (), cheap),
        ]
        if self.rc4_service is not None:
            quick += self._add_commands(
                self.rc4_service, None, ["-e", f"{RC4_ENCTYPE}:normal"], cheap
            )
        self.kadmin_batch(quick, config=quick_conf)
        self.kadmin_batch(
            [
                *self._add_commands(self.user, self.user_password, ()),
                *self._add_commands(self.user2, self.user2_password, ()),
                kadmin_line(["ext_keytab", "-k", self.keytab, *self.services]),
            ]
        )


def _heimdal_enctype(enctype: str) -> str:
    """MIT's enctype name -> Heimdal's (only RC4's differs)."""
    return "arcfour-hmac-md5" if enctype in ("rc4-hmac", "arcfour-hmac") else enctype


def _heimdal_time(value: str) -> str:
    """``2000-01-01 00:00:00 UTC`` (kadmin.local) -> ``2000-01-01`` (Heimdal's parser)."""
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?: 00:00(?::00)?)?(?: UTC)?$", value.strip())
    return match.group(1) if match else value


#: Overrides :func:`python_gssapi_library` ("heimdal" or "mit").
GSS_LIBRARY_ENV: Final = "SSPI_COMPAT_GSS_LIBRARY"


def python_gssapi_library() -> str:
    """Which GSS library the installed python-gssapi is linked with, without importing it.

    ``"heimdal"`` (``libgssapi.so.3``), ``"mit"`` (``libgssapi_krb5.so.2``) or
    ``"unknown"`` (not installed, or another platform), read from the
    DT_NEEDED names in its extension modules; ``$SSPI_COMPAT_GSS_LIBRARY``
    overrides. Importing gssapi would be harmless, but this package never does.
    """
    forced = os.environ.get(GSS_LIBRARY_ENV, "").strip().lower()
    if forced:
        return forced
    try:
        import importlib.util

        spec = importlib.util.find_spec("gssapi")
    except (ImportError, ValueError):
        return "unknown"
    if spec is None or not spec.submodule_search_locations:
        return "unknown"
    for location in spec.submodule_search_locations:
        for module in sorted(glob.glob(os.path.join(location, "raw", "misc*.so"))):
            try:
                with open(module, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if b"libgssapi_krb5.so" in data:
                return "mit"
            if b"libgssapi.so.3" in data:
                return "heimdal"
    return "unknown"


# Heimdal's ticket flag names -> MIT klist's letters, in MIT's order (klist.c).
_FLAG_LETTERS: Final = (
    ("forwardable", "F"),
    ("forwarded", "f"),
    ("proxiable", "P"),
    ("proxy", "p"),
    ("may-postdate", "D"),
    ("postdated", "d"),
    ("renewable", "R"),
    ("initial", "I"),
    ("invalid", "i"),
    ("pre-authent", "A"),
    ("hw-authent", "H"),
    ("transited-policy-checked", "T"),
    ("ok-as-delegate", "O"),
    ("anonymous", "a"),
)
# Heimdal's enctype names that MIT spells otherwise.
_MIT_ENCTYPE_NAMES: Final = {"arcfour-hmac-md5": "arcfour-hmac"}


def _mit_time(heimdal_time: str) -> str:
    """``Nov 25 16:54:15 2026`` (Heimdal, LC_ALL=C) -> ``11/25/26 16:54:15`` (MIT)."""
    text = heimdal_time.replace("(expired)", "").strip()
    try:
        return datetime.strptime(text, "%b %d %H:%M:%S %Y").strftime("%m/%d/%y %H:%M:%S")
    except ValueError:
        return text


def mit_klist_layout(verbose: str) -> str:
    """Heimdal's ``klist -v`` as MIT's ``klist -e -f`` prints the same ccache."""
    blocks = [b for b in verbose.strip().split("\n\n") if b.strip()]
    head: Dict[str, str] = {}
    tickets: List[Dict[str, str]] = []
    for block in blocks:
        fields: Dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.strip().partition(":")
            if sep:
                fields.setdefault(key.strip(), value.strip())
        if "Server" in fields:
            tickets.append(fields)
        else:
            head.update(fields)
    lines = [
        f"Ticket cache: {head.get('Credentials cache', '')}",
        f"Default principal: {head.get('Principal', '')}",
        "",
        "Valid starting     Expires            Service principal",
    ]
    for t in tickets:
        start = t.get("Start time") or t.get("Auth time", "")
        lines.append(f"{_mit_time(start)}  {_mit_time(t.get('End time', ''))}  {t['Server']}")
        if t.get("Renew till"):
            lines.append(f"\trenew until {_mit_time(t['Renew till'])}")
        names = {n.strip() for n in t.get("Ticket flags", "").split(",")}
        letters = "".join(letter for name, letter in _FLAG_LETTERS if name in names)
        tkt = t.get("Ticket etype", "").split(",")[0].strip()
        skey = t.get("Session key", "").split(",")[0].strip() or tkt
        tkt, skey = (_MIT_ENCTYPE_NAMES.get(e, e) for e in (tkt, skey))
        lines.append(f"\tFlags: {letters}, Etype (skey, tkt): {skey}, {tkt} ")
    return "\n".join(lines) + "\n"


def mit_keytab_layout(keytab: str, listing: str) -> str:
    """Heimdal's ``ktutil list`` as MIT's ``klist -e -k`` prints the same keytab."""
    lines = [
        f"Keytab name: FILE:{keytab}",
        "KVNO Principal",
        "---- " + "-" * 74,
    ]
    for line in listing.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0].isdigit():
            enctype = _MIT_ENCTYPE_NAMES.get(words[1], words[1])
            lines.append(f"{int(words[0]):4d} {words[2]} ({enctype}) ")
    return "\n".join(lines) + "\n"
