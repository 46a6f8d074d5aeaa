"""Public pages kept for this data version are sent before routing (issue 22): the kept
page must be the very answer the view gives, headers and all, only a stranger may be sent
one, and a page from before a write is never sent as current.

On the small demo, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from conftest import PageClient, make_client
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import make_engine, transaction
from scrutiny.web.cached_pages import CachedPages

PAGES = [
    "/councils/E06000047",
    "/councils/E06000047?period=2023-24&indicator=stage2_on_time",
    "/",
]


def cached_pages(app) -> CachedPages:
    """The app's CachedPages middleware (the stack is built on the first request)."""
    layer = app.middleware_stack
    while not isinstance(layer, CachedPages):
        layer = layer.app
    return layer


def answer(response) -> tuple[int, dict[str, str], bytes]:
    """What a visitor receives, less the request id every answer has its own of."""
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, response.content


@pytest.mark.parametrize("path", PAGES)
def test_a_kept_page_is_sent_exactly_as_the_view_made_it(demo_client: PageClient, path):
    made = demo_client.get(path)
    assert made.status_code == 200
    fast = cached_pages(demo_client.app)
    before = fast.served
    kept = demo_client.get(path)
    assert fast.served == before + 1, "the second visit was not answered from the cache"
    assert answer(kept) == answer(made)
    assert "content-security-policy" in kept.headers
    head = TestClient.request(demo_client, "HEAD", path)  # no page to check: no body
    assert fast.served == before + 2
    assert head.status_code == 200 and head.content == b""
    assert {k: v for k, v in head.headers.items() if k != "x-request-id"} == answer(made)[1]


def test_the_access_log_names_the_route_of_a_kept_page(demo_client: PageClient, caplog):
    demo_client.get("/councils/E06000047")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="scrutiny.web.access_log"):
        demo_client.get("/councils/E06000047")
    routes = [r.route for r in caplog.records if r.name == "scrutiny.web.access_log"]
    assert routes == ["/councils/{code}"]


def test_a_signed_in_visitor_is_never_sent_a_strangers_page(demo_client: PageClient, demo_app):
    stranger = demo_client.get("/councils/E06000047")
    assert "Sign in" in stranger.text
    fast = cached_pages(demo_app)
    before = fast.served
    with PageClient(demo_app) as signed_in:
        signed_in.sign_in("councillor@demo.scrutiny")
        page = signed_in.get("/councils/E06000047")
    assert fast.served == before
    assert "Your account" in page.text and page.headers["cache-control"] == "no-store"


def test_an_unknown_council_is_not_kept_and_still_a_404(demo_client: PageClient):
    for _ in range(2):
        assert demo_client.get("/councils/E99999999").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_after_a_write_a_page_from_before_is_not_sent_as_current(demo_copy, backend):
    with demo_copy(backend) as url, make_client(url) as client:
        path = "/councils/E06000047"
        client.get(path)
        fast = cached_pages(client.app)
        client.get(path)
        assert fast.served == 1
        engine = make_engine(url)
        with transaction(engine) as connection:
            record_audit_entry(
                connection, actor="t", action="test", entity="submission", entity_id=1
            )
        engine.dispose()
        assert client.get(path).status_code == 200  # made by the view: a new version
        assert fast.served == 1
        fast.cache.wait()  # the page of the new version, made in the background
        client.get(path)
        assert fast.served == 2
