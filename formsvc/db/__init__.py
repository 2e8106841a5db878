"""Database engine and sessions: plain SQLAlchemy 2.0, no Flask-SQLAlchemy.

Plain SQLAlchemy keeps the models, services and Alembic usable outside a request (CLI, tests,
the future mail sender) and avoids a second session abstraction. One engine per app; one session
per request, created lazily and closed at teardown. Services commit; views never do.

With ``DATABASE_REPLICA_URL`` set there is a second, read-only engine (a streaming replica): a
request that ``formsvc.web.replica`` routes there gets its session from it; everything else, and
any caller asking for ``primary=True``, reads and writes the primary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from formsvc.config import SQLITE_BUSY_TIMEOUT_MS


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite stores them naive, PostgreSQL as timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """An aware datetime as UTC (naive on SQLite); a naive one is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """An aware UTC datetime from either engine."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert(dialect_name: str, table: Table) -> Any:
    """``INSERT`` with ``ON CONFLICT`` for this engine: both supported engines have it, with the
    same SQLAlchemy API but in their own dialect module."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


PG_CONNECT_TIMEOUT_SECONDS = 10


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    PostgreSQL connections are pinged when taken from the pool, so after the database was away
    (restart, network) the first request already gets a fresh connection: no restart needed.
    """
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        # threaded dev server: connections move between threads; WAL lets readers run during writes
        kwargs["connect_args"] = {"check_same_thread": False,
                                  "timeout": sqlite_busy_timeout_ms / 1000}
    else:
        kwargs["pool_pre_ping"] = True
        if url.startswith("postgresql") and "connect_timeout" not in url:
            # a database host that does not answer at all (not even "refused"): give up in
            # seconds and answer 503, rather than hang until gunicorn kills the worker (30 s)
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        def pragmas(dbapi_conn: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_conn, sqlite_busy_timeout_ms)

        event.listen(engine, "connect", pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.close()


def init_app(app: Flask) -> None:
    """A create_app step: the app's engine, its sessionmaker, sessions closed at teardown."""
    engine = make_engine(app.config["DATABASE_URL"], sqlite_busy_timeout_ms=int(
        app.config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS)))
    app.extensions["formsvc.engine"] = engine
    app.extensions["formsvc.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    if app.config.get("DATABASE_REPLICA_URL"):
        replica = make_engine(app.config["DATABASE_REPLICA_URL"])
        app.extensions["formsvc.replica_engine"] = replica
        app.extensions["formsvc.replica_sessionmaker"] = sessionmaker(bind=replica,
                                                                      expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def has_replica(app: Flask | None = None) -> bool:
    """Whether ``app`` (the current one by default) has a replica engine."""
    return "formsvc.replica_sessionmaker" in (app or current_app).extensions


def read_from_replica() -> None:
    """Let this request's ``get_session()`` read the replica (a no-op without one); called by
    formsvc.web.replica for the read-only pages, before the view runs."""
    if has_replica():
        g.db_use_replica = True


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of ``app`` (the current one by default)."""
    return (app or current_app).extensions["formsvc.engine"]


def new_session(app: Flask | None = None) -> Session:
    """A fresh session for CLI commands and background work; the caller closes it."""
    return (app or current_app).extensions["formsvc.sessionmaker"]()


def get_session(*, primary: bool = False) -> Session:
    """The session of the current request (or app context), closed at teardown: on the replica
    when the request was routed there (``read_from_replica``) unless ``primary``, else on the
    primary."""
    # the context's object once: every attribute read through the ``g`` proxy costs a failed
    # lookup first, and this runs several times per request
    ctx_globals = g._get_current_object()
    if not primary and ctx_globals.get("db_use_replica"):
        session = ctx_globals.get("db_replica_session")
        if session is None:
            session = ctx_globals.db_replica_session = \
                current_app.extensions["formsvc.replica_sessionmaker"]()
        return session
    session = ctx_globals.get("db_session")
    if session is None:
        session = ctx_globals.db_session = new_session()
    return session


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_replica_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
