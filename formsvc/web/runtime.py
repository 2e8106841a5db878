"""Per-app lookups views need: the working-day calendar and the 招商项目 list, re-read on change.

Every submission asks for both, so the check that they are current is one ``os.stat`` of a path
worked out once per app (building the ``Path`` each time cost more than the ``stat``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app

from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.domain.workdays import Calendar, HolidayFileError, schedule_warning
from formsvc.services import projects as projects_svc
from portal import departments as registry
from portal import participation
from portal.schema import CONSULTATION, INTERVIEW

T = TypeVar("T")
log = logging.getLogger(__name__)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _newest(folder: str) -> float:
    """The newest mtime of a folder and its Markdown and YAML files: an editor who changes a
    draft's or a survey's close date in place changes no folder mtime."""
    try:
        with os.scandir(folder) as entries:
            return max([_mtime(folder), *(e.stat().st_mtime for e in entries
                                          if e.name.endswith((".md", ".yml")))])
    except OSError:
        return 0.0


def _current(name: str, path: Callable[[], Path], load: Callable[[Path], T],
             stamp_of: Callable[[str], float] = _mtime) -> T:
    """This app's copy of what ``load`` reads from ``path()``; loaded again when its stamp (by
    default its mtime) changes."""
    cache: dict[str, Any] = current_app.extensions.setdefault(name, {})
    if "path" not in cache:
        cache["path"] = str(path())
    stamp = stamp_of(cache["path"])
    if cache.get("stamp") != stamp or "value" not in cache:
        cache["value"] = load(Path(cache["path"]))
        cache["stamp"] = stamp
    return cache["value"]


def calendar() -> Calendar:
    """The calendar with the override file; re-read when the file changes (editors update it)."""
    return _current("formsvc.calendar", lambda: Path(current_app.config["HOLIDAYS_FILE"]),
                    Calendar.from_file)


def log_calendar_state(app: Flask) -> None:
    """Say in the server's startup log what the calendar lacks: a year's holiday schedule that
    due dates need (``schedule_warning``: which year, and where to add it), or a holiday file
    that cannot be read. The server starts all the same; the workbench, ``scripts/check`` and
    the health check (``holidays``) say it too. Called once when a server starts (gunicorn's
    ``when_ready``, ``scripts/serve``), not by ``create_app``: the timers' commands (send-mail
    every minute) would repeat it all day."""
    try:
        # read here, not kept: calendar() keeps the file's path from the first request on
        cal = Calendar.from_file(app.config["HOLIDAYS_FILE"])
    except HolidayFileError as exc:
        log.error("formsvc: 节假日文件无法读取，办理期限无法计算：%s", exc)
        return
    warning = schedule_warning(cal, county_date(app.config, utcnow()))
    if warning:
        log.warning("formsvc: %s", warning)


def projects() -> dict[str, projects_svc.Project]:
    """The 招商项目 by slug; re-read when the project folder changes."""
    return _current("formsvc.projects",
                    lambda: Path(current_app.config["CONTENT_DIR"]) / "zsyz" / "xm",
                    lambda _directory: projects_svc.load(current_app.config["CONTENT_DIR"]))


def department_duties() -> dict[str, tuple[str, ...]]:
    """Each department's duties in the registry (content/departments.yml) by code, for the
    suggested department of 分办; re-read when the registry changes."""
    return _current("formsvc.department_duties",
                    lambda: Path(current_app.config["CONTENT_DIR"]) / registry.DEPARTMENTS_FILE,
                    lambda path: {d.code: d.duties for d in registry.load(path.parent).departments})


def consultations() -> dict[str, participation.Consultation]:
    """The 征求意见稿 by slug (content/hd/yjzj); re-read when the folder or a file changes."""
    return _current("formsvc.consultations",
                    lambda: Path(current_app.config["CONTENT_DIR"]) / CONSULTATION.directory,
                    lambda _d: participation.load_consultations(current_app.config["CONTENT_DIR"]),
                    _newest)


def interviews() -> dict[str, participation.Interview]:
    """The 在线访谈 by slug (content/hd/ft); re-read when the folder or a file changes."""
    return _current("formsvc.interviews",
                    lambda: Path(current_app.config["CONTENT_DIR"]) / INTERVIEW.directory,
                    lambda _d: participation.load_interviews(current_app.config["CONTENT_DIR"]),
                    _newest)


def surveys() -> dict[str, Any]:
    """The 网上调查 by slug (``content/surveys/*.yml``); re-read when the folder or a file changes."""
    from formsvc.domain import surveys as survey_defs

    return _current("formsvc.surveys",
                    lambda: Path(survey_defs.folder(current_app.config["CONTENT_DIR"])),
                    lambda _d: survey_defs.load(current_app.config["CONTENT_DIR"]),
                    _newest)
