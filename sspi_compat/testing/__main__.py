"""``python -m sspi_compat.testing``: run a throwaway realm (see bootstrap)."""

from __future__ import annotations

import sys

from sspi_compat.testing.bootstrap import main

if __name__ == "__main__":
    sys.exit(main())
