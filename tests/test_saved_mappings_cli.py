"""`scrutiny mappings` and `scrutiny import --saved-mapping` (issue 18): a council's mapping
saved once from the command line and used to import its case-system export."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.returns.saved_mappings import AUDIT_ENTITY, mapping_versions
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
EXPORT = RETURNS / "case_export.csv"
MAPPING = RETURNS / "case_export_mapping.yaml"
DURHAM = "E06000047"
runner = CliRunner()


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCRUTINY_USER", "officer@durham.example")
    return database_url


def run(*args: str):
    return runner.invoke(app, list(args))


def said(result) -> str:
    """RESULT's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_save_show_and_list_a_councils_mapping(cli_env, engine, tmp_path):
    saved = run("mappings", "save", DURHAM, str(MAPPING))
    assert saved.exit_code == 0, saved.output
    assert "as E06000047's saved mapping 'default', version 1" in said(saved)
    again = run("mappings", "save", DURHAM, str(MAPPING))
    assert "nothing changed" in said(again)
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        MAPPING.read_text().replace("Phone: telephone", "Phone: telephone\n    Letter: letter"),
        encoding="utf-8",
    )
    assert "version 2" in said(run("mappings", "save", DURHAM, str(changed)))
    assert run("mappings", "show", DURHAM).output == changed.read_text()
    assert run("mappings", "show", DURHAM, "--version", "1").output == MAPPING.read_text()
    listing = said(run("mappings", "list", DURHAM))
    assert "2 saved mapping versions" in listing and "officer@durham.example" in listing
    [entry, _] = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert entry.actor == "officer@durham.example"


def test_a_wrong_mapping_file_exits_2_naming_the_file_and_line_and_stores_nothing(
    cli_env, engine, tmp_path
):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(MAPPING.read_text().replace("Phone: telephone", "Phone: pigeon"))
    result = run("mappings", "save", DURHAM, str(wrong))
    assert result.exit_code == 2
    assert "wrong.yaml line 31: 'Phone' maps to 'pigeon'" in said(result)
    assert mapping_versions(engine, DURHAM) == []


def test_showing_a_mapping_the_council_has_not_saved_exits_2(cli_env):
    result = run("mappings", "show", DURHAM, "--name", "civica")
    assert result.exit_code == 2
    assert "E06000047 has no saved mapping 'civica'" in said(result)


def test_importing_the_export_with_the_saved_mapping_stores_its_rows(cli_env, engine):
    assert run("mappings", "save", DURHAM, str(MAPPING)).exit_code == 0
    result = run("import", str(EXPORT), "--authority", DURHAM, "--saved-mapping", "default")
    assert result.exit_code == 0, result.output
    assert "reading the file with E06000047's saved mapping 'default', version 1" in said(result)
    assert count_rows(engine, "complaints") == 5


def test_saved_mapping_needs_an_authority_and_no_mapping_file(cli_env, engine):
    result = run("import", str(EXPORT), "--saved-mapping", "default")
    assert result.exit_code == 2 and "needs --authority" in said(result)
    assert count_rows(engine, "complaints") == 0
