"""Self-assessment against the Complaint Handling Code: the checklist, answers, pre-fills, CSV.

The checklist is declared once, as data, in self_assessment.yaml. A council's answers are
kept per authority and financial year, one current row per item; every change is written
to the audit log in the same transaction, and the log is the history. Items the data can
answer (acknowledgement and response timescales, extensions, refusal reasons, reasonable
adjustments) are pre-filled from the store when the council has not answered them, with
the figures and thresholds in a note; a council's own answer always wins. CSV export and
import are in scrutiny.councillor.self_assessment_csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import (
    financial_year_label,
    financial_year_of,
    last_complete_year,
    parse_financial_year,
)
from scrutiny.councillor.self_assessment_figures import case_figures, complaint_figures
from scrutiny.reference.authorities import get_council
from scrutiny.store.audit import AuditEntry, list_audit_entries, record_audit_entry
from scrutiny.store.db import self_assessment_items, transaction

STATUSES = ("meets", "partly_meets", "does_not_meet")
ANSWER_FIELDS = ("status", "evidence", "action", "action_owner", "action_due")
TEXT_LIMIT = 5_000  # evidence and action
OWNER_LIMIT = 200
AUDIT_ENTITY = "self_assessment_item"
SCHEMA = {
    "section": pl.String,
    "item": pl.String,
    "requirement": pl.String,
    "status": pl.String,
    "evidence": pl.String,
    "action": pl.String,
    "action_owner": pl.String,
    "action_due": pl.Date,
    "source": pl.String,
    "note": pl.String,
}


class SelfAssessmentError(Invalid, ValueError):
    """A self-assessment request that cannot be met, with what to do instead."""


class AnswerInvalid(SelfAssessmentError):
    """An answer with mistakes; FIELDS maps each field at fault to a plain-English fix."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{name}: {text}" for name, text in fields.items()))


@dataclass(frozen=True)
class Prefill:
    measure: str
    stage: int
    meets_at: float
    partly_at: float
    limit: int | None = None


@dataclass(frozen=True)
class ChecklistItem:
    section: str  # "3. Accessibility and awareness"
    item: str  # "3.3"
    requirement: str
    prefill: Prefill | None = None


@dataclass(frozen=True)
class Answer:
    status: str
    evidence: str | None = None
    action: str | None = None
    action_owner: str | None = None
    action_due: date | None = None


@dataclass(frozen=True)
class DataAnswer:
    """What the council's own data says about an item: its reading, figures and bars."""

    status: str
    note: str
    numerator: int
    denominator: int
    meets_at: float = 100.0
    partly_at: float = 0.0

    @property
    def share(self) -> float:
        """The percentage behind the reading."""
        return 100 * self.numerator / self.denominator

    def bar(self, status: str) -> float:
        """The percentage the data would need to read STATUS."""
        return {"meets": self.meets_at, "partly_meets": self.partly_at}.get(status, 0.0)

    def below(self, status: str | None) -> bool:
        """Whether STATUS claims more than the data shows (does not meet < partly meets
        < meets): such an answer needs an explanation, and stays flagged."""
        return status in STATUSES and STATUSES.index(status) < STATUSES.index(self.status)

    def gap(self, status: str) -> str:
        """The answer against the data, with the figures, in a sentence's words."""
        return (
            f"the data reads {status_label(self.status).lower()}: {self.numerator:,} of "
            f"{self.denominator:,} ({_percent(self.share)}) against {_percent(self.bar(status))}"
            f" needed for {status_label(status).lower()}"
        )


@cache
def _declaration() -> dict[str, Any]:
    text = (resources.files("scrutiny.councillor") / "self_assessment.yaml").read_text("utf-8")
    found: dict[str, Any] = yaml.safe_load(text)
    return found


@cache
def load_checklist() -> tuple[ChecklistItem, ...]:
    """The checklist in the Code's order, read from self_assessment.yaml."""
    return tuple(
        ChecklistItem(
            section=f"{section['number']}. {section['title']}",
            item=str(entry["item"]),
            requirement=" ".join(entry["requirement"].split()),
            prefill=Prefill(**entry["prefill"]) if "prefill" in entry else None,
        )
        for section in _declaration()["sections"]
        for entry in section["items"]
    )


def status_label(status: str | None) -> str:
    """'Partly meets' for partly_meets; 'Not assessed' for none."""
    labels: dict[str, str] = _declaration()["statuses"]
    return labels[status] if status else "Not assessed"


def checklist_item(item: str) -> ChecklistItem:
    """The checklist item coded ITEM (a SelfAssessmentError for an unknown one)."""
    for candidate in load_checklist():
        if candidate.item == item.strip():
            return candidate
    raise SelfAssessmentError(
        f"there is no checklist item {item!r}: use an item code from the checklist, "
        "such as 6.2 (see `scrutiny self-assessment export`)"
    )


def assessment_year(year: str) -> tuple[date, date]:
    """The first and last day of financial year YEAR, written exactly '2024-25' (the year
    is stored as written, so another spelling would be another year)."""
    try:
        label, start, end = parse_financial_year(year)
        if year.strip() == label:
            return start, end
    except ValueError:
        pass
    raise SelfAssessmentError(f"{year!r} is not a financial year: write it as 2024-25")


def default_year(engine: Engine, authority_code: str, today: date) -> str:
    """The year to assess: the latest financial year the council's returns cover to its
    end (scrutiny.measures.coverage), else the latest one ended by TODAY."""
    from scrutiny.measures.coverage import coverage_of
    from scrutiny.returns.submissions import list_submissions

    own = coverage_of(list_submissions(engine, authority_code))
    year = own.latest_complete("financial_year", authority_code, today)
    return financial_year_label(financial_year_of(year[0]) if year else last_complete_year(today))


def recent_years(today: date, count: int = 6) -> list[str]:
    """The financial year holding TODAY and the COUNT - 1 before it, newest first."""
    first = financial_year_of(today)
    return [financial_year_label(y) for y in range(first, first - count, -1)]


def status_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many items of a read_self_assessment frame have each status (and none)."""
    counts = {status: 0 for status in (*STATUSES, None)}
    for status in frame.get_column("status").to_list():
        counts[status] += 1
    return {status or "not_assessed": n for status, n in counts.items()}


def _check_authority(code: str) -> None:
    get_council(code, former=True)


def _percent(value: float) -> str:
    return f"{value:.1f}%" if value % 1 else f"{value:.0f}%"


def prefill_from_data(engine: Engine, authority_code: str, year: str) -> dict[str, DataAnswer]:
    """What the data says about each item it can answer, for the council and year."""
    start, end = assessment_year(year)
    limits = [
        (rule.stage, rule.limit)
        for rule in (entry.prefill for entry in load_checklist())
        if rule and rule.measure == "extensions_within_limit" and rule.limit is not None
    ]
    figures = complaint_figures(engine, authority_code, start) | case_figures(
        engine, authority_code, start, end, limits
    )
    found = {}
    for entry in load_checklist():
        rule = entry.prefill
        if rule is None:
            continue
        key = (rule.measure, rule.stage, rule.limit)
        numerator, denominator, words = figures.get(key, (0, 0, ""))
        if denominator < _declaration()["minimum_cases"]:
            continue
        share = 100 * numerator / denominator
        status = (
            "meets"
            if share >= rule.meets_at
            else ("partly_meets" if share >= rule.partly_at else "does_not_meet")
        )
        note = (
            f"{numerator:,} of {denominator:,} ({_percent(share)}) {words.format(year=year)}; "
            f"meets at {_percent(rule.meets_at)} or more, partly meets at "
            f"{_percent(rule.partly_at)} or more"
        )
        found[entry.item] = DataAnswer(
            status, note, numerator, denominator, rule.meets_at, rule.partly_at
        )
    return found


def data_reading(
    engine: Engine, authority_code: str, year: str, entry: ChecklistItem
) -> DataAnswer | None:
    """What the data says about ENTRY alone (None when it cannot say)."""
    if entry.prefill is None:
        return None
    return prefill_from_data(engine, authority_code, year).get(entry.item)


def _stored(connection: Connection, code: str, year: str) -> dict[str, dict[str, Any]]:
    table = self_assessment_items
    query = select(table).where(table.c.authority_code == code, table.c.financial_year == year)
    return {row.item: dict(row._mapping) for row in connection.execute(query)}


def read_self_assessment(engine: Engine, authority_code: str, year: str) -> pl.DataFrame:
    """The checklist for the council and year: its answers, else pre-fills from the data."""
    assessment_year(year)
    with engine.connect() as connection:
        stored = _stored(connection, authority_code, year)
    unanswered = [i for i in load_checklist() if i.prefill and i.item not in stored]
    from_data = prefill_from_data(engine, authority_code, year) if unanswered else {}
    rows = []
    for entry in load_checklist():
        base = {"section": entry.section, "item": entry.item, "requirement": entry.requirement}
        answer, data = stored.get(entry.item), from_data.get(entry.item)
        if answer is not None:
            rows.append({**base, **{k: answer[k] for k in ANSWER_FIELDS}, "source": "council"})
        elif data is not None:
            rows.append({**base, "status": data.status, "source": "data", "note": data.note})
        else:
            rows.append(base)
    return pl.DataFrame(rows, schema=SCHEMA)


def _clean(value: str | None) -> str | None:
    cleaned = value.strip() if isinstance(value, str) else value
    return cleaned or None


def check_answer(
    status: str | None,
    evidence: str | None = None,
    action: str | None = None,
    action_owner: str | None = None,
    action_due: date | None = None,
    data: DataAnswer | None = None,
) -> Answer:
    """The answer, tidied, or AnswerInvalid naming each mistake and its fix. An answer
    better than DATA (what the council's own data says) is allowed with an explanation."""
    evidence, action, action_owner = _clean(evidence), _clean(action), _clean(action_owner)
    wrong: dict[str, str] = {}
    if status not in STATUSES:
        wrong["status"] = "Choose a status: meets, partly meets or does not meet"
    elif data is not None and data.below(status) and not evidence:
        wrong["evidence"] = (
            f"Your answer is better than your own data shows ({data.gap(status)}):"
            " explain why in the evidence"
        )
    if evidence and len(evidence) > TEXT_LIMIT:
        wrong["evidence"] = f"The evidence must be {TEXT_LIMIT:,} characters or fewer"
    if action and len(action) > TEXT_LIMIT:
        wrong["action"] = f"The action must be {TEXT_LIMIT:,} characters or fewer"
    elif not action and (action_owner or action_due):
        wrong["action"] = "Describe the action, or leave its owner and due date blank"
    if action and not action_owner:
        wrong["action_owner"] = "Say who owns the action"
    elif action_owner and len(action_owner) > OWNER_LIMIT:
        wrong["action_owner"] = f"The owner must be {OWNER_LIMIT} characters or fewer"
    if action and action_due is None:
        wrong["action_due"] = "Give the date the action is due"
    if wrong:
        raise AnswerInvalid(wrong)
    assert status is not None
    return Answer(status, evidence, action, action_owner, action_due)


def _write(
    connection: Connection,
    code: str,
    year: str,
    item: str,
    answer: Answer,
    actor: str,
    via: str,
    data: DataAnswer | None = None,
) -> bool:
    """Store ANSWER if it changes what is stored, with its audit entry (saying when it is
    better than DATA, the council's own data); whether it did."""
    table = self_assessment_items
    before = _stored(connection, code, year).get(item)
    after = {name: getattr(answer, name) for name in ANSWER_FIELDS}
    if before is not None and all(before[k] == after[k] for k in ANSWER_FIELDS):
        return False
    stamp = {"updated_by": actor, "updated_at": datetime.now(UTC)}
    if before is None:
        keys = {"authority_code": code, "financial_year": year, "item": item}
        row_id = connection.execute(
            insert(table).values(**keys, **after, **stamp).returning(table.c.id)
        ).scalar_one()
    else:
        row_id = before["id"]
        connection.execute(update(table).where(table.c.id == row_id).values(**after, **stamp))

    def plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
        if values is None:
            return None
        return {k: str(values[k]) if k == "action_due" and values[k] else values[k] for k in after}

    detail = {"authority_code": code, "year": year, "item": item, "via": via}
    if data is not None and data.below(answer.status):
        detail["better_than_data"] = data.gap(answer.status)
    record_audit_entry(
        connection,
        actor=actor,
        action="self_assessment_answered" if before is None else "self_assessment_changed",
        entity=AUDIT_ENTITY,
        entity_id=row_id,
        detail={**detail, "before": plain(before), "after": plain(after)},
    )
    return True


def save_self_assessment_item(
    engine: Engine,
    authority_code: str,
    year: str,
    item: str,
    *,
    status: str | None,
    evidence: str | None = None,
    action: str | None = None,
    action_owner: str | None = None,
    action_due: date | None = None,
    actor: str,
) -> bool:
    """Store the council's answer to ITEM for YEAR, with an audit entry; False if unchanged."""
    _check_authority(authority_code)
    assessment_year(year)
    entry = checklist_item(item)
    data = data_reading(engine, authority_code, year, entry)
    answer = check_answer(status, evidence, action, action_owner, action_due, data=data)
    with transaction(engine) as connection:
        return _write(connection, authority_code, year, entry.item, answer, actor, "form", data)


def item_history(engine: Engine, authority_code: str, year: str, item: str) -> list[AuditEntry]:
    """Every change to the council's answer to ITEM for YEAR, oldest first (from the audit log)."""
    table = self_assessment_items
    with engine.connect() as connection:
        row_id = connection.execute(
            select(table.c.id).where(
                table.c.authority_code == authority_code,
                table.c.financial_year == year,
                table.c.item == item,
            )
        ).scalar_one_or_none()
    if row_id is None:
        return []
    return list_audit_entries(engine, entity=AUDIT_ENTITY, entity_id=row_id)


def save_answers(
    engine: Engine,
    authority_code: str,
    year: str,
    answers: dict[str, Answer],
    actor: str,
    via: str,
    data: dict[str, DataAnswer] | None = None,
) -> list[str]:
    """Store several answers, checked against DATA (prefill_from_data), in one transaction
    (all or nothing); the items changed."""
    _check_authority(authority_code)
    assessment_year(year)
    data = data or {}
    with transaction(engine) as connection:
        return [
            code
            for code, answer in ((checklist_item(i).item, a) for i, a in answers.items())
            if _write(connection, authority_code, year, code, answer, actor, via, data.get(code))
        ]
