"""Validation speed on a 1,000,000-row complaints CSV, whole process, against two yardsticks.

The floor is polars alone reading the same file as text, as a whole process of its own
(target: `scrutiny validate` within 1.5x of it); the yardstick is `frictionless validate`
against the exported datapackage (target: scrutiny at least 20x faster). The two sides of
each ratio are timed in turn within each round, so that other work on the machine slows
both alike; the best of three rounds is kept. `--profile` adds where scrutiny's time goes,
phase by phase, in this process; `--no-frictionless` leaves out the slow yardstick (about
three minutes). Run with `make bench`; prints its figures, it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from returns import write_complaints_csv

ROWS = 1_000_000
WORK = Path("build/bench")
REPEATS = 3
TARGET = 1.5  # scrutiny validate within this many times polars reading the file
FRICTIONLESS_TARGET = 20  # and at least this many times faster than frictionless


def seconds(command: list[str]) -> float:
    """Wall-clock time of COMMAND, whole process."""
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - started


def compile_once(*commands: list[str]) -> None:
    """Run each command once, untimed, letting Python write its bytecode: an installed copy
    starts from compiled modules, but where PYTHONDONTWRITEBYTECODE is set (as on the shared
    machine) every timed run would compile scrutiny's, typer's and polars' sources afresh
    (about 2 s of CPU for scrutiny validate, 1 s for polars alone)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in commands:
        subprocess.run(command, check=False, capture_output=True, env=environment)


def side_by_side(ours: list[str], floor: list[str], repeats: int = REPEATS) -> tuple[float, float]:
    """Best times of OURS and FLOOR over REPEATS rounds, each round running both."""
    compile_once(ours, floor)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        times[1].append(seconds(floor))
        times[0].append(seconds(ours))
    return min(times[0]), min(times[1])


def line(
    what: str, figure: float, floor: str, seconds_floor: float, ratio: float, goal: str, met: bool
) -> str:
    verdict = "met" if met else "NOT met"
    return (
        f"  {what}: {figure:.2f} s   floor/yardstick: {seconds_floor:.2f} s ({floor})   "
        f"ratio: {ratio:.2f}x   target: {goal} ({verdict})"
    )


def profile(path: Path) -> None:
    """Where the time goes, phase by phase, in this process (import costs are for this
    process, which has already imported polars and the benchmark's helpers)."""
    clock = [time.perf_counter()]

    def phase(what: str) -> None:
        now = time.perf_counter()
        print(f"    {what:<44} {now - clock[0]:.3f} s")
        clock[0] = now

    from scrutiny.returns import validation
    from scrutiny.returns.ingest import read_file
    from scrutiny.settings import Settings
    from scrutiny.standard.rules import rule_checks, run_checks
    from scrutiny.standard.table_rules import table_rule_issues

    phase("import the validator")
    raw = read_file(path, Settings.from_env(), with_hash=False)
    phase("read the file (polars read_csv and checks)")
    parsed = validation.parse_columns(raw)
    phase("survey, parse each column once (wide frame)")
    today = date.today()
    checks = parsed.checks + rule_checks(raw.table, parsed.wide, today, set(raw.headers))
    found = run_checks(parsed.wide, checks)
    phase(f"per-row checks ({len(checks)}; {len(found)} fired)")
    table_rule_issues(raw.table, parsed.wide, today, set(raw.headers))
    phase("uniqueness, reference and authority rules")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--profile", action="store_true", help="print each phase's time")
    options.add_argument("--no-frictionless", action="store_true", help="skip the yardstick")
    args = options.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"complaints_{ROWS}.csv"
    if not path.exists():
        write_complaints_csv(path, ROWS)
    size_mb = path.stat().st_size / 1e6
    python = sys.executable
    scrutiny = str(Path(python).with_name("scrutiny"))
    validate = [scrutiny, "validate", str(path)]
    polars_alone = [
        python,
        "-c",
        f"import polars as pl; pl.read_csv({str(path)!r}, infer_schema=False)",
    ]
    ours, floor = side_by_side(validate, polars_alone)
    result = subprocess.run(validate, capture_output=True, text=True)
    print(
        f"Validate {ROWS:,} complaint rows ({size_mb:.0f} MB CSV), whole process, best of {REPEATS}"
    )
    print(
        line(
            "scrutiny validate",
            ours,
            "polars read_csv alone",
            floor,
            ours / floor,
            f"<= {TARGET}x",
            ours <= TARGET * floor,
        )
    )
    print(f"  result: {result.stdout.strip().splitlines()[-1]}")
    if args.profile:
        print("  where scrutiny's time goes:")
        profile(path)
    if args.no_frictionless:
        return

    from scrutiny import standard

    package_dir = WORK / "standard"
    standard.export(package_dir)
    descriptor = json.loads((package_dir / "datapackage.json").read_text())
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == "complaints")
    schema_path = WORK / "complaints.schema.json"
    schema_path.write_text(json.dumps(schema))
    frictionless = str(Path(python).with_name("frictionless"))
    theirs = [frictionless, "validate", "--schema", str(schema_path), str(path)]
    ours, yardstick = side_by_side(validate, theirs, repeats=1)
    print(
        line(
            "scrutiny validate, times faster than frictionless",
            ours,
            "frictionless validate",
            yardstick,
            yardstick / ours,
            f">= {FRICTIONLESS_TARGET}x faster",
            yardstick >= FRICTIONLESS_TARGET * ours,
        )
    )


if __name__ == "__main__":
    main()
