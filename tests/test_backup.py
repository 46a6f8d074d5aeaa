"""Backing up and restoring the database, and moving its migration: `scrutiny db ...`.

Real databases and real files: the small demo on SQLite and PostgreSQL, backed up, changed,
restored and compared row by row; files that are not backups refused with the database
left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, select, text
from typer.testing import CliRunner

from conftest import scratch_postgresql
from scrutiny.cli import app
from scrutiny.store import postgres_tools
from scrutiny.store.accounts import create_user
from scrutiny.store.backup import (
    BackupError,
    RestoreNotConfirmed,
    backup_database,
    has_data,
    restore_database,
)
from scrutiny.store.db import complaints, make_engine, metadata, transaction
from scrutiny.store.migrations import current_revision, head_revision, revisions, upgrade
from scrutiny.store.people import users

runner = CliRunner()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order: two equal snapshots hold the same data."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = {
                table.name: [
                    tuple(row)
                    for row in connection.execute(select(table).order_by(*table.primary_key))
                ]
                for table in metadata.sorted_tables
            }
            found["alembic_version"] = [
                tuple(row) for row in connection.execute(text("SELECT * FROM alembic_version"))
            ]
    finally:
        engine.dispose()
    return found


def change_data(url: str) -> None:
    """What happens to a database after its backup: a new account, some rows gone."""
    engine = make_engine(url)
    try:
        create_user(
            engine, email="new@example.org", password="a-long-password", role="admin", actor="t"
        )
        with transaction(engine) as connection:
            some = select(complaints.c.id).order_by(complaints.c.id).limit(50).scalar_subquery()
            connection.execute(delete(complaints).where(complaints.c.id.in_(some)))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db(
    request: pytest.FixtureRequest,
    demo_copy: Any,
    demo_evidence: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """A copy of the small demo of this test's own, on each backend, with a copy of its
    evidence files where the commands look for them (SCRUTINY_EVIDENCE_DIR)."""
    files = tmp_path / "evidence-files"
    shutil.copytree(demo_evidence(request.param), files)
    monkeypatch.setenv("SCRUTINY_EVIDENCE_DIR", str(files))
    with demo_copy(request.param) as url:
        yield url


def backup_name(url: str) -> str:
    return "backup.db" if url.startswith("sqlite") else "backup.dump"


def test_a_backup_restored_over_changed_data_brings_back_every_row_exactly(demo_db, tmp_path):
    before = snapshot(demo_db)
    assert len(before["complaints"]) > 1000 and before["users"]
    made = backup_database(demo_db, tmp_path / backup_name(demo_db))
    assert made.revision == head_revision() and made.size_bytes > 0
    change_data(demo_db)
    assert snapshot(demo_db) != before
    with pytest.raises(RestoreNotConfirmed, match="--yes"):
        restore_database(demo_db, made.path)
    restore_database(demo_db, made.path, replace=True)
    assert snapshot(demo_db) == before
    # The restored database takes new rows: its id sequences came back with it.
    engine = make_engine(demo_db)
    try:
        user = create_user(
            engine, email="after@example.org", password="a-long-password", role="admin", actor="t"
        )
        assert user.id > max(row[0] for row in before["users"])
    finally:
        engine.dispose()


def test_a_backup_holds_only_what_was_committed_while_a_write_was_open(own_database, tmp_path):
    engine = make_engine(own_database)
    try:
        create_user(
            engine, email="kept@example.org", password="a-long-password", role="admin", actor="t"
        )
        with transaction(engine) as connection:  # the write lock is held through the backup
            connection.execute(
                users.update().where(users.c.email == "kept@example.org").values(role="ombudsman")
            )
            made = backup_database(own_database, tmp_path / backup_name(own_database))
    finally:
        engine.dispose()
    assert snapshot(own_database)["users"][0][3] == "ombudsman"
    restore_database(own_database, made.path, replace=True)
    assert [row[3] for row in snapshot(own_database)["users"]] == ["admin"]


def test_a_backup_never_overwrites_a_file_or_writes_into_a_missing_folder(own_database, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(own_database, taken)
    assert taken.read_text() == "keep me"
    with pytest.raises(BackupError, match="no folder"):
        backup_database(own_database, tmp_path / "missing" / "backup")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "own.db") == ["taken"]


def test_only_a_scrutiny_database_is_backed_up_and_only_into_a_folder_that_exists(tmp_path):
    foreign = tmp_path / "foreign.db"
    _not_scrutiny_sqlite(foreign)
    with pytest.raises(BackupError, match=r"foreign\.db is not a scrutiny database"):
        backup_database(f"sqlite:///{foreign}", tmp_path / "backup.db")
    with pytest.raises(BackupError, match="no database at"):
        backup_database(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "backup.db")
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(BackupError, match="restore failed and changed nothing"):
        restore_database(f"sqlite:///{tmp_path / 'no' / 'folder.db'}", foreign)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.db"]


def test_restoring_into_an_empty_database_needs_no_confirmation(own_database, tmp_path):
    made = backup_database(own_database, tmp_path / backup_name(own_database))
    assert not has_data(own_database)
    restore_database(own_database, made.path)
    assert current_revision(own_database) == head_revision()


def _not_scrutiny_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as database:
        database.execute("CREATE TABLE notes (body TEXT)")
        database.commit()


BAD_FILES = {
    "missing": (None, "no backup file"),
    "empty": (b"", "not a backup made by `scrutiny db backup`"),
    "text": (b"complaint_ref,stage\nA,1\n", "not a backup made by `scrutiny db backup`"),
    "truncated": ("truncated", "damaged|cannot be read|pg_restore failed"),
    "other_backend": ("other", "is a backup of a"),
    "not_scrutiny": ("foreign", "not a scrutiny database"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_restoring_a_file_that_is_not_a_good_backup_is_refused_and_changes_nothing(
    demo_db, tmp_path, kind
):
    sqlite = demo_db.startswith("sqlite")
    good = backup_database(demo_db, tmp_path / backup_name(demo_db)).path
    change_data(demo_db)
    before = snapshot(demo_db)
    content, message = BAD_FILES[kind]
    bad = tmp_path / f"bad-{kind}"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content == "truncated":
        # Cut near the end: a pg_dump archive's table of contents still reads, its data not.
        bad.write_bytes(good.read_bytes()[: int(good.stat().st_size * (0.5 if sqlite else 0.9))])
    elif content == "other" and sqlite:
        bad.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    elif content == "other":
        upgrade(f"sqlite:///{bad}")
    elif content == "foreign" and sqlite:
        _not_scrutiny_sqlite(bad)
    elif content == "foreign":
        with scratch_postgresql(f"scrutiny_foreign_{os.getpid()}") as other:
            with postgres_tools.libpq_target(other) as target:
                dumped = postgres_tools.run_tool(
                    "pg_dump", "--format=custom", f"--file={bad}", target
                )
            assert dumped.returncode == 0, dumped.stderr
    with pytest.raises(BackupError, match=message):
        restore_database(demo_db, bad, replace=True)
    assert snapshot(demo_db) == before
    if sqlite:
        folder = Path(demo_db.removeprefix("sqlite:///")).parent
        assert not [p for p in folder.iterdir() if ".restoring-" in p.name]


def test_a_postgresql_restore_that_fails_part_way_changes_nothing(demo_copy, tmp_path):
    """A report view someone made on a table stops pg_restore from dropping that table, after
    it has dropped others: one transaction, so all of it is undone."""
    with demo_copy("postgresql") as url:
        made = backup_database(url, tmp_path / "backup.dump")
        change_data(url)
        engine = make_engine(url)
        with transaction(engine) as connection:
            connection.execute(text("CREATE VIEW report_users AS SELECT email FROM users"))
        engine.dispose()
        before = snapshot(url)
        with pytest.raises(BackupError, match="pg_restore failed, so nothing was changed"):
            restore_database(url, made.path, replace=True)
        assert snapshot(url) == before


def test_a_postgresql_restore_over_a_later_migration_asks_for_a_downgrade_first(
    own_database, tmp_path
):
    """pg_restore --clean drops only the backup's tables, so a later migration's would stay;
    SQLite replaces the whole file, so there the older backup is restored as it was."""
    previous = revisions()[-2]
    runner.invoke(
        app, ["db", "downgrade", previous, "--yes"], env={"SCRUTINY_DATABASE_URL": own_database}
    )
    made = backup_database(own_database, tmp_path / backup_name(own_database))
    assert made.revision == previous
    upgrade(own_database)
    if own_database.startswith("sqlite"):
        restore_database(own_database, made.path)
        assert current_revision(own_database) == previous
    else:
        with pytest.raises(BackupError, match=f"scrutiny db downgrade {previous}"):
            restore_database(own_database, made.path)
        assert current_revision(own_database) == head_revision()


def test_a_missing_pg_dump_is_named_with_where_it_was_looked_for(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres_tools, "DEBIAN_BIN", tmp_path)
    with pytest.raises(postgres_tools.PostgresToolMissing, match="pg_dump was not found"):
        postgres_tools.find_tool("pg_dump")
    newer = tmp_path / "16" / "bin" / "pg_dump"
    for version in ("9.6", "16", "15"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "pg_dump").touch()
    assert postgres_tools.find_tool("pg_dump") == newer


def test_a_password_goes_in_a_private_file_not_on_the_command_line():
    url = "postgresql+psycopg://alex:s3cr:t@db.example.org:5433/scrutiny?sslmode=require"
    with postgres_tools.libpq_target(url) as target:
        assert "s3cr" not in target and target.startswith("postgresql://alex@db.example.org:5433/")
        passfile = Path(parse_qs(urlsplit(target).query)["passfile"][0])
        assert passfile.read_text() == "*:*:*:*:s3cr\\:t\n"
        assert oct(passfile.stat().st_mode & 0o777) == "0o600"
        assert "sslmode=require" in target
    assert not passfile.exists()


# --- The commands -----------------------------------------------------------------------


def cli(url: str, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, ["db", *args], env={"SCRUTINY_DATABASE_URL": url}, input=stdin)


def test_migrations_go_down_to_nothing_and_up_again_with_current_saying_where(own_database):
    head = head_revision()
    shown = cli(own_database, "current")
    assert shown.exit_code == 0 and f"database: {head}" in shown.output
    previous = revisions()[-2]
    down = cli(own_database, "downgrade", previous, "--yes")
    assert down.exit_code == 0, down.output
    shown = cli(own_database, "current")
    assert f"database: {previous}" in shown.output and "scrutiny db upgrade" in shown.output
    assert cli(own_database, "downgrade", "base", "--yes").exit_code == 0
    assert "none (no tables yet)" in cli(own_database, "current").output
    assert cli(own_database, "upgrade").exit_code == 0
    assert current_revision(own_database) == head
    engine = make_engine(own_database)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        engine.dispose()


def test_downgrade_asks_first_and_refuses_what_it_cannot_do(own_database):
    head = head_revision()
    declined = cli(own_database, "downgrade", revisions()[0], stdin="n\n")
    assert declined.exit_code == 1 and "dropped with its data" in declined.output
    assert current_revision(own_database) == head
    for revision, message in (("9999", "There is no migration '9999'"), (head, "not later than")):
        refused = cli(own_database, "downgrade", revision, "--yes")
        assert refused.exit_code == 2 and message in refused.output, refused.output
    assert current_revision(own_database) == head


def test_backup_and_restore_commands_say_what_they_did_and_refuse_with_exit_2(demo_db, tmp_path):
    file = tmp_path / backup_name(demo_db)
    made = cli(demo_db, "backup", str(file))
    assert made.exit_code == 0 and f"migration {head_revision()}" in made.output, made.output
    assert cli(demo_db, "backup", str(file)).exit_code == 2
    before = snapshot(demo_db)
    unconfirmed = cli(demo_db, "restore", str(file))
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.output
    (tmp_path / "notes.txt").write_text("not a backup")
    refused = cli(demo_db, "restore", str(tmp_path / "notes.txt"), "--yes")
    assert refused.exit_code == 2 and "not a backup" in refused.output
    assert "Traceback" not in refused.output
    restored = cli(demo_db, "restore", str(file), "--yes")
    assert restored.exit_code == 0 and "restored" in restored.output
    assert snapshot(demo_db) == before
