"""A council's saved mapping: how its case system's export reads as the standard.

An officer sees the council's current 'default' mapping as YAML in a text box, with every
version saved before, and saves a corrected one; a mapping that cannot be read stores
nothing and the error summary names its line. An officer can also upload an export to have
a mapping proposed (scrutiny.returns.proposal): the text box is filled with it and a table
shows each heading and value, what it was matched to, how sure the match is and how many
rows it affects, to correct before saving. Uploads of returns then use the saved mapping
(scrutiny.web.views.returns). Saving a mapping changes no figure, so the cache is untouched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scrutiny.core.errors import Invalid
from scrutiny.returns.mapping import DEFAULT_NAME
from scrutiny.returns.saved_mappings import mapping_versions, save_mapping
from scrutiny.returns.submit import ReturnRefused, keep_upload
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.store.accounts import User
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404
from scrutiny.web.security import AskFirst, authority_writer, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)

FLASH = "mapping_flash"


def _path(code: str) -> str:
    return f"/council/{code}/mapping"


def _page(request: Request, code: str, status_code: int = 200, **context: Any) -> Response:
    council = council_or_404(code)
    versions = mapping_versions(request.app.state.engine, code, DEFAULT_NAME)
    return render(
        request,
        "council/mapping.html",
        {
            "title": f"Your case system's mapping: {council['name']}",
            "council": council,
            "code": code,
            "versions": versions,
            "current": versions[0] if versions else None,
            "text": versions[0].yaml if versions else "",
            "flash": request.session.pop(FLASH, None),
            "max_bytes": request.app.state.settings.max_file_bytes,
            **context,
        },
        status_code=status_code,
    )


@router.get("/council/{code}/mapping")
def mapping_page(request: Request, code: str, user: User = Depends(authority_writer)) -> Response:
    return _page(request, code)


@router.post("/council/{code}/mapping")
def save_mapping_form(
    request: Request,
    code: str,
    mapping: str = Form(""),
    user: User = Depends(authority_writer),
) -> Response:
    """Check the mapping in the text box and keep it as the next version; nothing is kept
    when it cannot be read, and the page names the line."""
    council_or_404(code)
    text = mapping.replace("\r\n", "\n")  # browsers send a text box's lines with CRLF
    if not text.strip():
        return _page(request, code, 400, text=text, mapping_error="Enter the mapping")
    try:
        saved = save_mapping(request.app.state.engine, code, DEFAULT_NAME, text, user.email)
    except (FileUnreadable, Invalid) as error:  # MappingError is a FileUnreadable
        return _page(request, code, 400, text=text, mapping_error=str(error))
    request.session[FLASH] = f"Saved as version {saved.version}: uploads are now read with it."
    return RedirectResponse(_path(code), status_code=303)


@router.post("/council/{code}/mapping/propose")
def propose_mapping(
    request: Request,
    code: str,
    file: UploadFile | None = File(None),
    user: User = Depends(authority_writer),
) -> Response:
    """Propose a mapping from an uploaded export, for the officer to correct and save;
    nothing is stored, and the export is deleted once read."""
    council_or_404(code)
    if file is None or not file.filename:
        return _page(request, code, 400, file_error="Select your case system's export")
    from scrutiny.returns.proposal import propose  # the proposer is only needed here

    settings = request.app.state.settings
    with tempfile.TemporaryDirectory(prefix="scrutiny-propose-") as directory:
        try:
            path = keep_upload(file.file, Path(directory), file.filename, settings.max_file_bytes)
            proposal = propose(path, settings)
        except (FileUnreadable, ReturnRefused) as error:
            return _page(request, code, 400, file_error=f"The export cannot be read: {error}")
    return _page(
        request,
        code,
        text=proposal.to_yaml(),
        proposal=proposal,
        match_tables=_match_tables(proposal),
        proposed_from=path.name,
        unmatched=proposal.unmatched(),
    )


def _match_tables(proposal: Any) -> list[dict[str, Any]]:
    """The proposal's matches as tables: the officer's headings, then their words."""

    def sure(confidence: float) -> str:
        return f"{confidence * 100:.0f}%"

    tables = [
        {
            "caption": "Your column headings and the standard's fields they were matched to",
            "headings": ["Your heading", "Field", "How sure", "Rows"],
            "rows": [
                [m.header, m.field or "Not matched", sure(m.confidence), f"{m.rows:,}"]
                for m in proposal.headers
            ],
        }
    ]
    if proposal.values:
        tables.append(
            {
                "caption": "Your words and the standard's codes they were matched to",
                "headings": ["Field", "Your word", "Code", "How sure", "Rows"],
                "rows": [
                    [m.field, m.value, m.code or "Not matched", sure(m.confidence), f"{m.rows:,}"]
                    for m in proposal.values
                ],
            }
        )
    return tables
