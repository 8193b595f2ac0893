"""Context flags: SSPI ISC_/ASC_ bits <-> GSS ``GSS_C_*`` bits, by table.

The two bit sets do not line up (``ISC_REQ_INTEGRITY`` is 0x10000, GSS's
integ is 0x20), and the ISC and ASC sets differ from each other
(``ASC_REQ_INTEGRITY`` is 0x20000), so each direction of each side has its
own table of (SSPI bit, GSS bit) pairs, after Wine's ``dlls/kerberos`` and
pyspnego's provider tables.  The GSS values are RFC 2744's and MIT's
``gssapi_ext.h``; ``tests/unit/mapping/test_flags.py`` checks them against
python-gssapi's own ``RequirementFlag``.
"""

from __future__ import annotations

import functools
from typing import Final, Tuple

from .._constants import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_DELEGATE,
    ASC_REQ_EXTENDED_ERROR,
    ASC_REQ_IDENTIFY,
    ASC_REQ_INTEGRITY,
    ASC_REQ_MUTUAL_AUTH,
    ASC_REQ_REPLAY_DETECT,
    ASC_REQ_SEQUENCE_DETECT,
    ASC_REQ_USE_DCE_STYLE,
    ASC_RET_CONFIDENTIALITY,
    ASC_RET_DELEGATE,
    ASC_RET_IDENTIFY,
    ASC_RET_INTEGRITY,
    ASC_RET_MUTUAL_AUTH,
    ASC_RET_NULL_SESSION,
    ASC_RET_REPLAY_DETECT,
    ASC_RET_SEQUENCE_DETECT,
    ASC_RET_USED_DCE_STYLE,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_IDENTIFY,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_NULL_SESSION,
    ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT,
    ISC_REQ_USE_DCE_STYLE,
    ISC_RET_CONFIDENTIALITY,
    ISC_RET_DELEGATE,
    ISC_RET_IDENTIFY,
    ISC_RET_INTEGRITY,
    ISC_RET_MUTUAL_AUTH,
    ISC_RET_NULL_SESSION,
    ISC_RET_REPLAY_DETECT,
    ISC_RET_SEQUENCE_DETECT,
    ISC_RET_USED_DCE_STYLE,
)

# RFC 2744 / MIT gssapi_ext.h flag bits.
GSS_C_DELEG_FLAG: Final = 1
GSS_C_MUTUAL_FLAG: Final = 2
GSS_C_REPLAY_FLAG: Final = 4
GSS_C_SEQUENCE_FLAG: Final = 8
GSS_C_CONF_FLAG: Final = 16
GSS_C_INTEG_FLAG: Final = 32
GSS_C_ANON_FLAG: Final = 64
GSS_C_PROT_READY_FLAG: Final = 128
GSS_C_TRANS_FLAG: Final = 256
GSS_C_CHANNEL_BOUND_FLAG: Final = 2048
GSS_C_DCE_STYLE: Final = 4096
GSS_C_IDENTIFY_FLAG: Final = 8192
GSS_C_EXTENDED_ERROR_FLAG: Final = 16384
GSS_C_DELEG_POLICY_FLAG: Final = 32768

FlagTable = Tuple[Tuple[int, int], ...]

# What the initiator asks GSS for.  ISC_REQ_DELEGATE asks for delegation
# under Windows' rule (only to ok-as-delegate services): GSS_C_DELEG_POLICY_FLAG,
# not GSS_C_DELEG_FLAG (which delegates to anyone).
ISC_REQ_TO_GSS: Final[FlagTable] = (
    (ISC_REQ_DELEGATE, GSS_C_DELEG_POLICY_FLAG),
    (ISC_REQ_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG),
    (ISC_REQ_REPLAY_DETECT, GSS_C_REPLAY_FLAG),
    (ISC_REQ_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG),
    (ISC_REQ_CONFIDENTIALITY, GSS_C_CONF_FLAG),
    (ISC_REQ_INTEGRITY, GSS_C_INTEG_FLAG),
    (ISC_REQ_NULL_SESSION, GSS_C_ANON_FLAG),
    (ISC_REQ_USE_DCE_STYLE, GSS_C_DCE_STYLE),
    (ISC_REQ_IDENTIFY, GSS_C_IDENTIFY_FLAG),
)

# What the initiator reports back from the flags GSS granted.
GSS_TO_ISC_RET: Final[FlagTable] = (
    (GSS_C_DELEG_FLAG, ISC_RET_DELEGATE),
    (GSS_C_MUTUAL_FLAG, ISC_RET_MUTUAL_AUTH),
    (GSS_C_REPLAY_FLAG, ISC_RET_REPLAY_DETECT),
    (GSS_C_SEQUENCE_FLAG, ISC_RET_SEQUENCE_DETECT),
    (GSS_C_CONF_FLAG, ISC_RET_CONFIDENTIALITY),
    (GSS_C_INTEG_FLAG, ISC_RET_INTEGRITY),
    (GSS_C_ANON_FLAG, ISC_RET_NULL_SESSION),
    (GSS_C_DCE_STYLE, ISC_RET_USED_DCE_STYLE),
    (GSS_C_IDENTIFY_FLAG, ISC_RET_IDENTIFY),
)

# GSS acceptors do not request flags; ASC_REQ bits are checked against what
# the initiator asked for (GSS_TO_ASC_RET) by the package, using this table
# to know which GSS bit answers which request.
ASC_REQ_TO_GSS: Final[FlagTable] = (
    (ASC_REQ_DELEGATE, GSS_C_DELEG_FLAG),
    (ASC_REQ_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG),
    (ASC_REQ_REPLAY_DETECT, GSS_C_REPLAY_FLAG),
    (ASC_REQ_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG),
    (ASC_REQ_CONFIDENTIALITY, GSS_C_CONF_FLAG),
    (ASC_REQ_INTEGRITY, GSS_C_INTEG_FLAG),
    (ASC_REQ_USE_DCE_STYLE, GSS_C_DCE_STYLE),
    (ASC_REQ_IDENTIFY, GSS_C_IDENTIFY_FLAG),
    (ASC_REQ_EXTENDED_ERROR, GSS_C_EXTENDED_ERROR_FLAG),
)

GSS_TO_ASC_RET: Final[FlagTable] = (
    (GSS_C_DELEG_FLAG, ASC_RET_DELEGATE),
    (GSS_C_MUTUAL_FLAG, ASC_RET_MUTUAL_AUTH),
    (GSS_C_REPLAY_FLAG, ASC_RET_REPLAY_DETECT),
    (GSS_C_SEQUENCE_FLAG, ASC_RET_SEQUENCE_DETECT),
    (GSS_C_CONF_FLAG, ASC_RET_CONFIDENTIALITY),
    (GSS_C_INTEG_FLAG, ASC_RET_INTEGRITY),
    (GSS_C_ANON_FLAG, ASC_RET_NULL_SESSION),
    (GSS_C_DCE_STYLE, ASC_RET_USED_DCE_STYLE),
    (GSS_C_IDENTIFY_FLAG, ASC_RET_IDENTIFY),
)


@functools.lru_cache(maxsize=1024)
def translate(bits: int, table: FlagTable) -> int:
    """Map every set bit of ``bits`` through ``table`` (unknown bits drop).

    Cached: a program uses a handful of flag combinations, and the loop is
    on every handshake leg.
    """
    out = 0
    for src, dst in table:
        if bits & src:
            out |= dst
    return out


def isc_req_to_gss(req: int) -> int:
    """The GSS flags to request for ``fContextReq``.

    ISC_REQ_DELEGATE "only works together with ISC_REQ_MUTUAL_AUTH"
    (InitializeSecurityContext (Kerberos), fContextReq): without mutual
    authentication nothing is delegated.
    """
    flags = translate(req, ISC_REQ_TO_GSS)
    if not req & ISC_REQ_MUTUAL_AUTH:
        flags &= ~GSS_C_DELEG_POLICY_FLAG
    return flags


def gss_to_isc_ret(flags: int) -> int:
    return translate(flags, GSS_TO_ISC_RET)


def gss_to_asc_ret(flags: int) -> int:
    return translate(flags, GSS_TO_ASC_RET)
