"""Parallel runs (pytest-xdist, docs/testing.md): what each worker process has of its own.

Each worker is a pytest process of its own: its temporary folders (xdist gives each a base
folder), free ports and session fixtures are already separate. The one thing the tests share is
the PostgreSQL test database named by TEST_DATABASE_URL, whose schema the formsvc fixtures drop
and re-create; so each worker gets a database of its own beside it, ``<database>_<worker>``
(``portal_test_gw0``, …), made when the worker starts and dropped when it ends.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, make_url, text

# "gw0", "gw1", … in a worker; "" in a run without workers
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# how many workers `-n auto` starts at most: each may run a Pelican build, a server and Chromium
MAX_WORKERS = 4


def database_url(url: str, worker: str) -> str:
    """The URL of ``worker``'s own database beside the one ``url`` names."""
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


def _admin(url: str) -> Engine:
    """A connection outside any transaction to the database TEST_DATABASE_URL names."""
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")


def create_database(base_url: str, url: str) -> None:
    """(Re-)create the empty database ``url`` names (a crashed run may have left it behind)."""
    _execute(base_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)',
             f'CREATE DATABASE "{make_url(url).database}"')


def drop_database(base_url: str, url: str) -> None:
    """Drop the database ``url`` names, if it is there (the worker's, at the end of its run)."""
    _execute(base_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _execute(base_url: str, *statements: str) -> None:
    admin = _admin(base_url)
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()
