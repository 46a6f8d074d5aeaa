"""The Complaint Handling Performance Data Standard: declared once, exported in every form.

May import core, settings and reference (all scrutiny.*). The layers are checked by
import-linter (docs/architecture.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from scrutiny.standard.docs import describe_rule, documentation
from scrutiny.standard.model import (
    COUNCIL_TABLES,
    LIST_SEPARATOR,
    Code,
    CodeList,
    CouncilTable,
    Field,
    Rule,
    Severity,
    Standard,
    StandardError,
    Table,
    load_standard,
)
from scrutiny.standard.package import (
    POLARS_TYPES,
    code_lists_csv,
    csv_template,
    data_package,
    json_schema,
    polars_schema,
    table_schema,
)

__all__ = [
    "COUNCIL_TABLES",
    "LIST_SEPARATOR",
    "POLARS_TYPES",
    "Code",
    "CodeList",
    "CouncilTable",
    "Field",
    "Rule",
    "Severity",
    "Standard",
    "StandardError",
    "Table",
    "describe_rule",
    "documentation",
    "export",
    "load_standard",
    "polars_schema",
    "table_schema",
]


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def export(directory: Path) -> list[Path]:
    """Write the Data Package, JSON Schemas, CSV templates and documentation into DIRECTORY."""
    standard = load_standard()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "json-schema").mkdir(exist_ok=True)
    written = []
    path = directory / "datapackage.json"
    _write_json(path, data_package(standard))
    written.append(path)
    for table in standard.tables.values():
        path = directory / f"{table.name}.csv"
        path.write_text(csv_template(table), encoding="utf-8")
        written.append(path)
        path = directory / "json-schema" / f"{table.name}.schema.json"
        _write_json(path, json_schema(standard, table))
        written.append(path)
    path = directory / "code_lists.csv"
    path.write_text(code_lists_csv(standard), encoding="utf-8")
    written.append(path)
    path = directory / "standard.md"
    path.write_text(documentation(standard), encoding="utf-8")
    written.append(path)
    from scrutiny.standard.indicators import documentation as indicator_documentation

    path = directory / "indicators.md"
    path.write_text(indicator_documentation(), encoding="utf-8")
    written.append(path)
    return written
