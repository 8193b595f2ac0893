"""The one failure type of the gss layer.

Every GSS failure leaves this layer as :class:`GssFailure`, carrying the
major and minor status, the mechanism, the error token the mechanism wanted
to send, and the library's own message.  The mapping layer turns it into a
SECURITY_STATUS; nothing above this layer sees a python-gssapi exception.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["GssFailure"]


class GssFailure(Exception):  # noqa: N818 - "failure" reads better than GssError here
    """A failed GSS call.

    ``major`` is the full major status (calling, routine and supplementary
    bits); ``minor`` the mechanism's minor status as an unsigned 32-bit
    number; ``krb5`` says whether the minor code is a krb5 error code (plain
    Kerberos mechanism) and may be matched against krb5's error table;
    ``token`` is an error token (e.g. a KRB-ERROR) the peer may be sent.
    """

    def __init__(self, major: int, minor: int = 0, *, krb5: bool = False,
                 message: str = "", token: Optional[bytes] = None) -> None:
        super().__init__(message or f"GSS major {major:#x}, minor {minor:#x}")
        self.major = major
        self.minor = minor & 0xFFFFFFFF
        self.krb5 = krb5
        self.message = message
        self.token = token
