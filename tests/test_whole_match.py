"""A validator's pattern ``^…$`` must be used with ``fullmatch``: with ``match`` its ``$`` also
matches before a final newline, so ``"abc\\n"`` passed as a slug, a user name, an e-mail address,
a site id. The patterns keep their ``^…$`` because the API documents print them (ECMA regexes,
where ``$`` ends the string); the code calls ``fullmatch``. The walk below finds every
``PATTERN.match(…)`` on such a module-level pattern, and every ``re.match(r"^…$", …)``."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT

PACKAGES = ("formsvc", "portal", "sitesearch")
# run by Alembic, which gives it its context; __main__ modules run when imported
NOT_IMPORTED = ("formsvc.db.migrations.env",)
# the lead's change (its key parser is reworked on another branch)
LEFT_TO_THE_LEAD = {("formsvc/services/api_keys.py", "_KEY")}


def _modules() -> list[str]:
    names = []
    for pkg in PACKAGES:
        path = importlib.import_module(pkg).__path__
        names += [i.name for i in pkgutil.walk_packages(path, f"{pkg}.")
                  if not i.name.endswith("__main__") and i.name not in NOT_IMPORTED]
    return names


def _ends_at_dollar(value: object) -> bool:
    return (isinstance(value, re.Pattern) and isinstance(value.pattern, str)
            and value.pattern.endswith("$") and not value.pattern.endswith("\\$")
            and not value.flags & re.MULTILINE)


def anchored_patterns() -> set[str]:
    """Names of the module-level patterns that end in ``$`` (whatever module defines them)."""
    names = set()
    for name in _modules():
        module = importlib.import_module(name)
        names |= {k for k, v in vars(module).items() if _ends_at_dollar(v)}
    return names


def loose_matches(tree: ast.AST, patterns: set[str]) -> list[tuple[int, str]]:
    """``(line, name)`` of each ``<pattern>.match(…)`` and ``re.match("^…$", …)`` in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "match"):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name in patterns:
            found.append((node.lineno, name))
        elif name == "re" and node.args and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).endswith("$"):
            found.append((node.lineno, "re.match"))
    return found


def test_the_walk_sees_both_kinds_of_loose_match() -> None:
    tree = ast.parse('SLUG_RE.match(s)\nslugs.SLUG_RE.match(s)\nre.match(r"^a$", s)\n'
                     'SLUG_RE.fullmatch(s)\nre.fullmatch(r"a", s)\nOTHER.match(s)\n')
    assert loose_matches(tree, {"SLUG_RE"}) == [(1, "SLUG_RE"), (2, "SLUG_RE"), (3, "re.match")]


def test_the_patterns_found_include_the_validators() -> None:
    assert {"SLUG_RE", "USERNAME_RE", "EMAIL_RE", "NUMBER_RE", "SITE_ID"} <= anchored_patterns()


def test_no_anchored_pattern_is_used_with_match() -> None:
    patterns = anchored_patterns()
    loose = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            loose += [f"{rel}:{line} {name}.match" for line, name in loose_matches(tree, patterns)
                      if (rel, name) not in LEFT_TO_THE_LEAD]
    assert not loose, "use fullmatch (a trailing newline passes match): " + ", ".join(loose)


# --- what a trailing newline now meets, at the doors users and editors use ---------------------


@pytest.mark.parametrize("value", ["a\n", "open-draft\n", "a\nb"])
def test_a_slug_with_a_newline_is_refused(value: str) -> None:
    from portal import slugs, surveys

    assert not slugs.SLUG_RE.fullmatch(value) and not surveys.SLUG_RE.fullmatch(value)
    parsed = surveys.parse_text("title: 调查\n", value)
    assert any("文件名" in text for _line, text in parsed.problems), parsed.problems


def test_the_scaffold_refuses_a_slug_with_a_newline(tmp_path: Path) -> None:
    from portal import scaffold

    with pytest.raises(scaffold.ScaffoldError, match="文件名"):
        scaffold.build("disclosure", tmp_path, dept="rsj", year=2026, title="新文件",
                       slug="a-file\n")


def test_form_validators_refuse_a_trailing_newline() -> None:
    from wtforms.validators import ValidationError

    from formsvc.forms import validators

    validators.email(None, SimpleNamespace(data="zhang@example.com"))
    with pytest.raises(ValidationError):
        validators.email(None, SimpleNamespace(data="zhang@example.com\n"))
    assert validators.is_resident_id("11010519491231002X")
    assert not validators.is_resident_id("11010519491231002X\n")


def test_lookups_refuse_a_trailing_newline() -> None:
    from formsvc.forms.work_orders import EXTERNAL_ID_RE
    from formsvc.services import codes
    from sitesearch import fields

    number = "ZX20260101-ABCDEF"
    assert codes.NUMBER_RE.fullmatch(number) and not codes.NUMBER_RE.fullmatch(number + "\n")
    assert fields.SITE_ID.fullmatch("main") and not fields.SITE_ID.fullmatch("main\n")
    assert EXTERNAL_ID_RE.fullmatch("WO-1") and not EXTERNAL_ID_RE.fullmatch("WO-1\n")
