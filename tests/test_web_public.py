"""The public pages: the national picture, council search, council pages and comparison.

Figures on each page are checked against the library's own figures for the same council
and period; charts must be there without JavaScript, as SVG images with alt text and a
table of their figures.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date, timedelta

import polars as pl
import pytest

from scrutiny.core.periods import period_label
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.measures.benchmarking import council_benchmark
from scrutiny.measures.council_figures import ombudsman_decisions, service_improvements
from scrutiny.measures.coverage import read_coverage
from scrutiny.measures.headlines import national_headlines
from scrutiny.measures.indicators import compute_indicators
from scrutiny.measures.words import label
from scrutiny.standard.indicators import indicator
from scrutiny.store.db import make_engine
from scrutiny.web.chart_views import figure
from scrutiny.web.pages import EXPLAINER


@pytest.fixture
def library(demo_url: str) -> Iterator[dict[str, object]]:
    """The library's figures on the demo database: its engine and latest financial year."""
    engine = make_engine(demo_url)
    rows = compute_indicators(engine, "financial_year")
    latest = read_coverage(engine).latest_complete("financial_year")
    assert latest is not None
    start = latest[0]
    yield {
        "engine": engine,
        "rows": rows,
        "start": start,
        "period": period_label(start, "financial_year"),
    }
    engine.dispose()


def cell(page: str, attribute: str, value: str) -> str:
    """The text of the table cell marked ATTRIBUTE="VALUE" on PAGE."""
    found = re.search(rf'{attribute}="{re.escape(value)}"[^>]*>([^<]*)<', page)
    assert found, f"no cell {attribute}={value}"
    return found.group(1).strip()


def chart_images(page: str) -> list[tuple[str, str]]:
    """Each chart's (alt text, SVG) on PAGE, as a browser without JavaScript sees them."""
    images = re.findall(
        r'<img class="app-chart__image" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"',
        page,
    )
    return [(alt, base64.b64decode(data).decode()) for data, alt in images]


def test_national_overview_shows_the_latest_year_and_england_s_figures(demo_client, library):
    page = demo_client.get("/")
    assert page.status_code == 200
    assert f"Headline figures for England, {library['period']}" in page.text
    headlines = national_headlines(library["rows"], library["start"])
    for row in headlines.iter_rows(named=True):
        assert cell(page.text, "data-indicator", row["indicator"]) == figure(
            row["value"], row["unit"]
        )


def test_national_overview_charts_work_without_javascript(demo_client):
    page = demo_client.get("/?indicator=stage1_on_time").text
    images = chart_images(page)
    assert len(images) == 2  # the spread across councils and the funnel plot
    for alt, svg in images:
        assert svg.startswith("<svg")
        assert len(alt) > 80 and "councils" in alt
    assert page.count("Show the figures in this chart as a table") == 2
    assert 'id="funnel-chart-spec"' in page and 'id="distribution-chart-spec"' in page


def test_national_funnel_highlights_the_chosen_council_among_its_peers(demo_client, library):
    page = demo_client.get(f"/?indicator=stage1_on_time&code={DEMO_AUTHORITY}&peers=region").text
    assert "Funnel plot: Durham County Council and its peers" in page
    alt = next(alt for alt, _ in chart_images(page) if alt.startswith("Funnel plot"))
    assert "Durham County Council is" in alt
    assert "councils in North East" in alt


def test_a_median_indicator_has_its_spread_but_no_funnel(demo_client):
    page = demo_client.get("/?indicator=stage1_median_days").text
    assert len(chart_images(page)) == 1
    assert "not put on a funnel plot" in page


@pytest.mark.parametrize(
    "query", ["period=last-year", "indicator=happiness", "peers=friends", "code=E99999999"]
)
def test_national_overview_refuses_a_wrong_choice_with_a_message(demo_client, query):
    page = demo_client.get(f"/?{query}")
    assert page.status_code == 400
    assert "Sorry, there is a problem" in page.text


def test_search_finds_durham_by_name_and_by_code(demo_client):
    for query in ("Durham", "e06000047"):
        page = demo_client.get("/councils", params={"q": query})
        assert page.status_code == 200
        assert f'href="/councils/{DEMO_AUTHORITY}">Durham County Council</a>' in page.text
        assert "Birmingham" not in page.text


def test_search_form_works_without_javascript_and_says_when_nothing_matches(demo_client):
    page = demo_client.get("/councils").text
    assert '<form method="get" action="/councils"' in page and 'name="q"' in page
    assert "All 317 councils in England" in page or "councils in England, by name" in page
    nothing = demo_client.get("/councils", params={"q": "Atlantis"}).text
    assert "No council matches ‘Atlantis’" in nothing


def test_council_page_shows_its_benchmark_as_the_library_computes_it(demo_client, library):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}")
    assert page.status_code == 200
    assert "<h1" in page.text and "Durham County Council</h1>" in page.text
    benchmark = council_benchmark(library["engine"], DEMO_AUTHORITY, library["period"])
    assert benchmark.height > 5
    for row in benchmark.iter_rows(named=True):
        item = indicator(row["indicator"])
        shown = figure(row["value"], item.unit, row["numerator"], row["denominator"])
        assert cell(page.text, "data-indicator", item.code) == shown
        flag = re.search(
            rf'data-position="{item.code}"><a class="govuk-link" href="([^"]+)"[^>]*>([^<]*)<',
            page.text,
        )
        assert flag, f"the position of {item.code} is not linked to what it means"
        assert flag.groups() == (f"{EXPLAINER}#positions", label(row["flag"], item.direction))
    assert not re.search(r"<th[^>]*>\s*(rank|position in england)", page.text, re.I)


def test_council_page_has_a_funnel_and_an_spc_chart_as_images(demo_client):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}?indicator=stage1_on_time").text
    images = dict(chart_images(page))
    assert len(images) == 3  # the funnel, the SPC chart and the five-year trend
    funnel = next(alt for alt in images if alt.startswith("Funnel plot"))
    spc = next(alt for alt in images if alt.startswith("SPC chart"))
    assert "Durham County Council is" in funnel
    assert "quarters from 2020-21 Q1" in spc
    assert 'id="spc-chart"' in page and 'id="funnel-chart"' in page


def test_council_page_lists_ombudsman_decisions_and_recommendations(demo_client, library):
    code = DEMO_OTHER_AUTHORITY  # Birmingham: real Housing Ombudsman decisions
    page = demo_client.get(f"/councils/{code}").text
    decisions = ombudsman_decisions(library["engine"], code)
    assert f"of {decisions.height:,}" in page
    assert "Housing Ombudsman" in page
    newest = decisions.row(0, named=True)
    assert newest["decision_ref"] in page
    assert "Ombudsman recommendations and compliance" in page


def test_council_page_counts_service_improvements_by_service(demo_client, library):
    start = library["start"]
    end = date(start.year + 1, 3, 31)
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    found = service_improvements(library["engine"], start, end, DEMO_AUTHORITY)
    assert found.height > 0
    for row in found.iter_rows(named=True):
        assert cell(page, "data-area", row["service_area"]) == f"{row['improvements']:,}"


def test_council_page_for_an_earlier_year_and_a_quarter(demo_client, library):
    start: date = library["start"]
    earlier = period_label(start - timedelta(days=365), "financial_year")
    assert (
        f"Indicators against its peers, {earlier}"
        in demo_client.get(f"/councils/{DEMO_AUTHORITY}?period={earlier}").text
    )
    quarter = period_label(start, "quarter")
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}", params={"period": quarter})
    assert page.status_code == 200
    assert f"Indicators against its peers, {quarter}" in page.text


def test_unknown_council_is_a_404_page(demo_client):
    page = demo_client.get("/councils/E06999999")
    assert page.status_code == 404
    assert "Page not found" in page.text


def test_a_former_council_says_which_council_took_over(demo_client):
    page = demo_client.get("/councils/E06000028")  # Bournemouth, now BCP
    assert page.status_code == 200
    assert "no longer exists" in page.text
    assert 'href="/councils/E06000058"' in page.text


def test_compare_shows_both_councils_with_the_library_s_figures(demo_client, library):
    page = demo_client.get(
        "/compare", params={"codes": [DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY]}
    ).text
    assert "Durham County Council" in page and "Birmingham City Council" in page
    for code in (DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY):
        benchmark = council_benchmark(library["engine"], code, library["period"])
        for row in benchmark.filter(pl.col("value").is_not_null()).iter_rows(named=True):
            shown = re.search(
                rf'data-council="{code}" data-indicator="{row["indicator"]}">([^<]*)<', page
            )
            assert shown, row["indicator"]
            unit = indicator(row["indicator"]).unit
            expected = figure(row["value"], unit, row["numerator"], row["denominator"])
            assert shown.group(1) == expected


def test_compare_form_works_without_javascript(demo_client):
    page = demo_client.get("/compare").text
    assert '<form method="get" action="/compare"' in page
    assert page.count('name="codes"') >= 2
    assert "Choose two or more councils" in page


def test_compare_refuses_an_unknown_council(demo_client):
    page = demo_client.get("/compare", params={"codes": ["E06000047", "NOPE"]})
    assert page.status_code == 400
    assert "NOPE" in page.text


def test_signed_in_visitors_see_their_own_navigation_on_cached_pages(demo_client):
    assert 'href="/sign-in"' in demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    demo_client.sign_in("officer@demo.scrutiny")
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    assert f"/council/{DEMO_AUTHORITY}/returns" in page
    assert "Your account" in page and 'href="/sign-in"' not in page


def test_a_council_with_no_returns_of_its_own_gets_its_page_for_the_latest_year(demo_client):
    # What the soak test met: the Isles of Scilly sent nothing in the small demo, so its
    # page chose this year (no council has figures for it) and answered 404.
    page = demo_client.get("/councils/E06000053")
    assert page.status_code == 200, page.text[:500]
    assert "Council of the Isles of Scilly" in page.text


def test_percentages_on_the_council_page_carry_their_counts(demo_client, library):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    benchmark = council_benchmark(library["engine"], DEMO_AUTHORITY, library["period"])
    shares = benchmark.filter(
        pl.col("indicator").is_in(["stage1_on_time", "stage1_upheld"])
        & pl.col("value").is_not_null()
    )
    assert shares.height == 2
    for row in shares.iter_rows(named=True):
        counts = f"({row['numerator']:,.0f} of {row['denominator']:,.0f})"
        assert cell(page, "data-indicator", row["indicator"]).endswith(counts)


def test_the_explainer_says_what_every_position_and_side_means(demo_client):
    from scrutiny.measures.words import POSITIONS, SIDES, VARIATIONS

    page = demo_client.get(EXPLAINER)
    assert page.status_code == 200
    text = page.text
    for words in [*POSITIONS.values(), *SIDES.values(), *VARIATIONS.values()]:
        assert f"{words[:1].upper()}{words[1:]}</dt>" in text
    assert 'id="positions"' in text and "league tables" in text


def test_a_nearest_neighbour_caption_names_what_is_matched_in_words(demo_client):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}?peers=nearest").text
    assert "nearest neighbours on population, population density" in page
    assert not re.search(r"log_population|imd_average_score|_average_score", page)


def test_a_council_page_gives_the_council_one_name(demo_client):
    page = demo_client.get(f"/councils/{DEMO_AUTHORITY}").text
    assert "Durham County Council" in page
    assert "County Durham" not in page


@pytest.mark.parametrize(
    ("query", "code", "name"),
    [
        ("county durham", DEMO_AUTHORITY, "Durham County Council"),
        ("Durham County Council", DEMO_AUTHORITY, "Durham County Council"),
        ("king's lynn", "E07000146", "Borough Council of Kings Lynn and West Norfolk"),
        (
            "KINGS LYNN & WEST NORFOLK",
            "E07000146",
            "Borough Council of Kings Lynn and West Norfolk",
        ),
        ("brum", "E08000025", "Birmingham City Council"),
        ("saint helens", "E08000013", "St Helens Council"),
        ("Stratford upon Avon", "E07000221", "Stratford-on-Avon District Council"),
        ("kingston on thames", "E09000021", "Royal Borough of Kingston upon Thames"),
    ],
)
def test_search_finds_a_council_by_its_everyday_names_and_short_forms(
    demo_client, query, code, name
):
    page = demo_client.get("/councils", params={"q": query}).text
    assert f'href="/councils/{code}">{name}</a>' in page
    assert "No council matches" not in page


def test_search_for_an_abolished_council_points_to_the_councils_that_took_over(demo_client):
    page = demo_client.get("/councils", params={"q": "cumbria"}).text
    assert "No council matches" not in page
    former = page[page.index('id="former-councils"') :]
    assert 'href="/councils/E10000006">Cumbria County Council</a>' in former
    assert "abolished 1 April 2023" in former
    for code, name in (
        ("E06000063", "Cumberland Council"),
        ("E06000064", "Westmorland and Furness Council"),
    ):
        assert f'href="/councils/{code}">{name}</a>' in former
    abolished = demo_client.get("/councils/E10000006").text
    assert 'href="/councils/E06000063">Cumberland Council</a>' in abolished
    assert 'href="/councils/E06000064">Westmorland and Furness Council</a>' in abolished
