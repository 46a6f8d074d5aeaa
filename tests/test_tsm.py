"""The Regulator of Social Housing's Tenant Satisfaction Measures (issue 17): both real
workbooks import; the stored counts equal what the workbook says, read here a second way;
RSH's published rates come back from the counts; markers are blanks, never zeros; the
same workbook again changes nothing, and another file for a stored year replaces it only
when told to."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import recompressed
from scrutiny.cli import app
from scrutiny.reference.landlords import shipped_workbooks
from scrutiny.returns.source_imports import (
    SourceReplaceNotConfirmed,
    import_tsm,
    read_landlord_measures,
)
from scrutiny.returns.tsm import NotTsmWorkbook
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine

RETURNS = Path(__file__).parent / "returns"
# What each count is called at the end of its header in the workbook.
HEADER_ENDS = {
    "stage1_complaints": "(CH01 1 Numerator)",
    "homes_owned": "(CH01 1 Denominator)",
    "stage1_within_timescale": "(CH02 1 Numerator)",
    "stage1_timescale_denominator": "(CH02 1 Denominator)",
    "stage2_complaints": "(CH01 2 Numerator)",
    "stage2_within_timescale": "(CH02 2 Numerator)",
    "stage2_timescale_denominator": "(CH02 2 Denominator)",
}


def councils_as_published(path: Path) -> pl.DataFrame:
    """Every council's rented-homes counts, read straight from the workbook with the
    spreadsheet reader, header found by eye-level rules (not scrutiny's reader)."""
    reader = fastexcel.read_excel(path.read_bytes())
    name = next(sheet for sheet in reader.sheet_names if sheet.endswith("_Management_Info"))
    cells = reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_polars()
    at = next(
        n for n, value in enumerate(cells.get_column(cells.columns[0])) if value == "Landlord name"
    )
    header = [str(value).strip() for value in cells.row(at)]
    body = cells.slice(at + 1).rename(dict(zip(cells.columns, header, strict=True)))
    body = body.filter(pl.col("Landlord type").is_in(["LA", "LARP"]))
    picked = {"landlord_code": pl.col("Landlord code")}
    for field, ending in HEADER_ENDS.items():
        [column] = [
            h
            for h in header
            if h.startswith("LCRA - ") and h.rstrip("0123456789 ").endswith(ending)
        ]
        value = pl.col(column)
        picked[field] = (
            pl.when(value.str.starts_with("["))
            .then(None)
            .otherwise(value)
            .cast(pl.Float64)
            .cast(pl.Int64)
        )
    return body.select(**picked).sort("landlord_code")


def test_both_workbooks_store_every_councils_counts_exactly_and_reproduce_rshs_rates(
    database_url,
):
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url)
    imported = [
        import_tsm(path, settings, engine, imported_by="test") for path in shipped_workbooks()
    ]
    assert [done.outcome for done in imported] == ["loaded", "loaded"]
    stored = read_landlord_measures(engine)
    for path, done in zip(shipped_workbooks(), imported, strict=True):
        councils = stored.filter(
            (pl.col("period_start") == done.year.period_start)
            & (pl.col("landlord_type") == "council")
            & (pl.col("tenure_basis") == "lcra")
        )
        assert councils.get_column("authority_code").null_count() == 0
        published = councils_as_published(path)
        mine = councils.select(published.columns).sort("landlord_code")
        assert mine.equals(published), path.name
        _check_rates(councils, done.year.published_rates, done.year.label)
    # Both years: 157 and 159 council landlords, 160 councils in all.
    council_rows = stored.filter(
        pl.col("landlord_type") == "council", pl.col("tenure_basis") == "lcra"
    )
    assert council_rows.group_by("period_start").len().sort("period_start").get_column(
        "len"
    ).to_list() == [157, 159]
    assert council_rows.get_column("authority_code").n_unique() == 160
    # Housing associations are landlords, never councils.
    associations = stored.filter(pl.col("landlord_type") == "housing_association")
    assert (
        associations.height > 300
        and associations.get_column("authority_code").null_count() == associations.height
    )
    engine.dispose()


def _check_rates(councils: pl.DataFrame, published: pl.DataFrame, label: str) -> None:
    """RSH's rates from the stored counts: 2023-24 published unrounded, 2024-25 to one
    decimal place, rounded half up."""
    rows = councils.join(published, on=["landlord_code", "tenure_basis"])
    checked = 0
    for row in rows.iter_rows(named=True):
        for rate, top, bottom, scale in (
            ("stage1_per_1000_homes", "stage1_complaints", "homes_owned", 1000),
            (
                "stage1_within_timescale_pct",
                "stage1_within_timescale",
                "stage1_timescale_denominator",
                100,
            ),
        ):
            if row[rate] is None or row[top] is None or not row[bottom]:
                continue
            mine = Decimal(row[top]) / Decimal(row[bottom]) * scale
            if label == "2024-25":
                assert mine.quantize(Decimal("0.1"), ROUND_HALF_UP) == Decimal(row[rate]).quantize(
                    Decimal("0.1")
                ), row
            else:
                assert abs(float(mine) - float(row[rate])) < 1e-6, row
            checked += 1
    assert checked > 300


def test_missing_value_markers_are_blanks_never_zeros(database_url):
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url)
    for path in shipped_workbooks():
        import_tsm(path, settings, engine, imported_by="test")
    stored = read_landlord_measures(engine).filter(pl.col("tenure_basis") == "lcra")
    # Leicester left its 2023-24 timeliness counts blank ([X]); RSH excluded Islington's
    # 2024-25 stage 1 timeliness ([E]).
    leicester = stored.filter(
        pl.col("landlord_code") == "00FN", pl.col("period_start").dt.year() == 2023
    )
    assert leicester.get_column("stage1_within_timescale").to_list() == [None]
    assert leicester.get_column("stage1_complaints").to_list()[0] > 0
    islington = stored.filter(
        pl.col("landlord_code") == "00AU", pl.col("period_start").dt.year() == 2024
    )
    assert islington.get_column("stage1_within_timescale").to_list() == [None]
    engine.dispose()


def test_the_same_workbook_again_changes_nothing_and_another_replaces_only_when_told(
    database_url, tmp_path
):
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url)
    latest = shipped_workbooks()[-1]
    first = import_tsm(latest, settings, engine, imported_by="test")
    assert import_tsm(latest, settings, engine, imported_by="test").outcome == "unchanged"
    before = read_landlord_measures(engine)
    other = recompressed(latest, tmp_path / "corrected.xlsx")
    with pytest.raises(SourceReplaceNotConfirmed, match="--replace"):
        import_tsm(other, settings, engine, imported_by="test")
    assert read_landlord_measures(engine).equals(before)
    replaced = import_tsm(other, settings, engine, imported_by="test", replace=True)
    assert replaced.outcome == "replaced" and replaced.import_id != first.import_id
    assert read_landlord_measures(engine).equals(before)  # the same figures, stored once
    engine.dispose()


def test_a_workbook_that_is_not_rshs_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "complaints.xlsx"
    pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False).write_excel(path)
    with pytest.raises(NotTsmWorkbook, match="not the Regulator of Social Housing's"):
        import_tsm(
            path, Settings(database_url="sqlite://"), make_engine("sqlite://"), imported_by="t"
        )


def test_the_import_command_reports_how_councils_were_matched_and_who_was_left_out(
    database_url, monkeypatch
):
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    run = CliRunner().invoke(app, ["tsm", "import", "--dry-run"])
    assert run.exit_code == 0, run.output
    assert "councils matched to a GSS code: 157 of 157" in run.output
    assert "councils matched to a GSS code: 159 of 159" in run.output
    assert "West Northamptonshire Council (5130)" in run.output
    assert "checked" in run.output
    engine = make_engine(database_url)
    assert read_landlord_measures(engine).is_empty()
    engine.dispose()


def test_council_landlords_tsm_indicators_are_declared_with_the_others(database_url, monkeypatch):
    engine = make_engine(database_url)
    latest = shipped_workbooks()[-1]
    import_tsm(latest, Settings(database_url=database_url), engine, imported_by="test")
    birmingham = read_landlord_measures(engine).filter(
        pl.col("authority_code") == "E08000025", pl.col("tenure_basis") == "lcra"
    )
    engine.dispose()
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    run = CliRunner().invoke(
        app, ["indicators", "--authority", "E08000025", "--period", "2024-25", "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    shown = {row["indicator"]: row for row in json.loads(run.stdout)}
    expected = {
        "tsm_stage1_per_1000_homes": ("stage1_complaints", "homes_owned", 1000),
        "tsm_stage1_within_timescale": (
            "stage1_within_timescale",
            "stage1_timescale_denominator",
            100,
        ),
        "tsm_stage2_per_1000_homes": ("stage2_complaints", "homes_owned", 1000),
        "tsm_stage2_within_timescale": (
            "stage2_within_timescale",
            "stage2_timescale_denominator",
            100,
        ),
    }
    for code, (top, bottom, scale) in expected.items():
        row = shown[code]
        assert row["numerator"] == birmingham.get_column(top)[0]
        assert row["denominator"] == birmingham.get_column(bottom)[0]
        assert row["value"] == pytest.approx(row["numerator"] / row["denominator"] * scale)


def test_a_council_landlords_page_shows_its_real_figures_first_with_the_source(database_url):
    from conftest import make_client

    engine = make_engine(database_url)
    for path in shipped_workbooks():
        import_tsm(path, Settings(database_url=database_url), engine, imported_by="test")
    engine.dispose()
    with make_client(database_url) as client:
        page = client.get("/councils/E08000025").text
        none = client.get("/councils/E06000047").text  # Durham moved its homes out long ago
    real = page.index("Housing complaints: real figures")
    assert real < page.index("Indicators against its peers")
    assert "Regulator of Social Housing, Tenant Satisfaction Measures 2023-24 and 2024-25" in page
    assert "5,488 of 58,580" in page and "6,964 of 58,787" in page  # stage 1, both years
    assert "93.68" in page and "118.46" in page
    assert "has no Tenant Satisfaction Measures" in none and "5,488" not in none
