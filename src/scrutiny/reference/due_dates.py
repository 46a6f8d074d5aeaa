"""Due dates of Ombudsman recommendations, from the phrases LGSCO decisions use.

A decision says when a remedy is due: "within one month of the final decision",
"within three months", "within 20 working days", "within four weeks of this case
closing", or an explicit "by 31 March 2025". ``due_date`` turns the decision date and
that phrase into a date, and raises ``DueDatePhraseError`` for anything it cannot read
exactly: it never guesses.

Rules:

- Case, surrounding and repeated whitespace and one final full stop are ignored.
  Counts are digits or English words up to ninety-nine ("28", "twenty-eight",
  "twenty eight"; "a month" is one month); a count must be at least one.
- Calendar months keep the day number and clamp to the month end (31 January + 1 month
  is 28 February, or 29 in a leap year). Weeks and days are calendar days, optionally
  written "calendar days" / "calendar months".
- Working days are England-and-Wales working days from ``scrutiny.reference.calendar``, with the
  decision date as day zero.
- A calendar-based due date that falls on a weekend or bank holiday does not move: the
  phrase says "within", and the Ombudsman counts calendar time.
- An optional trailing clause names the start ("of the final decision", "of our final
  decision", "of the decision", "from the date of the decision", "of this case
  closing"); it is always the decision date. Anything else after the period is an error.
- "by <day> <month> <year>" (or "by 2025-03-31") is an explicit date, which must exist
  and must not be before the decision date.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from datetime import MAXYEAR, MINYEAR, date, timedelta

from scrutiny.core.errors import Invalid
from scrutiny.reference.calendar import add_working_days

EXAMPLES = "'within one month of the final decision', 'within 20 working days', 'by 31 March 2025'"


class DueDatePhraseError(Invalid, ValueError):
    """A due-date phrase that cannot be read without guessing."""

    def __init__(self, phrase: str, reason: str) -> None:
        super().__init__(
            f"cannot read a due date from {phrase!r}: {reason} (expected e.g. {EXAMPLES})"
        )
        self.phrase = phrase
        self.reason = reason


def add_months(start: date, n: int) -> date:
    """START plus N calendar months, same day number clamped to the month end."""
    months = start.year * 12 + start.month - 1 + n
    year, month = divmod(months, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError(f"year {year} is out of range")
    return date(year, month + 1, min(start.day, monthrange(year, month + 1)[1]))


# The recognised units (singular), each with its arithmetic.
PERIODS: dict[str, Callable[[date, int], date]] = {
    "month": add_months,
    "week": lambda start, n: start + timedelta(weeks=n),
    "day": lambda start, n: start + timedelta(days=n),
    "working day": add_working_days,
}

_UNITS = (
    *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS: dict[str, int] = {"a": 1, "an": 1, "zero": 0}
NUMBER_WORDS |= {word: value for value, word in enumerate(_UNITS, start=1)}
for _tens_value, _tens in enumerate(_TENS, start=2):
    NUMBER_WORDS[_tens] = _tens_value * 10
    for _value, _ones in enumerate(_UNITS[:9], start=1):
        NUMBER_WORDS[f"{_tens}-{_ones}"] = _tens_value * 10 + _value
        NUMBER_WORDS[f"{_tens} {_ones}"] = _tens_value * 10 + _value

MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june", "july"),
    *("august", "september", "october", "november", "december"),
)
MONTHS: dict[str, int] = {}
for _number, _name in enumerate(MONTH_NAMES, start=1):
    MONTHS[_name] = MONTHS[_name[:3]] = _number
MONTHS["sept"] = 9

_START = (
    r"(?:(?:of|from)\s(?:the\sdate\sof\s)?(?:the|our|this)\s(?:final\s)?decision"
    r"|(?:of|from)\s(?:this|the)\scase\sclosing)"
)
_WITHIN = re.compile(
    r"within\s(?P<count>.+?)\s(?P<unit>(?:calendar\s)?months?|weeks?|(?:calendar\s)?days?"
    r"|working\sdays?)(?:\s(?P<rest>.*))?"
)
_BY_NAMED = re.compile(r"by\s(?P<day>\d{1,2})(?:st|nd|rd|th)?\s(?P<month>[a-z]+)\s(?P<year>\d{4})")
_BY_ISO = re.compile(r"by\s(?P<iso>\d{4}-\d{2}-\d{2})")


def _count(text: str, phrase: str) -> int:
    if re.fullmatch(r"\d+", text):
        n = int(text)
    elif text in NUMBER_WORDS:
        n = NUMBER_WORDS[text]
    else:
        raise DueDatePhraseError(phrase, f"{text!r} is not a whole number")
    if n < 1:
        raise DueDatePhraseError(phrase, "the period must be at least one")
    return n


def _unit(text: str) -> str:
    return text.removeprefix("calendar ").removesuffix("s")


def _by_date(decision_date: date, match: re.Match[str], phrase: str) -> date:
    fields = match.groupdict()
    if "month" in fields and fields["month"] not in MONTHS:
        raise DueDatePhraseError(phrase, f"{fields['month']!r} is not a month")
    try:
        if "iso" in fields:
            due = date.fromisoformat(fields["iso"])
        else:
            due = date(int(fields["year"]), MONTHS[fields["month"]], int(fields["day"]))
    except ValueError as error:
        raise DueDatePhraseError(phrase, f"there is no such date ({error})") from error
    if due < decision_date:
        raise DueDatePhraseError(phrase, f"{due} is before the decision date {decision_date}")
    return due


def due_date(decision_date: date, phrase: str) -> date:
    """When a recommendation made on DECISION_DATE is due, read from its PHRASE.

    A calendar-based due date on a weekend or bank holiday does not move (see module notes).
    """
    text = " ".join(phrase.lower().split()).removesuffix(".").rstrip()
    for pattern in (_BY_NAMED, _BY_ISO):
        if match := pattern.fullmatch(text):
            return _by_date(decision_date, match, phrase)
    match = _WITHIN.fullmatch(text)
    if not match:
        raise DueDatePhraseError(phrase, "not a 'within <number> <period>' or 'by <date>' phrase")
    if match["rest"] and not re.fullmatch(_START, match["rest"]):
        raise DueDatePhraseError(phrase, f"{match['rest']!r} is not a recognised start")
    n = _count(match["count"], phrase)
    try:
        return PERIODS[_unit(match["unit"])](decision_date, n)
    except OverflowError as error:
        raise DueDatePhraseError(phrase, "the period runs past the end of the calendar") from error
