"""Backing up and restoring the full demo database, on SQLite and on PostgreSQL (issue 16).

Builds the full demo as `make demo` does (build/demo/scrutiny.db, if missing) and the same
demo in a PostgreSQL database, `scrutiny_bench_demo` (made again each run), then times
`backup_database` and `restore_database` (replacing the data) on each, checks the restored
tables hold as many rows as before, and prints a table. Needs the PostgreSQL server up
(`pg_ctlcluster 15 main start`). Run: `python benchmarks/backup_restore.py`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import create_engine, func, select

from scrutiny.demo.build import build_demo
from scrutiny.store.backup import Backup, backup_database, restore_database
from scrutiny.store.db import make_engine, metadata

DEMO = Path("build/demo")
POSTGRES_ADMIN_URL = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"
BENCH_DATABASE = "scrutiny_bench_demo"


def row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: int(
                    connection.execute(select(func.count()).select_from(table)).scalar_one()
                )
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def database_bytes(url: str) -> int:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).stat().st_size
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT pg_database_size(current_database())"
                ).scalar_one()
            )
    finally:
        engine.dispose()


def postgresql_demo(folder: Path) -> str:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DATABASE}"')
    admin.dispose()
    url = POSTGRES_ADMIN_URL.replace("/postgres?", f"/{BENCH_DATABASE}?")
    print("building the full demo in PostgreSQL...", flush=True)
    build_demo(folder, database_url=url)
    return url


def measure(url: str, folder: Path, name: str) -> tuple[Backup, Backup, int]:
    before = row_counts(url)
    size = database_bytes(url)
    made = backup_database(url, folder / name)
    restored = restore_database(url, made.path, replace=True)
    after = row_counts(url)
    assert after == before, f"restored row counts differ: {before} != {after}"
    return made, restored, size


def main() -> None:
    if not (DEMO / "scrutiny.db").exists():
        print("building the full demo database (once)...", flush=True)
        build_demo(DEMO)
    sqlite_url = f"sqlite:///{DEMO / 'scrutiny.db'}"
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        results["SQLite"] = measure(sqlite_url, folder, "backup.db")
        rows = sum(row_counts(sqlite_url).values())
        postgresql_url = postgresql_demo(folder / "demo")
        results["PostgreSQL"] = measure(postgresql_url, folder, "backup.dump")
    print(f"\nFull demo database, {rows:,} rows in all; backup then restore over it (--yes):")
    print(f"{'':12} {'database':>10} {'backup file':>12} {'backup':>8} {'restore':>8}")
    for backend, (made, restored, size) in results.items():
        print(
            f"{backend:12} {size / 1e6:>7,.0f} MB {made.size_bytes / 1e6:>9,.0f} MB"
            f" {made.seconds:>6.1f} s {restored.seconds:>6.1f} s"
        )


if __name__ == "__main__":
    main()
