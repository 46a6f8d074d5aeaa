"""Figures worked out once and kept (kept_figures): each under a name such as
"indicators:quarter" or "signals:2025-03-31", with the data version it was worked out at,
a fingerprint of the code that worked it out, and the figures themselves as a compressed
Arrow IPC frame. What is kept, and how it is brought up to date, is scrutiny.warning.kept;
this module only reads and writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    Table,
    Text,
    delete,
    insert,
    select,
)

from scrutiny.store.metadata import metadata

kept_figures = Table(
    "kept_figures",
    metadata,
    Column("name", Text, primary_key=True),
    Column("version", Integer, nullable=False),  # the audit log's newest figure entry then
    Column("recipe", Text, nullable=False),  # a fingerprint of the code that made them
    Column("computed_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("payload", LargeBinary, nullable=False),  # Arrow IPC, zstd-compressed
)


@dataclass(frozen=True)
class KeptRow:
    name: str
    version: int
    recipe: str
    payload: bytes


def read_kept(engine: Engine, name: str) -> KeptRow | None:
    """The figures kept under NAME, if any."""
    query = select(kept_figures).where(kept_figures.c.name == name)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return KeptRow(row.name, row.version, row.recipe, bytes(row.payload))


def kept_names(engine: Engine) -> list[str]:
    """The names of everything kept."""
    with engine.connect() as connection:
        return list(connection.execute(select(kept_figures.c.name).order_by("name")).scalars())


def save_kept(engine: Engine, row: KeptRow) -> None:
    """Keep ROW under its name, unless figures of a newer version are kept there already
    (two processes refreshing at once: the newer wins)."""
    with engine.begin() as connection:
        newer = connection.execute(
            select(kept_figures.c.version).where(
                kept_figures.c.name == row.name, kept_figures.c.version > row.version
            )
        ).first()
        if newer is not None:
            return
        connection.execute(delete(kept_figures).where(kept_figures.c.name == row.name))
        connection.execute(
            insert(kept_figures).values(
                name=row.name,
                version=row.version,
                recipe=row.recipe,
                computed_at=datetime.now(UTC),
                payload=row.payload,
            )
        )


def forget_kept(engine: Engine) -> None:
    """Drop everything kept (it is all worked out again on first use)."""
    with engine.begin() as connection:
        connection.execute(delete(kept_figures))
