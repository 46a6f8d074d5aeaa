"""The councillor scrutiny pack: at most two A4 pages for a committee meeting.

First, compactly, the council's real figures as a landlord (the Regulator of Social
Housing's Tenant Satisfaction Measures, scrutiny.publish.landlords), or the sentence
saying why it has none. Then the five to eight things in one council's figures for a
financial year that most need a councillor's attention, each with the figure, what it is
compared with (the peers' median and the council's place on their funnel plot, the
council's own previous year or quarters, or the deadline missed) and the question to ask.
The questions are chosen by scrutiny.councillor.questions from the same figures as the
scrutiny dashboard; this module only orders them and cuts the list short.

Priority, simplest first (PRIORITIES): an item takes the most urgent tier of the figures
behind its question, and items in the same tier keep the order of the Code.

1. Serious: an early-warning signal of severity 2, or an indicator beyond its peers'
   99.8% funnel limit on the unfavourable side.
2. Outside the range expected: an indicator beyond its peers' 95% limit on the unfavourable
   side.
3. Deadlines missed: Ombudsman recommendations past their due date, or the same kind of
   remedy missed or late more than once.
4. Worth asking: other signals (severity 1) and figures outside the funnel that have no
   better or worse side (complaint volumes, stage 1 upholds).

At most MAX_ITEMS items are shown. When fewer than MIN_ITEMS need attention the pack says
so rather than padding the list. The figures are as known AS_OF (by default 30 days after
the year ends, when a committee would first see them, or today if sooner).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.errors import Invalid
from scrutiny.core.formatting import share
from scrutiny.core.periods import last_complete_quarter, parse_period, quarter_label
from scrutiny.councillor.better_than_data import BetterThanData, better_than_data
from scrutiny.councillor.questions import (
    STANDING_QUESTIONS,
    CouncilFigures,
    Measure,
    Question,
    council_figures,
    councillor_questions,
)
from scrutiny.measures.council_figures import council_benchmark_from
from scrutiny.measures.indicators import compute_indicators
from scrutiny.measures.words import position
from scrutiny.publish.landlords import CouncilLandlord, council_landlord
from scrutiny.publish.reports.render import SiteHeader, document_pdf, laid_out, render_html
from scrutiny.recommendations import overdue, repeat_patterns
from scrutiny.recommendations.follow_up_lists import FollowUp, council_follow_up
from scrutiny.reference.authorities import get_council
from scrutiny.reference.peers import PeerMethod
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.stored import current_data_sources
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.signals.rows import number

MAX_ITEMS = 8
MIN_ITEMS = 5
MAX_PAGES = 2
MAX_REASONS = 3  # sentences per item; the rest are on the scrutiny dashboard
FOLLOW_UP_ROWS = 5  # rows of each committee follow-up list; the rest are on the dashboard
AFTER_YEAR_END = timedelta(days=30)
PRIORITIES = {
    1: "Serious",
    2: "Outside the range expected",
    3: "Deadline missed",
    4: "Worth asking",
}
DEADLINE_TOPICS = ("Overdue Ombudsman recommendations", "Repeated failures")


class PackError(Invalid, ValueError):
    """The pack cannot be made: an unknown council or a period that is not a year."""


@dataclass(frozen=True)
class Figure:
    """One indicator behind an item: its value and what it is compared with."""

    name: str
    unit: str
    value: float | None
    peer_median: float | None
    position: str  # on the peers' funnel, in the words of scrutiny.measures.words
    previous: float | None  # the council's own figure the year before
    tier: int
    numerator: float | None = None  # the counts behind the value, shown beside a percentage
    denominator: float | None = None

    @property
    def shown(self) -> str:
        if self.unit == "percent":
            return share(self.value, self.numerator, self.denominator)
        return number(self.value, self.unit)

    @property
    def median_shown(self) -> str:
        return number(self.peer_median, self.unit)

    @property
    def previous_shown(self) -> str:
        return number(self.previous, self.unit)


@dataclass(frozen=True)
class PackItem:
    """One thing needing attention: the figures, the other reasons, and the question."""

    tier: int
    topic: str
    question: str
    source: str
    figures: tuple[Figure, ...]
    reasons: tuple[str, ...]  # signals and deadlines, as sentences, most severe first
    more_reasons: int = 0  # reasons beyond MAX_REASONS, left out to keep to two pages

    @property
    def priority(self) -> str:
        return PRIORITIES[self.tier]


@dataclass(frozen=True)
class ScrutinyPack:
    """The pack for one council and financial year."""

    authority_code: str
    name: str
    period: str
    peer_group: str
    as_of: date
    quarter: str
    items: tuple[PackItem, ...]
    left_out: int  # items beyond MAX_ITEMS, on the scrutiny dashboard
    within: int  # indicators with a figure inside their peers' funnel
    on_funnel: int  # indicators placed on a funnel at all
    landlord: CouncilLandlord  # the real housing figures, shown first
    standing: tuple[Question, ...] = STANDING_QUESTIONS
    synthetic: bool = False  # any current return is synthetic demo data: the pack says so
    # The committees' follow-up of recommendations on the day the pack is made: what is
    # on the next meetings' agendas, what was reviewed and what was not.
    follow_up: FollowUp | None = None
    # Self-assessment answers for the year that claim more than the council's own data.
    better_than_data: tuple[BetterThanData, ...] = ()

    @property
    def few(self) -> bool:
        """Fewer than MIN_ITEMS things need attention (and the pack says so)."""
        return len(self.items) < MIN_ITEMS and not self.left_out


def council_name(code: str) -> str:
    """The current council's name (NotFound for any other code)."""
    return str(get_council(code)["name"])


def _measure_tier(measure: Measure) -> int:
    if measure.adverse:
        return 1 if (measure.flag or "").endswith("alarm") else 2
    return 4


def _previous(years: pl.DataFrame, code: str, start: date) -> dict[str, float | None]:
    before = years.filter(
        (pl.col("authority_code") == code)
        & (pl.col("period_start") == date(start.year - 1, start.month, start.day))
    )
    return dict(zip(before["indicator"].to_list(), before["value"].to_list(), strict=True))


def pack_items(
    figures: CouncilFigures, previous: dict[str, float | None] | None = None
) -> tuple[list[PackItem], int]:
    """The questions FIGURES prompt as pack items in priority order, at most MAX_ITEMS,
    and how many more there were."""
    previous = previous or {}
    by_sentence: dict[str, Figure] = {}
    for m in figures.measures.values():
        by_sentence[m.against_peers(figures.period, figures.peer_group)] = Figure(
            m.name,
            m.unit,
            m.value,
            m.peer_median,
            position(m.flag, m.direction),
            previous.get(m.code),
            _measure_tier(m),
            m.numerator,
            m.denominator,
        )
    severity = {s.sentence: s.severity for s in figures.signals}
    items = []
    for question in councillor_questions(figures):
        found = tuple(by_sentence[b] for b in question.because if b in by_sentence)
        reasons = tuple(
            sorted(
                (b for b in question.because if b not in by_sentence),
                key=lambda b: -severity.get(b, 2),
            )
        )
        tiers = [f.tier for f in found]
        for reason in reasons:
            if reason in severity:
                tiers.append(1 if severity[reason] >= 2 else 4)
            else:  # the deadline sentences scrutiny.councillor.questions writes itself
                tiers.append(3 if question.topic in DEADLINE_TOPICS else 4)
        items.append(
            PackItem(
                min(tiers),
                question.topic,
                question.text,
                question.source,
                found,
                reasons[:MAX_REASONS],
                max(len(reasons) - MAX_REASONS, 0),
            )
        )
    # sorted() is stable: within a tier the questions keep the order of the Code.
    ranked = sorted(items, key=lambda item: item.tier)
    return ranked[:MAX_ITEMS], max(len(ranked) - MAX_ITEMS, 0)


def scrutiny_pack(
    engine: Engine,
    authority_code: str,
    period: str,
    *,
    peers: PeerMethod = "type",
    as_of: date | None = None,
) -> ScrutinyPack:
    """The councillor scrutiny pack for council AUTHORITY_CODE and financial year PERIOD."""
    name = council_name(authority_code)
    try:
        grain, start, end = parse_period(period)
    except ValueError as error:
        raise PackError(str(error)) from None
    if grain != "financial_year":
        raise PackError("a scrutiny pack covers a financial year: write it as 2024-25")
    as_of = as_of or min(end + AFTER_YEAR_END, date.today())
    quarter_start, _ = last_complete_quarter(min(end, as_of))
    years = compute_indicators(engine, "financial_year")
    benchmark = council_benchmark_from(years, authority_code, start, peers)
    signals = compute_signals(engine, as_of, peers="type", authority_code=authority_code).filter(
        pl.col("period_start") == quarter_start
    )
    figures = council_figures(
        authority_code,
        period,
        benchmark=benchmark,
        overdue=overdue(engine, today=as_of, authority_code=authority_code),
        repeats=repeat_patterns(engine, authority_code=authority_code),
        signals=signals,
        quarter=quarter_label(quarter_start),
    )
    items, left_out = pack_items(figures, _previous(years, authority_code, start))
    placed = [m for m in figures.measures.values() if m.flag is not None]
    return ScrutinyPack(
        synthetic="synthetic" in current_data_sources(engine),
        authority_code=authority_code,
        name=name,
        period=period,
        peer_group=figures.peer_group,
        as_of=as_of,
        quarter=quarter_label(quarter_start),
        items=tuple(items),
        left_out=left_out,
        within=sum(m.flag == "within" for m in placed),
        on_funnel=len(placed),
        landlord=council_landlord(read_landlord_measures(engine), authority_code, name, start),
        follow_up=council_follow_up(engine, authority_code),
        better_than_data=tuple(better_than_data(engine, authority_code, period)),
    )


def pack_html(pack: ScrutinyPack, *, site: SiteHeader | None = None) -> str:
    """The pack as a whole HTML document, with SITE's links when read on the site."""
    title = f"Complaints scrutiny pack: {pack.name}, {pack.period}"
    return render_html(
        "pack.html",
        {
            "title": title,
            "footer": f"{pack.name}: complaints scrutiny pack {pack.period}",
            "description": f"The things in {pack.name}'s complaint figures for {pack.period} "
            "that most need a councillor's attention, with the questions to ask.",
            "pack": pack,
            "site": site,
            "synthetic": pack.synthetic,
            "priorities": PRIORITIES,
            "max_items": MAX_ITEMS,
            "follow_up_rows": FOLLOW_UP_ROWS,
        },
    )


def pack_pdf(pack: ScrutinyPack) -> bytes:
    """The pack as a tagged, accessible PDF (PDF/UA-1) of at most MAX_PAGES A4 pages.

    Should the items not fit, the least urgent are left out (and counted as left out)
    until they do: a committee pack that runs over is not read.
    """
    while True:
        document = laid_out(pack_html(pack))
        if len(document.pages) <= MAX_PAGES or not pack.items:
            return document_pdf(document)
        pack = replace(pack, items=pack.items[:-1], left_out=pack.left_out + 1)
