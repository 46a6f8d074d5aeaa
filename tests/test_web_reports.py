"""The annual report downloaded from a council's page (public)."""

from __future__ import annotations

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
