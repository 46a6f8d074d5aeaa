"""Validate a return against the standard: every problem at once, with row, column and a fix.

Each field is parsed and checked as a whole column with polars; each rule of the
standard is a vectorised check (see scrutiny.standard.rules). Problems become rows of one issues
table: row (as the spreadsheet shows it, the header being row 1 unless a title block is
above it), column, value, severity, rule, message and fix.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from scrutiny.core.personal_data import PERSONAL_DATA_KINDS
from scrutiny.reference.authorities import match_authority_names
from scrutiny.returns.dates import clock, month_first, parse_date, wrong_time
from scrutiny.returns.header_issues import header_issues
from scrutiny.returns.ingest import RawTable
from scrutiny.returns.mapping import normalise_name, with_mapping_hints
from scrutiny.returns.report import Report as Report
from scrutiny.standard import (
    LIST_SEPARATOR,
    POLARS_TYPES,
    Field,
    Severity,
    Standard,
    load_standard,
)
from scrutiny.standard.rules import (
    ROW,
    Check,
    empty_issues,
    rule_checks,
    run_checks,
)
from scrutiny.standard.table_rules import table_rule_issues

MAX_CELL_CHARACTERS = 10_000
# A code list longer than this is named in a fix, with where to read it, not spelt out.
LONGEST_LIST_SHOWN = 12
STANDARD_PAGE = "/standard"
TRUE_WORDS = ("true", "yes", "y", "1")
FALSE_WORDS = ("false", "no", "n", "0")
FORMULA_START = r"^[=+\-@]"
# A number with commas only between groups of three digits (1,250.50); any other comma,
# such as a decimal comma (75,50), makes it not a number rather than a different one.
THOUSANDS = r"^-?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"
DECIMAL_COMMA = r"^£?-?\d+,\d{1,2}$"
# Characters that cannot be seen, or that change how text around them is shown: control
# characters, zero-width spaces and joiners, text-direction overrides, line separators.
INVISIBLE = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


def _clean(name: str, spec: Field | None = None, *, ascii_only: bool = False) -> pl.Expr:
    """The cell's text without surrounding spaces (blank as null); text fields in Unicode
    normal form C, so one reference is never two ways of writing the same letters.

    ASCII_ONLY says the column holds no other characters: such text is in normal form C
    already, and normalising a million references costs 0.2 s for nothing.
    """
    text = pl.col(name).str.strip_chars()
    if spec is not None and spec.type == "string" and not ascii_only:
        text = text.str.normalize("NFC")
    return pl.when(text == "").then(None).otherwise(text)


def _plain_number(text: pl.Expr) -> pl.Expr:
    """Text of a number without a leading £ or its thousands separators."""
    bare = text.str.replace(r"^£", "")
    return pl.when(bare.str.contains(THOUSANDS)).then(bare.str.replace_all(",", "")).otherwise(bare)


def code_lookup(standard: Standard, code_list: str) -> dict[str, str]:
    """Accepted spellings (normalised) of each code in CODE_LIST -> the code itself."""
    lookup = {}
    for code in standard.code_lists[code_list].codes:
        for spelling in (code.code, code.label, *code.aliases):
            lookup[normalise_name(spelling)] = code.code
    return lookup


def _normalised(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.strip_chars()
        .str.strip_chars('"')
        .str.to_lowercase()
        .str.replace_all(r"[\s\-_]+", "_")
        .str.strip_chars("_")
    )


def _typed(standard: Standard, spec: Field) -> pl.Expr:
    text = _clean(spec.name, spec)
    match spec.type:
        case "integer":
            return _plain_number(text).str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        case "number":
            number = _plain_number(text).cast(pl.Float64, strict=False)
            return pl.when(number.is_finite()).then(number).otherwise(None)
        case "boolean":
            words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
            return text.str.to_lowercase().replace_strict(
                words, default=None, return_dtype=pl.Boolean
            )
        case "date":
            return parse_date(text)
        case "code":
            lookup = code_lookup(standard, spec.code_list or "")
            return _normalised(text).replace_strict(lookup, default=None, return_dtype=pl.String)
        case "codes":
            lookup = code_lookup(standard, spec.code_list or "")
            parts = text.str.split(LIST_SEPARATOR).list.eval(
                _normalised(pl.element()).replace_strict(
                    lookup, default=None, return_dtype=pl.String
                )
            )
            return (
                pl.when(parts.list.eval(pl.element().is_null()).list.any())
                .then(None)
                .otherwise(parts.list.join(LIST_SEPARATOR))
            )
    return text


def _authority_hints(names: pl.Series) -> dict[str, str]:
    """For values that name a council instead of giving its code, the fix to suggest."""
    if names.is_empty():
        return {}
    found = match_authority_names(names).filter(pl.col("current_gss_code").is_not_null())
    return {
        row["name"]: f"Use the council's GSS code, {row['current_gss_code']}."
        for row in found.iter_rows(named=True)
    }


def _suggestions(values: pl.Series, candidates: dict[str, str]) -> dict[str, str]:
    """'did you mean' text for each distinct bad value (a handful, not one per row)."""
    hints = {}
    for value in values.drop_nulls().unique().to_list():
        parts = [normalise_name(part) for part in str(value).split(LIST_SEPARATOR)]
        guesses = []
        for part in parts:
            if part in candidates:
                continue
            close = [c for c in candidates if part and c.startswith(part)][:1]
            close = close or difflib.get_close_matches(part, list(candidates), n=1, cutoff=0.6)
            if close:
                guesses.append(f"'{candidates[close[0]]}' for '{part}'")
        hints[value] = f" Did you mean {', '.join(guesses)}?" if guesses else ""
    return hints


def _field_checks(standard: Standard, spec: Field, distinct: pl.DataFrame | None) -> list[Check]:
    """The checks on one field's cells.

    Given the field's DISTINCT values, each check runs once on them and survives only if
    some value fails, as a lookup of the failing values; blanks are checked row by row.
    """
    checks = _cell_checks(standard, spec, distinct)
    if distinct is None:
        return checks
    raw = f"__raw_{spec.name}"
    kept = []
    for check in checks:
        if check.rule == "required":
            kept.append(check)
            continue
        bad = distinct.filter(check.mask.fill_null(False)).get_column(raw)
        if bad.len():
            kept.append(replace(check, mask=pl.col(raw).is_in(bad.implode())))
    return kept


def _cell_checks(standard: Standard, spec: Field, distinct: pl.DataFrame | None) -> list[Check]:
    """Every check on the cells of one field, written against its raw and typed columns."""
    name, raw, typed = spec.name, f"__raw_{spec.name}", spec.name
    present = pl.col(raw).is_not_null()
    found: list[Check] = []

    def add(
        mask: pl.Expr,
        rule: str,
        message: pl.Expr | str,
        fix: pl.Expr | str,
        severity: Severity = "error",
        pattern: str | None = None,
    ) -> None:
        screen = (raw, pattern) if pattern is not None else None
        found.append(Check(mask, name, pl.col(raw), severity, rule, message, fix, screen))

    def search(pattern: str) -> pl.Expr:
        return pl.col(raw).str.contains(pattern)

    if spec.required:
        add(~present, "required", f"{spec.title} is blank but required.", f"Fill in {name}.")
    bad_type = present & pl.col(typed).is_null()
    if spec.type in ("code", "codes"):
        lookup = code_lookup(standard, spec.code_list or "")
        values_allowed = standard.code_lists[spec.code_list or ""].values()
        use = f"Use one of: {', '.join(values_allowed)}"
        if len(values_allowed) > LONGEST_LIST_SHOWN:
            # 42 service subareas in every row's fix (and the error summary) hide the fix.
            use = (
                f"Use one of the {len(values_allowed)} codes listed in the standard "
                f"({STANDARD_PAGE}#code-list-{spec.code_list})"
            )
        values = distinct if distinct is not None else pl.DataFrame({raw: [], typed: []})
        hints = _suggestions(values.filter(bad_type).get_column(raw), lookup)
        add(
            bad_type,
            "code_list",
            pl.lit("Not in the code list.")
            + pl.col(raw).replace_strict(hints, default="", return_dtype=pl.String),
            use + (f" (several separated by '{LIST_SEPARATOR}')." if spec.type == "codes" else "."),
        )
    elif spec.type == "date":
        # Only cells that are not dates are looked at again (the rest as null, which costs
        # nothing): a column of date-times has nearly as many distinct values as rows.
        failed = pl.when(bad_type).then(pl.col(raw))
        time, us_date = wrong_time(failed), month_first(failed)
        add(
            bad_type & time,
            "type",
            pl.format("The time {} is not a time of day.", clock(pl.col(raw))),
            "Give a time from 00:00 to 23:59 after the date, or the date alone, for example "
            "01/04/2025 09:32 or 01/04/2025.",
        )
        add(
            bad_type & ~time & us_date,
            "type",
            "Looks like a US date (month first), which cannot be a UK date.",
            "Write dates as YYYY-MM-DD or DD/MM/YYYY, for example 2025-04-25 or 25/04/2025.",
        )
        add(
            bad_type & ~time & ~us_date,
            "type",
            "Not a date.",
            "Write dates as YYYY-MM-DD or DD/MM/YYYY, for example 2025-04-01 or 01/04/2025.",
        )
        add(
            present & ~pl.col(typed).dt.year().is_between(1990, 2100),
            "type",
            "The year is outside 1990 to 2100.",
            "Check the year; two-digit years are not accepted.",
        )
    elif spec.type == "number":
        comma = pl.col(raw).str.contains(DECIMAL_COMMA)
        add(
            bad_type & comma,
            "type",
            "Has a comma where a decimal point belongs, so it is not a number.",
            "Write numbers with a decimal point, for example 75.50; commas only between "
            "thousands, as in 1,250.00.",
        )
        add(bad_type & ~comma, "type", "Not a number.", "Give a number such as 150 or 150.50.")
    elif spec.type != "string":
        words = {
            "integer": ("Not a whole number.", "Give a whole number such as 3, with no text."),
            "boolean": ("Not true or false.", "Use true or false (yes/no and 1/0 also work)."),
        }[spec.type]
        add(bad_type, "type", *words)
    if spec.enum:
        allowed = " or ".join(str(value) for value in spec.enum)
        add(
            pl.col(typed).is_not_null() & ~pl.col(typed).is_in(list(spec.enum)),
            "enum",
            f"Must be {allowed}.",
            f"Use {allowed}.",
        )
    if spec.pattern:
        wrong_form = present & ~pl.col(raw).str.contains(f"^(?:{spec.pattern})$")
        fix: pl.Expr | str = f"Check {name}; see the example {spec.example}."
        if name == "authority_code" and distinct is not None:
            # A council's name where its code should be: say which code that is.
            names = distinct.filter(wrong_form.fill_null(False)).get_column(raw)
            codes = _authority_hints(names)
            fix = pl.col(raw).replace_strict(codes, default=fix, return_dtype=pl.String)
        add(wrong_form, "pattern", f"Not in the form {spec.pattern}.", fix)
    if spec.minimum is not None:
        add(
            pl.col(typed) < spec.minimum,
            "minimum",
            f"Must be at least {spec.minimum:g}.",
            f"Give a value of {spec.minimum:g} or more.",
        )
    if spec.maximum is not None:
        add(
            pl.col(typed) > spec.maximum,
            "maximum",
            f"More than {spec.maximum:,g}, the most a {name} can plausibly be.",
            f"Check the value: {standard.limits[spec.limit or ''].reason}",
        )
    if not spec.free_text and spec.type in ("string", "code", "codes"):
        add(
            search(INVISIBLE),
            "invisible_character",
            "Holds an invisible, control or text-direction character, so it can look the "
            "same as a different value.",
            f"Type {name} again, or delete the character (often pasted from a web page).",
            pattern=INVISIBLE,
        )
    length_limit = spec.max_length or MAX_CELL_CHARACTERS
    add(
        pl.col(raw).str.len_chars() > length_limit,
        "max_length",
        f"Longer than {length_limit:,} characters.",
        f"Shorten {name} to {length_limit:,} characters or fewer.",
    )
    if spec.type == "string":
        add(
            search(FORMULA_START),
            "formula",
            "Starts like a spreadsheet formula. It is kept as text and never evaluated.",
            "Remove the leading =, +, - or @ unless it is really part of the text.",
            "warning",
            FORMULA_START,
        )
    if spec.free_text or name == "complaint_ref":
        # One warning a kind found, each its own vectorised check: a cell with an email
        # address and a phone number is warned about both.
        for pattern, kind in PERSONAL_DATA_KINDS:
            add(
                search(pattern),
                "personal_data",
                f"Looks like it contains {kind}. The standard carries no personal data.",
                f"Remove personal details from {name}; describe the issue without "
                "identifying anyone.",
                "warning",
                pattern,
            )
    return found


def _whole_column(spec: Field) -> bool:
    """Free text and references have a different value in nearly every row."""
    return spec.free_text or spec.name.endswith("_ref")


def _survey(raw: RawTable, present: list[Field]) -> tuple[dict[str, list[str]], set[str]]:
    """In one pass over the file: the distinct values of each column that has few, and
    which of the columns parsed whole hold anything but ASCII text."""
    few = [spec.name for spec in present if not _whole_column(spec)]
    whole = [spec.name for spec in present if _whole_column(spec)]
    if not present:  # a file with none of the table's columns has nothing to select
        return {}, set()
    # One query a column, run together: 0.22 s on a million rows, 0.35 s as one select.
    lazy = raw.frame.lazy()
    *distinct, ascii = pl.collect_all(
        [lazy.select(pl.col(name).drop_nulls().unique()) for name in few]
        + [
            lazy.select(
                # A character beyond ASCII takes more than one byte in UTF-8.
                (pl.col(name).str.len_bytes() != pl.col(name).str.len_chars()).any()
                for name in whole
            )
        ]
    )
    beyond = ascii.row(0, named=True) if whole else {}
    values = {name: frame.to_series().to_list() for name, frame in zip(few, distinct, strict=True)}
    return values, {name for name in whole if beyond[name]}


def _parse(
    standard: Standard, spec: Field, distinct: pl.Series | None, ascii_only: bool = False
) -> tuple[pl.Expr, pl.Expr, pl.DataFrame | None]:
    """Expressions for the cleaned text and the typed values of one column.

    Most columns hold few distinct values (codes, dates, counts), so each DISTINCT value
    is parsed once and the results mapped back; free text and references are parsed whole.
    """
    name = spec.name
    if distinct is None:
        cleaned = _clean(name, spec, ascii_only=ascii_only)
        return cleaned, cleaned, None
    parsed = distinct.to_frame(name).select(
        _clean(name, spec).alias("raw"), _typed(standard, spec).alias("typed")
    )
    cleaned = pl.col(name)
    if not parsed.get_column("raw").equals(distinct, check_names=False, null_equal=True):
        cleaned = cleaned.replace_strict(
            distinct, parsed["raw"], default=None, return_dtype=pl.String
        )
    typed = pl.col(name)
    dtype = POLARS_TYPES[spec.type]
    if dtype != pl.String() or not parsed.get_column("typed").equals(
        distinct, check_names=False, null_equal=True
    ):
        typed = typed.replace_strict(distinct, parsed["typed"], default=None, return_dtype=dtype)
    return cleaned, typed, parsed.rename({"raw": f"__raw_{name}", "typed": name})


@dataclass(frozen=True)
class ParsedColumns:
    """A file's columns parsed once and the checks on their cells.

    WIDE has the row number as the spreadsheet shows it (ROW), and for each field of the
    table its cleaned text (__raw_NAME) and its typed value (NAME); every check reads it.
    """

    wide: pl.DataFrame
    checks: list[Check]


def parse_columns(raw: RawTable) -> ParsedColumns:
    """Parse each column of RAW once into its final type, with the checks on its cells."""
    standard = load_standard()
    present = [spec for spec in raw.table.fields if spec.name in raw.headers]
    distincts, beyond_ascii = _survey(raw, present)
    # Row numbers as the spreadsheet shows them: the first data row is under the header.
    expressions = [pl.int_range(pl.len(), dtype=pl.Int64).add(raw.header_row + 1).alias(ROW)]
    checks: list[Check] = []
    copies: list[pl.Expr] = []
    for spec in raw.table.fields:
        if spec.name not in raw.headers:
            expressions.append(pl.lit(None, POLARS_TYPES[spec.type]).alias(spec.name))
            continue
        values = distincts.get(spec.name)
        series = None if values is None else pl.Series(spec.name, values, dtype=pl.String)
        cleaned, typed, distinct = _parse(
            standard, spec, series, ascii_only=spec.name not in beyond_ascii
        )
        if distinct is None:  # text kept whole: the typed value is the cleaned text
            expressions.append(cleaned.alias(f"__raw_{spec.name}"))
            copies.append(pl.col(f"__raw_{spec.name}").alias(spec.name))
        else:
            expressions += [cleaned.alias(f"__raw_{spec.name}"), typed.alias(spec.name)]
        checks += _field_checks(standard, spec, distinct)
    wide = raw.frame.lazy().select(expressions).with_columns(copies).collect()
    return ParsedColumns(wide, checks)


def validate(raw: RawTable, today: date | None = None) -> Report:
    """Check RAW against its table of the standard; returns every problem found."""
    today = today or date.today()
    table, columns = raw.table, set(raw.headers)
    parsed = parse_columns(raw)
    wide = parsed.wide
    checks = parsed.checks + rule_checks(table, wide, today, columns)
    found = header_issues(raw) + run_checks(wide, checks)
    found += table_rule_issues(table, wide, today, columns)
    issues = pl.concat(found, how="vertical") if found else empty_issues()
    issues = with_mapping_hints(issues, table, None if raw.mapping.empty else raw.mapping.source)
    issues = issues.sort("row", nulls_last=False, maintain_order=True)
    return Report(
        table=table,
        file_name=raw.file_name,
        rows=raw.frame.height,
        issues=issues,
        wide=wide,
        notes=list(raw.notes),
        headers=dict(raw.headers),
    )
