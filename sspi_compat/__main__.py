"""``python -m sspi_compat``: the ``sspi-compat`` command line."""

import sys

from .cli import main

sys.exit(main())
