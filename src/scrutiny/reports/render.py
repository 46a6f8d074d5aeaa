"""Turning a report into HTML and PDF: one Jinja environment for report templates, and
WeasyPrint for PDF.

PDFs are PDF/UA-1: tagged, with real text, headings, the document language and title
set, and each chart's alt text carried into the tags. Charts are SVG images drawn by
scrutiny.charts (vl-convert), so the HTML and the PDF show the same chart.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from scrutiny import charts

TEMPLATES = Path(__file__).parent / "templates"
PDF_VARIANT = "pdf/ua-1"


def _number(value: object, places: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return str(value)


def _day(value: object) -> str:
    return f"{value.day} {value:%B %Y}" if isinstance(value, date) else str(value or "–")


def _words(value: object) -> str:
    return "–" if value is None else str(value).replace("_", " ")


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(number=_number, day=_day, words=_words)


def svg_data_uri(chart: Any) -> str:
    """An Altair chart as a data: URI of its SVG, for an <img> in HTML and PDF alike."""
    svg = charts.to_svg(chart)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_html(template: str, context: dict[str, Any]) -> str:
    """TEMPLATE (under reports/templates) rendered with CONTEXT: a whole HTML document."""
    return ENVIRONMENT.get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """HTML as a tagged, accessible PDF (PDF/UA-1)."""
    from weasyprint import HTML  # imported here: it takes a moment to load

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
