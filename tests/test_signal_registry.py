"""The early-warning signals' registry: every signal complete, and one entry is enough."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from scrutiny.councillor.questions import CouncilFigures, Question, Signal, councillor_questions
from scrutiny.publish.reports.annual_sections import signal_rows
from scrutiny.warning.signals import compute_signals, registry
from scrutiny.warning.signals.docs import documentation
from scrutiny.warning.signals.model import (
    Detector,
    Severity,
    SignalEntry,
    SignalInputs,
    SignalQuestion,
    Watch,
)
from scrutiny.warning.signals.rows import frame
from scrutiny.warning.signals.xmr_rules import XMR
from scrutiny.warning.watchlist import check_weights, default_weights, scores

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "early-warning-signals.md"
COUNCIL = "E06000047"  # County Durham


def _dummy_frame() -> pl.DataFrame:
    """One dummy signal for County Durham in 2024-25 Q1, and one for a code not asked for."""
    row = {
        "authority_code": COUNCIL,
        "period_start": date(2024, 4, 1),
        "period_end": date(2024, 6, 30),
        "signal": "dummy_signal",
        "severity": 2,
        "sentence": "The dummy rule fired.",
        "evidence": {"rule": "a test's own"},
    }
    return frame([row, row | {"signal": "not_registered"}])


def _dummy_rows(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return _dummy_frame()


QUESTION = SignalQuestion(
    "Dummy checks", "Was the dummy rule looked into in {quarter}?", "The test's own guidance"
)
DUMMY = SignalEntry(
    code="dummy_signal",
    title="A dummy went off",
    meaning="A signal declared only in this test.",
    severity=Severity(warning="never", serious="whenever the dummy rule fires"),
    weight=1.5,
    question=QUESTION,
    detectors=(Detector("The test's own rule", _dummy_rows),),
    caveat="Dummies are not real.",
)


def _register(entry: SignalEntry) -> None:
    with registry.registered(entry):
        pass


def test_every_declared_signal_has_every_part():
    for entry in registry.signals():
        assert entry.problems() == [], entry.code


@pytest.mark.parametrize(
    ("part", "value"),
    [
        ("code", "Dummy Signal"),
        ("title", ""),
        ("meaning", " "),
        ("severity", Severity(warning=None, serious=None)),
        ("weight", -1.0),
        ("question", SignalQuestion("Dummy checks", "", "The test's own guidance")),
        ("detectors", ()),
        ("watches", (Watch("no_such_indicator", "up"),)),
    ],
)
def test_a_signal_lacking_a_part_is_refused(part, value):
    broken = replace(DUMMY, **{part: value})
    assert broken.problems()
    with pytest.raises(ValueError, match="early-warning signals"):
        _register(broken)


def test_a_signal_an_indicator_detector_finds_must_watch_an_indicator():
    with (
        pytest.raises(ValueError, match="watches none"),
        registry.registered(replace(DUMMY, detectors=(XMR,))),
    ):
        pass


def test_two_signals_cannot_claim_the_same_indicator_from_one_detector():
    clash = replace(DUMMY, detectors=(XMR,), watches=(Watch("stage1_on_time", "down"),))
    with pytest.raises(ValueError, match="stage1_on_time is watched by both"):
        _register(clash)
    with pytest.raises(ValueError, match="declared twice"):
        _register(replace(DUMMY, code="sudden_change"))


def test_a_signal_declared_in_one_entry_reaches_weights_report_questions_and_docs():
    with registry.registered(DUMMY):
        assert default_weights()["dummy_signal"] == 1.5
        assert check_weights({"dummy_signal": 2.0})["dummy_signal"] == 2.0
        one = _dummy_frame().filter(pl.col("signal") == "dummy_signal")
        assert scores(one)["score"].to_list() == [3.0]  # weight 1.5 x severity 2

        [row] = signal_rows(one)
        assert row["label"] == "A dummy went off"
        assert row["severity"] == "serious"

        figures = CouncilFigures(
            COUNCIL,
            "2024-25",
            "all unitary councils",
            quarter="2024-25 Q4",
            signals=(Signal("dummy_signal", 2, "The dummy rule fired."),),
        )
        assert councillor_questions(figures) == [
            Question(
                "Dummy checks",
                "Was the dummy rule looked into in 2024-25 Q4?",
                ("The dummy rule fired.",),
                "The test's own guidance",
            )
        ]

        page = documentation()
        assert "## `dummy_signal`: A dummy went off" in page
        assert "| `dummy_signal` | A dummy went off | 1.5 |" in page
        assert "Was the dummy rule looked into in the latest quarter?" in page
    assert "dummy_signal" not in default_weights()
    assert "dummy_signal" not in documentation()


def test_compute_signals_runs_a_registered_detector_for_its_own_signals_only(engine):
    with registry.registered(DUMMY):
        found = compute_signals(engine, date(2024, 9, 30))
    assert found.select("authority_code", "signal", "severity", "sentence").to_dicts() == [
        {
            "authority_code": COUNCIL,
            "signal": "dummy_signal",
            "severity": 2,
            "sentence": "The dummy rule fired. Dummies are not real.",
        }
    ]
    assert compute_signals(engine, date(2024, 9, 30)).is_empty()


def test_the_published_page_matches_the_registry():
    """Regenerate with: python -m scrutiny.warning.signals.docs"""
    assert PAGE.read_text(encoding="utf-8") == documentation(), f"{PAGE.name} is stale"


def test_every_signal_is_documented_and_weighted_and_labelled():
    page = PAGE.read_text(encoding="utf-8")
    assert list(default_weights()) == list(registry.codes())
    for entry in registry.signals():
        assert f"## `{entry.code}`: {entry.title}" in page
