"""Logging, configured once: plain lines on a terminal, one JSON object a line for machines.

Modules log with `logging.getLogger(__name__)` and put figures in `extra={...}`, never in
the message, so the JSON form carries them as fields. Nothing personal is logged: no
names, email addresses, file names, free text, form data or query values; people appear
only as a user id, returns only as authority, table, counts and ids.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO, get_args

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)
ROOT = "scrutiny"

# A record's own attributes; anything else on it came from `extra` and is a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields RECORD was given with `extra`, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class JsonLines(logging.Formatter):
    """One JSON object a record: time (UTC), level, logger, message and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainText(logging.Formatter):
    """A line a person reads: time, level, logger, message, then the fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in fields(record).items())
        return f"{line} {extra}" if extra else line


def configure_logging(fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send scrutiny's INFO records and above to STREAM (default stderr) as FMT.

    Only the `scrutiny` loggers are configured, and calling again replaces what an
    earlier call set up, so a host (uvicorn, pytest) keeps its own logging.
    """
    if fmt not in LOG_FORMATS:
        raise ValueError(f"the log format must be {' or '.join(LOG_FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if fmt == "json" else PlainText())
    logger = logging.getLogger(ROOT)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@contextmanager
def timed(logger: logging.Logger, task: str, **extra: Any) -> Iterator[dict[str, Any]]:
    """Log TASK's start and end with its duration; the dict yielded adds fields to the end."""
    logger.info("%s started", task, extra={"task": task, **extra})
    started = time.perf_counter()
    more: dict[str, Any] = {}
    outcome = "failed"
    try:
        yield more
        outcome = "finished"
    finally:
        ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s in %.1f s",
            task,
            outcome,
            ms / 1000,
            extra={"task": task, **extra, **more, "outcome": outcome, "duration_ms": ms},
        )
