"""Core statements compiled once per engine and run on the driver's cursor: the submission path.

SQLAlchemy builds an execution context for every ``Connection.execute`` (cache lookup, parameter
processing, result setup): about 0.1 ms of CPU per statement here, four statements per
submission, all of it while SQLite's write lock is held (docs/performance.md, "Message service").
A :class:`Prepared` statement does that work once: it is compiled for the dialect on first use,
with its bind processors (the column types' own conversions: aware datetimes, JSON, booleans)
looked up once, and then each call only converts the values and calls the driver.

What it gives up, on purpose: Python-side column defaults are not applied (every such column of
an INSERT must be given, which :class:`Prepared` checks when it compiles), and no engine events
fire. Driver errors come back as SQLAlchemy's ``DBAPIError`` like everywhere else, and a lost
PostgreSQL connection is invalidated, so the pool does not hand it out again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


class _Compiled:
    """One statement for one dialect: SQL text, parameter order and converters."""

    def __init__(self, statement: Executable, dialect: Dialect,
                 column_keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys))
        if compiled.post_compile_params:
            # an expanding IN is rendered per execution, which is what this class avoids
            raise ValueError("prepared statement with an expanding parameter (IN over a list)")
        self.sql = compiled.string
        self.fixed: dict[str, Any] = dict(compiled.params)  # values written into the statement
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None)
        self.processors: dict[str, Processor] = {}
        for bind, name in compiled.bind_names.items():
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.processors[name] = proc
        # columns whose Python-side default SQLAlchemy would compute before the INSERT
        missing = [c.key for c in getattr(compiled, "insert_prefetch", ())]
        if missing:
            raise ValueError(f"prepared INSERT without values for defaulted columns: {missing}")

    def parameters(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.fixed, **values}
        for name, proc in self.processors.items():
            if name in merged:
                merged[name] = proc(merged[name])
        if self.positions is None:
            return merged
        return tuple(merged[name] for name in self.positions)


class Prepared:
    """A Core statement with a fixed set of parameter names, run through the driver's cursor.

    ``column_keys`` are the table columns an INSERT sets from parameters (as for
    ``Connection.execute``); other parameters are the statement's own ``bindparam`` names.
    """

    def __init__(self, statement: Executable | Callable[[str], Executable],
                 column_keys: Iterable[str] = ()) -> None:
        # a callable builds the statement for a dialect name (INSERT … ON CONFLICT is per dialect)
        self.statement = statement
        self.column_keys = tuple(column_keys)
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        if key not in self._by_dialect:
            statement = (self.statement if isinstance(self.statement, Executable)
                         else self.statement(dialect.name))
            self._by_dialect[key] = _Compiled(statement, dialect, self.column_keys)
        return self._by_dialect[key]

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run once; the first row it returns (RETURNING), or None."""
        return self._run(conn, [values], fetch=True)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> None:
        self._run(conn, [values], fetch=False)

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._run(conn, rows, fetch=False)

    def _run(self, conn: Connection, rows: Sequence[Mapping[str, Any]],
             fetch: bool) -> tuple[Any, ...] | None:
        dialect = conn.dialect
        c = self.compiled(dialect)
        params = [c.parameters(r) for r in rows]
        dbapi_conn = conn.connection
        cursor = dbapi_conn.cursor()
        try:
            if len(params) == 1:
                cursor.execute(c.sql, params[0])
            else:
                cursor.executemany(c.sql, params)
            row = cursor.fetchone() if fetch else None
            return tuple(row) if row is not None else None
        except dialect.loaded_dbapi.Error as e:
            if dialect.is_disconnect(e, dbapi_conn.dbapi_connection, cursor):
                conn.invalidate(e)
            raise exc.DBAPIError.instance(c.sql, params, e, dialect.loaded_dbapi.Error) from e
        finally:
            cursor.close()
