"""Web pages under load: p95 response times with 20 concurrent clients (locust), on SQLite
and on PostgreSQL.

Serves the full demo database with `scrutiny serve --workers 2` (one per core): SQLite's
build/demo/scrutiny.db (`make demo` builds it; this script builds it once if missing) and
the same demo in PostgreSQL, database `scrutiny_bench_web` (built once if missing). Warms
each page until every worker has it (the first request computes and caches the figures),
then runs locust headless: 20 clients, no think time, four council pages (random
councils) to each national overview; then, as the yardstick in the same run, the same 20
clients asking only for /healthz, which does nothing: the floor that the service's stack,
the HTTP protocol and locust (on the same 2 cores) set. Each is the best of REPEATS runs.

Targets (issue 22): council page p95 under 50 ms warm on both databases; the national
overview's is the issue 8 target, 300 ms. Run:
`python benchmarks/web_load.py [SECONDS] [REPEATS] [BACKENDS] [COUNCILS]` (60 s, best of
3, SQLite,PostgreSQL, every council by default). COUNCILS limits the run to the first so
many councils (SCRUTINY_BENCH_COUNCILS for locust): a quick comparison of warm pages, as
a kept page costs the same however many are kept, when warming every council's first
visit would take most of the run.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from postgres_demo import postgresql_demo

from scrutiny.demo.build import build_demo
from scrutiny.reference.authorities import current_codes

DEMO = Path("build/demo")
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
USERS = 20
WORKERS = 2  # one per core
TARGETS = {"council page": 50.0, "national overview": 300.0}
BENCH_DATABASE = "scrutiny_bench_web"
# Two workers need one secret key between them (`scrutiny serve` refuses to start without).
SECRET = "web-load-benchmark-key-not-for-any-real-service"


def sqlite_demo() -> str:
    if not (DEMO / "scrutiny.db").exists():
        print("building the demo database (once)...", flush=True)
        build_demo(DEMO)
    return f"sqlite:///{DEMO / 'scrutiny.db'}"


def postgresql_demo_for_load() -> str:
    """The full demo in PostgreSQL, built once (kept between runs)."""
    return postgresql_demo(BENCH_DATABASE, Path("build/bench-web-postgresql"))


def wait_until_up(deadline: float = 120) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the web service did not start")


def councils() -> list[str]:
    """The councils the clients visit (the first COUNCILS, or all)."""
    codes = current_codes().to_list()
    return codes[: int(os.environ.get("SCRUTINY_BENCH_COUNCILS") or len(codes))]


def warm() -> tuple[float, float, int]:
    """Request every page until a whole pass is fast, so that every worker has cached every
    page (requests go to whichever worker is free; two at a time keep both busy). Returns
    the slowest first request (s), the whole warm-up time (s) and the number of passes."""
    paths = ["/"] + [f"/councils/{code}" for code in councils()]

    def fetch(path: str) -> float:
        begun = time.perf_counter()
        urllib.request.urlopen(BASE + path, timeout=300).read()
        return time.perf_counter() - begun

    started, first_slowest = time.perf_counter(), 0.0
    passes = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        for passes in range(1, 21):  # noqa: B007 (the count is returned)
            slowest = max(pool.map(fetch, paths))
            first_slowest = first_slowest or slowest
            if slowest < 0.1:
                break
    return first_slowest, time.perf_counter() - started, passes


def load(user: str, seconds: int, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Locust's figures for SECONDS of USERS clients of class USER, by request name."""
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
                user,
            ],
            check=True,
            env={**env, "PYTHONPATH": "src"},
            capture_output=True,
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
            return {row["Name"]: row for row in csv.DictReader(handle)}


def p95(stats: dict[str, dict[str, str]], name: str) -> float:
    return float(stats[name]["95%"])


def measure(backend: str, url: str, seconds: int, repeats: int) -> None:
    env = {**os.environ, "SCRUTINY_DATABASE_URL": url, "SCRUTINY_SECRET_KEY": SECRET}
    command = [sys.executable, "-m", "scrutiny.cli", "serve", "--port", str(PORT)]
    server = subprocess.Popen([*command, "--workers", str(WORKERS)], env=env)
    runs: list[tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]] = []
    try:
        wait_until_up()
        slowest, seconds_warming, passes = warm()
        print(
            f"{backend}: warming: slowest first request {slowest:.2f} s; every page cached by"
            f" every worker after {passes} passes over the {len(councils()) + 1} pages,"
            f" {seconds_warming:.0f} s",
            flush=True,
        )
        for _ in range(repeats):
            runs.append((load("Visitor", seconds, env), load("Floor", seconds, env)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{backend}: {USERS} concurrent clients for {seconds} s, best of {repeats},"
        f" scrutiny serve --workers {WORKERS}, full demo:"
    )
    for name, target in TARGETS.items():
        pages, floor = min(runs, key=lambda run: p95(run[0], name))
        figure, yardstick = p95(pages, name), p95(floor, "healthz")
        row = pages[name]
        verdict = "met" if figure < target else "NOT met"
        print(
            f"  {name} p95 ({backend}): {figure:.0f} ms"
            f" (median {float(row['50%']):.0f} ms, {int(row['Request Count']):,} requests,"
            f" {int(row['Failure Count'])} failed)"
            f"   floor/yardstick: /healthz p95 under the same load {yardstick:.0f} ms"
            f"   ratio: {figure / max(yardstick, 1.0):.1f}"
            f"   target: under {target:.0f} ms ({verdict})"
        )
    best_pages, best_floor = max(runs, key=lambda run: float(run[0]["Aggregated"]["Requests/s"]))
    throughput = float(best_pages["Aggregated"]["Requests/s"])
    floor_throughput = float(best_floor["Aggregated"]["Requests/s"])
    print(
        f"  throughput ({backend}): {throughput:.0f} requests/s"
        f"   floor/yardstick: /healthz {floor_throughput:.0f} requests/s"
        f"   ratio: {floor_throughput / max(throughput, 1.0):.1f}"
        f"   target: 600 requests/s ({'met' if throughput >= 600 else 'NOT met'})",
        flush=True,
    )


def main(seconds: int, repeats: int, backends: list[str]) -> None:
    makers = {"SQLite": sqlite_demo, "PostgreSQL": postgresql_demo_for_load}
    for backend in backends:
        measure(backend, makers[backend](), seconds, repeats)


if __name__ == "__main__":
    if len(sys.argv) > 4:
        os.environ["SCRUTINY_BENCH_COUNCILS"] = sys.argv[4]
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 60,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
        sys.argv[3].split(",") if len(sys.argv) > 3 else ["SQLite", "PostgreSQL"],
    )
