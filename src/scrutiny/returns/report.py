"""What validating one file found: its issues (row, column, value, severity, rule,
message, fix) and its cells, cleaned and typed, as text, JSON or records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import polars as pl

from scrutiny.standard import Table
from scrutiny.standard.rules import ROW


@dataclass
class Report:
    """What validation found in one file."""

    table: Table
    file_name: str
    rows: int
    issues: pl.DataFrame
    wide: pl.DataFrame  # the row number, each field's cleaned text and its typed value
    notes: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> the file's own header

    def column_words(self, column: str | None) -> str:
        """COLUMN as the sender knows it: their own header, with the field it was read as
        when the two differ ("Complaint Stage (stage)")."""
        if not column:
            return ""
        header = self.headers.get(column)
        if header is None or header.strip() == column:
            return column
        return f"{header.strip()} ({column})"

    @property
    def typed(self) -> pl.DataFrame:
        """The row number and every field of the table, typed (invalid cells are null)."""
        return self.wide.select(ROW, *self.table.field_names())

    @property
    def errors(self) -> int:
        """How many problems must be fixed before the file can be imported."""
        return self.issues.filter(pl.col("severity") == "error").height

    @property
    def warnings(self) -> int:
        """How many problems are worth a look but do not stop an import."""
        return self.issues.filter(pl.col("severity") == "warning").height

    @property
    def valid(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return self.errors == 0

    def to_records(self) -> list[dict[str, object]]:
        """Issues as plain dicts with row, column, value, severity, message, rule and fix,
        and header: the file's own header of the column, where it differs."""
        return [
            issue | {"header": self.column_words(issue["column"]) if issue["column"] else None}
            for issue in self.issues.to_dicts()
        ]

    def to_json(self) -> str:
        """Issues as a JSON list of objects."""
        return json.dumps(self.to_records(), ensure_ascii=False, indent=1)

    def to_text(self) -> str:
        """Issues as readable lines, then a one-line summary."""
        lines = [f"{self.file_name}: {self.table.title.lower()}, {self.rows:,} rows"]
        lines += [f"  note: {note}" for note in self.notes]
        for issue in self.issues.iter_rows(named=True):
            where = f"row {issue['row']}" if issue["row"] is not None else "file"
            column = f", column {self.column_words(issue['column'])}" if issue["column"] else ""
            value = f" [{issue['value']}]" if issue["value"] not in (None, "") else ""
            lines.append(
                f"{issue['severity'].upper()}: {where}{column}{value}: {issue['message']}"
                f" Fix: {issue['fix']}"
            )
        verdict = "valid" if self.valid else "not valid"
        lines.append(
            f"{self.file_name} is {verdict}: {self.errors:,} errors, {self.warnings:,} warnings."
        )
        return "\n".join(lines)
