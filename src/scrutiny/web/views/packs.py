"""The councillor scrutiny pack, as PDF and as a web page (the council's readers), and the
national overview (the Ombudsman and admins).

Both take seconds to make (the national overview reads every council's signals), so each
document is kept in the app's DataCache until the data changes, and for the day: what is
overdue, and the default "as of" for a year still running, change at midnight.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.core.periods import parse_financial_year
from scrutiny.publish.reports.national import (
    national_html,
    national_pdf,
    national_report,
)
from scrutiny.publish.reports.pack import ScrutinyPack, pack_html, pack_pdf, scrutiny_pack
from scrutiny.publish.reports.render import SiteHeader
from scrutiny.reference.peers import peer_method
from scrutiny.store.accounts import User
from scrutiny.web import cache as keys
from scrutiny.web.pages import SERVICE_NAME
from scrutiny.web.requests import (
    council_or_404,
    covered_periods,
    data_cache,
    default_year,
    pdf_response,
)
from scrutiny.web.security import AskFirst, authority_reader, csrf_protect, report_page, role_in

router = APIRouter(
    dependencies=[Depends(csrf_protect)], route_class=AskFirst, include_in_schema=False
)
ombudsman = role_in("ombudsman", "admin")


def _pack(
    request: Request,
    code: str,
    period: str | None = None,
    peers: str = "type",
    user: User = Depends(authority_reader),
) -> tuple[keys.ScrutinyPackFigures, ScrutinyPack]:
    """CODE's pack for PERIOD (by default the latest year with data) and its cache key, kept
    until anything is written and for the day; 404 with no returns at all, 400 for a period
    not a year. The pages' one dependency: it checks the reader first."""
    council_or_404(code)
    engine, cache = request.app.state.engine, data_cache(request)
    found = covered_periods(request, cache.version())
    if not found.councils:
        raise HTTPException(404, "There are no complaint returns to make a pack from yet.")
    period = period or default_year(request, cache.version(), code)
    try:
        _, start, end = parse_financial_year(period)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    found.check(start, end, "financial_year")
    key = keys.ScrutinyPackFigures(code, period, peers, date.today())
    return key, cache.get(
        key, lambda: scrutiny_pack(engine, code, period, peers=peer_method(peers))
    )


Pack = Annotated[tuple[keys.ScrutinyPackFigures, ScrutinyPack], Depends(_pack)]


@router.get("/council/{code}/scrutiny/pack.pdf")
def scrutiny_pack_pdf(request: Request, code: str, found: Pack) -> Response:
    key, pack = found
    body = data_cache(request).get(keys.ScrutinyPackPdf(key), lambda: pack_pdf(pack))
    return pdf_response(body, f"scrutiny-pack-{code}-{pack.period}.pdf")


@router.get("/council/{code}/scrutiny/pack")
def scrutiny_pack_page(code: str, found: Pack) -> Response:
    """The pack as a page of the site: the same figures as the PDF, with every item the
    pack holds (the PDF leaves out the least urgent should they not fit two pages)."""
    back = SiteHeader(SERVICE_NAME, f"/council/{code}/scrutiny", "the scrutiny dashboard")
    return report_page(pack_html(found[1], site=back))


def _national(request: Request, year: str, kind: Literal["pdf", "html"]) -> bytes:
    engine, cache = request.app.state.engine, data_cache(request)
    report = cache.get(
        keys.NationalReportFigures(year, date.today()), lambda: national_report(engine, year)
    )
    back = SiteHeader(SERVICE_NAME, "/ombudsman/watchlist", "the watchlist")

    def build() -> bytes:
        return national_pdf(report) if kind == "pdf" else national_html(report, site=back).encode()

    return cache.get(keys.NationalReportFile(year, kind, date.today()), build)


@router.get("/ombudsman/reports/national")
def latest_national_report(request: Request, user: User = Depends(ombudsman)) -> Response:
    """The latest complete year's overview as a web page (the site navigation links here)."""
    year = default_year(request, data_cache(request).version())
    return RedirectResponse(f"/ombudsman/reports/national/{year}.html", status_code=303)


@router.get("/ombudsman/reports/national/{year}.pdf")
def national_report_pdf(request: Request, year: str, user: User = Depends(ombudsman)) -> Response:
    return pdf_response(_national(request, year, "pdf"), f"national-overview-{year}.pdf")


@router.get("/ombudsman/reports/national/{year}.html")
def national_report_html(request: Request, year: str, user: User = Depends(ombudsman)) -> Response:
    return report_page(_national(request, year, "html").decode())
