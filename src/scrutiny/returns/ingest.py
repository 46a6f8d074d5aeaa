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
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from scrutiny.core.errors import Invalid
from scrutiny.settings import Settings
from scrutiny.standard import Table, load_standard

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", ";", "\t")


class FileUnreadable(Invalid, ValueError):
    """The file cannot be read as a return at all (as opposed to containing bad values)."""


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


def normalise_name(name: str) -> str:
    """Lower case, with runs of spaces, hyphens and underscores as one underscore."""
    return re.sub(r"[\s\-_]+", "_", name.strip().strip('"').lower()).strip("_")


def load_mapping(path: Path) -> dict[str, str]:
    """A column mapping file: YAML of the council's header -> the standard's field name.

    Either a plain mapping or one under a 'columns' key, for example::

        columns:
          Case Ref: complaint_ref
          Date Logged: received_date
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FileUnreadable(f"cannot read the mapping file {path}: {error}") from error
    raw = raw.get("columns", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in raw.items()
    ):
        raise FileUnreadable(
            f"the mapping file {path} must map column headers to field names, "
            "for example 'Case Ref: complaint_ref'"
        )
    known = {f.name for t in load_standard().tables.values() for f in t.fields}
    unknown = sorted(set(raw.values()) - known)
    if unknown:
        raise FileUnreadable(
            f"the mapping file {path} maps to fields the standard does not have: "
            + ", ".join(unknown)
        )
    return {normalise_name(key): value for key, value in raw.items()}


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
            return _parse_csv(source, separator, max_rows), encoding
        except pl.exceptions.ComputeError as error:
            if "utf-8" not in str(error) or encoding != "UTF-8":
                raise
        source, encoding = _decode(source if isinstance(source, bytes) else path.read_bytes())
        return _parse_csv(source, separator, max_rows), encoding
    except pl.exceptions.PolarsError as error:
        text = source if isinstance(source, bytes) else path.read_bytes()
        problem = _ragged_rows(text, separator) or str(error).splitlines()[0]
        raise FileUnreadable(f"the file is not valid CSV: {problem}") from error


def unreadable_issue(problem: str) -> dict[str, object]:
    """A file that cannot be read, as one issue in the validation report's shape (row and
    column null, rule `unreadable`), for answers that must always be the same JSON."""
    return {
        "row": None,
        "column": None,
        "value": None,
        "severity": "error",
        "rule": "unreadable",
        "message": f"The file cannot be read: {problem}.",
        "fix": "Send a CSV or XLSX file with the header row of a template from /standard.",
    }


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


def _ragged_rows(utf8: bytes, separator: str, limit: int = 5) -> str:
    """Which rows have more cells than the header (only run once reading has failed)."""
    rows = csv.reader(io.StringIO(utf8.decode("utf-8", errors="replace")), delimiter=separator)
    width = len(next(rows, []))
    ragged = [
        f"row {number} has {len(cells)} cells"
        for number, cells in enumerate(rows, start=2)
        if len(cells) > width
    ]
    if not ragged:
        return ""
    more = f" (and {len(ragged) - limit} more rows)" if len(ragged) > limit else ""
    return f"the header has {width} columns, but " + "; ".join(ragged[:limit]) + more


def file_hash(path: Path) -> str:
    """SHA-256 of the file, read in chunks (hashlib releases the GIL, so this can overlap)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# A workbook is checked before it is parsed, since the parser allocates a sheet's whole
# rectangle: a single cell far out (XFD1048576) asks for hundreds of gigabytes, and a
# small zip can unpack to gigabytes of XML.
LONE_CR = re.compile(rb"\r(?!\n)")
XLSX_MAX_COLUMNS = 1000  # a return has a few dozen columns; this leaves room for notes
XLSX_MAX_RATIO = 100  # unpacked size over packed size, for any part above a megabyte
CELL_REFERENCE = re.compile(rb'<(?:c|row)\b[^>]*?\br="([A-Z]{0,3})(\d+)"')
DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


def inspect_xlsx(path: Path, max_rows: int, max_bytes: int) -> None:
    """Refuse a workbook that would take too much memory to parse (FileUnreadable): one
    that unpacks to more than MAX_BYTES, or far more than it weighs, or has a cell
    beyond MAX_ROWS data rows or XLSX_MAX_COLUMNS columns."""
    try:
        with zipfile.ZipFile(path) as workbook:
            parts = workbook.infolist()
            unpacked = sum(part.file_size for part in parts)
            if unpacked > max_bytes:
                raise FileUnreadable(
                    f"the workbook unpacks to {unpacked / 1e6:,.0f} MB, more than the "
                    f"{max_bytes / 1e6:,.0f} MB a return may be: save it as CSV"
                )
            for part in parts:
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > 1_000_000 and ratio > XLSX_MAX_RATIO:
                    raise FileUnreadable(
                        f"the workbook unpacks to {ratio:,.0f} times its size ({part.filename}):"
                        " it is not an ordinary spreadsheet; save the sheet as CSV"
                    )
            for part in parts:
                if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                    _check_cells(workbook, part.filename, max_rows)
    except zipfile.BadZipFile as error:
        raise FileUnreadable(f"the spreadsheet cannot be read: {error}") from error


def _check_cells(workbook: zipfile.ZipFile, name: str, max_rows: int) -> None:
    """Refuse sheet NAME if any cell lies beyond MAX_ROWS + 1 rows or the column limit."""
    tail = b""
    with workbook.open(name) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            for pattern in (DIMENSION, CELL_REFERENCE):
                for column, row in pattern.findall(text):
                    _check_cell(column.decode(), int(row), max_rows)
            tail = text[-256:]


def _check_cell(column: str, row: int, max_rows: int) -> None:
    number = 0
    for letter in column:
        number = number * 26 + ord(letter) - 64
    if number > XLSX_MAX_COLUMNS or row > max_rows + 1:
        raise FileUnreadable(
            f"the sheet has a cell at {column}{row}, beyond the {XLSX_MAX_COLUMNS:,} columns "
            f"and {max_rows + 1:,} rows a return may have: delete the empty rows and "
            "columns after the data, or save the sheet as CSV"
        )


def _read_xlsx(data: bytes, max_rows: int) -> pl.DataFrame:
    import fastexcel  # imported here: most returns are CSV, and this saves start-up time

    try:
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(0, dtypes="string", n_rows=max_rows + 1)
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own error types for damaged files
        raise FileUnreadable(f"the spreadsheet cannot be read: {error}") from error
    # Spreadsheet dates arrive as '2025-04-01 00:00:00'; keep the date part.
    return frame.with_columns(pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"))


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
        name = aliases.get(normalise_name(header))
        if name is None:
            unknown.append(header)
        else:
            matched.setdefault(name, []).append(header)
    table = _choose_table(list(matched), table_name)
    own = set(table.field_names())
    unknown += [h for name, headers in matched.items() if name not in own for h in headers]
    duplicates = {name: hs for name, hs in matched.items() if name in own and len(hs) > 1}
    headers = {name: hs[0] for name, hs in matched.items() if name in own}
    renamed = frame.select([pl.col(header).alias(name) for name, header in headers.items()])
    return table, renamed, headers, unknown, duplicates


def read_file(
    path: Path,
    settings: Settings,
    *,
    table_name: str | None = None,
    mapping: dict[str, str] | None = None,
    with_hash: bool = True,
) -> RawTable:
    """Read a CSV or XLSX return into text cells named after the standard's fields.

    WITH_HASH computes the file's SHA-256 alongside (imports need it to spot a file sent
    twice; validating alone does not).
    """
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
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(file_hash, path) if with_hash else None
        if head.startswith(XLSX_MAGIC):
            inspect_xlsx(path, settings.max_rows, settings.max_file_bytes)
            frame, encoding = _read_xlsx(path.read_bytes(), settings.max_rows), "XLSX"
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
    if frame.height == 0:
        raise FileUnreadable("the file has a header row but no data rows: nothing to check")
    _refuse_nul(frame)
    table, renamed, headers, unknown, duplicates = _match_columns(frame, mapping or {}, table_name)
    notes = [f"converted from {encoding} to UTF-8"] if encoding not in ("UTF-8", "XLSX") else []
    return RawTable(
        table=table,
        frame=renamed,
        file_name=path.name,
        file_hash=digest,
        encoding=encoding,
        headers=headers,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        notes=notes,
    )
