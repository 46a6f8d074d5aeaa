"""The annual complaints performance and service improvement report, downloadable from a
council's page (public: published figures, and the self-assessment the Code asks councils
to publish with the report)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from scrutiny.reports.annual import (
    ReportError,
    ReportInputs,
    annual_html,
    annual_pdf,
    financial_year,
    prepare_inputs,
)
from scrutiny.web.security import csrf_protect, report_page
from scrutiny.web.views.national import indicator_rows

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


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

    inputs: ReportInputs = request.app.state.cache.get(
        ("annual-inputs", year, today), build, version
    )
    return inputs


def _checked(code: str, year: str) -> tuple[str, str]:
    try:
        label = financial_year(year)[0]
    except ReportError as error:
        raise HTTPException(400, str(error)) from None
    return code.strip().upper(), label


@router.get("/councils/{code}/reports/annual/{year}.pdf")
def annual_report_pdf(request: Request, code: str, year: str) -> Response:
    code, year = _checked(code, year)
    cache = request.app.state.cache
    version = cache.version()

    def build() -> bytes:
        return annual_pdf(
            request.app.state.engine, code, year, inputs=_inputs(request, year, version)
        )

    try:
        body: bytes = cache.get(("annual-report-pdf", code, year, date.today()), build, version)
    except ReportError:
        raise HTTPException(404) from None
    filename = f"{code}-annual-report-{year}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/councils/{code}/reports/annual/{year}.html")
def annual_report_html(request: Request, code: str, year: str) -> Response:
    code, year = _checked(code, year)
    cache = request.app.state.cache
    version = cache.version()

    def build() -> str:
        return annual_html(
            request.app.state.engine, code, year, inputs=_inputs(request, year, version)
        )

    try:
        body: str = cache.get(("annual-report-html", code, year, date.today()), build, version)
    except ReportError:
        raise HTTPException(404) from None
    return report_page(body)
