"""`make demo` from a clean clone after install: the whole demo build, phase by phase.

Runs what `make demo` runs before it serves (`scrutiny standard export` and `scrutiny
demo DIR`, each a fresh process) into a scratch folder, best of REPEATS, and prints the
whole time and each phase's, read from the build's own log (`demo phase ... in N s`).
The yardstick beside it, from the same run, is the build's core: generating the synthetic
nation and importing its complaints through validation and the normal import path, which
every other phase adds to. Target (issue 22): under 30 s.
Run: `python benchmarks/demo_build.py [REPEATS]` (3 by default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 30.0
SYNTH = "generating the synthetic nation (its own thread, beside the real data's phases)"
CORE = (SYNTH, "importing synthetic complaints")


def build(folder: Path) -> tuple[float, dict[str, float]]:
    """Seconds for the whole build into FOLDER, and each phase's from its log."""
    env = {**os.environ, "SCRUTINY_LOG_FORMAT": "json"}
    env.pop("SCRUTINY_DATABASE_URL", None)
    scrutiny = [sys.executable, "-m", "scrutiny.cli"]
    started = time.perf_counter()
    subprocess.run(
        [*scrutiny, "standard", "export", str(folder / "standard")],
        check=True,
        env=env,
        capture_output=True,
    )
    exported = time.perf_counter()
    done = subprocess.run(
        [*scrutiny, "demo", str(folder)], check=True, env=env, capture_output=True, text=True
    )
    whole = time.perf_counter() - started
    phases = {"exporting the standard (its own process)": exported - started}
    for line in done.stderr.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("task") == "demo phase":
                phases[entry["phase"]] = entry["duration_ms"] / 1000
            elif entry.get("task") == "synth" and "duration_ms" in entry:
                phases[SYNTH] = entry["duration_ms"] / 1000
    return whole, phases


def main(repeats: int) -> None:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as scratch:
            runs.append(build(Path(scratch) / "demo"))
    whole, phases = min(runs, key=lambda run: run[0])
    core = sum(phases.get(name, 0.0) for name in CORE)
    print(f"make demo's build (standard export and scrutiny demo), best of {repeats}:")
    verdict = "met" if whole < TARGET else "NOT met"
    print(
        f"  make demo build: {whole:.1f} s   floor/yardstick: generating and importing the"
        f" synthetic complaints {core:.1f} s   ratio: {whole / core:.2f}"
        f"   target: under {TARGET:.0f} s ({verdict})"
    )
    print("  its phases (the best run):")
    for name, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"    {seconds:6.1f} s  {name}")
    rest = whole - sum(t for name, t in phases.items() if name != SYNTH)
    print(f"    {rest:6.1f} s  the rest (start-up, summary)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
