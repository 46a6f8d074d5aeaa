"""Importing a 1,000,000-row complaints CSV, validation included, into SQLite and PostgreSQL.

Runs `scrutiny import` as a separate process against a fresh database of each kind and
prints rows per second (target: 100,000 or more each) and the process's peak memory
(target: under 2 GiB). Run with `make bench`; prints its figures, it is not a test.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine

from returns import write_complaints_csv
from scrutiny.store.migrations import upgrade

ROWS = 1_000_000
WORK = Path("build/bench")
POSTGRES_ADMIN = "postgresql+psycopg://{user}@/postgres?host=/var/run/postgresql"


def fresh_postgresql() -> str | None:
    """A new empty database on the local server, or None when there is no server."""
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
    upgrade(url)
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
    if not path.exists():
        write_complaints_csv(path, ROWS)
    print(f"Import {ROWS:,} complaint rows, validation included, whole process")
    sqlite_file = WORK / "import-bench.db"
    sqlite_file.unlink(missing_ok=True)
    targets = [("SQLite", f"sqlite:///{sqlite_file}"), ("PostgreSQL", fresh_postgresql())]
    for name, url in targets:
        if url is None:
            continue
        seconds, peak_gib = timed_import(path, url)
        print(
            f"  {name:<10} {seconds:6.2f} s  {ROWS / seconds:>9,.0f} rows/s (target >= 100,000)"
            f"  peak memory {peak_gib:.2f} GiB (target < 2)"
        )


if __name__ == "__main__":
    main()
