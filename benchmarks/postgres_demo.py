"""The full demo in a PostgreSQL database of its own, built once and kept between runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from scrutiny.demo.build import build_demo

POSTGRES_ADMIN_URL = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"


def postgresql_demo(database: str, folder: Path) -> str:
    """The URL of DATABASE holding the full demo (its evidence files under FOLDER), built
    unless it is there already; raises when no server answers."""
    url = POSTGRES_ADMIN_URL.replace("/postgres?", f"/{database}?")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).scalar()
        engine = create_engine(url) if found else None
        built = engine is not None and inspect(engine).has_table("complaint_counts")
        if engine is not None:
            engine.dispose()
        if not built:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
            print("building the full demo in PostgreSQL (once)...", flush=True)
            build_demo(folder, database_url=url)
    finally:
        admin.dispose()
    return url
