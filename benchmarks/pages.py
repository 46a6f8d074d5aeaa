"""How long the pages issue 20 names take on the full demo database, cold and warm.

    python benchmarks/pages.py                 # a copy of build/demo/scrutiny.db (make demo)

Each page is requested from a fresh app (cold: the first visit after the service starts,
which computes and caches what it needs) and then five times more (warm: the median).
Targets (issue 20): the national overview report under 3 s; the research page and a
council's recommendations page under 0.5 s warm. Requests go through FastAPI's test client
in this process (no network), signed in as the demo's analyst and council officer.
Not a test: prints its figures.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import tempfile
from pathlib import Path

from cache_after_write import signed_in, timed
from fastapi.testclient import TestClient

from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.settings import Settings
from scrutiny.store.migrations import upgrade
from scrutiny.web import create_app

DEMO = Path(__file__).resolve().parent.parent / "build" / "demo" / "scrutiny.db"
YEAR = "2024-25"
PAGES: dict[str, tuple[str, str, float]] = {
    # name: (path, who signs in, warm target in seconds)
    "national overview report": (
        f"/ombudsman/reports/national/{YEAR}.html",
        "analyst@demo.scrutiny",
        3.0,
    ),
    "research page": ("/research/impact", "", 0.5),
    "recommendations page": (
        f"/council/{DEMO_AUTHORITY}/recommendations",
        "officer@demo.scrutiny",
        0.5,
    ),
}
WARM_REQUESTS = 5


def client(url: str, email: str) -> TestClient:
    app = create_app(Settings(database_url=url, secret_key="bench"))
    logging.disable(logging.INFO)  # the access log of every request
    return signed_in(app, email) if email else TestClient(app)


def main() -> None:
    if not DEMO.exists():
        raise SystemExit(f"{DEMO} is missing: run `make demo` first")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "scrutiny.db"
        shutil.copyfile(DEMO, copy)
        url = f"sqlite:///{copy}"
        upgrade(url)
        print(f"{'page':<28}{'cold (s)':>10}{'warm median (s)':>17}{'target warm':>13}")
        for name, (path, email, target) in PAGES.items():
            with client(url, email) as browser:
                cold = timed(browser, path)
                warm = statistics.median(timed(browser, path) for _ in range(WARM_REQUESTS))
            met = "met" if (cold if name.startswith("national") else warm) < target else "NOT met"
            print(f"{name:<28}{cold:>10.2f}{warm:>17.3f}{target:>11.1f} s  {met}")
        print("(the national report's target is for its cold, first request)")


if __name__ == "__main__":
    main()
