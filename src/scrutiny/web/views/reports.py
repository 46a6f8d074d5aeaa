"""The annual complaints performance and service improvement report, downloadable from a
council's page (public: published figures, and the self-assessment the Code asks councils
to publish with the report)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine

from scrutiny.publish.reports.annual import (
    ReportError,
    ReportInputs,
    annual_html,
    annual_pdf,
    annual_report,
    prepare_inputs,
    report_year,
)
from scrutiny.publish.reports.render import SiteHeader
from scrutiny.web import cache as keys
from scrutiny.web.pages import SERVICE_NAME
from scrutiny.web.requests import (
    council_or_404,
    covered_periods,
    data_cache,
    default_year,
    indicator_rows,
    pdf_response,
)
from scrutiny.web.security import AskFirst, csrf_protect, report_page

router = APIRouter(
    dependencies=[Depends(csrf_protect)], route_class=AskFirst, include_in_schema=False
)
T = TypeVar("T")


def _inputs(request: Request, year: str, version: int) -> ReportInputs:
    """The figures over every council for YEAR, kept until the data changes (and the day,
    which decides what is overdue)."""
    engine = request.app.state.engine
    today = date.today()

    def build() -> ReportInputs:
        return prepare_inputs(
            engine,
            year,
            today=today,
            indicators=indicator_rows(request, "financial_year", version),
            quarters=indicator_rows(request, "quarter", version),
        )

    return data_cache(request).get(keys.AnnualInputs(year, today), build, version)


def _checked(request: Request, code: str, year: str) -> tuple[str, str]:
    """CODE tidied and YEAR as a financial year's label (a ReportError, so 400, if not one;
    NoFigures, so 404, for a year not begun or that no council's return covers)."""
    label, start, end = report_year(year)
    found = covered_periods(request, data_cache(request).version())
    if found.councils:
        found.check(start, end, "financial_year")
    return code.strip().upper(), label


def _annual(request: Request, code: str, year: str, make: Callable[..., T]) -> T:
    """CODE's annual report for YEAR, made by MAKE (annual_pdf or annual_page) and kept
    until the data changes, and for the day (what is overdue changes at midnight)."""
    cache = data_cache(request)
    version = cache.version()

    def build() -> T:
        return make(request.app.state.engine, code, year, inputs=_inputs(request, year, version))

    try:
        # The report shows the self-assessment too: kept until anything at all is written.
        body: T = cache.get(
            keys.AnnualReport(make.__name__, code, year, date.today()), build, cache.version("all")
        )
    except ReportError:
        raise HTTPException(404) from None
    return body


@router.get("/councils/{code}/reports/annual")
def latest_annual_report(request: Request, code: str) -> Response:
    """The latest complete year's report as a web page (the site navigation links here)."""
    code = council_or_404(code)["gss_code"]
    year = default_year(request, data_cache(request).version(), code)
    return RedirectResponse(f"/councils/{code}/reports/annual/{year}.html", status_code=303)


@router.get("/councils/{code}/reports/annual/{year}.pdf")
def annual_report_pdf(request: Request, code: str, year: str) -> Response:
    code, year = _checked(request, code, year)
    body = _annual(request, code, year, annual_pdf)
    return pdf_response(body, f"{code}-annual-report-{year}.pdf")


def annual_page(engine: Engine, code: str, year: str, *, inputs: ReportInputs) -> str:
    """The annual report as a page of the site: the HTML of the PDF, with links to the
    service and back to the council's page."""
    report = annual_report(engine, code, year, inputs=inputs)
    back = SiteHeader(SERVICE_NAME, f"/councils/{code}", report.name)
    return annual_html(engine, code, year, report=report, site=back)


@router.get("/councils/{code}/reports/annual/{year}.html")
def annual_report_html(request: Request, code: str, year: str) -> Response:
    code, year = _checked(request, code, year)
    return report_page(_annual(request, code, year, annual_page))
