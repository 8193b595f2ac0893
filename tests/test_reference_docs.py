"""docs/reference/*.md name the tests and status triggers behind each row of the
seed pages; every name must exist, so the checklists cannot drift from the
suite.  No KDC, nothing imported but the standard library.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, List, Set, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["initializesecuritycontext-kerberos.md", "acceptsecuritycontext-kerberos.md"]


def page(name: str) -> str:
    with open(os.path.join(ROOT, "docs", "reference", name), encoding="utf-8") as f:
        return f.read()


def referenced_tests(text: str) -> List[Tuple[str, List[str]]]:
    """``test_file::Name::name[param]`` or ``tests/unit/.../test_x.py::Name``."""
    found = []
    for ref in re.findall(r"((?:tests/[\w/]+/)?test_\w+(?:\.py)?(?:::[\w]+)+)", text):
        path, *names = ref.split("::")
        found.append((path, names))
    return found


def resolve(path: str) -> str:
    if path.startswith("tests/"):
        return os.path.join(ROOT, path if path.endswith(".py") else path + ".py")
    return os.path.join(ROOT, "tests", "integration", path + ".py")


def defined_names(path: str) -> Dict[str, Set[str]]:
    """Module-level functions and classes, and each class's methods."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names: Dict[str, Set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[""].add(node.name)
        if isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return names


@pytest.mark.parametrize("name", PAGES)
def test_every_named_test_exists(name: str) -> None:
    refs = referenced_tests(page(name))
    assert len(refs) > 10, "the sspi_compat column lost its references"
    for path, names in refs:
        file = resolve(path)
        assert os.path.exists(file), f"{name}: {path} does not exist"
        defined = defined_names(file)
        if len(names) == 1:
            assert names[0] in defined[""], f"{name}: {path}::{names[0]} not found"
        else:
            cls, method = names[0], names[1]
            assert method in defined.get(cls, set()), f"{name}: {path}::{cls}::{method}"


@pytest.mark.parametrize("name", PAGES)
def test_every_named_trigger_exists(name: str) -> None:
    with open(os.path.join(ROOT, "docs", "status.md"), encoding="utf-8") as f:
        status = f.read()
    rows = set(re.findall(r"^\| `SEC_[EI]_\w+` \| \w+ \| `([\w-]+)` \|", status, flags=re.M))
    assert len(rows) > 30
    used = set(re.findall(r"`((?:isc|asc|ach)-[\w-]+)`", page(name)))
    assert used, "no trigger named"
    assert used <= rows, used - rows


@pytest.mark.parametrize("name", PAGES)
def test_every_row_is_filled_in(name: str) -> None:
    for line in page(name).splitlines():
        if re.match(r"^\| [A-Z]\d+ \|", line):
            assert line.rstrip().rstrip("|").rsplit("|", 1)[1].strip(), line
