"""sspi_compat: the Windows SSPI API on Linux and macOS, over python-gssapi.

This module is the whole public, C-faithful API: Windows names, C argument
order, SECURITY_STATUS return values and out-parameters filled in.  See
README.md and docs/ for the calling convention and the differences from
Windows.
"""

from ._api import *
from ._api_context import *
from ._api_identity import *
from ._constants import *
from ._handles import CredHandle as CredHandle
from ._handles import CtxtHandle as CtxtHandle
from ._handles import SecHandle as SecHandle
from ._handles import SecInvalidateHandle as SecInvalidateHandle
from ._handles import SecIsValidHandle as SecIsValidHandle
from ._misuse import MisuseError as MisuseError
from ._status import *
from ._tls_bindings import TLS_SERVER_END_POINT_PREFIX as TLS_SERVER_END_POINT_PREFIX
from ._tls_bindings import (
    tls_server_end_point_application_data as tls_server_end_point_application_data,
)
from ._tls_bindings import tls_server_end_point_bindings as tls_server_end_point_bindings
from ._tls_bindings import (
    tls_server_end_point_hash_name as tls_server_end_point_hash_name,
)
from ._types import *

__version__ = "0.1.0"
