"""The design: which councils were treated, when, and whom each is compared with.

A council is *treated* in a service area when it completes (complies with) its first
service-improvement recommendation there: one for the wider public, from an Ombudsman
decision in that area. Its event period g is the period of the compliance date, and event
time is period - g, so event time 0 is the period compliance falls in (for the yearly EHC
outcome, the whole calendar year of compliance, partly before it).

Each treated council is its own small experiment (a *stack*): the council and up to K
comparison councils of the same type, nearest first by the open nearest-neighbour model
(scrutiny.reference.peers), that had no service-improvement recommendation in that area agreed,
outstanding or completed at any time in the stack's window, PRE periods before g to
POST periods after, and had not complied with one before it (not yet treated). Only
treated councils whose whole window is inside the data (and after the register starts,
so that a first compliance really is the first) are used. Stacking clean comparisons
this way (Cengiz et al. 2019) keeps already-treated councils out of the
comparison group, which is what biases two-way fixed effects when timing is staggered.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.periods import quarter_index, quarter_label, quarter_start
from scrutiny.recommendations import read_register
from scrutiny.reference.peers import nearest_neighbours
from scrutiny.research.impact.panel import ServiceArea, StudyGrain
from scrutiny.store.db import DATA_TABLES
from scrutiny.store.read import read_frame

DEFAULT_K = 10
# Periods before and after compliance, by grain: two years of quarters either side; for
# the yearly EHC outcome (2019 to 2024), two years before and one after.
WINDOWS = {"quarter": (4, 4), "year": (2, 1)}
INTERVAL_SCHEMA = {
    "authority_code": pl.String,
    "first_period": pl.Int64,
    "last_period": pl.Int64,
    "completed_period": pl.Int64,
    "completed_date": pl.Date,
}


def period_of(day: pl.Expr, grain: StudyGrain) -> pl.Expr:
    """The period holding DAY: a quarter index, or a calendar year."""
    return quarter_index(day) if grain == "quarter" else day.dt.year().cast(pl.Int64)


def period_text(period: int, grain: StudyGrain) -> str:
    """PERIOD (from period_of) for people: a financial quarter, or a calendar year."""
    return quarter_label(quarter_start(period)) if grain == "quarter" else str(period)


def read_recommendations(
    engine: Engine, area: ServiceArea, today: date
) -> tuple[pl.DataFrame, date | None]:
    """Service-improvement recommendations about AREA, and the first day the register
    covers (the earliest agreed date of any recommendation): before it, nothing is known."""
    everything = read_register(engine, today)
    covered = everything.get_column("agreed_date").min()
    start = covered if isinstance(covered, date) else None
    register = everything.filter(
        (pl.col("remedy_type") == "service_improvement") & (pl.col("category") == area.area)
    )
    if area.subarea is not None:
        decisions = DATA_TABLES["ombudsman_decisions"]
        subcategories = read_frame(
            engine, select(decisions.c.decision_ref, decisions.c.subcategory)
        )
        if subcategories.is_empty():
            return register.clear(), start
        # The Ombudsman writes its subcategories with hyphens (special-educational-needs).
        wanted = subcategories.filter(
            pl.col("subcategory").cast(pl.String).str.replace_all("-", "_") == area.subarea
        ).select(pl.col("decision_ref").cast(pl.String).unique())
        register = register.join(wanted, on="decision_ref", how="semi")
    return register, start


def intervals(recommendations: pl.DataFrame, grain: StudyGrain, last: int) -> pl.DataFrame:
    """Each recommendation as the periods it was live in: agreed to completed (or LAST).

    completed_period is set only for recommendations complied with (on time or late).
    """
    if recommendations.is_empty():
        return pl.DataFrame(schema=INTERVAL_SCHEMA)
    complied = pl.col("status").is_in(["complied", "complied_late"])
    return recommendations.select(
        pl.col("authority_code"),
        period_of(pl.col("agreed_date"), grain).alias("first_period"),
        pl.coalesce(period_of(pl.col("completed_date"), grain), pl.lit(last))
        .cast(pl.Int64)
        .alias("last_period"),
        pl.when(complied)
        .then(period_of(pl.col("completed_date"), grain))
        .alias("completed_period"),
        pl.when(complied).then(pl.col("completed_date")).alias("completed_date"),
    ).cast(INTERVAL_SCHEMA)  # type: ignore[arg-type]


def treatment_events(
    live: pl.DataFrame, first: int, last: int, pre: int, post: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each council's first compliance (g), and which of them can be studied.

    Returns (all first compliances: authority_code, g, compliance_date) and (the usable
    ones: the whole window, PRE periods before g to POST after, inside FIRST..LAST).
    """
    schema = {"authority_code": pl.String, "g": pl.Int64, "compliance_date": pl.Date}
    done = live.filter(pl.col("completed_period").is_not_null())
    if done.is_empty():
        empty = pl.DataFrame(schema=schema)
        return empty, empty
    firsts = (
        done.sort("completed_date")
        .group_by("authority_code", maintain_order=True)
        .first()
        .select("authority_code", pl.col("completed_period").alias("g"),
                pl.col("completed_date").alias("compliance_date"))
        .sort("authority_code")
    )  # fmt: skip
    # The first compliance in the data: none can fall in its PRE periods. Its decision
    # (agreed a month to a quarter before) does, as part of what is being studied.
    clean = firsts.filter((pl.col("g") - pre >= first) & (pl.col("g") + post <= last))
    return firsts, clean


def busy_in_windows(
    events: pl.DataFrame, live: pl.DataFrame, firsts: pl.DataFrame, pre: int, post: int
) -> pl.DataFrame:
    """(stack, authority_code) pairs a stack cannot use as comparisons: councils with a
    recommendation live in its window, or that complied with one before its end (an
    effect of compliance that lasts would still be there)."""
    windows = events.select(
        pl.col("authority_code").alias("stack"),
        (pl.col("g") - pre).alias("lo"),
        (pl.col("g") + post).alias("hi"),
    )
    live_then = windows.join(live, how="cross").filter(
        (pl.col("first_period") <= pl.col("hi")) & (pl.col("last_period") >= pl.col("lo"))
    )
    treated_by_then = windows.join(
        firsts.select("authority_code", pl.col("g").alias("complied")), how="cross"
    ).filter(pl.col("complied") <= pl.col("hi"))
    return pl.concat(
        [frame.select("stack", "authority_code") for frame in (live_then, treated_by_then)]
    ).unique()


def match_comparisons(
    events: pl.DataFrame,
    candidates: pl.DataFrame,
    live: pl.DataFrame,
    firsts: pl.DataFrame,
    pre: int,
    post: int,
    k: int = DEFAULT_K,
) -> pl.DataFrame:
    """Up to K clean comparisons per stack, in CANDIDATES' order (rank, nearest first).

    Clean: not yet treated by the end of the window (FIRSTS: each council's first
    compliance, g) and no recommendation live in it (LIVE). CANDIDATES: stack,
    authority_code, rank (and distance). Returns the chosen rows.
    """
    busy = busy_in_windows(events, live, firsts, pre, post)
    return (
        candidates.join(busy, on=["stack", "authority_code"], how="anti")
        .filter(pl.col("stack") != pl.col("authority_code"))
        .sort("stack", "rank")
        .group_by("stack", maintain_order=True)
        .head(k)
    )


def nearest_candidates(codes: list[str], council_types: dict[str, str]) -> pl.DataFrame:
    """Councils of the same type as each of CODES, nearest first (stack, authority_code, rank)."""
    frames = []
    for code in codes:
        near = nearest_neighbours(code, k=10_000).filter(
            pl.col("gss_code").replace_strict(council_types, default=None)
            == council_types.get(code)
        )
        frames.append(
            near.select(
                pl.lit(code).alias("stack"),
                pl.col("gss_code").alias("authority_code"),
                pl.int_range(pl.len(), dtype=pl.Int64).alias("rank"),
                pl.col("distance"),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={"stack": pl.String, "authority_code": pl.String, "rank": pl.Int64,
                    "distance": pl.Float64}
        )  # fmt: skip
    return pl.concat(frames)


def stack_panel(
    panel: pl.DataFrame, events: pl.DataFrame, matches: pl.DataFrame, pre: int, post: int
) -> pl.DataFrame:
    """The stacked data: each stack's treated council and comparisons over its window.

    Columns: stack, authority_code, period, event_time, treated (1/0), post (1/0), value.
    Rows with no value (no data that period) are left out.
    """
    members = pl.concat(
        [
            events.select(pl.col("authority_code").alias("stack"), "authority_code",
                          pl.lit(1, pl.Int8).alias("treated")),
            matches.select("stack", "authority_code", pl.lit(0, pl.Int8).alias("treated")),
        ]
    ).join(events.select(pl.col("authority_code").alias("stack"), "g"), on="stack")  # fmt: skip
    return (
        members.join(panel.select("authority_code", "period", "value"), on="authority_code")
        .with_columns((pl.col("period") - pl.col("g")).alias("event_time"))
        .filter(pl.col("event_time").is_between(-pre, post) & pl.col("value").is_not_null())
        .select(
            "stack",
            "authority_code",
            "period",
            "event_time",
            "treated",
            (pl.col("event_time") >= 0).cast(pl.Int8).alias("post"),
            "value",
        )
        .sort(
            "stack", "treated", "authority_code", "period", descending=[False, True, False, False]
        )
    )


def pooled_panel(
    panel: pl.DataFrame, firsts: pl.DataFrame, codes: list[str], pre: int, post: int
) -> pl.DataFrame:
    """The ordinary staggered panel for two-way fixed effects, over CODES and every period.

    Each council is treated from its own first compliance on (never, if it has none);
    event time is binned at -PRE and POST (earlier and later periods join the ends).
    Columns: authority_code, period, g (null if never), event_time (null if never),
    treated_post (1/0), value.
    """
    return (
        panel.filter(pl.col("authority_code").is_in(codes) & pl.col("value").is_not_null())
        .join(firsts.select("authority_code", "g"), on="authority_code", how="left")
        .with_columns((pl.col("period") - pl.col("g")).clip(-pre, post).alias("event_time"))
        .select(
            "authority_code",
            "period",
            "g",
            "event_time",
            (pl.col("event_time") >= 0).fill_null(False).cast(pl.Int8).alias("treated_post"),
            "value",
        )
        .sort("authority_code", "period")
    )
