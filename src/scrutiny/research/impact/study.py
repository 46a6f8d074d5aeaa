"""One impact study: a service area and an outcome, from the store to the estimates.

`run_study` builds the panel, the treated councils and their comparisons, fits the
stacked and two-way fixed effects estimates and event studies, and records what a
researcher needs to reproduce them: the SHA-256 of the exact analysis data (written by
`analysis_data`) and the code version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.reference.authorities import load_authorities
from scrutiny.research.impact import design, estimate
from scrutiny.research.impact.panel import (
    ImpactError,
    Outcome,
    ServiceArea,
    outcome,
    outcome_panel,
    service_area,
)
from scrutiny.research.impact.provenance import code_version

MIN_TREATED = 2  # fewer treated councils than this and there is nothing to estimate


@dataclass(frozen=True)
class ImpactStudy:
    """Everything one study found, and what it was found from."""

    area: ServiceArea
    measure: Outcome
    pre: int
    post: int
    k: int
    treated: pl.DataFrame  # authority_code, name, type, g, period, compliance_date, comparisons
    comparisons: pl.DataFrame  # stack, authority_code, name, rank, distance
    stacked: estimate.Estimate
    twfe: estimate.Estimate
    event_study: pl.DataFrame  # estimator, event_time, estimate, std_error, ci_low, ci_high
    pre_trend: estimate.PreTrend | None
    stacks: pl.DataFrame
    pooled: pl.DataFrame
    first_compliances: int  # councils with any compliance in the area
    data_sha256: str
    version: dict[str, str | None]
    as_of: date
    notes: list[str] = field(default_factory=list)


def analysis_data(stacks: pl.DataFrame, pooled: pl.DataFrame) -> bytes:
    """The exact data the estimates were fitted on, as one CSV (its SHA-256 is recorded)."""
    both = pl.concat(
        [
            stacks.select(
                pl.lit("stacked").alias("design"),
                "stack",
                "authority_code",
                "period",
                "event_time",
                "treated",
                "post",
                pl.lit(None, pl.Int8).alias("treated_post"),
                "value",
            ),
            pooled.select(
                pl.lit("twfe").alias("design"),
                pl.lit(None, pl.String).alias("stack"),
                "authority_code",
                "period",
                "event_time",
                pl.lit(None, pl.Int8).alias("treated"),
                pl.lit(None, pl.Int8).alias("post"),
                "treated_post",
                "value",
            ),
        ]
    )
    return both.write_csv(float_precision=10).encode("utf-8")


def run_study(
    engine: Engine,
    area_name: str,
    outcome_name: str = "complaints",
    *,
    pre: int | None = None,
    post: int | None = None,
    k: int = design.DEFAULT_K,
    today: date | None = None,
    step: Callable[[str], None] | None = None,
) -> ImpactStudy:
    """The impact of complying with service-improvement recommendations in AREA_NAME."""
    say = step or (lambda _: None)
    area, measure = service_area(area_name), outcome(outcome_name)
    default_pre, default_post = design.WINDOWS[measure.grain]
    pre = default_pre if pre is None else pre
    post = default_post if post is None else post
    if pre < 2 or post < 0:
        raise ImpactError("the window needs at least 2 periods before and 0 after compliance")
    today = today or date.today()
    say("Reading the outcome")
    panel = outcome_panel(engine, area, measure)
    if panel.is_empty():
        raise ImpactError(f"no {measure.label.lower()} figures for {area.label}")
    first = int(panel.get_column("period").min())  # type: ignore[arg-type]
    last = int(panel.get_column("period").max())  # type: ignore[arg-type]
    say("Reading recommendations")
    recommendations, covered = design.read_recommendations(engine, area, today)
    if covered is not None:  # a first compliance is only first if earlier ones would show
        start = pl.select(design.period_of(pl.lit(covered), measure.grain)).item()
        first = max(first, int(start))
    live = design.intervals(recommendations, measure.grain, last)
    firsts, events = design.treatment_events(live, first, last, pre, post)
    councils = load_authorities().filter("current")
    types = dict(zip(councils["gss_code"], councils["type"], strict=True))
    events = events.filter(pl.col("authority_code").is_in(list(types)))
    say("Choosing comparison councils")
    candidates = design.nearest_candidates(events.get_column("authority_code").to_list(), types)
    # A comparison must have figures for the outcome at all.
    candidates = candidates.filter(
        pl.col("authority_code").is_in(panel.get_column("authority_code").unique().implode())
    )
    matches = design.match_comparisons(events, candidates, live, firsts, pre, post, k)
    events = events.join(matches.select(pl.col("stack").alias("authority_code")).unique(),
                         on="authority_code", how="semi")  # fmt: skip
    if events.height < MIN_TREATED:
        raise ImpactError(
            f"only {events.height} councils complied with a service-improvement "
            f"recommendation about {area.label} with {pre} periods of data before and {post} "
            "after, and clean comparison councils: too few to estimate anything"
        )
    stacks = design.stack_panel(panel, events, matches, pre, post)
    codes = sorted(set(stacks.get_column("authority_code").to_list()))
    pooled = design.pooled_panel(panel, firsts, codes, pre, post)
    say("Fitting the estimates")
    headline = estimate.stacked(stacks)
    classic = estimate.twfe(pooled)
    stacked_es, pre_trend = estimate.stacked_event_study(stacks)
    twfe_es, _ = estimate.twfe_event_study(pooled)
    names = councils.select(pl.col("gss_code").alias("authority_code"), "name", "type")
    treated = (
        events.join(names, on="authority_code", how="left")
        .join(matches.group_by("stack").len("comparisons"),
              left_on="authority_code", right_on="stack")
        .with_columns(
            pl.col("g").map_elements(lambda p: design.period_text(p, measure.grain), pl.String)
            .alias("period")
        )
        .select("authority_code", "name", "type", "g", "period", "compliance_date",
                "comparisons")
        .sort("g", "authority_code")
    )  # fmt: skip
    comparisons = matches.join(names, on="authority_code", how="left").select(
        "stack", "authority_code", "name", "rank", "distance"
    )
    data = analysis_data(stacks, pooled)
    return ImpactStudy(
        area=area,
        measure=measure,
        pre=pre,
        post=post,
        k=k,
        treated=treated,
        comparisons=comparisons,
        stacked=headline,
        twfe=classic,
        event_study=pl.concat([stacked_es, twfe_es]),
        pre_trend=pre_trend,
        stacks=stacks,
        pooled=pooled,
        first_compliances=firsts.height,
        data_sha256=hashlib.sha256(data).hexdigest(),
        version=code_version(),
        as_of=today,
        notes=caveats(area, measure, firsts.height, events.height),
    )


def caveats(area: ServiceArea, measure: Outcome, complied: int, studied: int) -> list[str]:
    """What a reader should know before trusting the estimate, in plain words."""
    notes = [
        f"{complied} councils complied with a service-improvement recommendation about "
        f"{area.label}; {studied} could be studied (enough data before and after, and "
        "comparison councils with no such recommendation at the same time).",
        "Councils are not chosen at random for recommendations: they get them after the "
        "Ombudsman upholds complaints, often when things have gone wrong. A change after "
        "compliance may be things returning to normal rather than the effect of complying.",
        "The Ombudsman's decision comes a month to a quarter before compliance, so the "
        "quarter before compliance may already show its effect.",
        "The first year of data cannot say whether a council had an earlier recommendation, "
        "so councils whose first compliance is then are left out.",
    ]
    if measure.grain == "year":
        notes.append(
            "EHC plan figures are for calendar years (January to December), so the year of "
            "compliance (event time 0) is partly before it; only two or three years either "
            "side are available (2019 to 2024)."
        )
    return notes
