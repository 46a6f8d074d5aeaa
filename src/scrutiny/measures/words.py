"""How scrutiny words a comparison: one plain-English vocabulary for funnel positions, which
side of the range is better, the two limit levels and SPC's special causes.

Every page, report, API answer and command reads its phrases from here, so a councillor
meets the same words everywhere (a test scans the templates and reports for the old ones).
The wording, chosen for a reader who has never seen a funnel plot:

- a funnel flag is where a figure sits against the range expected for councils of its
  size among its peers: "within", "above"/"below" (beyond the 95% limits) or "well
  above"/"well below" (beyond the 99.8% limits); never a rank;
- the side says what that means for the indicator's direction: "favourable" when the
  figure is on its better side, "unfavourable" on its worse side, and "neither good nor bad
  in itself" for an indicator with no better side (a high uphold rate may be a council
  owning its mistakes);
- an SPC chart's points are "usual variation" or an "unusual change" (for the better, for
  the worse, or either way for an indicator with no better side).

The page /how-to-read-comparisons explains these words; every flag on a page links to it.
"""

from __future__ import annotations

from typing import Literal

from scrutiny.measures.funnel.comparison import FLAGS
from scrutiny.measures.spc_rules import Rule, Variation
from scrutiny.standard.indicators import Direction

Side = Literal["favourable", "unfavourable", "neutral"]

# Where a funnel flag puts a figure, mid-sentence: "... is well above the range expected".
POSITIONS: dict[str, str] = {
    "high_alarm": "well above the range expected",
    "high_alert": "above the range expected",
    "within": "within the range expected",
    "low_alert": "below the range expected",
    "low_alarm": "well below the range expected",
}
assert tuple(POSITIONS) == FLAGS, "a funnel flag without words, or words without a flag"
NOT_COMPARED = "not compared on a funnel plot"
# How to read a table of positions, in one sentence for the pages and reports that show one.
READING = (
    "Outside the 95% limits a figure is above or below the range expected, worth asking "
    "about; outside the 99.8% limits it is well above or well below it, further from its "
    "peers than chance would explain. Councils are compared, never ranked."
)
# What each position means, for the explainer page (public/how_to_read.html).
POSITION_MEANINGS: dict[str, str] = {
    "high_alarm": "Higher than the outer (99.8%) limit. A figure this far from the group's "
    "happens by chance about once in a thousand: it is worth asking why.",
    "high_alert": "Higher than the inner (95%) limit but not the outer one. Chance puts about "
    "one council in forty here: worth a look, not yet a conclusion.",
    "within": "Between the inner limits. Any difference from the group could be chance.",
    "low_alert": "Lower than the inner (95%) limit but not the outer one. Chance puts about "
    "one council in forty here: worth a look, not yet a conclusion.",
    "low_alarm": "Lower than the outer (99.8%) limit. A figure this far from the group's "
    "happens by chance about once in a thousand: it is worth asking why.",
}
assert tuple(POSITION_MEANINGS) == FLAGS
NOT_COMPARED_MEANING = (
    "The figure is not a share or a rate (a median of working days, say), the council has "
    "no figure, or fewer than three councils in the group have one."
)
# What a position outside the range means for an indicator with a better side, or none.
SIDES: dict[Side, str] = {
    "favourable": "favourable",
    "unfavourable": "unfavourable",
    "neutral": "neither good nor bad in itself",
}
SIDE_MEANINGS: dict[Side, str] = {
    "favourable": "The figure is outside the range on the side that is better for this "
    "indicator (more complaints answered on time, say).",
    "unfavourable": "The figure is outside the range on the side that is worse for this "
    "indicator (fewer complaints answered on time, say).",
    "neutral": "The indicator has no better side: many complaints may mean poor services or "
    "a council that makes complaining easy, and a high uphold rate may be a council owning its "
    "mistakes. Outside the range, it is worth asking why, without assuming either.",
}
# An SPC chart's points, as its legend and tables say them (Making Data Count's colours).
VARIATIONS: dict[Variation, str] = {
    "improvement": "unusual change for the better",
    "concern": "unusual change for the worse",
    "neither": "unusual change",
    "common_cause": "usual variation",
}
VARIATION_MEANINGS: dict[Variation, str] = {
    "improvement": "A change the usual ups and downs would rarely produce, on the better side.",
    "concern": "A change the usual ups and downs would rarely produce, on the worse side.",
    "neither": "A change the usual ups and downs would rarely produce, for an indicator "
    "with no better side.",
    "common_cause": "The ups and downs expected from quarter to quarter: nothing to explain.",
}
# Why a point is an unusual change: each SPC rule in words.
RULES: dict[Rule, str] = {
    "astronomical": "a point outside the process limits",
    "shift": "a run on one side of the mean",
    "trend": "a run of rising or falling points",
    "two_in_three": "two of three points near a limit",
}


def side(flag: str | None, direction: Direction) -> Side | None:
    """Which side of the range FLAG puts an indicator with DIRECTION: None when within it
    (or not compared), neutral when the indicator has no better side."""
    if flag is None or flag == "within":
        return None
    if direction == "neither":
        return "neutral"
    better = "high" if direction == "higher_better" else "low"
    return "favourable" if flag.startswith(better) else "unfavourable"


def position(flag: str | None, direction: Direction = "neither") -> str:
    """FLAG in words, mid-sentence, with what it means for an indicator with DIRECTION:
    "below the range expected (unfavourable)". Never a rank."""
    if flag is None:
        return NOT_COMPARED
    where = POSITIONS[flag]
    placed = side(flag, direction)
    return where if placed is None else f"{where} ({SIDES[placed]})"


def label(flag: str | None, direction: Direction = "neither") -> str:
    """FLAG in words standing alone, as a table cell or the API's label beside the code:
    "Well above the range expected (favourable)"."""
    words = position(flag, direction)
    return words[:1].upper() + words[1:]


def is_unfavourable(flag: str | None, direction: Direction) -> bool:
    """Whether FLAG puts an indicator with DIRECTION outside the range on its worse side."""
    return side(flag, direction) == "unfavourable"


# What templates (the web's and the reports') call: {{ flag_label(row.flag, i.direction) }}.
TEMPLATE_GLOBALS = {
    "funnel_reading": READING,
    "positions": POSITIONS,
    "flag_label": label,
    "flag_side": side,
    "variation_label": VARIATIONS.get,
}
