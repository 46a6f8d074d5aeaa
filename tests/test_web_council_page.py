"""A council page that answers a councillor's first questions (issue 20): what was seen was
one SPC chart for one chosen indicator and no trend for the others, no word on which of
the figures were real and which synthetic beyond the banner, no Ombudsman decisions by
service area, and no CSV download of the council page or of compare.

Each test reads the page as a visitor does and checks it against the library's figures on
the small demo, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import html
import io
import re
import statistics
import time
from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest

from scrutiny.core.periods import period_label
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.measures.council_figures import decisions_by_service_area, ombudsman_decisions
from scrutiny.measures.coverage import read_coverage
from scrutiny.measures.indicators import compute_indicators
from scrutiny.measures.sources import council_sources
from scrutiny.measures.trends import council_trends, counts_words, trend_years
from scrutiny.publish.charts import figure
from scrutiny.standard.indicators import indicator
from scrutiny.store.db import make_engine


@pytest.fixture
def library(demo_url: str) -> Iterator[dict[str, object]]:
    """The library's figures on the demo database: its engine, financial-year indicators
    and the latest complete financial year (the page's default)."""
    engine = make_engine(demo_url)
    latest = read_coverage(engine).latest_complete("financial_year")
    assert latest is not None
    yield {
        "engine": engine,
        "rows": compute_indicators(engine, "financial_year"),
        "start": latest[0],
        "period": period_label(latest[0], "financial_year"),
    }
    engine.dispose()


def table_rows(page: str, marker: str) -> list[list[str]]:
    """The rows of the first table after MARKER on PAGE, each a list of its cells' text."""
    found = page[page.index(marker) :]
    table = found[: found.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def page_csv(client, page: str, link_id: str) -> list[dict[str, str]]:
    """The CSV the link LINK_ID on PAGE downloads, as rows."""
    href = re.search(rf'id="{link_id}" href="([^"]+)"', page)
    assert href, f"no link {link_id}"
    response = client.get(html.unescape(href.group(1)))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def cell(page: str, attribute: str, value: str) -> str:
    found = re.search(rf'{attribute}="{re.escape(value)}"[^>]*>(.*?)</td>', page, re.S)
    assert found, f"no cell {attribute}={value}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_a_councils_trend_is_every_indicator_in_its_last_five_years_from_one_frame(library):
    rows: pl.DataFrame = library["rows"]
    start: date = library["start"]
    trends = council_trends(rows, DEMO_AUTHORITY, start)
    years = trend_years(start)
    assert len(years) == 5 and years[-1] == library["period"]
    assert set(trends.get_column("period")) <= set(years)
    assert trends.get_column("period").n_unique() == 5  # the demo has five years of returns
    mine = rows.filter((pl.col("authority_code") == DEMO_AUTHORITY) & pl.col("value").is_not_null())
    for row in trends.sample(20, seed=1).iter_rows(named=True):
        same = mine.filter(
            (pl.col("indicator") == row["indicator"])
            & (pl.col("period_start") == row["period_start"])
        )
        assert same.get_column("value").to_list() == [row["value"]]
    # An earlier year ends the trend there, and a council with nothing has no rows.
    earlier = council_trends(rows, DEMO_AUTHORITY, date(start.year - 2, 4, 1))
    assert earlier.get_column("period_start").max() == date(start.year - 2, 4, 1)
    assert council_trends(rows, "E99999999", start).is_empty()


@pytest.mark.parametrize(
    ("code", "numerator", "denominator", "words"),
    [
        ("stage1_on_time", 123, 160, "123 of 160"),
        ("stage1_per_10k", 12, 48000, "12 of 48,000 residents"),
        ("stage1_median_days", 9, 160, "of 160 responses"),
        ("stage1_on_time", None, 160, ""),
    ],
)
def test_counts_are_said_beside_each_figure(code, numerator, denominator, words):
    assert counts_words(indicator(code), numerator, denominator) == words


def test_council_page_shows_each_indicators_trend_as_small_multiples_and_a_table(
    demo_client, library
):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    trends = council_trends(library["rows"], DEMO_AUTHORITY, library["start"])
    years = trend_years(library["start"])
    assert 'id="trends-chart"' in page
    alt = re.search(r'id="trends-chart".*?<img [^>]*alt="([^"]*)"', page, re.S)
    assert alt
    assert html.unescape(alt.group(1)).startswith("Small multiples of Durham County Council's")
    heading, *body = table_rows(page, 'id="trends-chart"')
    assert heading == ["Indicator", *years, "Source"]
    shown = {row[0]: row[1:-1] for row in body}
    assert len(shown) == trends.get_column("indicator").n_unique() >= 12
    for row in trends.iter_rows(named=True):
        item = indicator(row["indicator"])
        text = shown[f"{item.name} ({item.unit})"][years.index(row["period"])]
        counts = counts_words(item, row["numerator"], row["denominator"])
        assert text == f"{figure(row['value'], item.unit)} ({counts})"


def test_council_page_labels_its_sources_real_and_synthetic(demo_client, library):
    code = DEMO_OTHER_AUTHORITY  # Birmingham: a council landlord with real housing figures
    page = demo_client.get(f"/councils/{code}").text
    held = council_sources(library["engine"], code)
    assert set(held.get_column("data_source")) >= {"synthetic", "housing_ombudsman", "rsh_tsm"}
    _, *rows = table_rows(page, 'id="sources"')
    assert len(rows) == held.height
    for row, source in zip(rows, held.iter_rows(named=True), strict=True):
        assert row[0] == source["table"]
        label = "Real" if source["real"] else "Synthetic"
        assert row[1] == f"{label} {source['source']}"
        assert row[3] == source["latest"]
    assert any(r[1] == "Synthetic Synthetic demo data" for r in rows)
    assert any(r[1].startswith("Real Regulator of Social Housing") for r in rows)
    # Each indicator's trend says where it comes from.
    trend = {row[0]: row[-1] for row in table_rows(page, 'id="trends-chart"')[1:]}
    on_time = indicator("stage1_on_time")
    tsm = indicator("tsm_stage1_within_timescale")
    assert trend[f"{on_time.name} ({on_time.unit})"] == "Synthetic demo data"
    assert trend[f"{tsm.name} ({tsm.unit})"].startswith("Regulator of Social Housing")


def test_council_page_counts_ombudsman_decisions_by_service_area(demo_client, library):
    code = DEMO_OTHER_AUTHORITY
    page = demo_client.get(f"/councils/{code}").text
    decisions = ombudsman_decisions(library["engine"], code)
    areas = decisions_by_service_area(decisions)
    assert areas.height > 1 and areas.get_column("decisions").sum() == decisions.height
    assert {"lgsco", "housing_ombudsman"} <= set(areas.get_column("ombudsman"))
    for row in areas.iter_rows(named=True):
        key = f"{row['ombudsman']}:{row['service_area']}"
        assert cell(page, "data-area-decisions", key) == f"{row['decisions']:,}"
        assert cell(page, "data-area-upheld", key) == f"{row['upheld']:,}"
        rate = cell(page, "data-area-rate", key)
        if row["investigated"]:
            assert row["uphold_rate"] == pytest.approx(100 * row["upheld"] / row["investigated"])
            assert rate == (
                f"{figure(row['uphold_rate'], 'percent')} "
                f"({row['upheld']:,} of {row['investigated']:,})"
            )
        else:
            assert rate == "none investigated"
    housing = areas.filter(pl.col("ombudsman") == "housing_ombudsman").row(0, named=True)
    assert housing["source"] == "Housing Ombudsman published decisions"
    lgsco = areas.filter(pl.col("ombudsman") == "lgsco").row(0, named=True)
    assert lgsco["source"] == "Synthetic demo data"


def test_the_council_csv_holds_the_figures_the_page_shows(demo_client, library):
    code = DEMO_OTHER_AUTHORITY
    page = demo_client.get(f"/councils/{code}").text
    rows = page_csv(demo_client, page, "council-csv")
    sections = {row["section"] for row in rows}
    assert {
        "Trend",
        "Against its peers",
        "Quarter by quarter",
        "Ombudsman decisions by outcome",
        "Ombudsman decisions by service area",
        "Ombudsman recommendations and compliance",
        "Housing complaints (landlord)",
        "Sources",
    } <= sections
    # The trend, as the page's table shows it.
    years = trend_years(library["start"])
    shown = {row[0]: row[1:-1] for row in table_rows(page, 'id="trends-chart"')[1:]}
    trend = [row for row in rows if row["section"] == "Trend"]
    assert len(trend) == sum(cell != "–" for cells in shown.values() for cell in cells)
    for row in trend:
        item = indicator(row["subject"])
        text = shown[f"{item.name} ({item.unit})"][years.index(row["period"])]
        assert text.startswith(figure(float(row["value"]), item.unit))
        counts = counts_words(item, float(row["numerator"]), float(row["denominator"]))
        assert text.endswith(f"({counts})")
    # Against its peers: the page's figure and position for every indicator.
    for row in (r for r in rows if r["section"] == "Against its peers"):
        item = indicator(row["subject"])
        value = float(row["value"]) if row["value"] else None
        placed = re.search(rf'data-indicator="{item.code}">([^<]*)<', page)
        # The figure, then the counts behind it where the indicator has them.
        assert placed and placed.group(1).split(" (")[0] == figure(value, item.unit)
        assert cell(page, "data-position", item.code) == row["funnel_position"]
    # Decisions by service area, with the counts behind each rate.
    for row in (r for r in rows if r["section"] == "Ombudsman decisions by service area"):
        key = row["subject"].replace(": ", ":")
        if row["unit"] == "decisions":
            assert cell(page, "data-area-decisions", key) == f"{int(float(row['value'])):,}"
        elif row["value"]:
            numerator, denominator = int(float(row["numerator"])), int(float(row["denominator"]))
            assert cell(page, "data-area-rate", key) == (
                f"{figure(float(row['value']), 'percent')} ({numerator:,} of {denominator:,})"
            )
    # Every figure says where it comes from, and synthetic data says so.
    assert all(row["source"] for row in rows if row["section"] != "Quarter by quarter")
    assert any(row["source"] == "Synthetic demo data" for row in trend)
    decided = [r for r in rows if r["section"] == "Ombudsman decisions, newest first"]
    assert len(decided) == ombudsman_decisions(library["engine"], code).height


def test_the_council_csv_follows_the_pages_choices_and_refuses_former_councils(
    demo_client, library
):
    earlier = period_label(date(library["start"].year - 1, 4, 1), "financial_year")
    rows = list(
        csv.DictReader(
            io.StringIO(demo_client.get(f"/councils/{DEMO_AUTHORITY}.csv?period={earlier}").text)
        )
    )
    assert {r["period"] for r in rows if r["section"] == "Against its peers"} == {earlier}
    assert max(r["period"] for r in rows if r["section"] == "Trend") == earlier
    assert demo_client.get("/councils/E06000028.csv").status_code == 404  # Bournemouth


def test_the_compare_csv_holds_the_figures_the_compare_page_shows(demo_client):
    codes = [DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY]
    page = demo_client.get("/compare", params={"codes": codes}).text
    rows = page_csv(demo_client, page, "compare-csv")
    names = {
        "Durham County Council": DEMO_AUTHORITY,
        "Birmingham City Council": DEMO_OTHER_AUTHORITY,
    }
    councils = [r for r in rows if r["section"] in names]
    assert {r["section"] for r in councils} == set(names)
    assert len(councils) >= 2 * 12
    for row in councils:
        item = indicator(row["subject"])
        shown = re.search(
            rf'data-council="{names[row["section"]]}" data-indicator="{item.code}">([^<]*)<', page
        )
        assert shown, row["subject"]
        value = float(row["value"]) if row["value"] else None
        text = shown.group(1)
        assert text.split(" (")[0] == figure(value, item.unit)
        if " (" in text:  # the counts behind a percentage, as the CSV has them
            counts = f"({float(row['numerator']):,.0f} of {float(row['denominator']):,.0f})"
            assert text.endswith(counts)
        assert row["source"]
    assert any(r["section"] == "England" for r in rows)


def test_the_council_page_stays_fast_when_warm(demo_client):
    path = f"/councils/{DEMO_AUTHORITY}"
    assert demo_client.get(path).status_code == 200
    times = []
    for _ in range(5):
        began = time.perf_counter()
        demo_client.get(path)
        times.append(time.perf_counter() - began)
    assert statistics.median(times) < 0.1
