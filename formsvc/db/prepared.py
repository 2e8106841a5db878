"""Core statements compiled once per engine and run on the driver's cursor: the submission path.

SQLAlchemy builds an execution context for every ``Connection.execute`` (cache lookup, parameter
processing, result setup): about 0.1 ms of CPU per statement here, four statements per
submission, all of it while SQLite's write lock is held (docs/performance.md, "Message service").
A :class:`Prepared` statement does that work once: it is compiled for the dialect on first use,
with its bind processors (the column types' own conversions: aware datetimes, JSON, booleans)
looked up once, and then each call only converts the values and calls the driver.

The columns an INSERT sets are the keys of the values of its first call, as with
``Connection.execute``; a later call with a key the statement does not have is refused rather
than dropped. What it gives up, on purpose: Python-side column defaults are not applied (every
such column of an INSERT must be given, which :class:`Prepared` checks when it compiles), and no
engine events fire. Driver errors come back as SQLAlchemy's ``DBAPIError`` like everywhere else, and a lost
PostgreSQL connection is invalidated, so the pool does not hand it out again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


class _Compiled:
    """One statement for one dialect: SQL text, parameter order and converters."""

    def __init__(self, statement: Executable, dialect: Dialect, keys: Iterable[str]) -> None:
        # the parameter names every call gives: the INSERT's columns and the statement's binds
        self.keys = frozenset(keys)
        table = getattr(statement, "table", None)
        columns = [k for k in self.keys if table is not None and k in table.c]
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        if compiled.post_compile_params:
            # an expanding IN is rendered per execution, which is what this class avoids
            raise ValueError("prepared statement with an expanding parameter (IN over a list)")
        self.sql = compiled.string
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
        # the values written into the statement, converted once
        self.fixed = {name: self.processors[name](value) if name in self.processors else value
                      for name, value in compiled.params.items() if name not in self.keys}
        # the call's values that have a converter (a tenth of the message's columns)
        self.key_processors = [(n, p) for n, p in self.processors.items() if n in self.keys]
        # a positional driver (SQLite's qmark): the values in SQL order with one C call, then
        # those converters by position
        self.row: Callable[[Mapping[str, Any]], Sequence[Any]] | None = None
        self.converted: tuple[tuple[int, Processor], ...] = ()
        if self.positions is not None:
            self.row = _row_getter(self.positions)
            self.converted = tuple((i, self.processors[name])
                                   for i, name in enumerate(self.positions)
                                   if name in self.keys and name in self.processors)

    def parameters(self, values: Mapping[str, Any]) -> Any:
        if values.keys() != self.keys:  # a key left out or one the statement would drop
            raise ValueError(f"parameters {sorted(values)} where the statement was prepared "
                             f"for {sorted(self.keys)}")
        if self.row is None:
            merged = {**self.fixed, **values}
            for name, proc in self.key_processors:
                merged[name] = proc(values[name])
            return merged
        row = self.row({**self.fixed, **values} if self.fixed else values)
        if not self.converted:
            return row
        row = list(row)
        for i, proc in self.converted:
            row[i] = proc(row[i])
        return row


def _row_getter(positions: Sequence[str]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    """The values of ``positions`` as one row (itemgetter returns a lone value for one name)."""
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    if positions:
        one = operator.itemgetter(positions[0])
        return lambda values: (one(values),)
    return lambda _values: ()


class Prepared:
    """A Core statement with a fixed set of parameter names, run through the driver's cursor."""

    def __init__(self, statement: Executable | Callable[[str], Executable]) -> None:
        # a callable builds the statement for a dialect name (INSERT … ON CONFLICT is per dialect)
        self.statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def compiled(self, dialect: Dialect, keys: Iterable[str]) -> _Compiled:
        """The statement for ``dialect``, compiled on first use with ``keys`` as the values."""
        c = self._by_dialect.get((dialect.name, dialect.driver))
        if c is None:
            statement = (self.statement if isinstance(self.statement, Executable)
                         else self.statement(dialect.name))
            c = self._by_dialect[(dialect.name, dialect.driver)] = _Compiled(
                statement, dialect, keys)
        return c

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run once; the first row it returns (RETURNING), or None."""
        return self._run(conn, [values], fetch=True)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> None:
        """Run once with ``values``."""
        self._run(conn, [values], fetch=False)

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row (nothing for no rows)."""
        if rows:
            self._run(conn, rows, fetch=False)

    def _run(self, conn: Connection, rows: Sequence[Mapping[str, Any]],
             fetch: bool) -> tuple[Any, ...] | None:
        dialect = conn.dialect
        c = self.compiled(dialect, rows[0])
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
