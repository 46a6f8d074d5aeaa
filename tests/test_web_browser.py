"""End to end in a real browser: Debian's Chromium driven by Playwright, the web service on
a real port over a small demo database, and axe-core checking accessibility."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from browser import axe_violations, chromium, live_server, require_chromium
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_PASSWORD

# One page of each kind; signed-in pages are checked with the account that may see them.
PUBLIC_PAGES = [
    "/",
    "/councils",
    "/councils?q=durham",
    f"/councils/{DEMO_AUTHORITY}",
    f"/compare?codes={DEMO_AUTHORITY}&codes=E08000025",
    "/data",
    "/standard",
    "/sign-in",
    "/accessibility",
    "/privacy",
    "/research/impact",
    "/api/v1/docs",
]
SIGNED_IN_PAGES = {
    "officer@demo.scrutiny": [
        f"/council/{DEMO_AUTHORITY}/returns",
        f"/council/{DEMO_AUTHORITY}/mapping",
        f"/council/{DEMO_AUTHORITY}/recommendations",
        "/account",
    ],
    "councillor@demo.scrutiny": [
        f"/council/{DEMO_AUTHORITY}/scrutiny",
        f"/council/{DEMO_AUTHORITY}/scrutiny/pack",
    ],
    "analyst@demo.scrutiny": [
        "/ombudsman/watchlist",
        "/ombudsman/evidence",
        "/ombudsman/data-quality",
    ],
    "admin@demo.scrutiny": ["/admin/users", "/admin/tokens", "/admin/authorities", "/admin/audit"],
}

HEADER = (
    "authority_code,period_start,period_end,stage,service_area,received,refused,"
    "acknowledged_on_time,responded,responded_within_timescale,"
    "responded_within_extended_timescale,extended,upheld,partly_upheld,not_upheld,withdrawn,"
    "service_improvements,working_days_to_respond_total,working_days_to_respond_median"
)
BAD_RETURN = (
    HEADER + "\nE06000047,2025-07-01,2025-09-30,1,,lots,12,398,402,300,371,60,110,90,190,12,41,"
    "4120,9\n"
)
GOOD_RETURN = BAD_RETURN.replace(",lots,", ",4321,")


@pytest.fixture(scope="module")
def site(demo_copy: Any) -> Iterator[str]:
    """The web service on its own copy of the demo database (these tests write to it)."""
    require_chromium()
    with demo_copy("sqlite") as url, live_server(url) as base:
        yield base


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda m: (
            page.csp_errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    yield page
    context.close()


def sign_in(page: Any, site: str, email: str) -> None:
    page.goto(f"{site}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_accessibility_violations(page, site, path):
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    assert page.csp_errors == []


@pytest.mark.parametrize(
    ("email", "path"), [(e, p) for e, paths in SIGNED_IN_PAGES.items() for p in paths]
)
def test_signed_in_page_has_no_serious_accessibility_violations(page, site, email, path):
    sign_in(page, site, email)
    response = page.goto(site + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    assert page.csp_errors == []


def test_charts_become_interactive_with_scripts_and_stay_images_without(browser, site):
    scripted = browser.new_context()
    page = scripted.new_page()
    page.goto(f"{site}/councils/{DEMO_AUTHORITY}")
    page.wait_for_selector(".app-chart__canvas[data-interactive='true']", timeout=15000)
    assert page.locator(".app-chart__canvas[data-interactive='true'] svg").count() >= 1
    scripted.close()
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"{site}/councils/{DEMO_AUTHORITY}")
    assert page.locator(".app-chart img[alt]").count() >= 1
    assert page.locator(".app-chart table").count() >= 1
    plain.close()


def test_officer_uploads_a_return_with_errors_then_the_corrected_one(page, site, tmp_path):
    bad, good = tmp_path / "return.csv", tmp_path / "corrected" / "return.csv"
    good.parent.mkdir()
    bad.write_text(BAD_RETURN, encoding="utf-8")
    good.write_text(GOOD_RETURN, encoding="utf-8")
    council_page = f"{site}/councils/{DEMO_AUTHORITY}?period=2025-26"
    # No return covers 2025-26 yet: the page says so, and is a 404.
    before = page.goto(council_page)
    assert before is not None and before.status == 404
    assert "No council has sent returns covering 2025-26" in page.locator("main").inner_text()
    sign_in(page, site, "officer@demo.scrutiny")
    page.goto(f"{site}/council/{DEMO_AUTHORITY}/returns")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "received" in summary.inner_text()  # the column
    assert "lots" in page.content()  # the value
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0
    # The check page says what storing would do; nothing is stored until the button.
    assert page.locator("h1").inner_text() == "Check the return before you store it"
    page.get_by_role("button", name=re.compile("store the return", re.IGNORECASE)).click()
    page.wait_for_load_state()
    assert page.locator(".govuk-notification-banner--success, .govuk-panel").count() >= 1
    assert "return.csv" in page.locator("main").inner_text()  # in the history
    # The council's public figures for the year now come from the return.
    assert page.goto(council_page).status == 200
    assert page.locator("main table").count() >= 1


def test_a_wrong_mapping_is_named_in_an_accessible_error_summary(page, site):
    sign_in(page, site, "officer@demo.scrutiny")
    page.goto(f"{site}/council/{DEMO_AUTHORITY}/mapping")
    page.get_by_label("Your mapping").fill("columns:\n  Case Ref: complaint_number\n")
    page.get_by_role("button", name="Check and save the mapping").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert "line 2: 'Case Ref' maps to 'complaint_number'" in summary.inner_text()
    assert axe_violations(page) == []  # nothing was saved: the shared demo is unchanged


def test_analyst_opens_the_watchlist_and_sees_reasons(page, site):
    sign_in(page, site, "analyst@demo.scrutiny")
    page.get_by_role("link", name="Watchlist").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().lower().startswith("watchlist")
    assert page.locator("a[href^='/councils/']").count() >= 1


def test_keyboard_alone_reaches_a_council_page(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"
    page.goto(site + "/councils")
    for _ in range(40):  # tab until the search box has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "INPUT" and page.evaluate(
            "document.activeElement.type"
        ) in ("search", "text"):
            break
    else:
        pytest.fail("the council search box cannot be reached with the Tab key")
    page.keyboard.type("Durham")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(60):  # tab to the first result and follow it
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("/councils/E"):
            break
    else:
        pytest.fail("no council result can be reached with the Tab key")
    # GOV.UK's focus state: the focused link is drawn on yellow, so it can be seen.
    background = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert background == "rgb(255, 221, 0)"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/councils/E\d{8}$", page.url)


def test_axe_finds_a_real_violation_on_a_broken_page(page, site):
    # The check itself can fail: an image with no alt text is a critical violation.
    page.goto(site + "/sign-in")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    assert any(v["id"] == "image-alt" for v in axe_violations(page))


def test_the_annual_report_page_is_styled_under_the_content_security_policy(page, site):
    page.goto(f"{site}/councils/{DEMO_AUTHORITY}/reports/annual/2024-25.html")
    assert page.csp_errors == []
    # base.html's stylesheet applied: tables collapse their borders.
    collapse = page.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse")
    assert collapse == "collapse"
    assert axe_violations(page) == []


def test_a_council_page_and_its_report_say_what_is_real_and_what_is_synthetic(page, site):
    page.goto(f"{site}/councils/E08000025")
    banner = page.locator("#synthetic-data")
    assert banner.is_visible() and "synthetic" in banner.inner_text().lower()
    housing = page.locator("#housing-complaints")
    assert housing.is_visible()
    main = page.locator("main").inner_text()
    assert "Regulator of Social Housing, Tenant Satisfaction Measures 2023-24 and 2024-25" in main
    # Without scripts the choice of peers is a form: choose, press, and the table follows.
    page.select_option("#housing_peers", "size")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare housing figures").click()
    assert "housing_peers=size" in page.url
    caption = page.locator("table[data-source='rsh_tsm'] caption").inner_text()
    assert caption.endswith("against the 15 council landlords nearest in homes owned")
    assert page.locator("#housing-funnel-chart").is_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})  # reflow: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.goto(f"{site}/councils/E08000025/reports/annual/2024-25.html")
    notice = page.locator(".synthetic")
    assert notice.is_visible() and "Synthetic demo data" in notice.inner_text()
