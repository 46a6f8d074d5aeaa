"""Importing a 1,000,000-row complaints CSV, validation included, into SQLite and PostgreSQL.

Runs `scrutiny import` as a separate process against a fresh database of each kind and,
in the same run, the database's own bulk load of the same rows into a fresh database
(benchmarks/store.py's floor: SQLite executemany of pre-typed tuples, PostgreSQL binary
COPY), best of three each, alternating. Prints rows per second beside the floor with the
ratio (issue 22's target: 300,000 rows/s, or within 1.5x of the floor) and the process's
peak memory (target: under 2 GiB). Run with `make bench`; it is not a test.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import create_engine
from store import floor_seconds, postgresql_database, side_by_side, sqlite_database

from returns import synthetic_complaints

ROWS = 1_000_000
ROUNDS = 3
WORK = Path("build/bench")
POSTGRES_ADMIN = "postgresql+psycopg://{user}@/postgres?host=/var/run/postgresql"


def fresh_postgresql() -> str | None:
    """A new empty database on the local server, or None when there is no server
    (benchmarks/indicators.py builds its demo in it)."""
    admin_url = POSTGRES_ADMIN.format(user=os.environ.get("USER", "root"))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS scrutiny_bench WITH (FORCE)")
            connection.exec_driver_sql("CREATE DATABASE scrutiny_bench")
    except Exception as error:  # no server: say so and carry on with SQLite
        print(f"  PostgreSQL skipped: {str(error).splitlines()[0]}")
        return None
    finally:
        admin.dispose()
    return admin_url.replace("/postgres?", "/scrutiny_bench?")


def timed_import(path: Path, url: str) -> tuple[float, float]:
    """Seconds and peak resident memory (GiB) of `scrutiny import PATH` into URL."""
    scrutiny = str(Path(sys.executable).with_name("scrutiny"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [scrutiny, "import", str(path)],
        env={**os.environ, "SCRUTINY_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed:\n{result.stdout}\n{result.stderr}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak / 2**20


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"complaints_{ROWS}.csv"
    frame = synthetic_complaints(ROWS)
    if not path.exists():
        frame.write_csv(path)
    print(
        f"Import {ROWS:,} complaint rows, validation included, whole process, best of "
        f"{ROUNDS}, beside the database's own bulk load of the same rows"
    )
    databases: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
        ("SQLite", sqlite_database),
        ("PostgreSQL", postgresql_database),
    ]
    for name, database in databases:
        figure: list[float] = []
        floor: list[float] = []
        peak_gib = 0.0
        try:
            for _ in range(ROUNDS):
                with database() as url:
                    floor.append(floor_seconds(url, frame))
                with database() as url:
                    seconds, peak_gib = timed_import(path, url)
                    figure.append(seconds)
        except Exception as error:  # no PostgreSQL server: say so and carry on
            print(f"  {name}: skipped ({str(error).splitlines()[0]})")
            continue
        print(side_by_side(f"{name} scrutiny import", figure, floor, ROWS))
        print(f"  {name} scrutiny import peak memory: {peak_gib:.2f} GiB (target < 2)")


if __name__ == "__main__":
    main()
