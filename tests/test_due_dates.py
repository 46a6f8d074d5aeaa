from calendar import monthrange
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.reference.calendar import is_working_day
from scrutiny.reference.due_dates import (
    NUMBER_WORDS,
    PERIODS,
    DueDatePhraseError,
    add_months,
    due_date,
)

decision_dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))
counts = st.integers(min_value=1, max_value=99)


@pytest.mark.parametrize(
    ("decision", "phrase", "expected"),
    [
        # The wording in decisions (domain.md 4.3).
        (date(2024, 5, 15), "within one month of the final decision", date(2024, 6, 15)),
        (date(2024, 5, 15), "within three months", date(2024, 8, 15)),
        (date(2024, 5, 15), "within 3 months of our final decision", date(2024, 8, 15)),
        (date(2024, 5, 15), "within four weeks of this case closing", date(2024, 6, 12)),
        (date(2024, 5, 15), "within 28 days", date(2024, 6, 12)),
        (date(2024, 5, 15), "within one week", date(2024, 5, 22)),
        (date(2024, 5, 15), "within 6 weeks", date(2024, 6, 26)),
        (date(2024, 5, 15), "within 1 month from the date of the decision", date(2024, 6, 15)),
        (date(2024, 5, 15), "within a month", date(2024, 6, 15)),
        (date(2024, 5, 15), "within one calendar month", date(2024, 6, 15)),
        (date(2024, 5, 15), "within twenty-eight calendar days", date(2024, 6, 12)),
        (date(2024, 5, 15), "within twenty eight days", date(2024, 6, 12)),
        # Case, whitespace, a final full stop and singular/plural do not matter.
        (date(2024, 5, 15), "  Within   THREE\tMonths  Of The Final Decision. ", date(2024, 8, 15)),
        (date(2024, 5, 15), "within 1 months", date(2024, 6, 15)),
        (date(2024, 5, 15), "within two month", date(2024, 7, 15)),
        # Month ends clamp.
        (date(2025, 1, 31), "within one month", date(2025, 2, 28)),
        (date(2025, 8, 31), "within one month", date(2025, 9, 30)),
        (date(2024, 11, 30), "within three months", date(2025, 2, 28)),
        (date(2025, 10, 31), "within 4 months", date(2026, 2, 28)),
        (date(2024, 12, 31), "within twelve months", date(2025, 12, 31)),
        # Leap years.
        (date(2024, 1, 31), "within one month", date(2024, 2, 29)),
        (date(2024, 2, 29), "within 12 months", date(2025, 2, 28)),
        (date(2024, 2, 29), "within forty-eight months", date(2028, 2, 29)),
        (date(2024, 2, 28), "within 1 day", date(2024, 2, 29)),
        # A calendar due date on a weekend or bank holiday does not move.
        (date(2024, 11, 25), "within one month", date(2024, 12, 25)),
        (date(2024, 5, 11), "within 1 week", date(2024, 5, 18)),
        # Working days: the decision date is day zero, bank holidays are skipped.
        (date(2023, 12, 18), "within 5 working days", date(2023, 12, 27)),
        (date(2023, 12, 27), "within ten working days of the decision", date(2024, 1, 11)),
        (date(2023, 12, 27), "within 20 working days", date(2024, 1, 25)),
        (date(2024, 3, 22), "within five working days", date(2024, 4, 2)),
        (date(2024, 1, 6), "within one working day", date(2024, 1, 8)),
        # Explicit dates.
        (date(2025, 1, 10), "by 31 March 2025", date(2025, 3, 31)),
        (date(2025, 1, 10), "By 31st Mar 2025.", date(2025, 3, 31)),
        (date(2025, 1, 10), "by 2025-03-31", date(2025, 3, 31)),
        (date(2025, 3, 31), "by 31 March 2025", date(2025, 3, 31)),
        (date(2024, 1, 10), "by 29 February 2024", date(2024, 2, 29)),
    ],
)
def test_due_date_reads_the_phrases_decisions_use(decision, phrase, expected):
    assert due_date(decision, phrase) == expected


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("as soon as possible", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("within a reasonable time", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("within months", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("within one fortnight", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("within minus one month", "'minus one' is not a whole number"),
        ("within -1 months", "'-1' is not a whole number"),
        ("within 1.5 months", "'1.5' is not a whole number"),
        ("within a few weeks", "'a few' is not a whole number"),
        ("within one hundred days", "'one hundred' is not a whole number"),
        ("within 0 months", "the period must be at least one"),
        ("within zero working days", "the period must be at least one"),
        ("within one month of receipt", "'of receipt' is not a recognised start"),
        ("within one month of the final decision please", "is not a recognised start"),
        ("within one month and two weeks", "'and two weeks' is not a recognised start"),
        ("by 31 February 2025", "there is no such date"),
        ("by 2025-02-31", "there is no such date"),
        ("by 31 Febtember 2025", "'febtember' is not a month"),
        ("by 31/03/2025", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("by 31 March", "not a 'within <number> <period>' or 'by <date>' phrase"),
        ("by 1 January 2025", "2025-01-01 is before the decision date 2025-01-10"),
        ("within 99999999999999 days", "the period runs past the end of the calendar"),
    ],
)
def test_due_date_rejects_phrases_it_cannot_read_without_guessing(phrase, reason):
    with pytest.raises(DueDatePhraseError, match="cannot read a due date") as raised:
        due_date(date(2025, 1, 10), phrase)
    assert reason in str(raised.value)
    assert repr(phrase) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_the_recognised_periods_are_months_weeks_days_and_working_days():
    assert set(PERIODS) == {"month", "week", "day", "working day"}


@given(decision_dates, counts)
def test_a_month_based_due_date_is_after_the_decision(decision, n):
    assert due_date(decision, f"within {n} months") > decision


@given(decision_dates, counts)
def test_one_more_month_is_never_earlier(decision, n):
    assert due_date(decision, f"within {n} months") <= due_date(decision, f"within {n + 1} months")


@given(decision_dates, counts)
def test_a_month_based_due_date_keeps_the_day_or_ends_the_month(decision, n):
    due = add_months(decision, n)
    assert (due.year * 12 + due.month) - (decision.year * 12 + decision.month) == n
    assert due.day == min(decision.day, monthrange(due.year, due.month)[1])


@given(decision_dates, st.integers(min_value=1, max_value=60))
def test_a_working_day_due_date_is_a_working_day(decision, n):
    assert is_working_day(due_date(decision, f"within {n} working days"))


@given(decision_dates, counts)
def test_weeks_are_seven_calendar_days(decision, n):
    assert due_date(decision, f"within {n} weeks") == due_date(decision, f"within {7 * n} days")


@given(decision_dates, st.sampled_from(sorted(w for w, n in NUMBER_WORDS.items() if n >= 1)))
def test_numbers_in_words_mean_the_same_as_digits(decision, word):
    assert due_date(decision, f"within {word} days") == due_date(
        decision, f"within {NUMBER_WORDS[word]} days"
    )


@given(decision_dates, counts, st.sampled_from(["months", "weeks", "days", "working days"]))
def test_case_and_spacing_do_not_change_the_due_date(decision, n, unit):
    phrase = f"within {n} {unit} of the final decision"
    shouted = "  " + "   ".join(phrase.upper().split()) + "\n"
    assert due_date(decision, shouted) == due_date(decision, phrase)
