"""Estimates: difference-in-differences and event studies, fitted with pyfixest.

- `stacked`: the stacked design (scrutiny.research.impact.design), value on treated x post with
  fixed effects for each council and each period within each stack. It compares each
  treated council only with clean comparisons over its own window, so it stays unbiased
  when compliance comes at different times and its effect differs between councils or
  grows over time. This is the headline estimate.
- `twfe`: the classic two-way fixed effects regression on the ordinary panel, council and
  period fixed effects, treated from the first compliance on. Biased when timing is
  staggered and effects change over time (later-treated councils are compared with
  already-treated ones); shown beside the stacked estimate as a check.

Standard errors are clustered by council (a council can be a comparison in several
stacks), and intervals use the t distribution with clusters - 1 degrees of freedom, as
pyfixest does. The event study's reference period is event time -1; the pre-trend check
is a joint Wald test that every earlier coefficient is zero.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

REFERENCE = -1
EVENT_SCHEMA = {
    "estimator": pl.String,
    "event_time": pl.Int64,
    "estimate": pl.Float64,
    "std_error": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


@dataclass(frozen=True)
class Estimate:
    """One difference-in-differences estimate with its 95% interval."""

    estimator: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    observations: int
    clusters: int


@dataclass(frozen=True)
class PreTrend:
    """The joint test that every pre-period event-study coefficient is zero."""

    statistic: float  # F = Wald / number of coefficients
    df_num: int
    df_den: int
    p_value: float


def _feols(formula: str, data: pl.DataFrame) -> Any:
    """pyfixest's OLS with errors clustered on the column `cluster`.

    A council seen in one period only is a singleton fixed effect; pyfixest drops it
    (correctly) and warns, which says nothing a reader needs.
    """
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*singleton fixed effect")
        # pyfixest 0.60 on pandas 3.1 uses inplace=, which pandas now warns about.
        warnings.filterwarnings("ignore", message=".*inplace keyword")
        return pf.feols(formula, data=data.to_pandas(), vcov={"CRV1": "cluster"})


def _ids(*columns: str) -> pl.Expr:
    """One integer id per distinct combination of COLUMNS."""
    key = pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator="|")
    return key.rank("dense").cast(pl.Int64)


def _estimate(fit: Any, term: str, estimator: str, clusters: int) -> Estimate:
    tidy = fit.tidy()
    row = tidy.loc[term]
    return Estimate(
        estimator=estimator,
        estimate=float(row["Estimate"]),
        std_error=float(row["Std. Error"]),
        ci_low=float(row["2.5%"]),
        ci_high=float(row["97.5%"]),
        p_value=float(row["Pr(>|t|)"]),
        observations=int(fit._N),
        clusters=clusters,
    )


def stacked(stacks: pl.DataFrame) -> Estimate:
    """The stacked difference-in-differences estimate of the effect after compliance."""
    data = _stack_ids(stacks).with_columns((pl.col("treated") * pl.col("post")).alias("effect"))
    fit = _feols("value ~ effect | unit + time", data)
    return _estimate(fit, "effect", "stacked", data.get_column("cluster").n_unique())


def stacked_event_study(stacks: pl.DataFrame) -> tuple[pl.DataFrame, PreTrend | None]:
    """Event-study coefficients from the stacked data, and the pre-trend test."""
    data = _stack_ids(stacks)
    fit = _feols(f"value ~ i(event_time, treated, ref={REFERENCE}) | unit + time", data)
    return _coefficients(fit, "stacked"), _pre_trend(fit, data.get_column("cluster").n_unique())


def twfe(pooled: pl.DataFrame) -> Estimate:
    """The two-way fixed effects estimate on the ordinary staggered panel."""
    data = _panel_ids(pooled)
    fit = _feols("value ~ treated_post | unit + time", data)
    return _estimate(fit, "treated_post", "twfe", data.get_column("cluster").n_unique())


def twfe_event_study(pooled: pl.DataFrame) -> tuple[pl.DataFrame, PreTrend | None]:
    """Two-way fixed effects event study (ends binned; never-treated in the reference)."""
    data = _panel_ids(pooled).with_columns(pl.col("event_time").fill_null(REFERENCE))
    fit = _feols(f"value ~ i(event_time, ref={REFERENCE}) | unit + time", data)
    return _coefficients(fit, "twfe"), _pre_trend(fit, data.get_column("cluster").n_unique())


def _stack_ids(stacks: pl.DataFrame) -> pl.DataFrame:
    return stacks.with_columns(
        _ids("stack", "authority_code").alias("unit"),
        _ids("stack", "period").alias("time"),
        _ids("authority_code").alias("cluster"),
    )


def _panel_ids(pooled: pl.DataFrame) -> pl.DataFrame:
    return pooled.with_columns(
        _ids("authority_code").alias("unit"),
        pl.col("period").alias("time"),
        _ids("authority_code").alias("cluster"),
    )


def _event_times(fit: Any) -> list[tuple[str, int]]:
    """(coefficient name, event time) for each event-study term, as pyfixest names them."""
    found = []
    for name in fit._coefnames:
        text = str(name)
        if text.startswith("event_time::"):
            found.append((text, int(text.split("::")[1].split(":")[0])))
    return found


def _coefficients(fit: Any, estimator: str) -> pl.DataFrame:
    """The event-study coefficients as rows, with the reference period at zero."""
    tidy = fit.tidy()
    rows = [
        (
            estimator,
            time,
            float(tidy.loc[name, "Estimate"]),
            float(tidy.loc[name, "Std. Error"]),
            float(tidy.loc[name, "2.5%"]),
            float(tidy.loc[name, "97.5%"]),
        )
        for name, time in _event_times(fit)
    ]
    rows.append((estimator, REFERENCE, 0.0, 0.0, 0.0, 0.0))
    return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row").sort("event_time")


def _pre_trend(fit: Any, clusters: int) -> PreTrend | None:
    """F test that the coefficients before the reference period are all zero."""
    from scipy import stats

    names = list(map(str, fit._coefnames))
    chosen = [names.index(name) for name, time in _event_times(fit) if time < REFERENCE]
    if not chosen or clusters < 2:
        return None
    beta = np.asarray(fit._beta_hat)[chosen]
    vcov = np.asarray(fit._vcov)[np.ix_(chosen, chosen)]
    wald = float(beta @ np.linalg.pinv(vcov) @ beta)
    df_num, df_den = len(chosen), clusters - 1
    statistic = wald / df_num
    return PreTrend(statistic, df_num, df_den, float(stats.f.sf(statistic, df_num, df_den)))
