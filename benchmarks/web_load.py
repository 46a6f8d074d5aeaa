"""Web pages under load: p95 response times with 20 concurrent clients (locust).

Serves the full demo database (`make demo` builds build/demo/scrutiny.db; this script
builds it once if it is missing) with `scrutiny serve --workers 2` (one per core), warms
each page once (the first request computes and caches the figures), then runs locust
headless: 20 clients, no think time, four council pages (random councils) to each
national overview. Targets (issue 8): council page p95 under 150 ms, national overview
p95 under 300 ms. Run: `python benchmarks/web_load.py [SECONDS]`; prints its figures.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scrutiny.demo.build import build_demo
from scrutiny.reference.authorities import current_codes

DEMO = Path("build/demo")
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
USERS = 20
WORKERS = 2  # one per core
TARGETS = {"council page": 150.0, "national overview": 300.0}


def wait_until_up(deadline: float = 60) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            urllib.request.urlopen(f"{BASE}/sign-in", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the web service did not start")


def warm() -> tuple[float, float, int]:
    """Request every page until a whole pass is fast, so that every worker has cached every
    page (requests go to whichever worker is free). Returns the slowest first request
    (s), the whole warm-up time (s) and the number of passes."""
    paths = ["/"] + [f"/councils/{code}" for code in current_codes().to_list()]
    started, first_slowest = time.perf_counter(), 0.0
    passes = 0
    for passes in range(1, 21):  # noqa: B007 (the count is returned)
        slowest = 0.0
        for path in paths:
            begun = time.perf_counter()
            urllib.request.urlopen(BASE + path, timeout=120).read()
            slowest = max(slowest, time.perf_counter() - begun)
        first_slowest = first_slowest or slowest
        if slowest < 0.1:
            break
    return first_slowest, time.perf_counter() - started, passes


def main(seconds: int) -> None:
    if not (DEMO / "scrutiny.db").exists():
        print("building the demo database (once)...")
        build_demo(DEMO)
    env = {**os.environ, "SCRUTINY_DATABASE_URL": f"sqlite:///{DEMO / 'scrutiny.db'}"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrutiny.cli",
            "serve",
            "--port",
            str(PORT),
            "--workers",
            str(WORKERS),
        ],
        env=env,
    )
    try:
        wait_until_up()
        slowest, seconds_warming, passes = warm()
        print(
            f"warming: slowest first request {slowest:.2f} s; every page cached by every"
            f" worker after {passes} passes over the {len(current_codes()) + 1} pages,"
            f" {seconds_warming:.0f} s"
        )
        with tempfile.TemporaryDirectory() as folder:
            prefix = Path(folder) / "load"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "-u",
                    str(USERS),
                    "-r",
                    str(USERS),
                    "-t",
                    f"{seconds}s",
                    "-H",
                    BASE,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                check=True,
                env={**env, "PYTHONPATH": "src"},
                capture_output=True,
            )
            with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
                stats = {row["Name"]: row for row in csv.DictReader(handle)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{USERS} concurrent clients for {seconds} s,"
        f" scrutiny serve --workers {WORKERS}, full demo:"
    )
    for name, target in TARGETS.items():
        row = stats[name]
        p95 = float(row["95%"])
        verdict = "met" if p95 < target else "not met"
        print(
            f"  {name}: {int(row['Request Count']):,} requests,"
            f" {int(row['Failure Count'])} failed, median {float(row['50%']):.0f} ms,"
            f" p95 {p95:.0f} ms (target {target:.0f} ms: {verdict})"
        )
    total = stats["Aggregated"]
    print(f"  throughput {float(total['Requests/s']):.0f} requests/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
