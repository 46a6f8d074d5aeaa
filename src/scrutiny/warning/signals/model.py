"""What every early-warning signal declares, and what its detector is given.

The signals themselves are declared in scrutiny.warning.signals.registry, one SignalEntry
each; this module only says what an entry holds, so that detector modules can name their
Detector without importing the registry that lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from scrutiny.standard.indicators import load_indicators

Worse = Literal["up", "down"]
# A signal raised from the same figures as an indicator's own question (outside its peers'
# funnel) asks that question: scrutiny.councillor.questions asks it from the year's funnel.
BY_INDICATOR: Literal["indicator"] = "indicator"
CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Watch:
    """An indicator a signal watches, and which way is worse."""

    indicator: str
    worse: Worse


@dataclass(frozen=True)
class Severity:
    """When a signal is a warning (severity 1) and when serious (2), in plain English."""

    warning: str | None  # None: the signal is always serious
    serious: str | None  # None: the signal is never more than a warning


@dataclass(frozen=True)
class SignalQuestion:
    """A question for the Member Responsible for Complaints that a signal raises.

    TEXT may hold {quarter}, replaced by the latest quarter's label when asked.
    """

    topic: str
    text: str
    source: str


@dataclass(frozen=True)
class SignalInputs:
    """What detectors read: only what was known on AS_OF, narrowed to one council if asked."""

    engine: Engine
    as_of: date
    values: pl.DataFrame  # compute_indicators' quarterly rows for the councils judged
    peer_values: pl.DataFrame  # the same for them and every member of their peer groups
    groups: pl.DataFrame  # authority_code and peer_group
    decisions: pl.DataFrame  # scrutiny.warning.signals.ombudsman.read_decisions
    recommendations: pl.DataFrame  # scrutiny.warning.signals.ombudsman.read_recommendations
    minimum_points: int  # the fewest quarters an XmR chart is drawn from


@dataclass(frozen=True)
class Detector:
    """How signals are found: a description for the docs and the function that finds them.

    RUN is given the inputs and the entries naming this detector, and returns signal rows
    (scrutiny.warning.signals.rows.SIGNAL_SCHEMA) for those entries' codes only. A
    detector that READS_WATCHES looks only at the indicators its entries watch.
    """

    description: str
    run: Callable[[SignalInputs, tuple[SignalEntry, ...]], pl.DataFrame]
    reads_watches: bool = False

    @property
    def module(self) -> str:
        return self.run.__module__


@dataclass(frozen=True)
class SignalEntry:
    """One early-warning signal, declared once: everything that uses a signal reads this."""

    code: str  # the signal's name in rows, weights and the API: snake_case
    title: str  # the report's label: "A sudden change"
    meaning: str  # what fires it and why it matters, in plain English (the docs)
    severity: Severity
    weight: float  # the watchlist score per point of severity (scrutiny.warning.watchlist)
    question: SignalQuestion | Literal["indicator"]  # what a councillor asks when it fires
    detectors: tuple[Detector, ...]
    watches: tuple[Watch, ...] = ()  # for detectors that read indicators
    caveat: str = ""  # a sentence added to every one of its signals' sentences

    def problems(self) -> list[str]:
        """What is missing or wrong in this entry: empty when it is complete."""
        found = []
        if not CODE.fullmatch(self.code):
            found.append(f"code {self.code!r} is not snake_case")
        for part in ("title", "meaning"):
            if not getattr(self, part).strip():
                found.append(f"{self.code}: no {part}")
        if not (self.severity.warning or self.severity.serious):
            found.append(f"{self.code}: no severity rules")
        if not isinstance(self.weight, int | float) or self.weight < 0:
            found.append(f"{self.code}: weight must be a number, 0 or more")
        question = self.question
        if question != BY_INDICATOR and not (
            isinstance(question, SignalQuestion)
            and question.topic.strip()
            and question.text.strip()
            and question.source.strip()
        ):
            found.append(f"{self.code}: no councillor question (topic, text and source)")
        if not self.detectors:
            found.append(f"{self.code}: no detector")
        if any(d.reads_watches for d in self.detectors) and not self.watches:
            found.append(f"{self.code}: its detector reads indicators but it watches none")
        known = {item.code for item in load_indicators()}
        for watch in self.watches:
            if watch.indicator not in known:
                found.append(f"{self.code}: watches no indicator called {watch.indicator!r}")
            if watch.worse not in ("up", "down"):
                found.append(f"{self.code}: {watch.indicator} worse must be up or down")
        return found


def watched(entries: Iterable[SignalEntry]) -> dict[str, tuple[Worse, str]]:
    """Each indicator the ENTRIES watch: which way is worse, and the signal it raises."""
    found: dict[str, tuple[Worse, str]] = {}
    for entry in entries:
        for watch in entry.watches:
            if watch.indicator in found:
                raise ValueError(
                    f"{watch.indicator} is watched by both {found[watch.indicator][1]} and "
                    f"{entry.code} through one detector"
                )
            found[watch.indicator] = (watch.worse, entry.code)
    return found
