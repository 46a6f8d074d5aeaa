"""Downloads of the councillor scrutiny pack (the council's readers) and the national
overview (the Ombudsman and admins).

Both take seconds to make (the national overview reads every council's signals), so each
document is kept in the app's DataCache until the data changes, and for the day: what is
overdue, and the default "as of" for a year still running, change at midnight.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from scrutiny.councillor.questions import data_end, latest_year
from scrutiny.publish.reports.national import (
    national_html,
    national_pdf,
    national_report,
)
from scrutiny.publish.reports.pack import pack_pdf, scrutiny_pack
from scrutiny.reference.peers import peer_method
from scrutiny.returns.submissions import list_submissions
from scrutiny.store.accounts import User
from scrutiny.web.security import authority_reader, csrf_protect, report_page, role_in
from scrutiny.web.views.returns import council_or_404

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
ombudsman = role_in("ombudsman", "admin")


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF shown in the browser, saved as FILENAME."""
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/council/{code}/scrutiny/pack.pdf")
def scrutiny_pack_pdf(
    request: Request,
    code: str,
    period: str | None = None,
    peers: str = "type",
    user: User = Depends(authority_reader),
) -> Response:
    council_or_404(code)
    engine, cache = request.app.state.engine, request.app.state.cache
    if not period:
        end = cache.get(("returns-data-end",), lambda: data_end(list_submissions(engine)))
        if end is None:
            raise HTTPException(404, "There are no complaint returns to make a pack from yet.")
        period = latest_year(end)

    def build() -> bytes:
        return pack_pdf(scrutiny_pack(engine, code, period, peers=peer_method(peers)))

    body = cache.get(("scrutiny-pack-pdf", code, period, peers, date.today()), build)
    return pdf_response(body, f"scrutiny-pack-{code}-{period}.pdf")


def _national(request: Request, year: str, kind: str) -> bytes:
    engine, cache = request.app.state.engine, request.app.state.cache
    report = cache.get(
        ("national-report", year, date.today()), lambda: national_report(engine, year)
    )
    render = national_pdf if kind == "pdf" else national_html

    def build() -> bytes:
        body: bytes | str = render(report)
        return body if isinstance(body, bytes) else body.encode()

    built: bytes = cache.get(("national-report", year, kind, date.today()), build)
    return built


@router.get("/ombudsman/reports/national/{year}.pdf")
def national_report_pdf(request: Request, year: str, user: User = Depends(ombudsman)) -> Response:
    return pdf_response(_national(request, year, "pdf"), f"national-overview-{year}.pdf")


@router.get("/ombudsman/reports/national/{year}.html")
def national_report_html(request: Request, year: str, user: User = Depends(ombudsman)) -> Response:
    return report_page(_national(request, year, "html").decode())
