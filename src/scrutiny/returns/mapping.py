"""A council's mapping: how its case system's export says what the standard says.

A mapping file is YAML, kept by the council and reused every quarter::

    sheet: Complaints            # optional: the workbook's sheet to read
    header_row: 3                # optional: the row the headers are on, as the sheet shows it
    columns:                     # the council's header: the standard's field
      Case Ref: complaint_ref
      Complaint Stage: stage
    values:                      # per field: the council's word: the standard's code
      stage:
        Stage 1 - Formal: 1
        Stage 2 - Review: 2
      service_area:
        Waste & Recycling: environment_and_public_protection

Every scalar is read as text (so `Yes` stays the word Yes, not true). Values are matched
ignoring case and surrounding spaces; a value not in the map falls through to the
standard's own spellings and its did-you-mean. A mapped value that the field could never
take is an error in the mapping file, named with its line. A plain mapping of headers to
fields, without `columns:`, is still read as the columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.standard import Field, Table, load_standard

SECTIONS = ("sheet", "header_row", "columns", "values")
DEFAULT_NAME = "default"  # the saved mapping an upload is read with when none is named
WHOLE_NUMBER = re.compile(r"^\d+$")


class MappingError(FileUnreadable):
    """The mapping file itself is wrong: it names its line and what to write instead."""


@dataclass(frozen=True)
class Mapping:
    """A council's mapping, checked against the standard."""

    columns: dict[str, str] = field(default_factory=dict)  # header, normalised -> field
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {word: code}
    sheet: str | None = None
    header_row: int | None = None  # 1-based, as the spreadsheet shows it
    source: str = "mapping"  # the file name or saved name, for messages
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, folded) -> line
    written: dict[str, str] = field(default_factory=dict)  # normalised header -> as written

    @property
    def empty(self) -> bool:
        return not (self.columns or self.values or self.sheet or self.header_row)


def fold(value: str) -> str:
    """How a council's value is matched: case and surrounding spaces ignored (as polars
    lowers case, so a value and its mapping fold alike)."""
    return value.strip().lower()


def normalise_name(name: str) -> str:
    """Lower case, with runs of spaces, hyphens and underscores as one underscore."""
    return re.sub(r"[\s\-_]+", "_", name.strip().strip('"').lower()).strip("_")


def mappable(spec: Field) -> bool:
    """Whether a field's values can be mapped: codes, yes/no answers and enumerations."""
    return spec.type in ("code", "codes", "boolean") or bool(spec.enum)


def load_mapping(path: Path) -> Mapping:
    """The mapping file at PATH, checked (MappingError, naming the line, when it is wrong)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileUnreadable(f"cannot read the mapping file {path}: {error}") from error
    return parse_mapping(text, path.name)


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """A mapping from its YAML TEXT; SOURCE names it in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        raise MappingError(f"{source} is not YAML: {error}") from error
    if root is None:
        return Mapping(source=source)
    top = _pairs(root, source, "the mapping file")
    keys = {key for key, _, _ in top}
    if not keys & set(SECTIONS):  # the old form: headers to fields, nothing else
        top = [("columns", root, 1)]
    unknown = sorted(keys - set(SECTIONS)) if keys & set(SECTIONS) else []
    if unknown:
        line = next(line for key, _, line in top if key == unknown[0])
        raise MappingError(
            f"{source} line {line}: '{unknown[0]}' is not a section of a mapping; "
            f"use {', '.join(SECTIONS)}"
        )
    sections = {key: (node, line) for key, node, line in top}
    columns, written = _columns(sections, source)
    values, lines = _values(sections, source)
    sheet = _scalar(sections, "sheet", source)
    row = _scalar(sections, "header_row", source)
    if row is not None and (not WHOLE_NUMBER.match(row) or int(row) < 1):
        line = sections["header_row"][1]
        raise MappingError(f"{source} line {line}: header_row must be a row number, not '{row}'")
    return Mapping(
        columns=columns,
        values=values,
        sheet=sheet,
        header_row=int(row) if row is not None else None,
        source=source,
        lines=lines,
        written=written,
    )


def _pairs(node: yaml.Node, source: str, what: str) -> list[tuple[str, yaml.Node, int]]:
    """A YAML mapping node's (key, value node, line) entries."""
    if not isinstance(node, yaml.MappingNode):
        raise MappingError(
            f"{source} line {node.start_mark.line + 1}: {what} must be a list of "
            "'name: value' lines"
        )
    found = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise MappingError(f"{source} line {key.start_mark.line + 1}: a key must be text")
        found.append((str(key.value), value, key.start_mark.line + 1))
    return found


def _scalar(sections: dict[str, tuple[yaml.Node, int]], name: str, source: str) -> str | None:
    if name not in sections:
        return None
    node, line = sections[name]
    if not isinstance(node, yaml.ScalarNode):
        raise MappingError(f"{source} line {line}: {name} must be one value")
    return str(node.value).strip() or None


def _columns(
    sections: dict[str, tuple[yaml.Node, int]], source: str
) -> tuple[dict[str, str], dict[str, str]]:
    if "columns" not in sections:
        return {}, {}
    known = {f.name for t in load_standard().tables.values() for f in t.fields}
    columns, written = {}, {}
    for header, node, line in _pairs(sections["columns"][0], source, "columns"):
        name = node.value if isinstance(node, yaml.ScalarNode) else None
        if name not in known:
            raise MappingError(
                f"{source} line {line}: '{header}' maps to '{name}', which is not a field "
                "of the standard; see the field names at /standard"
            )
        columns[normalise_name(header)] = str(name)
        written[normalise_name(header)] = header
    return columns, written


def _values(
    sections: dict[str, tuple[yaml.Node, int]], source: str
) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], int]]:
    if "values" not in sections:
        return {}, {}
    # A field name can be in more than one table (outcome, say): a value may be any of
    # theirs, and validation checks it against the table the file turns out to be.
    fields: dict[str, list[Field]] = {}
    for table in load_standard().tables.values():
        for spec in table.fields:
            fields.setdefault(spec.name, []).append(spec)
    values: dict[str, dict[str, str]] = {}
    lines: dict[tuple[str, str], int] = {}
    for name, node, line in _pairs(sections["values"][0], source, "values"):
        specs = [spec for spec in fields.get(name, []) if mappable(spec)]
        if not specs:
            what = "a field without a fixed set of values" if name in fields else "not a field"
            raise MappingError(
                f"{source} line {line}: values are mapped for coded fields only, and "
                f"'{name}' is {what}"
            )
        for word, target, at in _pairs(node, source, f"the values of {name}"):
            code = str(target.value) if isinstance(target, yaml.ScalarNode) else ""
            values.setdefault(name, {})[word] = _any_of(specs, word, code, source, at)
            lines[(name, fold(word))] = at
    return values, lines


def _any_of(specs: list[Field], word: str, target: str, source: str, line: int) -> str:
    """TARGET as the first of SPECS that can take it writes it; else the first's error."""
    refused: list[MappingError] = []
    for spec in specs:
        try:
            return _checked(spec, word, target, source, line)
        except MappingError as error:
            refused.append(error)
    raise refused[0]


def _checked(spec: Field, word: str, target: str, source: str, line: int) -> str:
    """TARGET as the standard writes it, or a MappingError when SPEC can never take it."""
    standard = load_standard()
    if spec.type in ("code", "codes"):
        codes = standard.code_lists[spec.code_list or ""]
        spellings = {
            normalise_name(s): c.code for c in codes.codes for s in (c.code, c.label, *c.aliases)
        }
        code = spellings.get(normalise_name(target))
        if code is None:
            raise MappingError(
                f"{source} line {line}: '{word}' maps to '{target}', which is not in the "
                f"{spec.code_list} code list; use one of {', '.join(codes.values())}"
            )
        return code
    if spec.type == "boolean":
        answer = target.strip().lower()
        if answer not in ("true", "false"):
            raise MappingError(
                f"{source} line {line}: '{word}' maps to '{target}'; {spec.name} is "
                "yes or no, so write true or false"
            )
        return answer
    allowed = [str(value) for value in spec.enum]
    if target.strip() not in allowed:
        raise MappingError(
            f"{source} line {line}: '{word}' maps to '{target}'; {spec.name} is one of "
            f"{', '.join(allowed)}"
        )
    return target.strip()


def apply_values(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """FRAME (text cells named after the standard's fields) with each mapped value
    replaced by its code; values the mapping does not name are left as they were."""
    changes = []
    for name, written in mapping.values.items():
        if name not in frame.columns or not written:
            continue
        words = {fold(word): code for word, code in written.items()}
        folded = pl.col(name).str.strip_chars().str.to_lowercase()
        changes.append(
            pl.when(folded.is_in(list(words)))
            .then(folded.replace_strict(words, default=None, return_dtype=pl.String))
            .otherwise(pl.col(name))
            .alias(name)
        )
    return frame.with_columns(changes) if changes else frame


def with_mapping_hints(issues: pl.DataFrame, table: Table, source: str | None) -> pl.DataFrame:
    """ISSUES whose value a council's own word might explain (a code, a yes or no, a stage
    not in the standard's spelling), each with the mapping entry that would read it."""
    coded = [spec.name for spec in table.fields if mappable(spec)]
    where = f"in {source}" if source else "in a mapping file (see --mapping)"
    hint = pl.format(
        ' If "{}" is your case system\'s own word, say once what it means {}: under values:, '
        '{}: "{}": followed by the standard\'s value.',
        pl.col("value"),
        pl.lit(where),
        pl.col("column"),
        pl.col("value"),
    )
    applies = (
        pl.col("rule").is_in(["code_list", "type"])
        & pl.col("column").is_in(coded)
        & pl.col("value").is_not_null()
    )
    return issues.with_columns(
        pl.when(applies).then(pl.col("fix") + hint).otherwise(pl.col("fix")).alias("fix")
    )


def mapping_yaml(mapping: Mapping, comments: dict[str, str] | None = None) -> str:
    """MAPPING written as a mapping file (the council's headers as it wrote them)."""
    lines = []
    if mapping.sheet:
        lines.append(f"sheet: {_quoted(mapping.sheet)}")
    if mapping.header_row:
        lines.append(f"header_row: {mapping.header_row}")
    if mapping.columns:
        lines.append("columns:")
        for header, name in mapping.columns.items():
            lines.append(f"  {_quoted(mapping.written.get(header, header))}: {name}")
    if mapping.values:
        lines.append("values:")
        for name, words in mapping.values.items():
            lines.append(f"  {name}:")
            lines += [f"    {_quoted(word)}: {code}" for word, code in words.items()]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """TEXT as a YAML key or value that reads back as the same text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
