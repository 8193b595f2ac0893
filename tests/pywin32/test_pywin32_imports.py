"""The façade is written on the public core API only, as a user would write it.

Walks every module of ``sspi_compat/pywin32`` with ``ast`` and fails when an
import reaches past ``sspi_compat``'s public surface: a private name
(``from sspi_compat import _api``), a submodule (``sspi_compat.packages``,
``sspi_compat._types``), ``gssapi`` (only ``sspi_compat/gss`` may import
it), or any third-party module.  Relative imports must stay inside the
façade package.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Iterator, List, Tuple

import pytest

import sspi_compat
import sspi_compat.pywin32

FACADE = os.path.join(os.path.dirname(sspi_compat.__file__), "pywin32")
MODULES = sorted(f for f in os.listdir(FACADE) if f.endswith(".py"))
FACADE_MODULES = {f[:-3] for f in MODULES}
FACADE_NAMES = FACADE_MODULES | set(sspi_compat.pywin32.__all__)  # from . import install


def _imports(path: str) -> Iterator[Tuple[int, str, List[str], int]]:
    """(line, module, imported names, relative level) for every import in a file."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, [], 0
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", [a.name for a in node.names], node.level


def _problems(path: str) -> List[str]:
    found = []
    for line, module, names, level in _imports(path):
        where = f"{os.path.basename(path)}:{line}"
        if level:
            if level != 1 or (module and module.split(".")[0] not in FACADE_MODULES):
                found.append(f"{where}: relative import leaves the façade: {module!r}")
                continue
            bad = [n for n in names if not module and n not in FACADE_NAMES]
            if bad:
                found.append(f"{where}: 'from . import {', '.join(bad)}' is not part of the façade")
            continue
        top = module.split(".")[0]
        if top == "sspi_compat":
            if module != "sspi_compat":
                found.append(f"{where}: imports {module}, a core submodule (internals)")
            private = [n for n in names if n.startswith("_") or n == "*"]
            if private:
                found.append(f"{where}: imports {private} from sspi_compat")
            continue
        if top == "__future__":
            continue
        if top not in sys.stdlib_module_names:
            found.append(f"{where}: imports {module}, which is not the standard library")
    return found


@pytest.mark.parametrize("module", MODULES)
def test_facade_imports_only_the_public_core_api(module: str) -> None:
    assert _problems(os.path.join(FACADE, module)) == []


def test_facade_uses_no_private_attribute_of_the_core() -> None:
    """``import sspi_compat as core`` then ``core._x`` would dodge the import check."""
    offenders = []
    for module in MODULES:
        path = os.path.join(FACADE, module)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        aliases = {a.asname or a.name for node in ast.walk(tree)
                   if isinstance(node, ast.Import) for a in node.names
                   if a.name == "sspi_compat"}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")):
                offenders.append(f"{module}:{node.lineno}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_the_checker_catches_what_it_should(tmp_path: os.PathLike[str]) -> None:
    """Every kind of forbidden import is reported (so the tests above can fail)."""
    bad = os.path.join(str(tmp_path), "bad.py")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("import gssapi\n"
                "import sspi_compat.packages\n"
                "from sspi_compat import _api\n"
                "from sspi_compat._types import SecBuffer\n"
                "from sspi_compat import *\n"
                "from .. import testing\n"
                "from . import nosuchmodule\n")
    problems = _problems(bad)
    assert len(problems) == 7, problems
