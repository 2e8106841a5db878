"""Helpers for the portal tests: run the checker on a copy of the test tree, break files on purpose."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from portal import check

DATA_SITE = Path(__file__).resolve().parents[1] / "data" / "site"
# The day the test tree is checked on: a few days after its newest item, so nothing is stale
# except the news columns the tiny tree leaves empty.
TODAY = date(2024, 6, 25)


def problems(site_dir: Path, today: date = TODAY) -> list[check.Problem]:
    """Everything check finds, with paths shown relative to the tree's parent (site/...)."""
    return check.run(site_dir, today, root=site_dir.parent).problems


def errors(site_dir: Path, today: date = TODAY) -> list[check.Problem]:
    return [p for p in problems(site_dir, today) if p.is_error]


def edit(path: Path, old: str, new: str) -> None:
    """Replace text that must be there once, so a test never silently checks an unbroken file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing needle."""
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def only(found: list[check.Problem], needle: str, severity: str = "error") -> check.Problem:
    """The one problem whose message contains needle (and nothing else of that severity)."""
    hits = [p for p in found if needle in p.message and p.severity == severity]
    # the tiny tree leaves three news columns empty: those site-level warnings are always there
    others = [str(p) for p in found if p.severity == severity and p not in hits
              and not (severity == "warning" and p.line == 0)]
    assert len(hits) == 1, f"expected one {severity} with {needle!r}, got {[str(p) for p in found]}"
    assert not others, f"unexpected {severity}s: {others}"
    return hits[0]
