"""The watchlist as an analyst works through it: filters, short lines, details, the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import polars as pl
import pytest
from markupsafe import escape

from scrutiny.reference.authorities import load_authorities
from scrutiny.warning.watchlist import EVERY_COUNCIL, watchlist
from scrutiny.web import cache as keys

ANALYST = "analyst@demo.scrutiny"
AS_OF = date(2025, 3, 31)  # the end of the latest quarter most demo councils' returns cover
ROW = re.compile(r'<tr class="govuk-table__row" data-council="(E\d{8})">')


@pytest.fixture(scope="module")
def listed(demo_app: Any) -> pl.DataFrame:
    """Every council on the demo's watchlist, with its region and type, straight from the
    library (not through the page), kept where the page finds it: signals take seconds."""
    engine = demo_app.state.engine
    found = demo_app.state.cache.get(
        keys.Watchlist(AS_OF), lambda: watchlist(engine, AS_OF, top=EVERY_COUNCIL)
    )
    places = load_authorities().select(
        pl.col("gss_code").alias("authority_code"), "region", pl.col("type").alias("kind")
    )
    return found.join(places, on="authority_code", how="left").sort("rank")


@pytest.fixture
def analyst(demo_client):
    demo_client.sign_in(ANALYST)
    return demo_client


def _shown(page: str) -> list[str]:
    return ROW.findall(page)


def test_the_explanation_of_the_score_comes_before_the_list(analyst):
    page = analyst.get("/ombudsman/watchlist").text
    explained = page.index('id="how-the-score-works"')
    assert explained < page.index("<form") < page.index('data-council="')
    assert page.index('data-council="') < page.index('id="weights"')
    assert 'href="#weights"' in page[explained : page.index("<form")]


@pytest.mark.parametrize(
    ("query", "keeps"),
    [
        ("region=London", lambda r: r["region"] == "London"),
        ("type=district", lambda r: r["kind"] == "district"),
        ("min_score=3", lambda r: r["score"] >= 3),
        ("signal=volume_low", lambda r: "volume_low" in r["codes"]),
        (
            "region=South+West&type=district&min_score=1.5",
            lambda r: r["region"] == "South West" and r["kind"] == "district" and r["score"] >= 1.5,
        ),
    ],
)
def test_filters_narrow_the_watchlist_to_the_councils_asked_for(analyst, listed, query, keeps):
    rows = [
        row | {"codes": {s["signal"] for s in json.loads(row["signals"])}}
        for row in listed.iter_rows(named=True)
    ]
    expected = {row["authority_code"] for row in rows if keeps(row)}
    assert 0 < len(expected) < len(rows), "the demo must leave some councils in and some out"
    page = analyst.get(f"/ombudsman/watchlist?{query}&top=200")
    assert page.status_code == 200
    assert set(_shown(page.text)) == expected
    assert f"Showing {len(expected)} of the {len(rows)} councils" in page.text
    # The form says what was chosen, so the analyst can change one filter at a time.
    for name, value in (part.split("=") for part in query.split("&")):
        shown = value.replace("+", " ")
        assert re.search(rf'name="{name}"[^>]*value="{shown}"', page.text) or re.search(
            rf'<option value="{shown}" selected>', page.text
        ), (name, value)


def test_the_top_highest_scores_are_kept_after_filtering(analyst, listed):
    districts = listed.filter(pl.col("kind") == "district")
    page = analyst.get("/ombudsman/watchlist?type=district&top=3").text
    assert set(_shown(page)) == set(districts.head(3)["authority_code"])


@pytest.mark.parametrize(
    "query",
    ["region=Atlantis", "type=parish", "signal=gut_feeling", "min_score=lots", "min_score=-1"],
)
def test_a_filter_that_cannot_be_met_is_a_400_that_says_why(analyst, query):
    page = analyst.get(f"/ombudsman/watchlist?{query}")
    assert page.status_code == 400
    assert "There is no" in page.text or "Enter the minimum score" in page.text
    assert analyst.get(f"/ombudsman/watchlist.csv?{query}").status_code == 400


def test_twenty_councils_fit_on_a_short_page_of_one_line_each(analyst, listed):
    # What was seen: 20 councils took 11 screens (159 kB on the web demo), every signal and
    # its evidence written out in the list.
    page = analyst.get("/ombudsman/watchlist?top=20").text
    assert len(_shown(page)) == 20
    main = page[page.index("<main") : page.index("</main>")]
    assert len(main.encode()) < 60_000
    for row in listed.head(20).iter_rows(named=True):
        for reason in json.loads(row["signals"]):
            # Sentences and evidence are on the council's own page, not in the list.
            assert str(escape(reason["sentence"])) not in main
        assert f'href="/ombudsman/watchlist/{row["authority_code"]}?as_of=2025-03-31"' in main


def test_a_line_names_its_top_scoring_reasons_never_a_weight_0_one(analyst, listed):
    page = analyst.get("/ombudsman/watchlist?top=200").text
    checked = 0
    for row in listed.iter_rows(named=True):
        signals = json.loads(row["signals"])
        context = [s for s in signals if s["weight"] == 0]
        if not context:
            continue
        line = page[page.index(f'data-council="{row["authority_code"]}"') :]
        line = line[: line.index("</tr>")]
        assert "Outside the peer group" not in line or any(
            s["signal"] == "peer_outlier" and s["weight"] > 0 for s in signals
        )
        assert f"{len(context)} of them context" in line or "context only" in line
        checked += 1
    assert checked > 0


def test_a_councils_details_list_the_scoring_signals_before_the_context(analyst, listed):
    with_context = [
        row
        for row in listed.iter_rows(named=True)
        if {s["weight"] > 0 for s in json.loads(row["signals"])} == {True, False}
    ]
    assert with_context, "the demo has councils with both kinds of signal"
    row = with_context[0]
    page = analyst.get(f"/ombudsman/watchlist/{row['authority_code']}?as_of=2025-03-31").text
    context = page.index("Context: adds nothing to the score")
    for signal in json.loads(row["signals"]):
        place = page.index(str(escape(signal["sentence"])))
        assert (place > context) == (signal["weight"] == 0), signal["signal"]
    assert "Real housing figures" in page
    assert f'href="/councils/{row["authority_code"]}"' in page


def test_no_page_shows_evidence_as_a_python_dict_or_list(analyst, listed):
    # What was seen: "Repeated {'kind': 'financial_remedy', 'times': 2}". Every council
    # whose evidence holds a list or an object, the shapes that were printed as Python.
    shaped = [
        row["authority_code"]
        for row in listed.iter_rows(named=True)
        if any(
            isinstance(value, list | dict)
            for signal in json.loads(row["signals"])
            for value in signal["evidence"].values()
        )
    ]
    assert len(shaped) >= 5
    for code in shaped:
        page = analyst.get(f"/ombudsman/watchlist/{code}?as_of=2025-03-31")
        assert page.status_code == 200
        main = page.text[page.text.index("<main") : page.text.index("</main>")]
        text = re.sub(r"<[^>]+>", " ", main)
        assert not re.search(r"[{}\[\]]", text), code


def test_a_council_with_no_score_has_no_watchlist_details(analyst, listed):
    quiet = set(load_authorities().filter("current")["gss_code"]) - set(listed["authority_code"])
    page = analyst.get(f"/ombudsman/watchlist/{min(quiet)}?as_of=2025-03-31")
    assert page.status_code == 404
    assert "is not on the watchlist" in page.text


def test_the_csv_holds_the_councils_scores_and_signals_on_the_page(analyst, listed):
    query = "type=district&min_score=1&top=15"
    page = analyst.get(f"/ombudsman/watchlist?{query}").text
    download = page[page.index('href="/ombudsman/watchlist.csv?') :].split('"')[1]
    assert "type=district" in download and "min_score=1" in download
    response = analyst.get(download.replace("&amp;", "&"))
    assert response.status_code == 200
    assert 'filename="watchlist-2025-03-31.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_council: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_council.setdefault(row["authority_code"], []).append(row)
    assert list(by_council) == _shown(page)  # the same councils, in the page's order
    expected = {row["authority_code"]: row for row in listed.iter_rows(named=True)}
    for code, signals in by_council.items():
        want = json.loads(expected[code]["signals"])
        assert [s["signal"] for s in signals] == [s["signal"] for s in want]
        assert {float(s["score"]) for s in signals} == {expected[code]["score"]}
        assert sum(float(s["points"]) for s in signals) == pytest.approx(expected[code]["score"])
        assert {s["council_type"] for s in signals} == {"District council"}
        assert f"{expected[code]['score']:,.2f}" in page
