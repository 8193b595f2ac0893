"""The import layering of docs/architecture.md, checked by reading the sources.

    pywin32 / cli / testing   (faces: public API only; testing: nothing of ours)
    _api                      (the C-faithful entry points)
    packages                  (Kerberos, Negotiate, NTLM, ...)
    mapping                   (pure tables: flags, status, names, buffers, ...)
    gss                       (the only importer of gssapi)

plus the shared base modules (_constants, _status, _types, _handles,
_memory, _misuse) that everything may use and that use nothing above them.

Imports are found with ``ast`` in every function body too (lazy imports
count), relative imports resolved.  No KDC, nothing imported.
"""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "sspi_compat")

# Module-name prefix -> layer (longest prefix wins).
LAYERS: Dict[str, str] = {
    "sspi_compat": "public",
    "sspi_compat._api": "api",
    "sspi_compat.packages": "packages",
    "sspi_compat.mapping": "mapping",
    "sspi_compat.gss": "gss",
    "sspi_compat.pywin32": "pywin32",
    "sspi_compat.cli": "cli",
    "sspi_compat.__main__": "cli",
    "sspi_compat.testing": "testing",
    "sspi_compat._constants": "base",
    "sspi_compat._status": "base",
    "sspi_compat._types": "base",
    "sspi_compat._handles": "base",
    "sspi_compat._memory": "base",
    "sspi_compat._misuse": "base",
    "sspi_compat._tls_bindings": "base",
}

ABOVE_CORE = {"public", "pywin32", "cli", "testing"}
# importer layer -> layers it must not import
FORBIDDEN: Dict[str, Set[str]] = {
    "base": {"api", "packages", "mapping", "gss"} | ABOVE_CORE,
    "gss": {"api", "packages", "mapping"} | ABOVE_CORE,
    "mapping": {"api", "packages", "gss"} | ABOVE_CORE,
    "packages": {"api"} | ABOVE_CORE,
    "api": ABOVE_CORE,
    # the faces
    "pywin32": {"api", "packages", "mapping", "gss", "base", "cli", "testing"},
    "cli": {"api", "packages", "mapping", "gss", "base", "pywin32"},
    "testing": {"api", "packages", "mapping", "gss", "base", "public", "pywin32", "cli"},
}
GSSAPI_ALLOWED = {"gss"}


def layer_of(module: str) -> Optional[str]:
    """The layer of a module name; None for modules outside sspi_compat."""
    if module != "sspi_compat" and not module.startswith("sspi_compat."):
        return None
    matches = [prefix for prefix in LAYERS
               if module == prefix or module.startswith(prefix + ".")
               or (prefix == "sspi_compat._api" and module.startswith("sspi_compat._api_"))]
    return LAYERS[max(matches, key=len)] if matches else None


class Import(NamedTuple):
    target: str
    line: int


def module_name(path: str) -> str:
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join(rel)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[Import]:
    """Every module a source imports, relative imports resolved.

    ``from X import name`` yields ``X.name`` (name may be a submodule) and the
    layer check falls back to X when ``X.name`` is not a module of ours.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package[:len(package) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                yield Import(f"{base}.{alias.name}" if alias.name != "*" else base,
                             node.lineno)


def sources() -> Iterator[Tuple[str, str, bool]]:
    for dirpath, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                yield path, module_name(path), name == "__init__.py"


def violations(source: str, module: str, is_package: bool) -> List[str]:
    own = layer_of(module)
    found: List[str] = []
    for imp in imports_of(source, module, is_package):
        top = imp.target.split(".")[0]
        if top == "gssapi" and own not in GSSAPI_ALLOWED:
            found.append(f"{module}:{imp.line} imports {imp.target} (gssapi only in gss/)")
            continue
        target = layer_of(imp.target)
        if target is None or own is None or target == own:
            continue
        # "from sspi_compat import X": X may be a submodule or a public name
        if imp.target.count(".") == 1 and target != "public":
            parent_is_public = imp.target.rsplit(".", 1)[1] not in _SUBMODULES
            if parent_is_public:
                target = "public"
        if target == own:
            continue
        if target in FORBIDDEN.get(own, set()):
            found.append(f"{module}:{imp.line} ({own}) imports {imp.target} ({target})")
    return found


_SUBMODULES = {n[:-3] if n.endswith(".py") else n for n in os.listdir(PACKAGE)
               if not n.startswith("__pycache__")}


ALL_SOURCES = list(sources())


def test_the_package_was_found() -> None:
    names = {m for _, m, _ in ALL_SOURCES}
    assert {"sspi_compat._api", "sspi_compat.gss.calls", "sspi_compat.mapping.status",
            "sspi_compat.packages.kerberos"} <= names


def test_every_module_has_a_layer() -> None:
    """A new module of ours must be placed in a layer here (only the package's
    own ``__init__`` is "public")."""
    for _, module, _ in ALL_SOURCES:
        if module == "sspi_compat":
            continue
        assert layer_of(module) not in (None, "public"), (
            f"{module}: add it to LAYERS in tests/test_layers.py")


@pytest.mark.parametrize(("path", "module", "is_package"), ALL_SOURCES,
                         ids=[m for _, m, _ in ALL_SOURCES])
def test_imports_flow_downward(path: str, module: str, is_package: bool) -> None:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    assert violations(source, module, is_package) == []


def test_gssapi_is_imported_somewhere_in_gss() -> None:
    """The rule is not vacuous: gss/ does import gssapi."""
    users = []
    for path, module, is_package in ALL_SOURCES:
        with open(path, encoding="utf-8") as f:
            if any(i.target.startswith("gssapi") for i in imports_of(f.read(), module,
                                                                      is_package)):
                users.append(module)
    assert users and all(layer_of(u) == "gss" for u in users), users


# --- the checker itself can fail ---------------------------------------------------

@pytest.mark.parametrize(("module", "is_package", "source", "expected"), [
    ("sspi_compat.mapping.flags", False, "import gssapi.raw as gr", "gssapi only in gss/"),
    ("sspi_compat.packages.kerberos", False, "from gssapi import Name", "gssapi only in gss/"),
    ("sspi_compat.mapping.status", False, "from ..packages import kerberos", "(packages)"),
    ("sspi_compat.mapping.status", False, "from .. import _api", "(api)"),
    ("sspi_compat.mapping.status", False, "from ..gss import GssFailure", "(gss)"),
    ("sspi_compat.gss.calls", False, "from ..mapping.status import gss_to_status",
     "(mapping)"),
    ("sspi_compat.gss.calls", False, "from sspi_compat.packages import find_package",
     "(packages)"),
    ("sspi_compat.packages.kerberos", False,
     "def f():\n    from .._api import InitializeSecurityContext", "(api)"),
    ("sspi_compat.pywin32.win32security", False, "from sspi_compat._handles import lookup",
     "(base)"),
    ("sspi_compat.pywin32.win32security", False, "from .. import _api", "(api)"),
    ("sspi_compat.pywin32", True, "from sspi_compat.packages import kerberos", "(packages)"),
    ("sspi_compat.testing.mit", False, "from sspi_compat import CredHandle", "(public)"),
    ("sspi_compat._types", False, "from .mapping import names", "(mapping)"),
])
def test_checker_catches(module: str, is_package: bool, source: str, expected: str) -> None:
    found = violations(source, module, is_package)
    assert found and expected in found[0], found


@pytest.mark.parametrize(("module", "source"), [
    ("sspi_compat.pywin32.win32security", "import sspi_compat"),
    ("sspi_compat.pywin32.win32security", "from sspi_compat import InitializeSecurityContext"),
    ("sspi_compat.pywin32.win32security", "from . import pywintypes"),
    ("sspi_compat.packages.kerberos", "from ..mapping.status import gss_to_status"),
    ("sspi_compat.packages.kerberos", "from .. import gss"),
    ("sspi_compat.mapping.flags", "from .._constants import ISC_REQ_DELEGATE"),
    ("sspi_compat._api", "from .packages import find_package"),
    ("sspi_compat.cli.demo", "import sspi_compat as sc\nfrom sspi_compat.testing import MITRealm"),
])
def test_checker_allows(module: str, source: str) -> None:
    assert violations(source, module, False) == []
