"""Impersonation: what ImpersonateSecurityContext means on Linux.

Windows gives the calling *thread* the client's access token; everything
the thread does afterwards happens as the client, including
AcquireCredentialsHandle with no explicit identity, which then refers to
the client's logon session -- so with a delegated (forwarded) TGT in that
session the server can authenticate onward as the client.  Linux has no
access tokens, so this module keeps the two parts that carry over:

* **identity** -- who the thread is acting for (the client's name), which
  :func:`current` reports and ``sspi_compat.GetUserName`` answers with;
* **credentials** -- the client's delegated credential becomes the thread's
  default *initiator* credential (``gss.set_thread_initiator``), so that
  ``AcquireCredentialsHandle(None, "Kerberos"/"Negotiate",
  SECPKG_CRED_OUTBOUND, None, None, ...)`` on this thread yields it.

A context without a delegated credential -- the client did not delegate, the
service ticket was not ok-as-delegate, or the client asked for an
identify-level context (``ISC_REQ_IDENTIFY``) -- impersonates at *identify*
level: the identity is there, but default outbound credentials are not
(``SEC_E_NO_CREDENTIALS``), as a Windows thread impersonating an
identification-level token cannot reach the network as the client.

State is per thread (``threading.local``), replaced by a second
ImpersonateSecurityContext and cleared by RevertSecurityContext, as
``RevertToSelf`` clears the thread token.  The record holds its own
reference to the delegated credential, so deleting the context while
impersonating does not pull the credential from under the thread (a Windows
thread token also outlives the context handle).
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple, Optional

from .. import _status as s
from .. import gss
from .._status import SECURITY_STATUS
from ..mapping.flags import GSS_C_IDENTIFY_FLAG
from ._base import Context

__all__ = ["Impersonation", "begin", "current", "end", "logon_principal"]


class Impersonation(NamedTuple):
    """Who the calling thread is acting for."""

    client_name: str
    package: str
    delegated: Any  # the client's delegated GSS credential, or None
    identify_only: bool  # the client asked for an identify-level context

    def __repr__(self) -> str:
        return (f"Impersonation(client_name={self.client_name!r}, package={self.package!r}, "
                f"delegated={self.delegated is not None}, identify_only={self.identify_only})")


class _State(threading.local):
    record: Optional[Impersonation] = None


_state = _State()


def begin(ctx: Context) -> SECURITY_STATUS:
    """ImpersonateSecurityContext on ``ctx`` for the calling thread.

    ``SEC_E_NO_IMPERSONATION`` for a context the server cannot impersonate:
    an initiator (client-side) context, one not yet complete or failed, or
    one whose package knows no client name.
    """
    if ctx.initiator or not ctx.complete or ctx.failed:
        return s.SEC_E_NO_IMPERSONATION
    name = getattr(ctx, "client_name", None)
    if not isinstance(name, str) or not name:
        return s.SEC_E_NO_IMPERSONATION
    identify = bool(getattr(ctx, "gss_flags", 0) & GSS_C_IDENTIFY_FLAG)
    delegated = None if identify else getattr(ctx, "delegated", None)
    _state.record = Impersonation(name, ctx.package.name, delegated, identify)
    gss.set_thread_initiator(True, delegated)
    return s.SEC_E_OK


def end() -> None:
    """RevertSecurityContext / RevertToSelf: the thread acts for itself again."""
    _state.record = None
    gss.set_thread_initiator(False)


def current() -> Optional[Impersonation]:
    """The calling thread's impersonation, or None."""
    return _state.record


def logon_principal() -> Optional[str]:
    """The principal of the process's default credential (default ccache), if any.

    Not meaningful while impersonating (the default is then the client's).
    """
    try:
        cred = gss.acquire_default("initiate", None, gss.MECH_KRB5)
        name, _ = gss.cred_info(cred, gss.MECH_KRB5)
    except gss.GssFailure:
        return None
    return name
