"""The standard's rules that look across rows: known authorities, uniqueness, and a
stage 2 complaint's stage 1 row. Each turns a rule into issue rows over the whole frame."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from scrutiny.reference.authorities import load_authorities
from scrutiny.standard import Rule, Table
from scrutiny.standard.rules import ROW, applicable_rules, empty_issues, issue_rows

TableRule = Callable[[Rule, Table, pl.DataFrame, date], pl.DataFrame]


def _known_authority(rule: Rule, table: Table, frame: pl.DataFrame, today: date) -> pl.DataFrame:
    name = rule.params["field"]
    councils = load_authorities()
    current = councils.filter("current").get_column("gss_code")
    pattern = table.field(name).pattern or ".*"
    # Check each distinct code once (there are a few hundred), then find their rows.
    codes = frame.get_column(name).drop_nulls().unique()
    wrong = codes.filter(codes.str.contains(f"^(?:{pattern})$") & ~codes.is_in(current.implode()))
    if wrong.is_empty():
        return empty_issues()
    unknown = frame.lazy().select(ROW, name).filter(pl.col(name).is_in(wrong.implode())).collect()
    former = councils.filter(~pl.col("current")).join(
        councils.select(
            pl.col("gss_code").alias("replaced_by_gss_code"), pl.col("name").alias("successor")
        ),
        on="replaced_by_gss_code",
        how="left",
    )
    explained = unknown.join(
        former.select(
            pl.col("gss_code").alias(name), "name", "successor", "replaced_by_gss_code", "end_date"
        ),
        on=name,
        how="left",
    )
    message = (
        pl.when(pl.col("successor").is_not_null())
        .then(
            pl.format(
                "{} was {}, now part of {} ({}).",
                pl.col(name),
                pl.col("name"),
                pl.col("successor"),
                pl.col("replaced_by_gss_code"),
            )
        )
        .otherwise(pl.lit("Not the GSS code of a current English principal council."))
    )
    fix = (
        pl.when(pl.col("successor").is_not_null())
        .then(pl.format("Use {}.", pl.col("replaced_by_gss_code")))
        .otherwise(pl.lit("Look the council up with: scrutiny authorities NAME"))
    )
    return issue_rows(
        explained, pl.lit(True), name, pl.col(name), rule.severity, rule.id, message, fix
    ).collect()


def key_hash(keys: list[str]) -> pl.Expr:
    """One 64-bit hash of the KEYS columns together: each hashed alone, then the hashes."""
    return pl.struct([pl.col(key).hash() for key in keys]).hash()


def repeated_keys(
    frame: pl.DataFrame, keys: list[str], hashed: Callable[[list[str]], pl.Expr] = key_hash
) -> pl.DataFrame:
    """The rows of FRAME (ROW and KEYS) whose KEYS, all readable, another row repeats.

    Screened by hash first: each key column hashed alone and the hashes hashed together
    (0.01 s on a million rows; a struct of the keys themselves is 0.25 s there, as the
    parsed columns are cut into different chunks), and counting distinct hashes is 0.05 s
    where is_duplicated on the keys is 0.45 s. Distinct hashes mean distinct keys, so a
    file with none repeated stops there. Otherwise only the rows sharing a hash can repeat
    each other, and they are compared by their keys exactly: two different keys with the
    same hash are never reported.
    """
    # A row with a key that could not be read already has its own error: it repeats
    # nothing (two bad stages are not "the same stage").
    readable = frame.lazy().filter(pl.all_horizontal(pl.col(keys).is_not_null()))
    hashes = readable.select(ROW, hashed(keys).alias("__key")).collect()
    if hashes.get_column("__key").n_unique() == hashes.height:
        return pl.DataFrame(schema={name: frame.schema[name] for name in (ROW, *keys)})
    candidates = hashes.filter(pl.col("__key").is_duplicated()).get_column(ROW)
    return (
        readable.select(ROW, *keys)
        .filter(pl.col(ROW).is_in(candidates.implode()))
        .filter(pl.struct(keys).is_duplicated())
        .collect()
    )


def _unique(rule: Rule, table: Table, frame: pl.DataFrame, today: date) -> pl.DataFrame:
    keys = list(rule.params["fields"])
    repeated = repeated_keys(frame, keys)
    if repeated.is_empty():
        return empty_issues()
    labelled = repeated.with_columns(pl.col(ROW).min().over(keys).alias("__first"))
    value = pl.concat_str([pl.col(key).cast(pl.String) for key in keys], separator=" / ")
    return issue_rows(
        labelled,
        pl.col(ROW) != pl.col("__first"),
        next((key for key in keys if key != "authority_code"), keys[0]),
        value,
        rule.severity,
        rule.id,
        pl.format("The same {} as row {}.", pl.lit(" / ".join(keys)), pl.col("__first")),
        "Remove the repeated row, or give each complaint its own reference.",
    ).collect()


def _stage_one_present(rule: Rule, table: Table, frame: pl.DataFrame, today: date) -> pl.DataFrame:
    keys = ["authority_code", "complaint_ref"]
    if not (frame.get_column("stage") == 2).any():
        return empty_issues()
    rows = frame.lazy().select(ROW, "stage", *keys).collect()
    stage_two = rows.filter(pl.col("stage") == 2)
    stage_one = rows.filter(pl.col("stage") == 1).select(keys)
    orphans = stage_two.join(stage_one, on=keys, how="anti")
    return issue_rows(
        orphans,
        pl.lit(True),
        "complaint_ref",
        pl.col("complaint_ref"),
        rule.severity,
        rule.id,
        "A stage 2 complaint with no stage 1 row in this file.",
        "Include the stage 1 row, or check the complaint reference matches.",
    ).collect()


TABLE_RULES: dict[str, TableRule] = {
    "known_authority": _known_authority,
    "unique": _unique,
    "stage_one_present": _stage_one_present,
}


def table_rule_issues(
    table: Table, frame: pl.DataFrame, today: date, columns: set[str]
) -> list[pl.DataFrame]:
    """Issues from the rules that look across rows (uniqueness, references, authorities)."""
    return [
        TABLE_RULES[rule.kind](rule, table, frame, today)
        for rule in applicable_rules(table, columns)
        if rule.kind in TABLE_RULES
    ]
