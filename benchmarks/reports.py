"""How long reports take on the full demo database, each beside its floor.

    python benchmarks/reports.py                  # build/demo/scrutiny.db (make demo)
    python benchmarks/reports.py --url sqlite:///other.db --skip-all

Prints, in `make bench`'s table form, best of 3:
- one council's annual report PDF from a fresh process (`scrutiny report annual`, the whole
  process), beside rendering the same report's HTML to PDF alone in a warm process (the
  floor; target 1.5 s), and the same report made the old way, from every council's
  figures, in a fresh process;
- the national overview's twenty histograms drawn on its first request (a fresh process
  whose converter was started while the figures were read), beside the same drawing with
  the converter already hot (the floor), drawn the old way (the converter started by the
  first histogram, each council's code and name in every histogram's data), and drawn
  again in the same process (the page, then its PDF: to_svg keeps what it drew);
- then every current council's report written by `scrutiny report annual --all`'s library
  call (target 600 s).
Not a test: the machine's other work moves the figures, the ratios less.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scrutiny.publish.reports.annual import annual_html
from scrutiny.publish.reports.annual_batch import write_all_reports
from scrutiny.publish.reports.render import html_to_pdf
from scrutiny.store.db import make_engine
from scrutiny.store.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
FIRST = "E06000047"  # County Durham, a large unitary council
REPEATS = 3
TARGET_S = 1.5
# A fresh process as users start one: Python writes its bytecode caches on the first run
# (the development shell may say not to), so every timed run finds them.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

OLD_WAY = """
import sys
from scrutiny.publish.reports.annual import annual_pdf, prepare_inputs
from scrutiny.store.db import make_engine
engine = make_engine(sys.argv[1])
annual_pdf(engine, sys.argv[2], sys.argv[3], inputs=prepare_inputs(engine, sys.argv[3]))
"""


def line(what: str, figure: float, floor_what: str, floor: float, target: str, met: bool) -> None:
    """One row of the bench table."""
    print(
        f"  {what}: {figure:.2f} s   floor/yardstick: {floor_what} {floor:.2f} s   "
        f"ratio: {figure / floor:.2f}   target: {target} ({'met' if met else 'NOT met'})"
    )


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of COMMAND, whole process."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def annual(url: str) -> None:
    python = sys.executable
    scrutiny = str(Path(python).with_name("scrutiny"))
    engine = make_engine(url)
    html = annual_html(engine, FIRST, YEAR)
    engine.dispose()
    html_to_pdf(html)  # WeasyPrint loaded and its fonts found
    with tempfile.TemporaryDirectory() as directory:
        output = str(Path(directory) / "report.pdf")
        fresh = [scrutiny, "report", "annual", "--authority", FIRST, "--year", YEAR]
        fresh += ["--output", output]
        old = [python, "-c", OLD_WAY, url, FIRST, YEAR]
        env = {**ENV, "SCRUTINY_DATABASE_URL": url}
        timed(fresh, env)  # bytecode written
        found: dict[str, list[float]] = {"fresh": [], "old": [], "floor": []}
        # Round by round, so the three meet the machine's other work alike.
        for _ in range(REPEATS):
            found["fresh"].append(timed(fresh, env))
            found["old"].append(timed(old, env))
            started = time.perf_counter()
            html_to_pdf(html)
            found["floor"].append(time.perf_counter() - started)
    best = {name: min(times) for name, times in found.items()}
    print(f"Annual report of {FIRST} for {YEAR}, best of {REPEATS}")
    met = best["fresh"] < TARGET_S
    line(
        "one PDF, fresh process",
        best["fresh"],
        "rendering alone",
        best["floor"],
        f"< {TARGET_S} s",
        met,
    )
    line(
        "the old way (every council's figures)",
        best["old"],
        "rendering alone",
        best["floor"],
        "-",
        True,
    )


def national_charts(url: str, way: str) -> None:
    """In a fresh process: the national overview's histograms drawn the new or the OLD way,
    then again with the converter hot. Prints both times."""
    from scrutiny.core.periods import parse_financial_year
    from scrutiny.measures.indicators import compute_indicators
    from scrutiny.publish import charts
    from scrutiny.publish.reports.national import histograms, indicator_spreads
    from scrutiny.publish.reports.render import svg_data_uri

    if way == "new":
        charts.warm_up()
    engine = make_engine(url)
    spreads = tuple(indicator_spreads(compute_indicators(engine), parse_financial_year(YEAR)[1]))
    engine.dispose()
    if way == "new":
        charts.warm_up().join()  # as on the web, where the figures take seconds more

    def old_way() -> None:
        for spread in spreads:
            if spread.values.is_empty():
                continue
            spec = charts.to_spec(charts.distribution_chart(spread.values, value_title="x"))
            councils = spread.values.filter(spread.values["value"].is_not_null())
            spec["datasets"]["councils"] = charts._records(councils.select("code", "name", "value"))
            svg_data_uri(spec)

    timed = []
    for again in (False, False, True):  # first; the converter hot; drawn again (cached)
        if not again:
            charts._drawn.cache_clear()
        started = time.perf_counter()
        histograms(spreads, YEAR) if way == "new" else old_way()
        timed.append(time.perf_counter() - started)
    print(*timed)


def national(url: str) -> None:
    runs: dict[str, list[tuple[float, ...]]] = {"new": [], "old": []}
    for _ in range(REPEATS):
        for way, found in runs.items():
            command = [sys.executable, __file__, "--url", url, "--national-charts", way]
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=ENV)
            found.append(tuple(float(x) for x in out.stdout.split()))
    new, old = (min(times[0] for times in runs[way]) for way in ("new", "old"))
    floor = min(times[1] for found in runs.values() for times in found)
    again = min(times[2] for times in runs["new"])
    print(f"National overview {YEAR}: its twenty histograms drawn, best of {REPEATS}")
    line("first drawing (converter started early)", new, "converter hot", floor, "-", True)
    line("the old way (converter started cold)", old, "converter hot", floor, "-", True)
    line("drawn again (the page, then its PDF)", again, "converter hot", floor, "-", True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=f"sqlite:///{ROOT / 'build' / 'demo' / 'scrutiny.db'}")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-all", action="store_true", help="Only the single reports.")
    parser.add_argument("--national-charts", choices=["new", "old"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.national_charts:
        national_charts(args.url, args.national_charts)
        return
    upgrade(args.url)  # a demo built before the newest migration gains it
    annual(args.url)
    national(args.url)
    if args.skip_all:
        return
    engine = make_engine(args.url)
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
