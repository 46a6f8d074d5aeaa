"""Storing validated files as submissions, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import make_complaints, typed_frame
from scrutiny.returns.submissions import (
    SubmissionClash,
    SubmissionError,
    list_submissions,
    save_submission,
)
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine
from scrutiny.store.read import count_rows, read_rows

HASH_A = "a" * 64
HASH_B = "b" * 64


def save(engine, frame, file_hash=HASH_A, table_name="complaints", **options):
    """save_submission with a file name and submitter filled in."""
    options.setdefault("file_name", f"{table_name}-{file_hash[:4]}.csv")
    options.setdefault("submitted_by", "tester")
    return save_submission(
        engine, table_name=table_name, frame=frame, file_hash=file_hash, **options
    )


def make_recommendation(**overrides):
    return {
        "decision_ref": "24 015 110",
        "recommendation_number": 1,
        "authority_code": "E10000017",
        "kind": "financial_remedy",
        "beneficiary": "complainant",
        "amount_gbp": 500.0,
        "agreed_date": date(2025, 3, 14),
        "due_date": date(2025, 4, 14),
        "compliance_status": "pending",
        **overrides,
    }


def make_decision(**overrides):
    return {
        "ombudsman": "lgsco",
        "decision_ref": "24 015 110",
        "authority_code": "E10000017",
        "decision_date": date(2025, 3, 14),
        "category": "housing",
        "outcome": "upheld",
        "fault_found": True,
        **overrides,
    }


def make_aggregate(**overrides):
    return {
        "authority_code": "E06000047",
        "period_start": date(2024, 4, 1),
        "period_end": date(2025, 3, 31),
        "stage": 1,
        "received": 120,
        "responded": 110,
        "working_days_to_respond_median": 8.5,
        **overrides,
    }


def test_saved_rows_read_back_as_the_same_typed_frame(engine):
    frame = make_complaints(6)
    awkward: dict[str, Any] = {
        "extension_reason": 'Said "wait", then, a visit\nnext week',
        "outcome": None,
    }
    awkward |= {"acceptance": "refused", "refusal_reason": "service_request", "remedies": None}
    awkward |= {"service_improvement_text": "", "financial_remedy_gbp": 0.1 + 0.2}
    frame = pl.concat([frame, make_complaints(1, ref_prefix="Q", **awkward)])
    results = save(engine, frame)
    assert [(r.outcome, r.rows) for r in results] == [("loaded", 7)]
    assert_frame_equal(read_rows(engine, "complaints"), frame)


@pytest.mark.parametrize(
    ("table_name", "rows"),
    [
        ("recommendations", [make_recommendation(), make_recommendation(recommendation_number=2)]),
        ("ombudsman_decisions", [make_decision(), make_decision(finding_element="delay")]),
        ("aggregate_returns", [make_aggregate(), make_aggregate(service_area="housing")]),
    ],
)
def test_every_standard_table_can_be_stored_and_read_back(engine, table_name, rows):
    frame = typed_frame(table_name, rows)
    save(engine, frame, table_name=table_name)
    # Rows are stored in key order, which is not a promise: compare them as a set.
    assert_frame_equal(read_rows(engine, table_name), frame, check_row_order=False)


def test_each_authority_in_a_national_file_becomes_its_own_submission(engine):
    frame = pl.concat(
        [
            make_complaints(3, authority_code="E09000001"),
            make_complaints(2, authority_code="E06000047"),
        ]
    )
    results = save(engine, frame, warning_count={"E09000001": 4})
    assert [(r.authority_code, r.rows, r.outcome) for r in results] == [
        ("E06000047", 2, "loaded"),
        ("E09000001", 3, "loaded"),
    ]
    stored = {s.authority_code: s for s in list_submissions(engine)}
    assert stored["E09000001"].row_count == 3
    assert stored["E09000001"].warning_count == 4
    assert stored["E06000047"].warning_count == 0
    assert count_rows(engine, "complaints", authority_code="E09000001") == 3
    assert count_rows(engine, "complaints", submission_id=stored["E06000047"].id) == 2


@pytest.mark.parametrize(
    ("first", "last", "period"),
    [
        (date(2024, 4, 1), date(2025, 3, 31), (date(2024, 4, 1), date(2025, 3, 31))),
        (date(2025, 3, 31), date(2025, 3, 31), (date(2024, 4, 1), date(2025, 3, 31))),
        (date(2024, 1, 15), date(2024, 5, 2), (date(2023, 4, 1), date(2025, 3, 31))),
        (date(2024, 2, 29), date(2024, 2, 29), (date(2023, 4, 1), date(2024, 3, 31))),
    ],
)
def test_period_defaults_to_the_whole_financial_years_the_dates_span(engine, first, last, period):
    frame = pl.concat(
        [
            make_complaints(1, first_received=first, ref_prefix="F"),
            make_complaints(1, first_received=last, ref_prefix="L"),
        ]
    )
    [result] = save(engine, frame)
    assert (result.period_start, result.period_end) == period


@pytest.mark.parametrize(
    ("table_name", "row", "period"),
    [
        (
            "aggregate_returns",
            make_aggregate(period_start=date(2024, 7, 1), period_end=date(2025, 6, 30)),
            (date(2024, 4, 1), date(2026, 3, 31)),
        ),
        ("ombudsman_decisions", make_decision(), (date(2024, 4, 1), date(2025, 3, 31))),
        (
            "recommendations",
            make_recommendation(agreed_date=date(2025, 4, 1)),
            (date(2025, 4, 1), date(2026, 3, 31)),
        ),
    ],
)
def test_each_table_takes_its_period_from_its_own_dates(engine, table_name, row, period):
    [result] = save(engine, typed_frame(table_name, [row]), table_name=table_name)
    assert (result.period_start, result.period_end) == period


def test_an_explicit_period_overrides_the_financial_year(engine):
    start, end = date(2024, 4, 1), date(2024, 6, 30)
    [result] = save(engine, make_complaints(30), period_start=start, period_end=end)
    assert (result.period_start, result.period_end) == (start, end)
    [stored] = list_submissions(engine)
    assert (stored.period_start, stored.period_end) == (start, end)


def test_rows_outside_an_explicit_period_are_refused_and_nothing_is_stored(engine):
    frame = pl.concat(
        [make_complaints(3), make_complaints(1, first_received=date(2024, 7, 1), ref_prefix="X")]
    )
    with pytest.raises(SubmissionError, match=r"1 rows fall outside the period .*2024-07-01"):
        save(engine, frame, period_start=date(2024, 4, 1), period_end=date(2024, 6, 30))
    assert count_rows(engine, "complaints") == 0
    assert list_submissions(engine) == []


def test_reimporting_the_same_file_changes_nothing(engine):
    [first] = save(engine, make_complaints(5))
    [again] = save(engine, make_complaints(5))
    assert (again.outcome, again.rows, again.submission_id) == ("unchanged", 0, first.submission_id)
    assert len(list_submissions(engine)) == 1
    assert count_rows(engine, "complaints") == 5
    assert len(list_audit_entries(engine)) == 1


def test_resubmission_for_same_period_replaces_earlier_and_keeps_history(engine):
    [first] = save(engine, make_complaints(5, ref_prefix="OLD"), file_hash=HASH_A)
    [second] = save(engine, make_complaints(3, ref_prefix="NEW"), file_hash=HASH_B)
    assert second.outcome == "replaced"
    assert second.replaced_submission_id == first.submission_id
    newest, oldest = list_submissions(engine)
    assert (newest.id, newest.status, newest.superseded_by) == (
        second.submission_id,
        "current",
        None,
    )
    assert (oldest.id, oldest.status) == (first.submission_id, "superseded")
    assert oldest.superseded_by == second.submission_id
    refs = read_rows(engine, "complaints")["complaint_ref"].to_list()
    assert refs == ["NEW-000000", "NEW-000001", "NEW-000002"]
    superseded = list_audit_entries(engine, entity="submission", entity_id=first.submission_id)
    assert [e.action for e in superseded] == ["loaded", "superseded"]
    assert superseded[-1].detail == {"superseded_by": second.submission_id, "rows_deleted": 5}
    [replacing] = list_audit_entries(engine, entity="submission", entity_id=second.submission_id)
    assert replacing.action == "replaced"
    assert replacing.detail["replaces"] == first.submission_id
    assert replacing.actor == "tester"


def test_a_replacement_may_repeat_the_keys_of_the_submission_it_replaces(engine):
    save(engine, make_complaints(4), file_hash=HASH_A)
    [result] = save(engine, make_complaints(4, outcome="not_upheld"), file_hash=HASH_B)
    assert result.outcome == "replaced"
    assert read_rows(engine, "complaints")["outcome"].unique().to_list() == ["not_upheld"]


def test_rows_clashing_with_another_current_submission_are_refused_naming_it(engine):
    [earlier] = save(engine, make_complaints(3), period_start=date(2023, 4, 1))
    with pytest.raises(
        SubmissionClash, match=rf"3 rows clash with submission {earlier.submission_id} "
    ) as caught:
        # The same complaints again, under a different (default) period.
        save(engine, make_complaints(3), file_hash=HASH_B)
    assert caught.value.earlier_submission_ids == [earlier.submission_id]
    assert "complaint_ref C-000000" in str(caught.value)
    assert len(list_submissions(engine)) == 1
    assert count_rows(engine, "complaints") == 3


@pytest.mark.parametrize(
    ("table_name", "row"),
    [
        ("ombudsman_decisions", make_decision()),  # finding_element blank in both
        ("aggregate_returns", make_aggregate()),  # service_area blank in both
        ("recommendations", make_recommendation()),  # key has no authority_code
    ],
)
def test_clashes_are_found_when_a_key_has_blank_parts(engine, table_name, row):
    frame = typed_frame(table_name, [row])
    [earlier] = save(engine, frame, table_name=table_name, period_start=date(2000, 4, 1))
    with pytest.raises(SubmissionClash) as caught:
        save(engine, frame, table_name=table_name, file_hash=HASH_B)
    assert caught.value.earlier_submission_ids == [earlier.submission_id]


def test_a_file_is_stored_whole_or_not_at_all(engine):
    save(engine, make_complaints(2, authority_code="E09000001"), period_start=date(2023, 4, 1))
    national = pl.concat(
        [
            make_complaints(50, authority_code="E06000047"),
            make_complaints(2, authority_code="E09000001"),  # clashes: another period
        ]
    )
    with pytest.raises(SubmissionClash):
        save(engine, national, file_hash=HASH_B)
    assert count_rows(engine, "complaints") == 2
    assert [s.authority_code for s in list_submissions(engine)] == ["E09000001"]
    assert len(list_audit_entries(engine)) == 1


@pytest.mark.parametrize(
    ("table_name", "rows"),
    [
        ("complaints", make_complaints(2).rows(named=True) * 2),
        ("ombudsman_decisions", [make_decision(), make_decision()]),
    ],
)
def test_keys_repeated_within_the_file_are_refused(engine, table_name, rows):
    with pytest.raises(SubmissionError, match="rows repeat a key"):
        save(engine, typed_frame(table_name, rows), table_name=table_name)
    assert count_rows(engine, table_name) == 0
    assert list_submissions(engine) == []


def test_a_frame_without_the_standard_columns_and_types_is_refused(engine):
    with pytest.raises(ValueError, match="lacks columns"):
        save(engine, make_complaints(1).drop("stage"))
    with pytest.raises(ValueError, match="stage is String"):
        save(engine, make_complaints(1).with_columns(pl.col("stage").cast(pl.String)))


def test_extra_columns_such_as_validations_row_number_are_ignored(engine):
    frame = make_complaints(2).with_row_index("row")
    save(engine, frame)
    assert_frame_equal(read_rows(engine, "complaints"), frame.drop("row"))


def test_an_empty_frame_stores_nothing(engine):
    assert save(engine, make_complaints(0)) == []
    assert list_submissions(engine) == []


def test_progress_is_reported_after_each_chunk(engine):
    done: list[int] = []
    save(engine, make_complaints(60_000, first_received=date(2024, 4, 1)), progress=done.append)
    assert done == [50_000, 60_000]
    assert count_rows(engine, "complaints") == 60_000


def test_submissions_are_listed_newest_first_and_by_authority(engine):
    save(engine, make_complaints(1, authority_code="E06000001"))
    save(engine, make_complaints(1, authority_code="E06000002"))
    save(engine, make_complaints(1, authority_code="E06000001"), file_hash=HASH_B)
    everything = list_submissions(engine)
    assert [s.authority_code for s in everything] == ["E06000001", "E06000002", "E06000001"]
    assert [s.status for s in everything] == ["current", "current", "superseded"]
    assert [s.id for s in list_submissions(engine, "E06000002")] == [everything[1].id]
    assert everything[0].submitted_at.tzinfo is not None


def _import_file(database_url: str, prefix: str, barrier) -> None:
    """Run in a child process: wait for the other one, then import a file of PREFIX rows."""
    engine = make_engine(database_url)
    frame = make_complaints(20_000, ref_prefix=prefix, first_received=date(2024, 4, 1))
    barrier.wait(timeout=60)
    save(engine, frame, file_hash=prefix * 64, file_name=f"{prefix}.csv")
    engine.dispose()


def test_two_imports_at_once_for_the_same_authority_leave_one_whole_file_current(
    database_url, engine
):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_import_file, args=(database_url, prefix, barrier))
        for prefix in ("A", "B")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    current, superseded = list_submissions(engine)  # the later import is listed first
    assert current.status == "current"
    assert (superseded.status, superseded.superseded_by) == ("superseded", current.id)
    stored = read_rows(engine, "complaints")
    winner = current.file_name.removesuffix(".csv")
    expected = make_complaints(20_000, ref_prefix=winner, first_received=date(2024, 4, 1))
    assert_frame_equal(stored, expected)
    assert count_rows(engine, "complaints", submission_id=current.id) == 20_000


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_import_holds_each_of_its_authorities_locks_until_it_ends(engine):
    from scrutiny.returns.submissions import _lock_authorities
    from scrutiny.store.db import transaction

    authorities = ["E06000001", "E06000002", "E07000003"]
    free = "SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"
    with transaction(engine) as importing, engine.connect() as other:
        _lock_authorities(importing, authorities)
        taken = [
            other.exec_driver_sql(
                free.replace(":key", "%(key)s"), {"key": f"scrutiny.returns.submissions:{code}"}
            ).scalar()
            for code in [*authorities, "E06000004"]
        ]
        other.rollback()
    assert taken == [False, False, False, True]
