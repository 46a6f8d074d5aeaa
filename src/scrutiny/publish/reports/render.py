"""Turning a report into HTML and PDF: one Jinja environment for report templates, and
WeasyPrint for PDF.

PDFs are PDF/UA-1: tagged, with real text, headings, the document language and title
set, and each chart's alt text carried into the tags. Charts are SVG images drawn by
scrutiny.publish.charts (vl-convert), so the HTML and the PDF show the same chart.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from scrutiny.core.formatting import FILTERS
from scrutiny.measures.words import TEMPLATE_GLOBALS
from scrutiny.publish import charts

TEMPLATES = Path(__file__).parent / "templates"
PDF_VARIANT = "pdf/ua-1"


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(FILTERS)
ENVIRONMENT.globals.update(TEMPLATE_GLOBALS)


def svg_data_uri(chart: Any) -> str:
    """An Altair chart as a data: URI of its SVG, for an <img> in HTML and PDF alike."""
    svg = charts.to_svg(chart)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_html(template: str, context: dict[str, Any]) -> str:
    """TEMPLATE (under reports/templates) rendered with CONTEXT: a whole HTML document."""
    return ENVIRONMENT.get_template(template).render(**context)


def laid_out(html: str) -> Any:
    """HTML laid out as PDF/UA-1 pages (a WeasyPrint Document): count its pages, then
    write it with document_pdf."""
    from weasyprint import HTML  # imported here: it takes a moment to load

    return HTML(string=html, base_url=str(TEMPLATES)).render(pdf_variant=PDF_VARIANT)


def document_pdf(document: Any) -> bytes:
    """A laid-out document as a tagged, accessible PDF (PDF/UA-1)."""
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


def html_to_pdf(html: str) -> bytes:
    """HTML as a tagged, accessible PDF (PDF/UA-1)."""
    return document_pdf(laid_out(html))
