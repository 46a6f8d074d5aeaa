"""Early warning tested on real Housing Ombudsman findings, one financial year at a time.

For each financial year Y (1 April to 31 March), council landlords are ranked using only
the findings dated before Y begins, and the ranking is scored on whether it picks out
the landlords that then receive at least one severe maladministration finding during Y.
Nothing about Y, or any later year, is used to build the ranking.

Two rankings are compared (with volume alone, the previous year's number of findings
of any kind, as a reference):

- **scrutiny's early-warning score**, fixed before any outcome was looked at and the
  same in every year. Over the 24 months before Y begins, each finding earns points:

      points = 3 severe maladministration, 2 maladministration, 1 service failure,
               0 reasonable redress, no maladministration or outside jurisdiction,
               plus 1 if it is a complaint-handling fault

  and counts in full if dated in the 12 months before Y, half if 12 to 24 months before.
  The score is the sum: the volume of findings times their average seriousness, with
  the latest year counting double.
- **the naive ranking**: the number of maladministration and severe maladministration
  findings in the previous financial year.

Landlords are the authorities with at least one finding before Y begins; one whose
recent findings are all older than the window scores 0. A landlord whose first finding
comes during Y cannot be ranked: it is left out, and counted as an unranked positive if
that first year brings a severe finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from scipy.stats import rankdata

from scrutiny.core.periods import financial_year_bounds, financial_year_label

POINTS = {"severe_maladministration": 3.0, "maladministration": 2.0, "service_failure": 1.0}
COMPLAINT_HANDLING_POINTS = 1.0
# Weight of a finding dated 12 to 24 months before the year; the last 12 months weigh 1.
OLDER_YEAR_WEIGHT = 0.5
SERIOUS = ("maladministration", "severe_maladministration")
FIRST_YEAR = 2022


def year_start(year: int) -> date:
    """1 April of the financial year that begins in `year`."""
    return financial_year_bounds(year)[0]


def complete_years(decisions: pl.DataFrame, first: int = FIRST_YEAR) -> list[int]:
    """Financial years from `first` whose 31 March falls on or before the last decision."""
    last = _dated(decisions).get_column("decision_date").max()
    assert isinstance(last, date)
    return [year for year in range(first, last.year + 1) if financial_year_bounds(year)[1] <= last]


def early_warning_scores(decisions: pl.DataFrame, year: int) -> pl.DataFrame:
    """authority_code and score for every landlord with a finding before `year` begins."""
    start = year_start(year)
    before = _before(decisions, start)
    one_year_ago = year_start(year - 1)
    window = before.filter(pl.col("decision_date") >= year_start(year - 2))
    weight = pl.when(pl.col("decision_date") >= one_year_ago).then(1.0).otherwise(OLDER_YEAR_WEIGHT)
    handling = pl.col("complaint_handling_fault").fill_null(False).cast(pl.Float64)
    points = (
        pl.col("housing_ombudsman_finding").replace_strict(POINTS, default=0.0)
        + handling * COMPLAINT_HANDLING_POINTS
    )
    scored = window.group_by("authority_code").agg((weight * points).sum().alias("score"))
    return _every_landlord(before, scored)


def last_year_count(
    decisions: pl.DataFrame, year: int, findings: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """authority_code and score: findings of the kinds given (default: any) in the year
    before `year`, for every landlord with a finding before `year` begins."""
    before = _before(decisions, year_start(year))
    recent = before.filter(pl.col("decision_date") >= year_start(year - 1))
    if findings is not None:
        recent = recent.filter(pl.col("housing_ombudsman_finding").is_in(findings))
    scored = recent.group_by("authority_code").agg(pl.len().cast(pl.Float64).alias("score"))
    return _every_landlord(before, scored)


def naive_scores(decisions: pl.DataFrame, year: int) -> pl.DataFrame:
    """authority_code and score: maladministration findings in the previous financial year."""
    return last_year_count(decisions, year, SERIOUS)


def volume_scores(decisions: pl.DataFrame, year: int) -> pl.DataFrame:
    """authority_code and score: findings of any kind in the previous financial year."""
    return last_year_count(decisions, year)


# The two rankings compared, and volume alone as a reference: how much is just size.
RANKINGS = {"early_warning": early_warning_scores, "naive": naive_scores, "volume": volume_scores}


def severe_in_year(decisions: pl.DataFrame, year: int) -> set[str]:
    """Authorities with at least one severe maladministration finding during the year."""
    during = _dated(decisions).filter(
        pl.col("decision_date").is_between(year_start(year), year_start(year + 1), closed="left")
        & (pl.col("housing_ombudsman_finding") == "severe_maladministration")
    )
    return set(during.get_column("authority_code").to_list())


def precision_at(scores: np.ndarray, outcomes: np.ndarray, k: int) -> float:
    """Share of positives among the k highest scores; ties at the cut share the places."""
    k = min(k, len(scores))
    if k == 0:
        return math.nan
    cut = np.sort(scores)[::-1][k - 1]
    above, tied = scores > cut, scores == cut
    places = k - int(above.sum())
    # Expected precision when the tied landlords are ordered at random.
    hits = outcomes[above].sum() + places * outcomes[tied].mean()
    return float(hits / k)


def auc(scores: np.ndarray, outcomes: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula, ties averaged; NaN without both."""
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(scores)
    return float(
        (ranks[outcomes].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def auc_standard_error(area: float, positives: int, negatives: int) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC."""
    if math.isnan(area) or positives == 0 or negatives == 0:
        return math.nan
    q1, q2 = area / (2 - area), 2 * area**2 / (1 + area)
    variance = (
        area * (1 - area) + (positives - 1) * (q1 - area**2) + (negatives - 1) * (q2 - area**2)
    ) / (positives * negatives)
    return math.sqrt(variance)


@dataclass(frozen=True)
class YearResult:
    """How one ranking did in one financial year."""

    year: int
    ranking: str
    landlords: int
    positives: int
    unranked_positives: int  # severe findings in Y for landlords with none before Y
    precision_10: float
    precision_20: float
    auc: float
    auc_se: float

    @property
    def base_rate(self) -> float:
        return self.positives / self.landlords if self.landlords else math.nan

    @property
    def label(self) -> str:
        return financial_year_label(self.year)


def score_ranking(
    year: int, ranking: str, scores: np.ndarray, outcomes: np.ndarray, unranked: int
) -> YearResult:
    """How one ranking's scores did against the outcomes of one year."""
    area = auc(scores, outcomes)
    positives = int(outcomes.sum())
    return YearResult(
        year=year,
        ranking=ranking,
        landlords=len(scores),
        positives=positives,
        unranked_positives=unranked,
        precision_10=precision_at(scores, outcomes, 10),
        precision_20=precision_at(scores, outcomes, 20),
        auc=area,
        auc_se=auc_standard_error(area, positives, len(scores) - positives),
    )


def evaluate_year(decisions: pl.DataFrame, year: int) -> list[YearResult]:
    """Each ranking scored against the severe findings of one financial year."""
    severe = severe_in_year(decisions, year)
    results = []
    for ranking, score in RANKINGS.items():
        table = score(decisions, year)
        codes = table.get_column("authority_code")
        outcomes = codes.is_in(list(severe)).to_numpy()
        unranked = len(severe - set(codes.to_list()))
        scores = table.get_column("score").to_numpy()
        results.append(score_ranking(year, ranking, scores, outcomes, unranked))
    return results


def evaluate(decisions: pl.DataFrame, years: list[int] | None = None) -> list[YearResult]:
    """Each ranking in every complete financial year from 2022-23 (or the years given)."""
    chosen = complete_years(decisions) if years is None else years
    return [result for year in chosen for result in evaluate_year(decisions, year)]


def pooled(results: list[YearResult], ranking: str) -> dict[str, float]:
    """One ranking over all years: hits over places, and AUC over within-year pairs.

    Scores are not comparable across years (the archive grows), so the pooled AUC is the
    share of (positive, negative) pairs from the same year ranked the right way round:
    each year's AUC weighted by its number of pairs.
    """
    rows = [r for r in results if r.ranking == ranking]
    places10 = sum(min(10, r.landlords) for r in rows)
    places20 = sum(min(20, r.landlords) for r in rows)
    weighted = [(r.auc, r.positives * (r.landlords - r.positives)) for r in rows]
    weighted = [(a, n) for a, n in weighted if not math.isnan(a)]
    pairs = sum(n for _, n in weighted)
    return {
        "landlords": sum(r.landlords for r in rows),
        "positives": sum(r.positives for r in rows),
        "precision_10": sum(r.precision_10 * min(10, r.landlords) for r in rows) / places10,
        "precision_20": sum(r.precision_20 * min(20, r.landlords) for r in rows) / places20,
        "auc": sum(a * n for a, n in weighted) / pairs if pairs else math.nan,
    }


def auc_difference(
    decisions: pl.DataFrame,
    years: list[int],
    first: str = "early_warning",
    second: str = "naive",
    draws: int = 2000,
    seed: int = 2026,
) -> tuple[float, float, float]:
    """Pooled AUC of `first` minus `second`, with a 95% paired bootstrap interval.

    Landlords are resampled within each year, and both rankings are scored on the same
    resample, so the interval reflects how correlated the two rankings are.
    """
    samples: list[Sample] = []
    for year in years:
        severe = list(severe_in_year(decisions, year))
        a, b = RANKINGS[first](decisions, year), RANKINGS[second](decisions, year)
        outcomes = a.get_column("authority_code").is_in(severe).to_numpy()
        samples.append(
            (
                {first: a.get_column("score").to_numpy(), second: b.get_column("score").to_numpy()},
                outcomes,
            )
        )
    estimate = pooled_auc(samples)
    resampled = bootstrap_pooled_auc(samples, draws, seed)
    low, high = np.nanpercentile(resampled[first] - resampled[second], [2.5, 97.5])
    return estimate[first] - estimate[second], float(low), float(high)


# One year's evidence for a bootstrap: each ranking's scores and the outcomes, all in the
# same landlord order.
Sample = tuple[dict[str, np.ndarray], np.ndarray]


def auc_rows(scores: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """The AUC of each row of a 2-D array of scores against the same row of outcomes."""
    ranks = rankdata(scores, axis=1)
    positives = outcomes.sum(axis=1)
    negatives = outcomes.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(
            ((ranks * outcomes).sum(axis=1) - positives * (positives + 1) / 2)
            / (positives * negatives),
            dtype=float,
        )


def pooled_auc(samples: list[Sample]) -> dict[str, float]:
    """Each ranking's AUC over same-year (positive, negative) pairs, over all the years."""
    drawn = [
        ({name: s[np.newaxis, :] for name, s in scores.items()}, outcomes[np.newaxis, :])
        for scores, outcomes in samples
    ]
    return {name: float(values[0]) for name, values in _pooled_rows(drawn).items()}


def bootstrap_pooled_auc(samples: list[Sample], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Each ranking's pooled AUC in each of `draws` resamples of the landlords.

    Landlords are resampled with replacement within each year, and every ranking is
    scored on the same resamples, so differences between rankings are paired.
    """
    rng = np.random.default_rng(seed)
    drawn = []
    for scores, outcomes in samples:
        pick = rng.integers(0, len(outcomes), (draws, len(outcomes)))
        drawn.append(({name: s[pick] for name, s in scores.items()}, outcomes[pick]))
    return _pooled_rows(drawn)


def _pooled_rows(drawn: list[Sample]) -> dict[str, np.ndarray]:
    """Row by row, each ranking's AUCs weighted by the year's (positive, negative) pairs."""
    names = list(drawn[0][0])
    rows = drawn[0][1].shape[0]
    totals = {name: np.zeros(rows) for name in names}
    pairs = np.zeros(rows)
    for scores, outcomes in drawn:
        weight = outcomes.sum(axis=1) * (~outcomes).sum(axis=1)
        pairs += weight
        for name in names:
            area = auc_rows(scores[name], outcomes)
            totals[name] += np.where(weight > 0, area, 0.0) * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return {name: total / pairs for name, total in totals.items()}


def wilson_interval(hits: float, places: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95% interval for a share of `hits` out of `places` (hits may be fractional)."""
    if places == 0:
        return math.nan, math.nan
    share = hits / places
    centre = (share + z**2 / (2 * places)) / (1 + z**2 / places)
    half = (
        z / (1 + z**2 / places) * math.sqrt(share * (1 - share) / places + z**2 / (4 * places**2))
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def _dated(decisions: pl.DataFrame) -> pl.DataFrame:
    """The decisions with typed dates and flags (a standard CSV read as text has neither)."""
    typed = decisions
    if typed.schema["decision_date"] == pl.String:
        typed = typed.with_columns(pl.col("decision_date").str.to_date())
    if typed.schema["complaint_handling_fault"] == pl.String:
        flag = pl.col("complaint_handling_fault").str.to_lowercase()
        typed = typed.with_columns(
            flag.is_in(["true", "1", "yes"]).alias("complaint_handling_fault")
        )
    return typed


def _before(decisions: pl.DataFrame, start: date) -> pl.DataFrame:
    """Only the findings dated strictly before `start`: the one guard against look-ahead."""
    return _dated(decisions).filter(pl.col("decision_date") < start)


def _every_landlord(before: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """Every authority with a finding in `before`, with its score or 0, in code order."""
    landlords = before.select("authority_code").unique()
    return (
        landlords.join(scored, on="authority_code", how="left")
        .with_columns(pl.col("score").fill_null(0.0))
        .sort("authority_code")
    )
