"""A plain-text digest for a council's link officer and Member Responsible for Complaints."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from scrutiny.recommendations.measures import measures
from scrutiny.recommendations.register import due_within, overdue
from scrutiny.reference.authorities import get_council


def digest(
    engine: Engine, authority_code: str, *, within: int = 10, today: date | None = None
) -> str:
    """What AUTHORITY_CODE must do about Ombudsman recommendations: overdue, then due soon."""
    today = today or date.today()
    name = get_council(authority_code, former=True)["name"]
    late = overdue(engine, today=today, authority_code=authority_code)
    soon = due_within(engine, within, today=today, authority_code=authority_code)
    lines = [
        f"Ombudsman recommendations: {name} ({authority_code})",
        f"As at {today:%A %-d %B %Y}. For the link officer and the Member Responsible for"
        " Complaints.",
        "",
        f"Overdue now: {late.height}",
    ]
    lines += [
        f"  - {_item(row)}: due {row['due_date']}, {_days(row['working_days_overdue'])} overdue"
        f"{_awaiting(row)}"
        for row in late.iter_rows(named=True)
    ]
    lines += ["", f"Due in the next {within} working days: {soon.height}"]
    lines += [
        f"  - {_item(row)}: due {row['due_date']}, in {_days(row['working_days_to_due'])}"
        f"{_awaiting(row)}"
        for row in soon.iter_rows(named=True)
    ]
    found = measures(engine, today=today, authority_code=authority_code)
    if found.height:
        row = found.row(0, named=True)
        lines += [
            "",
            f"Compliance so far: {row['compliance_headline']}"
            f" ({row['complied']} complied, {row['complied_late']} late,"
            f" {row['not_complied']} not complied, {row['pending']} open)",
        ]
    return "\n".join(lines) + "\n"


def _item(row: dict[str, object]) -> str:
    kind = str(row["kind"]).replace("_", " ")
    amount = f" £{row['amount_gbp']:,.0f}" if row["amount_gbp"] else ""
    return f"{row['decision_ref']} #{row['recommendation_number']} {kind}{amount}"


def _days(n: object) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


def _awaiting(row: dict[str, object]) -> str:
    return (
        f" (evidence {row['evidence_id']} awaits the Ombudsman's check)"
        if row["state"] == "evidence_submitted"
        else ""
    )
