"""Self-assessment answers better than the council's own data: flagged with the figures.

The quoted case (issue 21): County Durham's Code item 6.3 read "does not meet" from its
data (76.9% of stage 1 responses on time against an 80% bar for "partly meets") and was
changed to "partly meets" with nothing to say so.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import polars as pl
import pytest

from conftest import make_complaints, store_year_of_complaints
from scrutiny.councillor.better_than_data import (
    CSV_COLUMNS,
    better_than_data,
    every_council_better_than_data,
    flags_frame,
)
from scrutiny.councillor.self_assessment import (
    AUDIT_ENTITY,
    AnswerInvalid,
    read_self_assessment,
    save_self_assessment_item,
)
from scrutiny.councillor.self_assessment_csv import ImportRefused, export_csv, import_csv
from scrutiny.store.audit import list_audit_entries

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
YEAR = "2024-25"
OFFICER = "officer@durham.example.org"
WHY = "Responses since January are on time; the late ones were before the new team started."


def store_quoted_case(engine, authority_code=DURHAM):
    """13 stage 1 complaints in 2024-25, three answered late: 10 of 13 (76.9%) on time,
    so item 6.3 reads "does not meet" (partly meets at 80%)."""
    n = pl.int_range(pl.len())
    frame = make_complaints(13, authority_code=authority_code).with_columns(
        responded_date=pl.when(n < 3)
        .then(pl.col("received_date") + timedelta(days=40))
        .otherwise(pl.col("responded_date"))
    )
    store_year_of_complaints(engine, frame, submitted_by=OFFICER)


def answer(engine, item, status, evidence=None, code=DURHAM):
    return save_self_assessment_item(
        engine, code, YEAR, item, status=status, evidence=evidence, actor=OFFICER
    )


def test_the_quoted_case_reads_does_not_meet_from_the_data(engine):
    store_quoted_case(engine)
    row = read_self_assessment(engine, DURHAM, YEAR).filter(item="6.3").row(0, named=True)
    assert row["status"] == "does_not_meet"
    assert row["note"].startswith("10 of 13 (76.9%) stage 1 responses sent in 2024-25")


def test_an_answer_better_than_the_data_needs_an_explanation(engine):
    store_quoted_case(engine)
    with pytest.raises(AnswerInvalid) as raised:
        answer(engine, "6.3", "partly_meets")
    assert set(raised.value.fields) == {"evidence"}
    message = raised.value.fields["evidence"]
    assert "does not meet" in message and "76.9%" in message and "80%" in message
    assert "10 of 13" in message
    # Nothing was stored: the item still reads from the data.
    row = read_self_assessment(engine, DURHAM, YEAR).filter(item="6.3").row(0, named=True)
    assert row["source"] == "data"


def test_the_quoted_case_saved_with_an_explanation_is_flagged_with_its_figures(engine):
    store_quoted_case(engine)
    assert answer(engine, "6.3", "partly_meets", evidence=WHY)
    [flag] = better_than_data(engine, DURHAM, YEAR)
    assert (flag.item, flag.year, flag.answer, flag.reading) == (
        "6.3",
        YEAR,
        "partly_meets",
        "does_not_meet",
    )
    assert (flag.value, flag.bar) == (76.9, 80.0)
    assert (flag.data.numerator, flag.data.denominator) == (10, 13)
    assert flag.evidence == WHY
    assert flag.sentence == (
        "Item 6.3: answered partly meets, but the data reads does not meet: 10 of 13 (76.9%)"
        " against 80% needed for partly meets, in 2024-25."
    )
    # The audit entry says so too, in the same words.
    [entry] = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert entry.detail["better_than_data"] == flag.data.gap("partly_meets")


def test_meets_against_a_does_not_meet_reading_is_measured_against_the_meets_bar(engine):
    store_quoted_case(engine)
    answer(engine, "6.3", "meets", evidence=WHY)
    [flag] = better_than_data(engine, DURHAM, YEAR)
    assert (flag.value, flag.bar) == (76.9, 95.0)


def test_an_answer_equal_to_the_data_is_not_flagged_and_needs_no_explanation(engine):
    store_quoted_case(engine)
    assert answer(engine, "6.3", "does_not_meet")
    assert better_than_data(engine, DURHAM, YEAR) == []


def test_an_answer_worse_than_the_data_is_not_flagged(engine):
    store_quoted_case(engine)
    # 13 of 13 acknowledged on time: 6.2 reads "meets" from the data.
    assert answer(engine, "6.2", "partly_meets")
    assert answer(engine, "6.2", "does_not_meet")
    assert better_than_data(engine, DURHAM, YEAR) == []


def test_an_item_with_no_data_reading_is_never_flagged(engine):
    store_quoted_case(engine)
    answer(engine, "3.2", "meets")  # not answered from the data at all
    answer(engine, "6.A", "meets")  # stage 2 timeliness, but no stage 2 complaints
    assert better_than_data(engine, DURHAM, YEAR) == []
    assert better_than_data(engine, DURHAM, "2023-24") == []  # no answers that year


def test_the_flag_goes_when_the_answer_or_the_data_stops_disagreeing(engine):
    store_quoted_case(engine)
    answer(engine, "6.3", "partly_meets", evidence=WHY)
    assert len(better_than_data(engine, DURHAM, YEAR)) == 1
    answer(engine, "6.3", "does_not_meet", evidence=WHY)
    assert better_than_data(engine, DURHAM, YEAR) == []


def test_every_council_lists_each_councils_flags_and_no_other_councils(engine):
    store_quoted_case(engine)
    store_quoted_case(engine, BIRMINGHAM)
    answer(engine, "6.3", "partly_meets", evidence=WHY)
    answer(engine, "6.3", "does_not_meet", code=BIRMINGHAM)
    flags = every_council_better_than_data(engine, YEAR)
    assert [(f.authority_code, f.item) for f in flags] == [(DURHAM, "6.3")]
    frame = flags_frame(flags)
    assert frame.columns == list(CSV_COLUMNS)
    row = frame.row(0, named=True)
    assert row["council"] == "Durham County Council"
    assert (row["value_percent"], row["bar_percent"], row["numerator"]) == (76.9, 80.0, 10)
    assert every_council_better_than_data(engine, "2023-24") == []
    assert flags_frame([]).columns == list(CSV_COLUMNS)


def test_a_csv_import_of_a_better_than_data_answer_needs_an_explanation_and_is_flagged(engine):
    store_quoted_case(engine)
    text = export_csv(engine, DURHAM, YEAR)
    rows = list(csv.DictReader(io.StringIO(text)))
    row_number = next(n for n, r in enumerate(rows, start=2) if r["item"] == "6.3")
    for row in rows:
        if row["item"] == "6.3":
            row["status"] = "partly meets"

    def write() -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    with pytest.raises(ImportRefused) as raised:
        import_csv(engine, DURHAM, YEAR, write(), actor=OFFICER)
    [problem] = raised.value.problems
    assert (problem.row, problem.column) == (row_number, "evidence")
    assert "76.9%" in problem.message and "80%" in problem.message
    assert better_than_data(engine, DURHAM, YEAR) == []
    for row in rows:
        if row["item"] == "6.3":
            row["evidence"] = WHY
    assert import_csv(engine, DURHAM, YEAR, write(), actor=OFFICER) == ["6.3"]
    [flag] = better_than_data(engine, DURHAM, YEAR)
    assert (flag.item, flag.value, flag.bar) == ("6.3", 76.9, 80.0)
    [entry] = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert entry.detail["via"] == "csv" and "76.9%" in entry.detail["better_than_data"]
