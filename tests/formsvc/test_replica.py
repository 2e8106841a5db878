"""DATABASE_REPLICA_URL: the read-only public pages read the replica, everything else the primary.

Here the "replica" is a second migrated SQLite file, so which database answered is visible; the
real streaming replica and its failover are tests/reliability/test_pg_failover.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from formsvc import create_app, db
from formsvc.db import migrate
from formsvc.web.replica import REPLICA_ENDPOINTS
from tests.formsvc.conftest import api_submit, make_config


@pytest.fixture
def replica_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def app_config(replica_url: str) -> dict[str, Any]:
    return {"DATABASE_REPLICA_URL": replica_url}


class Statements:
    """Counts the statements each engine runs."""

    def __init__(self, app: Flask) -> None:
        self.counts = {"primary": 0, "replica": 0}
        self.engines: dict[str, Engine] = {"primary": db.get_engine(app),
                                           "replica": app.extensions["formsvc.replica_engine"]}
        for name, engine in self.engines.items():
            event.listen(engine, "before_cursor_execute", self._counter(name))

    def _counter(self, name: str) -> Any:
        def count(*_args: Any) -> None:
            self.counts[name] += 1
        return count

    def during(self, call: Any) -> tuple[Any, dict[str, int]]:
        before = dict(self.counts)
        result = call()
        return result, {k: self.counts[k] - before[k] for k in self.counts}


@pytest.fixture
def statements(app: Flask) -> Iterator[Statements]:
    s = Statements(app)
    yield s
    s.engines["replica"].dispose()


@pytest.mark.parametrize("path", ["/hdjl/letters", "/hdjl/stats", "/hdjl/stats.csv",
                                  "/api/v1/letters", "/api/v1/stats"])
def test_read_only_pages_read_the_replica(client: FlaskClient, statements: Statements,
                                          path: str) -> None:
    resp, counts = statements.during(lambda: client.get(path))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert counts["replica"] > 0 and counts["primary"] == 0


def test_a_letter_not_on_the_replica_is_404_there(client: FlaskClient,
                                                  statements: Statements) -> None:
    resp, counts = statements.during(lambda: client.get("/hdjl/letters/1"))
    assert resp.status_code == 404 and counts == {"primary": 0, "replica": 1}


def test_writes_and_the_citizens_own_reads_use_the_primary(client: FlaskClient,
                                                           statements: Statements) -> None:
    resp, counts = statements.during(lambda: api_submit(client, "zx"))
    assert resp.status_code == 201 and counts["primary"] > 0 and counts["replica"] == 0
    sub = resp.get_json()
    creds = {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}
    # tracking right after the submission finds it: the primary, not a replica that could lag
    resp, counts = statements.during(lambda: client.post("/api/v1/track", json=creds))
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    assert counts["replica"] == 0


def test_without_the_setting_nothing_is_routed(tmp_path: Path, database_url: str,
                                               content_dir: Path) -> None:
    app = create_app(make_config(tmp_path, database_url, content_dir))
    assert not db.has_replica(app)
    with app.test_request_context("/hdjl/letters"):
        db.read_from_replica()
        assert db.get_session().get_bind() is db.get_engine(app)
    db.get_engine(app).dispose()


def test_the_routed_endpoints_exist(app: Flask) -> None:
    assert set(app.view_functions) >= REPLICA_ENDPOINTS


def test_a_hosting_panel_replica_url_gets_the_driver(tmp_path: Path, content_dir: Path) -> None:
    app = create_app(make_config(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite3'}", content_dir,
                                 DATABASE_REPLICA_URL="postgres://u:p@127.0.0.1:1/formsvc"))
    assert app.config["DATABASE_REPLICA_URL"] == "postgresql+psycopg://u:p@127.0.0.1:1/formsvc"
    assert app.extensions["formsvc.replica_engine"].dialect.driver == "psycopg"
    db.get_engine(app).dispose()
