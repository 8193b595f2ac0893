"""``sspi-compat``: the command line (``python -m sspi_compat`` too).

``demo`` starts an embedded throwaway MIT realm and walks the calling
sequence of the InitializeSecurityContext (Kerberos) page, printing each
status, flag set and token size; ``packages`` lists the security packages.
The CLI is a user of the public API only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

__all__ = ["main"]


def _packages(_: argparse.Namespace) -> int:
    import sspi_compat as sc

    count, infos = sc.ULONG(), sc.PSecPkgInfo()
    status = sc.EnumerateSecurityPackages(count, infos)
    if sc.FAILED(status):
        print(f"EnumerateSecurityPackages: {status}", file=sys.stderr)
        return 1
    print(f"{'Name':<12} {'RPCID':>5} {'cbMaxToken':>10}  fCapabilities  Comment")
    for info in infos.value:
        print(f"{info.Name:<12} {info.wRPCID:>5} {info.cbMaxToken:>10}  "
              f"{info.fCapabilities:#014x} {info.Comment}")
    sc.FreeContextBuffer(infos.value)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(package=args.package, target=args.target, external=args.external)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sspi-compat", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="walk the SSPI calling sequence on an embedded KDC")
    demo.add_argument("--package", default="Kerberos", help="security package (default Kerberos)")
    demo.add_argument("--target", default=None,
                      help="SPN to authenticate to (default: the embedded realm's HTTP service)")
    demo.add_argument("--external", action="store_true",
                      help="use the realm already configured in the environment "
                           "(KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME) instead of starting one")
    demo.set_defaults(func=_demo)
    packages = sub.add_parser("packages", help="list the security packages")
    packages.set_defaults(func=_packages)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    result: int = args.func(args)
    return result
