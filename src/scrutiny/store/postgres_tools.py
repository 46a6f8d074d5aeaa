"""PostgreSQL's own client programs, pg_dump and pg_restore, found and run for a database URL.

scrutiny's database URLs are SQLAlchemy's (`postgresql+psycopg://user@host/name?...`); the
programs take libpq's. The password, if the URL has one, goes in a private password file
named in the connection string, never on the command line where `ps` would show it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from scrutiny.core.errors import Invalid

# Debian and Ubuntu install each PostgreSQL version's programs here, off the PATH.
DEBIAN_BIN = Path("/usr/lib/postgresql")


class PostgresToolMissing(Invalid):
    """pg_dump or pg_restore is not installed where scrutiny looks."""


def find_tool(name: str) -> Path:
    """The program NAME: on the PATH, else the newest /usr/lib/postgresql/*/bin/NAME."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(
        DEBIAN_BIN.glob(f"*/bin/{name}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.parent.name)],
    )
    if candidates:
        return candidates[-1]
    raise PostgresToolMissing(
        f"{name} was not found on the PATH or in {DEBIAN_BIN}/*/bin: install PostgreSQL's "
        "client programs, of the server's version or newer (Debian: apt-get install "
        "postgresql-client)"
    )


@contextmanager
def libpq_target(database_url: str) -> Iterator[str]:
    """DATABASE_URL as a libpq connection URI for pg_dump and pg_restore, while the block runs."""
    url = make_url(database_url)
    password = url.password
    # URL.set() takes None as "unchanged", so the URL is made again without the password.
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    if password is None:
        yield plain.render_as_string(hide_password=False)
        return
    with tempfile.TemporaryDirectory(prefix="scrutiny-pg-") as folder:
        passfile = Path(folder) / "pgpass"
        escaped = str(password).replace("\\", "\\\\").replace(":", "\\:")
        passfile.touch(mode=0o600)
        passfile.write_text(f"*:*:*:*:{escaped}\n", encoding="utf-8")
        query = {**plain.query, "passfile": str(passfile)}
        yield plain.set(query=query).render_as_string(hide_password=False)


def run_tool(name: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the PostgreSQL program NAME with ARGUMENTS, capturing its output (never raising
    for its exit status: the caller says what a failure means)."""
    return subprocess.run(
        [str(find_tool(name)), *arguments], capture_output=True, text=True, check=False
    )


def last_lines(text: str, count: int = 3) -> str:
    """The last COUNT non-empty lines of a program's error output, joined for a message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[-count:]) or "no message"
