"""Validation of the impact estimators on synthetic panels with a known effect.

Runs REPETITIONS panels (default 200) of each scenario in
scrutiny.research.impact.simulate.default_scenarios (zero, three constant effects and a growing
effect with staggered timing), prints bias, coverage of 95% intervals and power for the
stacked and two-way fixed effects estimators, and writes the table into docs/impact.md
between its validation markers. With a demo database (SCRUTINY_DATABASE_URL or
build/demo/scrutiny.db) it also times one study per outcome.

Usage: python benchmarks/impact_validation.py [REPETITIONS]
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
from rich.progress import Progress

from scrutiny.research.impact.simulate import default_scenarios, run_validation, summarise

DOCS = Path(__file__).parents[1] / "docs" / "impact.md"
START, END = "<!-- validation:start -->", "<!-- validation:end -->"
DEMO = Path(__file__).parents[1] / "build" / "demo" / "scrutiny.db"


def table(summary: pl.DataFrame, repetitions: int, seconds: float) -> str:
    """The summary as a Markdown table, with how it was made."""
    lines = [
        f"Measured {date.today().isoformat()}: {repetitions} repetitions of each scenario, "
        f"{seconds:.0f} s on the 2-core development machine "
        f"(`python benchmarks/impact_validation.py {repetitions}`). Effects are in standard "
        "deviations of the quarter-to-quarter noise; each panel has 150 councils over 20 "
        "quarters, about 30% treated at staggered times, 4 quarters either side, up to 10 "
        "comparisons each, noise carried over between quarters (AR(1), rho 0.5).",
        "",
        "| Scenario | Estimator | True effect | Bias (± Monte Carlo error) | Bias / effect "
        "| SD of estimates | Mean SE | 95% coverage | Power |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.iter_rows(named=True):
        relative = "–" if row["relative_bias"] is None else f"{100 * row['relative_bias']:+.1f}%"
        lines.append(
            f"| {row['scenario']} | {row['estimator']} | {row['truth']:.2f} "
            f"| {row['bias']:+.4f} (± {row['bias_mc_error']:.4f}) | {relative} "
            f"| {row['sd_estimate']:.3f} | {row['mean_std_error']:.3f} "
            f"| {100 * row['coverage']:.1f}% | {100 * row['power']:.1f}% |"
        )
    return "\n".join(lines)


def write_docs(text: str) -> None:
    """Put TEXT between the markers in docs/impact.md."""
    page = DOCS.read_text(encoding="utf-8")
    before, rest = page.split(START, 1)
    _, after = rest.split(END, 1)
    DOCS.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


def time_studies() -> None:
    """One study per outcome on the demo database, timed, if there is one."""
    import os

    from scrutiny.research.impact import ImpactError, run_study
    from scrutiny.store.db import make_engine

    url = os.environ.get("SCRUTINY_DATABASE_URL") or (
        f"sqlite:///{DEMO}" if DEMO.exists() else None
    )
    if url is None:
        return
    engine = make_engine(url)
    for area, outcome in [("send", "complaints"), ("send", "upheld"), ("send", "on_time"),
                          ("send", "ehc_20_weeks"), ("adult_care", "complaints")]:  # fmt: skip
        started = time.perf_counter()
        try:
            study = run_study(engine, area, outcome, today=date(2025, 4, 30))
        except ImpactError as error:
            print(f"{area} {outcome}: {error}")
            continue
        est = study.stacked
        print(
            f"{area:10} {outcome:12} {time.perf_counter() - started:5.1f} s  "
            f"{study.treated.height:3} treated  {est.estimate:+.3f} "
            f"[{est.ci_low:+.3f}, {est.ci_high:+.3f}]  twfe {study.twfe.estimate:+.3f}  "
            f"pre-trend p {study.pre_trend.p_value if study.pre_trend else float('nan'):.3f}"
        )
    engine.dispose()


def main(repetitions: int) -> None:
    scenarios = default_scenarios()
    started = time.perf_counter()
    with Progress() as progress:
        task = progress.add_task("Simulating", total=len(scenarios) * repetitions)
        estimates = run_validation(
            scenarios, repetitions, progress=lambda n: progress.advance(task, n)
        )
    seconds = time.perf_counter() - started
    summary = summarise(estimates)
    text = table(summary, repetitions, seconds)
    print(text)
    write_docs(text)
    print(f"\nwritten to {DOCS}")
    time_studies()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
