"""Questions for a Member Responsible for Complaints, chosen by the council's own figures.

The Complaint Handling Code (9.4-9.7) gives a councillor or committee lead responsibility
for complaints, and the Ombudsman's guide for Members Responsible for Complaints asks them
to challenge officers with the figures, benchmarked against similar councils. This module
turns one council's figures (its indicators on its peers' funnel plots, its open
Ombudsman recommendations, repeated failures and the latest quarter's early-warning
signals) into the questions those guides suggest, each with the figures that prompted it.

`council_figures` gathers the figures from the library's frames; `councillor_questions`
is a pure function of them, so each rule can be tested with figures made by hand. The
questions early-warning signals raise are worded in scrutiny.warning.signals.registry,
with the signals: a new signal's question is asked here without a change to this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from scrutiny.core.formatting import count
from scrutiny.measures.words import is_unfavourable, position
from scrutiny.standard.indicators import Direction, indicator
from scrutiny.warning.signals import registry
from scrutiny.warning.signals.model import SignalQuestion
from scrutiny.warning.signals.rows import number


@dataclass(frozen=True)
class Measure:
    """One indicator for the council in the period, placed on its peers' funnel plot."""

    code: str
    name: str
    unit: str
    direction: Direction
    value: float | None
    peer_median: float | None
    flag: str | None  # within, high_alert, high_alarm, low_alert, low_alarm, or None
    numerator: float = 0.0
    denominator: float = 0.0

    @property
    def reading(self) -> str:
        """The funnel flag read against the indicator's direction, in words."""
        return position(self.flag, self.direction)

    @property
    def adverse(self) -> bool:
        """Outside the funnel on the worse side: beyond what chance would explain."""
        return is_unfavourable(self.flag, self.direction)

    @property
    def low(self) -> bool:
        return bool(self.flag and self.flag.startswith("low"))

    @property
    def high(self) -> bool:
        return bool(self.flag and self.flag.startswith("high"))

    def against_peers(self, period: str, peer_group: str) -> str:
        """'47% (33 of 70) in 2024-25, against a median of 72% among all unitary councils'."""
        median = number(self.peer_median, self.unit)
        counts = ""
        if self.unit == "percent" and self.value is not None and self.denominator:
            counts = f" ({count(self.numerator)} of {count(self.denominator)})"
        return (
            f"{self.name}: {number(self.value, self.unit)}{counts} in {period}, against a median "
            f"of {median} among {peer_group} ({self.reading})."
        )


@dataclass(frozen=True)
class Signal:
    """An early-warning signal from scrutiny.warning.signals for the latest quarter."""

    signal: str
    severity: int
    sentence: str


@dataclass(frozen=True)
class RepeatedFailure:
    """Ombudsman recommendations of one kind not complied with or complied with late."""

    kind: str
    failures: int
    decisions: str


@dataclass(frozen=True)
class CouncilFigures:
    """What the questions are chosen from: one council, one year, its latest quarter."""

    authority_code: str
    period: str  # the financial year, '2024-25'
    peer_group: str
    measures: dict[str, Measure] = field(default_factory=dict)
    overdue_recommendations: int = 0
    most_working_days_overdue: int = 0
    repeated_failures: tuple[RepeatedFailure, ...] = ()
    quarter: str | None = None  # '2024-25 Q4'
    signals: tuple[Signal, ...] = ()

    def measure(self, code: str) -> Measure | None:
        return self.measures.get(code)

    def raising(self, question: SignalQuestion) -> list[Signal]:
        """The latest quarter's signals that raise QUESTION (scrutiny.warning.signals.registry)."""
        codes = registry.raising(question)
        return [s for s in self.signals if s.signal in codes]


@dataclass(frozen=True)
class Question:
    """A question to ask officers, why the figures suggest it, and the guidance behind it."""

    topic: str
    text: str
    because: tuple[str, ...]
    source: str


# Asked every year whatever the figures: the Code's minimum for the Member (9.6-9.7, 8.1-8.2).
STANDING_QUESTIONS = (
    Question(
        "Annual report",
        "Has the annual complaints performance and service improvement report, with the "
        "self-assessment against the Code and the Ombudsman's annual letter, been to Full "
        "Council or the responsible committee, and is the response published?",
        (),
        "Complaint Handling Code 8.1-8.2",
    ),
    Question(
        "Learning",
        "What themes and trends are complaints showing, and which services or policies "
        "have changed because of them?",
        (),
        "Complaint Handling Code 9.1-9.4 and 9.7",
    ),
    Question(
        "Ombudsman findings",
        "Has the Monitoring Officer reported every Ombudsman finding of fault to members?",
        (),
        "Local Government and Housing Act 1989, s5 and s5A",
    ),
)


def _adverse(figures: CouncilFigures, code: str) -> list[str]:
    found = figures.measure(code)
    return (
        [found.against_peers(figures.period, figures.peer_group)] if found and found.adverse else []
    )


def _sentences(signals: Sequence[Signal]) -> list[str]:
    return [s.sentence for s in signals]


def _ask(topic: str, text: str, because: Sequence[str], source: str) -> Question | None:
    return Question(topic, text, tuple(because), source) if because else None


def _raised(f: CouncilFigures, question: SignalQuestion, because: Sequence[str]) -> Question | None:
    """QUESTION, asked for BECAUSE and for each signal of the latest quarter that raises it."""
    text = question.text.format(quarter=f.quarter or "the latest quarter")
    reasons = [*because, *_sentences(f.raising(question))]
    return _ask(question.topic, text, reasons, question.source)


def _on_time(f: CouncilFigures) -> Question | None:
    return _ask(
        "Responding on time",
        "Why are fewer complaints answered on time than at similar councils, and what is "
        "being done about it?",
        _adverse(f, "stage1_on_time") + _adverse(f, "stage2_on_time"),
        "Complaint Handling Code 6.3-6.4 and 6.13-6.16",
    )


def _acknowledged(f: CouncilFigures) -> Question | None:
    return _ask(
        "Acknowledging complaints",
        "Why are fewer complaints acknowledged within five working days than at similar councils?",
        _adverse(f, "stage1_acknowledged_on_time"),
        "Complaint Handling Code 6.2",
    )


def _few_complaints(f: CouncilFigures) -> Question | None:
    volume = f.measure("stage1_per_10k")
    because = [volume.against_peers(f.period, f.peer_group)] if volume and volume.low else []
    return _raised(f, registry.ACCESS, because)


def _many_complaints(f: CouncilFigures) -> Question | None:
    volume = f.measure("stage1_per_10k")
    return _ask(
        "What residents complain about",
        "What are residents complaining about most, and what is the council learning "
        "from it? (High volumes are not bad in themselves.)",
        [volume.against_peers(f.period, f.peer_group)] if volume and volume.high else [],
        "Complaint Handling Code 3.3 and 9.1-9.4",
    )


def _escalations(f: CouncilFigures) -> Question | None:
    return _raised(f, registry.ESCALATIONS, _adverse(f, "escalation_rate"))


def _refusals(f: CouncilFigures) -> Question | None:
    return _ask(
        "Refused complaints",
        "Which complaints are being refused, and why? Can members see a summary of the "
        "types of complaint refused?",
        _adverse(f, "refused"),
        "Complaint Handling Code 2 and 8.1; the Ombudsman's guide for Members Responsible "
        "for Complaints (chapter 4)",
    )


def _ombudsman_upholds(f: CouncilFigures) -> Question | None:
    return _ask(
        "Ombudsman decisions",
        "Why does the Ombudsman uphold more complaints about the council than about "
        "similar councils, and what do the upheld cases have in common?",
        _adverse(f, "ombudsman_uphold_rate") + _adverse(f, "ombudsman_upheld_per_100k"),
        "The Ombudsman's annual letter and 'Your council's performance'",
    )


def _owning_mistakes(f: CouncilFigures) -> Question | None:
    own = f.measure("stage1_upheld")
    ombudsman = _adverse(f, "ombudsman_uphold_rate") + _adverse(f, "ombudsman_upheld_per_100k")
    if not (own and own.low and ombudsman):
        return None
    return _ask(
        "Putting things right early",
        "Is the council putting things right at stage 1? It upholds fewer complaints than "
        "similar councils while the Ombudsman upholds more about it.",
        [own.against_peers(f.period, f.peer_group), *ombudsman],
        "Complaint Handling Code 7 (putting things right)",
    )


def _remedies_offered(f: CouncilFigures) -> Question | None:
    return _ask(
        "Remedies before the Ombudsman",
        "Why is the Ombudsman finding fault that the council had not already put right?",
        _adverse(f, "satisfactory_remedy_rate"),
        "The Ombudsman's 'Your council's performance' (satisfactory remedy provided)",
    )


def _handling_faults(f: CouncilFigures) -> Question | None:
    return _raised(f, registry.HANDLING_FAULTS, _adverse(f, "complaint_handling_faults"))


def _overdue(f: CouncilFigures) -> Question | None:
    n = f.overdue_recommendations
    because = (
        [
            f"{n} Ombudsman recommendation{'s' if n != 1 else ''} past the due date without "
            f"compliance confirmed, the oldest {f.most_working_days_overdue} working days over."
        ]
        if n
        else []
    )
    return _ask(
        "Overdue Ombudsman recommendations",
        "Why have Ombudsman recommendations passed their due date, and when will they be done?",
        because,
        "The Ombudsman's compliance checks; the Housing Ombudsman Code 9.7 (compliance "
        "with the Ombudsman's orders)",
    )


def _compliance(f: CouncilFigures) -> Question | None:
    return _raised(
        f,
        registry.COMPLIANCE_QUESTION,
        _adverse(f, "compliance_rate") + _adverse(f, "late_remedies"),
    )


def _repeated(f: CouncilFigures) -> Question | None:
    because = [
        f"{r.failures} {r.kind.replace('_', ' ')} recommendations not complied with or "
        f"complied with late (decisions {r.decisions})."
        for r in f.repeated_failures
    ]
    return _ask(
        "Repeated failures",
        "The same kind of Ombudsman remedy has been missed or late more than once: what is "
        "stopping it being delivered, and who owns the fix?",
        because,
        "The Ombudsman's guide for Members Responsible for Complaints: look for systemic issues",
    )


def _improvements(f: CouncilFigures) -> Question | None:
    return _ask(
        "Service improvements",
        "What has the council changed as a result of upheld complaints?",
        _adverse(f, "service_improvements"),
        "Complaint Handling Code 8.1 and 9.1-9.3",
    )


RULES: tuple[Callable[[CouncilFigures], Question | None], ...] = (
    _on_time,
    _acknowledged,
    _few_complaints,
    _many_complaints,
    _escalations,
    _refusals,
    _ombudsman_upholds,
    _owning_mistakes,
    _remedies_offered,
    _handling_faults,
    _overdue,
    _compliance,
    _repeated,
    _improvements,
)
# Questions the rules above ask with the year's figures as well as the signals raising
# them; every other question a signal raises is asked from its signals alone, after them.
WITH_FIGURES = (
    registry.ACCESS,
    registry.ESCALATIONS,
    registry.HANDLING_FAULTS,
    registry.COMPLIANCE_QUESTION,
)


def councillor_questions(figures: CouncilFigures) -> list[Question]:
    """The questions FIGURES prompt, in the order of the Code, each with its reasons."""
    found = [rule(figures) for rule in RULES]
    found += [_raised(figures, q, []) for q in registry.questions() if q not in WITH_FIGURES]
    return [q for q in found if q is not None]


def council_figures(
    code: str,
    period: str,
    *,
    benchmark: pl.DataFrame,
    overdue: pl.DataFrame,
    repeats: pl.DataFrame,
    signals: pl.DataFrame,
    quarter: str | None,
) -> CouncilFigures:
    """CouncilFigures from the library's frames for council CODE.

    BENCHMARK is scrutiny.measures.benchmarking.council_benchmark's; OVERDUE is
    scrutiny.recommendations.overdue's and REPEATS repeat_patterns' for the council;
    SIGNALS are compute_signals' rows for the council's latest quarter.
    """
    measures = {}
    for row in benchmark.iter_rows(named=True):
        item = indicator(row["indicator"])
        measures[item.code] = Measure(
            code=item.code,
            name=item.name,
            unit=item.unit,
            direction=item.direction,
            value=row["value"],
            peer_median=row["peer_median"],
            flag=row["flag"],
            numerator=row["numerator"] or 0.0,
            denominator=row["denominator"] or 0.0,
        )
    groups = benchmark.get_column("peer_group").drop_nulls()
    repeated = repeats.filter(pl.col("repeated")) if repeats.height else repeats
    return CouncilFigures(
        authority_code=code,
        period=period,
        peer_group=groups[0] if groups.len() else "its peers",
        measures=measures,
        overdue_recommendations=overdue.height,
        most_working_days_overdue=max(overdue["working_days_overdue"].to_list(), default=0),
        repeated_failures=tuple(
            RepeatedFailure(r["kind"], int(r["failures"]), r["decisions"])
            for r in repeated.iter_rows(named=True)
        ),
        quarter=quarter,
        signals=tuple(
            Signal(r["signal"], int(r["severity"]), r["sentence"])
            for r in signals.sort("severity", descending=True).iter_rows(named=True)
        ),
    )
