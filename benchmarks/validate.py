"""Validation speed on a 1,000,000-row complaints CSV, whole process, against two yardsticks.

Prints: polars alone reading the same file (target: scrutiny validate within 2x of it, and
under 2 s), and `frictionless validate` against the exported datapackage (target: scrutiny
at least 20x faster). Run with `make bench`; prints its figures, it is not a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from returns import write_complaints_csv
from scrutiny import standard

ROWS = 1_000_000
WORK = Path("build/bench")
REPEATS = 3


def best_of(command: list[str], repeats: int = REPEATS) -> float:
    """Fastest wall-clock time of COMMAND over REPEATS runs, whole process."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"complaints_{ROWS}.csv"
    if not path.exists():
        write_complaints_csv(path, ROWS)
    size_mb = path.stat().st_size / 1e6
    python = sys.executable
    scrutiny = str(Path(python).with_name("scrutiny"))
    polars_alone = best_of(
        [python, "-c", f"import polars as pl; pl.read_csv({str(path)!r}, infer_schema=False)"]
    )
    ours = best_of([scrutiny, "validate", str(path)])
    result = subprocess.run([scrutiny, "validate", str(path)], capture_output=True, text=True)
    print(
        f"Validate {ROWS:,} complaint rows ({size_mb:.0f} MB CSV), whole process, best of {REPEATS}"
    )
    print(f"  polars read_csv alone:  {polars_alone:.2f} s")
    print(
        f"  scrutiny validate:      {ours:.2f} s  ({ours / polars_alone:.2f}x polars;"
        " target <= 2x and < 2 s)"
    )
    print(f"  result: {result.stdout.strip().splitlines()[-1]}")

    package_dir = WORK / "standard"
    standard.export(package_dir)
    descriptor = json.loads((package_dir / "datapackage.json").read_text())
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == "complaints")
    schema_path = WORK / "complaints.schema.json"
    schema_path.write_text(json.dumps(schema))
    frictionless = str(Path(python).with_name("frictionless"))
    theirs = best_of([frictionless, "validate", "--schema", str(schema_path), str(path)], repeats=1)
    print(
        f"  frictionless validate:  {theirs:.2f} s  (scrutiny is {theirs / ours:.0f}x faster;"
        " target >= 20x)"
    )


if __name__ == "__main__":
    main()
