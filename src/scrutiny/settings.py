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
    user: str = field(
        default="cli",
        metadata={"help": "Who is recorded as submitting imports made from the command line."},
    )
    secret_key: str = field(
        default="",
        metadata={
            "help": "Key that signs web session cookies; set it on a server. Empty: a new "
            "random key each start, so sign-ins end when the service restarts."
        },
    )
    https: bool = field(
        default=False,
        metadata={
            "help": "true when the web service is reached over HTTPS: cookies are sent only "
            "over HTTPS and browsers are told to insist on it (HSTS)."
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
