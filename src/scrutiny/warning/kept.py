"""Figures over every council worked out once, kept in the database and brought up to date
as returns arrive: the indicators of each grain, the signals as of a day, the watchlist.

    from scrutiny.warning import kept
    kept.indicators(engine, "quarter")           # every council's quarterly indicators
    kept.signals(engine, as_of, "E09000001")     # one council's signals, from the nation's
    kept.watchlist(engine, day)                  # every council with a score on DAY
    kept.refresh(engine)                         # bring everything kept up to date

Each is kept (scrutiny.store.kept_tables) with the data version it was worked out at: the
audit log's newest entry among FIGURE_ENTITIES, as the web's cache counts versions. A
reader whose version is behind asks the audit log which councils' figures changed since
(a return names its council; a national source names none, and then everything is
worked out again, as it is after a change to recommendations, since compliance_drift
compares every council with all the others), works out only those councils' rows
(their indicators; the signals of every council sharing a peer group with one, as signals
compare councils with their peers) and splices them in. The fingerprint of the code and of
what every council's signals share (when returns began, when follow-up began) is kept too:
when either differs, everything is worked out again.

Only what a write adds to the audit log moves the version: the follow-up signal also reads
committee reviews, which do not (the web's cache has always counted versions so).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import polars as pl
from sqlalchemy import Engine, func, select

from scrutiny.core.periods import Grain, last_complete_quarter
from scrutiny.measures import landlords
from scrutiny.measures.indicators import compute_indicators, housing_finding_counts
from scrutiny.recommendations.follow_up_lists import first_meeting
from scrutiny.recommendations.lifecycle import EVIDENCE, OUTCOME
from scrutiny.returns.source_imports import AUDIT_ENTITY as SOURCE_IMPORT_ENTITY
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.submissions import AUDIT_ENTITY as SUBMISSION_ENTITY
from scrutiny.standard import COUNCIL_TABLES
from scrutiny.store.db import audit_log, submissions
from scrutiny.store.kept_tables import KeptRow, kept_stamps, read_kept, save_kept
from scrutiny.warning import watchlist as scoring
from scrutiny.warning.signals import compute_signals, peer_groups

# What a write can change. Figures come from returns, national sources (the social housing
# regulator's measures) and from the Ombudsman's recommendations and the checks on their
# evidence. Accounts, API tokens and self-assessment answers change no figures.
FIGURE_ENTITIES = (SUBMISSION_ENTITY, SOURCE_IMPORT_ENTITY, EVIDENCE, OUTCOME)
LANDLORD_ORDER = ["landlord_code", "indicator", "period_start"]
PEERS = "type"  # the peer groups the kept signals and watchlist compare councils within
logger = logging.getLogger(__name__)
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def version(engine: Engine) -> int:
    """The figures' data version: the newest audit-log entry among FIGURE_ENTITIES (0: none)."""
    return _stamp(engine)[0]


def _stamp(engine: Engine) -> tuple[int, int]:
    """The figures' version and how many FIGURE_ENTITIES entries the audit log has, read
    together (one statement, one snapshot). PostgreSQL hands out ids when a row is
    inserted, not when it commits: a write committed after a later-numbered one leaves the
    version as it was but adds an entry, which the count shows."""
    query = select(func.max(audit_log.c.id), func.count()).where(
        audit_log.c.entity.in_(FIGURE_ENTITIES)
    )
    with engine.connect() as connection:
        newest, entries = connection.execute(query).one()
    return int(newest or 0), int(entries)


def indicators(engine: Engine, grain: Grain) -> pl.DataFrame:
    """compute_indicators(engine, GRAIN), kept."""
    return _kept(
        engine,
        f"indicators:{grain}",
        "",
        lambda: compute_indicators(engine, grain),
        lambda codes: compute_indicators(engine, grain, codes),
        ["indicator", "authority_code", "period_start"],
    )


def signals(engine: Engine, as_of: date, authority_code: str | None = None) -> pl.DataFrame:
    """compute_signals(engine, AS_OF, peers="type"), kept; with AUTHORITY_CODE, only that
    council's (from the nation's when they are kept and current, else worked out for it
    alone)."""
    name = f"signals:{as_of.isoformat()}"
    if authority_code is not None:
        found = read_kept(engine, name)
        if (
            found is None
            or (found.version, found.entries) != _stamp(engine)
            or found.recipe != _recipe(_shared(engine))
        ):
            return compute_signals(engine, as_of, peers=PEERS, authority_code=authority_code)
        return _frame(found.payload).filter(pl.col("authority_code") == authority_code)

    def some(codes: Collection[str]) -> pl.DataFrame:
        quarters = indicators(engine, "quarter")
        return compute_signals(
            engine, as_of, peers=PEERS, authority_codes=codes, indicators=quarters
        )

    def every() -> pl.DataFrame:
        quarters = indicators(engine, "quarter")
        return compute_signals(engine, as_of, peers=PEERS, indicators=quarters)

    return _kept(
        engine,
        name,
        _shared(engine),
        every,
        some,
        ["authority_code", "period_start", "signal", "severity", "sentence"],
        widen=_peers_of,
    )


def watchlist(engine: Engine, day: date) -> pl.DataFrame:
    """Every council with a score on DAY (scrutiny.warning.watchlist, every council), kept."""
    _, end = last_complete_quarter(day)
    # The watchlist as of any day of a quarter scores the same quarters, from the same
    # signals (as of the end of the last complete one): keep one per quarter.
    return _kept(
        engine,
        f"watchlist:{end.isoformat()}",
        _shared(engine),
        lambda: scoring.watchlist(engine, end, scoring.EVERY_COUNCIL, signals=signals(engine, end)),
    )


@dataclass(frozen=True)
class Refreshed:
    """What refresh did: the figures it brought up to date and those already current, the
    councils whose rows it worked out again (None: every council's) and how long it took."""

    updated: list[str]
    current: list[str]
    councils: set[str] | None
    seconds: float

    def summary(self) -> str:
        """One line: what was worked out again, for which councils, how long it took."""
        if not self.updated:
            kept = len(self.current)
            return f"kept figures: all {kept} current" if kept else "kept figures: none kept"
        if self.councils is None:
            who = "every council"
        else:
            who = ", ".join(sorted(self.councils)) or "no council"
            if any(name.startswith("signals:") for name in self.updated):
                who += " (and their peer groups' signals)"
        return (
            f"kept figures: {', '.join(self.updated)} brought up to date for {who} "
            f"in {self.seconds:.1f} s; {len(self.current)} already current"
        )


def landlord_rows(engine: Engine) -> pl.DataFrame:
    """Every council landlord's Tenant Satisfaction Measures and Housing Ombudsman findings
    per home, each year (scrutiny.measures.landlords.landlord_rows), kept: every council's
    page compares its own with them."""
    return _kept(
        engine,
        "landlords",
        "",
        lambda: landlords.landlord_rows(
            read_landlord_measures(engine), housing_finding_counts(engine, "financial_year")
        ).sort(LANDLORD_ORDER),  # in one order, as each read may give them in another
    )


def refresh(engine: Engine, *, start: bool = True) -> Refreshed:
    """Bring everything kept up to date: what changed is worked out, nothing else. With
    START, also keep what is not kept yet of the indicators, the landlords' figures and
    the latest quarter's signals and watchlist (without, keep nothing new: a cheap step
    after each import)."""
    began = time.perf_counter()
    stamps = kept_stamps(engine)
    names = list(stamps)
    if start:
        wanted = ["indicators:financial_year", "indicators:quarter", "landlords"]
        day = _latest_quarter_end(engine)
        if day is not None:
            wanted += [f"signals:{day.isoformat()}", f"watchlist:{day.isoformat()}"]
        names += [name for name in wanted if name not in stamps]
    if not names:  # nothing kept, nothing to start: an import on a fresh database
        return Refreshed([], [], set(), time.perf_counter() - began)
    now = _stamp(engine)
    recipes = {"indicators": _recipe(""), "landlords": _recipe(""), "": _recipe(_shared(engine))}

    def recipe(name: str) -> str:
        return recipes.get(name.partition(":")[0], recipes[""])

    stale = [name for name in names if stamps.get(name) != (*now, recipe(name))]
    councils: set[str] | None = set()
    for name in stale:
        if name not in stamps or stamps[name][2] != recipe(name):
            councils = None
        elif councils is not None:
            found = changed_councils(engine, stamps[name][0], stamps[name][1])
            councils = None if found is None else councils | found
        kind, _, what = name.partition(":")
        if kind == "indicators":
            indicators(engine, what)  # type: ignore[arg-type]
        elif kind == "signals":
            signals(engine, date.fromisoformat(what))
        elif kind == "watchlist":
            watchlist(engine, date.fromisoformat(what))
        elif kind == "landlords":
            landlord_rows(engine)
    current = [name for name in names if name not in stale]
    return Refreshed(stale, current, councils, time.perf_counter() - began)


def _latest_quarter_end(engine: Engine) -> date | None:
    from scrutiny.measures.coverage import read_coverage

    latest = read_coverage(engine).latest_complete("quarter")
    return latest[1] if latest else None


def _kept(
    engine: Engine,
    name: str,
    shared: str,
    every: Callable[[], pl.DataFrame],
    some: Callable[[Collection[str]], pl.DataFrame] | None = None,
    order: list[str] | None = None,
    widen: Callable[[set[str]], set[str]] | None = None,
) -> pl.DataFrame:
    """The figures kept under NAME, brought up to the current version: by working out
    SOME councils' rows (those changed, WIDENed to those they affect) and splicing them
    in ORDER, or EVERY council's when SOME cannot say or nothing usable is kept."""
    with _working_out(name):
        return _brought_up(engine, name, shared, every, some, order, widen)


def _brought_up(
    engine: Engine,
    name: str,
    shared: str,
    every: Callable[[], pl.DataFrame],
    some: Callable[[Collection[str]], pl.DataFrame] | None,
    order: list[str] | None,
    widen: Callable[[set[str]], set[str]] | None,
) -> pl.DataFrame:
    now, entries = _stamp(engine)
    recipe = _recipe(shared)
    found = read_kept(engine, name)
    if (
        found is not None
        and found.recipe == recipe
        and (found.version, found.entries)
        == (
            now,
            entries,
        )
    ):
        return _frame(found.payload)
    changed = None
    if found is not None and found.recipe == recipe and found.version <= now and some:
        changed = changed_councils(engine, found.version, found.entries)
    if changed is None or order is None or some is None:
        result = every()
    else:
        judged = widen(changed) if widen else changed
        kept = _frame(found.payload)  # type: ignore[union-attr]
        fresh = some(judged) if judged else kept.clear()
        result = pl.concat(
            [kept.filter(~pl.col("authority_code").is_in(list(judged))), fresh.select(kept.columns)]
        ).sort(order)
    save_kept(engine, KeptRow(name, now, entries, recipe, _payload(result)))
    return result


def _working_out(name: str) -> threading.Lock:
    """The lock that makes callers in one process wanting NAME at once wait for one of them
    (a background refresh after a write and a reader, say) and then read what it kept."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(name, threading.Lock())


def changed_councils(engine: Engine, since: int, seen: int | None = None) -> set[str] | None:
    """The councils whose figures changed after audit entry SINCE, or None when a change
    touched no one council (a national source) or its council cannot be told. SEEN is
    how many figure entries up to SINCE there were then: more now means one committed late
    with an id below SINCE, which cannot be told from the others (None)."""
    figures = audit_log.c.entity.in_(FIGURE_ENTITIES)
    query = (
        select(audit_log.c.entity, audit_log.c.entity_id, audit_log.c.detail)
        .where(audit_log.c.id > since, figures)
        .order_by(audit_log.c.id)
    )
    below = select(func.count()).where(audit_log.c.id <= since, figures)
    with engine.connect() as connection:
        if seen is not None and connection.execute(below).scalar() != seen:
            return None
        entries = connection.execute(query).all()
    codes: set[str] = set()
    submission_ids: set[int] = set()
    for entity, entity_id, detail in entries:
        detail = detail or {}
        if detail.get("table_name") == "recommendations" or entity in (EVIDENCE, OUTCOME):
            # Every council's compliance_drift compares it with all the others.
            return None
        if entity == SUBMISSION_ENTITY and detail.get("authority_code"):
            codes.add(str(detail["authority_code"]))
        elif entity == SUBMISSION_ENTITY and entity_id is not None:
            submission_ids.add(int(entity_id))
        else:
            return None
    found = _owners(engine, submission_ids)
    return None if found is None else codes | found


def _owners(engine: Engine, submission_ids: set[int]) -> set[str] | None:
    """The councils of SUBMISSION_IDS (None if one is missing or has none)."""
    found: set[str] = set()
    with engine.connect() as connection:
        if submission_ids:
            rows = connection.execute(
                select(submissions.c.id, submissions.c.authority_code).where(
                    submissions.c.id.in_(submission_ids)
                )
            ).all()
            if len(rows) < len(submission_ids) or any(code is None for _, code in rows):
                return None
            found |= {str(code) for _, code in rows}
    return found


def _peers_of(codes: set[str]) -> set[str]:
    """CODES and every council sharing a peer group with one of them."""
    groups = peer_groups(PEERS)
    own = groups.filter(pl.col("authority_code").is_in(list(codes)))["peer_group"]
    members = groups.filter(pl.col("peer_group").is_in(own.to_list()))["authority_code"]
    return codes | set(members.to_list())


def _shared(engine: Engine) -> str:
    """What every council's signals share: when council returns began (the return_overdue
    signal expects them from then) and when follow-up began (the follow-up signal)."""
    query = select(func.min(submissions.c.submitted_at)).where(
        submissions.c.table_name.in_(COUNCIL_TABLES)
    )
    with engine.connect() as connection:
        began = connection.execute(query).scalar()
    return f"returns {began}; follow-up {first_meeting(engine)}"


@cache
def _code() -> str:
    """A fingerprint of the code and declarations the kept figures are worked out by."""
    digest = hashlib.sha256()
    root = resources.files("scrutiny")
    for folder, pattern in (
        ("measures", "indicators.py"),
        ("measures", "landlords.py"),
        ("standard", "indicators.yaml"),
        ("warning", "watchlist.py"),
        ("warning", "kept.py"),
        ("warning/signals", "*.py"),
    ):
        path = root.joinpath(folder)
        for item in sorted(path.iterdir(), key=lambda p: p.name):
            if item.is_file() and _matches(item.name, pattern):
                digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:16]


def _matches(name: str, pattern: str) -> bool:
    return name.endswith(".py") if pattern == "*.py" else name == pattern


def _recipe(shared: str) -> str:
    return f"{_code()}|{shared}"


def _payload(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def _frame(payload: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(payload))


__all__ = [
    "FIGURE_ENTITIES",
    "Refreshed",
    "indicators",
    "landlord_rows",
    "refresh",
    "signals",
    "version",
    "watchlist",
]
