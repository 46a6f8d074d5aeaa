"""Fast inserts of a typed polars frame, inside the caller's transaction.

PostgreSQL gets COPY FROM STDIN with CSV that polars writes in chunks. SQLite gets
executemany with multi-row VALUES statements: binding parameters is most of the cost in
Python, and a few hundred rows a statement measured about 30% faster than one row a
statement (1M complaint rows: 5.6 s against 8.0 s on the development machine).
Both run on the DBAPI connection SQLAlchemy holds, so they share its transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import polars as pl
from sqlalchemy import Table
from sqlalchemy.engine import Connection

CHUNK_ROWS = 50_000
SQLITE_ROWS_PER_STATEMENT = 250

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


def _copy(
    connection: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None
) -> int:
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)'
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    chunks = frame.iter_slices(CHUNK_ROWS)
    done = 0
    with ThreadPoolExecutor(max_workers=1) as pool, cursor, cursor.copy(statement) as copy:
        # polars writes the next chunk's CSV, without the GIL, while this one is sent.
        upcoming = pool.submit(_csv, next(chunks, None))
        while (chunk := upcoming.result()) is not None:
            upcoming = pool.submit(_csv, next(chunks, None))
            copy.write(chunk[0])
            done += chunk[1]
            if progress:
                progress(done)
    return frame.height


def _csv(chunk: pl.DataFrame | None) -> tuple[str, int] | None:
    # polars writes null as an empty field and an empty string as "", which is exactly
    # how COPY's CSV format tells NULL from ''.
    return None if chunk is None else (chunk.write_csv(include_header=False), chunk.height)


def _executemany(
    connection: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None
) -> int:
    # The sqlite3 module's date adapter is deprecated; store dates as SQLAlchemy does.
    frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    width = frame.width
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // width))
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    one_row = "(" + ", ".join("?" * width) + ")"

    def statement(rows: int) -> str:
        return f'INSERT INTO "{table.name}" ({columns}) VALUES ' + ", ".join([one_row] * rows)

    batch_sql = statement(per_statement)
    batch_size = per_statement * width
    cursor = driver.cursor()
    done = 0
    try:
        for chunk in frame.iter_slices(CHUNK_ROWS):
            # Column-wise to Python lists, then one flat row-major list of parameters.
            flat = list(
                chain.from_iterable(zip(*(s.to_list() for s in chunk.iter_columns()), strict=True))
            )
            whole = len(flat) - len(flat) % batch_size
            cursor.executemany(
                batch_sql, (flat[i : i + batch_size] for i in range(0, whole, batch_size))
            )
            if whole < len(flat):
                cursor.execute(statement((len(flat) - whole) // width), flat[whole:])
            done += chunk.height
            if progress:
                progress(done)
    finally:
        cursor.close()
    return frame.height
