"""The shape of formsvc, held by tests: which way imports point, where settings are declared,
and that public functions say what they do (issue 18)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from formsvc import config as defaults

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "formsvc"
MIGRATIONS = PACKAGE / "db" / "migrations"
EXAMPLE = ROOT / "instance" / "config.example.py"


def sources(under: Path = PACKAGE) -> Iterator[Path]:
    yield from sorted(under.rglob("*.py"))


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """formsvc modules ``path`` imports (``from pkg import module`` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formsvc"):
            names = {f"{node.module}.{a.name}" for a in node.names}
            submodules = {n for n in names if _is_module(n)}
            # ``from pkg import module`` depends on the module; ``from pkg import name`` on pkg
            found.update(submodules)
            if names - submodules:
                found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("formsvc"))
    return found


def test_models_import_no_layer_above_them() -> None:
    for path in sources(PACKAGE / "models"):
        above = {m for m in imports(path)
                 if m.startswith(("formsvc.services", "formsvc.web", "formsvc.api",
                                  "formsvc.cli", "formsvc.forms"))}
        assert not above, f"{path.name} imports {sorted(above)}"


def test_migrations_carry_no_live_service_code() -> None:
    for path in sources(MIGRATIONS):
        live = {m for m in imports(path)
                if m.startswith(("formsvc.services", "formsvc.web", "formsvc.api", "formsvc.cli",
                                 "formsvc.forms"))}
        assert not live, f"{path.name} imports {sorted(live)}"


def test_no_import_loop() -> None:
    """Module-level imports between formsvc's modules form no cycle (Tarjan's algorithm)."""
    modules = {module_name(p): p for p in sources() if MIGRATIONS not in p.parents}
    graph = {name: {m for m in imports(path, top_level_only=True) if m in modules and m != name}
             for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert loops == []


def test_public_functions_have_docstrings() -> None:
    missing = []
    for path in sources():
        if MIGRATIONS in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
        scopes += [(f"{n.name}.", n.body) for n in tree.body
                   if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
        for prefix, body in scopes:
            missing += [f"{path.relative_to(ROOT)}: {prefix}{n.name}" for n in body
                        if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
                        and ast.get_docstring(n) is None]
    assert missing == []


# --- settings ----------------------------------------------------------------------------------

# config["KEY"], config.get("KEY"), app.config[…], current_app.config.get(…), cfg[…]
_READ = re.compile(r"""\b(?:config|cfg)(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def keys_read_by_code() -> set[str]:
    """Every setting the code reads: direct reads, and the key arguments of helpers that read
    one (a parameter named ``*_key``), and the keys a loop reads one by one."""
    keys: set[str] = set()
    helpers: dict[str, int] = {}
    trees = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        keys.update(_READ.findall(text))
        tree = ast.parse(text)
        trees.append(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for i, arg in enumerate(node.args.args):
                    if arg.arg.endswith("_key"):
                        helpers[node.name] = i
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in helpers and len(node.args) > helpers[node.func.id]:
                arg = node.args[helpers[node.func.id]]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
            if isinstance(node, ast.For | ast.comprehension) and isinstance(
                    node.iter, ast.Tuple) and isinstance(node.target, ast.Name):
                values = [e.value for e in node.iter.elts if isinstance(e, ast.Constant)]
                if all(isinstance(v, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", v)
                       for v in values) and values:
                    keys.update(values)
    return keys


def declared() -> set[str]:
    return {n for n in vars(defaults) if n.isupper() and not n.startswith("_")}


def test_the_key_finder_sees_indirect_reads() -> None:
    # read through helpers and loops, not as config["…"]: the finder must see them
    assert {"SUBMIT_RATE_LIMIT", "RETENTION_IP_MONTHS", "NAME_MAX", "CONTENT_MAX",
            "HEALTH_DB_TIMEOUT"} <= keys_read_by_code()


def test_every_key_the_code_reads_is_declared_in_config() -> None:
    assert keys_read_by_code() - declared() == set()


@pytest.mark.parametrize("key", sorted(declared()))
def test_every_declared_key_is_in_the_commented_example(key: str) -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    assert re.search(rf"(?m)^#\s*{key}\s*=", example), f"{key} missing from {EXAMPLE.name}"
