"""Reading what is stored: rows of the standard's tables, and any query, as polars frames.

The data tables (and complaint_counts) hold only the rows of current submissions: a
submission that is replaced has its rows deleted in the same transaction (see
scrutiny.returns.submissions), so reads need no join to the submissions table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from scrutiny.standard import load_standard, polars_schema
from scrutiny.store.db import DATA_TABLES


def read_frame(engine: Engine, query: Any) -> pl.DataFrame:
    """The result of QUERY as a polars frame, columns named as the query names them."""
    with engine.connect() as connection:
        result = connection.execute(query)
        names = list(result.keys())
        kinds = _plain_types(query) if connection.dialect.name == "sqlite" else None
        if kinds is not None:
            found = _typed_in_bulk(result.cursor.fetchall(), names, kinds)
            if found is not None:
                return found
            result = connection.execute(query)
        rows = [tuple(row) for row in result]
        if not rows and (kinds := kinds or _plain_types(query)) is not None:
            # No rows to say what a column holds: the query's own types do, on every database.
            return pl.DataFrame(schema=dict(zip(names, kinds, strict=True)))
        # Every row decides a column's type: a column blank for its first rows is not Null.
        return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


# SQLite hands back dates and date-times as text, and SQLAlchemy turns each value into a
# Python object one at a time: most of the time in reading a large table. For a query whose
# columns are all of these plain types, the driver's rows are read in one call and the text
# parsed by polars a column at a time; anything else takes the general path.
_PLAIN: dict[str, pl.DataType] = {
    "integer": pl.Int64(),
    "string": pl.String(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
}


def _plain_types(query: Any) -> list[pl.DataType] | None:
    """The polars type of each of QUERY's columns, or None if any is not a plain type."""
    columns = getattr(query, "selected_columns", None)
    if columns is None:
        return None
    kinds: list[pl.DataType] = []
    for column in columns:
        affinity = getattr(column.type, "_type_affinity", None)
        name = affinity.__name__.lower() if affinity is not None else ""
        name = {"text": "string", "biginteger": "integer", "smallinteger": "integer"}.get(
            name, name
        )
        if name not in _PLAIN:
            return None
        kinds.append(_PLAIN[name])
    return kinds


def _typed_in_bulk(
    rows: Sequence[Any], names: list[str], kinds: list[pl.DataType]
) -> pl.DataFrame | None:
    """ROWS from the SQLite driver as a frame of KINDS (None when a value does not parse)."""
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    columns = []
    for name, kind in zip(names, kinds, strict=True):
        column = pl.col(name)
        if frame.schema[name] == pl.Null:
            columns.append(column.cast(kind))
        elif kind == pl.Date and frame.schema[name] == pl.String:
            columns.append(column.str.to_date("%Y-%m-%d"))
        elif kind == pl.Datetime("us") and frame.schema[name] == pl.String:
            columns.append(column.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"))
        elif kind == pl.Boolean and frame.schema[name].is_integer():
            columns.append(column.cast(pl.Boolean))
        else:
            columns.append(column)
    try:
        return frame.select(columns)
    except pl.exceptions.PolarsError:
        return None


def count_rows(
    engine: Engine,
    table_name: str,
    *,
    authority_code: str | None = None,
    submission_id: int | None = None,
) -> int:
    """How many rows of TABLE_NAME are stored, optionally for one authority or submission."""
    data = DATA_TABLES[table_name]
    query = select(func.count()).select_from(data)
    if authority_code is not None:
        query = query.where(data.c.authority_code == authority_code)
    if submission_id is not None:
        query = query.where(data.c.submission_id == submission_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def read_rows(
    engine: Engine, table_name: str, *, authority_code: str | None = None
) -> pl.DataFrame:
    """The stored rows of TABLE_NAME as a typed frame like the one saved, in stored order."""
    spec = load_standard().table(table_name)
    data = DATA_TABLES[table_name]
    schema = polars_schema(spec)
    query = select(*(data.c[name] for name in schema)).order_by(data.c.id)
    if authority_code is not None:
        query = query.where(data.c.authority_code == authority_code)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")
