"""The bulk loader (scrutiny.store.bulk) stores exactly what a plain INSERT stores.

The fast paths bind columns, not rows (SQLite executemany over zipped column lists,
PostgreSQL binary COPY); these tests compare them value for value with SQLAlchemy's own
insert of the same rows, for every column type the store uses, on both databases.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Double,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import DataError

from scrutiny.store import bulk
from scrutiny.store.db import transaction

SCHEMA = {
    "words": pl.String,
    "number": pl.Int64,
    "small": pl.Int64,
    "day": pl.Date,
    "flag": pl.Boolean,
    "amount": pl.Float64,
}


def tables() -> tuple[Table, Table]:
    """Two identical tables: one for the bulk loader, one for SQLAlchemy's insert."""
    metadata = MetaData()
    made = tuple(
        Table(
            name,
            metadata,
            Column("id", Integer, primary_key=True),
            Column("words", Text),
            Column("number", BigInteger),
            Column("small", Integer),
            Column("day", Date),
            Column("flag", Boolean),
            Column("amount", Double),
        )
        for name in ("bulk_loaded", "plainly_inserted")
    )
    return made[0], made[1]


# Text that trips up a text format: quotes, commas, separators, backslashes, \N, blanks.
awkward_text = st.one_of(
    st.none(),
    st.sampled_from(["", " ", '"', ",", "\\N", "\\", "a\tb", "line\nbreak", "£ é 漢字"]),
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=20),
)
rows = st.lists(
    st.tuples(
        awkward_text,
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.integers(-(2**31), 2**31 - 1),
        st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31)),
        st.none() | st.booleans(),
        st.none() | st.floats(allow_nan=False, allow_infinity=False),
    ),
    max_size=40,
)


@pytest.fixture
def pair(engine):
    loaded, plain = tables()
    loaded.metadata.create_all(engine)
    yield loaded, plain
    loaded.metadata.drop_all(engine)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows, chunk=st.integers(1, 7))
def test_bulk_insert_stores_exactly_what_a_plain_insert_stores(engine, pair, rows, chunk):
    loaded, plain = pair
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    done: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "CHUNK_ROWS", chunk)  # several chunks, and a part-filled last one
        with transaction(engine) as connection:
            for table in pair:
                connection.execute(delete(table))
            assert bulk.insert_frame(connection, loaded, frame, progress=done.append) == len(rows)
            if rows:
                connection.execute(insert(plain), frame.to_dicts())
    with engine.connect() as connection:
        stored = [connection.execute(select(t).order_by(t.c.id)).all() for t in pair]
    assert stored[0] == stored[1]
    assert [row[1:] for row in stored[0]] == rows
    assert done == ([*range(chunk, len(rows), chunk), len(rows)] if rows else [])


def test_a_failed_bulk_insert_leaves_nothing_stored(engine, pair):
    loaded, _ = pair
    frame = pl.DataFrame({"id": [1, 2, 3], "words": ["a", "b", "c"]})
    repeated = pl.DataFrame({"id": [4, 5, 2], "words": ["d", "e", "again"]})
    refused = pytest.raises(engine.dialect.loaded_dbapi.IntegrityError)
    with refused, transaction(engine) as connection:
        bulk.insert_frame(connection, loaded, frame)
        bulk.insert_frame(connection, loaded, repeated)
    with engine.connect() as connection:
        assert connection.execute(select(loaded)).all() == []


def test_a_number_too_big_for_its_column_is_refused_as_an_insert_refuses_it(engine, pair):
    loaded, plain = pair
    frame = pl.DataFrame({"small": [1, 2**40]})
    with transaction(engine) as connection:
        try:
            connection.execute(insert(plain), frame.to_dicts())
        except DataError:
            refused = True  # PostgreSQL: integer out of range
        else:
            refused = False  # SQLite keeps any integer in an INTEGER column
    expected = pytest.raises(ValueError, match="out of range") if refused else nullcontext()
    with expected, transaction(engine) as connection:
        bulk.insert_frame(connection, loaded, frame)
    with engine.connect() as connection:
        stored = [connection.execute(select(t.c.small).order_by(t.c.id)).all() for t in pair]
    assert stored[0] == stored[1]
