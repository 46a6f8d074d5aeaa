"""The vocabulary (scrutiny.measures.words) is the only source of the words for a position,
its side and SPC's variation; counts stand beside percentages; scores round one way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrutiny.core.formatting import score, share
from scrutiny.measures.funnel.comparison import FLAGS
from scrutiny.measures.words import POSITIONS, label, position, side
from scrutiny.reference.authorities import official_names
from scrutiny.reference.peers import NEAREST_VARIABLES, peer_group

SRC = Path(__file__).parents[1] / "src" / "scrutiny"
HOME = "measures/words.py"

# The wordings the vocabulary replaced: each once said the same thing differently on
# another page ("within the funnel", "favourable (alarm)", "read with care"...).
OLD_WORDINGS = [
    r"read with care",
    r"expected range",
    r"within the funnel",
    r"\((?:alarm|alert)\)",
    r"(?:adverse|favourable) \(",
    r"\((?:adverse|favourable)\)",
    r"special cause:",
    r"not on a funnel",
    r"\bthe 9(?:5|9\.8)% limit \(",
]
# The vocabulary's own phrases, written out anywhere but their home.
PHRASES = [r"(?:above|below|within) the range expected", r"unusual change for the"]


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*") if p.suffix in (".py", ".html") and "static" not in p.parts]


# The uphold_rising signal's meaning says "Read with care"; its page,
# docs/early-warning-signals.md, is generated from the registry and the lead's to change.
NOT_YET = {"warning/signals/registry.py"}


def _found(patterns: list[str], *, outside: str | None = None) -> list[str]:
    return [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in _sources()
        if path.relative_to(SRC).as_posix() not in {outside, *NOT_YET}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(re.search(pattern, line, re.IGNORECASE) for pattern in patterns)
    ]


def test_no_page_report_or_command_uses_the_old_wordings():
    found = _found(OLD_WORDINGS, outside=HOME)  # the home says "(favourable)" now
    assert not found, "say it with scrutiny.measures.words:\n" + "\n".join(found)


def test_the_vocabularys_phrases_are_written_only_in_its_home():
    found = _found(PHRASES, outside=HOME)
    assert not found, f"import the phrase from {HOME}:\n" + "\n".join(found)


def test_the_guards_match_what_they_guard():
    """A guard that matches nothing guards nothing: the phrases are in their home, and the
    old wordings would be caught (as they were before the vocabulary)."""
    home = (SRC / HOME).read_text(encoding="utf-8")
    assert all(re.search(p, home) for p in PHRASES)
    old = ["within the funnel", "favourable (alarm)", "High (alert): read with care"]
    assert all(any(re.search(p, line, re.I) for p in OLD_WORDINGS) for line in old)


@pytest.mark.parametrize(
    ("flag", "direction", "words"),
    [
        ("within", "higher_better", "within the range expected"),
        ("high_alarm", "higher_better", "well above the range expected (favourable)"),
        ("high_alert", "lower_better", "above the range expected (unfavourable)"),
        ("low_alert", "higher_better", "below the range expected (unfavourable)"),
        ("low_alarm", "lower_better", "well below the range expected (favourable)"),
        ("low_alarm", "neither", "well below the range expected (neither good nor bad in itself)"),
        (None, "higher_better", "not compared on a funnel plot"),
    ],
)
def test_a_position_is_said_in_plain_words_with_its_side_never_as_a_rank(flag, direction, words):
    assert position(flag, direction) == words
    assert label(flag, direction) == words[0].upper() + words[1:]


def test_every_funnel_flag_has_words_and_a_side_for_each_direction():
    assert tuple(POSITIONS) == FLAGS
    assert {side(f, "higher_better") for f in FLAGS} == {"favourable", "unfavourable", None}
    assert {side(f, "neither") for f in FLAGS} == {"neutral", None}


@pytest.mark.parametrize(
    ("value", "numerator", "denominator", "shown"),
    [
        (66.66666, 2, 3, "66.7% (2 of 3)"),
        (66.66666, 2.0, 3.0, "66.7% (2 of 3)"),
        (50.0, 1234, 2468, "50.0% (1,234 of 2,468)"),
        (50.0, None, None, "50.0%"),
        (0.0, 0, 0, "0.0%"),
        (None, 1, 2, "–"),
        (float("nan"), 1, 2, "–"),
    ],
)
def test_a_percentage_carries_its_count_when_known(value, numerator, denominator, shown):
    assert share(value, numerator, denominator) == shown


def test_a_score_is_shown_to_two_places_everywhere():
    assert score(3.25) == "3.25"
    assert score(3.5) == "3.50"
    assert score(4) == "4.00"
    assert score(None) == "–"


def test_a_nearest_neighbour_group_is_named_in_words_not_variable_names():
    name = peer_group("E06000047", "nearest").name
    assert "population density" in name and "deprivation" in name
    assert not any(variable in name for variable in NEAREST_VARIABLES)


def test_a_council_has_one_official_name():
    assert official_names()["E06000047"] == "Durham County Council"
