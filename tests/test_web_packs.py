"""Downloading the scrutiny pack (the council's readers) and the national overview (the
Ombudsman and admins)."""

from __future__ import annotations

import re
from html import unescape

from conftest import pdf_text
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY

PACK = f"/council/{DEMO_AUTHORITY}/scrutiny/pack.pdf"
NATIONAL = "/ombudsman/reports/national/2024-25"


def test_a_councillor_downloads_their_councils_pack(demo_client, tmp_path):
    demo_client.sign_in("councillor@demo.scrutiny")
    response = demo_client.get(PACK, params={"period": "2024-25"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "Complaints scrutiny pack: Durham County Council, 2024-25" in pdf_text(
        response.content, tmp_path
    )
    # Without a period, the latest year with data: the same pack, from the cache.
    assert demo_client.get(PACK).content == response.content


def test_a_councillor_reads_the_same_pack_as_a_web_page_linked_beside_the_pdf(
    demo_client, tmp_path
):
    demo_client.sign_in("councillor@demo.scrutiny")
    dashboard = demo_client.get(f"/council/{DEMO_AUTHORITY}/scrutiny").text
    link = re.search(rf'href="(/council/{DEMO_AUTHORITY}/scrutiny/pack\?[^"]+)"', dashboard)
    assert link, "the dashboard links to the pack as a web page"
    page = demo_client.get(unescape(link.group(1)))  # the page client checks title, one h1
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Complaints scrutiny pack: Durham County Council, 2024-25</h1>" in page.text
    assert f'<a href="/council/{DEMO_AUTHORITY}/scrutiny">Back to the scrutiny dashboard</a>' in (
        page.text
    )
    # The same items, from the same figures, as the PDF beside it (which fits two pages).
    text = pdf_text(demo_client.get(PACK, params={"period": "2024-25"}).content, tmp_path)
    topics = re.findall(r'<section class="item" id="item-\d+">\s*<h2>\d+\. ([^<]+?)\s*<', page.text)
    assert topics and all(" ".join(unescape(t).split()) in text for t in topics)
    assert "Back to" not in text


def test_another_councils_officer_is_refused_the_pack(demo_client):
    demo_client.sign_in("officer@birmingham.demo.scrutiny")
    assert demo_client.get(PACK).status_code == 403
    assert demo_client.get(PACK.removesuffix(".pdf")).status_code == 403
    assert demo_client.get(f"/council/{DEMO_OTHER_AUTHORITY}/scrutiny/pack.pdf").status_code == 200


def test_a_pack_for_a_period_that_is_not_a_year_is_a_bad_request(demo_client):
    demo_client.sign_in("officer@demo.scrutiny")
    assert demo_client.get(PACK, params={"period": "2024-25 Q1"}).status_code == 400
    assert demo_client.get(PACK, params={"peers": "friends"}).status_code == 400


def test_an_ombudsman_analyst_gets_the_national_overview(demo_client, tmp_path):
    demo_client.sign_in("analyst@demo.scrutiny")
    response = demo_client.get(f"{NATIONAL}.pdf")
    assert response.status_code == 200
    assert "national overview 2024-25" in pdf_text(response.content, tmp_path)
    page = demo_client.get(f"{NATIONAL}.html")  # checked by the page client: title, one h1
    assert page.status_code == 200 and "The watchlist" in page.text
    assert '<a href="/ombudsman/watchlist">Back to the watchlist</a>' in page.text
    assert "Back to" not in pdf_text(response.content, tmp_path)
    assert demo_client.get("/ombudsman/reports/national/2024.pdf").status_code == 400


def test_a_councillor_is_refused_the_national_overview(demo_client):
    demo_client.sign_in("councillor@demo.scrutiny")
    assert demo_client.get(f"{NATIONAL}.pdf").status_code == 403
    assert demo_client.get(f"{NATIONAL}.html").status_code == 403
