"""The watchlist's words: every shape of signal evidence reads as sentences."""

from __future__ import annotations

import re

import pytest

from scrutiny.warning.watchlist_words import KEYS, evidence_sentences, reason, signal_count

# What a Python dict, list or tuple looks like when it is printed instead of worded.
PYTHON = re.compile(r"[{}\[\]]|\(\s*'|'\s*\)")


def test_repeated_recommendations_read_as_words_not_a_python_dict():
    # What was seen: "Repeated {'kind': 'financial_remedy', 'times': 2}".
    said = evidence_sentences(
        {"repeated": [{"kind": "financial_remedy", "times": 2}, {"kind": "apology", "times": 3}]}
    )
    assert said == ["Missed again in the year: financial remedy (2 times) and apology (3 times)."]


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        "a_code",
        [],
        ["24 000 483 #3", "24 000 484 #1"],
        [0.1, 0.9],
        [{"kind": "apology", "times": 2}],
        {"nested": {"deeper": [1, 2]}},
        ("a", "b"),
    ],
)
@pytest.mark.parametrize("key", [*KEYS, "numerator", "lower_limit", "due", "not_a_known_key"])
def test_every_evidence_key_with_any_value_is_a_sentence_without_brackets(key, value):
    said = evidence_sentences({key: value})
    # A count, range or due date with no figure at all has nothing to say.
    assert said or value is None, f"{key} says nothing"
    for sentence in said:
        assert sentence.endswith("."), sentence
        assert not PYTHON.search(sentence), sentence


def test_figures_are_written_in_the_indicators_unit_and_read_together():
    said = evidence_sentences(
        {
            "rule": "funnel plot",
            "value": 38.46,
            "upper_limit": 90.2,
            "lower_limit": -3.0,
            "numerator": 5.0,
            "denominator": 13.0,
            "indicator": "stage1_on_time",
        }
    )
    assert said[1:4] == [
        "Figure in the quarter: 38%.",
        "Worked out from 5 over 13.",
        "Range expected: 0% to 90%.",
    ]
    assert said[0].startswith("Indicator: ") and said[-1] == "Rule: funnel plot."


def test_a_line_names_its_reasons_with_their_points():
    assert reason("Complaints falling", 2, 6.0) == "Complaints falling (serious): 6 points"
    assert reason("Special-cause variation", 1, 0.5, "Refused complaints") == (
        "Special-cause variation, refused complaints: 0.5 points"
    )
    assert signal_count(1, 0) == "The signal and its evidence"
    assert signal_count(3, 1) == "All 3 signals and their evidence (1 of them context)"
