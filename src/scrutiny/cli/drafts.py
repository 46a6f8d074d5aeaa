"""Commands for draft recommendations: record, list, answer and finalise them, and the
draft stage's measures (shown by `scrutiny recommendations measures` too)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from scrutiny.cli.base import DateOption, console, fail, print_frame
from scrutiny.cli.recommendations import (
    AuthorityOption,
    FormatOption,
    _run,
    _today,
    recommendations_app,
)

DayOption = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]


@recommendations_app.command("draft")
def draft_command(
    file: Annotated[Path, typer.Argument(help="A CSV file of drafts (status proposed).")],
) -> None:
    """Record the Ombudsman's draft recommendations from a CSV file, all or none.

    Example: scrutiny recommendations draft drafts.csv
    """
    from scrutiny.recommendations.draft_files import DraftFileInvalid, import_drafts

    try:
        ids = _run(lambda e, s: import_drafts(e, file.read_bytes(), file.name, by=s.user))
    except DraftFileInvalid:  # pragma: no cover - _run turns it into a message
        raise
    console.print(f"Recorded {len(ids)} draft recommendations (ids {', '.join(map(str, ids))}).")


@recommendations_app.command("drafts")
def drafts_command(
    authority: AuthorityOption = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="proposed, accepted, change_proposed or finalised."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Draft recommendations, newest decision first.

    Example: scrutiny recommendations drafts --authority E06000047 --state proposed
    """
    from scrutiny.recommendations.drafts import list_drafts

    found = _run(lambda e, _: list_drafts(e, authority_code=authority, status=state))
    columns = [
        "id",
        "authority_code",
        "decision_ref",
        "recommendation_number",
        "kind",
        "due_date",
        "status",
        "final_due_date",
    ]
    frame = pl.DataFrame([{c: d[c] for c in columns} for d in found]) if found else pl.DataFrame()
    print_frame(frame, output_format, "Draft recommendations")


@recommendations_app.command("respond")
def respond_command(
    draft_id: Annotated[int, typer.Argument(help="The draft's id.")],
    authority: Annotated[str, typer.Option("--authority", help="The council answering.")],
    agreed_by: Annotated[str, typer.Option("--agreed-by", help="Senior leader's job title.")],
    accountable: Annotated[
        str, typer.Option("--accountable", help="Accountable officer's job title.")
    ],
    accept: Annotated[
        bool, typer.Option("--accept/--change", help="Accept, or propose a change.")
    ] = True,
    wording: Annotated[str | None, typer.Option("--wording", help="Proposed wording.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Proposed action (kind).")] = None,
    due: DayOption = None,
    reasons: Annotated[str, typer.Option("--reasons", help="Why the change.")] = "",
) -> None:
    """A council's answer to a draft: --accept, or --change with what and why.

    Example: scrutiny recommendations respond 3 --authority E06000047 --accept
    --agreed-by "Chief Executive" --accountable "Head of Customer Services"
    """
    from scrutiny.recommendations.drafts import respond_to_draft

    found = _run(
        lambda e, s: respond_to_draft(
            e,
            draft_id,
            authority_code=authority,
            accept=accept,
            agreed_by_title=agreed_by,
            accountable_officer=accountable,
            wording=wording,
            kind=kind,
            due_date=due.date() if due else None,
            reasons=reasons,
            by=s.user,
        )
    )
    console.print(f"Draft {draft_id}: {found['status'].replace('_', ' ')}.")


@recommendations_app.command("finalise")
def finalise_command(
    draft_id: Annotated[int, typer.Argument(help="The draft's id.")],
    take: Annotated[
        bool | None,
        typer.Option(
            "--take/--keep", help="Take the council's proposed change, or keep the draft."
        ),
    ] = None,
    wording: Annotated[str | None, typer.Option("--wording", help="Agreed wording.")] = None,
    due: DayOption = None,
    reason: Annotated[str, typer.Option("--reason", help="Why not as proposed.")] = "",
    on: DateOption = None,
) -> None:
    """The Ombudsman's final word: the recommendation is agreed and joins the register.

    Example: scrutiny recommendations finalise 3 --take
    """
    from scrutiny.recommendations.draft_measures import final_changes
    from scrutiny.recommendations.drafts import finalise_draft

    found = _run(
        lambda e, s: finalise_draft(
            e,
            draft_id,
            take_proposal=take,
            wording=wording,
            due_date=due.date() if due else None,
            reason=reason,
            by=s.user,
            on=_today(on),
        )
    )
    console.print(f"Agreed on {found['agreed_date']}, due {found['final_due_date']}.")
    for line in final_changes(found):
        typer.echo(f"  {line}")


def print_draft_measures(authority: str | None, output_format: str, today: datetime | None) -> None:
    """The draft stage's measures, after the compliance measures."""
    from scrutiny.recommendations.draft_measures import draft_measures, measures_frame

    found = _run(lambda e, _: draft_measures(e, authority_code=authority, today=_today(today)))
    if output_format == "text":
        console.print("[bold]Draft stage[/]", highlight=False)
        for label, value in found.lines():
            typer.echo(f"  {label}: {value}")
        return
    if output_format not in ("json", "csv"):
        fail(f"unknown format {output_format}", code=2)
    print_frame(measures_frame(found), output_format, "Draft stage measures")
