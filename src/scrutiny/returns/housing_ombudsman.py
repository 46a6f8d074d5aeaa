"""Real Housing Ombudsman decisions: the public findings file, turned into the standard.

The input is the findings table published by guyclarkemarshall/HousingOmbudsmanData
(CC-BY 4.0), built from the Housing Ombudsman's published decisions (Crown copyright,
Open Government Licence v3.0): one row per finding, with case_id, landlord,
decision_date, category, complaint (the element of the complaint) and finding.

Each finding becomes one row of the standard's ombudsman_decisions table; council
landlords are matched to their authority by name. The output is a standard CSV, so it
goes through the same validation and import as any other return.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrutiny.core.errors import Invalid
from scrutiny.reference.authorities import match_authority_names
from scrutiny.standard import load_standard

COLUMNS = ("case_id", "landlord", "decision_date", "category", "complaint", "finding")
FINDINGS = {
    "Severe Maladministration": "severe_maladministration",
    "Maladministration": "maladministration",
    "Service Failure": "service_failure",
    "Reasonable Redress": "reasonable_redress",
    "No Maladministration": "no_maladministration",
    "Outside Jurisdiction": "outside_jurisdiction",
}
# How each finding reads in the LGSCO's outcome groups. Reasonable redress means the
# Ombudsman found a failing the landlord had already put right: upheld, with a
# satisfactory remedy by the authority, as the LGSCO counts it.
OUTCOMES = {
    "severe_maladministration": "upheld",
    "maladministration": "upheld",
    "service_failure": "upheld",
    "reasonable_redress": "upheld",
    "no_maladministration": "not_upheld",
    "outside_jurisdiction": "closed_after_initial_enquiries",
}
# Fault found, for findings that decide it (outside jurisdiction decides nothing).
FAULT = {code: OUTCOMES[code] == "upheld" for code in OUTCOMES if code != "outside_jurisdiction"}
# Landlord names that are a council's arm's-length management organisation (ALMO): the
# council still owns the homes and answers for them, so its findings count as the
# council's. Cornwall Housing Ltd is wholly owned by Cornwall Council.
ALMOS = {"Cornwall Housing": "Cornwall"}
ELEMENT_LENGTH = 200


class FindingsError(Invalid, ValueError):
    """The file is not the Housing Ombudsman findings format."""


@dataclass
class Conversion:
    """Standard ombudsman_decisions rows, and what could not be converted."""

    decisions: pl.DataFrame
    unmatched: pl.DataFrame  # landlord, findings: landlords not matched to an authority
    undated: int  # findings with no decision date, which the standard requires

    @property
    def matched_share(self) -> float:
        """Share of findings (with a date) whose landlord was matched to an authority."""
        missed = int(self.unmatched.get_column("findings").sum())
        total = self.decisions.height + missed
        return self.decisions.height / total if total else 1.0


def read_findings(path: Path) -> pl.DataFrame:
    """The findings CSV as text columns, checked for the columns the conversion needs."""
    frame = pl.read_csv(path, infer_schema=False)
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise FindingsError(f"{path.name} is missing the columns {missing}")
    return frame


def convert(findings: pl.DataFrame) -> Conversion:
    """Map each finding to a row of ombudsman_decisions, matching landlords to councils."""
    names = findings.get_column("landlord").replace(ALMOS)
    matched = match_authority_names(names.unique()).select(
        pl.col("name").alias("__landlord"), pl.col("current_gss_code").alias("authority_code")
    )
    rows = (
        findings.with_columns(names.alias("__landlord"))
        .join(matched, on="__landlord", how="left")
        .with_columns(
            (pl.int_range(pl.len()).over("case_id") + 1).alias("__number"),
            pl.col("finding").replace_strict(FINDINGS, default=None).alias("__finding"),
        )
    )
    undated = rows.filter(pl.col("decision_date").is_null()).height
    rows = rows.filter(pl.col("decision_date").is_not_null())
    unmatched = (
        rows.filter(pl.col("authority_code").is_null())
        .group_by("landlord")
        .agg(pl.len().alias("findings"))
        .sort("findings", descending=True)
    )
    element = pl.col("complaint").str.strip_chars().fill_null("").str.replace_all(r"\s+", " ")
    element = pl.when(element == "").then(pl.lit("(no description)")).otherwise(element)
    element = (
        pl.when(element.str.len_chars() > ELEMENT_LENGTH - 10)
        .then(element.str.slice(0, ELEMENT_LENGTH - 11) + "…")
        .otherwise(element)
    )
    decisions = rows.filter(pl.col("authority_code").is_not_null()).select(
        pl.lit("housing_ombudsman").alias("ombudsman"),
        pl.col("case_id").alias("decision_ref"),
        pl.format("{}: {}", pl.col("__number"), element).alias("finding_element"),
        pl.col("authority_code"),
        pl.col("decision_date"),
        pl.lit("housing").alias("category"),
        pl.col("category").alias("subcategory"),
        pl.col("__finding").replace_strict(OUTCOMES, default=None).alias("outcome"),
        pl.col("__finding").replace_strict(FAULT, default=None).alias("fault_found"),
        (
            (pl.col("category") == "Complaint Handling")
            & pl.col("__finding").replace_strict(FAULT, default=None)
        ).alias("complaint_handling_fault"),
        (pl.col("__finding") == "reasonable_redress").alias("satisfactory_remedy_by_authority"),
        pl.lit(None, pl.Boolean).alias("public_interest_report"),
        pl.col("__finding").alias("housing_ombudsman_finding"),
    )
    order = load_standard().table("ombudsman_decisions").field_names()
    return Conversion(decisions.select(order), unmatched, undated)


def write_decisions(conversion: Conversion, path: Path) -> Path:
    """Write the converted decisions as a standard ombudsman_decisions CSV."""
    conversion.decisions.write_csv(path)
    return path
