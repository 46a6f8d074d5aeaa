"""How long pages take on the full demo from a fresh app, and how long keeping the figures
current takes, on SQLite and PostgreSQL.

    python benchmarks/pages.py                 # a copy of build/demo/scrutiny.db (make demo)
    python benchmarks/pages.py path/to/scrutiny.db

Each page is requested from a fresh app (first visit: what a visitor waits for after the
service starts, with the figures kept in the database by `make demo`) and then five times
more (warm: the median, the yardstick the first visit is measured against). The first
visit is the best of three fresh apps. Targets: issue 22, the watchlist under 2 s, the
national overview under 3 s and a council page under 0.3 s at first visit; issue 20, the
research page and a council's recommendations page under 0.5 s warm.

Then scrutiny.warning.kept.refresh after one council's new quarter (only that council and
its peer groups worked out again) beside working out everything kept (nothing stored),
best of three each. PostgreSQL's full demo is built once into scrutiny_bench_figures and
kept between runs; each run works on copies. Requests go through FastAPI's test client in
this process (no network). Not a test: prints its figures.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from cache_after_write import signed_in, timed
from fastapi.testclient import TestClient
from postgres_demo import POSTGRES_ADMIN_URL, postgresql_demo
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine
from scrutiny.store.kept_tables import forget_kept
from scrutiny.store.migrations import upgrade
from scrutiny.warning import kept
from scrutiny.web import create_app

DEMO = Path(__file__).resolve().parent.parent / "build" / "demo" / "scrutiny.db"
BENCH_DATABASE = "scrutiny_bench_figures"
YEAR = "2024-25"
ANALYST, OFFICER = "analyst@demo.scrutiny", "officer@demo.scrutiny"
PAGES: dict[str, tuple[str, str, float, bool]] = {
    # name: (path, who signs in, target in seconds, whether the target is the first visit's)
    "watchlist": ("/ombudsman/watchlist", ANALYST, 2.0, True),
    "national overview": (f"/ombudsman/reports/national/{YEAR}.html", ANALYST, 3.0, True),
    "council page": (f"/councils/{DEMO_AUTHORITY}", "", 0.3, True),
    "research page": ("/research/impact", "", 0.5, False),
    "recommendations page": (f"/council/{DEMO_AUTHORITY}/recommendations", OFFICER, 0.5, False),
}
WARM_REQUESTS = 5
ROUNDS = 3
# Councils sending a new quarter, one a round: unitary councils, in the largest peer group.
SENDERS = ["E06000047", "E06000001", "E06000002"]
OTHER_COUNCILS = ["E08000025", "E07000008", "E09000033"]  # Birmingham, Cambridge, Westminster
REFRESH_TARGET = 0.2  # of working out everything


def client(url: str, email: str) -> TestClient:
    app = create_app(Settings(database_url=url, secret_key="bench"))
    logging.disable(logging.INFO)  # the access log of every request
    return signed_in(app, email) if email else TestClient(app)


def line(what: str, figure: str, yardstick: str, ratio: float, target: str, met: bool) -> str:
    verdict = "met" if met else "NOT met"
    return (
        f"  {what}: {figure}   floor/yardstick: {yardstick}   ratio: {ratio:.2f}"
        f"   target: {target} ({verdict})"
    )


def pages(backend: str, url: str) -> None:
    for name, (path, email, target, first_visit) in PAGES.items():
        firsts = []
        for _ in range(ROUNDS):
            with client(url, email) as browser:
                firsts.append(timed(browser, path))
                warm = statistics.median(timed(browser, path) for _ in range(WARM_REQUESTS))
        first = min(firsts)
        figure = first if first_visit else warm
        print(
            line(
                f"{backend} {name} {'first visit' if first_visit else 'warm median'}",
                f"{figure:.3f} s",
                f"{warm:.3f} s warm median" if first_visit else f"{first:.3f} s first visit",
                figure / warm if first_visit else figure / first,
                f"< {target:g} s",
                figure < target,
            ),
            flush=True,
        )


def other_councils(backend: str, url: str) -> None:
    """The first visit to a council's page once the service has served another one (its
    own figures and charts, the nation's already in memory), best of three councils."""
    with client(url, "") as browser:
        timed(browser, f"/councils/{DEMO_AUTHORITY}")
        first = min(timed(browser, f"/councils/{code}") for code in OTHER_COUNCILS)
        warm = statistics.median(
            timed(browser, f"/councils/{OTHER_COUNCILS[0]}") for _ in range(WARM_REQUESTS)
        )
    print(
        line(
            f"{backend} another council's page first visit",
            f"{first:.3f} s",
            f"{warm:.3f} s warm median",
            first / warm,
            "< 0.3 s",
            first < 0.3,
        ),
        flush=True,
    )


def _quarter(url: str, authority_code: str, folder: Path) -> None:
    """One council's new quarter (2025-26 Q1, 40 complaints), imported as `scrutiny import`
    stores it."""
    days = [date(2025, 4, 2) + timedelta(days=n) for n in range(40)]
    path = folder / f"{authority_code}-2025-26-q1.csv"
    pl.DataFrame(
        {
            "authority_code": [authority_code] * len(days),
            "complaint_ref": [f"BENCH-{n}" for n in range(len(days))],
            "stage": [1] * len(days),
            "received_date": days,
            "acknowledged_date": [day + timedelta(days=1) for day in days],
            "responded_date": [day + timedelta(days=10) for day in days],
            "acceptance": ["accepted"] * len(days),
            "outcome": ["upheld", "not_upheld"] * (len(days) // 2),
            "service_area": ["housing"] * len(days),
        }
    ).write_csv(path)
    engine = make_engine(url)
    settings = Settings(database_url=url)
    result = submit_return(path, settings, engine, submitted_by="bench", period="2025-26 Q1")
    assert result.stored and result.saved, result.report.to_text()
    engine.dispose()


def refreshes(backend: str, scratch: Callable[[], Iterator[str]]) -> None:
    """kept.refresh after one council's return, beside working out everything kept."""
    incremental, everything = [], []
    with contextmanager(scratch)() as url:
        engine = make_engine(url)
        for code in SENDERS:
            with tempfile.TemporaryDirectory() as folder:
                _quarter(url, code, Path(folder))
            done = kept.refresh(engine, start=False)
            assert done.councils == {code}, done.summary()
            incremental.append(done.seconds)
        for _ in range(ROUNDS):
            forget_kept(engine)
            everything.append(kept.refresh(engine).seconds)
        engine.dispose()
    best, floor = min(incremental), min(everything)
    print(
        line(
            f"{backend} kept.refresh after one council's return",
            f"{best:.2f} s",
            f"{floor:.2f} s everything worked out again",
            best / floor,
            f"< {REFRESH_TARGET:g} of everything",
            best / floor < REFRESH_TARGET,
        ),
        flush=True,
    )


def keep(url: str) -> float:
    """Keep the figures as `make demo` now does (seconds; next to none when kept already)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        return kept.refresh(engine).seconds
    finally:
        engine.dispose()


def postgresql_demo_or_none() -> str | None:
    """The full demo in PostgreSQL (kept between runs), or None without a server."""
    try:
        return postgresql_demo(BENCH_DATABASE, Path("build/bench-figures-postgresql"))
    except OperationalError as error:  # no server: say so and carry on with SQLite
        print(f"  PostgreSQL skipped: {str(error).splitlines()[0]}")
        return None


def postgresql_copy(template_url: str) -> Iterator[str]:
    """A copy of the PostgreSQL demo, dropped afterwards."""
    name = f"{BENCH_DATABASE}_copy"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{BENCH_DATABASE}"')
    try:
        yield template_url.replace(f"/{BENCH_DATABASE}?", f"/{name}?")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(demo: Path) -> None:
    if not demo.exists():
        raise SystemExit(f"{demo} is missing: run `make demo` first")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "scrutiny.db"
        shutil.copyfile(demo, copy)
        sqlite = f"sqlite:///{copy}"
        seconds = keep(sqlite)
        if seconds > 1:
            print(f"  (SQLite: keeping the figures, make demo's last step: {seconds:.1f} s)")
        print("Pages from a fresh app on the full demo, figures kept (first visit best of 3):")
        pages("SQLite", sqlite)
        other_councils("SQLite", sqlite)

        def sqlite_copy() -> Iterator[str]:
            scratch = Path(folder) / "scratch.db"
            shutil.copyfile(copy, scratch)
            yield f"sqlite:///{scratch}"

        refreshes("SQLite", sqlite_copy)
    postgresql = postgresql_demo_or_none()
    if postgresql:
        seconds = keep(postgresql)
        if seconds > 1:
            print(f"  (PostgreSQL: keeping the figures: {seconds:.1f} s)")
        pages("PostgreSQL", postgresql)
        other_councils("PostgreSQL", postgresql)
        refreshes("PostgreSQL", lambda: postgresql_copy(postgresql))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO)
