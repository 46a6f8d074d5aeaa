"""The national overview for the Ombudsman: one financial year across every council.

First the real figures of every council landlord, from the Regulator of Social Housing's
Tenant Satisfaction Measures: how many RSH published and scrutiny matched to a council,
and each measure's median and middle half, year by year. Then four parts: the spread of
every indicator across councils (median, quartiles, range, and
how many councils sit outside the national funnel's limits, with a histogram each); the
watchlist with its reasons; compliance with Ombudsman recommendations for England; and
the gaps in the data (councils without complaint returns).

Councils are never ranked. The spread is told in quartiles and counts, the watchlist is
listed by name as a list for attention, and the funnel counts say how many councils, not
which are "worst". Everything is as known AS_OF, by default a month after the year ends
(when the year's figures are first complete enough to read), so the report for a year
can be made again later and say the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import parse_period
from scrutiny.measures.funnel_plot import funnel_plot
from scrutiny.measures.headlines import distribution, national_headlines
from scrutiny.publish.charts import distribution_chart, to_spec, warm_up
from scrutiny.publish.landlords import NationalLandlords, national_landlords
from scrutiny.publish.reports.render import SiteHeader, html_to_pdf, render_html, svg_data_uri
from scrutiny.recommendations import measures
from scrutiny.recommendations.measures import NATIONAL
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.stored import current_data_sources
from scrutiny.standard.indicators import Direction, load_indicators
from scrutiny.warning import kept
from scrutiny.warning.data_quality import missing_returns, return_coverage, warning_totals
from scrutiny.warning.watchlist import WATCH_THRESHOLD

AFTER_YEAR_END = timedelta(days=30)
MAX_REASONS = 4  # per council on the watchlist; the rest are on the watchlist page


class NationalReportError(Invalid, ValueError):
    """The report cannot be made: the year is not a financial year."""


@dataclass(frozen=True)
class Spread:
    """One indicator across councils in the year."""

    code: str
    name: str
    unit: str
    direction: Direction
    councils: int
    national: float | None  # England's pooled figure (the median council for medians)
    lowest: float | None
    lower_quartile: float | None
    median: float | None
    upper_quartile: float | None
    highest: float | None
    outside_95: int | None  # councils outside the national funnel's 95% limits (None: no funnel)
    outside_99_8: int | None
    high: int | None  # of those outside the 95% limits, how many above
    worse_side: int | None  # of those outside the 95% limits, how many on the worse side
    values: pl.DataFrame = field(compare=False, repr=False)  # code, name, numerator, ...

    def shown(self, value: float | None) -> str:
        """VALUE in this indicator's unit, short enough for a table cell: 47%, 12.4."""
        if value is None:
            return "–"
        return f"{value:.0f}%" if self.unit == "percent" else f"{value:,.1f}"

    @property
    def outside(self) -> str:
        """Councils outside the national funnel's limits, in words."""
        if self.outside_95 is None:
            return "no funnel (not a rate)"
        if self.worse_side is None:
            low = self.outside_95 - (self.high or 0)
            sides = f"{self.high} high, {low} low"
        else:
            sides = f"{self.worse_side} on the worse side"
        return f"{self.outside_95} ({sides}); {self.outside_99_8} beyond 99.8%"


@dataclass(frozen=True)
class Watched:
    """A council on the watchlist, with the signals behind its score."""

    authority_code: str
    name: str
    score: float
    previous_score: float
    trend: str
    reasons: tuple[str, ...]  # the signals that add most to the score
    other_signals: int  # signals not shown: worth less, or nothing, to the score


@dataclass(frozen=True)
class QuarterGap:
    """Complaint returns for one quarter: how many councils sent one, and who did not."""

    quarter: str
    councils: int
    submitted: int
    missing: tuple[str, ...]  # council names, alphabetical


@dataclass(frozen=True)
class NationalReport:
    """The national overview for one financial year."""

    year: str
    as_of: date
    spreads: tuple[Spread, ...]
    watch_quarter: str | None
    watched: tuple[Watched, ...]  # on watch, by name
    also_signalled: int  # councils with a score below the threshold
    compliance: dict[str, object]  # England's row of scrutiny.recommendations.measures
    councils_with_recommendations: int
    councils_not_complied: int  # with at least one recommendation not complied with
    councils_overdue: int  # with at least one recommendation overdue AS_OF
    gaps: tuple[QuarterGap, ...]
    warnings: dict[str, int]
    landlords: NationalLandlords  # council landlords' real figures, shown first
    threshold: float = WATCH_THRESHOLD
    synthetic: bool = False  # any current return is synthetic demo data: the report says so


def _funnel_counts(
    rows: pl.DataFrame, code: str, start: date, direction: Direction
) -> dict[str, int]:
    plot = funnel_plot(rows, code, start)
    if plot is None:
        return {}
    flags = plot.points.get_column("flag")
    outside = flags.is_in(["high_alert", "high_alarm", "low_alert", "low_alarm"])
    high = flags.str.starts_with("high") & outside
    worse = high if direction == "lower_better" else outside & ~high
    return {
        "outside_95": int(outside.sum()),
        "outside_99_8": int(flags.str.ends_with("alarm").sum()),
        "high": int(high.sum()),
        "worse_side": int(worse.sum()),
    }


def indicator_spreads(rows: pl.DataFrame, start: date) -> list[Spread]:
    """Every indicator's spread across councils in the year starting START."""
    headlines = {r["indicator"]: r for r in national_headlines(rows, start).iter_rows(named=True)}
    spreads = []
    for item in load_indicators():
        head = headlines[item.code]
        values = distribution(rows, item.code, start)
        column = values.get_column("value")
        counts = _funnel_counts(rows, item.code, start, item.direction)
        spreads.append(
            Spread(
                code=item.code,
                name=item.name,
                unit=item.unit,
                direction=item.direction,
                councils=values.height,
                national=head["value"],
                lowest=column.min() if values.height else None,  # type: ignore[arg-type]
                lower_quartile=head["lower_quartile"],
                median=head["median"],
                upper_quartile=head["upper_quartile"],
                highest=column.max() if values.height else None,  # type: ignore[arg-type]
                outside_95=counts.get("outside_95"),
                outside_99_8=counts.get("outside_99_8"),
                high=counts.get("high"),
                worse_side=counts.get("worse_side") if item.direction != "neither" else None,
                values=values,
            )
        )
    return spreads


def _watched(engine: Engine, as_of: date) -> tuple[list[Watched], int, str | None]:
    listed = kept.watchlist(engine, as_of)
    on_watch = listed.filter(pl.col("on_watch")).sort("name")
    found = []
    for row in on_watch.iter_rows(named=True):
        signals = json.loads(row["signals"])
        # The watchlist lists each council's signals by points, largest first.
        scoring = [s for s in signals if s["points"] > 0]
        shown = [s["sentence"] for s in scoring[:MAX_REASONS]]
        found.append(
            Watched(
                row["authority_code"],
                row["name"],
                row["score"],
                row["previous_score"],
                row["trend"],
                tuple(shown),
                len(signals) - len(shown),
            )
        )
    quarter = listed["period"][0] if listed.height else None
    return found, listed.height - on_watch.height, quarter


def _gaps(engine: Engine, as_of: date, start: date, end: date) -> list[QuarterGap]:
    coverage = return_coverage(engine, as_of)
    coverage = coverage.filter(pl.col("period_start").is_between(start, end))
    found = []
    for quarter, missing in missing_returns(coverage).items():
        rows = coverage.filter(pl.col("quarter") == quarter)
        found.append(
            QuarterGap(
                quarter,
                rows.height,
                int(rows.get_column("submitted").sum()),
                tuple(sorted(missing.get_column("name").to_list())),
            )
        )
    return sorted(found, key=lambda gap: gap.quarter)


def national_report(engine: Engine, year: str, *, as_of: date | None = None) -> NationalReport:
    """The national overview for financial YEAR ('2024-25'), as known AS_OF."""
    warm_up()  # the histograms' converter starts while the figures are computed
    try:
        grain, start, end = parse_period(year)
    except ValueError as error:
        raise NationalReportError(str(error)) from None
    if grain != "financial_year":
        raise NationalReportError("the national overview covers a financial year: write 2024-25")
    as_of = as_of or min(end + AFTER_YEAR_END, date.today())
    rows = kept.indicators(engine, "financial_year")
    watched, also, quarter = _watched(engine, as_of)
    per_council = measures(engine, today=as_of, due_from=start, due_to=end)
    councils = per_council.filter(pl.col("authority_code") != NATIONAL)
    england = per_council.filter(pl.col("authority_code") == NATIONAL)
    return NationalReport(
        synthetic="synthetic" in current_data_sources(engine),
        year=year,
        as_of=as_of,
        spreads=tuple(indicator_spreads(rows, start)),
        watch_quarter=quarter,
        watched=tuple(watched),
        also_signalled=also,
        compliance=england.row(0, named=True) if england.height else {},
        councils_with_recommendations=councils.height,
        councils_not_complied=councils.filter(pl.col("not_complied") > 0).height,
        councils_overdue=councils.filter(pl.col("overdue_now") > 0).height,
        gaps=tuple(_gaps(engine, as_of, start, end)),
        warnings=warning_totals(engine),
        landlords=national_landlords(read_landlord_measures(engine), start),
    )


def current_councils() -> int:
    """How many current councils there are (the denominator of every national count)."""
    return load_authorities().filter("current").height


CHART_HEIGHT = 130  # pixels: a short histogram, so several fit on a page


def _chart(spread: Spread, year: str) -> dict[str, str] | None:
    """SPREAD's histogram as an <img> source and its alt text (None with no figures)."""
    if spread.values.is_empty():
        return None
    spec = to_spec(distribution_chart(spread.values, value_title=spread.unit.capitalize()))
    spec["height"] = CHART_HEIGHT
    return {
        "src": svg_data_uri(spec),
        "alt": (
            f"Histogram of {spread.name.lower()} across {spread.councils} councils in {year}: "
            f"median {spread.shown(spread.median)}, the middle half between "
            f"{spread.shown(spread.lower_quartile)} and {spread.shown(spread.upper_quartile)}, "
            f"ranging from {spread.shown(spread.lowest)} to {spread.shown(spread.highest)}."
        ),
    }


def histograms(spreads: tuple[Spread, ...], year: str) -> dict[str, dict[str, str] | None]:
    """Each of SPREADS' histograms by its indicator's code, drawn (None with no figures)."""
    return {s.code: _chart(s, year) for s in spreads}


def national_html(report: NationalReport, *, site: SiteHeader | None = None) -> str:
    """The national overview as a whole HTML document, with SITE's links when read on the
    site."""
    title = f"Complaint handling by English councils: national overview {report.year}"
    return render_html(
        "national.html",
        {
            "title": title,
            "footer": f"National overview of complaint handling {report.year}",
            "description": f"The spread of every complaint-handling indicator across English "
            f"councils in {report.year}, the watchlist, compliance with Ombudsman "
            "recommendations and the gaps in the data.",
            "report": report,
            "site": site,
            "synthetic": report.synthetic,
            "charts": histograms(report.spreads, report.year),
            "current_councils": current_councils(),
        },
    )


def national_pdf(report: NationalReport) -> bytes:
    """The national overview as a tagged, accessible PDF."""
    return html_to_pdf(national_html(report))
