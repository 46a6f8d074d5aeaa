"""Where a return's table sits on its sheet: the header row, below any title or notes
block, and the last row, above any totals row, which is left out.

Councils' exports and workbooks often put a title, an export date or notes above the
column headers, and a totals row under the last case. The header row is the first row in
which most filled cells are headers the standard knows (its field names and titles, and
the headers a mapping names); the officer can also say which row it is. Row numbers stay
those of the sheet, so a title block of three rows puts the first data row at row 5.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Sequence

import polars as pl

from scrutiny.returns.unreadable import FileUnreadable

HEADER_SEARCH_ROWS = 50  # how far down a title or notes block may reach
DELIMITERS = (",", ";", "\t")
# A totals row starts with one of these words (case and spacing aside).
TOTAL = re.compile(r"^(?:grand |overall |sub[- ]?)?totals?\s?:?$", re.IGNORECASE)

IsHeader = Callable[[str], bool]
Cells = Sequence[str | None]


def _filled(cells: Cells) -> list[str]:
    return [cell for cell in cells if cell is not None and cell.strip()]


def is_header_row(cells: Cells, is_header: IsHeader) -> bool:
    """True when at least two, and more than half, of the filled CELLS are known headers."""
    filled = _filled(cells)
    known = sum(1 for cell in filled if is_header(cell))
    return known >= 2 and known * 2 > len(filled)


def first_filled(rows: Sequence[Cells]) -> int:
    """The index of the first of ROWS with anything in it (0 when none has)."""
    return next((index for index, cells in enumerate(rows) if _filled(cells)), 0)


def find_header(rows: Sequence[Cells], is_header: IsHeader) -> int:
    """The index of the first of ROWS that is a header row, looking no further than
    HEADER_SEARCH_ROWS; when none is, the first row with anything in it."""
    searched = rows[:HEADER_SEARCH_ROWS]
    found = next((i for i, cells in enumerate(searched) if is_header_row(cells, is_header)), None)
    return first_filled(searched) if found is None else found


def check_named_header(index: int, rows: int, cells: Cells) -> None:
    """Refuse a header row named at INDEX (from 0) that is past the end of a sheet of ROWS
    rows, or whose CELLS are blank."""
    if index >= rows:
        raise FileUnreadable(
            f"the file has no row {index + 1} to be the header row (it has {rows} rows)"
        )
    if not _filled(cells):
        raise FileUnreadable(
            f"row {index + 1}, named as the header row, is blank: name the row that holds "
            "the column headers"
        )


def _sample_rows(sample: str, separator: str, at_least: int) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=separator)
        rows.extend(itertools.islice(reader, max(HEADER_SEARCH_ROWS, at_least)))
    except csv.Error:  # a damaged row: what came before it is enough to look at
        pass
    return rows


def csv_layout(
    sample: str, whole: bool, header_row: int | None, is_header: IsHeader
) -> tuple[str, int]:
    """The separator of a CSV file and the index (from 0) of its header row, from SAMPLE,
    the start of the file (WHOLE when it is all of it). HEADER_ROW (from 1) names the
    header row; otherwise it is found, or else it is the first row."""
    line = sample.split("\n", 1)[0]
    # The separator the first line has most of comes first (a comma on a tie or none).
    separators = sorted(DELIMITERS, key=lambda separator: -line.count(separator))
    rows = {separator: _sample_rows(sample, separator, header_row or 0) for separator in separators}
    if header_row is not None:
        index = header_row - 1
        best = max(separators, key=lambda s: len(rows[s][index]) if index < len(rows[s]) else 0)
        if whole or index < len(rows[best]):
            cells = rows[best][index] if index < len(rows[best]) else []
            check_named_header(index, len(rows[best]), cells)
        return best, index
    for separator in separators:
        if any(is_header_row(cells, is_header) for cells in rows[separator]):
            return separator, find_header(rows[separator], is_header)
    return separators[0], find_header(rows[separators[0]], is_header)


def header_note(header_row: int) -> list[str]:
    """What to tell the officer about rows above the header row."""
    if header_row == 1:
        return []
    above = (
        "the row above them was"
        if header_row == 2
        else f"the {header_row - 1} rows above them were"
    )
    return [f"The column headers are in row {header_row}; {above} not read."]


def take_header(
    grid: pl.DataFrame, index: int, issues: list[dict[str, object]]
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """A sheet's GRID of cells (rows from the sheet's first, columns by position) as a
    table under its header row at INDEX (from 0), and ISSUES about the sheet less those
    above the data, each cell's column given by its header.

    Headers are named as a CSV's are (a second 'stage' is 'stage_duplicated_0'); a column
    with no header is kept only if it holds something, as '__UNNAMED__' and its position.
    """
    if grid.is_empty():
        return grid, issues
    header = grid.row(index)
    below = grid.slice(index + 1)
    filled = below.select(pl.all().is_not_null().any()).row(0)
    seen: dict[str, int] = {}
    names: dict[int, str] = {}
    for position, cell in enumerate(header):
        if cell is None or not cell.strip():
            if filled[position]:
                names[position] = f"__UNNAMED__{position}"
            continue
        repeats = seen.get(cell, -1)
        seen[cell] = repeats + 1
        names[position] = cell if repeats < 0 else f"{cell}_duplicated_{repeats}"
    table = below.select(pl.nth(position).alias(name) for position, name in names.items())
    kept = []
    for issue in issues:
        row, column = issue.get("row"), issue.get("column")
        if isinstance(row, int) and row <= index + 1:
            continue
        if isinstance(column, int):
            issue = {**issue, "column": names.get(column)}
        kept.append(issue)
    return table, kept


def without_blank_rows_at_end(frame: pl.DataFrame) -> pl.DataFrame:
    """FRAME without the wholly blank rows after its last row with anything in it (blank
    lines at the end of a file, or rows a spreadsheet once used)."""
    if frame.is_empty():
        return frame
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null()).arg_true().max()).item()
    return frame.head(0 if filled is None else filled + 1)


def totals_word(cells: Cells) -> tuple[int, str] | None:
    """The position and text of the first filled cell of CELLS when it says the row is a
    totals row ('Total', 'Grand total', 'Totals:'), else None."""
    for position, cell in enumerate(cells):
        if cell is not None and cell.strip():
            word = " ".join(cell.split())
            return (position, word) if TOTAL.match(word) else None
    return None


def without_totals(
    frame: pl.DataFrame, first_row: int
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """FRAME, its blank rows at the end already gone, without the totals rows at its
    bottom, and a warning for each; FIRST_ROW is the sheet's number for its first row."""
    found: list[dict[str, object]] = []
    while frame.height and (total := totals_word(frame.row(frame.height - 1))):
        position, word = total
        found.insert(
            0,
            {
                "row": first_row + frame.height - 1,
                "column": frame.columns[position],
                "value": word,
                "severity": "warning",
                "rule": "totals_row",
                "message": "This looks like a totals row, so it was left out of the return.",
                "fix": "Nothing to do if it is a total; if it is a real row, its first cell "
                f"must not read '{word}'.",
            },
        )
        frame = without_blank_rows_at_end(frame.head(frame.height - 1))
    return frame, found
