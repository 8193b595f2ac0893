"""The gss layer: the only modules that import python-gssapi.

Everything above talks to GSS through the plain functions of :mod:`.calls`
and receives opaque handles (credentials, contexts, names) and plain Python
values; failures arrive as :class:`GssFailure`.
"""

from .calls import (
    MECH_KRB5,
    MECH_NTLM,
    MECH_SPNEGO,
    AcceptResult,
    ContextInfo,
    InitResult,
    accept,
    acquire_default,
    acquire_keytab,
    acquire_password,
    cred_info,
    delete,
    export_context,
    export_cred,
    get_mic,
    import_context,
    import_cred,
    init,
    inquire,
    mech_available,
    session_key,
    set_thread_initiator,
    thread_impersonating,
    unwrap,
    verify_mic,
    wrap,
)
from .errors import GssFailure

__all__ = [
    "MECH_KRB5",
    "MECH_NTLM",
    "MECH_SPNEGO",
    "AcceptResult",
    "ContextInfo",
    "GssFailure",
    "InitResult",
    "accept",
    "acquire_default",
    "acquire_keytab",
    "acquire_password",
    "cred_info",
    "delete",
    "export_context",
    "export_cred",
    "get_mic",
    "import_context",
    "import_cred",
    "init",
    "inquire",
    "mech_available",
    "session_key",
    "set_thread_initiator",
    "thread_impersonating",
    "unwrap",
    "verify_mic",
    "wrap",
]
