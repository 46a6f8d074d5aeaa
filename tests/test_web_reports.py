"""The annual report downloaded from a council's page (public)."""

from __future__ import annotations

import re
from html import unescape

from conftest import pdf_text

DURHAM = "E06000047"
ADDRESS = f"/councils/{DURHAM}/reports/annual/2024-25"


def test_the_annual_report_pdf_is_public_and_the_same_each_time(demo_client):
    response = demo_client.get(f"{ADDRESS}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "E06000047-annual-report-2024-25.pdf" in response.headers["content-disposition"]
    assert demo_client.get(f"{ADDRESS}.pdf").content == response.content


def test_the_annual_report_html_is_one_page_with_every_section(demo_client):
    response = demo_client.get(f"{ADDRESS}.html")  # the page client checks title, h1, ids
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Durham County Council: annual complaints performance" in response.text
    assert "Response of the Member Responsible for Complaints" in response.text


def test_a_wrong_year_or_council_is_refused(demo_client):
    assert demo_client.get(f"/councils/{DURHAM}/reports/annual/2024.pdf").status_code == 400
    assert demo_client.get("/councils/E99999999/reports/annual/2024-25.html").status_code == 404


def test_the_annual_report_contents_link_to_their_sections(demo_client):
    html = demo_client.get(f"{ADDRESS}.html").text
    contents = html.split('id="contents-heading"', 1)[1].split("</ol>", 1)[0]
    links = re.findall(r'<li><a href="#([a-z-]+)">([^<]+)</a></li>', contents)
    assert len(links) == 14
    for number, (target, title) in enumerate(links, start=1):
        # Each entry goes to its section, whose heading reads the same.
        heading = rf'<h2 id="{target}"[^>]*>{number}\. {re.escape(unescape(title))}</h2>'
        assert re.search(heading, unescape(html)), title


def test_the_annual_report_page_leads_back_to_the_council_but_its_pdf_does_not(
    demo_client, tmp_path
):
    html = demo_client.get(f"{ADDRESS}.html").text
    assert f'<a href="/councils/{DURHAM}">Back to Durham County Council</a>' in html
    assert '<a class="service" href="/">Complaint handling scrutiny</a>' in html
    text = pdf_text(demo_client.get(f"{ADDRESS}.pdf").content, tmp_path)
    assert "Durham County Council: annual complaints performance" in text
    assert "Back to" not in text and "Complaint handling scrutiny" not in text
    # Printed, the contents give each section's page instead.
    assert re.search(r"14\. Response of the Member Responsible for Complaints, page \d+", text)
