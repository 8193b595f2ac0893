"""``python -m sspi_compat.pywin32 script.py [args...]``: run unmodified pywin32 SSPI code.

Installs the façade (:func:`sspi_compat.pywin32.install`) and runs the
script as ``__main__``, the way ``python script.py`` would: ``sys.argv`` is
``[script.py, args...]`` and the script's directory comes first on
``sys.path``.  ``-m module [args...]`` runs a module instead, like
``python -m``.  The exit status is the script's.  ``--force`` installs the
façade even where real pywin32 is importable.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import List, Optional

from . import install

USAGE = ("usage: python -m sspi_compat.pywin32 [--force] script.py [args...]\n"
         "       python -m sspi_compat.pywin32 [--force] -m module [args...]\n")


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    force = False
    if args and args[0] == "--force":
        force = True
        args.pop(0)
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 0 if args else 2
    install(force=force)
    if args[0] == "-m":
        if len(args) < 2:
            sys.stderr.write(USAGE)
            return 2
        sys.argv = args[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    script = args[0]
    if not os.path.exists(script):
        sys.stderr.write(f"{sys.executable}: can't open file {script!r}: "
                         "[Errno 2] No such file or directory\n")
        return 2
    sys.argv = args
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
