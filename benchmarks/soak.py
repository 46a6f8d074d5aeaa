"""A soak of the real service with a worker killed mid-way (issue 16).

`scrutiny serve --workers 2` runs as a subprocess on a PostgreSQL copy of the demo, with
SCRUTINY_SECRET_KEY set. Reader threads fetch public pages, council pages and the API;
uploader threads send complaints returns through the API for many councils at once (an
API token per council), each a month's return and every few a corrected one replacing an
earlier month's. Half-way through, one worker process is killed with SIGKILL; uvicorn's
supervisor starts another. A request cut off by the kill is sent again (a return sent
again is the same file, which the service takes once: it answers "unchanged").

Afterwards the database is compared with what the service accepted: every month's return
holds exactly the rows of its last accepted version (none lost, none twice, none stale),
and each accepted return is one current submission. tests/test_soak.py runs this in CI
and asserts 0 server errors and 0 lost or duplicated rows; run this file for the figures:
`python benchmarks/soak.py [SECONDS]` (needs the PostgreSQL server up; builds the small
demo into a database of its own).
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from scrutiny.core.periods import period_label
from scrutiny.reference.authorities import current_codes
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import complaints, make_engine, submissions

SOAK_SECONDS = 60  # what CI runs
WORKERS = 2
READERS = 6
UPLOADERS = 4
COUNCILS = 40  # councils sending returns, spread over the country
CORRECTION_EVERY = 4  # every fourth upload of a thread corrects one of its earlier returns
RETRIES = 8  # tries for a request cut off by the kill (a refused connection, a reset)
FIRST_MONTH = date(2025, 4, 1)  # the demo's returns end on 31 March 2025
REF_PREFIX = "SOAK-"
SERVE = [sys.executable, "-m", "scrutiny.cli", "serve"]
HEADER = (
    "authority_code,complaint_ref,stage,process,received_date,acknowledged_date,"
    "extension_working_days,responded_date,acceptance,outcome,service_area,"
    "service_subarea,channel,service_improvement,reasonable_adjustments"
)


@dataclass
class Tally:
    """What one client thread saw."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0  # cut off or refused, then sent again
    gave_up: int = 0  # still failing after RETRIES tries
    unexpected: list[str] = field(default_factory=list)
    after_kill: int = 0  # requests answered after the kill

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.connection_errors += other.connection_errors
        self.gave_up += other.gave_up
        self.unexpected += other.unexpected
        self.after_kill += other.after_kill


@dataclass
class SoakResult:
    """What the soak did and found."""

    seconds: float
    reads: Tally
    uploads: Tally
    returns_accepted: int  # months' returns stored (first versions)
    corrections_accepted: int  # later versions, each replacing one
    rows_expected: int
    rows_stored: int
    rows_lost: int  # accepted but not stored
    rows_extra: int  # stored but not (or no longer) accepted: duplicated or stale
    submissions_wrong: int  # months whose current submissions are not exactly one
    killed_worker: int
    connections_cut: int  # client connections the killed worker held
    worker_restarted: bool

    @property
    def requests(self) -> int:
        return self.reads.requests + self.uploads.requests

    @property
    def server_errors(self) -> int:
        return sum(
            n
            for status, n in (self.reads.statuses + self.uploads.statuses).items()
            if status >= 500
        )

    def summary(self) -> str:
        both = Tally()
        both.add(self.reads)
        both.add(self.uploads)
        return "\n".join(
            [
                f"{self.seconds:.0f} s, scrutiny serve --workers {WORKERS} on PostgreSQL,"
                f" {READERS} readers and {UPLOADERS} uploaders for {COUNCILS} councils,"
                f" worker {self.killed_worker} killed half-way holding"
                f" {self.connections_cut} connections"
                f" ({'restarted' if self.worker_restarted else 'NOT restarted'}):",
                f"  requests: {self.requests:,} ({self.requests / self.seconds:.1f}/s):"
                f" {self.reads.requests:,} reads ({self.reads.requests / self.seconds:.1f}/s),"
                f" {self.uploads.requests:,} uploads"
                f" ({self.uploads.requests / self.seconds:.1f}/s);"
                f" {both.after_kill:,} answered after the kill",
                f"  server errors (5xx): {self.server_errors}; other unexpected answers:"
                f" {len(both.unexpected)}; connection errors sent again: {both.connection_errors};"
                f" given up: {both.gave_up}",
                f"  returns stored: {self.returns_accepted:,}, corrections replacing one:"
                f" {self.corrections_accepted:,}; rows expected {self.rows_expected:,},"
                f" stored {self.rows_stored:,}: lost {self.rows_lost}, duplicated or stale"
                f" {self.rows_extra}; months without exactly one current submission:"
                f" {self.submissions_wrong}",
            ]
        )


class Soak:
    """One soak run against the service at BASE over the database at DATABASE_URL."""

    def __init__(self, database_url: str, base: str, tokens: dict[str, str], months: list[date]):
        self.database_url = database_url
        self.base = base
        self.tokens = tokens
        self.months = months
        self.stop = threading.Event()
        self.killed_at = float("inf")
        # (council, month) -> the rows of its last accepted version, and how many versions.
        self.accepted: dict[tuple[str, date], list[str]] = {}
        self.versions: Counter[tuple[str, date]] = Counter()
        self.lock = threading.Lock()

    def send(
        self, client: httpx.Client, tally: Tally, method: str, url: str, **kw: object
    ) -> httpx.Response | None:
        """METHOD URL, sent again while the connection is refused or cut off."""
        for attempt in range(RETRIES):
            try:
                response = client.request(method, url, **kw)  # type: ignore[arg-type]
            except httpx.TransportError:
                tally.connection_errors += 1
                time.sleep(0.1 * (attempt + 1))
                continue
            tally.requests += 1
            tally.statuses[response.status_code] += 1
            if time.monotonic() > self.killed_at:
                tally.after_kill += 1
            return response
        tally.gave_up += 1
        return None

    def reader(self, seed: int, tally: Tally) -> None:
        chooser = random.Random(seed)
        codes = current_codes().to_list()
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.is_set():
                code = chooser.choice(codes)
                path = chooser.choice(
                    [
                        "/",
                        f"/councils/{code}",
                        f"/councils/{code}",
                        "/councils?q=shire",
                        "/data",
                        "/api/v1/authorities?page_size=50",
                        f"/api/v1/benchmarks/{code}",
                        "/api/v1/indicators",
                        "/healthz",
                        "/readyz",
                    ]
                )
                response = self.send(client, tally, "GET", path)
                if response is not None and response.status_code != 200:
                    tally.unexpected.append(f"GET {path}: {response.status_code}")

    def uploader(self, councils: list[str], seed: int, tally: Tally) -> None:
        chooser = random.Random(seed)
        slots = [(code, month) for month in self.months for code in councils]
        sent: list[tuple[str, date]] = []
        actions = 0
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.is_set() and (slots or sent):
                actions += 1
                correcting = sent and (actions % CORRECTION_EVERY == 0 or not slots)
                slot = chooser.choice(sent) if correcting else slots.pop(0)
                version = self.versions[slot] + 1
                refs, body = complaints_return(slot[0], slot[1], version)
                response = self.send(
                    client,
                    tally,
                    "POST",
                    "/api/v1/submissions",
                    files={"file": (f"soak-{slot[0]}-{slot[1]:%Y-%m}.csv", body, "text/csv")},
                    data={
                        "period": period_label(slot[1], "month"),
                        "replace": str(version > 1).lower(),
                    },
                    headers={"Authorization": f"Bearer {self.tokens[slot[0]]}"},
                )
                if response is None:
                    continue
                outcomes = (
                    {s.get("outcome") for s in response.json().get("submissions", [])}
                    if response.headers.get("content-type") == "application/json"
                    else set()
                )
                # 201: stored or replaced; 200 "unchanged": an earlier try had stored it.
                if response.status_code == 201 or (
                    response.status_code == 200 and outcomes == {"unchanged"}
                ):
                    with self.lock:
                        self.accepted[slot] = refs
                        self.versions[slot] = version
                    if version == 1:
                        sent.append(slot)
                else:
                    tally.unexpected.append(
                        f"upload {slot[0]} {slot[1]:%Y-%m} v{version}:"
                        f" {response.status_code} {response.text[:200]}"
                    )
                    if version == 1:
                        slots.append(slot)  # never stored: it may be sent later


def complaints_return(code: str, month: date, version: int) -> tuple[list[str], bytes]:
    """A valid month's complaints return for CODE: its refs and its CSV. Each version has
    refs of its own and another number of rows, so a stale or doubled version shows."""
    count = 2 + (version + month.month) % 4
    refs, lines = [], [HEADER]
    for n in range(count):
        received = month + timedelta(days=n % 8)
        acknowledged, responded = received + timedelta(days=2), received + timedelta(days=12)
        ref = f"{REF_PREFIX}{month:%Y%m}-V{version}-{n}"
        refs.append(ref)
        outcome = "upheld" if n % 3 == 0 else "not_upheld"
        lines.append(
            f"{code},{ref},1,complaint_handling_code,{received},{acknowledged},0,{responded},"
            f"accepted,{outcome},housing,council_housing_repairs,email,false,false"
        )
    return refs, ("\n".join(lines) + "\n").encode()


def soak_months(today: date) -> list[date]:
    """The months from April 2025 up to the last whole month before TODAY (24 at most)."""
    months: list[date] = []
    month = FIRST_MONTH
    while month + timedelta(days=40) < today and len(months) < 24:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def prepare(database_url: str) -> dict[str, str]:
    """An admin account and an API token for each of COUNCILS councils: code -> token."""
    codes = current_codes().to_list()
    chosen = codes[:: max(1, len(codes) // COUNCILS)][:COUNCILS]
    engine = make_engine(database_url)
    try:
        admin = create_user(
            engine,
            email="soak-admin@example.org",
            password=secrets.token_urlsafe(16),
            role="admin",
            actor="soak",
        )
        return {
            code: create_token(engine, admin, f"soak {code}", authority_code=code, actor="soak")
            for code in chosen
        }
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def workers_of(master: int) -> list[int]:
    """The worker processes the server MASTER has started: its children, less multiprocessing's
    resource tracker (uvicorn spawns its workers; a forking server would do as well)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    found = []
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in command:
            found.append(int(child))
    return found


def connections_of(pid: int, port: int) -> int:
    """How many established TCP connections to PORT the process PID holds."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    held = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            local_port = int(columns[1].rsplit(":", 1)[1], 16)
            established = columns[3] == "01"
            held += local_port == port and established and columns[9] in inodes
    return held


def wait_until_ready(base: str, server: subprocess.Popen[bytes], deadline: float = 90) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"scrutiny serve stopped with status {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("scrutiny serve did not become ready")


def run_soak(
    database_url: str, seconds: float = SOAK_SECONDS, log: Path | None = None
) -> SoakResult:
    """Serve DATABASE_URL (a copy of the demo) with WORKERS workers, load it for SECONDS
    with a worker killed half-way, and compare the database with what was accepted."""
    tokens = prepare(database_url)
    months = soak_months(date.today())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCRUTINY_DATABASE_URL": database_url,
        "SCRUTINY_SECRET_KEY": secrets.token_urlsafe(32),
    }
    with tempfile.TemporaryFile() if log is None else log.open("wb") as output:
        server = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(base, server)
            soak = Soak(database_url, base, tokens, months)
            result = _load(soak, server, port, seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return result


def _load(soak: Soak, server: subprocess.Popen[bytes], port: int, seconds: float) -> SoakResult:
    councils = list(soak.tokens)
    reads = [Tally() for _ in range(READERS)]
    uploads = [Tally() for _ in range(UPLOADERS)]
    threads = [
        threading.Thread(target=soak.reader, args=(n, tally)) for n, tally in enumerate(reads)
    ]
    threads += [
        threading.Thread(target=soak.uploader, args=(councils[n::UPLOADERS], 100 + n, tally))
        for n, tally in enumerate(uploads)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    # The worker holding the most client connections, so the kill cuts requests off.
    held = {pid: connections_of(pid, port) for pid in workers_of(server.pid)}
    killed = max(held, key=lambda pid: held[pid])
    os.kill(killed, signal.SIGKILL)
    soak.killed_at = time.monotonic()
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    after = workers_of(server.pid)
    soak.stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    read_tally, upload_tally = Tally(), Tally()
    for tally in reads:
        read_tally.add(tally)
    for tally in uploads:
        upload_tally.add(tally)
    return _reconcile(
        soak,
        elapsed,
        read_tally,
        upload_tally,
        (killed, held[killed], len(after) == WORKERS and killed not in after),
    )


def _reconcile(
    soak: Soak, elapsed: float, reads: Tally, uploads: Tally, kill: tuple[int, int, bool]
) -> SoakResult:
    """Compare the soak's rows and submissions in the database with what was accepted."""
    expected = Counter((code, ref) for (code, _), refs in soak.accepted.items() for ref in refs)
    engine = make_engine(soak.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(complaints.c.authority_code, complaints.c.complaint_ref).where(
                    complaints.c.complaint_ref.startswith(REF_PREFIX)
                )
            )
            stored = Counter((code, ref) for code, ref in rows)
            returns = connection.execute(
                select(submissions.c.authority_code, submissions.c.period_start).where(
                    submissions.c.status == "current", submissions.c.file_name.startswith("soak-")
                )
            )
            current = Counter((code, start) for code, start in returns)
    finally:
        engine.dispose()
    wrong = sum(1 for slot in soak.accepted if current[slot] != 1) + sum(
        1 for slot in current if slot not in soak.accepted
    )
    return SoakResult(
        seconds=elapsed,
        reads=reads,
        uploads=uploads,
        returns_accepted=len(soak.accepted),
        corrections_accepted=sum(v - 1 for v in soak.versions.values()),
        rows_expected=sum(expected.values()),
        rows_stored=sum(stored.values()),
        rows_lost=sum((expected - stored).values()),
        rows_extra=sum((stored - expected).values()),
        submissions_wrong=wrong,
        killed_worker=kill[0],
        connections_cut=kill[1],
        worker_restarted=kill[2],
    )


def main(seconds: float) -> None:
    from sqlalchemy import create_engine

    from scrutiny.demo.build import build_demo

    admin_url = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"
    name = "scrutiny_soak"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.replace("/postgres?", f"/{name}?")
    try:
        with tempfile.TemporaryDirectory() as folder:
            print("building the small demo in PostgreSQL...", flush=True)
            build_demo(Path(folder), seed=3, scale=0.02, database_url=url)
        result = run_soak(url, seconds)
        print(result.summary())
        for problem in (result.reads.unexpected + result.uploads.unexpected)[:10]:
            print("  unexpected:", problem)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else SOAK_SECONDS)
