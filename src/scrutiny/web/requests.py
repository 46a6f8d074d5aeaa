"""What the views share about a request: the council asked for, the period, indicator and
peers chosen, figures and pages kept in the app's DataCache, and PDF responses.

Views import these from here and never from each other, so a view module is only ever a
router.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import polars as pl
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.core.formatting import day
from scrutiny.core.periods import Grain, parse_period, period_label
from scrutiny.measures.coverage import RULE, Coverage, NoFigures, read_coverage
from scrutiny.measures.funnel_plot import funnel_plot
from scrutiny.measures.headlines import periods_with_data
from scrutiny.measures.landlords import LandlordPeers, landlord_funnel_plot
from scrutiny.recommendations import read_register
from scrutiny.reference.authorities import get_council
from scrutiny.reference.council_search import search_authorities
from scrutiny.reference.peers import NAMED_METHODS, PEER_METHODS, NamedPeerMethod
from scrutiny.returns.stored import current_data_sources
from scrutiny.standard.indicators import Indicator, indicator
from scrutiny.warning import kept
from scrutiny.web import cache as keys
from scrutiny.web.cache import DataCache, ReaderCache
from scrutiny.web.chart_views import ChartView, funnel_view
from scrutiny.web.security import SAFE_METHODS, session_user

# The peer groups a visitor can choose: every method that needs no list of codes.
Peers = NamedPeerMethod
PEER_CHOICES: dict[str, str] = {method: PEER_METHODS[method] for method in NAMED_METHODS}
DEFAULT_INDICATOR = "stage1_on_time"
DUE_WITHIN = 20  # working days ahead: about a month


WROTE = "wrote_version"  # the session's note of the data version of its own last write


def data_cache(request: Request) -> ReaderCache:
    """The app's DataCache as this visitor sees it: typed, so each key is checked against
    what it keeps, and never older than the visitor's own last write (see note_write)."""
    cache: DataCache = request.app.state.cache
    # A page read (GET) reads the data's version once, however many of its parts ask; a
    # write reads it afresh each time, as what it wrote changes it.
    known = request.state._state if request.method in SAFE_METHODS else None
    return ReaderCache(cache, int(request.session.get(WROTE, 0)), known)


def note_write(request: Request) -> None:
    """Note in the session that this visitor has just written: their pages are worked out
    afresh from now on, where other visitors may briefly see the figures from before."""
    request.session[WROTE] = request.app.state.cache.version("all")
    keep_figures(request)


def keep_figures(request: Request) -> None:
    """Start bringing the figures kept in the database up to date after a write (only
    those already kept, only for the councils it changed; nothing when it changed none),
    in the cache's background thread, so the next reader finds them current."""
    engine = request.app.state.engine
    cache: DataCache = request.app.state.cache
    cache.refresh(keys.KeptFigures(), lambda: kept.refresh(engine, start=False))


def council_or_404(code: str) -> dict[str, Any]:
    """The current council with GSS code CODE (NotFound, so a 404 page, for any other)."""
    return get_council(code)


def recommendation_or_404(
    request: Request, code: str, decision_ref: str, number: int
) -> dict[str, Any]:
    """One recommendation as the register has it today: 404 unless it is council CODE's."""
    register = read_register(request.app.state.engine, date.today(), authority_code=code)
    found = register.filter(
        (pl.col("decision_ref") == decision_ref)
        & (pl.col("recommendation_number") == number)
        & (pl.col("authority_code") == code)
    )
    if found.is_empty():
        raise HTTPException(404)
    return found.row(0, named=True)


def cached_page(request: Request, build: Callable[[], HTMLResponse], version: int) -> Response:
    """A public page, rendered once per data version, address and kind of visitor.

    Everything on these pages is public and the same for every visitor except the
    navigation, which depends only on the visitor's role and authority. The day is in
    the key because whether a recommendation is overdue changes at midnight.
    """
    user = session_user(request)
    visitor = (user.role, user.authority_code) if user else None
    key = keys.Page.of(request.scope, visitor)
    body = data_cache(request).get(key, lambda: bytes(build().body), version)
    return HTMLResponse(body)


def indicator_rows(request: Request, grain: Grain, version: int | None = None) -> pl.DataFrame:
    """Every indicator for every council and period of GRAIN, as kept in the database
    (scrutiny.warning.kept) and held in memory once per version."""
    engine = request.app.state.engine

    def compute() -> pl.DataFrame:
        return kept.indicators(engine, grain)

    return data_cache(request).get(keys.Indicators(grain), compute, version)


def landlord_rows_of(request: Request, version: int | None = None) -> pl.DataFrame:
    """Every landlord's TSM measures and Housing Ombudsman findings per home, each year, as
    kept in the database (scrutiny.warning.kept) and held in memory once per version."""
    engine = request.app.state.engine
    return data_cache(request).get(keys.LandlordRows(), lambda: kept.landlord_rows(engine), version)


def landlord_funnel_view(
    request: Request, version: int, item: Indicator, start: date, code: str, peers: LandlordPeers
) -> ChartView | None:
    """The funnel plot of landlord measure ITEM in the year starting START, council CODE
    among its PEERS, cached per data version (None when it cannot be drawn)."""

    def build() -> ChartView | None:
        rows = landlord_rows_of(request, version)
        plot = landlord_funnel_plot(rows, code, item.code, start, peers)
        label = period_label(start, "financial_year")
        return None if plot is None else funnel_view(plot, id="housing-funnel-chart", period=label)

    key = keys.LandlordFunnel(item.code, start, code, peers)
    return cached_chart(request, key, build, version)


def year_options(request: Request, version: int) -> list[str]:
    """Financial years with complaints received, newest first, as people write them."""
    rows = indicator_rows(request, "financial_year", version)
    return [period_label(start, "financial_year") for start in periods_with_data(rows)]


def period_items(request: Request, version: int, label: str) -> list[dict[str, object]]:
    """The period select's items: financial years with data, and LABEL if not one of them."""
    periods = year_options(request, version)
    return select_items({p: p for p in ([] if label in periods else [label]) + periods}, label)


def covered_periods(request: Request, version: int) -> Coverage:
    """Which periods the councils' current returns cover, read once per data version."""
    engine = request.app.state.engine
    return data_cache(request).get(keys.ReturnCoverage(), lambda: read_coverage(engine), version)


def data_sources(request: Request) -> set[str]:
    """Where the current returns came from (the standard's data_source codes), for saying
    when figures are synthetic; none when the database cannot be read (so that the
    database's own error page still renders)."""
    try:
        cache = data_cache(request)
        engine = request.app.state.engine
        return cache.get(keys.DataSources(), lambda: current_data_sources(engine), cache.version())
    except Exception:
        return set()


def default_year(request: Request, version: int, code: str | None = None) -> str:
    """The latest financial year complete nationally (and for council CODE, if given), as
    '2024-25'; for a council with no complete year of its own, the latest complete
    nationally (its page then says what it has not sent); this year when there is none."""
    coverage = covered_periods(request, version)
    latest = coverage.latest_complete("financial_year", code)
    if latest is None and code is not None:
        latest = coverage.latest_complete("financial_year")
    return period_label(latest[0] if latest else date.today(), "financial_year")


def chosen_period(
    request: Request, period: str | None, version: int, code: str | None = None
) -> tuple[str, Grain, date, date]:
    """The period asked for (label, grain, start, end), else the latest complete financial
    year (scrutiny.measures.coverage: for council CODE's own pages, complete for it too).

    400 for a period that cannot be read; NoFigures (404) for one that has not begun or
    that no return covers."""
    period = period or default_year(request, version, code)
    try:
        grain, start, end = parse_period(period)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    if grain == "month":
        raise HTTPException(400, "Choose a financial year (2024-25) or a quarter (2024-25 Q1).")
    found = covered_periods(request, version)
    if found.councils:
        found.check(start, end, grain)
    return period_label(start, grain), grain, start, end


def checked_as_of(request: Request, as_of: date, version: int) -> date:
    """AS_OF, a day to judge as things were known then: NoFigures (404) when it is in the
    future or before the first day any return covers."""
    found = covered_periods(request, version)
    if as_of > date.today():
        raise NoFigures(f"{day(as_of)} is in the future: choose a day up to today.")
    if found.first_day is not None and as_of < found.first_day:
        raise NoFigures(f"There were no returns on {day(as_of)}. {found.describe()}")
    return as_of


def data_up_to(request: Request, version: int, as_of: date) -> str:
    """'Data up to 31 March 2025; as it stood on 31 March 2025.' for pages judged AS_OF."""
    last = covered_periods(request, version).last_day
    if last is None:
        return "No returns have been sent yet."
    return f"Data up to {day(last)}. This page shows it as it stood on {day(as_of)}."


def data_note(request: Request, version: int, label: str, code: str | None = None) -> str:
    """What a page's figures cover, said once at the top of it: the data's last day, the
    period shown and, when that is the default, the rule that chose it."""
    found = covered_periods(request, version)
    if not found.councils or found.last_day is None:
        return "No returns have been sent yet, so there are no figures."
    default = default_year(request, version, code)
    latest = found.latest_complete("financial_year", code)
    count = found.complete_count(*latest) if latest else 0
    rule = (
        f" {default} is shown unless you choose another period: it is "
        + RULE.format(grain="financial year")
        + f" ({count:,} of {found.councils:,})"
        + (", and covered by this council's own returns" if code else "")
        + "."
    )
    return f"Data up to {day(found.last_day)}. Figures for {label}." + (
        rule if label == default else ""
    )


def chosen_indicator(code: str | None) -> Indicator:
    """The indicator asked for, else the default (400 for one that does not exist)."""
    try:
        return indicator(code or DEFAULT_INDICATOR)
    except KeyError:
        raise HTTPException(400, f"There is no indicator called {code!r}.") from None


def council_names() -> dict[str, str]:
    """Every current council's name by code, in name order."""
    councils = search_authorities().sort("name")
    return dict(councils.select("gss_code", "name").iter_rows())


def select_items(options: dict[str, str], selected: str | None) -> list[dict[str, object]]:
    """A GOV.UK select's items from {value: text}, with SELECTED chosen."""
    return [{"value": v, "text": t, "selected": v == selected} for v, t in options.items()]


def funnel_chart_view(
    request: Request,
    version: int,
    grain: Grain,
    start: date,
    label: str,
    item: Indicator,
    highlight: str | None,
    peers: Peers,
) -> ChartView | None:
    """The funnel plot of ITEM, cached per data version (None when it cannot be drawn)."""

    def build() -> ChartView | None:
        rows = indicator_rows(request, grain, version)
        plot = funnel_plot(rows, item.code, start, highlight=highlight, peers=peers)
        return None if plot is None else funnel_view(plot, id="funnel-chart", period=label)

    key = keys.FunnelChart(item.code, grain, start, highlight, peers if highlight else None)
    return cached_chart(request, key, build, version)


def cached_chart(
    request: Request,
    key: keys.CacheKey[ChartView | None],
    build: Callable[[], ChartView | None],
    version: int | None = None,
) -> ChartView | None:
    """The ChartView BUILD makes, kept for this data version under KEY."""
    return data_cache(request).get(key, build, version)


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF shown in the browser, saved as FILENAME."""
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def evidence_path(code: str, decision_ref: str, number: int) -> str:
    """The evidence page of one recommendation (decision references hold spaces)."""
    return f"/council/{code}/recommendations/{quote(decision_ref, safe='')}/{number}/evidence"
