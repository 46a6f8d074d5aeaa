"""Self-assessment answers better than the council's own data, flagged with the figures.

Where the data can answer an item (scrutiny.councillor.self_assessment.prefill_from_data)
and the council's stored answer claims more than it shows (does not meet < partly meets <
meets), the item is flagged: the data's reading, the bar the answer would need, the value
and the counts behind it, and the year. Saving such an answer is allowed, since the
council may know better, but only with an explanation in its evidence
(self_assessment.check_answer), and the flag stays for as long as the answer and the data
disagree. An item the data cannot answer, or an answer equal to or worse than the data,
is never flagged. The flags are computed, never stored: a corrected return or a changed
answer clears them without anyone remembering to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.councillor.self_assessment import (
    DataAnswer,
    assessment_year,
    checklist_item,
    load_checklist,
    prefill_from_data,
    read_self_assessment,
    status_label,
)
from scrutiny.reference.authorities import official_names
from scrutiny.store.db import self_assessment_items

CSV_COLUMNS = (
    "authority_code",
    "council",
    "financial_year",
    "item",
    "requirement",
    "answer",
    "data_reading",
    "value_percent",
    "bar_percent",
    "numerator",
    "denominator",
    "evidence",
    "data_note",
)


@dataclass(frozen=True)
class BetterThanData:
    """One answer better than the council's own data, with the figures."""

    authority_code: str
    year: str
    item: str
    requirement: str
    answer: str  # the council's status
    data: DataAnswer
    evidence: str | None  # the council's explanation

    @property
    def reading(self) -> str:
        """What the data reads: 'does_not_meet'."""
        return self.data.status

    @property
    def value(self) -> float:
        """The percentage behind the reading: 76.9."""
        return round(self.data.share, 1)

    @property
    def bar(self) -> float:
        """The percentage the answer would need: 80."""
        return self.data.bar(self.answer)

    @property
    def sentence(self) -> str:
        """'Item 6.3: answered partly meets, but the data reads does not meet: 10 of 13
        (76.9%) against 80% needed for partly meets, in 2024-25.'"""
        return (
            f"Item {self.item}: answered {status_label(self.answer).lower()}, but "
            f"{self.data.gap(self.answer)}, in {self.year}."
        )

    @property
    def figures(self) -> str:
        """'The data reads does not meet: 10 of 13 (76.9%) against 80% needed for partly
        meets, in 2024-25.'"""
        gap = self.data.gap(self.answer)
        return f"{gap[:1].upper()}{gap[1:]}, in {self.year}."

    def as_api(self) -> dict[str, object]:
        """The flag as the API gives it."""
        return {
            "answer": self.answer,
            "data_reading": self.reading,
            "value_percent": self.value,
            "bar_percent": self.bar,
            "numerator": self.data.numerator,
            "denominator": self.data.denominator,
            "financial_year": self.year,
            "sentence": self.sentence,
        }


def better_than_data(engine: Engine, authority_code: str, year: str) -> list[BetterThanData]:
    """The council's answers for YEAR that are better than its own data, in checklist order."""
    assessment_year(year)
    table = self_assessment_items
    query = select(table.c.item, table.c.status, table.c.evidence).where(
        table.c.authority_code == authority_code, table.c.financial_year == year
    )
    with engine.connect() as connection:
        answers = {row.item: row for row in connection.execute(query)}
    if not answers:
        return []
    found = []
    for item, data in prefill_from_data(engine, authority_code, year).items():
        answer = answers.get(item)
        if answer is not None and data.below(answer.status):
            requirement = checklist_item(item).requirement
            found.append(
                BetterThanData(
                    authority_code, year, item, requirement, answer.status, data, answer.evidence
                )
            )
    return found


def read_with_flags(engine: Engine, authority_code: str, year: str) -> list[dict[str, Any]]:
    """The council's self-assessment for YEAR (read_self_assessment), each item with its
    flag as the API gives it under `better_than_data` (None when not flagged)."""
    flags = {flag.item: flag.as_api() for flag in better_than_data(engine, authority_code, year)}
    return [
        {**row, "better_than_data": flags.get(row["item"])}
        for row in read_self_assessment(engine, authority_code, year).to_dicts()
    ]


def every_council_better_than_data(engine: Engine, year: str) -> list[BetterThanData]:
    """Every council's answers for YEAR better than its own data, by council code then item.

    Only councils that answered an item the data can speak to are read, so the cost is the
    pre-fill's (a few hundredths of a second) for each of them, not for every council."""
    assessment_year(year)
    table = self_assessment_items
    data_led = [entry.item for entry in load_checklist() if entry.prefill]
    query = (
        select(table.c.authority_code)
        .where(table.c.financial_year == year, table.c.item.in_(data_led))
        .distinct()
        .order_by(table.c.authority_code)
    )
    with engine.connect() as connection:
        codes = list(connection.scalars(query))
    return [flag for code in codes for flag in better_than_data(engine, code, year)]


def flags_frame(flags: list[BetterThanData]) -> pl.DataFrame:
    """FLAGS as a table (CSV_COLUMNS), for a download."""
    names = official_names()
    rows = [
        {
            "authority_code": f.authority_code,
            "council": names.get(f.authority_code, f.authority_code),
            "financial_year": f.year,
            "item": f.item,
            "requirement": f.requirement,
            "answer": f.answer,
            "data_reading": f.reading,
            "value_percent": f.value,
            "bar_percent": f.bar,
            "numerator": f.data.numerator,
            "denominator": f.data.denominator,
            "evidence": f.evidence,
            "data_note": f.data.note,
        }
        for f in flags
    ]
    schema = {name: pl.String for name in CSV_COLUMNS} | {
        "value_percent": pl.Float64,
        "bar_percent": pl.Float64,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)
