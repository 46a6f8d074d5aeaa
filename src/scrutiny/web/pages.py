"""Rendering pages: one Jinja environment with GOV.UK Frontend's macros, and render()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from scrutiny.core.formatting import FILTERS
from scrutiny.measures.words import TEMPLATE_GLOBALS
from scrutiny.web.security import context_user

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SERVICE_NAME = "Complaint handling scrutiny"
# The page explaining funnel plots, SPC and the vocabulary: every flag on a page links here.
EXPLAINER = "/how-to-read-comparisons"


def _items(items: list[tuple[str, str]], path: str) -> list[dict[str, Any]]:
    def active(href: str) -> bool:
        if href == "/":
            return path == href
        if href.startswith("/admin/"):  # one item for every admin page
            return path.startswith("/admin/")
        return path == href or path.startswith(href + "/")

    return [{"href": href, "text": text, "active": active(href)} for href, text in items]


def navigation(user: Any, path: str) -> list[dict[str, Any]]:
    """The service navigation, the same for everyone: the public pages, then the visitor's
    account (or signing in). Sign-out sits beside it, as a form (layout.html)."""
    items = [
        ("/", "National picture"),
        ("/councils", "Councils"),
        ("/compare", "Compare"),
        ("/data", "Open data"),
    ]
    items += [("/account", "Your account")] if user is not None else [("/sign-in", "Sign in")]
    return _items(items, path)


def work_navigation(user: Any, path: str) -> dict[str, Any] | None:
    """The second row of navigation for a signed-in visitor's own work, by role (None for
    the public and for roles with no pages of their own): its label and items. Two short
    rows rather than one of nine items, which wrapped."""
    if user is None:
        return None
    code = user.authority_code
    if user.role in ("council_officer", "councillor"):
        items = [(f"/council/{code}/returns", "Returns")] if user.role == "council_officer" else []
        items += [
            (f"/council/{code}/recommendations", "Recommendations"),
            (f"/council/{code}/scrutiny", "Scrutiny dashboard"),
            (f"/council/{code}/self-assessment", "Self-assessment"),
            (f"/councils/{code}/reports/annual", "Annual report"),
        ]
        return {"label": "Your council", "items": _items(items, path)}
    if user.role in ("ombudsman", "admin"):
        items = [
            ("/ombudsman/watchlist", "Watchlist"),
            ("/ombudsman/evidence", "Evidence"),
            ("/ombudsman/data-quality", "Data quality"),
            ("/ombudsman/self-assessment", "Self-assessments"),
            ("/ombudsman/reports/national", "National overview"),
        ]
        items += [("/admin/users", "Admin")] if user.role == "admin" else []
        return {"label": "Oversight", "items": _items(items, path)}
    return None


def make_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader(
                    {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
                ),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    environment.globals.update(
        service_name=SERVICE_NAME, navigation=navigation, work_navigation=work_navigation
    )
    environment.globals.update(TEMPLATE_GLOBALS, explainer=EXPLAINER)
    return environment


ENVIRONMENT = make_environment()


def _data_sources(request: Request) -> set[str]:
    from scrutiny.web.requests import data_sources  # requests renders pages too

    return data_sources(request)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """TEMPLATE with CONTEXT, the visitor and the current path, as an HTML response."""
    page = ENVIRONMENT.get_template(template).render(
        request=request,
        path=request.url.path,
        synthetic="synthetic" in _data_sources(request),
        **context_user(request),
        **(context or {}),
    )
    return HTMLResponse(page, status_code=status_code)
