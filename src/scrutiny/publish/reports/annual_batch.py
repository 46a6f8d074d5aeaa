"""Annual reports for every council at once: the figures over all councils (indicators,
compliance measures, early-warning signals) are computed once, then the reports are
written in parallel, one process per core (WeasyPrint holds the interpreter's lock).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.log import timed
from scrutiny.publish.reports.annual import annual_html, annual_pdf
from scrutiny.publish.reports.annual_inputs import ReportInputs, prepare_inputs
from scrutiny.reference.authorities import load_authorities

logger = logging.getLogger(__name__)

FORMATS = ("pdf", "html")


@dataclass
class BatchResult:
    """What a run over many councils wrote, and which councils failed and why."""

    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def report_name(code: str, year: str, output_format: str) -> str:
    """The file name of a council's annual report."""
    return f"{code}-annual-report-{year}.{output_format}"


def write_report(
    engine: Engine,
    code: str,
    year: str,
    path: Path,
    output_format: str = "pdf",
    *,
    inputs: ReportInputs | None = None,
) -> Path:
    """Write council CODE's annual report for YEAR to PATH as PDF or HTML."""
    if output_format not in FORMATS:
        raise ValueError(f"the format must be {' or '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if output_format == "pdf":
        path.write_bytes(annual_pdf(engine, code, year, inputs=inputs))
    else:
        path.write_text(annual_html(engine, code, year, inputs=inputs), encoding="utf-8")
    return path


def current_councils() -> list[str]:
    """Every current council's code, in code order."""
    councils = load_authorities().filter(pl.col("current"))
    return sorted(councils.get_column("gss_code").to_list())


# Each worker process keeps its own engine and the shared inputs, sent once when it starts.
_WORKER: dict[str, object] = {}


def _start_worker(url: str, inputs: ReportInputs, directory: Path, output_format: str) -> None:
    from scrutiny.store.db import make_engine

    _WORKER.update(
        engine=make_engine(url), inputs=inputs, directory=directory, format=output_format
    )


def _write_one(code: str) -> Path:
    inputs = _WORKER["inputs"]
    assert isinstance(inputs, ReportInputs)
    output_format = str(_WORKER["format"])
    directory = _WORKER["directory"]
    assert isinstance(directory, Path)
    return write_report(
        _WORKER["engine"],  # type: ignore[arg-type]
        code,
        inputs.year,
        directory / report_name(code, inputs.year, output_format),
        output_format,
        inputs=inputs,
    )


def write_all_reports(
    engine: Engine,
    year: str,
    directory: Path,
    output_format: str = "pdf",
    *,
    jobs: int = 2,
    codes: list[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BatchResult:
    """Every current council's (or CODES') annual report for YEAR, written into DIRECTORY
    by JOBS processes. PROGRESS is called with (done, total, code) after each report."""
    with timed(logger, "annual report batch", year=year, format=output_format) as end:
        result = _write_all(engine, year, directory, output_format, jobs, codes, progress)
        end |= {"written": len(result.written), "failed": len(result.failed)}
        return result


def _write_all(
    engine: Engine,
    year: str,
    directory: Path,
    output_format: str,
    jobs: int,
    codes: list[str] | None,
    progress: Callable[[int, int, str], None] | None,
) -> BatchResult:
    if output_format not in FORMATS:
        raise ValueError(f"the format must be {' or '.join(FORMATS)}")
    directory.mkdir(parents=True, exist_ok=True)
    inputs = prepare_inputs(engine, year, every_council=True)
    chosen = codes if codes is not None else current_councils()
    result = BatchResult()
    url = engine.url.render_as_string(hide_password=False)
    # spawn, not fork: polars' thread pool does not survive a fork safely.
    with ProcessPoolExecutor(
        max_workers=max(1, jobs),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(url, inputs, directory, output_format),
    ) as pool:
        futures = {pool.submit(_write_one, code): code for code in chosen}
        for done, future in enumerate(as_completed(futures), start=1):
            code = futures[future]
            try:
                result.written.append(future.result())
            except Exception as error:  # one council's failure must not stop the others
                result.failed[code] = f"{type(error).__name__}: {error}"
            if progress:
                progress(done, len(chosen), code)
    result.written.sort()
    return result
