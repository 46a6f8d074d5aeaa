"""What the Regulator of Social Housing's Tenant Satisfaction Measures (TSM) add to early
warning on real Housing Ombudsman findings.

The landlords, years and outcome are those of scrutiny.warning.housing_evaluation: council
landlords with a finding before financial year Y begins, and whether each gets at least
one severe maladministration finding during Y. Two things are added.

- **Size.** Bigger landlords get more findings of every kind. The rate rankings divide
  last year's findings by the homes the council owns (TSM, rented homes, the LCRA basis),
  per 1,000 homes, and homes owned alone is a reference ranking: a ranking that does no
  better than it knows nothing beyond size.
- **TSM predictors**, from a council's own TSM figures for an earlier year: the shares of
  stage 1 and stage 2 complaints answered outside the Code's timescales, stage 1 and
  stage 2 complaints per 1,000 homes, the number of stage 2 complaints, and the share of
  tenants not satisfied with complaint handling. Each is read as "higher means a severe
  finding is more likely", declared before any outcome was looked at. Three combinations
  are declared the same way and nothing is fitted: the TSM composite (the mean of the
  five rates' and shares' percentile ranks), and that composite averaged with the
  percentile rank of homes owned, or of the naive count.

Which TSM year may inform outcome year Y is a rule (`TsmRule`):

- `period_ended`: the latest TSM year that ended before Y begins (2023-24 for 2024-25). A
  council holds its own figures when the year ends; RSH publishes everyone's later.
- `published`: the latest TSM year RSH had published before Y begins. RSH publishes in
  the November after the year ends (taken as 30 November), so 2023-24's figures inform
  2025-26 and no TSM year informs 2024-25.

Size, for the rates and for homes owned alone, comes from the latest TSM year that ended
before Y begins, or for the years before TSM began from the earliest TSM year (2023-24's
stock for 2022-23 and 2023-24): a council's stock changes little from year to year, and
it is not an outcome. Landlords without a TSM row (fewer than 1,000 homes, or not matched)
are left out, so every ranking in a year is scored on the same landlords.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from scrutiny.core.periods import financial_year_bounds
from scrutiny.returns.tsm import COUNTS
from scrutiny.warning.housing_evaluation import (
    SERIOUS,
    Sample,
    YearResult,
    bootstrap_pooled_auc,
    early_warning_scores,
    last_year_count,
    pooled_auc,
    score_ranking,
    severe_in_year,
    wilson_interval,
    year_start,
)

TsmRule = Literal["period_ended", "published"]
TENURE = "lcra"  # rented homes: the basis councils' complaints and satisfaction are on
# RSH publishes a year's TSM in the November after it ends; the month's last day is used.
PUBLICATION_MONTH, PUBLICATION_DAY = 11, 30
# The counts the TSM reader declares, and tenants' satisfaction with complaint handling.
NUMBERS = (*COUNTS.values(), "complaint_handling_satisfaction_pct")
PREDICTORS = (
    "stage1_late_share",
    "stage2_late_share",
    "stage1_per_1000_homes",
    "stage2_per_1000_homes",
    "stage2_complaints",
    "dissatisfied_pct",
)
# The rates and shares the TSM composite averages (not the stage 2 count, which is size).
COMPOSITE = (
    "stage1_late_share",
    "stage2_late_share",
    "stage1_per_1000_homes",
    "stage2_per_1000_homes",
    "dissatisfied_pct",
)


def council_measures(rows: pl.DataFrame) -> pl.DataFrame:
    """Council landlords' TSM figures for rented homes, typed, one row per GSS code and
    TSM year (the year it begins), with the predictors worked out from the counts."""
    councils = rows.filter(
        (pl.col("landlord_type") == "council")
        & (pl.col("tenure_basis") == TENURE)
        & pl.col("authority_code").is_not_null()
    )
    typed = councils.select(
        pl.col("period_start").cast(pl.String).str.slice(0, 4).cast(pl.Int32).alias("tsm_year"),
        pl.col("authority_code"),
        *(pl.col(name).cast(pl.Float64, strict=False) for name in NUMBERS),
    ).with_columns(
        pl.when(pl.col("homes_owned") > 0).then(pl.col("homes_owned")).alias("homes_owned")
    )
    return typed.select(
        "tsm_year",
        "authority_code",
        "homes_owned",
        _late_share("stage1"),
        _late_share("stage2"),
        _per_1000_homes("stage1_complaints").alias("stage1_per_1000_homes"),
        _per_1000_homes("stage2_complaints").alias("stage2_per_1000_homes"),
        "stage2_complaints",
        (100 - pl.col("complaint_handling_satisfaction_pct")).alias("dissatisfied_pct"),
    )


def published(tsm_year: int) -> date:
    """When RSH published (or will publish) the TSM year beginning in `tsm_year`."""
    return date(tsm_year + 1, PUBLICATION_MONTH, PUBLICATION_DAY)


def informing_year(tsm_years: Iterable[int], year: int, rule: TsmRule) -> int | None:
    """The TSM year whose figures may inform outcome year `year` under `rule`, if any."""
    start = year_start(year)
    if rule == "published":
        usable = [t for t in tsm_years if published(t) < start]
    else:
        usable = [t for t in tsm_years if financial_year_bounds(t)[1] < start]
    return max(usable, default=None)


def size_year(tsm_years: Iterable[int], year: int) -> int:
    """The TSM year whose homes owned give the size for outcome year `year`."""
    years = list(tsm_years)
    nearest = informing_year(years, year, "period_ended")
    return min(years) if nearest is None else nearest


@dataclass(frozen=True)
class Ranking:
    """A ranking of the landlords in a year's frame: higher means a severe finding is
    more likely."""

    name: str
    label: str
    score: pl.Expr


def _per_1000_homes(column: str) -> pl.Expr:
    return pl.col(column) / pl.col("homes_owned") * 1000


def _late_share(stage: str) -> pl.Expr:
    answered = pl.col(f"{stage}_timescale_denominator")
    late = 1 - pl.col(f"{stage}_within_timescale") / answered
    return pl.when(answered > 0).then(late).alias(f"{stage}_late_share")


def percentile(score: pl.Expr) -> pl.Expr:
    """The score's rank among the year's landlords, 0 to 1; a missing score sits at 0.5."""
    return (score.rank("average") / score.count()).fill_null(0.5)


_TSM_COMPOSITE = pl.mean_horizontal(*(percentile(pl.col(name)) for name in COMPOSITE))

HISTORY = (
    Ranking("early_warning", "scrutiny early warning", pl.col("early_warning")),
    Ranking("naive", "naive (last year's maladministration)", pl.col("naive")),
    Ranking("volume", "reference: volume alone", pl.col("volume")),
    Ranking("homes_owned", "reference: homes owned alone", pl.col("homes_owned")),
)
RATES = (
    Ranking(
        "early_warning_per_1000",
        "early warning per 1,000 homes",
        _per_1000_homes("early_warning"),
    ),
    Ranking("naive_per_1000", "naive per 1,000 homes", _per_1000_homes("naive")),
    Ranking(
        "severe_per_1000",
        "last year's severe findings per 1,000 homes",
        _per_1000_homes("severe_last_year"),
    ),
)
TSM = (
    Ranking("stage1_late", "TSM: stage 1 answered late", pl.col("stage1_late_share")),
    Ranking("stage2_late", "TSM: stage 2 answered late", pl.col("stage2_late_share")),
    Ranking("stage1_rate", "TSM: stage 1 per 1,000 homes", pl.col("stage1_per_1000_homes")),
    Ranking("stage2_rate", "TSM: stage 2 per 1,000 homes", pl.col("stage2_per_1000_homes")),
    Ranking("stage2_count", "TSM: stage 2 complaints", pl.col("stage2_complaints")),
    Ranking(
        "dissatisfied", "TSM: not satisfied with complaint handling", pl.col("dissatisfied_pct")
    ),
    Ranking("tsm_composite", "TSM composite (rank average)", _TSM_COMPOSITE),
    Ranking(
        "homes_and_tsm",
        "homes owned and TSM composite",
        (percentile(pl.col("homes_owned")) + _TSM_COMPOSITE) / 2,
    ),
    Ranking(
        "naive_and_tsm",
        "naive and TSM composite",
        (percentile(pl.col("naive")) + _TSM_COMPOSITE) / 2,
    ),
)


def landlord_frame(
    decisions: pl.DataFrame, measures: pl.DataFrame, year: int, rule: TsmRule = "period_ended"
) -> pl.DataFrame:
    """One row per landlord ranked for outcome year `year`: its findings history, its
    size, the TSM figures that may inform `year` under `rule` (blank if none may) and
    the outcome."""
    history = early_warning_scores(decisions, year).rename({"score": "early_warning"})
    counts = {"naive": SERIOUS, "volume": None, "severe_last_year": ("severe_maladministration",)}
    for name, findings in counts.items():
        count = last_year_count(decisions, year, findings).rename({"score": name})
        history = history.join(count, on="authority_code")
    tsm_years = measures.get_column("tsm_year").unique().to_list()
    size = measures.filter(
        (pl.col("tsm_year") == size_year(tsm_years, year)) & pl.col("homes_owned").is_not_null()
    ).select("authority_code", "homes_owned")
    informing = informing_year(tsm_years, year, rule)
    predictors = measures.filter(pl.col("tsm_year") == (-1 if informing is None else informing))
    severe = list(severe_in_year(decisions, year))
    return (
        history.join(size, on="authority_code")
        .join(predictors.select("authority_code", *PREDICTORS), on="authority_code", how="left")
        .with_columns(
            pl.lit(informing, pl.Int32).alias("tsm_year"),
            pl.col("authority_code").is_in(severe).alias("outcome"),
        )
        .sort("authority_code")
    )


@dataclass
class Evaluation:
    """Every ranking's results year by year, and the scores behind them for a bootstrap."""

    results: list[YearResult]
    samples: list[Sample]
    rankings: tuple[Ranking, ...]


def evaluate(
    decisions: pl.DataFrame,
    measures: pl.DataFrame,
    years: list[int],
    rankings: tuple[Ranking, ...],
    rule: TsmRule = "period_ended",
) -> Evaluation:
    """Score each ranking in each year on the same landlords (those with a size)."""
    results, samples = [], []
    for year in years:
        frame = landlord_frame(decisions, measures, year, rule)
        codes = set(frame.get_column("authority_code").to_list())
        unranked = len(severe_in_year(decisions, year) - codes)
        scored = frame.select(*(percentile(r.score).alias(r.name) for r in rankings))
        outcomes = frame.get_column("outcome").to_numpy()
        scores = {r.name: scored.get_column(r.name).to_numpy() for r in rankings}
        results += [
            score_ranking(year, name, values, outcomes, unranked) for name, values in scores.items()
        ]
        samples.append((scores, outcomes))
    return Evaluation(results, samples, rankings)


def tsm_years_used(measures: pl.DataFrame, years: list[int], rule: TsmRule) -> dict[int, int]:
    """Outcome year -> the TSM year informing it under `rule`, for the years one does."""
    tsm_years = measures.get_column("tsm_year").unique().to_list()
    chosen = {year: informing_year(tsm_years, year, rule) for year in years}
    return {year: tsm for year, tsm in chosen.items() if tsm is not None}


@dataclass(frozen=True)
class Interval:
    """An estimate and its 95% interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Pooled:
    """One ranking over all the years evaluated, with intervals: precision by Wilson's
    method over the places, AUC and its differences from the baselines by a paired
    bootstrap of landlords within each year."""

    ranking: str
    landlords: int
    positives: int
    precision_10: Interval
    precision_20: Interval
    auc: Interval
    differences: dict[str, Interval]  # this ranking's AUC minus each baseline's


def summarise(
    evaluation: Evaluation,
    baselines: tuple[str, ...] = ("naive", "volume", "homes_owned"),
    draws: int = 2000,
    seed: int = 2026,
) -> list[Pooled]:
    """Each ranking pooled over the years, with intervals and its AUC against the baselines."""
    estimates = pooled_auc(evaluation.samples)
    drawn = bootstrap_pooled_auc(evaluation.samples, draws, seed)
    summary = []
    for ranking in evaluation.rankings:
        rows = [r for r in evaluation.results if r.ranking == ranking.name]
        precision = {}
        for k in (10, 20):
            places = sum(min(k, r.landlords) for r in rows)
            hits = sum(getattr(r, f"precision_{k}") * min(k, r.landlords) for r in rows)
            precision[k] = Interval(hits / places, *wilson_interval(hits, places))
        differences = {
            baseline: _bootstrapped(
                estimates[ranking.name] - estimates[baseline],
                drawn[ranking.name] - drawn[baseline],
            )
            for baseline in baselines
            if baseline != ranking.name
        }
        summary.append(
            Pooled(
                ranking=ranking.name,
                landlords=sum(r.landlords for r in rows),
                positives=sum(r.positives for r in rows),
                precision_10=precision[10],
                precision_20=precision[20],
                auc=_bootstrapped(estimates[ranking.name], drawn[ranking.name]),
                differences=differences,
            )
        )
    return summary


def _bootstrapped(estimate: float, draws: np.ndarray) -> Interval:
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return Interval(estimate, float(low), float(high))
