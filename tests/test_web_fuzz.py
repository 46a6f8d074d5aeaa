"""No page answers 500 (issue 16): every GET route, its path segments and the query
values pages read (period, year, dates, codes, paging, peers...) fuzzed with hypothesis,
as an admin (who may see every page), on the small demo.

The routes come from the app itself, so a new page is fuzzed without being listed here;
PDFs are left out only because each takes seconds (their HTML twins share their code).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PageClient
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY

# 400 take about 15 s on SQLite; FUZZ_EXAMPLES=4000 for a longer hunt (no 500 in 4,000 on
# SQLite or PostgreSQL when this was written).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))

# Values pages understand, so the fuzzer also reaches past the first check.
GOOD = [
    DEMO_AUTHORITY,
    DEMO_OTHER_AUTHORITY,
    "2024-25",
    "2023-24",
    "2024-25 Q3",
    "2024-06",
    "2024-10-01",
    "stage1_on_time",
    "nearest",
    "type",
    "6.2",
    "1",
    "send",
    "complaints",
    "user",
]
# Odd values of the kinds that broke or might break parsing: impossible dates, far
# years, huge numbers, separators, control and bidirectional characters.
ODD = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "2024-02-30",
    "2024-13-01",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "1900-01",
    "2099-00",
    "2024-25 Q0",
    "2024-25 Q9",
    "2024-26",
    "2024/25",
    "1899-00",
    "99999-00000",
    "24-25",
    "Q3",
    "..",
    "%00",
    "\x00",
    "\u202e",
    "E06000047\u200b",
    "<script>",
    "' OR 1=1 --",
    "a" * 3000,
]
value = st.one_of(
    st.sampled_from(GOOD),
    st.sampled_from(ODD),
    st.from_regex(r"\A[0-9]{1,6}-[0-9]{1,4}( Q[0-9])?\Z"),
    st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}\Z"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text(max_size=40),
)
QUERY_NAMES = [
    "period",
    "year",
    "as_of",
    "date",
    "code",
    "codes",
    "indicator",
    "peers",
    "page",
    "page_size",
    "top",
    "q",
    "sort",
    "service_area",
    "outcome",
    "entity",
    "format",
    "grain",
    "next",
]


def _get_routes(app: Any) -> list[str]:
    """The path templates of every GET route the app serves (PDFs aside)."""
    found = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for item in contexts() if contexts else [route]:
            if (isinstance(item, APIRoute) or hasattr(item, "original_route")) and (
                "GET" in item.methods
            ):
                found.add(item.path)
    return sorted(path for path in found if not path.endswith(".pdf"))


@pytest.fixture(scope="module")
def admin_client(demo_app: Any) -> Iterator[PageClient]:
    with PageClient(demo_app) as client:
        client.sign_in("admin@demo.scrutiny")
        yield client


def test_no_get_route_answers_500_whatever_its_path_and_query(admin_client, demo_app):
    routes = _get_routes(demo_app)
    assert len(routes) > 30
    statuses: list[int] = []

    @given(
        path=st.sampled_from(routes),
        segments=st.lists(value, min_size=4, max_size=4),
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), value, max_size=4),
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answered(path: str, segments: list[str], query: dict[str, str]) -> None:
        filled = iter(segments)
        url = re.sub(r"\{\w+\}", lambda _: quote(next(filled), safe="") or "x", path)
        response = admin_client.get(url, params=query, follow_redirects=False)
        assert response.status_code < 500, f"{url} {query}: {response.status_code}"
        statuses.append(response.status_code)

    answered()
    # The fuzzer gets past the first check often enough to mean something: in the run
    # this was written with, half the answers were pages (200) and a third 404s.
    assert statuses.count(200) > len(statuses) / 4
