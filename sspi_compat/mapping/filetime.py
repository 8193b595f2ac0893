"""GSS lifetimes (seconds from now, or indefinite) -> SSPI expiry times."""

from __future__ import annotations

import time
from typing import Optional

# GSS_C_INDEFINITE as python-gssapi reports it.
_INDEFINITE = 0xFFFFFFFF


def expiry_epoch(lifetime: Optional[int], now: Optional[float] = None) -> Optional[float]:
    """UTC epoch seconds when ``lifetime`` runs out; None for "never"."""
    if lifetime is None or lifetime >= _INDEFINITE:
        return None
    return (time.time() if now is None else now) + lifetime
