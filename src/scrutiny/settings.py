"""Settings, declared once. Nothing else in scrutiny reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PREFIX = "SCRUTINY_"


@dataclass(frozen=True)
class Settings:
    """Every setting, with a safe local default; override with SCRUTINY_<NAME> variables."""

    database_url: str = field(
        default="sqlite:///scrutiny.db",
        metadata={"help": "SQLAlchemy URL: a SQLite file (default) or postgresql+psycopg://..."},
    )
    max_file_bytes: int = field(
        default=512 * 1024 * 1024,
        metadata={"help": "Largest file validate or import will read, in bytes."},
    )
    max_rows: int = field(
        default=5_000_000,
        metadata={"help": "Most data rows validate or import will read from one file."},
    )
    reader_memory_bytes: int = field(
        default=1536 * 1024 * 1024,
        metadata={
            "help": "Most memory a workbook (XLSX) may take to read, in bytes: it is read "
            "in a child process that is stopped beyond this."
        },
    )
    reader_seconds: int = field(
        default=60,
        metadata={"help": "Most processor seconds a workbook (XLSX) may take to read."},
    )
    evidence_dir: str = field(
        default="",
        metadata={
            "help": "Directory holding the files councils attach to evidence, each under its "
            "SHA-256. Empty: evidence-files beside the SQLite database file, or in the "
            "working directory with PostgreSQL. Back it up with the database."
        },
    )
    evidence_file_bytes: int = field(
        default=20 * 1024 * 1024,
        metadata={"help": "Largest file a council may attach to evidence, in bytes."},
    )
    user: str = field(
        default="cli",
        metadata={"help": "Who is recorded as submitting imports made from the command line."},
    )
    secret_key: str = field(
        default="",
        metadata={
            "help": "Key that signs the CSRF tokens of signed-out visitors' forms (sessions "
            "are kept in the database). Empty: a new random key each start, allowed only "
            "for one worker without HTTPS; set it on a server."
        },
    )
    https: bool = field(
        default=False,
        metadata={
            "help": "true when the web service is reached over HTTPS: cookies are sent only "
            "over HTTPS and browsers are told to insist on it (HSTS)."
        },
    )

    # The web server's guards (scrutiny serve; scrutiny.web.serving).
    header_timeout: int = field(
        default=10,
        metadata={
            "help": "Seconds a client has to send a request's line and headers; a connection "
            "still sending them (or idle before them) after that is closed."
        },
    )
    body_timeout: int = field(
        default=30,
        metadata={
            "help": "Seconds the service waits for the next part of a request's body before "
            "answering 408 and closing the connection."
        },
    )
    keep_alive_timeout: int = field(
        default=5,
        metadata={"help": "Seconds an idle connection is kept open for its next request."},
    )
    max_connections: int = field(
        default=500,
        metadata={
            "help": "Most connections and requests one worker takes at once; beyond it, new "
            "requests are answered 503 at once."
        },
    )
    max_header_bytes: int = field(
        default=16 * 1024,
        metadata={"help": "Largest request line and headers, in bytes (larger: 400)."},
    )
    trusted_proxies: str = field(
        default="127.0.0.1",
        metadata={
            "help": "Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed: the client address the sign-in throttle counts."
        },
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "help": "The web address people reach the service at, for links that commands "
            "print (scrutiny users reset-password)."
        },
    )

    log_format: str = field(
        default="text",
        metadata={
            "help": "How the service and commands log to standard error: text (lines a "
            "person reads) or json (one JSON object a line, for a log collector).",
            "choices": ("text", "json"),
        },
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from SCRUTINY_* variables in ENVIRON (default: the process environment)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for spec in fields(cls):
            raw = environ.get(PREFIX + spec.name.upper())
            if raw is None:
                continue
            if spec.type in ("int", int):
                try:
                    values[spec.name] = int(raw)
                except ValueError:
                    raise ValueError(
                        f"{PREFIX}{spec.name.upper()} must be a whole number"
                    ) from None
            elif spec.type in ("bool", bool):
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(f"{PREFIX}{spec.name.upper()} must be true or false")
                values[spec.name] = raw.lower() in ("true", "1")
            else:
                choices = spec.metadata.get("choices")
                if choices and raw not in choices:
                    raise ValueError(f"{PREFIX}{spec.name.upper()} must be {' or '.join(choices)}")
                values[spec.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, when the database is SQLite."""
        prefix = "sqlite:///"
        return (
            Path(self.database_url[len(prefix) :]) if self.database_url.startswith(prefix) else None
        )

    @property
    def evidence_path(self) -> Path:
        """Where evidence files are kept (see evidence_dir)."""
        if self.evidence_dir:
            return Path(self.evidence_dir)
        database = self.sqlite_path
        beside = database.parent if database is not None and database.name else Path()
        return beside / "evidence-files"
