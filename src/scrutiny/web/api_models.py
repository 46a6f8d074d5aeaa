"""The shapes of the public API's answers, which its OpenAPI description publishes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from scrutiny.core.periods import Grain


class Authority(BaseModel):
    gss_code: str
    name: str
    short_name: str | None
    type: str
    region: str | None
    current: bool
    end_date: str | None
    replaced_by_gss_code: str | None
    county_gss_code: str | None
    population_2021: int | None
    area_km2: float | None
    imd_average_score: float | None
    imd_rank_of_average_score: int | None
    imd_proportion_most_deprived_10pc: float | None
    income_average_score: float | None
    employment_average_score: float | None


class IndicatorDefinition(BaseModel):
    code: str
    name: str
    numerator: dict[str, Any]
    denominator: dict[str, Any] | str
    multiplier: float
    unit: str
    direction: str
    kind: str
    source: str
    caveat: str


class IndicatorValue(BaseModel):
    authority_code: str
    indicator: str
    grain: Grain
    period: str
    period_start: date
    period_end: date
    numerator: float | None
    denominator: float | None
    value: float | None
    source: str = Field(
        description="Where the figure comes from: synthetic (demo data), council_return, "
        "ombudsman_return or rsh_tsm (the Regulator of Social Housing's measures)"
    )


class Placement(BaseModel):
    """One council's figure for one indicator, placed on the funnel of its peer group."""

    authority_code: str
    indicator: str
    period_start: date
    period_end: date
    numerator: float | None
    denominator: float | None
    value: float | None
    peer_group: str
    peers: int
    peer_median: float | None
    target: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    flag: str | None
    reading: str
    source: str = Field(description="Where the figure comes from (see IndicatorValue.source)")


class CouncilBenchmark(BaseModel):
    authority_code: str
    name: str
    period: str
    peers: str
    # scrutiny.recommendations.measures' compliance_headline: every year's recommendations as
    # they stand today, the overdue beside the rate ("...; 3 overdue"); None without any.
    compliance: str | None = None
    indicators: list[Placement]


class Funnel(BaseModel):
    indicator: str
    name: str
    unit: str
    direction: str
    period: str
    peers: str
    points: list[Placement]


class Recommendation(BaseModel):
    authority_code: str
    decision_ref: str
    recommendation_number: int
    kind: str
    beneficiary: str
    remedy_type: str
    category: str | None
    amount_gbp: float | None
    agreed_date: date
    due_date: date
    completed_date: date | None
    status: str
    state: str
    overdue: bool
    working_days_overdue: int
    days_late: int


class Signal(BaseModel):
    authority_code: str
    period: str
    period_start: date
    period_end: date
    signal: str
    severity: int
    sentence: str
    evidence: dict[str, Any]


class Signals(BaseModel):
    authority_code: str
    as_of: date
    signals: list[Signal]


class SubmissionRecord(BaseModel):
    id: int
    authority_code: str
    table_name: str
    period_start: date
    period_end: date
    file_name: str
    row_count: int
    warning_count: int
    status: str
    superseded_by: int | None
    submitted_by: str
    submitted_at: datetime


class Issue(BaseModel):
    row: int | None
    column: str | None
    value: str | None
    severity: str
    rule: str
    message: str
    fix: str


class Stored(BaseModel):
    authority_code: str
    submission_id: int
    rows: int
    outcome: str
    period_start: date
    period_end: date
    replaced_submission_id: int | None


class Planned(BaseModel):
    """What storing one authority's rows does (or, with dry_run, would do)."""

    authority_code: str
    period: str = Field(description="The period the return is for, as 2025-26 Q1")
    period_start: date
    period_end: date
    rows: int
    replaces_submission_id: int | None = Field(
        description="The stored return for the same period that this one replaces, if any"
    )
    replaces: str | None = Field(description="What would be replaced, in words")
    unchanged: bool = Field(description="The same file is already stored: nothing changes")


class MappingUsed(BaseModel):
    name: str = Field(description="The council's saved mapping the file was read with")
    version: int = Field(description="Its version, 1 for the first saved")


class ReturnResult(BaseModel):
    file_name: str
    table: str | None
    rows: int
    valid: bool
    stored: bool
    errors: int
    warnings: int
    issues: list[Issue]
    notes: list[str]
    submissions: list[Stored]
    period: str | None = Field(None, description="The period the return is for, as 2025-26 Q1")
    plan: list[Planned] = Field(
        default_factory=list, description="What storing the file does or, with dry_run, would do"
    )
    detail: str | None = Field(
        None, description="Why the file was refused, when it was (the web page says the same)"
    )
    mapping: MappingUsed | None = Field(
        None,
        description="The council's saved mapping the file was read with, if any: the one "
        "named in the request, else the council's 'default'",
    )


class BetterThanDataFlag(BaseModel):
    """A self-assessment answer that claims more than the council's own data shows."""

    answer: str
    data_reading: str = Field(description="What the data reads: meets, partly_meets, ...")
    value_percent: float = Field(description="The percentage behind the data's reading")
    bar_percent: float = Field(description="The percentage the answer would need")
    numerator: int
    denominator: int
    financial_year: str
    sentence: str


class SelfAssessmentItem(BaseModel):
    section: str
    item: str
    requirement: str
    status: str | None
    evidence: str | None
    action: str | None
    action_owner: str | None
    action_due: date | None
    source: str | None = Field(description="council (its answer), data (a pre-fill) or none")
    note: str | None
    better_than_data: BetterThanDataFlag | None = Field(
        description="Set when the council's answer is better than its own data shows"
    )


class SelfAssessment(BaseModel):
    authority_code: str
    financial_year: str
    items: list[SelfAssessmentItem]


class EvidenceFileRecord(BaseModel):
    """A file attached to a council's evidence of compliance (its bytes at download)."""

    id: int
    evidence_id: int
    decision_ref: str
    recommendation_number: int
    original_name: str
    media_type: str = Field(description="Detected from the file's bytes, not its name")
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    withdrawn: bool
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    download: str | None = Field(description="Where to download it (none once withdrawn)")
