"""Reading a workbook safely: looked over before it is opened, parsed in a child process.

A workbook is inspected before it is parsed, since the parser allocates a sheet's whole
rectangle: a single cell far out (XFD1048576) asks for hundreds of gigabytes, and a small
zip can unpack to gigabytes of XML. What passes is parsed in a child process with a memory
and a time limit, so that no workbook can take the service down with it.

The inspection also finds what a person would want to know about the sheet that is read:
which sheet that is (the first visible one, or the one named), hidden sheets and other
sheets with data that are not read, hidden rows (read, but worth a look) and cells that
hold a spreadsheet error such as #DIV/0! (read as blank).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import astuple, dataclass, field
from pathlib import Path

import polars as pl

from scrutiny.core.formatting import file_size
from scrutiny.returns import layout
from scrutiny.returns.unreadable import FileUnreadable

XLSX_MAX_COLUMNS = 1000  # a return has a few dozen columns; this leaves room for notes
XLSX_MAX_RATIO = 100  # unpacked size over packed size, for any part above a megabyte
# Every pattern bounds how far it looks inside one tag (TAG characters), so that no
# arrangement of the XML can make a search take longer than a pass over it.
TAG = 1000
CELL_REFERENCE = re.compile(rb'<(?:c|row)\b[^>]{0,%d}?\br="([A-Z]{0,3})(\d+)"' % TAG)
DIMENSION = re.compile(rb'<dimension\b[^>]{0,%d}?\bref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"' % TAG)
HIDDEN_ROW = re.compile(
    rb'<row\b[^>]{0,%d}?\br="(\d+)"[^>]{0,%d}?\bhidden="(?:1|true)"' % (TAG, TAG)
)
HIDDEN_ROW_AFTER = re.compile(
    rb'<row\b[^>]{0,%d}?\bhidden="(?:1|true)"[^>]{0,%d}?\br="(\d+)"' % (TAG, TAG)
)
ANY_CELL = re.compile(rb"<c\b")
SHEET = re.compile(rb"<sheet\b([^>]{0,%d})/?>" % TAG)
ATTRIBUTE = re.compile(rb'([\w:]{1,100})="([^"]{0,%d})"' % TAG)
RELATIONSHIP = re.compile(rb"<Relationship\b([^>]{0,%d})/?>" % TAG)
HIDDEN_STATES = ("hidden", "veryHidden")
# How the parser names each spreadsheet error, and how the spreadsheet shows it.
ERROR_NAMES = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
ERROR_IN_DETAIL = re.compile(r"Error\((\w+)\)")
XML_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


@dataclass
class Sheet:
    """One sheet of a workbook, as the workbook lists it."""

    name: str
    hidden: bool
    part: str  # its XML inside the zip, such as xl/worksheets/sheet1.xml
    has_cells: bool = False
    hidden_rows: set[int] = field(default_factory=set)


@dataclass
class Workbook:
    """What inspecting a workbook found: its sheets in order."""

    sheets: list[Sheet]

    def choose(self, name: str | None = None) -> tuple[int, Sheet]:
        """The sheet to read: the one called NAME (or the only one whose name ends with
        NAME), or else the first visible one."""
        if name is not None:
            wanted = name.strip().casefold()
            for index, sheet in enumerate(self.sheets):
                if sheet.name.casefold() == wanted:
                    return index, sheet
            # A name that changes with the year (TSM25_Management_Info) by its fixed end.
            ending = [
                i for i, sheet in enumerate(self.sheets) if sheet.name.casefold().endswith(wanted)
            ]
            if len(ending) == 1:
                return ending[0], self.sheets[ending[0]]
            listed = ", ".join(f"'{sheet.name}'" for sheet in self.sheets)
            raise FileUnreadable(f"the workbook has no sheet called '{name}' (it has {listed})")
        for index, sheet in enumerate(self.sheets):
            if not sheet.hidden:
                return index, sheet
        raise FileUnreadable("every sheet of the workbook is hidden: unhide the one to read")


def _attributes(text: bytes) -> dict[str, str]:
    values = {}
    for key, value in ATTRIBUTE.findall(text):
        plain = value.decode("utf-8", errors="replace")
        for entity, character in XML_ENTITIES.items():
            plain = plain.replace(entity, character)
        values[key.decode()] = plain
    return values


def _sheets(workbook: zipfile.ZipFile) -> list[Sheet]:
    """The sheets in the order the workbook lists them, each with its part's path."""
    try:
        listing = workbook.read("xl/workbook.xml")
        links = workbook.read("xl/_rels/workbook.xml.rels")
    except KeyError as error:
        raise FileUnreadable("the spreadsheet has no list of sheets: it is damaged") from error
    targets = {}
    for raw in RELATIONSHIP.findall(links):
        link = _attributes(raw)
        target = link.get("Target", "").lstrip("/")
        targets[link.get("Id", "")] = target if target.startswith("xl/") else f"xl/{target}"
    sheets = []
    for raw in SHEET.findall(listing):
        sheet = _attributes(raw)
        part = targets.get(sheet.get("r:id", ""), "")
        hidden = sheet.get("state", "visible") in HIDDEN_STATES
        sheets.append(Sheet(name=sheet.get("name", ""), hidden=hidden, part=part))
    if not sheets:
        raise FileUnreadable("the workbook has no sheets")
    return sheets


def inspect_workbook(path: Path, max_rows: int, max_bytes: int) -> Workbook:
    """Look over the workbook at PATH without parsing it. Refuses (FileUnreadable) one that
    unpacks to more than MAX_BYTES, or far more than it weighs, or has a cell beyond
    MAX_ROWS data rows or XLSX_MAX_COLUMNS columns."""
    try:
        with zipfile.ZipFile(path) as workbook:
            parts = workbook.infolist()
            unpacked = sum(part.file_size for part in parts)
            if unpacked > max_bytes:
                raise FileUnreadable(
                    f"the workbook unpacks to {file_size(unpacked)}, more than the "
                    f"{file_size(max_bytes)} a return may be: save it as CSV"
                )
            for part in parts:
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > 1_000_000 and ratio > XLSX_MAX_RATIO:
                    raise FileUnreadable(
                        f"the workbook unpacks to {ratio:,.0f} times its size ({part.filename}):"
                        " it is not an ordinary spreadsheet; save the sheet as CSV"
                    )
            sheets = _sheets(workbook)
            names = set(workbook.namelist())
            for sheet in sheets:
                if sheet.part in names:
                    _scan(workbook, sheet, max_rows)
    except zipfile.BadZipFile as error:
        raise FileUnreadable(f"the spreadsheet cannot be read: {error}") from error
    return Workbook(sheets)


def _scan(workbook: zipfile.ZipFile, sheet: Sheet, max_rows: int) -> None:
    """Refuse SHEET if any cell lies beyond MAX_ROWS + 1 rows or the column limit; note
    whether it has cells at all and which rows are hidden."""
    tail = b""
    with workbook.open(sheet.part) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            for pattern in (DIMENSION, CELL_REFERENCE):
                for column, row in pattern.findall(text):
                    _check_cell(column.decode(), int(row), max_rows)
            sheet.has_cells = sheet.has_cells or ANY_CELL.search(text) is not None
            for pattern in (HIDDEN_ROW, HIDDEN_ROW_AFTER):
                sheet.hidden_rows.update(int(row) for row in pattern.findall(text))
            tail = text[-256:]


def _check_cell(column: str, row: int, max_rows: int) -> None:
    number = 0
    for letter in column:
        number = number * 26 + ord(letter) - 64
    if number > XLSX_MAX_COLUMNS or row > max_rows + 1:
        where = f"a cell at {column}{row}" if column else f"row {row:,}"
        raise FileUnreadable(
            f"the sheet has {where}, beyond the {XLSX_MAX_COLUMNS:,} columns "
            f"and {max_rows + 1:,} rows a return may have: delete the empty rows and "
            "columns after the data, or save the sheet as CSV"
        )


def _warning(
    rule: str, message: str, fix: str, row: int | None = None, column: int | None = None
) -> dict[str, object]:
    """A warning in the issues' shape; COLUMN is the cell's position in the sheet until
    the header row is known (returns.layout.take_header names it)."""
    return {
        "row": row,
        "column": column,
        "value": None,
        "severity": "warning",
        "rule": rule,
        "message": message,
        "fix": fix,
    }


def sheet_warnings(workbook: Workbook, chosen: Sheet, named: bool) -> list[dict[str, object]]:
    """Warnings about what is not read (other sheets) or read but easy to miss (hidden rows)."""
    found = []
    for sheet in workbook.sheets:
        if sheet is chosen:
            continue
        if sheet.hidden and not named:
            found.append(
                _warning(
                    "hidden_sheet",
                    f"The hidden sheet '{sheet.name}' was not read; the sheet read is "
                    f"'{chosen.name}'.",
                    "Delete the hidden sheet, or name the sheet to read.",
                )
            )
        elif sheet.has_cells:
            found.append(
                _warning(
                    "other_sheet",
                    f"The sheet '{sheet.name}' has data that was not read; only "
                    f"'{chosen.name}' was.",
                    "Send one sheet per return, or name the sheet to read.",
                )
            )
    for row in sorted(chosen.hidden_rows):
        found.append(
            _warning(
                "hidden_row",
                "This row is hidden in the spreadsheet; it was read like any other.",
                "Unhide the row to check it, or delete it if it is not part of the return.",
                row=row,
            )
        )
    return found


@dataclass(frozen=True)
class Limits:
    """What reading one workbook may take: MAX_ROWS data rows, MAX_BYTES unpacked, and in
    the child process, MEMORY_BYTES of memory and SECONDS of processor time."""

    max_rows: int
    max_bytes: int
    memory_bytes: int
    seconds: int


def read_xlsx(
    path: Path, limits: Limits, sheet_name: str | None = None
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """The chosen sheet of the workbook at PATH as text cells under its first row with
    anything in it, and warnings about the workbook (see read_grid)."""
    grid, warnings = read_grid(path, limits, sheet_name)
    first = layout.first_filled(grid.head(layout.HEADER_SEARCH_ROWS).rows())
    return layout.take_header(grid, first, warnings)


def read_grid(
    path: Path, limits: Limits, sheet_name: str | None = None
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """The chosen sheet of the workbook at PATH as text cells, every row from the sheet's
    first (columns by position; see returns.layout.take_header), and warnings about the
    workbook (other sheets, hidden rows, error cells, these by position too). Inspected
    and parsed in a child process held to LIMITS (see scrutiny.returns.xlsx_child)."""
    with tempfile.TemporaryDirectory(prefix="scrutiny-xlsx-") as work:
        out = Path(work) / "sheet.arrow"
        command = [sys.executable, "-m", "scrutiny.returns.xlsx_child", str(path), str(out)]
        command += [sheet_name or "", *(str(value) for value in astuple(limits))]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=limits.seconds + 10
            )
        except subprocess.TimeoutExpired as error:
            raise FileUnreadable(_too_much(limits)) from error
        if done.returncode == UNREADABLE_EXIT:
            raise FileUnreadable(done.stdout.strip().splitlines()[-1])
        if done.returncode != 0 or not out.exists():
            raise FileUnreadable(_too_much(limits))
        frame = pl.read_ipc(out)
    warnings: list[dict[str, object]] = json.loads(done.stdout)
    # Spreadsheet dates arrive as '2025-04-01 00:00:00'; keep the date part.
    frame = frame.with_columns(pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"))
    return frame, warnings


def _too_much(limits: Limits) -> str:
    return (
        f"the spreadsheet needs more than the {file_size(limits.memory_bytes)} of memory "
        f"or {limits.seconds} seconds a return may use to read: save the sheet as CSV"
    )


UNREADABLE_EXIT = 3  # the child's exit status for a workbook it refuses, with the reason


def read_here(
    path: Path, out: Path, limits: Limits, sheet_name: str | None
) -> list[dict[str, object]]:
    """In the child process: inspect the workbook at PATH, parse the chosen sheet into
    OUT (Arrow IPC) and give the warnings. Raises FileUnreadable."""
    import fastexcel

    workbook = inspect_workbook(path, limits.max_rows, limits.max_bytes)
    index, sheet = workbook.choose(sheet_name)
    warnings = sheet_warnings(workbook, sheet, named=sheet_name is not None)
    try:
        reader = fastexcel.read_excel(path.read_bytes())
        # Every row from the sheet's first, blank or not, so that row numbers are the
        # sheet's; which row holds the headers is worked out afterwards (returns.layout).
        loaded = reader.load_sheet(
            index, header_row=None, skip_rows=0, dtypes="string", n_rows=limits.max_rows + 1
        )
        batch, errors = loaded.to_arrow_with_errors()
    except MemoryError:
        raise
    except Exception as error:  # fastexcel raises its own error types for damaged files
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FileUnreadable(f"the spreadsheet cannot be read: {first}") from error
    frame = pl.DataFrame(pl.from_arrow(batch))
    frame.write_ipc(out)
    for cell in errors.errors if errors is not None else []:
        named = ERROR_IN_DETAIL.search(cell.detail)
        kind = ERROR_NAMES.get(named.group(1), named.group(1)) if named else "an error"
        warnings.append(
            _warning(
                "error_cell",
                f"The cell holds a spreadsheet error ({kind}), so it was read as blank.",
                "Fix the formula, or type the value in.",
                row=cell.position[0] + 1,
                column=cell.position[1],
            )
        )
    return warnings
