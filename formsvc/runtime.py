"""Per-app lookups views need: the working-day calendar and the 招商项目 list, re-read on change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from formsvc.services import projects as projects_svc
from formsvc.workdays import Calendar


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def calendar() -> Calendar:
    """The calendar with the override file; re-read when the file changes (editors update it)."""
    path = Path(current_app.config["HOLIDAYS_FILE"])
    cache: dict[str, Any] = current_app.extensions.setdefault("formsvc.calendar", {})
    stamp = _mtime(path)
    if cache.get("stamp") != stamp or "calendar" not in cache:
        cache["calendar"] = Calendar.from_file(path)
        cache["stamp"] = stamp
    return cache["calendar"]


def projects() -> dict[str, projects_svc.Project]:
    directory = Path(current_app.config["CONTENT_DIR"]) / "zsyz" / "xm"
    cache: dict[str, Any] = current_app.extensions.setdefault("formsvc.projects", {})
    stamp = _mtime(directory)
    if cache.get("stamp") != stamp or "projects" not in cache:
        cache["projects"] = projects_svc.load(current_app.config["CONTENT_DIR"])
        cache["stamp"] = stamp
    return cache["projects"]
