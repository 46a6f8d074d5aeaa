"""Councils' saved mappings: a council's mapping (scrutiny.returns.mapping) kept by name and
reused for every upload, on the web, through the API and from the command line.

A council may keep several named mappings (one per case system, say); "default" is the one
uploads use when none is named. Each save adds a numbered version (1, 2, ...) and never
changes an earlier one; the newest version of a name is its current one. A mapping is
checked with parse_mapping before it is stored, so a wrong one stores nothing and its
MappingError names the line. Every save is in the audit log, in the same transaction.
Saving a mapping changes no figure: only the returns read with it do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from scrutiny.core.errors import Invalid, NotFound
from scrutiny.reference.authorities import get_council
from scrutiny.returns.mapping import DEFAULT_NAME, Mapping, parse_mapping
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import as_utc, council_mappings, transaction

AUDIT_ENTITY = "council_mapping"  # what the audit log calls a saved mapping's version
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SAVE_ATTEMPTS = 3  # two saves at once may both take the next version: the later tries again


@dataclass(frozen=True)
class SavedMapping:
    """One version of a council's named mapping, as stored."""

    id: int
    authority_code: str
    name: str
    version: int
    yaml: str
    created_by: str
    created_at: datetime

    @property
    def label(self) -> str:
        """How messages name it: saved mapping 'default', version 3."""
        return f"saved mapping '{self.name}', version {self.version}"

    @property
    def mapping(self) -> Mapping:
        """The mapping itself, read from its stored text (checked when it was saved)."""
        return parse_mapping(self.yaml, f"the saved mapping '{self.name}'")


def checked_name(name: str) -> str:
    """NAME as mappings are named (lower case, digits, - and _), or Invalid."""
    tidy = name.strip().lower()
    if not NAME.match(tidy):
        raise Invalid(
            f"'{name}' cannot name a mapping: use up to 40 lower-case letters, digits, - or _,"
            f" such as {DEFAULT_NAME}"
        )
    return tidy


def save_mapping(
    engine: Engine,
    authority_code: str,
    name: str,
    text: str,
    saved_by: str,
    *,
    now: datetime | None = None,
) -> SavedMapping:
    """Check TEXT as a mapping and keep it as the next version of AUTHORITY_CODE's NAME.

    A wrong mapping raises MappingError (naming the line) and stores nothing; an unknown
    council is NotFound. TEXT the same as the current version changes nothing and returns
    that version.
    """
    get_council(authority_code)
    name = checked_name(name)
    parse_mapping(text, f"the mapping '{name}'")
    current = current_mapping(engine, authority_code, name)
    if current is not None and current.yaml == text:
        return current
    for attempt in range(SAVE_ATTEMPTS):
        try:
            return _insert_version(engine, authority_code, name, text, saved_by, now)
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _insert_version(
    engine: Engine,
    authority_code: str,
    name: str,
    text: str,
    saved_by: str,
    now: datetime | None,
) -> SavedMapping:
    table = council_mappings.c
    at = now or datetime.now(UTC)
    with transaction(engine) as connection:
        latest = connection.execute(
            select(func.max(table.version)).where(
                table.authority_code == authority_code, table.name == name
            )
        ).scalar_one_or_none()
        version = (latest or 0) + 1
        new_id = connection.execute(
            insert(council_mappings).returning(table.id),
            {
                "authority_code": authority_code,
                "name": name,
                "version": version,
                "yaml": text,
                "created_by": saved_by,
                "created_at": at,
            },
        ).scalar_one()
        record_audit_entry(
            connection,
            actor=saved_by,
            action="save",
            entity=AUDIT_ENTITY,
            entity_id=new_id,
            detail={"authority_code": authority_code, "name": name, "version": version},
            at=at,
        )
    return SavedMapping(new_id, authority_code, name, version, text, saved_by, as_utc(at))


def mapping_versions(
    engine: Engine, authority_code: str, name: str | None = None
) -> list[SavedMapping]:
    """AUTHORITY_CODE's saved mappings (only NAME's, if given), by name, newest version first."""
    table = council_mappings.c
    query = (
        select(council_mappings)
        .where(table.authority_code == authority_code)
        .order_by(table.name, table.version.desc())
    )
    if name is not None:
        query = query.where(table.name == checked_name(name))
    with engine.connect() as connection:
        return [
            SavedMapping(**{**row._mapping, "created_at": as_utc(row.created_at)})
            for row in connection.execute(query)
        ]


def current_mapping(
    engine: Engine, authority_code: str, name: str = DEFAULT_NAME
) -> SavedMapping | None:
    """The newest version of AUTHORITY_CODE's mapping NAME, or None when it has none."""
    versions = mapping_versions(engine, authority_code, name)
    return versions[0] if versions else None


def find_mapping(
    engine: Engine, authority_code: str, name: str = DEFAULT_NAME, version: int | None = None
) -> SavedMapping:
    """AUTHORITY_CODE's mapping NAME (its VERSION, default the current one), or NotFound."""
    versions = mapping_versions(engine, authority_code, name)
    found = [v for v in versions if version is None or v.version == version][:1]
    if not found:
        which = f"version {version} of " if version is not None and versions else ""
        raise NotFound(
            f"{authority_code} has no {which}saved mapping '{checked_name(name)}'"
            + (f": its versions are 1 to {versions[0].version}" if which else "")
        )
    return found[0]


def mapping_for_upload(
    engine: Engine, authority_code: str, name: str | None = None
) -> SavedMapping | None:
    """The saved mapping an upload for AUTHORITY_CODE is read with: NAME's current version
    when a name is given (NotFound when there is none), else the current 'default' if the
    council has saved one, else None (the file is read as the standard writes it)."""
    if name:
        return find_mapping(engine, authority_code, name)
    return current_mapping(engine, authority_code)
