"""Fixtures of the reliability tests: fresh databases of their own, apps on them, a varied county.

The formsvc fixtures share one schema per engine and empty it after each test; these tests need
several databases at once (a backup's source and its restore target, a server process's
database), so they make their own: SQLite files in tmp_path, and on PostgreSQL (when
TEST_DATABASE_URL is set) new databases named after the test database, dropped afterwards.
"""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from formsvc import create_app, db
from formsvc.db import migrate
from formsvc.services import departments
from tests.formsvc.conftest import content_dir, make_config  # noqa: F401 (fixture re-export)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def pg_url() -> str:
    return TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)


class PgDatabases:
    """CREATE DATABASE <test database>_<suffix> on the test server; all dropped at the end."""

    def __init__(self) -> None:
        self.base = make_url(pg_url())
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def new(self, label: str) -> str:
        name = f"{self.base.database}_{label}_{secrets.token_hex(3)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[str, str], str]]:
    """``new_database(engine, label)``: the URL of a new, empty database (no schema yet)."""
    pg: PgDatabases | None = None

    def make(engine: str, label: str) -> str:
        nonlocal pg
        if engine == "sqlite":
            d = tmp_path / f"db-{label}"
            d.mkdir()
            return f"sqlite:///{d / 'formsvc.sqlite3'}"
        if not TEST_DATABASE_URL:
            pytest.skip("PostgreSQL: set TEST_DATABASE_URL")
        pg = pg or PgDatabases()
        return pg.new(label)

    yield make
    # close every pooled connection of the apps this test made before their databases go
    while _APPS:
        db.get_engine(_APPS.pop()).dispose()
    gc.collect()  # what the apps held goes now, under this test's warning filters
    if pg is not None:
        pg.close()


def migrated_app(tmp_path: Path, url: str, content: Path, label: str,
                 **extra: Any) -> Flask:
    """An app on ``url`` with the schema at head and the departments synced."""
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = bare_app(tmp_path, url, content, label, **extra)
    with app.app_context():
        session = db.new_session()
        departments.sync(session, app.config["CONTENT_DIR"])
        session.close()
    return app


_APPS: list[Flask] = []


def bare_app(tmp_path: Path, url: str, content: Path, label: str, **extra: Any) -> Flask:
    """An app on ``url`` as it is (no migration, no departments), with its own upload folder."""
    base = tmp_path / f"app-{label}"
    base.mkdir(exist_ok=True)
    app = create_app(make_config(base, url, content, **extra))
    _APPS.append(app)
    return app
