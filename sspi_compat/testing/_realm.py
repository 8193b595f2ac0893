"""What every throwaway realm has, whichever KDC implements it.

The names, the principals and their passwords, the work directory and the
environment a Kerberos user of the realm needs. The KDC-specific part (MIT
here; Heimdal can follow) lives in a subclass that implements
:meth:`Realm.start` and :meth:`Realm.stop`.

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
import tempfile
from types import TracebackType
from typing import Dict, Final, Iterator, Optional, Tuple, Type, TypeVar

from sspi_compat.testing._tools import RealmError

__all__ = ["DEFAULT_REALM", "ENV_VARIABLES", "Realm", "random_password"]

DEFAULT_REALM: Final = "SSPI.TEST"

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


def random_password() -> str:
    """A fresh random password (URL-safe characters, 24 of them)."""
    return secrets.token_urlsafe(18)


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
        values = self.env
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
