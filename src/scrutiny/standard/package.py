"""Machine-readable forms of the standard: Data Package, JSON Schema, CSV templates."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import polars as pl

from scrutiny.standard.model import LIST_SEPARATOR, Field, Standard, Table

TRUE_VALUES = ["true", "True", "TRUE", "yes", "Yes", "YES", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "no", "No", "NO", "0"]
CODE_LIST_COLUMNS = ["code_list", "code", "label", "description", "parent"]
CODE_LISTS_RESOURCE = "code_lists"


POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "code": pl.String(),
    "codes": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
}


def polars_schema(table: Table) -> dict[str, pl.DataType]:
    """The dtype of each of TABLE's columns in a typed frame, in declared order."""
    return {field.name: POLARS_TYPES[field.type] for field in table.fields}


def codes_pattern(values: list[str]) -> str:
    """A regular expression matching one or more codes joined by the list separator."""
    one = "(" + "|".join(re.escape(value) for value in values) + ")"
    return f"{one}({re.escape(LIST_SEPARATOR)}{one})*"


def allowed_values(standard: Standard, field: Field) -> list[Any]:
    """The values a coded or enumerated field accepts, or [] for an open field."""
    if field.code_list:
        return list(standard.code_lists[field.code_list].values())
    return list(field.enum)


def table_schema_field(standard: Standard, field: Field) -> dict[str, Any]:
    """One field of a Frictionless Table Schema."""
    kind = {"code": "string", "codes": "string"}.get(field.type, field.type)
    descriptor: dict[str, Any] = {
        "name": field.name,
        "title": field.title,
        "type": kind,
        "description": field.description,
    }
    if field.type == "date":
        descriptor["format"] = "default"
    if field.type == "boolean":
        descriptor["trueValues"] = TRUE_VALUES
        descriptor["falseValues"] = FALSE_VALUES
    if field.example:
        descriptor["example"] = field.example
    constraints: dict[str, Any] = {}
    if field.required:
        constraints["required"] = True
    if field.type == "codes":
        constraints["pattern"] = codes_pattern(allowed_values(standard, field))
    elif values := allowed_values(standard, field):
        constraints["enum"] = values
    if field.pattern:
        constraints["pattern"] = field.pattern
    if field.minimum is not None:
        constraints["minimum"] = field.minimum
    if field.maximum is not None:
        constraints["maximum"] = field.maximum
    if field.max_length is not None:
        constraints["maxLength"] = field.max_length
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def table_schema(standard: Standard, table: Table) -> dict[str, Any]:
    """The Frictionless Table Schema of one table.

    A primary key is published only when all its fields are required, because Table Schema
    treats a blank key cell as an error; the 'unique' rule covers the other tables.
    """
    schema: dict[str, Any] = {
        "fields": [table_schema_field(standard, f) for f in table.fields],
        "missingValues": [""],
    }
    if table.primary_key and all(table.field(name).required for name in table.primary_key):
        schema["primaryKey"] = list(table.primary_key)
    return schema


def data_package(standard: Standard) -> dict[str, Any]:
    """The datapackage.json descriptor: one resource per table, plus the code lists."""
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "description": table.description,
            "path": f"{table.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table_schema(standard, table),
        }
        for table in standard.tables.values()
    ]
    resources.append(
        {
            "name": CODE_LISTS_RESOURCE,
            "title": "Code lists",
            "description": "Every code the standard uses, with its label and meaning.",
            "path": f"{CODE_LISTS_RESOURCE}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [{"name": name, "type": "string"} for name in CODE_LIST_COLUMNS],
                "primaryKey": ["code_list", "code"],
                "missingValues": [""],
            },
        }
    )
    return {
        "profile": "tabular-data-package",
        "name": standard.name,
        "title": standard.title,
        "version": standard.version,
        "description": standard.description,
        "licenses": [standard.licence],
        "sources": list(standard.sources),
        "resources": resources,
    }


def json_schema(standard: Standard, table: Table) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for one row of TABLE as a JSON object."""
    properties: dict[str, Any] = {}
    for field in table.fields:
        kind = {"code": "string", "codes": "string", "date": "string"}.get(field.type, field.type)
        prop: dict[str, Any] = {
            "title": field.title,
            "description": field.description,
            "type": kind if field.required else [kind, "null"],
        }
        if field.type == "date":
            prop["format"] = "date"
        if field.type == "codes":
            prop["pattern"] = "^" + codes_pattern(allowed_values(standard, field)) + "$"
        elif values := allowed_values(standard, field):
            prop["enum"] = values if field.required else [*values, None]
        if field.pattern:
            prop["pattern"] = f"^{field.pattern}$"
        if field.minimum is not None:
            prop["minimum"] = field.minimum
        if field.maximum is not None:
            prop["maximum"] = field.maximum
        if field.max_length is not None:
            prop["maxLength"] = field.max_length
        properties[field.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{table.name}.schema.json",
        "title": f"{standard.title} {standard.version}: {table.title}",
        "description": table.description,
        "type": "object",
        "properties": properties,
        "required": [f.name for f in table.fields if f.required],
        "additionalProperties": False,
    }


def csv_template(table: Table) -> str:
    """A blank CSV template: the header row only."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(table.field_names())
    return out.getvalue()


def code_lists_csv(standard: Standard) -> str:
    """Every code list as one CSV table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CODE_LIST_COLUMNS)
    for code_list in standard.code_lists.values():
        for code in code_list.codes:
            writer.writerow(
                [code_list.name, code.code, code.label, code.description, code.parent or ""]
            )
    return out.getvalue()
