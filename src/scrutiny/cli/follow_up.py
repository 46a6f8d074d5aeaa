"""Commands for scrutiny follow-up: assign a recommendation to a committee meeting, record
the committee's review, and list what the council's committees have to follow up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import polars as pl
import typer

from scrutiny.cli.base import console, print_frame
from scrutiny.cli.recommendations import FormatOption, _run, recommendations_app

DecisionArgument = Annotated[str, typer.Argument(help="The decision's reference.")]
NumberArgument = Annotated[int, typer.Argument(help="The recommendation's number.")]


@recommendations_app.command()
def assign(
    decision_ref: DecisionArgument,
    number: NumberArgument,
    committee: Annotated[str, typer.Option("--committee", help="The committee's name.")],
    meeting: Annotated[
        datetime, typer.Option("--meeting", formats=["%Y-%m-%d"], help="The meeting's date.")
    ],
) -> None:
    """Put a recommendation on a committee meeting's agenda (again: to a later meeting).

    Example: scrutiny recommendations assign "24 015 110" 1 --committee "Audit Committee"
    --meeting 2027-01-14
    """
    from scrutiny.recommendations.follow_up import assign_follow_up

    done = _run(
        lambda e, s: assign_follow_up(
            e,
            decision_ref,
            number,
            authority_code=None,
            committee=committee,
            meeting_date=meeting.date(),
            by=s.user,
        )
    )
    if not done.changed:
        console.print("It was already on that meeting's agenda: nothing changed.")
        return
    console.print(
        f"Recommendation {number} of decision {decision_ref} is on the agenda of "
        f"{done.committee} on {done.meeting_date:%-d %B %Y} (assignment {done.id})."
    )


@recommendations_app.command()
def review(
    decision_ref: DecisionArgument,
    number: NumberArgument,
    conclusion: Annotated[str, typer.Option("--conclusion", help="What the committee concluded.")],
) -> None:
    """Record what the committee concluded at the meeting the recommendation is assigned to.

    Example: scrutiny recommendations review "24 015 110" 1 --conclusion "On track"
    """
    from scrutiny.recommendations.follow_up import record_review

    done = _run(
        lambda e, s: record_review(
            e, decision_ref, number, authority_code=None, conclusion=conclusion, by=s.user
        )
    )
    console.print(
        f"Recorded the review by {done.committee} on {done.meeting_date:%-d %B %Y} "
        f"(review {done.id})."
    )


@recommendations_app.command("follow-up")
def follow_up_command(
    authority: Annotated[str, typer.Option("--authority", help="The council (GSS code).")],
    output_format: FormatOption = "text",
) -> None:
    """What a council's committees have to follow up: the next meetings' agendas, the
    recommendations reviewed and those not yet reviewed.

    Example: scrutiny recommendations follow-up --authority E06000047
    """
    from scrutiny.recommendations.follow_up_lists import council_follow_up

    found = _run(lambda e, s: council_follow_up(e, authority))
    rows = [
        {**row, "list": "next meeting", "committee": m.committee, "meeting_date": m.meeting_date}
        for m in found.next_meetings
        for row in m.items
    ]
    rows += [{**row, "list": "reviewed"} for row in found.reviewed]
    rows += [{**row, "list": "not reviewed"} for row in found.not_reviewed]
    columns = [
        "list",
        "decision_ref",
        "recommendation_number",
        "due_date",
        "state",
        "working_days_overdue",
        "committee",
        "meeting_date",
        "conclusion",
    ]
    frame = (
        pl.DataFrame([{c: row.get(c) for c in columns} for row in rows], infer_schema_length=None)
        if rows
        else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    )
    print_frame(frame, output_format, f"Committee follow-up for {authority}", columns)
