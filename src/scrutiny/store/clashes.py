"""Clashes: stored rows that already hold the key of a row about to be stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Column, MetaData, Table, and_, func, select
from sqlalchemy.engine import Connection

from scrutiny.store.bulk import insert_frame

INCOMING = "scrutiny_incoming_keys"


@dataclass(frozen=True)
class Clash:
    """Rows of one stored submission whose keys the incoming rows repeat."""

    submission_id: int
    rows: int
    example: dict[str, Any]


def find_clashes(connection: Connection, table: Table, keys: pl.DataFrame) -> list[Clash]:
    """Which stored submissions of TABLE already hold the keys in KEYS (one column per part).

    The keys go into a temporary table in the caller's transaction and are joined to TABLE
    in the database, so this works for a million keys without reading TABLE into memory.
    Optional key parts match when both are blank, as the standard's uniqueness rule says.
    """
    incoming = Table(
        INCOMING,
        MetaData(),
        *(Column(name, table.c[name].type) for name in keys.columns),
        prefixes=["TEMPORARY"],
    )
    incoming.create(connection)
    insert_frame(connection, incoming, keys)
    matches = and_(
        *(
            table.c[name].is_not_distinct_from(incoming.c[name])
            if table.c[name].nullable
            else table.c[name] == incoming.c[name]
            for name in keys.columns
        )
    )
    joined = table.join(incoming, matches)
    counts = connection.execute(
        select(table.c.submission_id, func.count())
        .select_from(joined)
        .group_by(table.c.submission_id)
        .order_by(table.c.submission_id)
    ).all()
    clashes = []
    for submission_id, rows in counts:
        example = connection.execute(
            select(*(incoming.c[name] for name in keys.columns))
            .select_from(joined)
            .where(table.c.submission_id == submission_id)
            .limit(1)
        ).one()
        clashes.append(Clash(submission_id, rows, dict(example._mapping)))
    incoming.drop(connection)
    return clashes
