"""A study's results as JSON, CSV or a standalone HTML page, each with its provenance."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

import polars as pl

from scrutiny.research.impact.estimate import Estimate
from scrutiny.research.impact.study import ImpactStudy


def signed(value: float, places: int = 2) -> str:
    """A difference with its sign: +1.23, −0.45 (a true minus sign)."""
    text = f"{value:+,.{places}f}"
    return text.replace("-", "−")


def in_words(study: ImpactStudy) -> str:
    """The headline estimate in one plain sentence, with its interval and what it means."""
    est = study.stacked
    unit = study.measure.unit
    points = " percentage points" if unit == "percent" else f" {unit}"
    contains_zero = est.ci_low <= 0 <= est.ci_high
    meaning = (
        "The interval includes zero, so the data are consistent with compliance making no "
        "difference."
        if contains_zero
        else "The interval leaves out zero: a difference this large would be unusual by "
        "chance alone, though it need not be caused by compliance (see the caveats)."
    )
    period = "quarters" if study.measure.grain == "quarter" else "years"
    return (
        f"In the {study.post + 1} {period} from compliance, "
        f"{_lower_first(study.measure.label)} ({study.area.label}) "
        f"changed by {signed(est.estimate)}{points} compared with similar councils without "
        f"such a recommendation (95% interval {signed(est.ci_low)} to "
        f"{signed(est.ci_high)}). {meaning}"
    )


def _estimate(est: Estimate) -> dict[str, Any]:
    return asdict(est)


def to_json(study: ImpactStudy) -> dict[str, Any]:
    """Everything about the study as one JSON-ready object."""
    return {
        "service_area": study.area.name,
        "outcome": study.measure.name,
        "outcome_label": study.measure.label,
        "unit": study.measure.unit,
        "grain": study.measure.grain,
        "window": {"before": study.pre, "after": study.post},
        "comparisons_per_council": study.k,
        "summary": in_words(study),
        "estimate": _estimate(study.stacked),
        "twfe": _estimate(study.twfe),
        "pre_trend": None if study.pre_trend is None else asdict(study.pre_trend),
        "event_study": study.event_study.to_dicts(),
        "treated": study.treated.with_columns(pl.col("compliance_date").cast(pl.String)).to_dicts(),
        "comparisons": study.comparisons.to_dicts(),
        "councils_complied": study.first_compliances,
        "caveats": study.notes,
        "as_of": study.as_of.isoformat(),
        "data_sha256": study.data_sha256,
        "code_version": study.version,
        "reproduce": (
            f"scrutiny impact --service-area {study.area.name} --outcome {study.measure.name}"
            f" --before {study.pre} --after {study.post} --comparisons {study.k}"
            f" --today {study.as_of.isoformat()} --data analysis.csv"
        ),
    }


def to_csv(study: ImpactStudy) -> str:
    """The estimates and event-study coefficients as CSV rows, each with the provenance."""
    estimates = pl.DataFrame(
        [{**_estimate(e), "event_time": None} for e in (study.stacked, study.twfe)]
    ).select(
        pl.lit("estimate").alias("row"),
        "estimator",
        pl.col("event_time").cast(pl.Int64),
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
    )
    coefficients = study.event_study.select(
        pl.lit("event_study").alias("row"),
        "estimator",
        "event_time",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        pl.lit(None, pl.Float64).alias("p_value"),
    )
    return (
        pl.concat([estimates, coefficients])
        .with_columns(
            pl.lit(study.area.name).alias("service_area"),
            pl.lit(study.measure.name).alias("outcome"),
            pl.lit(study.data_sha256).alias("data_sha256"),
            pl.lit(study.version.get("scrutiny")).alias("scrutiny_version"),
            pl.lit(study.version.get("git_commit")).alias("git_commit"),
        )
        .write_csv()
    )


def to_html(study: ImpactStudy, svg: str) -> str:
    """A standalone HTML page: the chart (SVG), the estimate in words, tables, caveats."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return html.escape(f"{value:,.3f}")
        return html.escape("" if value is None else str(value))

    def table(frame: pl.DataFrame, caption: str) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
            for row in frame.iter_rows()
        )
        return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"

    title = f"Impact of compliance: {study.measure.label}, {study.area.label}"
    pre = study.pre_trend
    pre_text = (
        "Not enough periods before compliance for a pre-trend test."
        if pre is None
        else f"Pre-trend test: F = {pre.statistic:.2f} on {pre.df_num} and {pre.df_den} "
        f"degrees of freedom, p = {pre.p_value:.3f}."
    )
    caveats = "".join(f"<li>{html.escape(n)}</li>" for n in study.notes)
    version = ", ".join(f"{k} {v}" for k, v in study.version.items() if v)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:arial,sans-serif;max-width:60em;margin:2em auto;color:#0b0c0c}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border-bottom:1px solid #b1b4b6;
padding:.3em .6em;text-align:left}}caption{{text-align:left;font-weight:bold}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(in_words(study))}</p>
<figure>{svg}<figcaption>Differences from comparison councils, by period around
compliance, with 95% intervals; the period before compliance is the reference (0).
</figcaption></figure>
<p>{html.escape(pre_text)}</p>
{table(study.event_study, "Event-study coefficients")}
{table(study.treated, "Councils studied")}
<h2>Caveats</h2><ul>{caveats}</ul>
<h2>Reproducing this</h2>
<p>Analysis data SHA-256: <code>{study.data_sha256}</code>. Code: {html.escape(version)}.
As of {study.as_of.isoformat()}.</p>
<pre>{html.escape(json.dumps(to_json(study)["reproduce"]))}</pre>
</body></html>
"""


def _lower_first(text: str) -> str:
    """TEXT starting in lower case, unless it starts with an abbreviation (EHC plans)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]
