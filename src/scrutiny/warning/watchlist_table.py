"""The watchlist as an analyst works through it: one line per council, filters and a CSV.

scrutiny.warning.watchlist scores every council; this module turns its rows into Lines
(council, region, type, score and the signals behind it, those that score first and the
weight-0 context after), keeps those a Filters asks for, and writes the same lines as a
table for a CSV download, so the page and its download can never disagree.

    listed = watchlist(engine, day, top=EVERY_COUNCIL)
    shown = Filters.read(region="London", min_score="3").choose(lines(listed))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from scrutiny.core.errors import Invalid, NotFound
from scrutiny.reference.authorities import TIER_SERVICES, load_authorities
from scrutiny.warning.signals import registry
from scrutiny.warning.watchlist_words import (
    council_type,
    evidence_sentences,
    indicator_of,
    reason,
    signal_count,
)

TOP_REASONS = 3  # the signals a line names; the rest are on the council's detail
DEFAULT_TOP = 20
CSV_SCHEMA = {
    "authority_code": pl.String,
    "council": pl.String,
    "region": pl.String,
    "council_type": pl.String,
    "score": pl.Float64,
    "previous_score": pl.Float64,
    "trend": pl.String,
    "on_watch": pl.Boolean,
    "signal": pl.String,
    "signal_title": pl.String,
    "severity": pl.Int64,
    "weight": pl.Float64,
    "points": pl.Float64,
    "adds_to_score": pl.Boolean,
    "sentence": pl.String,
}


@dataclass(frozen=True)
class Reason:
    """One signal behind a council's score: what it adds, its sentence and its evidence."""

    signal: str
    severity: int
    weight: float
    points: float  # weight × severity: what it adds to the score
    sentence: str
    evidence: dict[str, Any]

    @property
    def title(self) -> str:
        return registry.signal(self.signal).title

    @property
    def scores(self) -> bool:
        return self.points > 0

    @property
    def summary(self) -> str:
        """The reason in a few words: "Compliance slipping (serious): 8 points"."""
        return reason(self.title, self.severity, self.points)

    @property
    def full_summary(self) -> str:
        """The reason with the indicator it is about: "Complaints falling, stage 1
        complaints per 10,000 residents: 3 points"."""
        item = indicator_of(self.evidence)
        return reason(self.title, self.severity, self.points, item.name if item else "")

    @property
    def evidence_sentences(self) -> list[str]:
        return evidence_sentences(self.evidence)


@dataclass(frozen=True)
class Line:
    """One council on the watchlist."""

    authority_code: str
    name: str
    region: str
    council_type: str  # the reference data's code: london_borough
    rank: int
    score: float
    previous_score: float
    change: float
    trend: str
    on_watch: bool
    reasons: tuple[Reason, ...]  # as the watchlist orders them: most points first

    @property
    def type_name(self) -> str:
        return council_type(self.council_type)

    @property
    def scoring(self) -> tuple[Reason, ...]:
        """The signals that add to the score, most first."""
        return tuple(r for r in self.reasons if r.scores)

    @property
    def context(self) -> tuple[Reason, ...]:
        """The signals of weight 0: context, adding nothing to the score."""
        return tuple(r for r in self.reasons if not r.scores)

    @property
    def signal_count(self) -> str:
        return signal_count(len(self.reasons), len(self.context))

    @property
    def top(self) -> tuple[Reason, ...]:
        """The few signals that add most to the score, as the line names them."""
        return self.scoring[:TOP_REASONS]

    @property
    def top_reasons(self) -> list[str]:
        """The top signals in a few words each, naming the indicator only where two share
        a title (two special causes, on different indicators)."""
        titles = [r.title for r in self.top]
        return [r.full_summary if titles.count(r.title) > 1 else r.summary for r in self.top]


def lines(listed: pl.DataFrame) -> list[Line]:
    """The rows of scrutiny.warning.watchlist.watchlist as Lines, in its order (by score)."""
    councils = {row["gss_code"]: row for row in load_authorities().iter_rows(named=True)}
    found = []
    for row in listed.iter_rows(named=True):
        council = councils.get(row["authority_code"], {})
        found.append(
            Line(
                authority_code=row["authority_code"],
                name=row["name"],
                region=council.get("region") or "",
                council_type=council.get("type") or "",
                rank=row["rank"],
                score=row["score"],
                previous_score=row["previous_score"],
                change=row["change"],
                trend=row["trend"],
                on_watch=row["on_watch"],
                reasons=tuple(
                    Reason(
                        signal=s["signal"],
                        severity=s["severity"],
                        weight=s["weight"],
                        points=s.get("points", s["weight"] * s["severity"]),
                        sentence=s["sentence"],
                        evidence=s["evidence"],
                    )
                    for s in json.loads(row["signals"])
                ),
            )
        )
    return found


def regions() -> list[str]:
    """Every English region, as the filter offers them."""
    return sorted(load_authorities().get_column("region").drop_nulls().unique().to_list())


def council_types() -> dict[str, str]:
    """Every council type's code and words, as the filter offers them."""
    return {code: council_type(code) for code in TIER_SERVICES}


def signals() -> dict[str, str]:
    """Every signal's code and title, as the filter offers them."""
    return {entry.code: entry.title for entry in registry.signals()}


@dataclass(frozen=True)
class Filters:
    """Which councils an analyst asks for: each filter left empty keeps every council."""

    region: str = ""
    council_type: str = ""
    min_score: float | None = None
    signal: str = ""  # councils with this signal, whether it scores or not
    top: int = DEFAULT_TOP  # at most this many, the highest scores

    @classmethod
    def read(
        cls,
        region: str = "",
        council_type: str = "",
        min_score: str = "",
        signal: str = "",
        top: int = DEFAULT_TOP,
    ) -> Filters:
        """Filters from a form's text (blank means any); Invalid names what is wrong."""
        problems = []
        if region and region not in regions():
            problems.append(f"There is no region called {region!r}.")
        if council_type and council_type not in TIER_SERVICES:
            problems.append(f"There is no council type called {council_type!r}.")
        if signal and signal not in registry.codes():
            problems.append(f"There is no signal called {signal!r}.")
        least = None
        if min_score.strip():
            try:
                least = float(min_score)
            except ValueError:
                least = None
            if least is None or not least >= 0:
                problems.append("Enter the minimum score as a number, 0 or more, like 2.5.")
        if top < 1:
            problems.append("Enter how many councils to list as a whole number, 1 or more.")
        if problems:
            raise Invalid(" ".join(problems))
        return cls(region, council_type, least, signal, top)

    def keeps(self, line: Line) -> bool:
        """Whether LINE passes every filter."""
        return (
            (not self.region or line.region == self.region)
            and (not self.council_type or line.council_type == self.council_type)
            and (self.min_score is None or line.score >= self.min_score)
            and (not self.signal or any(r.signal == self.signal for r in line.reasons))
        )

    def choose(self, found: list[Line]) -> list[Line]:
        """The lines of FOUND (in score order) that pass, the TOP highest scores."""
        return [line for line in found if self.keeps(line)][: self.top]

    @property
    def narrowed(self) -> bool:
        """Whether any filter leaves councils out (beyond the top)."""
        return bool(self.region or self.council_type or self.signal or self.min_score is not None)

    @property
    def query(self) -> dict[str, str]:
        """These filters as the form's query parameters (blank ones left out)."""
        given = {
            "region": self.region,
            "type": self.council_type,
            "min_score": "" if self.min_score is None else f"{self.min_score:g}",
            "signal": self.signal,
            "top": str(self.top),
        }
        return {name: value for name, value in given.items() if value}


def by_name(found: list[Line]) -> tuple[list[Line], list[Line]]:
    """FOUND as the page lists them: those on watch, then the others, each by name."""
    ordered = sorted(found, key=lambda line: (line.name, line.authority_code))
    return [x for x in ordered if x.on_watch], [x for x in ordered if not x.on_watch]


def find(found: list[Line], code: str) -> Line:
    """The line for council CODE (NotFound when it has no score that quarter)."""
    for line in found:
        if line.authority_code == code:
            return line
    raise NotFound(f"{code} is not on the watchlist: it had no signal that scores that quarter.")


def csv_frame(found: list[Line]) -> pl.DataFrame:
    """FOUND as a table, one row per council and signal, in the page's order."""
    on_watch, others = by_name(found)
    rows = [
        {
            "authority_code": line.authority_code,
            "council": line.name,
            "region": line.region,
            "council_type": line.type_name,
            "score": line.score,
            "previous_score": line.previous_score,
            "trend": line.trend,
            "on_watch": line.on_watch,
            "signal": r.signal,
            "signal_title": r.title,
            "severity": r.severity,
            "weight": r.weight,
            "points": r.points,
            "adds_to_score": r.scores,
            "sentence": r.sentence,
        }
        for line in on_watch + others
        for r in line.reasons
    ]
    return pl.DataFrame(rows, schema=CSV_SCHEMA)
