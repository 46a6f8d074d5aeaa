"""Problems with a return's columns, found before its rows are read: a required column
missing, a column the standard does not know (or one that looks like personal data), two
columns meaning the same field, and problems with the file itself."""

from __future__ import annotations

import difflib

import polars as pl

from scrutiny.core.personal_data import PERSONAL_HEADER
from scrutiny.returns.ingest import RawTable
from scrutiny.returns.mapping import normalise_name
from scrutiny.standard import Severity
from scrutiny.standard.rules import empty_issues


def header_issues(raw: RawTable) -> list[pl.DataFrame]:
    """Missing, unknown (personal data named as such), repeated columns and problems with
    the file itself, each a row of the issues table at the header's row."""
    found = []

    def add(column: str, value: str, severity: Severity, rule: str, message: str, fix: str) -> None:
        found.append(
            pl.DataFrame(
                {
                    "row": [raw.header_row],
                    "column": [column],
                    "value": [value],
                    "severity": [severity],
                    "rule": [rule],
                    "message": [message],
                    "fix": [fix],
                },
                schema=empty_issues().schema,
            )
        )

    for spec in raw.table.fields:
        if spec.required and spec.name not in raw.headers:
            add(
                spec.name,
                "",
                "error",
                "missing_column",
                f"The required column {spec.name} ({spec.title}) is missing.",
                f"Add a column headed {spec.name}, or map your header to it with --mapping.",
            )
    names = raw.table.field_names()
    for header in raw.unknown_columns:
        close = difflib.get_close_matches(normalise_name(header), names, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]}?" if close else ""
        if pl.Series([header]).str.contains(PERSONAL_HEADER).item():
            message = "This column looks like personal data and is not part of the standard."
            fix = "Delete the column before submitting; it is never stored."
            add(header, "", "warning", "unknown_column", message, fix)
        else:
            message = f"Not a column of the {raw.table.name} table; it will be ignored.{hint}"
            fix = "Rename it to a field of the standard, map it with --mapping, or delete it."
            add(header, "", "warning", "unknown_column", message, fix)
    if raw.file_issues:
        found.append(pl.DataFrame(raw.file_issues, schema=empty_issues().schema))
    for name, headers in raw.duplicate_columns.items():
        add(
            name,
            ", ".join(headers),
            "error",
            "duplicate_column",
            f"{len(headers)} columns all mean {name}.",
            "Keep one of them.",
        )
    return found
