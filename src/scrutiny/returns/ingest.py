"""Reading returns: CSV or XLSX in, a frame of text cells named after the standard out.

Everything is read as text. Nothing in a cell is ever evaluated, so a cell that starts
with '=' stays the four characters it was. Typing and checking happen in validation.
"""

from __future__ import annotations

import csv
import hashlib
import io
import mmap
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

from scrutiny.returns.mapping import Mapping, apply_values, normalise_name
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.xlsx import Limits, read_xlsx
from scrutiny.settings import Settings
from scrutiny.standard import Table, load_standard

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", ";", "\t")


@dataclass
class RawTable:
    """A file's cells as text, with its columns matched to one table of the standard."""

    table: Table
    frame: pl.DataFrame
    file_name: str
    file_hash: str
    encoding: str
    headers: dict[str, str] = field(default_factory=dict)  # standard field -> header in file
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_columns: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Warnings about the file rather than its cells, in the issues' shape (row, column,
    # value, severity, rule, message, fix): hidden sheets and rows, error cells.
    file_issues: list[dict[str, object]] = field(default_factory=list)
    mapping: Mapping = field(default_factory=Mapping)  # how the council's file was read


def _decode(data: bytes) -> tuple[bytes, str]:
    """Bytes that are not UTF-8, converted to UTF-8, and the encoding they were in."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16").encode("utf-8"), "UTF-16"
    try:
        return data.decode("cp1252").encode("utf-8"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise FileUnreadable(
            f"the file is neither UTF-8 nor Windows-1252 text (byte {error.start}); "
            "save it from your spreadsheet as 'CSV UTF-8'"
        ) from error


def _delimiter(head: bytes) -> str:
    header = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _parse_csv(source: Path | bytes, separator: str, max_rows: int) -> pl.DataFrame:
    return pl.read_csv(
        source,
        separator=separator,
        infer_schema=False,
        n_rows=max_rows + 1,
        raise_if_empty=False,
    )


def _read_csv(path: Path, head: bytes, max_rows: int) -> tuple[pl.DataFrame, str]:
    """Read the file straight from disk as UTF-8; convert and re-read only if it is not."""
    separator = _delimiter(head)
    source: Path | bytes = path
    encoding = "UTF-8"
    if not head.startswith(UTF16_BOMS) and _lone_carriage_return(path):
        # Any line endings: a carriage return alone ends a line too.
        source = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if head.startswith(UTF16_BOMS):
        source, encoding = _decode(path.read_bytes())
        separator = _delimiter(source[:65536])
    try:
        try:
            frame = _parse_csv(source, separator, max_rows)
        except pl.exceptions.ComputeError as error:
            if "utf-8" not in str(error) or encoding != "UTF-8":
                raise
            source, encoding = _decode(source if isinstance(source, bytes) else path.read_bytes())
            frame = _parse_csv(source, separator, max_rows)
    except pl.exceptions.PolarsError as error:
        problem = _ragged_rows(source, separator) or str(error).splitlines()[0]
        raise FileUnreadable(f"the file is not valid CSV: {problem}") from error
    if frame.height == 0 and (problem := _ragged_rows(source, separator)):
        raise FileUnreadable(f"the file is not valid CSV: {problem}")
    _refuse_short_rows(frame, source, separator)
    return frame, encoding


def _refuse_nul(frame: pl.DataFrame) -> None:
    """Refuse a NUL character in any cell, naming the first (databases cannot store it)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return
    found = (
        frame.select(pl.concat_list(pl.col(text).str.contains("\x00", literal=True)).alias("nul"))
        .with_row_index("n")
        .filter(pl.col("nul").list.any())
    )
    if found.is_empty():
        return
    n, flags = found.row(0)
    column = text[flags.index(True)]
    raise FileUnreadable(
        f"row {n + 2}, column {column} holds a NUL character (a zero byte), which no "
        "return may contain: it is often left by a damaged export; export the file again"
    )


def _lone_carriage_return(path: Path) -> bool:
    """True when the file has a carriage return not followed by a line feed (old Mac
    line endings, or a stray one in a Windows file)."""
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return LONE_CR.search(data) is not None


def _ragged_rows(source: Path | bytes, separator: str, limit: int = 5) -> str:
    """Which rows have more or fewer cells than the header, as a sentence ('' if none).
    Read row by row, so only run when reading failed or some row may be short."""
    stream: IO[str] = (
        io.StringIO(source.decode("utf-8", errors="replace"))
        if isinstance(source, bytes)
        else source.open(encoding="utf-8-sig", errors="replace", newline="")
    )
    with stream:
        rows = csv.reader(stream, delimiter=separator)
        width = len(next(rows, []))
        ragged = []
        last: list[str] = []
        for number, cells in enumerate(rows, start=2):
            if cells and len(cells) != width:
                ragged.append((number, len(cells)))
                last = cells
    if not ragged:
        return ""
    if len(ragged) == 1 and "\n" in last[-1]:
        return (
            f"a quotation mark in row {ragged[0][0]} opens a cell that never closes, so the "
            "rest of the file is read as one cell: close the quote, or remove it"
        )
    shown = "; ".join(f"row {number} has {cells} cells" for number, cells in ragged[:limit])
    more = f" (and {len(ragged) - limit:,} more rows)" if len(ragged) > limit else ""
    return (
        f"the header has {width} columns, but {shown}{more}: every row needs one cell for "
        "each column, blank or not (a missing separator, or an unquoted one in a cell)"
    )


def _refuse_short_rows(frame: pl.DataFrame, source: Path | bytes, separator: str) -> None:
    """Refuse rows with fewer cells than the header. The reader fills them out with blanks,
    so a short row always ends in a blank: only then is the file read again to look."""
    if frame.width < 2 or frame.get_column(frame.columns[-1]).null_count() == 0:
        return
    problem = _ragged_rows(source, separator)
    if problem:
        raise FileUnreadable(f"the file is not valid CSV: {problem}")


def file_hash(path: Path) -> str:
    """SHA-256 of the file, read in chunks (hashlib releases the GIL, so this can overlap)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


LONE_CR = re.compile(rb"\r(?!\n)")
DUPLICATED = re.compile(r"_duplicated_\d+$")


def _choose_table(names: list[str], table_name: str | None) -> Table:
    standard = load_standard()
    if table_name:
        return standard.table(table_name)
    scores = {
        table.name: sum(name in table.field_names() for name in names)
        for table in standard.tables.values()
    }
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise FileUnreadable(
            "cannot tell which table of the standard this file is; name it with --table "
            f"({', '.join(standard.tables)})"
        )
    return standard.table(winners[0])


def _without_blank_rows_at_end(frame: pl.DataFrame) -> pl.DataFrame:
    """FRAME without the wholly blank rows after its last row with anything in it (blank
    lines at the end of a file, or rows a spreadsheet once used)."""
    if frame.is_empty():
        return frame
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null()).arg_true().max()).item()
    return frame.head(0 if filled is None else filled + 1)


def _as_written(header: str, headers: list[str]) -> str:
    """The header as the file has it: the reader renames a second 'stage' column to
    'stage_duplicated_0', which must still count as a second 'stage'."""
    original = DUPLICATED.sub("", header)
    return original if original != header and original in headers else header


def _match_columns(
    frame: pl.DataFrame, mapping: dict[str, str], table_name: str | None
) -> tuple[Table, pl.DataFrame, dict[str, str], list[str], dict[str, list[str]]]:
    standard = load_standard()
    aliases = {normalise_name(f.title): f.name for t in standard.tables.values() for f in t.fields}
    aliases.update({f.name: f.name for t in standard.tables.values() for f in t.fields})
    aliases.update(mapping)
    matched: dict[str, list[str]] = {}
    unknown = []
    for header in frame.columns:
        name = aliases.get(normalise_name(_as_written(header, frame.columns)))
        if name is None:
            unknown.append(header)
        else:
            matched.setdefault(name, []).append(header)
    table = _choose_table(list(matched), table_name)
    own = set(table.field_names())
    unknown += [h for name, headers in matched.items() if name not in own for h in headers]
    duplicates = {
        name: [_as_written(h, frame.columns) for h in hs]
        for name, hs in matched.items()
        if name in own and len(hs) > 1
    }
    headers = {name: hs[0] for name, hs in matched.items() if name in own}
    renamed = frame.select([pl.col(header).alias(name) for name, header in headers.items()])
    return table, renamed, headers, unknown, duplicates


def read_cells(
    path: Path, settings: Settings, *, sheet: str | None = None, with_hash: bool = True
) -> tuple[pl.DataFrame, str, str, list[dict[str, object]]]:
    """PATH's cells as text under its own headers, checked for size and shape: the frame,
    the encoding it was in, its SHA-256 (empty without WITH_HASH) and warnings about the
    file (hidden sheets and rows, error cells)."""
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise FileUnreadable(
                f"the file is {size / 1e6:,.0f} MB; the largest accepted is "
                f"{settings.max_file_bytes / 1e6:,.0f} MB. Split it, for example by year."
            )
        with path.open("rb") as stream:
            head = stream.read(65536)
    except OSError as error:
        raise FileUnreadable(f"cannot open the file: {error.strerror or error}") from error
    if not head or (size <= len(head) and head.isspace()):
        raise FileUnreadable("the file is empty")
    if head.startswith(XLS_MAGIC):
        raise FileUnreadable("this is an old-style .xls workbook: save it as .xlsx or CSV")
    if b"\x00" in head[:8192] and not head.startswith((XLSX_MAGIC, *UTF16_BOMS)):
        raise FileUnreadable("this looks like a binary file, not a CSV or XLSX return")
    file_issues: list[dict[str, object]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(file_hash, path) if with_hash else None
        if head.startswith(XLSX_MAGIC):
            limits = Limits(
                max_rows=settings.max_rows,
                max_bytes=settings.max_file_bytes,
                memory_bytes=settings.reader_memory_bytes,
                seconds=settings.reader_seconds,
            )
            frame, file_issues = read_xlsx(path, limits, sheet)
            encoding = "XLSX"
        else:
            frame, encoding = _read_csv(path, head, settings.max_rows)
        digest = hashing.result() if hashing else ""
    if frame.height > settings.max_rows:
        raise FileUnreadable(
            f"the file has more than {settings.max_rows:,} rows, the most accepted in one "
            "file. Split it, for example by year."
        )
    if not frame.columns:
        raise FileUnreadable("the file has no header row")
    frame = _without_blank_rows_at_end(frame)
    if frame.height == 0:
        raise FileUnreadable("the file has a header row but no data rows: nothing to check")
    _refuse_nul(frame)
    return frame, encoding, digest, file_issues


def read_file(
    path: Path,
    settings: Settings,
    *,
    table_name: str | None = None,
    mapping: Mapping | None = None,
    with_hash: bool = True,
    sheet: str | None = None,
) -> RawTable:
    """Read a CSV or XLSX return into text cells named after the standard's fields.

    WITH_HASH computes the file's SHA-256 alongside (imports need it to spot a file sent
    twice; validating alone does not). MAPPING says how the council's headers and values
    read as the standard's. SHEET names the sheet of a workbook to read
    (default: the first visible one).
    """
    mapping = mapping or Mapping()
    frame, encoding, digest, file_issues = read_cells(
        path, settings, sheet=sheet or mapping.sheet, with_hash=with_hash
    )
    table, renamed, headers, unknown, duplicates = _match_columns(
        frame, mapping.columns, table_name
    )
    notes = [f"converted from {encoding} to UTF-8"] if encoding not in ("UTF-8", "XLSX") else []
    return RawTable(
        table=table,
        frame=apply_values(renamed, mapping),
        mapping=mapping,
        file_name=path.name,
        file_hash=digest,
        encoding=encoding,
        headers=headers,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        notes=notes,
        file_issues=file_issues,
    )
