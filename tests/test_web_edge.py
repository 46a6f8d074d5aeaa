"""The web edge (issue 16): HEAD answered, signed-in pages kept by no cache, and bodies
limited by the bytes that arrive."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

from conftest import PageClient
from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.settings import Settings
from scrutiny.web import create_app
from scrutiny.web.security import ANONYMOUS_BODY_LIMIT
from scrutiny.web.sessions import SESSION_COOKIE


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


def _post_in_chunks(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST a 50 MB multipart body to APP in 64 KB chunks with no Content-Length, as a
    chunked upload arrives: the answer's status and how many chunks the app read."""
    chunk = b"x" * 65536
    read = 0
    status = 0
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b"),
            (b"transfer-encoding", b"chunked"),
            *headers,
        ],
        "client": ("203.0.113.9", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": head if read == 1 else chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    asyncio.run(app(scope, receive, send))
    return status, read


def test_a_body_with_no_length_is_refused_as_soon_as_it_passes_the_limit(database_url):
    # What was seen: the limit trusted Content-Length, which a chunked upload does not send.
    from scrutiny.store.accounts import create_user
    from scrutiny.store.db import make_engine

    engine = make_engine(database_url)
    create_user(
        engine,
        email="officer@example.org",
        password="a-long-password",
        role="council_officer",
        authority_code=DEMO_AUTHORITY,
        actor="test",
    )
    engine.dispose()
    settings = Settings(database_url=database_url, secret_key="test", max_file_bytes=100_000)
    app = create_app(settings)
    with PageClient(app) as client:
        client.sign_in("officer@example.org", "a-long-password")
        cookie = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}".encode()
    limit = settings.max_file_bytes + 1_000_000  # room for the form around the file
    status, read = _post_in_chunks(app, f"/council/{DEMO_AUTHORITY}/returns", [(b"cookie", cookie)])
    assert status == 413
    assert read <= limit // 65536 + 2  # stopped at the limit, not at 50 MB
    # A stranger may send only a small form (signing in), chunked or not.
    status, read = _post_in_chunks(app, "/sign-in", [])
    assert status == 413
    assert read <= ANONYMOUS_BODY_LIMIT // 65536 + 2
    app.state.engine.dispose()
