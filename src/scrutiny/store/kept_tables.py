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
    or_,
    select,
)

from scrutiny.store.metadata import metadata

kept_figures = Table(
    "kept_figures",
    metadata,
    Column("name", Text, primary_key=True),
    Column("version", Integer, nullable=False),  # the audit log's newest figure entry then
    # How many figure entries the audit log had then: one committed late with an id below
    # VERSION (PostgreSQL hands ids out before commit) shows as more entries, same version.
    Column("entries", Integer, nullable=False),
    Column("recipe", Text, nullable=False),  # a fingerprint of the code that made them
    Column("computed_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("payload", LargeBinary, nullable=False),  # Arrow IPC, zstd-compressed
)


@dataclass(frozen=True)
class KeptRow:
    name: str
    version: int
    entries: int
    recipe: str
    payload: bytes


def read_kept(engine: Engine, name: str) -> KeptRow | None:
    """The figures kept under NAME, if any."""
    query = select(kept_figures).where(kept_figures.c.name == name)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return KeptRow(row.name, row.version, row.entries, row.recipe, bytes(row.payload))


def kept_names(engine: Engine) -> list[str]:
    """The names of everything kept."""
    return list(kept_stamps(engine))


def kept_stamps(engine: Engine) -> dict[str, tuple[int, int, str]]:
    """The version, entries and recipe of everything kept, by name (not the figures)."""
    query = select(
        kept_figures.c.name, kept_figures.c.version, kept_figures.c.entries, kept_figures.c.recipe
    ).order_by(kept_figures.c.name)
    with engine.connect() as connection:
        return {name: (v, n, recipe) for name, v, n, recipe in connection.execute(query)}


def save_kept(engine: Engine, row: KeptRow) -> None:
    """Keep ROW under its name, unless figures of a newer version are kept there already
    (two processes refreshing at once: the newer wins)."""
    with engine.begin() as connection:
        newer = connection.execute(
            select(kept_figures.c.version).where(
                kept_figures.c.name == row.name,
                or_(
                    kept_figures.c.version > row.version,
                    (kept_figures.c.version == row.version)
                    & (kept_figures.c.entries > row.entries),
                ),
            )
        ).first()
        if newer is not None:
            return
        connection.execute(delete(kept_figures).where(kept_figures.c.name == row.name))
        connection.execute(
            insert(kept_figures).values(
                name=row.name,
                version=row.version,
                entries=row.entries,
                recipe=row.recipe,
                computed_at=datetime.now(UTC),
                payload=row.payload,
            )
        )


def forget_kept(engine: Engine) -> None:
    """Drop everything kept (it is all worked out again on first use)."""
    with engine.begin() as connection:
        connection.execute(delete(kept_figures))
