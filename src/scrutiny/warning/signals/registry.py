"""Every early-warning signal, declared once: the one file to touch to add a signal.

Each SignalEntry (scrutiny.warning.signals.model) holds a signal's code, its title and
plain-English meaning, when it is a warning and when serious, its watchlist weight, the
question it raises for a councillor, the indicators it watches and the detector that finds
it. Everything else reads this registry rather than listing signals again:
compute_signals runs the detectors; the watchlist's weights, the annual report's labels,
the councillor questions and docs/early-warning-signals.md are drawn from the entries.

**Adding a signal** touches this file only, plus its test: write its SignalEntry in
DECLARED (and its question in QUESTIONS if it raises a new one). A detector that already
exists finds it when it watches indicators (XMR, CHANGES, FUNNELS: list the indicators in
watches); a new kind of evidence needs a Detector, written in this file or beside the
others in scrutiny.warning.signals. Then regenerate the docs page (`python -m
scrutiny.warning.signals.docs`). A signal that lacks any part fails when this module is
imported, so tests/test_signal_registry.py fails too.

The entries are Python, not YAML, because a signal is words and code together: its
detector, the constants its severity rules quote, and the indicators it watches, checked
against the indicator set. Words quoting thresholds are built from the detectors'
constants, so the docs cannot drift from what the code does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from scrutiny.warning.signals.changes import (
    CHANGES,
    MIN_GRADUAL_CHANGE,
    MIN_PROPORTION_CHANGE,
    MIN_VOLUME_FALL,
    Z_ALARM,
    Z_ALERT,
    Z_GRADUAL,
)
from scrutiny.warning.signals.compliance import (
    BASELINE_QUARTERS,
    COMPLIANCE,
    COMPLIANCE_SHIFT,
    MIN_MISSED,
    MIN_RISE,
    P_ALARM,
    P_ALERT,
    RECENT_QUARTERS,
)
from scrutiny.warning.signals.cusums import (
    COMPLIANCE_CUSUM,
    FALSE_ALERTS_PER_YEAR,
    RATE_RATIO,
    SEQUENTIAL,
)
from scrutiny.warning.signals.follow_up import FOLLOW_UP, MIN_OVERDUE, MIN_UNREVIEWED_SHARE
from scrutiny.warning.signals.funnels import FUNNELS, adverse_sides
from scrutiny.warning.signals.late_returns import RETURN_DUE_DAYS, RETURNS
from scrutiny.warning.signals.model import (
    BY_INDICATOR,
    Detector,
    Severity,
    SignalEntry,
    SignalQuestion,
    Watch,
    watched,
)
from scrutiny.warning.signals.ombudsman import DECISIONS, RECOMMENDATIONS, REPEAT_THRESHOLD
from scrutiny.warning.signals.xmr_rules import XMR

# The questions signals raise, in the order a councillor is asked them (the Code's order).
# The first four are also prompted by the year's funnel figures (scrutiny.councillor.questions).
ACCESS = SignalQuestion(
    "Access to complaints",
    "Is it easy for residents to complain? How do people find out how to complain, "
    "and are complaints made by phone or in person recorded?",
    "Complaint Handling Code 3.1-3.3: low volumes may mean people cannot complain",
)
ESCALATIONS = SignalQuestion(
    "Escalations to stage 2",
    "Why do more complainants take their complaint to stage 2 than at similar "
    "councils? Are stage 1 responses putting things right?",
    "Complaint Handling Code 6 (stages) and 7 (putting things right)",
)
HANDLING_FAULTS = SignalQuestion(
    "Complaint-handling faults",
    "What went wrong in the complaint handling the Ombudsman criticised, and what "
    "has changed since?",
    "Complaint Handling Code 8.1 (findings of non-compliance with the Code)",
)
COMPLIANCE_QUESTION = SignalQuestion(
    "Compliance with recommendations",
    "Why are Ombudsman remedies late or not done, and who checks they are delivered?",
    "The Ombudsman's 'Your council's performance' (compliance with recommendations)",
)
PUBLIC_INTEREST = SignalQuestion(
    "Public interest report",
    "Has the Ombudsman's public interest report been laid before the council, and has "
    "the Ombudsman been told within three months what action is being taken?",
    "Local Government Act 1974, s30-31",
)
CHANGED = SignalQuestion(
    "Changes in the latest quarter",
    "What changed in {quarter}, and is it being looked into?",
    "The Ombudsman's guide for Members Responsible for Complaints: trends and themes",
)
MISSING_RETURN = SignalQuestion(
    "Complaint data",
    "Why has the council's complaints return not been sent, and when will it be?",
    "Complaint Handling Code 9.6-9.7: the Member receives regular information",
)
QUESTIONS = (
    ACCESS,
    ESCALATIONS,
    HANDLING_FAULTS,
    COMPLIANCE_QUESTION,
    PUBLIC_INTEREST,
    CHANGED,
    MISSING_RETURN,
)

_XMR_WARNING = (
    "the sixth quarter or more in a row on the worse side of the council's average, the "
    "sixth in a row getting worse, or two of the last three near the worse limit"
)
_XMR_SERIOUS = "a quarter beyond the worse process limit of the council's own record"
# The proportions judged against the council's own record, one quarter at a time
# (sudden_change) and summed over quarters (sustained_change).
OWN_RECORD = (
    Watch("stage1_on_time", "down"),
    Watch("stage1_acknowledged_on_time", "down"),
    Watch("stage2_on_time", "down"),
    Watch("escalation_rate", "up"),
    Watch("refused", "up"),
    Watch("stage1_upheld", "up"),
)
_CUSUM = Severity(
    warning="the sum passed a limit at which an unchanged council signals in at most "
    f"{FALSE_ALERTS_PER_YEAR:.0%} of years",
    serious="the sum passed twice that limit",
)
_SUDDEN = (
    f"z of at least {Z_ALERT:g} on the worse side and a change of at least "
    f"{MIN_PROPORTION_CHANGE * 100:g} points"
)

# Weights: what each signal adds to the watchlist score, per point of severity. Set with
# the watch threshold (scrutiny.warning.watchlist) on the training seeds only (2025, 11
# and 12, on 2026-12-07: scrutiny.warning.watchlist.TRAINING) by
# `python benchmarks/early_warning.py --tune`: a seeded random search (500 settings) keeping
# those with at most 4% of healthy council-years on watch there, its best refined one
# weight at a time (scrutiny.warning.evaluation.refine), then frozen. On the training
# seeds they put 33% of failing councils on watch within two quarters at 3.4% of healthy
# council-years; docs/early-warning.md scores them on ten seeds they never saw. Floors
# the search could not go below: a public interest report 1, a missed recommendation 0.5
# (1 when the same kind is missed again). return_overdue cannot fire on data loaded in
# bulk, so training says nothing about it: it keeps 1.
# - A council against its own record carries the score: a clearly larger share of
#   recommendations missed than the year before (compliance_falling) or the CUSUM of
#   recommendations missed (compliance_drift) 4; a sudden change or volumes falling on
#   the one-quarter tests 3; the CUSUMs of proportions and volumes 2.
# - Few complaints for its size 1.5; XmR special causes 0.5.
# - overdue_not_reviewed (added after the freeze) counts 0: the synthetic nations hold no
#   committee reviews, so no weight for it could be set or scored on them; it is shown as
#   context on the watchlist until one can be.
# - Chronic or common states count 0: outside the peer funnel, rising escalations and
#   uphold rates on the XmR chart, complaint-handling faults (common at healthy councils
#   in the synthetic nations); they are still shown as signals.
DECLARED = (
    SignalEntry(
        code="peer_outlier",
        title="Outside the peer group's range",
        meaning="An indicator with a direction outside its peer group's funnel in the "
        "quarter, on the worse side. Ombudsman recommendation indicators are left out: their "
        "final status is only known later (recommendations_missed reads them instead).",
        severity=Severity(
            warning="outside the 95% limits (an alert)", serious="outside the 99.8% limits"
        ),
        weight=0.0,
        question=BY_INDICATOR,
        detectors=(FUNNELS,),
        watches=adverse_sides(),
    ),
    SignalEntry(
        code="sudden_change",
        title="A sudden change",
        meaning="A quarter clearly worse than the council's own previous four quarters, "
        "beyond what chance allows and large enough to matter. What matters most for early "
        "warning is a council getting worse than it was.",
        severity=Severity(
            warning=f"{_SUDDEN}; for the stage 1 uphold rate, which climbs over months rather "
            f"than jumping, z of at least {Z_GRADUAL:g} and {MIN_GRADUAL_CHANGE * 100:g} points",
            serious=f"z of at least {Z_ALARM:g}",
        ),
        weight=3.0,
        question=CHANGED,
        detectors=(CHANGES,),
        watches=OWN_RECORD,
    ),
    SignalEntry(
        code="sustained_change",
        title="A sustained change",
        meaning="A proportion running on the worse side of what the council's own previous "
        "year, moved with its peers' change, leads us to expect, quarter after quarter: a "
        "cumulative sum (CUSUM) of the evidence passed the limit set by simulation. It finds "
        "slow, steady changes that no single quarter shows.",
        severity=_CUSUM,
        weight=2.0,
        question=CHANGED,
        detectors=(SEQUENTIAL,),
        watches=OWN_RECORD,
    ),
    SignalEntry(
        code="volume_drifting_down",
        title="Complaints drifting down",
        meaning="Stage 1 complaints running below what the council's own previous year, "
        "moved with its peers' change, leads us to expect, quarter after quarter (a Poisson "
        f"CUSUM tuned to a fall to {RATE_RATIO:.0%} of the expected count). Falling volumes "
        "are a warning sign (Code 3.3).",
        severity=_CUSUM,
        weight=2.0,
        question=ACCESS,
        detectors=(SEQUENTIAL,),
        watches=(Watch("stage1_per_10k", "down"),),
    ),
    SignalEntry(
        code="special_cause",
        title="Special-cause variation",
        meaning="An XmR special cause on the worse side of the council's own quarterly "
        "record: a quarter its own history would not lead us to expect.",
        severity=Severity(warning=_XMR_WARNING, serious=_XMR_SERIOUS),
        weight=0.5,
        question=CHANGED,
        detectors=(XMR,),
        watches=(
            Watch("stage1_on_time", "down"),
            Watch("stage1_acknowledged_on_time", "down"),
            Watch("stage2_on_time", "down"),
            Watch("stage1_mean_days", "up"),
            Watch("refused", "up"),
        ),
    ),
    SignalEntry(
        code="volume_low",
        title="Few complaints for its size",
        meaning="Stage 1 complaints per 10,000 residents below the peer group's funnel in "
        "the quarter. Volumes have no direction, but the Code (3.3) warns that few complaints "
        "may mean people cannot complain.",
        severity=Severity(
            warning="below the 95% limits (an alert)", serious="below the 99.8% limits"
        ),
        weight=1.5,
        question=ACCESS,
        detectors=(FUNNELS,),
        watches=(Watch("stage1_per_10k", "down"),),
        caveat="Few complaints can mean people find it hard to complain (Code 3.3).",
    ),
    SignalEntry(
        code="volume_falling",
        title="Complaints falling",
        meaning="Stage 1 complaints per 10,000 residents falling: a downward special cause on "
        "the council's own XmR chart, or a quarter clearly below its previous four. Falling "
        "volumes are a warning sign (Code 3.3).",
        severity=Severity(
            warning=f"{_XMR_WARNING}; or a quarter at least {MIN_VOLUME_FALL:.0%} below the "
            f"previous four with z of at least {Z_ALERT:g}",
            serious=f"{_XMR_SERIOUS}; or z of at least {Z_ALARM:g}",
        ),
        weight=3.0,
        question=ACCESS,
        detectors=(XMR, CHANGES),
        watches=(Watch("stage1_per_10k", "down"),),
    ),
    SignalEntry(
        code="escalation_rising",
        title="Escalations rising",
        meaning="An upward special cause in the escalation rate on the council's own XmR "
        "chart: more complainants taking their complaint to stage 2.",
        severity=Severity(warning=_XMR_WARNING, serious=_XMR_SERIOUS),
        weight=0.0,
        question=ESCALATIONS,
        detectors=(XMR,),
        watches=(Watch("escalation_rate", "up"),),
    ),
    SignalEntry(
        code="uphold_rising",
        title="Uphold rate rising",
        meaning="An upward special cause in the stage 1 uphold rate on the council's own XmR "
        "chart. Read with care: a council may be getting worse, or owning its mistakes.",
        severity=Severity(warning=_XMR_WARNING, serious=_XMR_SERIOUS),
        weight=0.0,
        question=CHANGED,
        detectors=(XMR,),
        watches=(Watch("stage1_upheld", "up"),),
        caveat="A rising uphold rate can also mean a council owns its mistakes.",
    ),
    SignalEntry(
        code="recommendations_missed",
        title="Ombudsman recommendations missed",
        meaning="Ombudsman recommendations due in the quarter and not complied with by their "
        "due date, judged by their dates as known at the quarter's end.",
        severity=Severity(
            warning="any recommendation due in the quarter missed",
            serious=f"the same kind of recommendation missed {REPEAT_THRESHOLD} or more times "
            "in the year to the quarter's end",
        ),
        weight=0.5,
        question=COMPLIANCE_QUESTION,
        detectors=(RECOMMENDATIONS,),
    ),
    SignalEntry(
        code="compliance_falling",
        title="Compliance falling",
        meaning="A clearly larger share of Ombudsman recommendations missed in the last "
        f"{RECENT_QUARTERS} quarters than in the {BASELINE_QUARTERS} before: most councils "
        "miss one now and then, so this asks whether the council is missing more than it did.",
        severity=Severity(
            warning=f"Fisher's exact test p below {P_ALERT:g}, at least {MIN_MISSED} missed "
            f"and a share at least {MIN_RISE * 100:g} percentage points higher",
            serious=f"p below {P_ALARM:g}",
        ),
        weight=4.0,
        question=COMPLIANCE_QUESTION,
        detectors=(COMPLIANCE,),
    ),
    SignalEntry(
        code="compliance_drift",
        title="Compliance slipping",
        meaning="Ombudsman recommendations missed by their due date running above what the "
        "council's own previous year, moved with its peers' change, leads us to expect, "
        "quarter after quarter: a CUSUM tuned to a rise of "
        f"{COMPLIANCE_SHIFT:g} on the log-odds scale (from 20% missed to 40%) passed the "
        "limit set by simulation. Few recommendations fall due in a quarter; the sum adds up "
        "what single quarters are too small to show.",
        severity=_CUSUM,
        weight=4.0,
        question=COMPLIANCE_QUESTION,
        detectors=(COMPLIANCE_CUSUM,),
    ),
    SignalEntry(
        code="overdue_not_reviewed",
        title="Overdue recommendations not reviewed by a committee",
        meaning="Ombudsman recommendations overdue at the quarter's end that no council "
        "committee had reviewed by then (scrutiny follow-up: a recommendation assigned to a "
        "committee meeting, and the committee's conclusion recorded). The Code (9.5) gives "
        "lead responsibility for complaints to a member or committee: overdue remedies "
        "nobody has looked at are a gap in that oversight.",
        severity=Severity(
            warning=f"at least {MIN_OVERDUE} overdue and at least "
            f"{MIN_UNREVIEWED_SHARE:.0%} of them not reviewed",
            serious=f"at least {MIN_OVERDUE} overdue and none of them reviewed",
        ),
        weight=0.0,
        question=COMPLIANCE_QUESTION,
        detectors=(FOLLOW_UP,),
    ),
    SignalEntry(
        code="complaint_handling_fault",
        title="Complaint-handling fault found",
        meaning="Ombudsman decisions in the quarter finding fault in how the council "
        "handled the complaint.",
        severity=Severity(
            warning="one such decision in the quarter", serious="more than one in the quarter"
        ),
        weight=0.0,
        question=HANDLING_FAULTS,
        detectors=(DECISIONS,),
    ),
    SignalEntry(
        code="public_interest_report",
        title="Public-interest report",
        meaning="The Ombudsman published a public-interest report about the council in the "
        "quarter.",
        severity=Severity(warning=None, serious="every public-interest report"),
        weight=1.0,
        question=PUBLIC_INTEREST,
        detectors=(DECISIONS,),
    ),
    SignalEntry(
        code="return_overdue",
        title="Complaints return overdue",
        meaning="No complaints return for the quarter by its due date, "
        f"{RETURN_DUE_DAYS} days after the quarter ends (an assumption, not a statutory "
        "deadline). The one signal that reads when data arrived: history loaded in bulk "
        "cannot be late.",
        severity=Severity(warning="the return arrived late", serious="it has not arrived"),
        weight=1.0,
        question=MISSING_RETURN,
        detectors=(RETURNS,),
    ),
)


def _checked(entries: tuple[SignalEntry, ...]) -> dict[str, SignalEntry]:
    """ENTRIES by code, refused with every problem named when any entry is incomplete."""
    found: dict[str, SignalEntry] = {}
    problems = []
    by_detector: dict[Detector, list[SignalEntry]] = {}
    for entry in entries:
        if entry.code in found:
            problems.append(f"{entry.code} is declared twice")
        problems += entry.problems()
        found[entry.code] = entry
        for detector in entry.detectors:
            by_detector.setdefault(detector, []).append(entry)
    for sharing in by_detector.values():
        try:
            watched(sharing)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValueError("early-warning signals: " + "; ".join(problems))
    return found


_registered = _checked(DECLARED)


def signals() -> tuple[SignalEntry, ...]:
    """Every registered signal, in the order reports and the watchlist list them."""
    return tuple(_registered.values())


def codes() -> tuple[str, ...]:
    """Every registered signal's code."""
    return tuple(_registered)


def signal(code: str) -> SignalEntry:
    """The signal called CODE, with a helpful error for a wrong one."""
    try:
        return _registered[code]
    except KeyError:
        raise ValueError(f"no signal called {code}; signals: {', '.join(_registered)}") from None


def weights() -> dict[str, float]:
    """Each signal's watchlist weight, per point of severity."""
    return {entry.code: entry.weight for entry in _registered.values()}


def questions() -> tuple[SignalQuestion, ...]:
    """The questions signals raise, in the order they are asked: QUESTIONS, then any other."""
    found = list(QUESTIONS)
    for entry in _registered.values():
        if isinstance(entry.question, SignalQuestion) and entry.question not in found:
            found.append(entry.question)
    return tuple(found)


def raising(question: SignalQuestion) -> frozenset[str]:
    """The codes of the signals that raise QUESTION."""
    return frozenset(e.code for e in _registered.values() if e.question == question)


def detectors() -> dict[Detector, tuple[SignalEntry, ...]]:
    """Each detector, in the order first named, with the signals it finds."""
    found: dict[Detector, tuple[SignalEntry, ...]] = {}
    for entry in _registered.values():
        for detector in entry.detectors:
            found[detector] = (*found.get(detector, ()), entry)
    return found


@contextmanager
def registered(*entries: SignalEntry) -> Iterator[None]:
    """Add ENTRIES to the registry for the block, then restore it (for tests)."""
    global _registered
    before = _registered
    _registered = _checked((*before.values(), *entries))
    try:
        yield
    finally:
        _registered = before
