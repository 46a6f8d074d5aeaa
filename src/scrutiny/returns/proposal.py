"""A mapping proposed from a council's own export, for its officer to check and keep.

Each header is matched to a field of the standard by the field's name and title, by the
headers case systems commonly use (export_words.yaml), and by what its cells look like
(dates for a date field, most values recognised for a coded field). Each distinct value
of a coded column is matched to a code by the standard's own spellings and the words
exports commonly use. Every match has a confidence; what cannot be matched is listed for
the officer to fill in and is never guessed: a proposal is a starting point, and nothing
is applied to a return until the officer keeps it in their mapping.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from scrutiny.returns.ingest import read_cells
from scrutiny.returns.mapping import Mapping, fold, mappable, mapping_yaml, normalise_name
from scrutiny.returns.validation import FALSE_WORDS, TRUE_WORDS
from scrutiny.settings import Settings
from scrutiny.standard import Field, Table, load_standard

# A header is proposed for a field from this confidence; below it, the officer decides.
HEADER_CUTOFF = 0.75
# A value is proposed for a code from this confidence.
VALUE_CUTOFF = 0.8
# A column's cells "look like" dates, or like a field's codes, when this share of its
# distinct values do.
LOOKS_LIKE = 0.8
DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?$")
MOST_VALUES = 200  # distinct values of one column considered (more is not a coded column)
MOST_CODES = 50  # a column with more distinct values is not proposed by its values alone


@dataclass(frozen=True)
class HeaderMatch:
    header: str
    field: str | None
    confidence: float
    rows: int  # rows with a value under the header
    why: str  # "the field's title", "a common export header", ...


@dataclass(frozen=True)
class ValueMatch:
    field: str
    value: str
    code: str | None
    confidence: float
    rows: int
    why: str


@dataclass
class Proposal:
    """A proposed mapping and how sure each part of it is."""

    table: Table
    headers: list[HeaderMatch]
    values: list[ValueMatch]
    mapping: Mapping = field(default_factory=Mapping)

    def unmatched(self) -> list[str]:
        """What the officer must fill in: headers and values with no proposal."""
        found = [f'column "{h.header}"' for h in self.headers if h.field is None]
        found += [f'{v.field} value "{v.value}"' for v in self.values if v.code is None]
        return found

    def to_yaml(self) -> str:
        """The proposal as a mapping file: what was matched, then, as comments for the
        officer, each confidence and what could not be matched."""
        lines = [
            f"# Proposed by scrutiny map for the {self.table.name} table. Check every line:",
            "# a proposal is a starting point. Lines starting with # are not read.",
            mapping_yaml(self.mapping).rstrip("\n"),
            "",
            "# How sure each proposal is (1.00 is an exact match):",
        ]
        lines += [
            f"#   column {h.header!r} -> {h.field}: {h.confidence:.2f}, {h.why}"
            for h in self.headers
            if h.field
        ]
        lines += [
            f"#   {v.field} {v.value!r} -> {v.code}: {v.confidence:.2f}, {v.why}, {v.rows:,} rows"
            for v in self.values
            if v.code and v.why != "the standard's own spelling"
        ]
        missing = self.unmatched()
        if missing:
            lines += ["", "# Not matched: fill these in yourself (or leave a column out):"]
            lines += [f"#   {item}" for item in missing]
        return "\n".join(lines) + "\n"


@cache
def _export_words() -> dict[str, Any]:
    text = (resources.files("scrutiny.returns") / "export_words.yaml").read_text("utf-8")
    words: dict[str, Any] = yaml.load(text, Loader=yaml.BaseLoader)  # every word as text
    return words


def _key(text: str) -> str:
    """A header or value as compared: lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower().replace("&", " and ")).split())


@cache
def _ratio(left: str, right: str) -> float:
    """How alike two compared forms are, 0 to 1."""
    return difflib.SequenceMatcher(None, left, right).ratio()


def propose(
    path: Path, settings: Settings, *, table_name: str | None = None, sheet: str | None = None
) -> Proposal:
    """A mapping for the export at PATH (for TABLE_NAME, else the table most of its headers
    suggest)."""
    common = [word for words in _export_words()["headers"].values() for word in words]
    # The header row is found by the standard's names and by headers exports commonly use.
    frame, _, _, _, _ = read_cells(
        path, settings, sheet=sheet, extra_headers=common, with_hash=False
    )
    return propose_from_frame(frame, table_name)


def propose_from_frame(frame: pl.DataFrame, table_name: str | None = None) -> Proposal:
    """propose() for cells already read: FRAME of text under the export's own headers."""
    standard = load_standard()
    tables = [standard.table(table_name)] if table_name else list(standard.tables.values())
    best: tuple[int, float, list[HeaderMatch], Table] | None = None
    for table in tables:
        matches = _match_headers(frame, table)
        matched = [m for m in matches if m.field]
        score = (len(matched), sum(m.confidence for m in matched))
        if best is None or score > best[:2]:
            best = (*score, matches, table)
    assert best is not None
    _, _, headers, table = best
    values = [
        value
        for header in headers
        if header.field and mappable(table.field(header.field))
        for value in _match_values(frame.get_column(header.header), table.field(header.field))
    ]
    mapping = Mapping(
        columns={
            normalise_name(h.header): h.field
            for h in headers
            if h.field and normalise_name(h.header) != h.field
        },
        values=_values_to_map(values),
        written={normalise_name(h.header): h.header for h in headers},
    )
    return Proposal(table, headers, values, mapping)


def _values_to_map(values: list[ValueMatch]) -> dict[str, dict[str, str]]:
    """The matched values the standard would not read by itself, per field."""
    found: dict[str, dict[str, str]] = {}
    folded: set[tuple[str, str]] = set()  # the mapping matches values whatever their case
    for value in values:  # the most common spelling of each value first
        if value.code is None or value.why == "the standard's own spelling":
            continue
        if (value.field, fold(value.value)) not in folded:
            found.setdefault(value.field, {})[value.value] = value.code
            folded.add((value.field, fold(value.value)))
    return found


def _match_headers(frame: pl.DataFrame, table: Table) -> list[HeaderMatch]:
    """Each header's best field of TABLE, each field given to one header at most (the
    surest first)."""
    common = _export_words()["headers"]
    candidates = []
    for header in frame.columns:
        column = frame.get_column(header)
        distinct = column.drop_nulls().str.strip_chars().unique().head(MOST_VALUES)
        for spec in table.fields:
            confidence, why = _header_confidence(header, spec, common.get(spec.name, []))
            confidence, why = _checked_by_cells(confidence, why, distinct, spec)
            if confidence > 0:
                candidates.append((confidence, header, spec.name, why))
    taken_headers: dict[str, HeaderMatch] = {}
    taken_fields: set[str] = set()
    for confidence, header, name, why in sorted(candidates, key=lambda c: -c[0]):
        if header in taken_headers or name in taken_fields or confidence < HEADER_CUTOFF:
            continue
        rows = frame.get_column(header).drop_nulls().len()
        taken_headers[header] = HeaderMatch(header, name, round(confidence, 2), rows, why)
        taken_fields.add(name)
    return [
        taken_headers.get(header)
        or HeaderMatch(header, None, 0.0, frame.get_column(header).drop_nulls().len(), "")
        for header in frame.columns
    ]


def _header_confidence(header: str, spec: Field, common: list[str]) -> tuple[float, str]:
    key = _key(header)
    if key in (_key(spec.name), _key(spec.title)):
        return 1.0, "the field's name or title"
    keys = _common_headers(spec.name, tuple(common))
    if key in keys:
        return 0.95, "a header case systems commonly use"
    known = (_key(spec.name), _key(spec.title), *keys)
    close = max(_ratio(key, word) for word in known)
    inside = [w for w in known if len(w) > 3 and re.search(rf"\b{re.escape(w)}\b", key)]
    if inside:  # "Service Area Name" holds the field's title, "service area"
        return max(close * 0.9, 0.8), "holds the field's title or a common header"
    return (close * 0.9, "close to the field's title or a common header") if close else (0.0, "")


def _share(flags: pl.Series) -> float:
    """The share of FLAGS that are true."""
    return float(flags.fill_null(False).cast(pl.Float64).mean() or 0.0)  # type: ignore[arg-type]


@cache
def _common_headers(name: str, common: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_key(word) for word in common)


def _checked_by_cells(
    confidence: float, why: str, distinct: pl.Series, spec: Field
) -> tuple[float, str]:
    """CONFIDENCE (and WHY) raised or lowered by whether the column's DISTINCT values look
    like SPEC's: dates for a date field; for a coded field, mostly values it can take (a
    column can be proposed for a coded field by its values alone)."""
    if distinct.is_empty():
        return confidence, why
    if spec.type == "date" and confidence > 0:
        dated = _share(distinct.str.contains(DATE_LIKE.pattern))
        return (min(1.0, confidence + 0.05), why) if dated >= LOOKS_LIKE else (confidence / 2, why)
    if spec.pattern and confidence < HEADER_CUTOFF:
        shaped = _share(distinct.str.contains(spec.pattern))
        if shaped >= LOOKS_LIKE:  # "LA" holding E06000047 and the like
            return HEADER_CUTOFF + 0.05, "its values have the field's form"
    if mappable(spec) and distinct.len() <= MOST_CODES:
        known = [_value_code(str(v), spec, fuzzy=False)[0] is not None for v in distinct]
        if sum(known) / len(known) >= LOOKS_LIKE:
            if confidence >= HEADER_CUTOFF:
                return min(1.0, confidence + 0.05), why
            return HEADER_CUTOFF + 0.05, "its values are the field's"
    return confidence, why


def _match_values(column: pl.Series, spec: Field) -> list[ValueMatch]:
    counts = column.drop_nulls().str.strip_chars().value_counts(sort=True).head(MOST_VALUES)
    found = []
    for value, rows in counts.iter_rows():
        code, confidence, why = _value_code(str(value), spec)
        found.append(ValueMatch(spec.name, str(value), code, round(confidence, 2), rows, why))
    return found


def _value_code(value: str, spec: Field, fuzzy: bool = True) -> tuple[str | None, float, str]:
    """The code VALUE most likely means in SPEC, how sure, and why (None when unsure);
    without FUZZY, only exact and whole-word matches."""
    own = _own_spellings(spec)
    read = own.get(normalise_name(value))
    if read is not None:  # exactly as validation will read it
        return read, 1.0, "the standard's own spelling"
    key = _key(value)
    common = _common_values(spec.name)
    for code, keys in common.items():
        if key in keys:
            return code, 0.95, "a word case systems commonly use"
    best: tuple[float, str | None] = (0.0, None)
    for code, keys in common.items():
        score = _covered(key, keys)
        if fuzzy:
            score = max(score, *(_ratio(key, word_key) for word_key in keys))
        best = max(best, (score, code), key=lambda pair: pair[0])
    for spelling, code in own.items() if fuzzy else ():
        best = max(best, (_ratio(key, _key(spelling)), code), key=lambda pair: pair[0])
    if best[1] is not None and best[0] >= VALUE_CUTOFF:
        return best[1], best[0], "close to a known word"
    return None, best[0], "no close match"


def _covered(key: str, words: frozenset[str]) -> float:
    """How surely KEY means what WORDS mean, from how much of it they cover as whole words:
    "stage 1 formal" is mostly "stage 1" and "formal"; "upheld in part" is only half
    "upheld", too little to say (words of two letters or fewer must match whole)."""
    found = [w for w in words if len(w) > 2 and re.search(rf"\b{re.escape(w)}\b", key)]
    if not found:
        return 0.0
    letters = len(key.replace(" ", ""))
    covered = len(set("".join(found).replace(" ", ""))) and sum(
        len(w.replace(" ", "")) for w in _outermost(found)
    )
    return 0.6 + 0.35 * min(1.0, covered / letters)


def _outermost(found: list[str]) -> list[str]:
    """FOUND without the words that sit inside a longer one found ("upheld" in "not upheld")."""
    return [w for w in found if not any(w != other and w in other for other in found)]


@cache
def _common_values(name: str) -> dict[str, frozenset[str]]:
    """Field NAME's codes -> the compared forms of the words exports use for them."""
    words: dict[str, list[str]] = _export_words()["values"].get(name, {})
    return {code: frozenset(_key(word) for word in found) for code, found in words.items()}


@cache
def _own_spellings(spec: Field) -> dict[str, str]:
    """Every spelling of SPEC's values that validation reads by itself, normalised as it
    normalises them -> the value."""
    standard = load_standard()
    if spec.type in ("code", "codes"):
        return {
            normalise_name(spelling): code.code
            for code in standard.code_lists[spec.code_list or ""].codes
            for spelling in (code.code, code.label, *code.aliases)
        }
    if spec.type == "boolean":
        return {word: "true" for word in TRUE_WORDS} | {word: "false" for word in FALSE_WORDS}
    return {normalise_name(str(value)): str(value) for value in spec.enum}
