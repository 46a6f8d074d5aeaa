"""Fast inserts of a typed polars frame, inside the caller's transaction.

Both databases are fed columns, not rows: polars turns each column of a chunk into a list
of Python values once (`Series.to_list`, in Rust), and the rows are tuples zipped from
those lists as the driver asks for them, so no Python code runs per value.

- SQLite: one prepared single-row INSERT, run by `executemany` over the zipped rows.
  sqlite3 binds each row's values and steps the statement in C; that is the database's
  own bulk path, and what benchmarks/store.py measures as the floor. (Multi-row VALUES
  statements, used before, were slower: building one flat list of every value cost more
  than the fewer statements saved.)
- PostgreSQL: binary COPY FROM STDIN, the column types set from the table
  (psycopg's `set_types`), so the server parses no text.

Both run on the DBAPI connection SQLAlchemy holds, so they share its transaction: a
failure part-way leaves nothing stored once the caller rolls back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
from sqlalchemy import Table
from sqlalchemy.engine import Connection

CHUNK_ROWS = 50_000  # rows turned into Python values at a time: bounds memory, paces progress

Progress = Callable[[int], None]


def insert_frame(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    progress: Progress | None = None,
) -> int:
    """Insert FRAME's rows into TABLE (columns by name); calls PROGRESS after each chunk."""
    missing = [name for name in frame.columns if name not in table.c]
    if missing:
        raise ValueError(f"{table.name} has no columns {missing}")
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, frame, progress)
    if connection.dialect.name == "sqlite":
        return _executemany(connection, table, frame, progress)
    raise ValueError(f"bulk loading into {connection.dialect.name} is not supported")


def column_rows(frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """FRAME's rows as tuples of Python values, converted a column at a time."""
    return zip(*(series.to_list() for series in frame.iter_columns()), strict=True)


def _quoted(frame: pl.DataFrame) -> str:
    return ", ".join(f'"{name}"' for name in frame.columns)


def postgresql_types(connection: Connection, table: Table, columns: list[str]) -> list[str]:
    """The PostgreSQL type name of each of COLUMNS of TABLE, as binary COPY needs them."""
    # "VARCHAR(64)" -> "varchar": psycopg knows types by name, without their modifiers.
    return [
        str(table.c[name].type.compile(dialect=connection.dialect)).split("(")[0].lower()
        for name in columns
    ]


def _copy(
    connection: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None
) -> int:
    statement = f'COPY "{table.name}" ({_quoted(frame)}) FROM STDIN (FORMAT BINARY)'
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    done = 0
    types = postgresql_types(connection, table, frame.columns)
    _check_ranges(table, frame, types)
    with cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for chunk in frame.iter_slices(CHUNK_ROWS):
            for row in column_rows(chunk):
                copy.write_row(row)
            done += chunk.height
            if progress:
                progress(done)
    return frame.height


# psycopg's binary dumpers for these types keep only the low bytes of a larger number (2**40
# arrives as 0), where an INSERT would be refused: so refuse such a frame the same way.
NARROW_INTEGERS = {"smallint": 2**15, "integer": 2**31}


def _check_ranges(table: Table, frame: pl.DataFrame, types: list[str]) -> None:
    for name, kind in zip(frame.columns, types, strict=True):
        limit = NARROW_INTEGERS.get(kind)
        if limit is None or not frame.schema[name].is_integer():
            continue
        low, high = frame.get_column(name).min(), frame.get_column(name).max()
        if low is not None and (low < -limit or high >= limit):  # type: ignore[operator]
            raise ValueError(f"{table.name}.{name} holds a number out of range for {kind}")


def sqlite_insert_statement(table: Table, frame: pl.DataFrame) -> str:
    """A prepared single-row INSERT of FRAME's columns into TABLE."""
    values = ", ".join("?" * frame.width)
    return f'INSERT INTO "{table.name}" ({_quoted(frame)}) VALUES ({values})'


def sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """FRAME with dates as ISO text, as SQLAlchemy stores them in SQLite (the sqlite3
    module's own date adapter is deprecated)."""
    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


def _executemany(
    connection: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None
) -> int:
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    statement = sqlite_insert_statement(table, frame)
    cursor = driver.cursor()
    done = 0
    try:
        for chunk in sqlite_values(frame).iter_slices(CHUNK_ROWS):
            cursor.executemany(statement, column_rows(chunk))
            done += chunk.height
            if progress:
                progress(done)
    finally:
        cursor.close()
    return frame.height
