"""The arrows between top-level packages: product code never imports a harness, and no script or
product module edits ``sys.path`` (everything imports through the editable install)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PRODUCT = ("portal", "sitesearch", "formsvc", "plugins")
PRODUCT_MODULES = ("pelicanconf.py", "publishconf.py")
IMPORTERS = {"importlib.import_module", "import_module", "__import__"}


def product_files() -> list[Path]:
    files = [p for pkg in PRODUCT for p in sorted((ROOT / pkg).rglob("*.py"))]
    return files + [ROOT / name for name in PRODUCT_MODULES]


def script_files() -> list[Path]:
    return [p for p in sorted((ROOT / "scripts").iterdir()) if p.is_file()]


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, also ``importlib.import_module("…")``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (isinstance(node, ast.Call) and dotted(node.func) in IMPORTERS and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def harness_imports(tree: ast.AST) -> list[tuple[int, str]]:
    return sorted((line, name) for line, name in imports(tree)
                  if name == "harness" or name.startswith("harness."))


def sys_path_edits(tree: ast.AST) -> list[int]:
    """Lines that change ``sys.path``: a call on it (insert, append …) or an assignment to it."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and dotted(node.func).startswith("sys.path."):
            lines.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines.extend(node.lineno for t in targets if dotted(t) == "sys.path")
    return sorted(lines)


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_the_walk_sees_every_way_of_importing_a_harness():
    tree = ast.parse("import harness\nfrom harness.search import bench\n"
                     "import importlib\nimportlib.import_module('harness.synth')\n"
                     "from portal import harness_like\n")
    assert harness_imports(tree) == [(1, "harness"), (2, "harness.search"), (4, "harness.synth")]


def test_no_product_module_imports_a_harness():
    files = product_files()
    assert len(files) > 100  # the walk found the packages
    offenders = [f"{p.relative_to(ROOT)}:{line}: {name}"
                 for p in files for line, name in harness_imports(parse(p))]
    assert offenders == []


def test_the_walk_sees_sys_path_edits():
    tree = ast.parse("import sys\nsys.path.insert(0, 'x')\nsys.path += ['y']\nsys.path = []\n")
    assert sys_path_edits(tree) == [2, 3, 4]


def test_no_script_or_product_module_edits_sys_path():
    scripts = script_files()
    assert len(scripts) >= 8
    offenders = [f"{p.relative_to(ROOT)}:{line}"
                 for p in [*scripts, *product_files()] for line in sys_path_edits(parse(p))]
    assert offenders == []
