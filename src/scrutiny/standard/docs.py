"""The standard's human documentation page, in Markdown, and rules in plain English."""

from __future__ import annotations

from scrutiny.standard.model import LIST_SEPARATOR, Field, Rule, Standard, Table

# Checks every file gets, whatever its table; the rule ids are those validation reports.
FILE_CHECKS = {
    "missing_column": ("error", "A required column is not in the header row."),
    "unknown_column": ("warning", "A column that is not part of the table is ignored."),
    "duplicate_column": ("error", "Two columns mean the same field."),
    "required": ("error", "A required field is blank."),
    "type": (
        "error",
        "A value is not a whole number, number, true/false or real date (a time of day"
        " after a date is allowed and dropped; one that is not a time is this error).",
    ),
    "code_list": ("error", "A code is not in the field's code list (with a suggestion)."),
    "enum": ("error", "A value is not one of the field's allowed values."),
    "pattern": ("error", "A value is not in the field's required form."),
    "minimum": ("error", "A number is below the field's minimum."),
    "maximum": ("error", "A number is beyond the field's limit (see Limits)."),
    "invisible_character": (
        "error",
        "A reference or code holds an invisible, control or text-direction character.",
    ),
    "max_length": ("error", "Text is longer than the field allows (10,000 characters at most)."),
    "formula": ("warning", "Text starts with =, +, - or @: kept as text, never evaluated."),
    "hidden_sheet": ("warning", "A workbook's hidden sheet was not read."),
    "other_sheet": ("warning", "Another sheet of the workbook has data that was not read."),
    "hidden_row": ("warning", "A hidden row of the sheet was read like any other."),
    "error_cell": ("warning", "A cell holds a spreadsheet error such as #DIV/0!: read as blank."),
    "totals_row": (
        "warning",
        "The last row starts with Total, Totals or Grand total: left out of the return.",
    ),
    "personal_data": (
        "warning",
        "Free text or a reference looks like it holds an email address, phone number,"
        " postcode or a titled name.",
    ),
}


def _when(rule: Rule) -> str:
    parts = []
    for condition in rule.conditions:
        if condition.present:
            parts.append(f"`{condition.field}` is filled in")
        elif condition.positive:
            parts.append(f"`{condition.field}` is more than 0")
        else:
            values = " or ".join(f"`{str(v).lower()}`" for v in condition.values)
            parts.append(f"`{condition.field}` is {values}")
    return " and ".join(parts)


def describe_rule(rule: Rule) -> str:
    """One plain-English sentence saying what a rule checks."""
    p = rule.params
    match rule.kind:
        case "known_authority":
            return f"`{p['field']}` must be the GSS code of a current English principal council."
        case "unique":
            names = ", ".join(f"`{name}`" for name in p["fields"])
            return f"No two rows may have the same {names}."
        case "date_order":
            return f"`{p['later']}` must not be before `{p['earlier']}`."
        case "not_in_future":
            names = ", ".join(f"`{name}`" for name in p["fields"])
            return f"Dates in {names} must not be in the future."
        case "required_when":
            return f"`{p['field']}` must be filled in when {_when(rule)}."
        case "blank_unless":
            return f"`{p['field']}` must be blank unless {_when(rule)}."
        case "subarea_in_area":
            return f"`{p['field']}` must be a subarea of the row's `{p['parent_field']}`."
        case "maximum_by_stage":
            limits = ", ".join(f"{limit} at stage {stage}" for stage, limit in p["limits"].items())
            return f"`{p['field']}` should not exceed the Code's limit ({limits})."
        case "stage_one_present":
            return "A stage 2 row should have a stage 1 row with the same complaint reference."
        case "not_more_than":
            return f"`{p['field']}` must not be more than `{p['total']}`."
        case "sum_not_more_than":
            names = " + ".join(f"`{name}`" for name in p["fields"])
            return f"{names} must not be more than `{p['total']}`."
        case "median_fits_total":
            return (
                f"`{p['field']}` must fit `{p['total']}` and `{p['count']}`: at least half the"
                " responses took the median or longer, and none took longer than the limit."
            )
        case "compliance_matches_dates":
            return (
                "`complied` needs `completed_date` on or before `due_date`; "
                "`complied_late` needs it after."
            )
    raise ValueError(f"no description for rule kind {rule.kind!r}")


def _type_text(standard: Standard, field: Field) -> str:
    if field.type == "code":
        return f"code ([{field.code_list}](#code-list-{field.code_list}))"
    if field.type == "codes":
        return (
            f"codes separated by `{LIST_SEPARATOR}` "
            f"([{field.code_list}](#code-list-{field.code_list}))"
        )
    if field.type == "date":
        return "date (YYYY-MM-DD)"
    return field.type


def _constraints_text(standard: Standard, field: Field) -> str:
    parts = []
    if field.enum:
        parts.append("one of " + ", ".join(f"`{value}`" for value in field.enum))
    if field.pattern:
        parts.append(f"matches `{field.pattern}`")
    if field.minimum is not None:
        parts.append(f"at least {field.minimum:g}")
    if field.maximum is not None:
        parts.append(f"at most {field.maximum:,g} ([limit `{field.limit}`](#limits))")
    if field.max_length is not None:
        parts.append(f"at most {field.max_length} characters")
    if field.free_text:
        parts.append("free text: checked for personal data")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_section(standard: Standard, table: Table) -> list[str]:
    lines = [f"## Table: `{table.name}`", "", table.description, ""]
    if table.primary_key:
        keys = ", ".join(f"`{name}`" for name in table.primary_key)
        lines += [f"Each row is identified by {keys}.", ""]
    lines += [
        "| Field | Type | Required | Description | Constraints | Example |",
        "|---|---|---|---|---|---|",
    ]
    for field in table.fields:
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{field.name}`",
                    _type_text(standard, field),
                    "yes" if field.required else "no",
                    _cell(field.description),
                    _cell(_constraints_text(standard, field)),
                    f"`{field.example}`" if field.example else "",
                ]
            )
            + " |"
        )
    lines += ["", f"### Rules for `{table.name}`", ""]
    lines += ["| Rule | Severity | What it checks |", "|---|---|---|"]
    lines += [
        f"| `{rule.id}` | {rule.severity} | {_cell(describe_rule(rule))} |" for rule in table.rules
    ]
    lines.append("")
    return lines


def _code_list_section(standard: Standard) -> list[str]:
    lines = ["## Code lists", ""]
    for code_list in standard.code_lists.values():
        used_by = [
            f"`{table.name}.{field.name}`"
            for table in standard.tables.values()
            for field in table.fields
            if field.code_list == code_list.name
        ]
        lines += [
            f'<a id="code-list-{code_list.name}"></a>',
            f"### Code list: `{code_list.name}`",
            "",
            code_list.description,
            "",
        ]
        if used_by:
            lines += ["Used by " + ", ".join(used_by) + ".", ""]
        has_parent = any(code.parent for code in code_list.codes)
        header = "| Code | Label | Meaning |" + (" Within |" if has_parent else "")
        lines += [header, "|---|---|---|" + ("---|" if has_parent else "")]
        for code in code_list.codes:
            row = f"| `{code.code}` | {_cell(code.label)} | {_cell(code.description)} |"
            if has_parent:
                row += f" `{code.parent}` |"
            lines.append(row)
        lines.append("")
    return lines


def _limits_section(standard: Standard) -> list[str]:
    lines = [
        '<a id="limits"></a>',
        "## Limits",
        "",
        "The largest plausible value of each kind of number; a value beyond it is an error.",
        "",
        "| Limit | At most | Why | Fields |",
        "|---|---|---|---|",
    ]
    for limit in standard.limits.values():
        fields = ", ".join(
            f"`{table.name}.{field.name}`"
            for table in standard.tables.values()
            for field in table.fields
            if field.limit == limit.name
        )
        lines.append(f"| `{limit.name}` | {limit.maximum:,g} | {_cell(limit.reason)} | {fields} |")
    return [*lines, ""]


def documentation(standard: Standard) -> str:
    """The whole documentation page for the standard, as Markdown."""
    lines = [
        f"# {standard.title}, version {standard.version}",
        "",
        "<!-- Generated by `scrutiny standard export` from src/scrutiny/standard/*.yaml."
        " Do not edit by hand. -->",
        "",
        standard.description,
        "",
        "## How to send data",
        "",
        "- One CSV file per table, UTF-8, comma-separated, with the header row of the"
        " matching template, columns in the template's order. (scrutiny's own importer"
        " matches columns by name, in any order.)",
        "- Dates as `YYYY-MM-DD`. Booleans as `true` or `false`. A blank cell means no value.",
        f"- A field of several codes separates them with `{LIST_SEPARATOR}`, for example"
        " `apology;financial_remedy`.",
        "- scrutiny's importer is forgiving where it can be without guessing: it also reads"
        " UK dates (`DD/MM/YYYY`, never US month-first dates), `yes`/`no` and `1`/`0`, codes"
        " in any case with spaces or hyphens, a code's label or listed alias, Windows-1252"
        " or semicolon-separated CSV, and XLSX workbooks (the first visible sheet).",
        "- Working days exclude Saturdays, Sundays and England-and-Wales bank holidays; the"
        " start date is day zero.",
        "",
        "## Personal data",
        "",
        "The standard has no field for names, addresses, email addresses, phone numbers or"
        " dates of birth. Complaint references must be pseudonymous. Free-text fields"
        " (marked below) are checked, and a value that looks like an email address, phone"
        " number or postcode is reported as a warning so it can be removed before"
        " publication.",
        "",
        "## Tables",
        "",
    ]
    lines += [
        f"- [`{table.name}`](#table-{table.name}): {table.title}"
        for table in standard.tables.values()
    ]
    lines += ["", "## Checks on every file", "", "| Rule | Severity | What it checks |"]
    lines.append("|---|---|---|")
    lines += [f"| `{rule}` | {sev} | {text} |" for rule, (sev, text) in FILE_CHECKS.items()]
    lines.append("")
    for table in standard.tables.values():
        lines += _table_section(standard, table)
    lines += _code_list_section(standard)
    lines += _limits_section(standard)
    lines += ["## Sources", ""]
    lines += [f"- [{source['title']}]({source['path']})" for source in standard.sources]
    lines += [
        "",
        "## Licence",
        "",
        f"The standard is published under the [{standard.licence['title']}]"
        f"({standard.licence['path']}).",
        "",
    ]
    return "\n".join(lines)
