"""How long funnel limits take for 10,000 units (target: under 100 ms), for every method.

Run with `taskset -c 0 .venv/bin/python benchmarks/funnel.py` (one core, like the clock
benchmark). Times scrutiny.measures.funnel.compare end to end: target, phi and tau², the four limits
at each unit's denominator and the flags. Prints its figures; it is not a test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from scrutiny.measures.funnel import PROPORTION_METHODS, RATIO_METHODS, compare
from scrutiny.measures.funnel.comparison import FunnelKind, Overdispersion

UNITS = 10_000
REPEATS = 7
TARGET_MS = 100.0


def best_of(run: Callable[[], object]) -> tuple[float, float]:
    """Best and median milliseconds over REPEATS runs, after one warm-up."""
    run()
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000, float(np.median(timings)) * 1000


def main() -> None:
    rng = np.random.default_rng(2025)
    # Stage 1 answered in time: 20 to 5,000 complaints a unit, over-dispersed around 80%.
    complaints = rng.integers(20, 5_000, UNITS)
    answered = rng.binomial(complaints, rng.beta(40, 10, UNITS))
    # Complaints against expected (O/E): E from 5 to 500, a spread of true ratios.
    expected = rng.uniform(5, 500, UNITS)
    observed = rng.poisson(expected * rng.gamma(50, 1 / 50, UNITS))
    cores = len(os.sched_getaffinity(0))
    print(f"Funnel limits for {UNITS:,} units, best and median of {REPEATS} runs", end="")
    print(f" on {cores} core(s); target under {TARGET_MS:.0f} ms")
    cases: list[tuple[FunnelKind, str, np.ndarray, np.ndarray]] = [
        ("proportion", m, answered, complaints) for m in PROPORTION_METHODS
    ]
    cases += [("ratio", m, observed, expected) for m in RATIO_METHODS]
    choices: tuple[Overdispersion, ...] = ("none", "multiplicative", "additive")
    for kind, method, numerator, denominator in cases:
        for overdispersion in choices:
            run = partial(
                compare,
                numerator,
                denominator,
                kind=kind,
                method=method,
                overdispersion=overdispersion,
            )
            best, median = best_of(run)
            default = "  (default)" if method == "exact" and overdispersion == "none" else ""
            print(
                f"  {kind:<10} {method:<6} {overdispersion:<14} "
                f"best {best:6.1f} ms, median {median:6.1f} ms{default}"
            )


if __name__ == "__main__":
    main()
