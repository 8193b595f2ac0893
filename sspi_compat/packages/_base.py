"""What every security package provides, and the state objects handles name.

``_api`` resolves handles, checks the C-level arguments and calls one of
these methods; the package decides the SSPI status (through the mapping
layer for GSS failures) and fills the caller's structures.  A package
method returns a SECURITY_STATUS and never raises for SSPI failures.
"""

from __future__ import annotations

import time
from typing import Any, Optional, Tuple

from .. import _status as s
from .._status import SECURITY_STATUS
from .._types import SecPkgInfo

__all__ = ["Context", "Credential", "SecurityPackage"]


class Credential:
    """State behind a CredHandle."""

    def __init__(self, package: SecurityPackage, use: int) -> None:
        self.package = package
        self.use = use
        self.expiry: Optional[float] = None  # epoch seconds, None = never

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.package.name} use={self.use:#x}>"


class Context:
    """State behind a CtxtHandle."""

    def __init__(self, package: SecurityPackage, cred: Credential, initiator: bool) -> None:
        self.package = package
        self.cred = cred
        self.initiator = initiator
        self.attrs = 0  # ISC_RET_* / ASC_RET_* reported to the caller
        self.expiry: Optional[float] = None
        self.complete = False
        self.failed = False
        self.started = time.time()

    def __repr__(self) -> str:
        side = "initiator" if self.initiator else "acceptor"
        return f"<{type(self).__name__} {self.package.name} {side} complete={self.complete}>"


class SecurityPackage:
    """Base class: every operation answers SEC_E_UNSUPPORTED_FUNCTION until overridden."""

    name = ""
    comment = ""
    capabilities = 0
    version = 1
    rpcid = 0
    max_token = 0

    def info(self) -> SecPkgInfo:
        """A fresh SecPkgInfo (callers may keep and modify theirs)."""
        return SecPkgInfo(self.capabilities, self.version, self.rpcid, self.max_token,
                          self.name, self.comment)

    def available(self) -> bool:
        """Whether the package can work here (NTLM: gss-ntlmssp found).

        An unavailable package is left out of EnumerateSecurityPackages and
        is SEC_E_SECPKG_NOT_FOUND for every call naming it.
        """
        return True

    def acquire_credentials(self, principal: Optional[str], use: int, auth: Any,
                            ) -> Tuple[SECURITY_STATUS, Optional[Credential]]:
        return s.SEC_E_UNSUPPORTED_FUNCTION, None

    def initialize(self, cred: Credential, ctx: Optional[Context], target: Optional[str],
                   req: int, inputs: Any, output: Any,
                   ) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        return s.SEC_E_UNSUPPORTED_FUNCTION, None

    def accept(self, cred: Credential, ctx: Optional[Context], inputs: Any, req: int,
               output: Any) -> Tuple[SECURITY_STATUS, Optional[Context]]:
        return s.SEC_E_UNSUPPORTED_FUNCTION, None

    def query_context(self, ctx: Context, attribute: int, buffer: Any) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION

    def query_credentials(self, cred: Credential, attribute: int, buffer: Any,
                          ) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION

    def delete_context(self, ctx: Context) -> None:
        """Release what the context holds."""

    def free_credentials(self, cred: Credential) -> None:
        """Release what the credential holds."""

    def complete_auth_token(self, ctx: Context, token: Any) -> SECURITY_STATUS:
        # Kerberos, Negotiate and NTLM never return SEC_I_COMPLETE_NEEDED, so
        # there is nothing to complete (CompleteAuthToken remark).
        return s.SEC_E_OK

    # Message protection (overridden by packages that support it).
    def make_signature(self, ctx: Context, qop: int, message: Any, seqno: int,
                       ) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION

    def verify_signature(self, ctx: Context, message: Any, seqno: int, qop_out: Any,
                         ) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION

    def encrypt_message(self, ctx: Context, qop: int, message: Any, seqno: int,
                        ) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION

    def decrypt_message(self, ctx: Context, message: Any, seqno: int, qop_out: Any,
                        ) -> SECURITY_STATUS:
        return s.SEC_E_UNSUPPORTED_FUNCTION
