"""Departments: synced from content/departments.yml (the one registry), never deleted.

Every form and every submission needs the department list, which changes a few times a year, so
each process keeps a copy per engine (:func:`snapshot`) instead of querying it per request. The
copy is dropped when the table can have changed:

* a commit in this process that inserted or updated a ``Department`` row (:func:`watch`, on the
  app's sessions);
* ``sync`` in another process (the ``sync-departments`` CLI): it touches ``departments.synced``
  in the app's instance folder, which every request compares by ``stat`` (a few microseconds);
* anything else (an SQL console, a second host): after ``CACHE_SECONDS`` at most.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from formsvc.db import utcnow
from formsvc.models import Department
from portal import departments as registry

# The office that routes (分办) a message no department was chosen for, and how citizens read
# that choice on the form, the receipt and the tracking page.
DISPATCH_OFFICE = "县政府办公室"
UNSURE = f"不确定（由{DISPATCH_OFFICE}分办）"


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        """The sync's counts, for the operator."""
        return (f"新增 {len(self.added)}，更新 {len(self.updated)}，停用 {len(self.deactivated)}，"
                f"未变 {self.unchanged}")


_SYNCED = ("name", "short_name", "org_code", "kind", "parent_code", "email", "phone",
           "review_required", "accepts_disclosure_requests", "active", "position")


def sync(session: Session, content_dir: Path | str) -> SyncResult:
    """Upsert departments by code and deactivate those gone from the registry, in one transaction."""
    reg = registry.load(content_dir)
    result = SyncResult()
    existing = {d.code: d for d in session.scalars(select(Department))}
    try:
        for position, entry in enumerate(reg):
            values = {
                "name": entry.name, "short_name": entry.short_name, "org_code": entry.org_code,
                "kind": entry.kind, "parent_code": entry.parent, "email": entry.email,
                "phone": entry.phone, "review_required": entry.review_required,
                "accepts_disclosure_requests": entry.accepts_disclosure_requests,
                "active": True, "position": position,
            }
            row = existing.pop(entry.code, None)
            if row is None:
                session.add(Department(code=entry.code, updated_at=utcnow(), **values))
                result.added.append(entry.code)
            elif any(getattr(row, k) != values[k] for k in _SYNCED):
                for k, v in values.items():
                    setattr(row, k, v)
                row.updated_at = utcnow()
                result.updated.append(entry.code)
            else:
                result.unchanged += 1
        # messages refer to departments: a removed one is only marked inactive
        for row in existing.values():
            if row.active:
                row.active = False
                row.updated_at = utcnow()
                result.deactivated.append(row.code)
        session.commit()
    except Exception:
        session.rollback()
        raise
    if result.added or result.updated or result.deactivated:
        _touch_stamp()  # other processes (gunicorn workers) drop their copy on their next request
    return result


# --- the per-process copy ------------------------------------------------------------------------

CACHE_SECONDS = 30.0
STAMP_NAME = "departments.synced"


@dataclass(frozen=True)
class Registry:
    """Every department row as loaded at one moment (detached: read them, never attach them)."""

    by_code: dict[str, Department]
    active: tuple[Department, ...]
    key: tuple[Any, ...]
    loaded_at: float


_copies: weakref.WeakKeyDictionary[Engine, Registry] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0  # bumped by every commit in this process that changed a department


def snapshot(session: Session) -> Registry:
    """The departments of ``session``'s database, from this process's copy when it is current."""
    engine = session.get_bind()
    key = (_generation, _stamp())
    copy = _copies.get(engine)  # type: ignore[arg-type]
    if copy is not None and copy.key == key and time.monotonic() - copy.loaded_at < CACHE_SECONDS:
        return copy
    # a session of its own: the caller's identity map keeps its own (attachable) instances
    with Session(bind=engine, expire_on_commit=False) as own:
        rows = list(own.scalars(select(Department).order_by(Department.position, Department.id)))
    copy = Registry(by_code={d.code: d for d in rows}, active=tuple(d for d in rows if d.active),
                    key=key, loaded_at=time.monotonic())
    with _lock:
        _copies[engine] = copy  # type: ignore[index]
    return copy


def active(session: Session) -> list[Department]:
    """Active departments in registry order (detached copies: for reading only)."""
    return list(snapshot(session).active)


def by_code(session: Session, code: str) -> Department | None:
    """Any department, active or not, by code (a detached copy: for reading only)."""
    return snapshot(session).by_code.get(code)


def disclosure_offices(session: Session) -> list[Department]:
    """The offices that receive 依申请公开 requests (政府信息公开工作机构)."""
    return [d for d in active(session) if d.accepts_disclosure_requests]


def _stamp_path() -> str | None:
    # a string, not a Path: this runs twice per submission
    return os.path.join(current_app.instance_path, STAMP_NAME) if has_app_context() else None


def _stamp() -> int:
    path = _stamp_path()
    if path is None:
        return 0
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _touch_stamp() -> None:
    name = _stamp_path()
    if name is None:
        return
    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        # two syncs within the file system's timestamp resolution must still differ
        ns = time.time_ns()
        os.utime(path, ns=(ns, max(ns, _stamp() + 1)))
    except OSError:  # a read-only instance folder: the other processes catch up by CACHE_SECONDS
        pass


_FLAG = "formsvc.departments_changed"


def watch(maker: sessionmaker[Session]) -> None:
    """Drop this process's copy after a commit of ``maker``'s sessions that wrote a department
    (create_app installs it on the app's sessions)."""
    event.listen(maker, "after_flush", _note_changes)
    event.listen(maker, "after_commit", _bump_generation)
    event.listen(maker, "after_rollback", _forget_changes)


def _note_changes(s: Session, _flush_context: Any) -> None:
    # after_flush still sees the flush's new and changed objects
    if any(isinstance(o, Department) and (o in s.new or s.is_modified(o))
           for o in (*s.new, *s.dirty)):
        s.info[_FLAG] = True


def _bump_generation(s: Session) -> None:
    global _generation
    if s.info.pop(_FLAG, False):
        with _lock:
            _generation += 1


def _forget_changes(s: Session) -> None:
    s.info.pop(_FLAG, None)
