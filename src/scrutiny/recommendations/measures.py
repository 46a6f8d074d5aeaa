"""Compliance measures per authority and for England, as the Ombudsman defines them.

The definitions match indicators.yaml, so the two can never tell different stories:

- compliance_rate: (complied + complied_late) / (complied + complied_late + not_complied),
  as a percentage. Pending and withdrawn recommendations are left out (indicator
  compliance_rate).
- complied_on_time_rate: complied / (complied + complied_late + not_complied), the
  same denominator with only on-time compliance on top (not an Ombudsman measure, but
  the one that shows lateness the compliance rate forgives).
- complied_on_time_by_sent_rate: the same, judged by the day the accepted evidence was
  *sent* (else the completed date) rather than the date it claims; with backdated_evidence
  (accepted evidence sent after the due date for an action dated by it) and
  backdated_confirmed (those whose claimed date the Ombudsman confirmed with a reason).
- complied_late_percent: complied_late / (complied + complied_late) (indicator
  late_remedies).
- median_days_late and median_working_days_late: over recommendations complied late,
  from the due date to the completed date.
- overdue_now: open recommendations whose due date has passed on TODAY.
- compliance_headline: the compliance rate with the overdue beside it, as the Ombudsman
  reports it, "100.0% of those closed were complied with; 3 overdue": a rate of those
  closed alone hides the ones still open past their due date. Every page, report and
  command shows this headline rather than the bare rate.
- Money is amount_gbp of financial_remedy recommendations: agreed (all but withdrawn),
  paid (complied or complied late), outstanding (pending) and not paid (not complied).
- Service improvements (beneficiary wider_public) and personal remedies: agreed (all but
  withdrawn) and delivered (complied or complied late).

The indicators count recommendations by due date within a period; pass DUE_FROM and
DUE_TO to measure the same recommendations.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.recommendations.register import read_register

NATIONAL = "England"
DONE = ["complied", "complied_late"]
STATUSES = ("pending", "withdrawn", "complied", "complied_late", "not_complied")


def measures(
    engine: Engine,
    *,
    today: date | None = None,
    authority_code: str | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> pl.DataFrame:
    """The measures per authority, then one row for England (unless AUTHORITY_CODE is given)."""
    # One council's register is read alone: its rows are its share of the nation's.
    register = read_register(engine, today, authority_code=authority_code)
    if due_from is not None:
        register = register.filter(pl.col("due_date") >= due_from)
    if due_to is not None:
        register = register.filter(pl.col("due_date") <= due_to)
    per_authority = _measure(register).sort("authority_code")
    if authority_code is not None:
        return per_authority
    national = _measure(register.with_columns(pl.lit(NATIONAL).alias("authority_code")))
    return pl.concat([per_authority, national.select(per_authority.columns)])


def _measure(rows: pl.DataFrame) -> pl.DataFrame:
    """The measures of ROWS, one row per authority_code."""
    status = pl.col("status")
    done = status.is_in(DONE)
    kept = status != "withdrawn"
    improvement = pl.col("remedy_type") == "service_improvement"
    late = status == "complied_late"

    def money(which: pl.Expr) -> pl.Expr:
        financial = pl.col("kind") == "financial_remedy"
        return pl.col("amount_gbp").filter(financial & which).sum().cast(pl.Float64)

    aggregations = [
        pl.len().alias("recommendations"),
        *[(status == name).sum().alias(name) for name in STATUSES],
        pl.col("days_late").filter(late).median().alias("median_days_late"),
        pl.col("working_days_late").filter(late).median().alias("median_working_days_late"),
        pl.col("overdue").sum().alias("overdue_now"),
        (
            (status == "complied")
            & (pl.coalesce("evidence_sent_on", "completed_date") <= pl.col("due_date"))
        )
        .sum()
        .alias("complied_by_sent_date"),
        (done & pl.col("backdated")).sum().alias("backdated_evidence"),
        (done & pl.col("backdated") & pl.col("claimed_date_confirmed").fill_null(False))
        .sum()
        .alias("backdated_confirmed"),
        money(kept).alias("financial_agreed_gbp"),
        money(done).alias("financial_paid_gbp"),
        money(status == "pending").alias("financial_outstanding_gbp"),
        money(status == "not_complied").alias("financial_not_paid_gbp"),
        (improvement & kept).sum().alias("service_improvements_agreed"),
        (improvement & done).sum().alias("service_improvements_delivered"),
        (~improvement & kept).sum().alias("personal_remedies_agreed"),
        (~improvement & done).sum().alias("personal_remedies_delivered"),
    ]
    found = rows.group_by("authority_code").agg(aggregations)
    counted = pl.col("complied") + pl.col("complied_late")
    judged = counted + pl.col("not_complied")
    rate = pl.when(judged > 0).then(100 * counted / judged).cast(pl.Float64)
    return found.with_columns(pl.col(pl.UInt32, pl.UInt64).cast(pl.Int64)).with_columns(
        rate.alias("compliance_rate"),
        pl.struct(rate.alias("rate"), "overdue_now")
        .map_elements(
            lambda row: compliance_headline(row["rate"], row["overdue_now"]),
            return_dtype=pl.String,
        )
        .alias("compliance_headline"),
        pl.when(judged > 0)
        .then(100 * pl.col("complied") / judged)
        .cast(pl.Float64)
        .alias("complied_on_time_rate"),
        pl.when(judged > 0)
        .then(100 * pl.col("complied_by_sent_date") / judged)
        .cast(pl.Float64)
        .alias("complied_on_time_by_sent_rate"),
        pl.when(counted > 0)
        .then(100 * pl.col("complied_late") / counted)
        .cast(pl.Float64)
        .alias("complied_late_percent"),
    )


def compliance_headline(rate: float | None, overdue: int) -> str:
    """The compliance RATE (of those closed) with the OVERDUE recommendations beside it."""
    if rate is None:
        closed = "none closed yet"
    else:  # 99.96% is not shown as 100.0%: that would hide the one not complied with
        shown = rate if rate >= 100 else min(rate, 99.9)
        closed = f"{shown:.1f}% of those closed were complied with"
    return f"{closed}; {overdue:,} overdue" if overdue else f"{closed}; none overdue"
