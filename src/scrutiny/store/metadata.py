"""The one MetaData every table of the store is declared on (scrutiny.store.db and
scrutiny.store.people), so migrations and the schema test see them all."""

from __future__ import annotations

from sqlalchemy import MetaData

# Every constraint and index gets a predictable name, so migrations can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
