"""Every indicator for every council and quarter of five years, from the demo database.

Builds the demo database (2.4 million complaint rows at scale 1) in SQLite and in
PostgreSQL if they are not there yet, then times compute_indicators for all quarters
(target: under 5 s each; under 20 s from the 10-million-row dataset, `--scale 4`).
Run with `make bench` or `python benchmarks/indicators.py [SCALE]`; prints its figures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from imports import fresh_postgresql

from scrutiny.demo.build import build_demo
from scrutiny.measures.indicators import compute_indicators
from scrutiny.store.db import make_engine

WORK = Path("build/bench")


def timed(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    started = time.perf_counter()
    rows = compute_indicators(engine, "quarter").height
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, rows


def main(scale: float) -> None:
    directory = WORK / f"demo-scale-{scale:g}"
    sqlite_url = f"sqlite:///{directory / 'scrutiny.db'}"
    if not (directory / "scrutiny.db").exists():
        print(f"building the scale {scale:g} demo in SQLite (once)...")
        build_demo(directory, scale=scale)
    targets = [("SQLite", sqlite_url)]
    postgresql = fresh_postgresql()
    if postgresql:
        print(f"building the scale {scale:g} demo in PostgreSQL...")
        build_demo(directory, scale=scale, database_url=postgresql)
        targets.append(("PostgreSQL", postgresql))
    print(f"All indicators, all councils, every quarter of five years (demo scale {scale:g})")
    for name, url in targets:
        best = min(timed(url) for _ in range(3))
        print(f"  {name:<10} {best[0]:.2f} s for {best[1]:,} indicator values (best of 3)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
