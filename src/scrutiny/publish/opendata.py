"""Open data: what scrutiny publishes, as CSV files and a Frictionless Data Package.

Published, each under its licence:
- aggregate_returns: complaint counts per council, period and stage in the standard's
  aggregate_returns shape: the totals councils sent, and case-level complaints counted up
  by financial quarter at import (scrutiny.returns.aggregates). Case rows are never published:
  the standard holds no personal data, but a complaint reference, dates and outcome of
  one case could still identify a complainant to someone who knows them;
- ombudsman_decisions and recommendations, the Ombudsmen's published decisions (less any
  free text, such as the council's evidence notes);
- housing_landlord_measures: every social landlord's Tenant Satisfaction Measures
  complaint counts as the Regulator of Social Housing published them, councils and housing
  associations, from the current import of each year;
- indicators: the national indicator set per council, quarter and financial year;
- authorities and code_lists: reference data.

Every file of figures says where each row came from in a `source` column, one of the
standard's data_source codes (synthetic, council_return, ombudsman_return, rsh_tsm,
housing_ombudsman): the submission's for returns and decisions, the indicator's for
indicators (scrutiny.measures.indicators.indicator_source).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, literal, select

from scrutiny.core.periods import Grain, parse_period
from scrutiny.measures.indicators import compute_indicators, with_sources
from scrutiny.measures.landlords import SOURCE_NAME
from scrutiny.publish.licences import CC_BY, OGL, OGL_ATTRIBUTION
from scrutiny.reference.authorities import SCHEMA as AUTHORITY_SCHEMA
from scrutiny.reference.authorities import authorities_path, load_authorities
from scrutiny.returns.stored import current_data_sources
from scrutiny.standard import load_standard
from scrutiny.standard.package import code_lists_csv, data_package, table_schema
from scrutiny.store.db import DATA_TABLES, complaint_counts, source_imports, submissions
from scrutiny.store.read import count_rows

# Fields never published, whatever the standard's free_text flag says: the council's own
# words about evidence can name people.
WITHHELD = {"recommendations": ("evidence_note",)}
COUNTED_GRAIN = "quarter"  # case-level complaints are published counted up by quarter
INDICATOR_GRAINS: tuple[Grain, ...] = ("quarter", "financial_year")
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Download:
    """One published CSV file."""

    name: str
    title: str
    description: str
    licences: tuple[dict[str, str], ...]
    attribution: str


DOWNLOADS: dict[str, Download] = {
    item.name: item
    for item in (
        Download(
            "aggregate_returns",
            "Complaint counts by council, period and stage",
            "The totals councils sent in aggregate returns, and complaints sent case by case"
            " counted up by financial quarter, in the standard's aggregate_returns shape."
            " Individual complaints are not published.",
            (OGL,),
            OGL_ATTRIBUTION,
        ),
        Download(
            "ombudsman_decisions",
            "Ombudsman decisions",
            "Decisions of the Local Government and Social Care Ombudsman and the Housing"
            " Ombudsman about councils, one row per decision and finding.",
            (OGL, CC_BY),
            "Contains public sector information licensed under the Open Government Licence"
            " v3.0, from the Ombudsmen's published decisions. Housing Ombudsman findings"
            " compiled by guyclarkemarshall/HousingOmbudsmanData, CC-BY 4.0.",
        ),
        Download(
            "recommendations",
            "Ombudsman recommendations and compliance",
            "Each recommendation the Ombudsman made, when it was due and whether the council"
            " complied. The council's evidence notes are not published.",
            (OGL,),
            OGL_ATTRIBUTION,
        ),
        Download(
            "housing_landlord_measures",
            "Social landlords' complaint measures (Tenant Satisfaction Measures)",
            "Every social landlord's complaint counts behind the Regulator of Social Housing's"
            " Tenant Satisfaction Measures (CH01 complaints per 1,000 homes, CH02 answered"
            " within the Code's timescales), one row per landlord, financial year and tenure"
            " basis: councils (with their GSS code) and housing associations.",
            (OGL,),
            f"{OGL_ATTRIBUTION} Source: {SOURCE_NAME}, the full data of each year"
            " (the year of each row's period_start).",
        ),
        Download(
            "indicators",
            "The national indicator set",
            "Every indicator for every council, by financial quarter and financial year,"
            " with its numerator and denominator.",
            (OGL,),
            "Contains public sector information licensed under the Open Government Licence"
            " v3.0, including ONS Census 2021 populations.",
        ),
        Download(
            "authorities",
            "English principal councils",
            "Every English principal council, current and former: GSS code, names, type,"
            " region, successor, Census 2021 population, area and deprivation.",
            (CC_BY, OGL),
            "Contains data from mySociety's UK local authority names and codes (CC-BY 4.0),"
            " and public sector information licensed under the Open Government Licence v3.0"
            " (ONS Census 2021; MHCLG English Indices of Deprivation 2025).",
        ),
        Download(
            "code_lists",
            "Code lists",
            "Every code the data standard uses, with its label and meaning.",
            (OGL,),
            OGL_ATTRIBUTION,
        ),
    )
}
SUBMITTED_TABLES = ("aggregate_returns", "ombudsman_decisions", "recommendations")
STANDARD_TABLES = (*SUBMITTED_TABLES, "housing_landlord_measures")
SOURCE = "source"  # the column naming where a row came from (the data_source code list)
INDICATOR_FIELDS = {
    "authority_code": "string",
    "indicator": "string",
    "grain": "string",
    "period_start": "date",
    "period_end": "date",
    "numerator": "number",
    "denominator": "number",
    "value": "number",
    SOURCE: "string",
}


def published_fields(table_name: str) -> list[str]:
    """The fields of a standard table that are published: all but free text and WITHHELD."""
    spec = load_standard().table(table_name)
    withheld = WITHHELD.get(table_name, ())
    return [f.name for f in spec.fields if not f.free_text and f.name not in withheld]


def published_columns(table_name: str) -> list[str]:
    """The columns of a standard table's published file: its published fields, then the
    source of each row when the table has no source field of its own."""
    names = published_fields(table_name)
    return names if SOURCE in names else [*names, SOURCE]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text in chunks of CHUNK_ROWS rows: the header, then ROWS."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if n % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def frame_csv(frame: pl.DataFrame, rows: int = 20_000) -> Iterator[str]:
    """FRAME as CSV in chunks (polars writes it about ten times faster than csv does)."""
    finite = frame.with_columns(pl.col(pl.Float64).fill_nan(None))
    for start in range(0, max(finite.height, 1), rows):
        yield finite.slice(start, rows).write_csv(include_header=start == 0)


def _stored_rows(engine: Engine, queries: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of QUERIES in turn, fetched from the database in batches as they are written."""
    with engine.connect() as connection:
        for query in queries:
            result = connection.execution_options(yield_per=CHUNK_ROWS).execute(query)
            for row in result:
                yield tuple(row)


def _current_landlord_measures() -> Any:
    """Social landlords' measures from the current import of each year (a replaced
    import's rows are kept, with the import marked superseded)."""
    data = DATA_TABLES["housing_landlord_measures"]
    return data.join(
        source_imports,
        (data.c.import_id == source_imports.c.id) & (source_imports.c.status == "current"),
    )


def _table_queries(table_name: str) -> list[Any]:
    names = published_fields(table_name)
    data = DATA_TABLES[table_name]
    key = [data.c[n] for n in load_standard().table(table_name).primary_key if n in names]
    if table_name == "housing_landlord_measures":
        found = select(*(data.c[n] for n in names)).select_from(_current_landlord_measures())
        return [found.order_by(*key)]
    source = submissions.c.data_source.label(SOURCE)
    queries = [
        select(*(data.c[n] for n in names), source)
        .join_from(data, submissions, data.c.submission_id == submissions.c.id)
        .order_by(*key, data.c.id)
    ]
    if table_name == "aggregate_returns":
        counted = [
            complaint_counts.c[n] if n != "service_area" else literal(None).label(n) for n in names
        ]
        queries.append(
            select(*counted, source)
            .join_from(
                complaint_counts, submissions, complaint_counts.c.submission_id == submissions.c.id
            )
            .where(complaint_counts.c.grain == COUNTED_GRAIN)
            .order_by(
                complaint_counts.c.authority_code,
                complaint_counts.c.period_start,
                complaint_counts.c.stage,
            )
        )
    return queries


def published_rows(engine: Engine) -> dict[str, int]:
    """How many rows each published file of stored data has, and how many complaints are held."""
    found = {name: count_rows(engine, name) for name in (*SUBMITTED_TABLES, "complaints")}
    counted = select(func.count()).where(complaint_counts.c.grain == COUNTED_GRAIN)
    landlords = select(func.count()).select_from(_current_landlord_measures())
    with engine.connect() as connection:
        found["aggregate_returns"] += int(connection.execute(counted).scalar_one())
        found["housing_landlord_measures"] = int(connection.execute(landlords).scalar_one())
    found["authorities"] = load_authorities().height
    found["code_lists"] = sum(len(c.codes) for c in load_standard().code_lists.values())
    return found


def indicator_values(engine: Engine) -> pl.DataFrame:
    """The indicator set by quarter and financial year, with a grain column and each
    figure's source."""
    frames = [
        compute_indicators(engine, grain).with_columns(pl.lit(grain).alias("grain"))
        for grain in INDICATOR_GRAINS
    ]
    values = with_sources(pl.concat(frames), current_data_sources(engine))
    return values.select(list(INDICATOR_FIELDS))


def download_csv(
    engine: Engine, name: str, indicators: pl.DataFrame | None = None
) -> Iterator[str]:
    """The published CSV file NAME, in chunks; KeyError for a file that is not published.

    INDICATORS may pass indicator_values(engine), already computed.
    """
    if name not in DOWNLOADS:
        raise KeyError(f"no published file {name!r} (files: {', '.join(DOWNLOADS)})")
    if name in STANDARD_TABLES:
        return csv_lines(published_columns(name), _stored_rows(engine, _table_queries(name)))
    if name == "indicators":
        values = indicator_values(engine) if indicators is None else indicators
        return frame_csv(values)
    if name == "authorities":
        return iter([authorities_path().read_text(encoding="utf-8")])
    return iter([code_lists_csv(load_standard())])


def _resource(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    item = DOWNLOADS[name]
    return {
        "name": name,
        "title": item.title,
        "description": item.description,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "licenses": list(item.licences),
        "sources": [{"title": item.attribution}],
        "schema": schema,
    }


def _source_field() -> dict[str, Any]:
    """The source column's Table Schema field: a data_source code, always there."""
    codes = load_standard().code_lists["data_source"]
    return {
        "name": SOURCE,
        "title": "Source",
        "type": "string",
        "description": "Where the row's figures came from, a code of the standard's"
        f" data_source list: {', '.join(c.code for c in codes.codes)}.",
        "constraints": {"required": True, "enum": [c.code for c in codes.codes]},
    }


def open_data_package() -> dict[str, Any]:
    """The datapackage.json describing every published file, with their licences."""
    standard = load_standard()
    package = data_package(standard)
    source = _source_field()
    resources = []
    for name in STANDARD_TABLES:
        schema = table_schema(standard, standard.table(name))
        keep = set(published_fields(name))
        schema["fields"] = [f for f in schema["fields"] if f["name"] in keep]
        if SOURCE not in keep:
            schema["fields"].append(source)
        resources.append(_resource(name, schema))
    indicator_schema = {
        "fields": [
            source if n == SOURCE else {"name": n, "type": t} for n, t in INDICATOR_FIELDS.items()
        ],
        "missingValues": [""],
    }
    resources.append(_resource("indicators", indicator_schema))
    kinds = {pl.String: "string", pl.Boolean: "boolean", pl.Int64: "integer"}
    authority_schema = {
        "fields": [
            {"name": n, "type": kinds.get(t, "number")} for n, t in AUTHORITY_SCHEMA.items()
        ],
        "primaryKey": ["gss_code"],
        "missingValues": [""],
    }
    resources.append(_resource("authorities", authority_schema))
    code_lists = next(r for r in package["resources"] if r["name"] == "code_lists")
    resources.append(_resource("code_lists", code_lists["schema"]))
    return {
        **package,
        "name": f"{standard.name}-open-data",
        "title": f"{standard.title}: open data",
        "licenses": [OGL, CC_BY],
        "resources": resources,
    }


def resolve_period(text: str) -> tuple[Grain, date]:
    """(grain, first day) of period TEXT; ValueError for a period that cannot be read."""
    found, start, _ = parse_period(text)
    return found, start
