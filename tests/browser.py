"""A real browser for the end-to-end tests: Debian's Chromium driven by Playwright, and
the web service served by uvicorn in a thread, on a real port.

Without Chromium the tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = Path(__file__).parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def require_chromium() -> None:
    """Skip (or, in CI, fail) when Chromium or axe-core is missing."""
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing:
        reason = f"browser tests need {', '.join(missing)} (apt-get install chromium; make assets)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run them", pytrace=False)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(database_url: str) -> Iterator[str]:
    """The web service on DATABASE_URL, listening on a free local port: yields its base URL."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    port = _free_port()
    app = create_app(Settings(database_url=database_url, secret_key="browser-tests"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A Chromium browser (Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on PAGE (WCAG 2.0-2.2 A and AA rules)."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (an
    # injected <script> would be blocked, as it should be).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@dataclass(frozen=True)
class MainPage:
    """A page every visitor of ACCOUNT's kind relies on (None: the public). REACH, when a
    page is only reached by doing something (an upload), does it and returns the URL."""

    path: str
    account: str | None = None
    reach: Callable[[Any, str], str] | None = None


def upload_with_problems(page: Any, site: str) -> str:
    """Upload a return with more problems than one page shows: the page that says so."""
    header = (
        "authority_code,period_start,period_end,stage,received,responded,"
        "responded_within_timescale,upheld,partly_upheld,not_upheld"
    )
    rows = [f"{DEMO_AUTHORITY},2025-07-01,2025-09-30,1,lots{n},1,1,0,0,1" for n in range(60)]
    page.goto(f"{site}/council/{DEMO_AUTHORITY}/returns")
    page.set_input_files(
        "input[type=file]",
        {
            "name": "return.csv",
            "mimeType": "text/csv",
            "buffer": "\n".join([header, *rows]).encode(),
        },
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    return str(page.url)


def problems_page(page: Any, site: str) -> str:
    """The second page of the problems in an upload."""
    upload_with_problems(page, site)
    link = page.get_by_role("link", name="see the next page of problems").get_attribute("href")
    return f"{site}{link}"


def first_on_the_watchlist(page: Any, site: str) -> str:
    """The detail page of the first council on the watchlist."""
    page.goto(f"{site}/ombudsman/watchlist")
    link = page.locator("main a[href^='/ombudsman/watchlist/E']").first.get_attribute("href")
    return f"{site}{link}"


def refused_draft(page: Any, site: str) -> str:
    """The new-draft form sent empty: its error summary."""
    page.goto(f"{site}/ombudsman/drafts/new")
    page.get_by_role("button", name="Record the draft").click()
    page.wait_for_load_state()
    return str(page.url)


def first_follow_up(page: Any, site: str) -> str:
    """The committee follow-up page of the first recommendation on the scrutiny dashboard."""
    page.goto(f"{site}/council/{DEMO_AUTHORITY}/scrutiny")
    link = page.locator("main a[href$='/follow-up']").first.get_attribute("href")
    return f"{site}{link}"


def evidence_with_files(page: Any, site: str) -> str:
    """The files page of the first evidence awaiting a check that has files (the demo's
    files are other councils' than the demo accounts', so an admin's)."""
    page.goto(f"{site}/ombudsman/evidence")
    found = page.evaluate(
        """() => {
          const link = document.querySelector("main a[href*='/evidence-files/']");
          const section = link.closest("section");
          const code = link.getAttribute("href").split("/")[2];
          const evidence = section.querySelector("[name=evidence_id]").value;
          return `/council/${code}/evidence/${evidence}/files`;
        }"""
    )
    return f"{site}{found}"


OFFICER, COUNCILLOR = "officer@demo.scrutiny", "councillor@demo.scrutiny"
ANALYST, ADMIN = "analyst@demo.scrutiny", "admin@demo.scrutiny"
_COUNCIL = f"/council/{DEMO_AUTHORITY}"
# Every main page of the service, in one list: the reflow and accessibility test visits
# each, as the account that may see it. A new page is added here.
MAIN_PAGES = [
    MainPage("/"),
    MainPage("/councils"),
    MainPage("/councils?q=durham"),
    MainPage("/councils?q=cumbria"),  # a former council, with its successors
    MainPage("/councils/E10000006"),  # the former council's own page
    MainPage(f"/councils/{DEMO_AUTHORITY}"),
    MainPage("/councils/E08000025"),  # a council landlord: the housing figures
    MainPage(f"/compare?codes={DEMO_AUTHORITY}&codes=E08000025"),
    MainPage("/standard"),
    MainPage("/standard/indicators"),
    MainPage("/api/v1/docs"),
    MainPage("/data"),
    MainPage("/accessibility"),
    MainPage("/privacy"),
    MainPage("/research/impact"),
    MainPage("/how-to-read-comparisons"),
    MainPage("/docs/impact"),
    MainPage("/sign-in"),
    MainPage(f"/councils/{DEMO_AUTHORITY}/reports/annual/2024-25.html"),
    MainPage(f"{_COUNCIL}/returns", OFFICER),
    MainPage("the upload's problems", OFFICER, reach=upload_with_problems),
    MainPage("the problems page", OFFICER, reach=problems_page),
    MainPage(f"{_COUNCIL}/mapping", OFFICER),
    MainPage(f"{_COUNCIL}/recommendations", OFFICER),
    MainPage(f"{_COUNCIL}/self-assessment", OFFICER),
    MainPage(f"{_COUNCIL}/self-assessment/2024-25/6.2", OFFICER),
    MainPage(f"{_COUNCIL}/drafts", OFFICER),
    MainPage(f"{_COUNCIL}/drafts/3", OFFICER),  # the demo's draft awaiting an answer
    MainPage("/account", OFFICER),
    MainPage(f"{_COUNCIL}/scrutiny", COUNCILLOR),
    MainPage(f"{_COUNCIL}/scrutiny/pack", COUNCILLOR),
    MainPage(f"{_COUNCIL}/drafts/2", COUNCILLOR),  # agreed with the council's change
    MainPage("a recommendation's committee follow-up", COUNCILLOR, reach=first_follow_up),
    MainPage("the follow-up to assign", OFFICER, reach=first_follow_up),
    MainPage("/ombudsman/drafts", ANALYST),
    MainPage("/ombudsman/drafts/new", ANALYST),
    MainPage("the new-draft form refused", ANALYST, reach=refused_draft),
    MainPage("/council/E08000025/drafts/6", ANALYST),  # a change proposed: to finalise
    MainPage("/ombudsman/watchlist", ANALYST),
    MainPage("a council on the watchlist", ANALYST, reach=first_on_the_watchlist),
    MainPage("/ombudsman/evidence", ANALYST),  # backdated evidence, and evidence with files
    MainPage("/ombudsman/data-quality", ANALYST),
    MainPage("/ombudsman/self-assessment", ANALYST),
    MainPage("/ombudsman/reports/national/2024-25.html", ANALYST),
    MainPage("/admin/users", ADMIN),
    MainPage("/admin/tokens", ADMIN),
    MainPage("/admin/authorities", ADMIN),
    MainPage("/admin/audit", ADMIN),
    MainPage("evidence's files", ADMIN, reach=evidence_with_files),
]


def sign_in(page: Any, site: str, email: str) -> None:
    """Sign PAGE's browser context in as the demo account EMAIL."""
    page.goto(f"{site}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]


# The elements that stick out of the viewport while their parent does not: where a
# sideways scroll starts, so a failure names its cause.
_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const causes = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1
        && el.parentElement.getBoundingClientRect().right <= width + 1) {
      const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
      const name = `${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""}`;
      causes.push(`${name} to ${Math.round(box.right)} px: ${text}`);
    }
  }
  return {width: document.documentElement.scrollWidth, causes: causes.slice(0, 5)};
}"""


def sideways_scroll(page: Any) -> dict[str, Any] | None:
    """None when PAGE fits its viewport's width; else how wide it is and what sticks out."""
    result: dict[str, Any] | None = page.evaluate(_SIDEWAYS)
    return result
