"""Early warning tested out of sample on Housing Ombudsman findings."""

import ast
import math
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scrutiny.core.periods import financial_year_bounds
from scrutiny.reference.landlords import shipped_workbooks
from scrutiny.returns.housing_ombudsman import convert, read_findings
from scrutiny.returns.tsm import read_tsm
from scrutiny.returns.xlsx import Limits
from scrutiny.settings import Settings
from scrutiny.warning import housing_evaluation as evaluation
from scrutiny.warning import tsm_evaluation as tsm

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


# What the Tenant Satisfaction Measures add (scrutiny.warning.tsm_evaluation).


def make_tsm_row(authority_code: str | None, tsm_year: int, **counts: object) -> dict[str, object]:
    """One row of TsmYear.rows: text cells, rented homes, a council unless told otherwise."""
    row: dict[str, object] = {
        "landlord_code": f"L{authority_code}",
        "landlord_type": "council",
        "authority_code": authority_code,
        "period_start": f"{tsm_year}-04-01",
        "tenure_basis": "lcra",
        "homes_owned": "1000",
        "stage1_complaints": "50",
        "stage1_within_timescale": "40",
        "stage1_timescale_denominator": "50",
        "stage2_complaints": "10",
        "stage2_within_timescale": "5",
        "stage2_timescale_denominator": "10",
        "complaint_handling_satisfaction_pct": "30",
    }
    row.update({name: None if value is None else str(value) for name, value in counts.items()})
    return row


def measures_of(rows: list[dict[str, object]]) -> pl.DataFrame:
    return tsm.council_measures(pl.DataFrame(rows, schema={name: pl.String for name in rows[0]}))


def test_council_measures_are_typed_and_worked_out_from_the_counts():
    measures = measures_of(
        [
            make_tsm_row("E09000001", 2023, homes_owned=2000, stage1_within_timescale=45),
            # Nothing answered at stage 2: no share, not a zero.
            make_tsm_row(
                "E09000002", 2023, stage2_timescale_denominator=0, stage2_within_timescale=0
            ),
            # RSH's marker for a figure not given arrives as a blank.
            make_tsm_row("E09000003", 2023, complaint_handling_satisfaction_pct=None),
            make_tsm_row(None, 2023, landlord_type="housing_association"),
            make_tsm_row("E09000004", 2023, tenure_basis="lcho"),
            # No homes: no size and no rates, not an infinite rate.
            make_tsm_row("E09000005", 2023, homes_owned=0),
        ]
    )
    rows = {row["authority_code"]: row for row in measures.to_dicts()}
    assert set(rows) == {"E09000001", "E09000002", "E09000003", "E09000005"}
    first = rows["E09000001"]
    assert first["tsm_year"] == 2023 and first["homes_owned"] == 2000
    assert first["stage1_late_share"] == pytest.approx(0.1)
    assert first["stage1_per_1000_homes"] == pytest.approx(25.0)
    assert first["stage2_per_1000_homes"] == pytest.approx(5.0)
    assert first["dissatisfied_pct"] == pytest.approx(70.0)
    assert rows["E09000002"]["stage2_late_share"] is None
    assert rows["E09000003"]["dissatisfied_pct"] is None
    assert rows["E09000005"]["homes_owned"] is None
    assert rows["E09000005"]["stage1_per_1000_homes"] is None


def test_a_rate_ranking_puts_a_small_landlord_with_two_findings_above_a_large_one_with_three():
    decisions = frame(
        [make_finding("SMALL", date(2023, 6, 1))] * 2
        + [make_finding("LARGE", date(2023, 6, 1))] * 3
    )
    measures = measures_of(
        [
            make_tsm_row("SMALL", 2023, homes_owned=1000),
            make_tsm_row("LARGE", 2023, homes_owned=9000),
        ]
    )
    landlords = tsm.landlord_frame(decisions, measures, 2024)
    rankings = {r.name: r.score for r in tsm.HISTORY + tsm.RATES}
    scores = landlords.select(
        "authority_code", rankings["naive"], rankings["naive_per_1000"].alias("rate")
    )
    by_code = {row["authority_code"]: row for row in scores.to_dicts()}
    assert by_code["LARGE"]["naive"] > by_code["SMALL"]["naive"]
    assert by_code["SMALL"]["rate"] == pytest.approx(2.0)
    assert by_code["LARGE"]["rate"] == pytest.approx(3 / 9)


def test_tsm_predictors_join_the_findings_on_gss_codes():
    decisions = frame(
        [make_finding("E07000223", date(2024, 1, 5)), make_finding("E07000224", date(2024, 2, 5))]
    )
    measures = measures_of(
        [
            make_tsm_row("E07000223", 2023, stage1_complaints=80),
            make_tsm_row("E07000224", 2023, stage1_complaints=20),
            # A council with no findings before the year is not ranked.
            make_tsm_row("E07000225", 2023, stage1_complaints=500),
        ]
    )
    landlords = tsm.landlord_frame(decisions, measures, 2024)
    assert dict(
        zip(landlords["authority_code"], landlords["stage1_per_1000_homes"], strict=True)
    ) == {
        "E07000223": 80.0,
        "E07000224": 20.0,
    }


def test_a_landlord_without_a_tsm_row_is_left_out_of_every_ranking():
    decisions = frame(
        [
            make_finding("A", date(2023, 6, 1)),
            make_finding("B", date(2023, 6, 1)),
            make_finding("B", date(2024, 6, 1), "severe_maladministration"),
        ]
    )
    measures = measures_of([make_tsm_row("A", 2023)])
    evaluated = tsm.evaluate(decisions, measures, [2024], tsm.HISTORY + tsm.TSM)
    assert {(r.landlords, r.positives, r.unranked_positives) for r in evaluated.results} == {
        (1, 0, 1)
    }


@pytest.mark.parametrize(
    ("year", "rule", "expected"),
    [
        # TSM 2023-24 ends on 31 March 2024: it may inform 2024-25, never 2023-24 itself.
        (2023, "period_ended", None),
        (2024, "period_ended", 2023),
        (2025, "period_ended", 2024),
        # RSH published 2023-24 in November 2024 and 2024-25 in November 2025.
        (2024, "published", None),
        (2025, "published", 2023),
        (2026, "published", 2024),
    ],
)
def test_the_tsm_year_informing_an_outcome_year_ended_or_was_published_before_it_begins(
    year, rule, expected
):
    assert tsm.informing_year([2023, 2024, 2025], year, rule) == expected


@pytest.mark.parametrize("rule", ["period_ended", "published"])
@pytest.mark.parametrize("year", range(2020, 2030))
def test_no_tsm_year_informs_an_outcome_year_before_it_is_over(year, rule):
    informing = tsm.informing_year(range(2020, 2030), year, rule)
    if informing is not None:
        assert financial_year_bounds(informing)[1] < evaluation.year_start(year)


def test_tsm_figures_for_the_outcome_year_or_later_never_change_its_frame():
    decisions = frame(
        [
            make_finding("A", date(2024, 6, 1)),
            make_finding("B", date(2024, 9, 1), "severe_maladministration"),
        ]
    )
    earlier = [
        make_tsm_row("A", 2024, stage1_complaints=10),
        make_tsm_row("B", 2024, stage1_complaints=90),
    ]
    later = [
        make_tsm_row("A", 2025, stage1_complaints=900, homes_owned=50),
        make_tsm_row("B", 2025, stage1_complaints=1, homes_owned=50000),
        make_tsm_row("A", 2026, stage1_complaints=5),
    ]
    for rule in ("period_ended", "published"):
        alone = tsm.landlord_frame(decisions, measures_of(earlier), 2025, rule)
        assert alone.equals(tsm.landlord_frame(decisions, measures_of(earlier + later), 2025, rule))
    # Under the publication rule 2024-25's figures (published November 2025) miss 2025-26.
    published = tsm.landlord_frame(decisions, measures_of(earlier), 2025, "published")
    assert published["stage1_per_1000_homes"].null_count() == 2


def test_stock_before_the_first_tsm_year_is_the_first_tsm_years():
    assert tsm.size_year([2023, 2024], 2022) == 2023
    assert tsm.size_year([2023, 2024], 2023) == 2023
    assert tsm.size_year([2023, 2024], 2024) == 2023
    assert tsm.size_year([2023, 2024], 2025) == 2024


def test_a_missing_figure_takes_the_middle_rank():
    ranks = pl.DataFrame({"x": [3.0, None, 1.0, 2.0]}).select(tsm.percentile(pl.col("x")))
    assert ranks["x"].to_list() == pytest.approx([1.0, 0.5, 1 / 3, 2 / 3])


def test_the_findings_files_stock_size_column_is_never_read():
    # landlord_stock_size is filled for a few landlords, nearly all with a severe finding:
    # reading it would leak the outcome. The conversion drops it, and no evaluation code
    # names it as a column (the document's prose may mention it).
    findings = read_findings(SHIPPED)
    assert "landlord_stock_size" in findings.columns
    scrambled = findings.with_columns(pl.col("landlord_stock_size").shuffle(seed=1))
    assert "landlord_stock_size" not in convert(findings).decisions.columns
    assert convert(scrambled).decisions.equals(convert(findings).decisions)
    root = Path(__file__).resolve().parent.parent
    for source in (
        root / "src" / "scrutiny" / "warning" / "housing_evaluation.py",
        root / "src" / "scrutiny" / "warning" / "tsm_evaluation.py",
        root / "benchmarks" / "housing_evaluation.py",
    ):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        named = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        } | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not {name for name in named if "stock_size" in name and " " not in name}


def test_pooled_figures_come_with_intervals_around_them():
    decisions = frame(
        [make_finding(code, date(2023, 6, 1)) for code in "ABCDEFGH"]
        + [make_finding(code, date(2024, 6, 1), "severe_maladministration") for code in "ABC"]
    )
    measures = measures_of(
        [
            make_tsm_row(code, 2023, stage1_complaints=90 - 10 * n)
            for n, code in enumerate("ABCDEFGH")
        ]
    )
    evaluated = tsm.evaluate(decisions, measures, [2024], tsm.HISTORY + tsm.TSM)
    summary = {p.ranking: p for p in tsm.summarise(evaluated, draws=200)}
    assert summary["stage1_rate"].auc.estimate == 1.0
    assert summary["naive"].auc.estimate == 0.5  # every landlord had one finding
    for pooled in summary.values():
        for interval in (pooled.auc, pooled.precision_10, *pooled.differences.values()):
            assert interval.low <= interval.estimate <= interval.high
    assert set(summary["naive"].differences) == {"volume", "homes_owned"}


@pytest.mark.slow
def test_the_shipped_tsm_workbooks_give_almost_every_ranked_council_a_size(real):
    settings = Settings()
    limits = Limits(
        settings.max_rows,
        settings.max_file_bytes,
        settings.reader_memory_bytes,
        settings.reader_seconds,
    )
    rows = [read_tsm(path, limits).rows for path in shipped_workbooks()]
    measures = tsm.council_measures(pl.concat(rows, how="diagonal_relaxed"))
    assert measures.select("tsm_year", "authority_code").is_duplicated().sum() == 0
    assert set(measures["tsm_year"]) == {2023, 2024}
    decisions = real.with_columns(pl.col("decision_date").str.to_date())
    for year in (2024, 2025):
        history = evaluation.early_warning_scores(decisions, year)
        ranked = tsm.landlord_frame(decisions, measures, year)
        assert ranked.height >= history.height - 2
        assert ranked["tsm_year"].to_list() == [year - 1] * ranked.height
        assert ranked["stage1_per_1000_homes"].null_count() <= 2
    evaluated = tsm.evaluate(decisions, measures, [2024, 2025], tsm.HISTORY + tsm.TSM)
    for pooled in tsm.summarise(evaluated, draws=100):
        assert 0.0 <= pooled.auc.low <= pooled.auc.estimate <= pooled.auc.high <= 1.0
