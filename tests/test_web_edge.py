"""The web edge (issue 16): HEAD answered, and signed-in pages kept by no cache."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scrutiny.demo.build import DEMO_AUTHORITY


def test_head_is_answered_like_get_without_a_body(demo_client):
    # What was seen: HEAD was a 405.
    for path in ("/", f"/councils/{DEMO_AUTHORITY}", "/api/v1/authorities"):
        got = demo_client.get(path)
        head = TestClient.request(demo_client, "HEAD", path)  # no page check: no body
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    assert TestClient.request(demo_client, "HEAD", "/no-such-page").status_code == 404


def test_signed_in_pages_say_no_store_and_public_ones_to_strangers_do_not(demo_client):
    # What was seen: signed-in pages lacked Cache-Control: no-store.
    assert "no-store" not in demo_client.get("/").headers.get("cache-control", "")
    demo_client.sign_in("officer@demo.scrutiny")
    for path in (f"/council/{DEMO_AUTHORITY}/returns", "/"):
        assert demo_client.get(path).headers["cache-control"] == "no-store", path
