"""How long XmR charts take: one per council (317 councils × 20 quarters) and one long series.

Run with `taskset -c 0 .venv/bin/python benchmarks/spc.py` (one core, like the clock benchmark).
Prints its figures; it is not a test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from scrutiny.measures.spc import Chart, xmr_chart
from scrutiny.measures.spc_rules import RULES

COUNCILS = 317
QUARTERS = 20
LONG = 100_000
REPEATS = 5


def best_of(run: Callable[[], object]) -> tuple[float, float]:
    """Best and median seconds over REPEATS runs."""
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings), float(np.median(timings))


def flag_counts(charts: list[Chart]) -> str:
    counts = {rule: sum(int(chart.flags(rule).sum()) for chart in charts) for rule in RULES}
    return ", ".join(f"{rule} {count:,}" for rule, count in counts.items())


def main() -> None:
    rng = np.random.default_rng(2024)
    # Quarterly share of complaints upheld, around 40% with council-to-council differences.
    rates = rng.normal(0.4, 0.08, (COUNCILS, 1)) + rng.normal(0, 0.05, (COUNCILS, QUARTERS))
    long = np.cumsum(rng.normal(0, 1, LONG)) * 0.01 + rng.normal(50, 2, LONG)
    cores = len(os.sched_getaffinity(0))
    print(f"XmR charts, best and median of {REPEATS} runs on {cores} core(s)")

    charts: list[Chart] = []

    def every_council() -> None:
        charts[:] = [xmr_chart(row, improvement="down", target=0.35) for row in rates]

    best, median = best_of(every_council)
    print(f"  {COUNCILS} councils × {QUARTERS} quarters, one chart each:")
    print(f"    best {best * 1000:.1f} ms, median {median * 1000:.1f} ms", end="")
    print(f" ({best / COUNCILS * 1e6:.0f} µs a chart)")
    print(f"    flagged points: {flag_counts(charts)}")

    for screen in (False, True):
        chart = xmr_chart(long, screen_outliers=screen)
        best, median = best_of(lambda: xmr_chart(long, screen_outliers=screen))  # noqa: B023
        print(f"  one {LONG:,}-point series, {'screened' if screen else 'unscreened'}:")
        print(f"    best {best * 1000:.1f} ms, median {median * 1000:.1f} ms")
        print(f"    flagged points: {flag_counts([chart])}")

    chart = xmr_chart(long)
    best, _ = best_of(chart.special_causes)
    print(f"  special-cause lists for all {LONG:,} points (as the JSON output needs):")
    print(f"    best {best * 1000:.1f} ms")


if __name__ == "__main__":
    main()
