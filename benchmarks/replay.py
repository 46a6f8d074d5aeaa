"""A year in the life, replayed (issue 15): the synthetic nation's 2024-25 as it would
really arrive, with every main page, report and API endpoint checked after every week.

scrutiny.demo.replay sends each council's quarterly complaints returns 0 to 6 weeks late,
leaves about one quarter in twenty unsent, corrects about one return in ten, and sends
the Ombudsman's decisions and recommendations month by month; after every simulated week
it reconciles the stored rows with what was sent less what was replaced. Here, after every
week, each page below must answer 200 or a deliberate 404 (never anything else), and the
figures the web service has cached must equal a from-scratch computation on the same data.

Run: `python benchmarks/replay.py [SCALE] [COUNCILS]` (default: scale 1.0, every council;
`python benchmarks/replay.py 0.05 5` is the small run the tests make). Prints the counts and
timings. Synthetic data throughout.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from polars.testing import assert_frame_equal

from scrutiny.demo.replay import Arrival, Ledger, arrivals, load_history, replay
from scrutiny.demo.synth import generate_dataset
from scrutiny.measures.indicators import compute_indicators
from scrutiny.reference.authorities import current_codes
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_user
from scrutiny.store.db import make_engine
from scrutiny.store.migrations import upgrade
from scrutiny.web import cache as keys
from scrutiny.web import create_app

YEAR = 2024  # 2024-25 is replayed; the years before it are the councils' history
PASSWORD = "replay-password"
ANALYST, COUNCILLOR = "analyst@replay.example", "councillor@replay.example"
WATCHED = 3  # councils whose own pages are checked every week
# What a 404 for an address that does not exist says (a deliberate one says why).
UNMEANT = ('{"detail":"Not Found"}', "If you typed the web address")


@dataclass
class Checks:
    """What the page checks saw: statuses by path kind, and the time they took."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    requests: int = 0
    weeks: int = 0
    seconds: float = 0.0
    figure_checks: int = 0
    refresh_seconds: float = 0.0

    def failures(self) -> list[tuple[str, int]]:
        return sorted(k for k in self.statuses if k[1] not in (200, 404))


def pages(codes: list[str]) -> dict[str, list[str]]:
    """The pages checked, by who reads them."""
    year = f"{YEAR}-{(YEAR + 1) % 100:02d}"
    public = ["/", "/compare?" + "&".join(f"codes={c}" for c in codes), "/data"]
    for code in codes:
        public += [
            f"/councils/{code}",
            f"/councils/{code}/reports/annual/{year}.html",
            f"/api/v1/benchmarks/{code}",
        ]
    public += [
        "/api/v1/funnel/stage1_on_time",
        f"/api/v1/indicators/values?period={year}",
        "/api/v1/recommendations",
    ]
    return {
        "public": public,
        "analyst": ["/ombudsman/watchlist", "/ombudsman/data-quality"],
        "councillor": [f"/council/{codes[0]}/scrutiny"],
    }


def signed_in(app: object, email: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    form = client.get("/sign-in").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def run(
    scale: float, councils: int | None, directory: Path, seed: int = 2, every: int = 1
) -> dict[str, float]:
    """Replay SCALE of the synthetic nation (COUNCILS of them, or all) in DIRECTORY,
    checking every page after every EVERY weeks (the rows after every week). Returns the
    figures to print; raises on any page that is not 200 or a deliberate 404, any row
    lost and any figure that differs."""
    chosen = current_codes().to_list()[:councils] if councils else None
    started = time.perf_counter()
    dataset = generate_dataset(directory / "synth", seed=seed, scale=scale, councils=chosen)
    generated = time.perf_counter() - started
    url = f"sqlite:///{directory}/scrutiny.db"
    upgrade(url)
    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key="replay")
    watched = sorted(chosen or current_codes().to_list())[:WATCHED]
    for email, role, code in ((ANALYST, "ombudsman", None), (COUNCILLOR, "councillor", watched[0])):
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="replay"
        )
    started = time.perf_counter()
    ledger = load_history(engine, settings, dataset.files, YEAR, directory)
    history = time.perf_counter() - started
    coming = arrivals(dataset.files, YEAR, seed)
    app = create_app(settings)
    checks = Checks()
    readers: dict[str, TestClient] = {}
    with TestClient(app, raise_server_exceptions=False) as public:
        readers = {
            "public": public,
            "analyst": signed_in(app, ANALYST),
            "councillor": signed_in(app, COUNCILLOR),
        }
        paths = pages(watched)

        def check_week(week_end: date, arrived: object) -> None:
            checks.weeks += 1
            if checks.weeks % every:
                return
            began = time.perf_counter()
            for who, addresses in paths.items():
                for path in addresses:
                    answer = readers[who].get(path)
                    status = answer.status_code
                    if status == 404 and any(text in answer.text for text in UNMEANT):
                        status = 0  # a 404 for an address that does not exist: a failure
                    checks.statuses[(path.split("?")[0], status)] += 1
                    checks.requests += 1
            checks.seconds += time.perf_counter() - began
            began = time.perf_counter()
            app.state.cache.wait()
            checks.refresh_seconds += time.perf_counter() - began
            for grain in ("financial_year", "quarter"):
                cached = app.state.cache.get(
                    keys.Indicators(grain), lambda g=grain: compute_indicators(engine, g)
                )
                assert_frame_equal(cached, compute_indicators(engine, grain))
                checks.figure_checks += 1
            if checks.failures():
                raise AssertionError(f"week to {week_end}: {checks.failures()}")

        started = time.perf_counter()
        weeks = replay(engine, settings, coming, directory, ledger, on_week=check_week)
        replayed = time.perf_counter() - started
        for client in readers.values():
            client.close()
    engine.dispose()
    return _figures(dataset.rows, ledger, weeks, checks, generated, history, replayed, coming)


def _figures(
    rows: dict[str, int],
    ledger: Ledger,
    weeks: int,
    checks: Checks,
    generated: float,
    history: float,
    replayed: float,
    coming: list[Arrival],
) -> dict[str, float]:
    by_status: Counter[int] = Counter()
    for (_, status), count in checks.statuses.items():
        by_status[status] += count
    return {
        "synthetic rows": sum(v for k, v in rows.items() if k != "ground_truth"),
        "weeks replayed": weeks,
        "files sent": ledger.files,
        "corrections (replacing)": sum(a.replace for a in coming),
        "rows sent": ledger.sent,
        "rows replaced": ledger.replaced,
        "page checks": checks.requests,
        "answered 200": by_status[200],
        "answered 404 (deliberate)": by_status[404],
        "answered anything else": sum(n for s, n in by_status.items() if s not in (200, 404)),
        "figure checks (cached = from scratch)": checks.figure_checks,
        "generating the data, s": generated,
        "loading the history, s": history,
        "importing the replayed returns, s": ledger.seconds,
        "page checks, s": checks.seconds,
        "waiting for background refreshes, s": checks.refresh_seconds,
        "whole replay, s": replayed,
    }


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    councils = int(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as scratch:
        figures = run(scale, councils, Path(scratch))
    print(
        f"replay of {YEAR}-{(YEAR + 1) % 100:02d}, scale {scale}, "
        f"{councils or 'every'} councils (synthetic data)"
    )
    for name, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"  {name:40} {shown:>12}")


if __name__ == "__main__":
    main()
