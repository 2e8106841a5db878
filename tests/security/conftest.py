"""The formsvc fixtures (an app on a migrated database, SQLite and PostgreSQL) for the security tests."""

from tests.formsvc.conftest import (  # noqa: F401  (pytest finds fixtures by name here)
    app,
    app_config,
    client,
    content_dir,
    database_url,
    session,
)
