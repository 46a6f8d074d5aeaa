"""Draft recommendations from a CSV file: the recommendations table's columns that a draft
has, the decision's date, the proposed wording and the status `proposed`.

The file is checked by the standard's own validator (scrutiny.returns.validation) against
a table made from the standard's field definitions, so a draft's decision_ref, kind or
amount is judged exactly as in a recommendations return; every problem comes back with
its row, column, value and fix, and nothing is stored if there is any error.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import Engine

from scrutiny.recommendations.drafts import (
    WORDING_LIMIT,
    DraftError,
    NewDraft,
    checked_draft,
    create_drafts,
)
from scrutiny.returns.ingest import RawTable
from scrutiny.returns.validation import validate
from scrutiny.standard import load_standard
from scrutiny.standard.model import Field, Rule, Table
from scrutiny.standard.rules import ROW

FROM_RECOMMENDATIONS = (
    "decision_ref",
    "recommendation_number",
    "authority_code",
    "kind",
    "beneficiary",
    "amount_gbp",
    "due_date",
)
ISSUE_COLUMNS = ("row", "column", "value", "message", "fix")


@cache
def drafts_table() -> Table:
    """The columns of a drafts file, as a table of the standard's kind."""
    standard = load_standard()
    recs = standard.table("recommendations")
    due = replace(
        recs.field("due_date"),
        required=False,
        description="The proposed due date. Blank when due_phrase gives it.",
    )
    fields = [due if name == "due_date" else recs.field(name) for name in FROM_RECOMMENDATIONS]
    fields += [
        standard.table("ombudsman_decisions").field("decision_date"),
        Field(
            name="due_phrase",
            title="Due date phrase",
            type="string",
            max_length=200,
            description="When due_date is blank: 'within one month of the final decision'.",
        ),
        Field(
            name="wording",
            title="Wording",
            type="string",
            required=True,
            free_text=True,
            max_length=WORDING_LIMIT,
            description="The proposed wording of the action.",
        ),
        Field(
            name="status",
            title="Status",
            type="string",
            required=True,
            enum=("proposed",),
            description="proposed: a draft for the council to answer.",
        ),
    ]

    def rule(kind: str, severity: str = "error", **params: Any) -> Rule:
        return Rule(kind=kind, severity=severity, params=params)  # type: ignore[arg-type]

    rules = (
        rule("known_authority", field="authority_code"),
        rule("unique", fields=["decision_ref", "recommendation_number"]),
        rule("date_order", earlier="decision_date", later="due_date"),
        rule("not_in_future", fields=["decision_date"]),
        *(r for r in recs.rules if r.kind == "required_when" and r.params["field"] == "amount_gbp"),
    )
    return Table(
        name="recommendation_drafts",
        title="Draft recommendations",
        description="Draft recommendations for the council to answer.",
        fields=tuple(fields),
        rules=rules,
        primary_key=("decision_ref", "recommendation_number"),
    )


@dataclass(frozen=True)
class DraftFile:
    """A drafts file read and checked: its drafts, or the problems that stop it."""

    drafts: list[NewDraft]
    issues: list[dict[str, Any]]  # row, column, value, message, fix; errors only

    @property
    def valid(self) -> bool:
        return not self.issues


class DraftFileInvalid(DraftError):
    """The file has errors; nothing was stored."""

    def __init__(self, found: DraftFile) -> None:
        first = found.issues[0]
        super().__init__(
            f"the file has {len(found.issues)} error(s), e.g. row {first['row']}"
            f" {first['column']}: {first['message']}; nothing was stored"
        )
        self.issues = found.issues


def read_drafts_file(data: bytes, file_name: str, today: date | None = None) -> DraftFile:
    """The drafts in a CSV file's bytes, with every error found."""
    today = today or date.today()
    table = drafts_table()
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        problem = {"row": None, "column": None, "value": None, "message": str(error)[:300]}
        fix = "Save the file as CSV (UTF-8) with a header row."
        return DraftFile([], [{**problem, "fix": fix}])
    names = table.field_names()
    headers = {h.strip().lower(): h for h in frame.columns}
    known = {n: headers[n] for n in names if n in headers}
    raw = RawTable(
        table=table,
        frame=frame.rename({header: name for name, header in known.items()}),
        file_name=file_name,
        file_hash=hashlib.sha256(data).hexdigest(),
        encoding="UTF-8",
        headers=known,
        unknown_columns=[h for k, h in headers.items() if k not in names],
    )
    report = validate(raw, today)
    errors = report.issues.filter(pl.col("severity") == "error")
    issues = [{k: issue[k] for k in ISSUE_COLUMNS} for issue in errors.to_dicts()]
    if issues:
        return DraftFile([], issues)
    drafts = []
    for row in report.typed.iter_rows(named=True):
        draft = NewDraft(
            **{k: row[k] for k in (*FROM_RECOMMENDATIONS, "decision_date")},
            wording=row["wording"],
            due_phrase=row["due_phrase"],
        )
        try:
            checked_draft(draft, today)
        except DraftError as error:
            issues.append(
                {
                    "row": row[ROW],
                    "column": "due_phrase" if "due date" in str(error) else None,
                    "value": row["due_phrase"],
                    "message": str(error),
                    "fix": "Give a due date on or after the decision date, or a phrase such"
                    " as 'within one month of the final decision'.",
                }
            )
        drafts.append(draft)
    return DraftFile(drafts if not issues else [], issues)


def import_drafts(
    engine: Engine,
    data: bytes,
    file_name: str,
    *,
    by: str,
    data_source: str = "ombudsman_return",
    today: date | None = None,
) -> list[int]:
    """Record every draft in a CSV file, or none (DraftFileInvalid, with the problems)."""
    found = read_drafts_file(data, file_name, today)
    if not found.valid:
        raise DraftFileInvalid(found)
    return create_drafts(engine, found.drafts, by=by, data_source=data_source, today=today)
