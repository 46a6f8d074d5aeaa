"""Reading what is stored: rows of the standard's tables, and any query, as polars frames.

The data tables (and complaint_counts) hold only the rows of current submissions: a
submission that is replaced has its rows deleted in the same transaction (see
scrutiny.returns.submissions), so reads need no join to the submissions table.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from scrutiny.standard import load_standard, polars_schema
from scrutiny.store.db import DATA_TABLES


def read_frame(engine: Engine, query: Any) -> pl.DataFrame:
    """The result of QUERY as a polars frame, columns named as the query names them."""
    with engine.connect() as connection:
        result = connection.execute(query)
        rows = [tuple(row) for row in result]
        # Every row decides a column's type: a column blank for its first rows is not Null.
        return pl.DataFrame(
            rows, schema=list(result.keys()), orient="row", infer_schema_length=None
        )


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
