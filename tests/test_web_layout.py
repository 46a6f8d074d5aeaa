"""The frame of every page: scrutiny's own branding (no GOV.UK crown, royal arms, Crown
copyright or GDS Transport), its icon, the navigation and signing out from the header."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.web.pages import SERVICE_NAME, STATIC

STYLESHEET = "/static/vendor/govuk/govuk-frontend.min.css"


class _Navigation(HTMLParser):
    """The items of each <nav> on a page, by its label, and the header's links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.header_links: list[tuple[str, str]] = []
        self._nav: str | None = None
        self._in_header = False
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "header":
            self._in_header = True
        elif tag == "nav":
            self._nav = found.get("aria-label") or ""
            self.rows[self._nav] = []
        elif tag == "a" and self._in_header:
            self._href = found.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "header":
            self._in_header = False
        elif tag == "nav":
            self._nav = None
        elif tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.strip():
            self.header_links.append((data.strip(), self._href))
            if self._nav is not None:
                self.rows[self._nav].append(data.strip())


def navigation_of(html: str) -> _Navigation:
    parsed = _Navigation()
    parsed.feed(html)
    return parsed


def test_pages_carry_the_services_own_name_and_no_crown_arms_or_crown_copyright(demo_client):
    page = demo_client.get("/").text
    assert SERVICE_NAME in page
    for gov_uk_only in ("govuk-footer__crown", "govuk-footer__copyright-logo", "govuk-logo"):
        assert gov_uk_only not in page
    assert "Crown copyright" not in page
    assert "Open Government Licence" not in page.split('<footer class="govuk-footer')[1]
    footer = page.split('<footer class="govuk-footer')[1]
    assert "MIT licence" in footer and 'href="/data"' in footer  # the data's own licences


def test_the_stylesheet_is_built_from_sass_with_the_system_font_not_gds_transport(demo_client):
    css = demo_client.get(STYLESHEET)
    assert css.status_code == 200
    assert "GDS Transport" not in css.text and "@font-face" not in css.text
    assert re.search(r"font-family:\s*arial,\s*sans-serif", css.text)
    # Built from GOV.UK Frontend's Sass: its components are all there.
    assert ".govuk-service-navigation" in css.text and ".govuk-table" in css.text
    assert "GDS Transport" not in (STATIC / "app.css").read_text(encoding="utf-8")


def test_the_favicon_is_scrutinys_own_and_where_browsers_look(demo_client):
    icon = demo_client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content == (STATIC / "favicon.ico").read_bytes()
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = demo_client.get("/sign-in").text
    assert 'href="/favicon.ico"' in page and 'href="/static/favicon.svg"' in page
    assert demo_client.get("/static/favicon.svg").status_code == 200
    assert "/assets/" not in page  # GOV.UK's crown icons are not served


@pytest.mark.parametrize(
    ("email", "own_pages", "report"),
    [
        (None, [], None),
        (
            "officer@demo.scrutiny",
            [
                "Returns",
                "Recommendations",
                "Scrutiny dashboard",
                "Self-assessment",
                "Annual report",
            ],
            f"/councils/{DEMO_AUTHORITY}/reports/annual",
        ),
        (
            "councillor@demo.scrutiny",
            ["Recommendations", "Scrutiny dashboard", "Self-assessment", "Annual report"],
            f"/councils/{DEMO_AUTHORITY}/reports/annual",
        ),
        (
            "analyst@demo.scrutiny",
            ["Watchlist", "Evidence", "Data quality", "Self-assessments", "National overview"],
            "/ombudsman/reports/national",
        ),
        (
            "admin@demo.scrutiny",
            [
                "Watchlist",
                "Evidence",
                "Data quality",
                "Self-assessments",
                "National overview",
                "Admin",
            ],
            "/ombudsman/reports/national",
        ),
    ],
)
def test_the_navigation_is_two_short_rows_with_the_reports_and_sign_out(
    demo_client, email, own_pages, report
):
    # What was seen: one row of 8 or 9 items, which wrapped, and no way to sign out there.
    if email:
        demo_client.sign_in(email)
    nav = navigation_of(demo_client.get("/data").text)
    site = ["National picture", "Councils", "Compare", "Open data"]
    if email is None:
        assert nav.rows == {"Site": [*site, "Sign in"]}
        assert ("Sign out", "/sign-out") not in nav.header_links
        return
    assert nav.rows["Site"] == [*site, "Your account", "Sign out"]
    assert ("Sign out", "/sign-out") in nav.header_links
    (label,) = set(nav.rows) - {"Site"}
    assert nav.rows[label] == own_pages
    assert max(len(row) for row in nav.rows.values()) <= 6
    # The report item opens the latest complete year's report page.
    opened = demo_client.get(report, follow_redirects=False)
    assert opened.status_code == 303
    assert re.fullmatch(re.escape(report) + r"/\d{4}-\d{2}\.html", opened.headers["location"])
    assert demo_client.get(opened.headers["location"]).status_code == 200


def test_sign_out_from_the_header_asks_once_then_ends_the_session(demo_client):
    demo_client.sign_in("officer@demo.scrutiny")
    page = demo_client.get("/sign-out")
    assert page.status_code == 200
    assert 'action="/sign-out"' in page.text and "officer@demo.scrutiny" in page.text
    token = demo_client.form_token("/sign-out")
    assert demo_client.post("/sign-out", data={"csrf_token": token}).status_code == 200
    assert demo_client.get("/account", follow_redirects=False).status_code == 303
    assert demo_client.get("/sign-out", follow_redirects=False).status_code == 303
