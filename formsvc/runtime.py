"""Per-app lookups views need: the working-day calendar and the 招商项目 list, re-read on change.

Every submission asks for both, so the check that they are current is one ``os.stat`` of a path
worked out once per app (building the ``Path`` each time cost more than the ``stat``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import current_app

from formsvc.services import projects as projects_svc
from formsvc.workdays import Calendar


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _cache(name: str, path: Any) -> dict[str, Any]:
    """This app's cache entry ``name``, holding the string of ``path()`` (computed once)."""
    cache: dict[str, Any] = current_app.extensions.setdefault(name, {})
    if "path" not in cache:
        cache["path"] = str(path())
    return cache


def calendar() -> Calendar:
    """The calendar with the override file; re-read when the file changes (editors update it)."""
    cache = _cache("formsvc.calendar", lambda: Path(current_app.config["HOLIDAYS_FILE"]))
    stamp = _mtime(cache["path"])
    if cache.get("stamp") != stamp or "calendar" not in cache:
        cache["calendar"] = Calendar.from_file(Path(cache["path"]))
        cache["stamp"] = stamp
    return cache["calendar"]


def projects() -> dict[str, projects_svc.Project]:
    cache = _cache("formsvc.projects",
                   lambda: Path(current_app.config["CONTENT_DIR"]) / "zsyz" / "xm")
    stamp = _mtime(cache["path"])
    if cache.get("stamp") != stamp or "projects" not in cache:
        cache["projects"] = projects_svc.load(current_app.config["CONTENT_DIR"])
        cache["stamp"] = stamp
    return cache["projects"]
