"""The schema: db.py's tables, the numbered migrations and the engines."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, Boolean, Date, Double, Text, text

from scrutiny.settings import Settings
from scrutiny.standard import load_standard
from scrutiny.store.db import DATA_TABLES, make_engine, metadata, transaction
from scrutiny.store.migrations import current_revision, upgrade

ROOT = Path(__file__).resolve().parent.parent
HEAD = "0014"  # the newest migration
SQL_TYPES = {
    "string": Text,
    "code": Text,
    "codes": Text,
    "integer": BigInteger,
    "number": Double,
    "boolean": Boolean,
    "date": Date,
}


def test_migrated_schema_matches_the_table_definitions(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_upgrade_leaves_the_database_at_the_newest_migration_and_can_run_again(database_url):
    upgrade(database_url)
    assert current_revision(database_url) == HEAD


def test_upgrade_accepts_settings(tmp_path):
    upgrade(Settings(database_url=f"sqlite:///{tmp_path / 'from-settings.db'}"))
    assert current_revision(f"sqlite:///{tmp_path / 'from-settings.db'}") == HEAD


def test_migrations_are_numbered_and_shipped_with_the_package():
    folder = resources.files("scrutiny") / "store" / "migrations"
    versions = sorted(p.name for p in Path(str(folder), "versions").glob("*.py"))
    assert versions == [
        "0001_initial.py",
        "0002_complaint_counts.py",
        "0003_recommendation_lifecycle.py",
        "0004_accounts.py",
        "0005_self_assessment.py",
        "0006_sessions.py",
        "0007_landlord_measures.py",
        "0008_submission_source.py",
        "0009_council_mappings.py",
        "0010_evidence_sent_on.py",
        "0011_drafts.py",
        "0012_follow_up.py",
        "0013_evidence_files.py",
        "0014_kept_figures.py",
    ]
    assert all(name[:4] == f"{number:04d}" for number, name in enumerate(versions, start=1))
    assert versions[-1].startswith(HEAD)
    assert (folder / "script.py.mako").is_file()
    # The .py files ship as modules; the template needs package data. `make wheel-smoke`
    # proves it on the built wheel (it migrates a new database with the installed package).
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "**/*.mako" in pyproject["tool"]["setuptools"]["package-data"]["scrutiny"]


@pytest.mark.parametrize("table_name", sorted(DATA_TABLES))
def test_data_table_has_a_column_for_every_standard_field_with_a_matching_type(table_name):
    spec = load_standard().table(table_name)
    table = DATA_TABLES[table_name]
    owner = "import_id" if table_name == "housing_landlord_measures" else "submission_id"
    assert [c.name for c in table.columns] == ["id", owner, *spec.field_names()]
    for field in spec.fields:
        column = table.c[field.name]
        assert type(column.type) is SQL_TYPES[field.type], field.name
        assert column.nullable is not field.required, field.name


def test_standard_tables_are_exactly_the_data_tables():
    assert set(DATA_TABLES) == set(load_standard().tables)


def test_sqlite_engine_uses_wal_and_enforces_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'scrutiny.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    engine.dispose()


def test_transaction_rolls_back_everything_when_the_block_fails(engine):
    with pytest.raises(RuntimeError), transaction(engine) as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, entity) "
                "VALUES (CURRENT_TIMESTAMP, 'me', 'tested', 'nothing')"
            )
        )
        raise RuntimeError("boom")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
