"""The data standard as Python objects, read from the YAML declaration beside this file.

The YAML files are the single source of truth. Everything else (validator, Data Package,
JSON Schema, CSV templates, documentation) is derived from the objects built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal, get_args

import yaml

from scrutiny.core.errors import ScrutinyError

FIELD_TYPES = ("string", "integer", "number", "boolean", "date", "code", "codes")
LIST_SEPARATOR = ";"
RULE_KINDS = (
    "known_authority",
    "unique",
    "date_order",
    "not_in_future",
    "required_when",
    "blank_unless",
    "subarea_in_area",
    "maximum_by_stage",
    "stage_one_present",
    "not_more_than",
    "sum_not_more_than",
    "compliance_matches_dates",
    "median_fits_total",
)
# How much a broken rule matters: an error stops a file being stored; a warning does not.
Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
# The tables a council sends about its own complaints; the Ombudsman sends the others
# (decisions and recommendations), so the web and the API refuse them from a council.
CouncilTable = Literal["complaints", "aggregate_returns"]
COUNCIL_TABLES: tuple[CouncilTable, ...] = get_args(CouncilTable)
# Fields some rule kinds read without naming them in the declaration.
IMPLIED_FIELDS = {
    "maximum_by_stage": ("stage",),
    "stage_one_present": ("authority_code", "complaint_ref", "stage"),
    "compliance_matches_dates": ("compliance_status", "completed_date", "due_date"),
}


class StandardError(ScrutinyError, ValueError):
    """The declaration itself is inconsistent."""


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    description: str = ""
    parent: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    name: str
    description: str
    codes: tuple[Code, ...]

    def values(self) -> list[str]:
        """The codes, in declared order."""
        return [code.code for code in self.codes]


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    type: str
    description: str
    required: bool = False
    code_list: str | None = None
    pattern: str | None = None
    enum: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    limit: str | None = None  # the named limit the maximum comes from (see Limit)
    max_length: int | None = None
    free_text: bool = False
    example: str = ""


@dataclass(frozen=True)
class Limit:
    """The largest plausible value of a kind of number, and why: declared once in
    tables.yaml and named by every field it bounds."""

    name: str
    maximum: float
    reason: str


@dataclass(frozen=True)
class Condition:
    """The 'when' or 'unless' part of a rule: a field's value is in a set, present, or positive."""

    field: str
    values: tuple[Any, ...] = ()
    present: bool = False
    positive: bool = False


@dataclass(frozen=True)
class Rule:
    kind: str
    severity: Severity
    params: dict[str, Any]

    @property
    def id(self) -> str:
        """A stable identifier such as 'date_order:received_date:responded_date'."""
        names = [
            str(self.params[key])
            for key in ("field", "earlier", "later", "total")
            if key in self.params
        ]
        names += [str(name) for name in self.params.get("fields", [])]
        return ":".join([self.kind, *names])

    @property
    def fields(self) -> list[str]:
        """Every field the rule reads, named or implied by its kind."""
        names = [
            str(self.params[key])
            for key in ("field", "earlier", "later", "total", "count", "parent_field")
            if key in self.params
        ]
        names += [str(name) for name in self.params.get("fields", [])]
        names += [condition.field for condition in self.conditions]
        return names + list(IMPLIED_FIELDS.get(self.kind, ()))

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The conditions of a required_when (all must hold) or blank_unless rule."""
        raw = self.params.get("when") or self.params.get("unless")
        if raw is None:
            return ()
        return tuple(
            Condition(
                field=item["field"],
                values=tuple(item.get("in", ())),
                present=bool(item.get("present", False)),
                positive=bool(item.get("positive", False)),
            )
            for item in (raw if isinstance(raw, list) else [raw])
        )


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...]
    primary_key: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        """The field called NAME."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name!r}")

    def field_names(self) -> list[str]:
        """Field names in declared (and template column) order."""
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    version: str
    description: str
    licence: dict[str, str]
    sources: tuple[dict[str, str], ...]
    code_lists: dict[str, CodeList]
    tables: dict[str, Table] = field(default_factory=dict)
    limits: dict[str, Limit] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        """The table called NAME, with a helpful error for a wrong name."""
        try:
            return self.tables[name]
        except KeyError:
            known = ", ".join(self.tables)
            raise KeyError(f"no table {name!r} in the standard (tables: {known})") from None


# libyaml's parser when PyYAML was built with it (the wheels are): the standard's 2,700
# lines take 0.02 s to read with it, 0.2 s with the pure-Python parser, on every command.
# The same safe constructors either way, so the same values.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(name: str) -> Any:
    """The YAML file NAME beside the standard, read with the safe loader."""
    text = (resources.files("scrutiny.standard") / name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_SAFE_LOADER)


def _code_lists(raw: dict[str, Any]) -> dict[str, CodeList]:
    lists = {}
    for name, body in raw.items():
        codes = tuple(
            Code(
                code=item["code"],
                label=item["label"],
                description=item.get("description", ""),
                parent=item.get("parent"),
                aliases=tuple(item.get("aliases", ())),
            )
            for item in body["codes"]
        )
        lists[name] = CodeList(name=name, description=body["description"].strip(), codes=codes)
    return lists


def _field(raw: dict[str, Any], limits: dict[str, Limit]) -> Field:
    limit = limits.get(raw.get("limit", ""))
    if raw.get("limit") and limit is None:
        raise StandardError(f"field {raw['name']}: unknown limit {raw['limit']!r}")
    return Field(
        name=raw["name"],
        title=raw["title"],
        type=raw["type"],
        description=raw["description"].strip(),
        required=bool(raw.get("required", False)),
        code_list=raw.get("code_list"),
        pattern=raw.get("pattern"),
        enum=tuple(raw.get("enum", ())),
        minimum=raw.get("minimum"),
        maximum=limit.maximum if limit else None,
        limit=limit.name if limit else None,
        max_length=raw.get("max_length"),
        free_text=bool(raw.get("free_text", False)),
        example=str(raw.get("example", "")),
    )


def _rule(raw: dict[str, Any]) -> Rule:
    params = {key: value for key, value in raw.items() if key not in ("kind", "severity")}
    return Rule(kind=raw["kind"], severity=raw["severity"], params=params)


def _check(standard: Standard) -> None:
    """Fail loudly if the declaration refers to things that do not exist."""
    problems = []
    for table in standard.tables.values():
        names = set(table.field_names())
        for f in table.fields:
            if f.type not in FIELD_TYPES:
                problems.append(f"{table.name}.{f.name}: unknown type {f.type!r}")
            if f.type in ("integer", "number") and not f.enum and f.maximum is None:
                problems.append(f"{table.name}.{f.name}: a number needs a limit (see limits)")
            if f.type in ("code", "codes") and f.code_list not in standard.code_lists:
                problems.append(f"{table.name}.{f.name}: unknown code list {f.code_list!r}")
        for key in table.primary_key:
            if key not in names:
                problems.append(f"{table.name}: primary key field {key!r} is not a field")
        for rule in table.rules:
            if rule.kind not in RULE_KINDS:
                problems.append(f"{table.name}: unknown rule kind {rule.kind!r}")
            if rule.severity not in SEVERITIES:
                problems.append(f"{table.name}: rule {rule.id} has severity {rule.severity!r}")
            missing = [name for name in rule.fields if name not in names]
            if missing:
                problems.append(f"{table.name}: rule {rule.id} names unknown fields {missing}")
    for name in COUNCIL_TABLES:
        if name not in standard.tables:
            problems.append(f"councils send {name}, which is not a table")
    for code_list in standard.code_lists.values():
        values = code_list.values()
        if len(values) != len(set(values)):
            problems.append(f"code list {code_list.name} repeats a code")
        for code in code_list.codes:
            if code.parent and code.parent not in standard.code_lists["service_area"].values():
                problems.append(f"{code_list.name}.{code.code}: unknown parent {code.parent!r}")
    if problems:
        raise StandardError("the standard's declaration is inconsistent:\n" + "\n".join(problems))


@cache
def load_standard() -> Standard:
    """The Complaint Handling Performance Data Standard, read and checked once."""
    raw = read_yaml("tables.yaml")
    code_lists = _code_lists(read_yaml("code_lists.yaml"))
    limits = {
        name: Limit(name=name, maximum=body["maximum"], reason=body["reason"].strip())
        for name, body in raw["limits"].items()
    }
    tables = {
        name: Table(
            name=name,
            title=body["title"],
            description=body["description"].strip(),
            fields=tuple(_field(item, limits) for item in body["fields"]),
            rules=tuple(_rule(item) for item in body.get("rules", [])),
            primary_key=tuple(body.get("primary_key", ())),
        )
        for name, body in raw["tables"].items()
    }
    standard = Standard(
        name=raw["name"],
        title=raw["title"],
        version=str(raw["version"]),
        description=raw["description"].strip(),
        licence=raw["licence"],
        sources=tuple(raw.get("sources", ())),
        code_lists=code_lists,
        tables=tables,
        limits=limits,
    )
    _check(standard)
    return standard
