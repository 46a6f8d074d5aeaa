"""Where one council's figures come from: each kind of data held about it, whether it is
real or synthetic, the periods it covers and its latest return.

Rows come from the council's current submissions (its own returns, the Ombudsmen's
decisions and recommendations, or the demo's synthetic data, as each submission's
data_source says) and from the national imports holding its landlord figures (the
Regulator of Social Housing's Tenant Satisfaction Measures). "synthetic" is the standard's
code for made-up demo data, so a reader is told so wherever the figures are shown.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.periods import return_period_label
from scrutiny.measures.indicators import indicator_source
from scrutiny.standard import load_standard
from scrutiny.standard.indicators import load_indicators
from scrutiny.store.db import as_utc, housing_landlord_measures, source_imports, submissions
from scrutiny.store.read import read_frame

SYNTHETIC = "synthetic"
SOURCE_SCHEMA = {
    "table": pl.String,
    "data_source": pl.String,
    "source": pl.String,
    "real": pl.Boolean,
    "periods": pl.String,
    "latest": pl.String,
    "received": pl.Date,
    "rows": pl.Int64,
}


def source_label(code: str) -> str:
    """A data_source code in words: 'Synthetic demo data', 'The council's own return'."""
    labels = {c.code: c.label for c in load_standard().code_lists["data_source"].codes}
    return labels.get(code, code)


def council_sources(engine: Engine, code: str) -> pl.DataFrame:
    """Each kind of data held about council CODE from each source: the table's title, the
    data_source code and its label, whether it is real (not synthetic), the periods
    covered, the latest return's period, the day it was received and the rows held."""
    held = read_frame(
        engine,
        select(
            submissions.c.table_name,
            submissions.c.data_source,
            submissions.c.period_start,
            submissions.c.period_end,
            submissions.c.submitted_at.label("received"),
            submissions.c.row_count.label("rows"),
        ).where(submissions.c.authority_code == code, submissions.c.status == "current"),
    )
    landlord = (
        select(housing_landlord_measures.c.import_id)
        .where(housing_landlord_measures.c.authority_code == code)
        .distinct()
    )
    imported = read_frame(
        engine,
        select(
            source_imports.c.table_name,
            source_imports.c.source.label("data_source"),
            source_imports.c.period_start,
            source_imports.c.period_end,
            source_imports.c.imported_at.label("received"),
            source_imports.c.row_count.label("rows"),
        ).where(source_imports.c.status == "current", source_imports.c.id.in_(landlord)),
    )
    found = [frame for frame in (held, imported) if frame.height]
    if not found:
        return pl.DataFrame(schema=SOURCE_SCHEMA)
    tables = load_standard().tables
    rows = []
    for (table, source), group in (
        pl.concat(found, how="vertical_relaxed")
        .sort("period_end", "received")
        .group_by("table_name", "data_source", maintain_order=True)
    ):
        latest = group.row(-1, named=True)
        rows.append(
            {
                "table": tables[str(table)].title,
                "data_source": source,
                "source": source_label(str(source)),
                "real": source != SYNTHETIC,
                "periods": return_period_label(
                    group.get_column("period_start").min(),  # type: ignore[arg-type]
                    group.get_column("period_end").max(),  # type: ignore[arg-type]
                ),
                "latest": return_period_label(latest["period_start"], latest["period_end"]),
                "received": as_utc(group.get_column("received").max()).date(),  # type: ignore[arg-type]
                "rows": int(group.get_column("rows").sum()),
            }
        )
    return pl.DataFrame(rows, schema=SOURCE_SCHEMA).sort("table", "source")


def indicator_sources(sources: pl.DataFrame) -> dict[str, str]:
    """Each indicator's source in words for the council whose SOURCES (council_sources)
    these are: synthetic wherever its own data is."""
    return sources_in_words(set(sources.get_column("data_source").to_list()))


def sources_in_words(held: set[str]) -> dict[str, str]:
    """Each indicator's source in words, given the data_source codes HELD, as
    scrutiny.measures.indicators.indicator_source decides it."""
    return {
        item.code: source_label(indicator_source(item.code, held)) for item in load_indicators()
    }
