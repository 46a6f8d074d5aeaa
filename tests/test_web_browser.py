"""End to end in a real browser: Debian's Chromium driven by Playwright, the web service on
a real port over a small demo database, and axe-core checking accessibility."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from browser import (
    MAIN_PAGES,
    axe_violations,
    chromium,
    live_server,
    require_chromium,
    sideways_scroll,
    sign_in,
)
from scrutiny.demo.build import DEMO_AUTHORITY

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


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
@pytest.mark.parametrize("account", sorted({p.account or "public" for p in MAIN_PAGES}))
def test_every_main_page_reflows_and_has_no_serious_accessibility_violations(
    browser, site, account, scripts
):
    # WCAG 1.4.10: at 320 px nothing scrolls sideways but a table in its own container; at
    # 1,280 px nothing does. One context per account and setting, each page loaded once.
    # Without scripts: the page's own scripts are refused, so it is what a visitor without
    # JavaScript sees (the service has no <noscript> content), while axe-core, which needs
    # JavaScript's timers, can still run in it.
    context = browser.new_context()
    if not scripts:
        context.route(re.compile(r".*\.m?js(\?.*)?$"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(120_000)  # the national overview takes seconds to make, once
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security" in m.text else 0)
    if account != "public":
        sign_in(page, site, account)
    problems = {}
    for main in [p for p in MAIN_PAGES if (p.account or "public") == account]:
        page.set_viewport_size({"width": 1280, "height": 900})
        if main.reach:
            url = main.reach(page, site)
        else:
            url = site + main.path
            response = page.goto(url)
            assert response is not None and response.status == 200, main.path
        if url != page.url:
            page.goto(url)
        page.wait_for_load_state("networkidle")
        if scripts:  # the charts drawn again by Vega
            page.wait_for_function(
                "[...document.querySelectorAll('.app-chart__canvas')]"
                ".every(c => c.dataset.interactive)"
            )
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            found = {"sideways": sideways_scroll(page), "axe": axe_violations(page)}
            if any(found.values()):
                problems[f"{main.path} at {width} px"] = found
    context.close()
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
    assert csp_errors == []


def test_charts_become_interactive_and_keep_their_description_and_table(browser, site):
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"{site}/councils/{DEMO_AUTHORITY}")
    images = page.locator(".app-chart img[alt]")
    assert images.count() >= 1
    assert page.locator(".app-chart table").count() >= 1
    described = [
        (images.nth(i).get_attribute("alt"), images.nth(i).get_attribute("aria-describedby"))
        for i in range(images.count())
    ]
    plain.close()
    scripted = browser.new_context()
    page = scripted.new_page()
    page.goto(f"{site}/councils/{DEMO_AUTHORITY}")
    page.wait_for_selector(".app-chart__canvas[data-interactive='true']", timeout=15000)
    page.wait_for_function(
        "[...document.querySelectorAll('.app-chart__canvas')].every(c => c.dataset.interactive)"
    )
    charts = page.locator(".app-chart__canvas > [aria-label]")
    assert charts.count() == len(described)
    # What was seen: the interactive chart was announced as "Vega visualization".
    assert "Vega visualization" not in page.content()
    for i, (alt, caption) in enumerate(described):
        chart = charts.nth(i)
        assert chart.get_attribute("aria-label") == alt
        assert chart.get_attribute("aria-describedby") == caption
        # Its figures, which tooltips show only to a mouse, are the table it points to,
        # reached with the keyboard.
        figures = page.locator(f"#{chart.get_attribute('aria-details')}")
        summary = figures.locator("summary")
        summary.focus()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        assert figures.locator("table").is_visible()
    scripted.close()


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
