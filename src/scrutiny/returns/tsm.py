"""The Regulator of Social Housing's Tenant Satisfaction Measures, read from its workbook.

RSH publishes one workbook a year ("Tenant satisfaction measures: full data"): every
social landlord with 1,000 or more homes, councils included, one row each, with three
parallel groups of columns for the tenure bases (LCRA rented homes, LCHO shared
ownership, and Combined). The complaint measures are CH01 (stage 1 and stage 2
complaints per 1,000 homes) and CH02 (the share answered within the Housing Ombudsman's
Code timescales), each with its numerator and denominator.

Columns are found by the measure code RSH puts at the end of each header, such as
"(CH01 1 Numerator)", so the same reader takes either year's layout (2023-24's header
sits on row 3, 2024-25's under a block of notes) and future years with the same sheet
names. RSH's missing-value markers ([X], [E], [U], [Z] and the like) become blanks, never
zeros. Each landlord becomes one row of the standard's housing_landlord_measures table
for each tenure basis with figures; a council landlord is matched to its GSS code by its
old ONS code, or by name for the newer councils RSH gives a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from scrutiny.reference.authorities import load_authorities, match_authority_names
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.xlsx import Limits, read_xlsx

SOURCE = "rsh_tsm"
MANAGEMENT_SHEET = "_management_info"
PERCEPTION_SHEET = "_lcra_perception"
LEFT_OUT_SHEET = "_man_info_not_inc"
FIRST_HEADER = ("Landlord name", "Landlord code")
YEAR_IN_TITLE = re.compile(r"TSM[ _]?(\d{2})(?!\d)")
BASES = {"LCRA": "lcra", "LCHO": "lcho", "Combined": "combined"}
BASIS_PREFIX = re.compile(r"^(LCRA|LCHO|Combined) - ")
# The measure code at the end of a header: (CH01 1 Numerator), (NM01 1 Denominator),
# (CH02 1)5 with a footnote digit. No kind means the header is the published rate.
MEASURE = re.compile(
    r"\((?P<code>[A-Z]{2}\d{2})(?: (?P<part>\d))?(?: (?P<kind>Numerator|Denominator))?\)"
)
MARKER = r"^\[[A-Z]\]$"  # RSH's missing-value markers: [X] not given, [E] excluded, ...
# The standard's field for each (measure code, part, kind), per tenure basis.
COUNTS = {
    ("CH01", "1", "Denominator"): "homes_owned",
    ("CH01", "1", "Numerator"): "stage1_complaints",
    ("CH02", "1", "Numerator"): "stage1_within_timescale",
    ("CH02", "1", "Denominator"): "stage1_timescale_denominator",
    ("CH01", "2", "Numerator"): "stage2_complaints",
    ("CH02", "2", "Numerator"): "stage2_within_timescale",
    ("CH02", "2", "Denominator"): "stage2_timescale_denominator",
}
# RSH's published rates, kept to check against the counts: field -> (code, part).
RATES = {
    "stage1_per_1000_homes": ("CH01", "1"),
    "stage1_within_timescale_pct": ("CH02", "1"),
    "stage2_per_1000_homes": ("CH01", "2"),
    "stage2_within_timescale_pct": ("CH02", "2"),
}
SOCIAL_HOMES = ("NM01", "1", "Denominator")
SATISFACTION = re.compile(r"^Proportion of respondents.*\(TP09\)\d*$")
LANDLORD_TYPES = {"LA": "council", "LARP": "council", "PRP": "housing_association"}


class NotTsmWorkbook(FileUnreadable):
    """The workbook is not RSH's Tenant Satisfaction Measures full data."""


@dataclass
class TsmYear:
    """One workbook read: its rows in the standard's shape (text cells), RSH's published
    rates per landlord and basis, how councils were matched, and who RSH left out."""

    period_start: date
    period_end: date
    rows: pl.DataFrame  # housing_landlord_measures fields, as text
    published_rates: pl.DataFrame  # landlord_code, tenure_basis and the RATES fields
    unmatched: list[str]  # council landlords (code and name) with no current council
    left_out: pl.DataFrame  # landlord_code, landlord_name, note: RSH left out this year

    @property
    def label(self) -> str:
        return f"{self.period_start.year}-{str(self.period_end.year)[2:]}"


def read_tsm(path: Path, limits: Limits) -> TsmYear:
    """Read RSH's TSM workbook at PATH (NotTsmWorkbook if it is not one)."""
    try:
        sheet, _ = read_xlsx(path, limits, MANAGEMENT_SHEET)
    except FileUnreadable as error:
        raise NotTsmWorkbook(
            f"{path.name} is not the Regulator of Social Housing's Tenant Satisfaction "
            f"Measures full data workbook ({error})"
        ) from error
    year_end = _year_end(sheet.columns[0])
    table = _with_header(sheet, path.name)
    found = _columns(table.columns)
    rows = _landlord_rows(table, found, year_end)
    rows = rows.join(_satisfaction(path, limits), on="landlord_code", how="left")
    rows = rows.with_columns(
        pl.when(pl.col("tenure_basis") == "lcra")
        .then(pl.col("complaint_handling_satisfaction_pct"))
        .alias("complaint_handling_satisfaction_pct")
    )
    rows, unmatched = _match_councils(rows)
    rates = rows.select("landlord_code", "tenure_basis", *RATES)
    return TsmYear(
        period_start=date(year_end - 1, 4, 1),
        period_end=date(year_end, 3, 31),
        rows=rows.drop(*RATES),
        published_rates=rates,
        unmatched=unmatched,
        left_out=_left_out(path, limits),
    )


def _year_end(title: str) -> int:
    """The year the financial year ends in, from the sheet's title 'TSM25 Management Info'."""
    found = YEAR_IN_TITLE.search(title)
    if found is None:
        raise NotTsmWorkbook(f"cannot tell the year from the sheet title '{title}'")
    return 2000 + int(found.group(1))


def _with_header(sheet: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """The sheet's rows under its real header (the first row starting 'Landlord name',
    'Landlord code'), without the notes above it or the blank and notes rows below."""
    first, second = sheet.columns[0], sheet.columns[1]
    if (first, second) == FIRST_HEADER:
        return sheet
    marks = sheet.with_row_index("n").filter(
        (pl.col(first) == FIRST_HEADER[0]) & (pl.col(second) == FIRST_HEADER[1])
    )
    if marks.is_empty():
        raise NotTsmWorkbook(f"{file_name}: no header row starting 'Landlord name, Landlord code'")
    at = int(marks.get_column("n")[0])
    header = [str(cell).strip() if cell is not None else "" for cell in sheet.row(at)]
    body = sheet.slice(at + 1).rename(dict(zip(sheet.columns, header, strict=True)))
    code = pl.col(FIRST_HEADER[1])
    return body.filter(code.is_not_null() & code.str.contains(r"^[0-9A-Z]{4,6}$"))


def _columns(headers: list[str]) -> dict[tuple[str, str, str, str], str]:
    """Each measure's column: (basis, code, part, kind) -> header ('' basis for NM01)."""
    found: dict[tuple[str, str, str, str], list[str]] = {}
    for header in headers:
        measures = list(MEASURE.finditer(header))
        if not measures:
            continue
        measure = measures[-1]
        prefix = BASIS_PREFIX.match(header)
        key = (
            prefix.group(1) if prefix else "",
            measure.group("code"),
            measure.group("part") or "",
            measure.group("kind") or "",
        )
        found.setdefault(key, []).append(header)
    needed = [(basis, *count) for basis in BASES for count in COUNTS]
    needed += [(basis, code, part, "") for basis in BASES for code, part in RATES.values()]
    missing = [key for key in needed if key not in found]
    if missing or ("", *SOCIAL_HOMES) not in found:
        raise NotTsmWorkbook(f"the management information sheet lacks the columns for {missing}")
    # NM01's denominator is published twice (NM01 1 and NM01 2), with the same figures.
    return {key: headers[0] for key, headers in found.items()}


def _number(header: str) -> pl.Expr:
    """The column as text, a missing-value marker as blank."""
    text = pl.col(header).cast(pl.String).str.strip_chars()
    return pl.when(text.str.contains(MARKER) | (text == "")).then(None).otherwise(text)


def _landlord_rows(
    table: pl.DataFrame, found: dict[tuple[str, str, str, str], str], year_end: int
) -> pl.DataFrame:
    """One row per landlord and tenure basis with any count, as text cells."""
    landlord_type = pl.col("Landlord type").str.strip_chars()
    parts = []
    for prefix, basis in BASES.items():
        counts = [_number(found[(prefix, *key)]).alias(name) for key, name in COUNTS.items()]
        rates = [
            _number(found[(prefix, code, part, "")]).alias(name)
            for name, (code, part) in RATES.items()
        ]
        parts.append(
            table.select(
                pl.col(FIRST_HEADER[1]).str.strip_chars().alias("landlord_code"),
                pl.col(FIRST_HEADER[0]).str.strip_chars().alias("landlord_name"),
                landlord_type.replace_strict(LANDLORD_TYPES, default=landlord_type).alias(
                    "landlord_type"
                ),
                pl.lit(f"{year_end - 1}-04-01").alias("period_start"),
                pl.lit(f"{year_end}-03-31").alias("period_end"),
                pl.lit(basis).alias("tenure_basis"),
                pl.lit(SOURCE).alias("source"),
                _number(found[("", *SOCIAL_HOMES)]).alias("social_homes_owned"),
                *counts,
                *rates,
            ).filter(pl.any_horizontal(pl.col(list(COUNTS.values())).is_not_null()))
        )
    return pl.concat(parts)


def _satisfaction(path: Path, limits: Limits) -> pl.DataFrame:
    """TP09 (tenants satisfied with complaint handling, %) per landlord, rented homes."""
    sheet, _ = read_xlsx(path, limits, PERCEPTION_SHEET)
    table = _with_header(sheet, path.name)
    matches = [header for header in table.columns if SATISFACTION.match(header)]
    if len(matches) != 1:
        raise NotTsmWorkbook(f"the LCRA perception sheet has {len(matches)} TP09 columns, not one")
    return table.select(
        pl.col(FIRST_HEADER[1]).str.strip_chars().alias("landlord_code"),
        _number(matches[0]).alias("complaint_handling_satisfaction_pct"),
    )


def _left_out(path: Path, limits: Limits) -> pl.DataFrame:
    """The landlords RSH left out of this year's management information, with its note."""
    sheet, _ = read_xlsx(path, limits, LEFT_OUT_SHEET)
    table = _with_header(sheet, path.name)
    note = next((h for h in table.columns if h.startswith("Notes")), None)
    return table.select(
        pl.col(FIRST_HEADER[1]).str.strip_chars().alias("landlord_code"),
        pl.col(FIRST_HEADER[0]).str.strip_chars().alias("landlord_name"),
        (pl.col(note) if note else pl.lit(None, pl.String)).alias("note"),
    )


def _match_councils(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Council landlords with their GSS code: by old ONS code, or else by name."""
    councils = load_authorities().filter("current")
    by_code = councils.filter(pl.col("snac_code").is_not_null()).select(
        pl.col("snac_code").alias("landlord_code"), pl.col("gss_code").alias("by_code")
    )
    names = rows.filter(pl.col("landlord_type") == "council").get_column("landlord_name").unique()
    by_name = match_authority_names(names).select(
        pl.col("name").alias("landlord_name"), pl.col("current_gss_code").alias("by_name")
    )
    matched = (
        rows.join(by_code, on="landlord_code", how="left")
        .join(by_name, on="landlord_name", how="left")
        .with_columns(
            pl.when(pl.col("landlord_type") == "council")
            .then(pl.coalesce("by_code", "by_name"))
            .alias("authority_code")
        )
        .drop("by_code", "by_name")
    )
    missing = matched.filter(
        (pl.col("landlord_type") == "council") & pl.col("authority_code").is_null()
    )
    unmatched = sorted(
        {f"{code} {name}" for code, name in missing.select("landlord_code", "landlord_name").rows()}
    )
    return matched, unmatched
