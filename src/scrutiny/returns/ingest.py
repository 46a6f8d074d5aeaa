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
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

from scrutiny.core.formatting import file_size
from scrutiny.returns import layout
from scrutiny.returns.mapping import Mapping, apply_values, normalise_name
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.xlsx import Limits, read_grid
from scrutiny.settings import Settings
from scrutiny.standard import Table, load_standard

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAMPLE_BYTES = 65536  # how much of a file is looked at to find its separator and header


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
    # value, severity, rule, message, fix): hidden sheets and rows, error cells, totals.
    file_issues: list[dict[str, object]] = field(default_factory=list)
    mapping: Mapping = field(default_factory=Mapping)  # how the council's file was read
    header_row: int = 1  # as the spreadsheet numbers it; the first data row is the next


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


def _parse_csv(source: Path | bytes, separator: str, skip: int, max_rows: int) -> pl.DataFrame:
    return pl.read_csv(
        source,
        separator=separator,
        infer_schema=False,
        skip_rows=skip,
        n_rows=max_rows + 1,
        raise_if_empty=False,
    )


def _read_csv(
    path: Path, head: bytes, max_rows: int, header_row: int | None, is_header: layout.IsHeader
) -> tuple[pl.DataFrame, str, int, bool]:
    """Read the file straight from disk as UTF-8; convert and re-read only if it is not.
    Also gives the header row's index (see returns.layout.csv_layout) and whether the
    file has a NUL byte anywhere."""
    source: Path | bytes = path
    encoding = "UTF-8"
    lone_return, nul = _scan_bytes(path)
    if not head.startswith(UTF16_BOMS) and lone_return:
        # Any line endings: a carriage return alone ends a line too.
        source = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if head.startswith(UTF16_BOMS):
        source, encoding = _decode(path.read_bytes())
    sample = source[:SAMPLE_BYTES] if isinstance(source, bytes) else head
    separator, skip = layout.csv_layout(
        sample.decode("utf-8", errors="replace"),
        len(sample) < SAMPLE_BYTES,
        header_row,
        is_header,
    )
    try:
        try:
            frame = _parse_csv(source, separator, skip, max_rows)
        except pl.exceptions.ComputeError as error:
            if "utf-8" not in str(error) or encoding != "UTF-8":
                raise
            source, encoding = _decode(source if isinstance(source, bytes) else path.read_bytes())
            frame = _parse_csv(source, separator, skip, max_rows)
    except pl.exceptions.PolarsError as error:
        problem = _ragged_rows(source, separator, skip) or str(error).splitlines()[0]
        raise FileUnreadable(f"the file is not valid CSV: {problem}") from error
    if frame.height == 0 and (problem := _ragged_rows(source, separator, skip)):
        raise FileUnreadable(f"the file is not valid CSV: {problem}")
    _refuse_short_rows(frame, source, separator, skip)
    return frame, encoding, skip, nul


def _refuse_nul(frame: pl.DataFrame, header_row: int) -> None:
    """Refuse a NUL character in any cell, naming the first (databases cannot store it)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return
    # The first row with a NUL in each column, then the first of those (leftmost on a tie).
    first = frame.select(pl.col(text).str.contains("\x00", literal=True).arg_true().min()).row(0)
    found = [(n, i) for i, n in enumerate(first) if n is not None]
    if not found:
        return
    n, i = min(found)
    column = text[i]
    raise FileUnreadable(
        f"row {n + header_row + 1}, column {column} holds a NUL character (a zero byte), "
        "which no return may contain: it is often left by a damaged export; export the file "
        "again"
    )


def _scan_bytes(path: Path) -> tuple[bool, bool]:
    """Whether the file has a carriage return not followed by a line feed (old Mac line
    endings, or a stray one in a Windows file), and whether it has a NUL byte anywhere.

    A byte search looks through 180 MB in about 0.01 s; the regular expression (0.06 s)
    runs only when the file has a carriage return at all.
    """
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        lone = data.find(b"\r") != -1 and LONE_CR.search(data) is not None
        return lone, data.find(b"\x00") != -1


def _ragged_rows(source: Path | bytes, separator: str, skip: int, limit: int = 5) -> str:
    """Which rows have more or fewer cells than the header (after the SKIP rows above
    it), as a sentence ('' if none). A totals row at the end may be short: it is left
    out. Read row by row, so only run when reading failed or some row may be short."""
    stream: IO[str] = (
        io.StringIO(source.decode("utf-8", errors="replace"))
        if isinstance(source, bytes)
        else source.open(encoding="utf-8-sig", errors="replace", newline="")
    )
    with stream:
        rows = csv.reader(stream, delimiter=separator)
        for _ in range(skip):
            next(rows, None)
        width = len(next(rows, []))
        found = []
        last: list[str] = []  # the last short or long row other than a totals row
        last_data = 0
        for number, cells in enumerate(rows, start=skip + 2):
            total = layout.totals_word(cells) is not None
            if any(cell.strip() for cell in cells) and not total:
                last_data = number
            if cells and len(cells) != width:
                found.append((number, len(cells), total))
                last = last if total else cells
    ragged = [(number, cells) for number, cells, total in found if not total or number < last_data]
    if not ragged:
        return ""
    if len(ragged) == 1 and "\n" in last[-1]:
        return (
            f"a quotation mark in row {ragged[0][0]} opens a cell that never closes, so the "
            "rest of the file is read as one cell: close the quote, or remove it"
        )
    shown = "; ".join(f"row {number} has {cells} cells" for number, cells in ragged[:limit])
    more = f" (and {len(ragged) - limit:,} more rows)" if len(ragged) > limit else ""
    # Every row longer than row 1 taken as the header: the headers may be further down.
    below = skip == 0 and all(cells > width for _, cells in ragged)
    hint = "; if the column headers are further down, name their row (--header-row)"
    return (
        f"the header has {width} columns, but {shown}{more}: every row needs one cell for "
        "each column, blank or not (a missing separator, or an unquoted one in a cell)"
        + (hint if below else "")
    )


def _refuse_short_rows(
    frame: pl.DataFrame, source: Path | bytes, separator: str, skip: int
) -> None:
    """Refuse rows with fewer cells than the header. The reader fills them out with blanks,
    so a short row always ends in a blank: only then is the file read again to look."""
    if frame.width < 2 or frame.get_column(frame.columns[-1]).null_count() == 0:
        return
    problem = _ragged_rows(source, separator, skip)
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


def _header_words(extra: Collection[str]) -> layout.IsHeader:
    """Whether a cell is a header the standard knows (a field's name or title) or one of
    EXTRA (a mapping's headers), ignoring case and spaces."""
    fields = [f for table in load_standard().tables.values() for f in table.fields]
    known = {f.name for f in fields} | {normalise_name(f.title) for f in fields}
    known |= {normalise_name(header) for header in extra}
    return lambda cell: normalise_name(cell) in known


def _read_workbook(
    path: Path,
    settings: Settings,
    sheet: str | None,
    header_row: int | None,
    is_header: layout.IsHeader,
) -> tuple[pl.DataFrame, list[dict[str, object]], int]:
    """The chosen sheet's table under its header row, the warnings about the workbook and
    the header row's index (see read_file)."""
    limits = Limits(
        max_rows=settings.max_rows,
        max_bytes=settings.max_file_bytes,
        memory_bytes=settings.reader_memory_bytes,
        seconds=settings.reader_seconds,
    )
    grid, issues = read_grid(path, limits, sheet)
    if not grid.columns:
        return grid, issues, 0
    if header_row is not None:
        index = header_row - 1
        layout.check_named_header(
            index, grid.height, grid.row(index) if index < grid.height else ()
        )
    else:
        index = layout.find_header(grid.head(layout.HEADER_SEARCH_ROWS).rows(), is_header)
    frame, issues = layout.take_header(grid, index, issues)
    return frame, issues, index


def read_cells(
    path: Path,
    settings: Settings,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    extra_headers: Collection[str] = (),
    with_hash: bool = True,
    workbook_sheet: str | None = None,
) -> tuple[pl.DataFrame, str, str, list[dict[str, object]], int]:
    """PATH's cells as text under its own header row, checked for size and shape: the
    frame, the encoding it was in, its SHA-256 (empty without WITH_HASH), warnings about
    the file (hidden sheets and rows, error cells, a totals row left out) and the index of
    the header row. SHEET names the sheet of a workbook to read (default: WORKBOOK_SHEET,
    a mapping's, which a CSV file ignores; else the first visible one). HEADER_ROW is
    the row of column headers as the spreadsheet numbers it;
    by default it is the first row in which most filled cells are the standard's field
    names or titles or EXTRA_HEADERS (so a title or notes block above it is passed over),
    or else row 1. A totals row at the bottom is left out, with a warning.
    """
    if header_row is not None and header_row < 1:
        raise FileUnreadable(
            f"there is no row {header_row}: rows are numbered from 1, as a spreadsheet shows them"
        )
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise FileUnreadable(
                f"the file is {file_size(size)}; the largest accepted is "
                f"{file_size(settings.max_file_bytes)}. Split it, for example by year."
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
    if sheet is not None and not head.startswith(XLSX_MAGIC):
        raise FileUnreadable(
            "only a workbook has sheets, and this file is CSV: leave out the sheet's name"
        )
    is_header = _header_words(extra_headers)
    file_issues: list[dict[str, object]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(file_hash, path) if with_hash else None
        if head.startswith(XLSX_MAGIC):
            chosen = sheet or workbook_sheet
            frame, file_issues, skip = _read_workbook(path, settings, chosen, header_row, is_header)
            encoding, nul = "XLSX", True
        else:
            frame, encoding, skip, nul = _read_csv(
                path, head, settings.max_rows, header_row, is_header
            )
        digest = hashing.result() if hashing else ""
    if frame.height > settings.max_rows:
        raise FileUnreadable(
            f"the file has more than {settings.max_rows:,} rows, the most accepted in one "
            "file. Split it, for example by year."
        )
    if not frame.columns:
        raise FileUnreadable("the file has no header row")
    frame, totals = layout.without_totals(layout.without_blank_rows_at_end(frame), skip + 2)
    if frame.height == 0:
        raise FileUnreadable("the file has a header row but no data rows: nothing to check")
    if nul:  # a CSV file without a zero byte has none in any cell: no need to look
        _refuse_nul(frame, skip + 1)
    return frame, encoding, digest, [*file_issues, *totals], skip


def read_file(
    path: Path,
    settings: Settings,
    *,
    table_name: str | None = None,
    mapping: Mapping | None = None,
    with_hash: bool = True,
    sheet: str | None = None,
    header_row: int | None = None,
    extra_headers: Collection[str] = (),
) -> RawTable:
    """Read a CSV or XLSX return into text cells named after the standard's fields.

    WITH_HASH computes the file's SHA-256 alongside (imports need it to spot a file sent
    twice; validating alone does not). MAPPING says how the council's headers and values
    read as the standard's, and may name the sheet and header row; SHEET and HEADER_ROW
    given here win over it (see read_cells, which also finds the header row by MAPPING's
    headers and EXTRA_HEADERS).
    """
    mapping = mapping or Mapping()
    frame, encoding, digest, file_issues, skip = read_cells(
        path,
        settings,
        sheet=sheet,
        workbook_sheet=mapping.sheet,
        header_row=header_row if header_row is not None else mapping.header_row,
        extra_headers=[*mapping.written.values(), *extra_headers],
        with_hash=with_hash,
    )
    table, renamed, headers, unknown, duplicates = _match_columns(
        frame, mapping.columns, table_name
    )
    notes = [f"converted from {encoding} to UTF-8"] if encoding not in ("UTF-8", "XLSX") else []
    notes += layout.header_note(skip + 1)
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
        header_row=skip + 1,
    )
