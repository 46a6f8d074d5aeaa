"""A council's self-assessment as CSV: exported for editing in a spreadsheet, imported back.

Import is all or nothing: every row is checked first, and one problem anywhere stores
nothing. Each problem names its row (as a spreadsheet numbers them, the header being row
1), its column and how to put it right. Rows that match what the council sees now (its
own answers, or the pre-fills from its data) are left alone, so a file exported and
imported unchanged stores nothing and a pre-fill stays a pre-fill.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from scrutiny.councillor.self_assessment import (
    SCHEMA,
    STATUSES,
    AnswerInvalid,
    DataAnswer,
    SelfAssessmentError,
    check_answer,
    checklist_item,
    prefill_from_data,
    read_self_assessment,
    save_answers,
)

CSV_COLUMNS = ["authority_code", "financial_year", *SCHEMA]
REQUIRED = ("item", "status")
TEXT_FIELDS = ("evidence", "action", "action_owner")
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str  # what is wrong and how to fix it


class ImportRefused(SelfAssessmentError):
    """A CSV file with mistakes: nothing from it was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"row {p.row}, column {p.column}: {p.message}" for p in problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"nothing was stored: the file has {count}\n{listed}")


def export_csv(engine: Engine, authority_code: str, year: str) -> str:
    """The council's self-assessment for YEAR as CSV, one row per checklist item."""
    frame = read_self_assessment(engine, authority_code, year)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in frame.iter_rows(named=True):
        cells = {"authority_code": authority_code, "financial_year": year, **row}
        writer.writerow([_safe_cell(cells[name]) for name in CSV_COLUMNS])
    return out.getvalue()


def _safe_cell(value: Any) -> str:
    """A cell as text; one starting = + - or @ would run as a spreadsheet formula: quote it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def import_csv(engine: Engine, authority_code: str, year: str, text: str, actor: str) -> list[str]:
    """Store the answers in CSV TEXT for the council and YEAR, all or nothing.

    Returns the items changed; ImportRefused lists every problem by row and column.
    """
    current = {r["item"]: r for r in read_self_assessment(engine, authority_code, year).to_dicts()}
    # An answer better than what the council's own data says needs an explanation.
    data = prefill_from_data(engine, authority_code, year)
    answers: dict[str, Any] = {}
    problems = _read(text, authority_code, year, current, answers, data)
    if problems:
        raise ImportRefused(problems)
    return save_answers(engine, authority_code, year, answers, actor, via="csv", data=data)


def _cell(row: dict[str, Any], name: str) -> str:
    value = (row.get(name) or "").strip()
    # Undo the quote export_csv puts before a cell that looks like a formula.
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _due(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _read(
    text: str,
    code: str,
    year: str,
    current: dict[str, dict[str, Any]],
    answers: dict[str, Any],
    data: dict[str, DataAnswer],
) -> list[Problem]:
    """Problems in TEXT; the changed answers, checked against DATA, go into ANSWERS."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [
            Problem(1, name, f"the file has no {name} column: start from the file the export gives")
            for name in missing
        ]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        found = _row(number, row, code, year, seen, current, answers, data)
        problems += found
    return problems


def _row(
    number: int,
    row: dict[str, Any],
    code: str,
    year: str,
    seen: dict[str, int],
    current: dict[str, dict[str, Any]],
    answers: dict[str, Any],
    data: dict[str, DataAnswer],
) -> list[Problem]:
    problems = []
    owner, stated_year = _cell(row, "authority_code"), _cell(row, "financial_year")
    if owner and owner != code:
        problems.append(
            Problem(
                number,
                "authority_code",
                f"this row is for {owner}, but you are importing {code}'s self-assessment:"
                " take the row out, or import it as that council",
            )
        )
    if stated_year and stated_year != year:
        problems.append(
            Problem(
                number,
                "financial_year",
                f"this row is for {stated_year}, but you are importing {year}: take the row out,"
                " or import the file for that year",
            )
        )
    try:
        item = checklist_item(_cell(row, "item")).item
    except SelfAssessmentError as error:
        return [*problems, Problem(number, "item", str(error))]
    if item in seen:
        message = f"item {item} is also on row {seen[item]}: keep one row per item"
        return [*problems, Problem(number, "item", message)]
    seen[item] = number
    raw_status = _cell(row, "status")
    status = raw_status.lower().replace(" ", "_").replace("-", "_") or None
    if status is not None and status not in STATUSES:
        message = f"{raw_status!r} is not a status: write meets, partly meets or does not meet"
        problems.append(Problem(number, "status", message))
    try:
        due = _due(_cell(row, "action_due")) if _cell(row, "action_due") else None
    except ValueError:
        message = f"{_cell(row, 'action_due')!r} is not a date: write it as 2025-06-30"
        return [*problems, Problem(number, "action_due", message)]
    texts = {name: _cell(row, name) or None for name in TEXT_FIELDS}
    now = current[item]
    if (
        status == now["status"]
        and due == now["action_due"]
        and all(texts[name] == now[name] for name in TEXT_FIELDS)
    ):
        return problems  # unchanged: nothing to store
    if problems:
        return problems
    try:
        answers[item] = check_answer(status, action_due=due, data=data.get(item), **texts)
    except AnswerInvalid as error:
        problems += [
            Problem(number, field, message[:1].lower() + message[1:])
            for field, message in error.fields.items()
        ]
    return problems
