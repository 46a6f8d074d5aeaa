"""Public pages: open data downloads, the data standard's documentation, accessibility, privacy,
how to read the comparisons, and the site's icon."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from markupsafe import Markup

from scrutiny.measures import words
from scrutiny.measures.spc_rules import MINIMUM_POINTS
from scrutiny.publish import opendata
from scrutiny.publish.documents import DOCUMENTS, published
from scrutiny.standard import describe_rule, documentation, load_standard
from scrutiny.standard.docs import FILE_CHECKS, _constraints_text, _type_text
from scrutiny.standard.indicators import load_indicators
from scrutiny.standard.package import csv_template
from scrutiny.web import cache as keys
from scrutiny.web.pages import EXPLAINER, STATIC, render
from scrutiny.web.requests import data_cache
from scrutiny.web.security import AskFirst, csrf_protect

# Pages, not API: kept out of the OpenAPI description.
router = APIRouter(
    dependencies=[Depends(csrf_protect)], route_class=AskFirst, include_in_schema=False
)

# Inline Markdown as the standard's documentation writes it: `code` and [text](#anchor).
INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)")
BETTER = {"higher_better": "Higher", "lower_better": "Lower", "neither": "Neither"}


def inline(text: str) -> list[dict[str, Any]]:
    """TEXT split into plain, code and link parts, for the template to mark up (escaped)."""
    parts: list[dict[str, Any]] = []
    at = 0
    for found in INLINE.finditer(text):
        if found.start() > at:
            parts.append({"text": text[at : found.start()]})
        if found.group(1) is not None:
            parts.append({"text": found.group(1), "code": True})
        else:
            parts.append({"text": found.group(2).strip("`"), "href": found.group(3)})
        at = found.end()
    if at < len(text):
        parts.append({"text": text[at:]})
    return parts


def _doc_section(heading: str) -> list[str]:
    """The bullet points and paragraphs under '## HEADING' in the generated standard.md."""
    lines = documentation(load_standard()).splitlines()
    start = lines.index(f"## {heading}") + 1
    found: list[str] = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        if line.strip():
            found.append(line.removeprefix("- "))
    return found


def _table_name(name: str, names: dict[str, Any] | tuple[str, ...]) -> str:
    if name not in names:
        raise HTTPException(404)
    return name


def _csv(body: Any, file_name: str) -> Response:
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


@router.get("/data")
def open_data(request: Request) -> Response:
    engine = request.app.state.engine
    rows = data_cache(request).get(keys.OpenDataRows(), lambda: opendata.published_rows(engine))
    return render(
        request,
        "opendata/index.html",
        {
            "title": "Open data",
            "downloads": opendata.DOWNLOADS.values(),
            "rows": rows,
            "withheld": {
                name: [
                    f.name
                    for f in load_standard().table(name).fields
                    if f.name not in opendata.published_fields(name)
                ]
                for name in opendata.STANDARD_TABLES
            },
            "counted_grain": opendata.COUNTED_GRAIN,
            "sources": load_standard().code_lists["data_source"].codes,
        },
    )


@router.get("/data/datapackage.json")
def open_data_package() -> Response:
    return JSONResponse(opendata.open_data_package())


@router.get("/data/{name}.csv")
def open_data_file(request: Request, name: str) -> Response:
    name = _table_name(name, opendata.DOWNLOADS)
    indicators = None
    if name == "indicators":  # computed over every council: kept until the data changes
        engine = request.app.state.engine
        indicators = data_cache(request).get(
            keys.OpenDataIndicators(), lambda: opendata.indicator_values(engine)
        )
    return _csv(opendata.download_csv(request.app.state.engine, name, indicators), f"{name}.csv")


@router.get("/standard")
def standard_page(request: Request) -> Response:
    standard = load_standard()
    tables = [
        {
            "table": table,
            "fields": [
                {
                    "field": field,
                    "type": inline(_type_text(standard, field)),
                    "constraints": inline(_constraints_text(standard, field)),
                }
                for field in table.fields
            ],
            "rules": [{"rule": rule, "text": inline(describe_rule(rule))} for rule in table.rules],
        }
        for table in standard.tables.values()
    ]
    used_by = {
        name: [
            f"{table.name}.{field.name}"
            for table in standard.tables.values()
            for field in table.fields
            if field.code_list == name
        ]
        for name in standard.code_lists
    }
    return render(
        request,
        "standard/index.html",
        {
            "title": "Complaint Handling Performance Data Standard",
            "standard": standard,
            "how_to_send": [inline(line) for line in _doc_section("How to send data")],
            "personal_data": [inline(line) for line in _doc_section("Personal data")],
            "file_checks": [
                {"rule": rule, "severity": severity, "text": text}
                for rule, (severity, text) in FILE_CHECKS.items()
            ],
            "tables": tables,
            "used_by": used_by,
            "inline": inline,
        },
    )


def _side(spec: dict[str, Any] | str) -> list[dict[str, Any]]:
    """One side of an indicator in words, as scrutiny.standard.indicators.documentation does."""
    if isinstance(spec, str):
        return [{"text": "Census 2021 population"}]
    kind, names = next(iter(spec.items()))
    listed = names if isinstance(names, list) else [names]
    parts: list[dict[str, Any]] = [{"text": f"{kind}: "}]
    for n, name in enumerate(listed):
        parts += [{"text": " + "}] if n else []
        parts.append({"text": name, "code": True})
    if "stage" in spec:
        parts.append({"text": f" (stage {spec['stage']})"})
    return parts


@router.get("/standard/indicators")
def indicators_page(request: Request) -> Response:
    indicators = [
        {
            "item": item,
            "numerator": _side(item.numerator),
            "denominator": _side(item.denominator),
            "better": BETTER[item.direction],
        }
        for item in load_indicators()
    ]
    return render(
        request,
        "standard/indicators.html",
        {"title": "The national indicator set", "indicators": indicators},
    )


@router.get("/standard/templates/{name}.csv")
def csv_template_file(name: str) -> Response:
    table = load_standard().table(_table_name(name, tuple(load_standard().tables)))
    return _csv(iter([csv_template(table)]), f"{name}.csv")


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "opendata/accessibility.html", {"title": "Accessibility statement"})


@router.get("/docs/{slug}")
def document(request: Request, slug: str) -> Response:
    """A document of the project's (the method pages that other pages cite), as a page."""
    page = published(slug)
    return render(
        request,
        "opendata/document.html",
        {"title": page.title, "html": Markup(page.html), "source": DOCUMENTS[slug].source},
    )


@router.get("/privacy")
def privacy(request: Request) -> Response:
    return render(request, "opendata/privacy.html", {"title": "Privacy notice"})


@router.get("/favicon.ico")
def favicon() -> Response:
    """scrutiny's own icon (not GOV.UK's crown), where browsers look for it unasked."""
    return FileResponse(
        STATIC / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(EXPLAINER)
def how_to_read(request: Request) -> Response:
    """Funnel plots, SPC charts and the words for what they show, for lay readers."""
    return render(
        request,
        "public/how_to_read.html",
        {
            "title": "How to read these comparisons",
            "positions": words.POSITIONS,
            "position_meanings": words.POSITION_MEANINGS,
            "not_compared": words.NOT_COMPARED,
            "not_compared_meaning": words.NOT_COMPARED_MEANING,
            "sides": words.SIDES,
            "side_meanings": words.SIDE_MEANINGS,
            "variations": words.VARIATIONS,
            "variation_meanings": words.VARIATION_MEANINGS,
            "rules": words.RULES,
            "minimum_points": MINIMUM_POINTS,
        },
    )


def _shortened(text: str, most: int = 300) -> str:
    """TEXT cut at a word to at most MOST characters, never inside a `code` span."""
    if len(text) <= most:
        return text
    cut = text[:most].rsplit(" ", 1)[0]
    if cut.count("`") % 2:
        cut = cut[: cut.rindex("`")].rstrip()
    return cut + "…"


@router.get("/api/v1/docs")
def api_documentation(request: Request) -> Response:
    """The API's endpoints, read from its own OpenAPI description, as a page that needs
    no scripts from elsewhere (Swagger UI would load them from a CDN, which the CSP bars)."""
    schema = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            # Markdown as the OpenAPI document has it: `code` is code, not backticks.
            "description": inline(_shortened(operation.get("description", ""))),
            "parameters": operation.get("parameters", []),
            "token": "Authorization" in str(operation.get("description", ""))
            or any(p.get("name") == "authorization" for p in operation.get("parameters", [])),
        }
        for path, methods in schema.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "standard/api.html",
        {
            "title": "API",
            "operations": operations,
            "description": inline(schema["info"]["description"]),
        },
    )
