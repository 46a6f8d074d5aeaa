"""Commands for files attached to evidence: attach, list, download, withdraw.

They join `scrutiny recommendations`. The command line acts for whoever runs it (the
SCRUTINY_USER setting names them in the audit log), so it is not limited to one council.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from scrutiny.cli.base import check_format, console, fail, print_frame
from scrutiny.cli.recommendations import FormatOption, recommendations_app
from scrutiny.settings import Settings

T = TypeVar("T")


def _run(compute: Callable[[Any, Settings], T]) -> T:
    """COMPUTE(engine, settings), with scrutiny's errors turned into a message and exit 2."""
    from scrutiny.core.errors import ScrutinyError
    from scrutiny.store.db import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        return compute(engine, settings)
    except ScrutinyError as error:
        fail(str(error), code=2)
        raise  # unreachable: fail exits
    finally:
        engine.dispose()


@recommendations_app.command()
def attach(
    decision_ref: Annotated[str, typer.Argument(help="The decision's reference.")],
    number: Annotated[int, typer.Argument(help="The recommendation's number.")],
    file: Annotated[Path, typer.Argument(help="The file to attach.", exists=True, dir_okay=False)],
    evidence_id: Annotated[
        int | None,
        typer.Option("--evidence-id", help="The evidence (default: the one awaiting a check)."),
    ] = None,
) -> None:
    """Attach a file (PDF, image, office document, text) to evidence awaiting a check.

    Example: scrutiny recommendations attach "24 015 110" 1 receipt.pdf
    """
    from scrutiny.recommendations.evidence_files import attach_file, awaiting_check, read_upload

    def run(engine: Any, settings: Settings) -> Any:
        target = evidence_id or awaiting_check(engine, decision_ref, number)
        with file.open("rb") as stream:
            data = read_upload(stream, settings.evidence_file_bytes, file.name)
        return attach_file(
            engine,
            settings.evidence_path,
            target,
            name=file.name,
            data=data,
            by=settings.user,
            limit=settings.evidence_file_bytes,
        )

    added = _run(run)
    console.print(
        f"Attached {added.original_name} ({added.type_label}) to evidence {added.evidence_id}"
        f" as file {added.id}.",
        highlight=False,
    )


@recommendations_app.command("files")
def files_command(
    decision_ref: Annotated[
        str | None, typer.Argument(help="Only this decision's files.", show_default=False)
    ] = None,
    number: Annotated[int | None, typer.Argument(help="Only this recommendation's.")] = None,
    authority: Annotated[
        str | None, typer.Option("--authority", help="Only this council (GSS code).")
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Files attached to evidence, withdrawn ones included, oldest first.

    Example: scrutiny recommendations files "24 015 110" 1
    """
    import polars as pl

    from scrutiny.recommendations.evidence_files import list_evidence_files

    check_format(output_format)
    found = [
        f
        for f in _run(lambda e, _: list_evidence_files(e, authority_code=authority))
        if (decision_ref is None or f.decision_ref == decision_ref)
        and (number is None or f.recommendation_number == number)
    ]
    frame = pl.DataFrame(
        [
            {
                "file_id": f.id,
                "evidence_id": f.evidence_id,
                "decision_ref": f.decision_ref,
                "recommendation_number": f.recommendation_number,
                "name": f.original_name,
                "type": f.type_label,
                "size_bytes": f.size_bytes,
                "uploaded_by": f.uploaded_by,
                "withdrawn": f.withdrawn_reason or "",
            }
            for f in found
        ]
    )
    print_frame(frame, output_format, "Evidence files")


@recommendations_app.command()
def download(
    file_id: Annotated[int, typer.Argument(help="The file's id (see `files`).")],
    output: Annotated[
        Path | None, typer.Option("--output", help="Where to save it (default: its own name).")
    ] = None,
) -> None:
    """Save an evidence file, checked against its SHA-256; the download is audited.

    Example: scrutiny recommendations download 3 --output receipt.pdf
    """
    from scrutiny.recommendations.evidence_files import read_file

    found, data = _run(lambda e, s: read_file(e, s.evidence_path, file_id, by=s.user))
    target = output or Path(found.original_name)
    if target.exists():
        fail(f"{target} exists already: say --output with another name", code=2)
    target.write_bytes(data)
    console.print(f"Saved {found.original_name} to {target}.", highlight=False)


@recommendations_app.command("withdraw-file")
def withdraw_file_command(
    file_id: Annotated[int, typer.Argument(help="The file's id (see `files`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
) -> None:
    """Withdraw a file before its evidence is checked; it stays listed as withdrawn.

    Example: scrutiny recommendations withdraw-file 3 --reason "Wrong letter attached"
    """
    from scrutiny.recommendations.evidence_files import withdraw_file

    found = _run(lambda e, s: withdraw_file(e, file_id, reason=reason, by=s.user))
    console.print(f"Withdrew {found.original_name} (file {found.id}).", highlight=False)
