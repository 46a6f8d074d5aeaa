"""Early warning tested out of sample on Housing Ombudsman findings."""

import math
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scrutiny.returns.housing_ombudsman import convert, read_findings
from scrutiny.warning import housing_evaluation as evaluation

SHIPPED = Path(
    str(resources.files("scrutiny.reference") / "data" / "housing_ombudsman_findings.csv")
)


def make_finding(
    authority_code: str,
    decision_date: date,
    finding: str = "maladministration",
    complaint_handling_fault: bool = False,
) -> dict[str, object]:
    """One ombudsman_decisions row with just the fields the evaluation reads."""
    return {
        "authority_code": authority_code,
        "decision_date": decision_date,
        "housing_ombudsman_finding": finding,
        "complaint_handling_fault": complaint_handling_fault,
    }


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"decision_date": pl.Date})


def scores_of(table: pl.DataFrame) -> dict[str, float]:
    return dict(zip(table["authority_code"], table["score"], strict=True))


@pytest.mark.parametrize(
    ("scores", "outcomes", "k", "expected"),
    [
        ([5, 4, 3, 2, 1], [1, 0, 1, 0, 0], 1, 1.0),
        ([5, 4, 3, 2, 1], [1, 0, 1, 0, 0], 2, 0.5),
        ([5, 4, 3, 2, 1], [1, 0, 1, 0, 0], 3, 2 / 3),
        ([1, 2, 3, 4, 5], [1, 0, 1, 0, 0], 2, 0.0),
        # Two tied for the last place, one of them positive: half a hit expected.
        ([5, 3, 3, 1], [1, 1, 0, 0], 2, 0.75),
        # Every score tied: the base rate.
        ([0, 0, 0, 0], [1, 0, 0, 0], 2, 0.25),
        # Fewer landlords than k: precision over those there are.
        ([2, 1], [1, 0], 10, 0.5),
    ],
)
def test_precision_at_k_counts_positives_in_the_top_k(scores, outcomes, k, expected):
    result = evaluation.precision_at(np.array(scores, float), np.array(outcomes, bool), k)
    assert result == pytest.approx(expected)


def test_auc_is_one_for_a_perfect_ranking_and_zero_for_a_reversed_one():
    outcomes = np.array([1, 1, 0, 0, 0], bool)
    assert evaluation.auc(np.array([9.0, 8, 3, 2, 1]), outcomes) == 1.0
    assert evaluation.auc(np.array([1.0, 2, 3, 4, 5]), outcomes) == 0.0


def test_auc_is_one_half_when_every_score_is_tied():
    assert evaluation.auc(np.zeros(6), np.array([1, 0, 1, 0, 0, 0], bool)) == 0.5


def test_auc_averages_ties_between_a_positive_and_a_negative():
    # Pairs: (p1=3 vs n=1) right, (p1 vs n=2) right, (p2=2 vs n=2) tie, (p2 vs n=1) right.
    area = evaluation.auc(np.array([3.0, 2, 2, 1]), np.array([1, 1, 0, 0], bool))
    assert area == pytest.approx(3.5 / 4)


def test_auc_matches_counting_pairs_on_random_scores():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 5, 60).astype(float)
    outcomes = rng.random(60) < 0.3
    pos, neg = scores[outcomes], scores[~outcomes]
    pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
    assert evaluation.auc(scores, outcomes) == pytest.approx(np.mean(pairs))


def test_without_positives_auc_is_undefined_and_precision_zero():
    scores, outcomes = np.array([3.0, 2, 1]), np.zeros(3, bool)
    assert math.isnan(evaluation.auc(scores, outcomes))
    assert math.isnan(evaluation.auc(scores, np.ones(3, bool)))
    assert evaluation.precision_at(scores, outcomes, 2) == 0.0
    assert math.isnan(evaluation.auc_standard_error(math.nan, 0, 3))


def test_complete_years_end_with_the_last_year_whose_31_march_is_in_the_data():
    decisions = frame([make_finding("A", date(2020, 5, 1)), make_finding("A", date(2026, 5, 21))])
    assert evaluation.complete_years(decisions) == [2022, 2023, 2024, 2025]
    decisions = frame([make_finding("A", date(2026, 3, 30))])
    assert evaluation.complete_years(decisions)[-1] == 2024


def test_the_score_follows_its_documented_formula():
    decisions = frame(
        [
            # In the 12 months before 2024-25: weight 1.
            make_finding("A", date(2024, 3, 31), "severe_maladministration"),  # 3
            make_finding("A", date(2023, 4, 1), "service_failure", True),  # 1 + 1
            # 12 to 24 months before: weight 0.5.
            make_finding("A", date(2023, 3, 31), "maladministration"),  # 2 × 0.5
            make_finding("A", date(2022, 4, 1), "no_maladministration", True),  # 1 × 0.5
            # Older than the window: ignored, but makes B a landlord with score 0.
            make_finding("B", date(2022, 3, 31), "severe_maladministration"),
        ]
    )
    assert scores_of(evaluation.early_warning_scores(decisions, 2024)) == {"A": 6.5, "B": 0.0}
    # The naive count: maladministration or worse in 2023-24 only.
    assert scores_of(evaluation.naive_scores(decisions, 2024)) == {"A": 1.0, "B": 0.0}


def test_a_finding_on_or_after_the_year_begins_never_affects_its_ranking():
    history = [
        make_finding("A", date(2023, 6, 1), "maladministration"),
        make_finding("B", date(2023, 9, 1), "service_failure"),
        make_finding("C", date(2024, 3, 31), "severe_maladministration"),
    ]
    later = [
        make_finding("A", date(2024, 4, 1), "severe_maladministration", True),
        make_finding("B", date(2024, 4, 1), "severe_maladministration"),
        make_finding("B", date(2025, 1, 1), "maladministration", True),
        make_finding("D", date(2024, 4, 1), "severe_maladministration"),  # new landlord
    ]
    for score in evaluation.RANKINGS.values():
        assert score(frame(history), 2024).equals(score(frame(history + later), 2024))
    ranked = evaluation.early_warning_scores(frame(history + later), 2024)
    assert "D" not in ranked["authority_code"].to_list()
    # The later findings are the outcome, and D counts as an unranked positive.
    results = evaluation.evaluate_year(frame(history + later), 2024)
    assert {(r.positives, r.unranked_positives, r.landlords) for r in results} == {(2, 1, 3)}


def test_the_finding_the_day_before_the_year_begins_does_count():
    decisions = frame([make_finding("A", date(2024, 3, 31), "maladministration")])
    assert scores_of(evaluation.early_warning_scores(decisions, 2024)) == {"A": 2.0}
    assert scores_of(evaluation.naive_scores(decisions, 2024)) == {"A": 1.0}


def test_text_dates_and_flags_from_a_standard_csv_are_read(tmp_path):
    path = tmp_path / "decisions.csv"
    frame([make_finding("A", date(2024, 1, 2), "service_failure", True)]).write_csv(path)
    decisions = pl.read_csv(path, infer_schema=False)
    assert scores_of(evaluation.early_warning_scores(decisions, 2024)) == {"A": 2.0}


@pytest.fixture(scope="module")
def real():
    return convert(read_findings(SHIPPED)).decisions


def test_the_shipped_findings_give_figures_between_zero_and_one_in_every_year(real):
    results = evaluation.evaluate(real)
    assert sorted({r.year for r in results}) == [2022, 2023, 2024, 2025]
    assert {r.ranking for r in results} == set(evaluation.RANKINGS)
    for r in results:
        assert r.landlords >= 50 and 0 < r.positives < r.landlords
        for value in (r.precision_10, r.precision_20, r.auc, r.base_rate):
            assert 0.0 <= value <= 1.0
    for ranking in evaluation.RANKINGS:
        pooled = evaluation.pooled(results, ranking)
        assert 0.0 <= pooled["auc"] <= 1.0
        assert 0.0 <= pooled["precision_10"] <= 1.0


def test_the_auc_difference_interval_contains_its_estimate(real):
    difference, low, high = evaluation.auc_difference(real, [2024], draws=200)
    assert low <= difference <= high


def test_the_auc_of_each_row_matches_the_auc_of_that_row_alone():
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 4, (5, 30)).astype(float)
    outcomes = rng.random((5, 30)) < 0.4
    expected = [evaluation.auc(s, o) for s, o in zip(scores, outcomes, strict=True)]
    assert evaluation.auc_rows(scores, outcomes) == pytest.approx(expected)


def test_pooled_auc_weights_each_year_by_its_pairs():
    # Year one: 1 positive × 3 negatives, perfect. Year two: 1 × 1, reversed.
    samples = [
        ({"a": np.array([4.0, 1, 2, 3])}, np.array([1, 0, 0, 0], bool)),
        ({"a": np.array([1.0, 2])}, np.array([1, 0], bool)),
    ]
    assert evaluation.pooled_auc(samples) == {"a": pytest.approx(3 / 4)}


def test_wilson_interval_for_eight_hits_in_ten():
    low, high = evaluation.wilson_interval(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    assert evaluation.wilson_interval(0, 10)[0] == 0.0
    assert evaluation.wilson_interval(10, 10)[1] == 1.0
