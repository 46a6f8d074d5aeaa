"""Early warning out of sample on the real Housing Ombudsman findings shipped with scrutiny,
with each council landlord's size and Tenant Satisfaction Measures (TSM) taken into account.

Run with `.venv/bin/python benchmarks/housing_evaluation.py`. Prints the tables and
rewrites docs/early-warning-real-data.md from them; it is not a test. Reading the two
shipped TSM workbooks is most of the run time.
"""

from __future__ import annotations

import statistics
import time
from importlib import resources
from pathlib import Path

import polars as pl
from housing_evaluation_doc import Facts, Part, document

from scrutiny.core.periods import financial_year_label
from scrutiny.reference.authorities import load_authorities
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
DOC = Path(__file__).resolve().parent.parent / "docs" / "early-warning-real-data.md"
BASELINES = ("naive", "volume", "homes_owned")
DRAWS = 2000
# The TSM evaluation shows the findings-history rankings beside the TSM ones.
TSM_RANKINGS = (*tsm.HISTORY, *(r for r in tsm.RATES if r.name == "naive_per_1000"), *tsm.TSM)


def run(
    decisions: pl.DataFrame,
    measures: pl.DataFrame,
    years: list[int],
    rankings: tuple[tsm.Ranking, ...],
    rule: tsm.TsmRule = "period_ended",
) -> Part:
    evaluated = tsm.evaluate(decisions, measures, years, rankings, rule)
    summary = tsm.summarise(evaluated, BASELINES, DRAWS)
    return Part(years, evaluated, {p.ranking: p for p in summary})


def read_measures() -> pl.DataFrame:
    """Council landlords' TSM figures from the shipped workbooks, read as `scrutiny tsm
    import` reads them, within the same limits."""
    s = Settings.from_env()
    limits = Limits(s.max_rows, s.max_file_bytes, s.reader_memory_bytes, s.reader_seconds)
    rows = [read_tsm(path, limits).rows for path in shipped_workbooks()]
    return tsm.council_measures(pl.concat(rows, how="diagonal_relaxed"))


def coverage(decisions: pl.DataFrame, year: int) -> str:
    """How much of `year` the findings file holds, against the year before."""
    dated = decisions.with_columns(pl.col("decision_date").dt.truncate("1mo").alias("month"))
    start, end = evaluation.year_start(year - 1), evaluation.year_start(year + 1)
    span = dated.filter(pl.col("decision_date").is_between(start, end, closed="left"))
    per_year = span.group_by(pl.col("decision_date") >= evaluation.year_start(year)).agg(
        pl.len().alias("findings"),
        (pl.col("housing_ombudsman_finding") == "severe_maladministration").sum().alias("severe"),
    )
    this, last = (per_year.filter(pl.col("decision_date") == flag).row(0) for flag in (True, False))
    months = (
        span.filter(pl.col("decision_date") >= evaluation.year_start(year))
        .group_by("month")
        .len()
        .sort("month")
    )
    typical = int(statistics.median(months.get_column("len").to_list()))
    final = months.row(-1, named=True)
    return (
        f"{this[1]:,} findings ({this[2]} severe), against {last[1]:,} ({last[2]} severe) "
        f"in {financial_year_label(year - 1)}. Every month has findings, but "
        f"{final['month']:%B %Y} has only {final['len']} against a monthly median of "
        f"{typical}"
    )


def left_out(decisions: pl.DataFrame, measures: pl.DataFrame, years: list[int]) -> str:
    """The landlords with a findings history but no TSM size, by year."""
    names = load_authorities().select(pl.col("gss_code").alias("authority_code"), "name")
    found = []
    for year in years:
        history = evaluation.early_warning_scores(decisions, year).select("authority_code")
        ranked = tsm.landlord_frame(decisions, measures, year).select("authority_code")
        missing = history.join(ranked, on="authority_code", how="anti").join(
            names, on="authority_code", how="left"
        )
        found += [f"{name} in {financial_year_label(year)}" for name in missing["name"]]
    return ", ".join(found) if found else "none"


def london_share(decisions: pl.DataFrame, measures: pl.DataFrame, years: list[int]) -> str:
    frames = pl.concat([tsm.landlord_frame(decisions, measures, y) for y in years])
    london = frames.filter(pl.col("authority_code").str.starts_with("E09"))
    return (
        f"{london.height} of the {frames.height} landlord-years and "
        f"{london['outcome'].sum()} of the {frames['outcome'].sum()} with a severe finding"
    )


def main() -> None:
    began = time.perf_counter()
    decisions = convert(read_findings(SHIPPED)).decisions.with_columns(
        pl.col("decision_date").str.to_date()
    )
    measures = read_measures()
    years = evaluation.complete_years(decisions)
    history = run(decisions, measures, years, tsm.HISTORY + tsm.RATES)
    period = tsm.tsm_years_used(measures, years, "period_ended")
    published = tsm.tsm_years_used(measures, years, "published")
    tsm_part = run(decisions, measures, list(period), TSM_RANKINGS)
    strict = run(decisions, measures, list(published), TSM_RANKINGS, "published")
    for title, part in (
        ("Findings history and size", history),
        ("TSM, latest year ended", tsm_part),
        ("TSM, latest year published", strict),
    ):
        print(f"## {title}\n\n{part.tables()}\n")
    facts = Facts(
        coverage=coverage(decisions, years[-1]),
        left_out=left_out(decisions, measures, years),
        london=london_share(decisions, measures, list(period)),
        tsm_councils=", ".join(
            f"{financial_year_label(t)}: {n}"
            for t, n in measures.group_by("tsm_year").len().sort("tsm_year").rows()
        ),
        period=period,
        published=published,
        draws=DRAWS,
    )
    DOC.write_text(document(decisions, history, tsm_part, strict, facts), encoding="utf-8")
    print(f"wrote {DOC} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
