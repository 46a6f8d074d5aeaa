"""How long annual reports take on the full demo database (targets: one PDF in under 3
seconds; all 317 councils in under 10 minutes on the 2-core machine).

    python benchmarks/reports.py                  # build/demo/scrutiny.db (make demo)
    python benchmarks/reports.py --url sqlite:///other.db --skip-all

Prints, for one council: the first report in a fresh process (figures over every council
computed, WeasyPrint loaded), then reports with the shared figures ready, as the web app
(which keeps them) and `--all` (which computes them once) make them. Then every current
council's report written by `scrutiny report annual --all`'s library call. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from scrutiny.publish.reports.annual import annual_pdf, prepare_inputs
from scrutiny.publish.reports.annual_batch import write_all_reports
from scrutiny.store.db import make_engine
from scrutiny.store.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
FIRST = "E06000047"  # County Durham, a large unitary council
# One council of each type: district, London borough, metropolitan borough, county, unitary.
COUNCILS = ("E07000223", "E09000033", "E08000025", "E10000014", "E06000001")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=f"sqlite:///{ROOT / 'build' / 'demo' / 'scrutiny.db'}")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-all", action="store_true", help="Only the single reports.")
    args = parser.parse_args()
    upgrade(args.url)  # a demo built before the self-assessment table gains it
    engine = make_engine(args.url)

    started = time.perf_counter()
    pdf = annual_pdf(engine, FIRST, YEAR)
    first = time.perf_counter() - started
    print(f"one report, fresh process, nothing computed: {first:.2f} s ({len(pdf):,} bytes)")

    started = time.perf_counter()
    inputs = prepare_inputs(engine, YEAR)
    shared = time.perf_counter() - started
    print(f"figures over every council (indicators, measures): {shared:.2f} s")
    timings = []
    for code in COUNCILS:
        started = time.perf_counter()
        annual_pdf(engine, code, YEAR, inputs=inputs)
        timings.append(time.perf_counter() - started)
        print(f"  {code}: {timings[-1]:.2f} s")
    print(
        f"one report, shared figures ready (own signals computed): median "
        f"{statistics.median(timings):.2f} s, slowest {max(timings):.2f} s (target 3 s)"
    )
    if args.skip_all:
        return
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        result = write_all_reports(engine, YEAR, Path(directory), "pdf", jobs=args.jobs)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in result.written)
    print(
        f"every council: {len(result.written)} reports ({size / 1e6:.0f} MB), "
        f"{len(result.failed)} failed, in {seconds:.0f} s with {args.jobs} processes "
        f"({seconds / max(len(result.written), 1):.2f} s a report; target 600 s)"
    )


if __name__ == "__main__":
    main()
