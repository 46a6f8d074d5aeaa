"""Backups carry the evidence files their database names: `scrutiny db backup` / `restore`.

The small demo (it has evidence files, one of them withdrawn) on SQLite and PostgreSQL,
with a copy of its evidence folder: backed up, the folder deleted, restored, and every file
downloaded byte for byte through the command line. A file missing or changed when the
backup is made is named, and so is one damaged in the backup when it is restored.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.recommendations.evidence_files import EvidenceFile, list_evidence_files
from scrutiny.store.accounts import create_user
from scrutiny.store.db import make_engine
from scrutiny.store.evidence_blobs import blob_path
from scrutiny.store.people import users

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, demo_copy: Any, demo_evidence: Any, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """A copy of the demo and of its evidence files, and where its backup goes."""
    files = tmp_path / "evidence-files"
    shutil.copytree(demo_evidence(request.param), files)
    name = "backup.db" if request.param == "sqlite" else "backup.dump"
    with demo_copy(request.param) as url:
        yield {"url": url, "files": files, "backup": tmp_path / name}


def cli(site: dict[str, Any], *args: str) -> Any:
    env = {
        "SCRUTINY_DATABASE_URL": site["url"],
        "SCRUTINY_EVIDENCE_DIR": str(site["files"]),
        "SCRUTINY_USER": "backup-test",
    }
    return runner.invoke(app, list(args), env=env)


def attached(site: dict[str, Any]) -> list[EvidenceFile]:
    engine = make_engine(site["url"])
    try:
        return list_evidence_files(engine)
    finally:
        engine.dispose()


def companion(backup: Path) -> Path:
    return backup.with_name(backup.name + ".evidence-files")


def test_a_restore_brings_back_every_evidence_file_byte_for_byte_after_the_folder_is_lost(
    site, tmp_path
):
    files = attached(site)
    readable = [f for f in files if not f.withdrawn]
    assert len(readable) >= 3 and any(f.withdrawn for f in files)
    originals = {f.id: blob_path(site["files"], f.sha256).read_bytes() for f in files}
    made = cli(site, "db", "backup", str(site["backup"]))
    assert made.exit_code == 0, made.output
    assert f"and {len(files)} evidence files" in made.output
    assert companion(site["backup"]).is_dir()
    shutil.rmtree(site["files"])
    restored = cli(site, "db", "restore", str(site["backup"]), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"{len(files)} evidence files" in restored.output
    for file in readable:
        saved = tmp_path / f"downloaded-{file.id}"
        got = cli(site, "recommendations", "download", str(file.id), "--output", str(saved))
        assert got.exit_code == 0, got.output
        assert saved.read_bytes() == originals[file.id]
    # The withdrawn file cannot be downloaded, but its bytes are kept with its history.
    assert all(blob_path(site["files"], f.sha256).read_bytes() == originals[f.id] for f in files)


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_an_evidence_file_missing_or_changed_at_backup_is_named_and_not_skipped(site, damage):
    first = next(f for f in attached(site) if not f.withdrawn)
    blob = blob_path(site["files"], first.sha256)
    if damage == "missing":
        blob.unlink()
    else:
        blob.write_bytes(b"not what was sent")
    refused = cli(site, "db", "backup", str(site["backup"]))
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert f"evidence file {first.id} ({first.original_name}" in said
    assert damage in said and "--allow-missing-files" in said and "Traceback" not in said
    assert sorted(p.name for p in site["backup"].parent.iterdir()) == ["evidence-files"]
    # Asked to, it backs up the rest, says again which file it lacks, and so does a restore.
    made = cli(site, "db", "backup", str(site["backup"]), "--allow-missing-files")
    assert made.exit_code == 0, made.output
    assert first.original_name in made.output and "lacks" in made.output
    restored = cli(site, "db", "restore", str(site["backup"]), "--yes")
    assert restored.exit_code == 0, restored.output
    said = " ".join(restored.output.split())
    assert f"evidence file {first.id} ({first.original_name}" in said


def test_a_backup_whose_evidence_files_were_damaged_is_refused_and_changes_nothing(site):
    made = cli(site, "db", "backup", str(site["backup"]))
    assert made.exit_code == 0, made.output
    first = attached(site)[0]
    blob_path(companion(site["backup"]), first.sha256).write_bytes(b"damaged")
    engine = make_engine(site["url"])
    try:
        create_user(
            engine, email="after@example.org", password="a-long-password", role="admin", actor="t"
        )
        shutil.rmtree(site["files"])
        refused = cli(site, "db", "restore", str(site["backup"]), "--yes")
        assert refused.exit_code == 2, refused.output
        said = " ".join(refused.output.split())
        assert f"evidence file {first.id} ({first.original_name}" in said and "changed" in said
        assert not site["files"].exists()
        with engine.connect() as connection:
            emails = set(
                connection.execute(users.select().with_only_columns(users.c.email)).scalars()
            )
        assert "after@example.org" in emails
    finally:
        engine.dispose()


def test_names_read_from_a_postgresql_archive_keep_tabs_backslashes_and_line_separators():
    from scrutiny.store.backup_files import named_in_copy

    digest = "ab" * 32
    copy = (
        "--\n-- Data for Name: recommendation_evidence_files\n--\n\n"
        "COPY public.recommendation_evidence_files (id, evidence_id, authority_code,"
        " original_name, media_type, size_bytes, sha256, uploaded_by, uploaded_at,"
        " withdrawn_by, withdrawn_at, withdrawn_reason) FROM stdin;\n"
        f"7\t3\tE06000047\ta\\tb\\\\c\u2028d.pdf\tapplication/pdf\t12\t{digest}\tx\t"
        "2026-12-07 10:00:00+00\t\\N\t\\N\t\\N\n\\.\n\n"
    )
    [named] = named_in_copy(copy)
    assert (named.id, named.evidence_id, named.sha256, named.size_bytes) == (7, 3, digest, 12)
    assert named.original_name == "a\tb\\c\u2028d.pdf"
    assert named_in_copy("--\n-- an archive made before evidence files\n") == []
