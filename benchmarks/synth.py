"""Generating the synthetic national demo dataset (`scrutiny synth`) at the default scale.

Prints the seconds taken, the rows of each table and rows per second (target: the default
dataset, about 2.5 million complaint rows, in under 60 seconds), and the peak memory.
Pass a scale to measure another size, e.g. `python benchmarks/synth.py 4` for about 10
million complaint rows. Run with `make bench`; prints its figures, it is not a test.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from scrutiny.demo.synth import DEFAULT_SEED, generate_dataset

WORK = Path("build/bench/synth")
TARGET_SECONDS = 60.0


def main(scale: float = 1.0) -> None:
    """Generate the dataset once into WORK and print the figures."""
    started = time.perf_counter()
    result = generate_dataset(WORK, seed=DEFAULT_SEED, scale=scale)
    seconds = time.perf_counter() - started
    rows = sum(count for name, count in result.rows.items() if name != "ground_truth")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"scrutiny synth, seed {DEFAULT_SEED}, scale {scale:g}, into {WORK}")
    for name, count in result.rows.items():
        size = result.files[name].stat().st_size / 1024**2
        print(f"  {name:<20} {count:>12,} rows {size:>10,.1f} MB")
    target = ""
    if scale == 1.0:
        verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
        target = f" (target under {TARGET_SECONDS:.0f} s: {verdict})"
    print(f"  {rows:,} rows in {seconds:.1f} s: {rows / seconds:,.0f} rows/s{target}")
    print(f"  peak memory {peak:.2f} GiB")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
