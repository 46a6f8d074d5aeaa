"""Commands for Ombudsman recommendations: what is due and overdue, evidence, checks, measures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import typer

from scrutiny.cli.base import DateOption, app, check_format, console, fail, print_frame
from scrutiny.settings import Settings

recommendations_app = typer.Typer(
    help="Ombudsman recommendations, from decision to verified compliance.",
    no_args_is_help=True,
)
app.add_typer(recommendations_app, name="recommendations")

T = TypeVar("T")
AuthorityOption = Annotated[
    str | None, typer.Option("--authority", help="Only this council (GSS code).")
]
FormatOption = Annotated[str, typer.Option("--format", help="text, json or csv.")]
WithinOption = Annotated[int, typer.Option("--within", help="Working days ahead.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (required to reject).")]
KindOption = Annotated[
    str | None, typer.Option("--kind", help="Only this kind, e.g. service_improvement.")
]
DecisionOption = Annotated[str | None, typer.Option("--decision", help="Only this decision.")]
CategoryOption = Annotated[
    str | None,
    typer.Option("--category", help="Only this service area (the decision's category)."),
]
BeneficiaryOption = Annotated[
    str | None,
    typer.Option("--beneficiary", help="complainant (personal remedies) or wider_public."),
]


def _today(today: datetime | None) -> date:
    return today.date() if today else date.today()


def _run(compute: Callable[[Any, Settings], T]) -> T:
    """COMPUTE(engine, settings), with library errors turned into a message and exit 2."""
    from scrutiny.recommendations import RecommendationError
    from scrutiny.store.db import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        return compute(engine, settings)
    except (RecommendationError, ValueError) as error:
        fail(str(error), code=2)
        raise  # unreachable: fail exits
    finally:
        engine.dispose()


def _filters(
    authority: str | None,
    kind: str | None,
    decision: str | None,
    beneficiary: str | None,
    category: str | None,
) -> dict[str, str | None]:
    return {
        "authority_code": authority,
        "kind": kind,
        "decision_ref": decision,
        "beneficiary": beneficiary,
        "category": category,
    }


@recommendations_app.command()
def due(
    within: WithinOption = 10,
    authority: AuthorityOption = None,
    kind: KindOption = None,
    decision: DecisionOption = None,
    category: CategoryOption = None,
    beneficiary: BeneficiaryOption = None,
    output_format: FormatOption = "text",
    today: DateOption = None,
) -> None:
    """Open recommendations due in the next WITHIN working days, soonest first.

    Example: scrutiny recommendations due --within 10 --authority E10000017
    """
    from scrutiny.recommendations import due_within

    check_format(output_format)
    filters = _filters(authority, kind, decision, beneficiary, category)
    found = _run(lambda e, _: due_within(e, within, today=_today(today), **filters))
    print_frame(found, output_format, f"Due in the next {within} working days")


@recommendations_app.command("overdue")
def overdue_command(
    authority: AuthorityOption = None,
    kind: KindOption = None,
    decision: DecisionOption = None,
    category: CategoryOption = None,
    beneficiary: BeneficiaryOption = None,
    output_format: FormatOption = "text",
    today: DateOption = None,
) -> None:
    """Open recommendations past their due date, with working days overdue.

    Example: scrutiny recommendations overdue --format csv
    """
    from scrutiny.recommendations import overdue

    check_format(output_format)
    filters = _filters(authority, kind, decision, beneficiary, category)
    found = _run(lambda e, _: overdue(e, today=_today(today), **filters))
    print_frame(found, output_format, "Overdue recommendations")


@recommendations_app.command("record-evidence")
def record_evidence_command(
    decision_ref: Annotated[str, typer.Argument(help="The decision's reference.")],
    number: Annotated[int, typer.Argument(help="The recommendation's number.")],
    note: Annotated[str, typer.Option("--note", help="What the evidence shows.")],
    evidence_date: Annotated[
        datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="When it was done.")
    ],
    file_reference: Annotated[
        str | None, typer.Option("--file-reference", help="Where the evidence file is kept.")
    ] = None,
) -> None:
    """Record a council's evidence of compliance for the Ombudsman to check.

    Example: scrutiny recommendations record-evidence "24 015 110" 1 --note "Paid" --date 2025-04-10
    """
    from scrutiny.recommendations import record_evidence

    evidence_id = _run(
        lambda e, s: record_evidence(
            e,
            decision_ref,
            number,
            note=note,
            evidence_date=evidence_date.date(),
            file_reference=file_reference,
            by=s.user,
        )
    )
    console.print(f"Recorded evidence {evidence_id}; it awaits the Ombudsman's check.")


@recommendations_app.command()
def check(
    evidence_id: Annotated[int, typer.Argument(help="The evidence's id.")],
    accept: Annotated[
        bool | None, typer.Option("--accept/--reject", help="Accept or reject the evidence.")
    ] = None,
    reason: ReasonOption = "",
    on: DateOption = None,
    confirm_claimed_date: Annotated[
        bool,
        typer.Option(
            "--confirm-claimed-date",
            help="Backdated evidence (sent after the due date, dated by it) counts as on time:"
            " give the --reason.",
        ),
    ] = False,
) -> None:
    """The Ombudsman's check of a piece of evidence: accept it, or reject it with a reason.

    Accepted backdated evidence counts as complied late unless --confirm-claimed-date.

    Example: scrutiny recommendations check 12 --reject --reason "Receipt not enclosed"
    """
    from scrutiny.recommendations import check_evidence

    if accept is None:
        fail("say --accept or --reject", code=2)
    outcome = _run(
        lambda e, s: check_evidence(
            e,
            evidence_id,
            accepted=bool(accept),
            reason=reason,
            by=s.user,
            on=_today(on),
            confirm_claimed_date=confirm_claimed_date,
        )
    )
    if outcome == "rejected":
        console.print(f"Rejected evidence {evidence_id}: the recommendation awaits evidence again.")
    else:
        console.print(f"Accepted evidence {evidence_id}: {outcome.replace('_', ' ')}.")


@recommendations_app.command("measures")
def measures_command(
    authority: AuthorityOption = None,
    output_format: FormatOption = "text",
    today: DateOption = None,
) -> None:
    """Compliance measures per council and for England, by the Ombudsman's definitions.

    Example: scrutiny recommendations measures --authority E10000017 --format json
    """
    from scrutiny.recommendations import measures

    check_format(output_format)
    found = _run(lambda e, _: measures(e, today=_today(today), authority_code=authority))
    if output_format == "text":  # a wide table reads better turned on its side
        for row in found.iter_rows(named=True):
            console.print(f"[bold]{row.pop('authority_code')}[/]", highlight=False)
            for name, value in row.items():
                shown = (
                    "" if value is None else f"{value:,.1f}" if isinstance(value, float) else value
                )
                typer.echo(f"  {name.replace('_', ' ')}: {shown}")
        from scrutiny.cli.drafts import print_draft_measures

        print_draft_measures(authority, output_format, today)
        return
    print_frame(found, output_format, "Recommendation measures")


@recommendations_app.command("digest")
def digest_command(
    authority: Annotated[str, typer.Option("--authority", help="The council's GSS code.")],
    within: WithinOption = 10,
    today: DateOption = None,
) -> None:
    """A plain-text digest for the council's link officer and Member Responsible for Complaints.

    Example: scrutiny recommendations digest --authority E10000017 --within 10
    """
    from scrutiny.recommendations import digest

    text = _run(lambda e, _: digest(e, authority, within=within, today=_today(today)))
    typer.echo(text, nl=False)


@recommendations_app.command()
def withdraw(
    decision_ref: Annotated[str, typer.Argument(help="The decision's reference.")],
    number: Annotated[int, typer.Argument(help="The recommendation's number in it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is no longer required.")],
    on: DateOption = None,
) -> None:
    """Withdraw a recommendation that is no longer required, with the reason.

    Example: scrutiny recommendations withdraw "24 015 110" 2 --reason "Complainant died"
    """
    from scrutiny.recommendations import withdraw_recommendation

    _run(
        lambda e, settings: withdraw_recommendation(
            e, decision_ref, number, reason=reason, by=settings.user, on=_today(on)
        )
    )
    console.print(f"{decision_ref} recommendation {number}: withdrawn", highlight=False)


@recommendations_app.command("not-complied")
def not_complied(
    decision_ref: Annotated[str, typer.Argument(help="The decision's reference.")],
    number: Annotated[int, typer.Argument(help="The recommendation's number in it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the check is closed.")],
    on: DateOption = None,
) -> None:
    """Close the compliance check on an overdue recommendation as not complied with.

    Example: scrutiny recommendations not-complied "24 015 110" 1 --reason "No payment made"
    """
    from scrutiny.recommendations import mark_not_complied

    _run(
        lambda e, settings: mark_not_complied(
            e, decision_ref, number, reason=reason, by=settings.user, on=_today(on)
        )
    )
    console.print(f"{decision_ref} recommendation {number}: not complied", highlight=False)


@recommendations_app.command()
def repeats(
    authority: AuthorityOption = None,
    threshold: Annotated[
        int, typer.Option(help="How many failures of one kind make a repeat pattern.")
    ] = 2,
    output_format: FormatOption = "text",
) -> None:
    """Councils failing, or late on, the same kind of recommendation again and again.

    Example: scrutiny recommendations repeats --threshold 2 --format csv
    """
    from scrutiny.recommendations import repeat_patterns

    check_format(output_format)
    found = _run(lambda e, _: repeat_patterns(e, threshold=threshold, authority_code=authority))
    print_frame(found, output_format, "Repeated failures and late compliance, by council and kind")
