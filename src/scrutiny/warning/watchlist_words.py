"""The watchlist's words: signal evidence as sentences, council types and the labels of a line.

Everything the watchlist says in its own words lives here, so it can be swapped for the
project's shared vocabulary in one place. Evidence is the JSON object each detector
attaches to a signal (scrutiny.warning.signals); every key any detector writes has a
wording in KEYS, and a key without one is still written as words, never as a Python dict
or list: `evidence_sentences({"repeated": [{"kind": "financial_remedy", "times": 2}]})`
says "Missed again in the year: financial remedy (2 times)."
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scrutiny.core.formatting import DASH, number, words
from scrutiny.standard.indicators import Indicator, load_indicators
from scrutiny.warning.signals.rows import number as figure

# Council types as an analyst reads them (the reference data's codes are snake_case).
COUNCIL_TYPES = {
    "county": "County council",
    "district": "District council",
    "unitary": "Unitary authority",
    "metropolitan_borough": "Metropolitan borough",
    "london_borough": "London borough",
    "city_of_london": "City of London",
}
OMBUDSMEN = {
    "lgsco": "Local Government and Social Care Ombudsman",
    "housing_ombudsman": "Housing Ombudsman",
}
CONTEXT = "Context: adds nothing to the score"
CONTEXT_NOTE = (
    "These signals have weight 0: they are common at councils where all is well, so they "
    "add nothing to the score. Read them as background to the signals above."
)
SERIOUS = "serious"


def council_type(code: str | None) -> str:
    """A council type code as words: london_borough -> London borough."""
    if code is None:
        return DASH
    return COUNCIL_TYPES.get(code, words(code).capitalize())


def points(value: float) -> str:
    """What a signal adds to the score: 8 points, 1.5 points, 1 point."""
    shown = number(value, 0) if float(value).is_integer() else number(value, 2).rstrip("0")
    return f"{shown} point{'' if value == 1 else 's'}"


def reason(title: str, severity: int, value: float, about: str = "") -> str:
    """One of a council's top reasons: "Complaints falling, stage 1 complaints per 10,000
    residents (serious): 3 points"; ABOUT is the indicator's name, when it has one."""
    what = f"{title}, {about[:1].lower()}{about[1:]}" if about else title
    return f"{what}{f' ({SERIOUS})' if severity == 2 else ''}: {points(value)}"


def signal_count(total: int, context: int) -> str:
    """The link to a council's details: "All 3 signals and their evidence (1 of them context)"."""
    said = (
        "The signal and its evidence" if total == 1 else f"All {total} signals and their evidence"
    )
    if context:
        said += " (context only)" if context == total else f" ({context} of them context)"
    return said


def _plain(value: Any) -> str:
    """Any evidence value as words: lists joined with "and", objects as "key value" pairs."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number(value, 0) if value.is_integer() else number(value, 2)
    if isinstance(value, int):
        return number(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{words(k)} {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        parts = [_plain(v) for v in value]
        if not parts:
            return "none"
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return (
        words(value) if isinstance(value, str) and "_" in value and " " not in value else str(value)
    )


def _share(value: Any) -> str:
    return f"{float(value):.0%}" if isinstance(value, int | float) else _plain(value)


def _repeated(value: Any) -> str:
    if not value:
        return "none"
    if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        return _plain([f"{words(v.get('kind'))} ({_plain(v.get('times'))} times)" for v in value])
    return _plain(value)


def _interval(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"from {_share(value[0])} to {_share(value[1])}"
    return _plain(value)


def _ombudsman(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return _plain([OMBUDSMEN.get(n, words(n)) if isinstance(n, str) else n for n in names])


# Each evidence key: its label, and how its value is written (None: in the indicator's unit).
Wording = Callable[[Any], str] | None
KEYS: dict[str, tuple[str, Wording]] = {
    "indicator": ("Indicator", _plain),
    "value": ("Figure in the quarter", None),
    "baseline": ("The previous quarters taken together", None),
    "baseline_quarters": ("Previous quarters compared with", _plain),
    "z": ("Distance from the previous quarters (z)", _plain),
    "mean": ("The council's own average", None),
    "target": ("The peer group's average", None),
    "peer_group": ("Peer group", _plain),
    "peers": ("Other councils in the peer group", _plain),
    "flag": ("Position", _plain),
    "quarters_charted": ("Quarters on the chart", _plain),
    "expected": ("Expected", None),
    "shift_tuned_to_detect": ("The worse level the check is tuned to find", None),
    "climbing_since": ("Running that way since", _plain),
    "sum": ("Evidence added up so far", _plain),
    "threshold": ("Limit at which it signals", _plain),
    "overdispersion": ("Allowance for extra variation (over-dispersion)", _plain),
    "information_per_quarter": ("Information per quarter", _plain),
    "false_alert_rate_per_year": ("False alerts allowed per council-year", _share),
    "calibrated": ("Limits set by simulation", _plain),
    "recent_due": ("Recommendations due recently", _plain),
    "recent_missed": ("Of those, missed by the due date", _plain),
    "baseline_due": ("Recommendations due in the year before", _plain),
    "baseline_missed": ("Of those, missed by the due date", _plain),
    "p_value": ("Chance of a rise this large with no real change (p)", _plain),
    "due_in_year": ("Recommendations due in the year", _plain),
    "missed_in_year": ("Of those, missed by the due date", _plain),
    "probability_worse": ("Probability the council misses more than others", _share),
    "credible_interval": ("The share missed could be anywhere", _interval),
    "missed": ("Missed by the due date", _plain),
    "recommendations": ("Recommendations missed", _plain),
    "repeated": ("Missed again in the year", _repeated),
    "decisions": ("Decisions", _plain),
    "ombudsman": ("Ombudsman", _ombudsman),
    "arrived": ("Return arrived", lambda v: _plain(v) if v else "not yet"),
    "rule": ("Rule", _plain),
}
# Keys whose wording depends on the other figures, written by _joined below.
_JOINED = {"numerator", "denominator", "lower_limit", "upper_limit", "due"}


def indicator_of(evidence: Mapping[str, Any]) -> Indicator | None:
    code = evidence.get("indicator")
    return next((item for item in load_indicators() if item.code == code), None)


def _in_unit(value: Any, key: str, evidence: Mapping[str, Any], item: Indicator | None) -> str:
    """A figure in the indicator's unit; the small-numbers check's figures are shares, and
    the volume CUSUM's expected counts are complaints."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return _plain(value)
    if "due_in_year" in evidence:
        return _share(value)
    if item is None:
        return _plain(value)
    if key in ("expected", "shift_tuned_to_detect") and item.unit != "percent":
        return f"{number(float(value), 1)} complaints"
    return figure(float(value), item.unit)


def _joined(evidence: Mapping[str, Any], item: Indicator | None) -> list[str]:
    """The sentences for figures read together: a count over a count, a range, a due date."""
    found = []
    top, bottom = evidence.get("numerator"), evidence.get("denominator")
    if top is not None or bottom is not None:
        found.append(f"Worked out from {_plain(top)} over {_plain(bottom)}.")
    lower, upper = evidence.get("lower_limit"), evidence.get("upper_limit")
    if lower is not None or upper is not None:
        # A limit below zero is where the chart's arithmetic puts it; no figure goes there.
        low = max(lower, 0.0) if isinstance(lower, int | float) else lower
        shown = f"{_in_unit(low, '', evidence, item)} to {_in_unit(upper, '', evidence, item)}"
        found.append(f"Range expected: {shown}.")
    due = evidence.get("due")
    if isinstance(due, str):
        found.append(f"Return due by: {due}.")
    elif due is not None:
        found.append(f"Recommendations due in the quarter: {_plain(due)}.")
    return found


def evidence_sentences(evidence: Mapping[str, Any]) -> list[str]:
    """EVIDENCE (a signal's evidence object) as sentences a person reads: the indicator and
    its figure first, then the figures read together, the rest in KEYS' order, the rule last."""
    item = indicator_of(evidence)
    order = [key for key in KEYS if key in evidence]
    order += sorted(key for key in evidence if key not in KEYS and key not in _JOINED)
    found = []
    for key in order:
        label, wording = KEYS.get(key, (words(key).capitalize(), _plain))
        value = evidence[key]
        if key == "indicator" and item is not None:
            shown = item.name
        elif wording is None:
            shown = _in_unit(value, key, evidence, item)
        else:
            shown = wording(value)
        found.append(f"{label}: {shown}.")
    first = sum(1 for key in order[:2] if key in ("indicator", "value"))
    found[first:first] = _joined(evidence, item)
    return found
