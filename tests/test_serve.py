"""`scrutiny serve` as a server on a real socket (issue 16): when it refuses to start,
half-open connections closed on time, and a stranger's upload refused unread."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app as cli
from scrutiny.core.serving import ServingRefused
from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.settings import Settings
from scrutiny.web import create_app
from scrutiny.web.serving import FRESH_PER_ADDRESS

HEADER_TIMEOUT = 2  # seconds, for the server under test (the default is 10)
BODY_TIMEOUT = 2  # seconds (the default is 30)


@pytest.mark.parametrize(
    ("environment", "arguments", "words"),
    [
        ({}, ["--workers", "2"], "Set SCRUTINY_SECRET_KEY to serve with 2 workers"),
        ({"SCRUTINY_HTTPS": "true"}, [], "Set SCRUTINY_SECRET_KEY in production"),
    ],
)
def test_serve_refuses_to_start_without_a_secret_key_when_it_would_matter(
    environment, arguments, words, monkeypatch, tmp_path
):
    # What was seen: --workers 2 without SCRUTINY_SECRET_KEY signed people out at random.
    monkeypatch.delenv("SCRUTINY_SECRET_KEY", raising=False)
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", f"sqlite:///{tmp_path / 'never-made.db'}")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["serve", *arguments])
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert not (tmp_path / "never-made.db").exists()  # refused before anything was done


def test_the_app_refuses_https_without_a_secret_key(tmp_path):
    # Under another server (gunicorn with uvicorn workers) the app factory says it too.
    with pytest.raises(ServingRefused, match="SCRUTINY_SECRET_KEY"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", https=True))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[str, Path]]:
    """`scrutiny serve` on a free port over an empty database, with its own temporary
    folder: its address and that folder."""
    from conftest import copy_sqlite

    folder = tmp_path_factory.mktemp("serve")
    temporary = folder / "tmp"
    temporary.mkdir()
    url = copy_sqlite(migrated_sqlite, folder / "scrutiny.db")
    port = _free_port()
    environment = {
        **os.environ,
        "SCRUTINY_DATABASE_URL": url,
        "SCRUTINY_SECRET_KEY": "serve-test",
        "SCRUTINY_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "SCRUTINY_BODY_TIMEOUT": str(BODY_TIMEOUT),
        # Not the loopback address the test connects from, which would then be exempt
        # from the cap on new connections per address.
        "SCRUTINY_TRUSTED_PROXIES": "192.0.2.1",
        "TMPDIR": str(temporary),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "scrutiny", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{address}/accessibility", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("scrutiny serve did not start")
        yield address, temporary
    finally:
        process.terminate()
        process.wait(timeout=20)


def _connect(address: str, source: str = "127.0.0.1") -> socket.socket:
    """A connection to ADDRESS from the loopback address SOURCE."""
    host, port = address.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0))


def _closed_by_server(connection: socket.socket, within: float) -> bool:
    """True when the server closes CONNECTION within WITHIN seconds (reading what else it
    sends until then)."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            if connection.recv(65536) == b"":
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return False


def test_half_open_connections_do_not_stop_others_being_answered_and_are_closed_on_time(
    server,
):
    # What was seen: 1,000 connections that sent part of a request line were held for 60 s.
    address, _ = server
    held = []
    for _ in range(1000):
        connection = _connect(address)
        # Closed at once when more than FRESH_PER_ADDRESS from this address are waiting.
        with contextlib.suppress(OSError):
            connection.sendall(b"GET /accessibility HT")
        held.append(connection)
    started = time.monotonic()
    # Someone else (another address) is answered at once.
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(transport=elsewhere, timeout=5) as other:
        assert other.get(f"{address}/accessibility").status_code == 200
    assert time.monotonic() - started < 2
    at_once = sum(_closed_by_server(c, within=0.01) for c in held)
    assert at_once >= len(held) - FRESH_PER_ADDRESS
    # A client trickling its headers a byte at a time is closed on time all the same.
    trickling = _connect(address, source="127.0.0.3")
    trickled = time.monotonic()
    for byte in b"GET /accessibility HTTP/1.1\r\nHost: x\r\n":
        try:
            trickling.sendall(bytes([byte]))
        except OSError:
            break
        time.sleep(0.1)
    assert _closed_by_server(trickling, within=HEADER_TIMEOUT + 2)
    assert HEADER_TIMEOUT - 0.5 < time.monotonic() - trickled < HEADER_TIMEOUT + 2
    still_open = [c for c in held if not _closed_by_server(c, within=0.01)]
    closed = [_closed_by_server(c, within=HEADER_TIMEOUT + 2) for c in still_open]
    assert all(closed), f"{closed.count(False)} of {len(held)} still open"
    assert time.monotonic() - started < 2 * HEADER_TIMEOUT + 6
    for connection in [*held, trickling]:
        connection.close()
    assert httpx.get(f"{address}/accessibility", timeout=5).status_code == 200


def test_a_kept_alive_connection_serves_several_requests_within_the_header_deadline(server):
    address, _ = server
    with httpx.Client(base_url=address, timeout=5) as client:
        for _ in range(3):
            assert client.get("/accessibility").status_code == 200
            time.sleep(HEADER_TIMEOUT / 4)


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def test_a_strangers_chunked_upload_is_refused_at_once_and_nothing_is_spooled(server):
    # What was seen: a 300 MB anonymous upload was read and spooled to /tmp before the 403.
    address, temporary = server
    before = _folder_bytes(temporary)
    connection = _connect(address)
    connection.sendall(
        f"POST /council/{DEMO_AUTHORITY}/returns HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    part = b"--b\r\nContent-Disposition: form-data; name=file; filename=x.csv\r\n\r\n"
    chunk = b"x" * 1_000_000
    sent = 0
    started = time.monotonic()
    connection.settimeout(0.01)
    answer = b""
    try:
        for n in range(300):  # up to 300 MB, as the attacker sent
            body = (part if n == 0 else b"") + chunk
            connection.sendall(f"{len(body):x}\r\n".encode() + body + b"\r\n")
            sent += len(body)
            try:
                answer += connection.recv(4096)
            except TimeoutError:
                continue
            if answer:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        connection.close()
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 303"), answer[:200]
    assert b"location: /sign-in" in answer.lower()
    assert elapsed < 5
    assert sent < 100_000_000, f"{sent:,} bytes went before the answer"
    assert _folder_bytes(temporary) - before < 1_000_000


def test_a_body_that_stops_arriving_is_answered_408_and_its_connection_closed(server):
    address, _ = server
    connection = _connect(address)
    connection.sendall(
        b"POST /sign-in HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        b"email=a%40b"
    )
    started = time.monotonic()
    connection.settimeout(BODY_TIMEOUT + 3)
    answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < BODY_TIMEOUT + 2
    assert _closed_by_server(connection, within=3)
    connection.close()
