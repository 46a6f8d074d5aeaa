"""Council landlords against peers of the reader's choice (issue 17): council landlords of
similar size, all council landlords, or every social landlord; and the Housing
Ombudsman's findings as a rate per 1,000 homes, so a large landlord is not flagged for
being large."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scrutiny.measures.indicators import compute_indicators
from scrutiny.measures.landlords import (
    SIZE_PEERS,
    LandlordPeers,
    figures_from_rows,
    landlord_funnel_plot,
    landlord_rows,
    peer_rows,
)
from scrutiny.reference.landlords import shipped_workbooks
from scrutiny.returns.housing_ombudsman import convert, read_findings, write_decisions
from scrutiny.returns.source_imports import import_tsm
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine

BIRMINGHAM = "E08000025"
YEAR = date(2024, 4, 1)  # 2024-25, the newer workbook
FINDINGS = "case_id,landlord,landlord_type,decision_date,category,complaint,finding\n"


@pytest.fixture(scope="module")
def tsm_2024_25() -> pl.DataFrame:
    """The 2024-25 workbook's rows, checked and typed as the import stores them."""
    engine = make_engine("sqlite://")  # a dry run stores nothing
    checked = import_tsm(
        shipped_workbooks()[-1], Settings(), engine, imported_by="test", dry_run=True
    )
    engine.dispose()
    return checked.report.typed.drop("__row")


def _rented(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("tenure_basis") == "lcra")


def test_similar_size_peers_are_the_council_landlords_nearest_in_homes(tsm_2024_25):
    rows = landlord_rows(tsm_2024_25)
    year = rows.filter(pl.col("indicator") == "tsm_stage1_within_timescale")
    own = year.filter(pl.col("authority_code") == BIRMINGHAM).row(0, named=True)
    chosen = peer_rows(year, own["landlord_code"], "size")
    assert chosen.height == SIZE_PEERS
    assert set(chosen.get_column("landlord_type")) == {"council"}
    distance = lambda homes: abs(np.log(homes) - np.log(own["homes_owned"]))  # noqa: E731
    furthest_chosen = max(distance(h) for h in chosen.get_column("homes_owned"))
    others = year.filter(
        (pl.col("landlord_type") == "council")
        & ~pl.col("landlord_code").is_in([own["landlord_code"], *chosen["landlord_code"]])
        & pl.col("value").is_not_null()
    )
    assert all(distance(h) >= furthest_chosen for h in others.get_column("homes_owned"))


def test_peer_figures_are_the_median_and_middle_half_of_the_chosen_landlords(tsm_2024_25):
    # Worked out again from the workbook's rows: rented homes, or all homes for the few
    # landlords that reported only those; share answered in time, in percent.
    lcra = _rented(tsm_2024_25)
    only_combined = tsm_2024_25.filter(pl.col("tenure_basis") == "combined").join(
        lcra, on="landlord_code", how="anti"
    )
    assert only_combined.height >= 1
    rented = pl.concat([lcra, only_combined])
    rows = landlord_rows(tsm_2024_25)
    shares = rented.filter(pl.col("stage1_timescale_denominator") > 0).select(
        "landlord_type",
        "authority_code",
        (pl.col("stage1_within_timescale") / pl.col("stage1_timescale_denominator") * 100).alias(
            "share"
        ),
    )
    choices: list[tuple[LandlordPeers, list[str]]] = [
        ("council", ["council"]),
        ("social", ["council", "housing_association"]),
    ]
    for peers, kinds in choices:
        figures = figures_from_rows(rows, BIRMINGHAM, peers)
        measure = next(
            m for m in figures.measures if m.indicator.code == "tsm_stage1_within_timescale"
        )
        year = measure.years[-1]
        expected = shares.filter(
            pl.col("landlord_type").is_in(kinds)
            & (pl.col("authority_code").fill_null("") != BIRMINGHAM)
        ).get_column("share")
        assert year.peers == expected.len()
        assert year.peer_median == pytest.approx(expected.median())
        assert year.peer_low == pytest.approx(expected.quantile(0.25))
    social = figures_from_rows(rows, BIRMINGHAM, "social").measures[0].years[-1].peers
    council = figures_from_rows(rows, BIRMINGHAM, "council").measures[0].years[-1].peers
    assert social > council + 150  # about 200 housing associations join the council landlords


def test_a_funnel_of_all_social_landlords_holds_housing_associations(tsm_2024_25):
    rows = landlord_rows(tsm_2024_25)
    plot = landlord_funnel_plot(rows, BIRMINGHAM, "tsm_stage1_within_timescale", YEAR, "social")
    assert plot is not None and plot.noun == "landlord"
    names = plot.points.get_column("name").to_list()
    assert "Birmingham City Council" in names
    assert any("Housing Association" in name or "Homes" in name for name in names)
    councils = landlord_funnel_plot(
        rows, BIRMINGHAM, "tsm_stage1_within_timescale", YEAR, "council"
    )
    assert councils is not None and councils.points.height < plot.points.height
    assert landlord_funnel_plot(rows, "E06000047", "tsm_stage1_within_timescale", YEAR) is None


def test_a_large_landlord_is_not_flagged_for_being_large():
    """Twenty council landlords with the same rate of findings per home, from 1,000 to
    100,000 homes: counts rank the largest first, the rate's funnel flags none of them."""
    homes = np.geomspace(1_000, 100_000, 20).round()
    rows = pl.DataFrame(
        {
            "landlord_code": [f"L{i}" for i in range(20)],
            "landlord_name": [f"Landlord {i}" for i in range(20)],
            "landlord_type": ["council"] * 20,
            "authority_code": [f"E0600{i:04d}" for i in range(20)],
            "homes_owned": homes,
            "indicator": ["ho_maladministration_per_1000_homes"] * 20,
            "period_start": [YEAR] * 20,
            "numerator": (homes * 0.5 / 1000).round(),
            "denominator": homes,
        }
    ).with_columns((pl.col("numerator") / pl.col("denominator") * 1000).alias("value"))
    plot = landlord_funnel_plot(
        rows, "E06000019", "ho_maladministration_per_1000_homes", YEAR, "council"
    )
    assert plot is not None
    assert rows.sort("numerator").get_column("landlord_code")[-1] == "L19"  # most findings
    assert set(plot.points.get_column("flag")) == {"within"}


def test_housing_ombudsman_findings_per_1000_homes_use_rsh_homes(
    database_url, tmp_path: Path, tsm_2024_25
):
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url)
    import_tsm(shipped_workbooks()[-1], settings, engine, imported_by="test")
    findings = tmp_path / "findings.csv"
    findings.write_text(
        FINDINGS
        + "\n".join(
            [
                "1,Birmingham City Council,LA,2024-05-01,Repairs,Leak,Maladministration",
                "1,Birmingham City Council,LA,2024-05-01,Repairs,Damp,Severe Maladministration",
                "2,Birmingham City Council,LA,2024-09-02,Other,Noise,Maladministration",
                "3,Birmingham City Council,LA,2024-10-03,Other,Rent,Service Failure",
                "4,Birmingham City Council,LA,2022-06-03,Other,Fence,Maladministration",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    decisions = write_decisions(convert(read_findings(findings)), tmp_path / "decisions.csv")
    stored = submit_return(
        decisions,
        settings,
        engine,
        submitted_by="test",
        period="2022-23 to 2024-25",
        data_source="housing_ombudsman",
    )
    assert stored.stored, stored.report.to_text()[:2000]
    rows = compute_indicators(engine, "financial_year")
    engine.dispose()
    birmingham = _rented(tsm_2024_25).filter(pl.col("authority_code") == BIRMINGHAM)
    homes = float(birmingham.get_column("homes_owned")[0])
    found = rows.filter(pl.col("indicator").str.starts_with("ho_"))
    mine = {
        row["indicator"]: row
        for row in found.filter(pl.col("authority_code") == BIRMINGHAM).to_dicts()
    }
    assert set(found.get_column("period_start")) == {YEAR}  # no homes owned, no rate
    malad = mine["ho_maladministration_per_1000_homes"]
    assert (malad["numerator"], malad["denominator"]) == (3, homes)
    assert malad["value"] == pytest.approx(3 / homes * 1000)
    assert mine["ho_severe_per_1000_homes"]["numerator"] == 1
    leeds = found.filter(pl.col("authority_code") == "E08000035").to_dicts()
    assert leeds and all(row["numerator"] == 0 and row["value"] == 0 for row in leeds)


def test_a_council_page_compares_its_housing_figures_with_the_peers_chosen(database_url):
    from conftest import make_client

    engine = make_engine(database_url)
    import_tsm(
        shipped_workbooks()[-1], Settings(database_url=database_url), engine, imported_by="t"
    )
    engine.dispose()
    with make_client(database_url) as client:
        usual = client.get("/councils/E08000025").text
        similar = client.get(
            "/councils/E08000025?housing_peers=size&housing_measure=tsm_stage2_per_1000_homes"
        ).text
        wrong = client.get("/councils/E08000025?housing_measure=stage1_on_time")
    assert "against all council landlords" in usual
    assert 'id="housing-funnel-chart"' in usual
    assert "Stage 1 housing complaints answered within the Housing Ombudsman" in usual
    assert f"against the {SIZE_PEERS} council landlords nearest in homes owned" in similar
    assert "Stage 2 housing complaints per 1,000 council homes, 2024-25: funnel plot" in similar
    assert f"{SIZE_PEERS} landlords" in similar
    assert wrong.status_code == 400 and "Not a housing measure" in wrong.text
