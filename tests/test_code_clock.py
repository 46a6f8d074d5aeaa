from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import complaints_frame, make_complaint
from scrutiny.reference.calendar import add_working_days, working_days_between
from scrutiny.returns.code_clock import ClockError, code_clock

AS_OF = date(2024, 6, 28)


def clock_row(as_of: date = AS_OF, **overrides) -> dict:
    return code_clock(complaints_frame(make_complaint(**overrides)), as_of).row(0, named=True)


def test_stage_one_worked_example_from_the_methods_note():
    row = clock_row(
        received_date=date(2023, 12, 18),
        acknowledged_date=date(2023, 12, 27),
        responded_date=date(2024, 1, 11),
    )
    assert row["acknowledgement_due_date"] == date(2023, 12, 27)
    assert row["acknowledged_on_time"] is True
    assert row["response_due_date"] == date(2024, 1, 11)
    assert row["responded_on_time"] is True
    assert row["working_days_to_respond"] == 15


def test_stage_one_extension_of_ten_days_moves_the_deadline():
    row = clock_row(
        received_date=date(2023, 12, 18),
        acknowledged_date=date(2023, 12, 27),
        extension_working_days=10,
        responded_date=date(2024, 1, 26),
    )
    assert row["response_due_date"] == date(2024, 1, 25)
    assert row["responded_on_time"] is False
    assert row["extension_over_limit"] is False


def test_stage_two_worked_example_with_and_without_extension():
    plain = clock_row(
        stage=2,
        received_date=date(2024, 3, 22),
        acknowledged_date=date(2024, 4, 2),
        responded_date=date(2024, 4, 30),
    )
    assert plain["acknowledgement_due_date"] == date(2024, 4, 2)
    assert plain["response_due_date"] == date(2024, 4, 30)
    assert plain["responded_on_time"] is True
    extended = clock_row(
        stage=2,
        received_date=date(2024, 3, 22),
        acknowledged_date=date(2024, 4, 2),
        extension_working_days=20,
        responded_date=date(2024, 5, 30),
    )
    assert extended["response_due_date"] == date(2024, 5, 30)
    assert extended["responded_on_time"] is True


def test_extension_beyond_the_code_limit_is_flagged_and_not_counted():
    row = clock_row(
        received_date=date(2023, 12, 18),
        acknowledged_date=date(2023, 12, 27),
        extension_working_days=15,
        responded_date=date(2024, 1, 30),
    )
    assert row["extension_over_limit"] is True
    assert row["response_due_date"] == date(2024, 1, 25)  # 10 + 10, not 10 + 15
    assert row["responded_on_time"] is False


def test_missing_acknowledgement_runs_the_response_clock_from_the_acknowledgement_due_date():
    row = clock_row(received_date=date(2023, 12, 18), acknowledged_date=None, responded_date=None)
    assert row["response_due_date"] == add_working_days(date(2023, 12, 27), 10)
    assert row["acknowledged_on_time"] is False
    assert row["working_days_to_acknowledge"] is None


def test_a_full_response_before_the_acknowledgement_was_due_counts_as_acknowledgement():
    row = clock_row(
        received_date=date(2024, 1, 8), acknowledged_date=None, responded_date=date(2024, 1, 10)
    )
    assert row["acknowledged_on_time"] is True


def test_open_complaint_past_its_deadline_is_overdue_by_working_days():
    row = clock_row(
        received_date=date(2024, 1, 8),
        acknowledged_date=date(2024, 1, 9),
        responded_date=None,
        outcome=None,
    )
    due = add_working_days(date(2024, 1, 9), 10)
    assert row["overdue"] is True
    assert row["responded_on_time"] is False
    assert row["working_days_overdue"] == working_days_between(due, AS_OF)


def test_open_complaint_not_yet_due_has_unknown_flags():
    row = clock_row(
        as_of=date(2024, 1, 10),
        received_date=date(2024, 1, 8),
        acknowledged_date=None,
        responded_date=None,
        outcome=None,
    )
    assert row["overdue"] is False
    assert row["acknowledged_on_time"] is None
    assert row["responded_on_time"] is None
    assert row["working_days_overdue"] is None


def test_withdrawn_complaint_without_a_response_is_not_overdue():
    row = clock_row(responded_date=None, outcome="withdrawn")
    assert row["overdue"] is False
    assert row["responded_on_time"] is None


def test_clock_refuses_rows_without_a_stage_or_received_date():
    with pytest.raises(ClockError, match="stage 1 or 2"):
        code_clock(complaints_frame(make_complaint(stage=3)), AS_OF)
    with pytest.raises(ClockError, match="received_date"):
        code_clock(complaints_frame(make_complaint(received_date=None)), AS_OF)
    with pytest.raises(ClockError, match="columns"):
        code_clock(pl.DataFrame({"stage": [1]}), AS_OF)


day = st.dates(min_value=date(2012, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200)
@given(
    stage=st.sampled_from([1, 2]),
    received=day,
    ack_after=st.one_of(st.none(), st.integers(0, 15)),
    extension=st.one_of(st.none(), st.integers(0, 30)),
    respond_after=st.one_of(st.none(), st.integers(0, 60)),
)
def test_vectorised_clock_agrees_with_the_scalar_calendar(
    stage, received, ack_after, extension, respond_after
):
    acknowledged = None if ack_after is None else add_working_days(received, ack_after)
    responded = None if respond_after is None else add_working_days(received, respond_after)
    row = clock_row(
        stage=stage,
        received_date=received,
        acknowledged_date=acknowledged,
        extension_working_days=extension,
        responded_date=responded,
    )
    ack_due = add_working_days(received, 5)
    base, limit = (10, 10) if stage == 1 else (20, 20)
    due = add_working_days(acknowledged or ack_due, base + min(extension or 0, limit))
    assert row["acknowledgement_due_date"] == ack_due
    assert row["response_due_date"] == due
    assert row["response_due_date"].weekday() < 5
    assert row["extension_over_limit"] is ((extension or 0) > limit)
    if responded is not None:
        assert row["responded_on_time"] is (responded <= due)
        assert row["working_days_to_respond"] == respond_after
