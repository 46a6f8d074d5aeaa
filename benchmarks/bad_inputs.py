"""The bad-input corpus (tests/corpus.py) through `scrutiny validate`, one fresh process per
file, two at a time: how many files of each expected outcome got it, and the longest time
and the most memory any one file took (the command and the child reading a workbook).

Run: `python benchmarks/bad_inputs.py`. Prints a table for the README.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus import CASES, write_all

EXIT_CODES = {"unreadable": 2, "refused": 1, "warned": 0, "accepted": 0}
TIMEOUT = 30
# Runs a command and prints the most memory any process under it used, in kilobytes.
PEAK = (
    "import resource, subprocess, sys; "
    f"done = subprocess.run(sys.argv[1:], capture_output=True, timeout={TIMEOUT}); "
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measured(command: list[str]) -> tuple[int, float, int]:
    """Run COMMAND: its exit code, wall seconds and the peak memory (bytes) of any
    process under it."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, timeout=TIMEOUT + 10
    )
    code, kilobytes = done.stdout.split()
    return int(code), time.perf_counter() - started, int(kilobytes) * 1024


def validate(path: Path) -> tuple[int, float, int]:
    return measured([sys.executable, "-m", "scrutiny", "validate", str(path)])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_all(Path(folder))
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = list(pool.map(validate, paths))
    rows: Counter[str] = Counter()
    matched: Counter[str] = Counter()
    for case, (code, _, _) in zip(CASES, runs, strict=True):
        rows[case.outcome] += 1
        matched[case.outcome] += code == EXIT_CODES[case.outcome]
    slowest = max(zip(runs, CASES, strict=True), key=lambda pair: pair[0][1])
    largest = max(zip(runs, CASES, strict=True), key=lambda pair: pair[0][2])
    print(f"{len(CASES)} files")
    print("| Expected outcome | Files | Got it |")
    print("|---|---|---|")
    for outcome in EXIT_CODES:
        print(f"| {outcome} | {rows[outcome]} | {matched[outcome]} |")
    print(f"slowest: {slowest[1].name}, {slowest[0][1]:.1f} s (a whole process)")
    print(f"most memory: {largest[1].name}, {largest[0][2] / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
