"""Alembic migrations of formsvc (shipped inside the package; run with ``formsvc.db.migrate``)."""
