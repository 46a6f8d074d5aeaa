"""Early-warning signals: per council and financial quarter, what looks wrong and why.

    from scrutiny.warning.signals import compute_signals
    found = compute_signals(engine, as_of=date(2024, 9, 30))

Each row is one signal: authority_code, the quarter (period_start, period_end), signal
(a code, below), severity (1 a warning, 2 a serious one), a sentence a councillor can
read, and evidence (a JSON object: the figures, the peer group, the rule that fired, the
decisions or recommendations concerned).

The signals, what each means, when it is serious, what it weighs on the watchlist and
the question it raises are declared once in scrutiny.warning.signals.registry (the page
docs/early-warning-signals.md is generated from it); compute_signals runs the detectors
the registry names.

**As of a date.** Every quarter is judged as it could have been at its own end, and only
what was known on AS_OF is used: quarters ending after AS_OF are left out; decisions,
recommendations (agreed or due) and complaint counts dated after it are ignored; a
recommendation's compliance is judged from its dates (completed on or before the due
date), never from a status recorded later. The data's own dates say when something
happened, so a return loaded after AS_OF about earlier quarters is still read (history
loaded in bulk is history). Where only the arrival of a return can tell, for the
return_overdue signal, submissions made after AS_OF are ignored.

May import what scrutiny.warning may: core, settings, reference, standard, store, returns,
measures and recommendations (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import quarter_label
from scrutiny.measures.indicators import compute_indicators
from scrutiny.reference.authorities import load_authorities
from scrutiny.reference.peers import PARTITION_METHODS
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs
from scrutiny.warning.signals.ombudsman import read_decisions, read_recommendations
from scrutiny.warning.signals.registry import codes, detectors
from scrutiny.warning.signals.rows import SIGNAL_SCHEMA, empty
from scrutiny.warning.signals.xmr_rules import MINIMUM_POINTS

# Signals compare every council with its own group at once, so only methods that split
# councils into groups will do.
PEER_METHODS = PARTITION_METHODS

__all__ = [
    "PEER_METHODS",
    "SIGNAL_SCHEMA",
    "codes",
    "compute_signals",
    "peer_groups",
    "quarter_label",
]


def peer_groups(method: str = "type") -> pl.DataFrame:
    """Each current council's peer group, named as scrutiny.reference.peers names it."""
    councils = load_authorities().filter("current")
    kind = pl.col("type").str.replace_all("_", " ")
    if method == "type":
        name = pl.lit("all ") + kind + pl.lit(" councils")
    elif method == "region":
        name = kind + pl.lit(" councils in ") + pl.col("region")
    else:
        raise ValueError(f"signals compare councils by {' or '.join(PEER_METHODS)}")
    return councils.select(pl.col("gss_code").alias("authority_code"), name.alias("peer_group"))


def compute_signals(
    engine: Engine,
    as_of: date | None = None,
    *,
    peers: str = "type",
    authority_code: str | None = None,
    authority_codes: Collection[str] | None = None,
    indicators: pl.DataFrame | None = None,
    minimum_points: int = MINIMUM_POINTS,
) -> pl.DataFrame:
    """Every signal for every council and complete quarter up to AS_OF (default today).

    PEERS is type (default) or region. INDICATORS may pass compute_indicators(engine,
    "quarter") already computed, to reuse it for several dates. With AUTHORITY_CODE, only
    that council's signals, computed from its own figures and its peer group's (the same
    signals as for every council, without charting every other council); AUTHORITY_CODES
    does the same for several councils.
    """
    as_of = as_of or date.today()
    groups = peer_groups(peers)
    values = indicators if indicators is not None else compute_indicators(engine, "quarter")
    values = values.filter(pl.col("period_end") <= as_of)
    # With AUTHORITY_CODE, only its decisions and recommendations are read.
    recommendations = read_recommendations(engine, as_of, authority_code)
    decisions = read_decisions(engine, as_of, authority_code)
    among = own = values
    codes = [authority_code] if authority_code is not None else authority_codes
    if codes is not None:
        # Every signal but return_overdue is judged per council or per peer group, so
        # narrowing the inputs changes nothing for these councils.
        codes = list(codes)
        mine = pl.col("authority_code").is_in(codes)
        group = groups.filter(mine)["peer_group"]
        members = groups.filter(pl.col("peer_group").is_in(group.to_list()))["authority_code"]
        among = values.filter(pl.col("authority_code").is_in(members.to_list()))
        own = values.filter(mine)
        # compliance_drift compares a council with every other council's recommendations:
        # several councils are judged against all of them (one alone as it always was).
        if recommendations.height and authority_code is not None:
            recommendations = recommendations.filter(mine)
        if decisions.height:
            decisions = decisions.filter(mine)
    inputs = SignalInputs(
        engine=engine,
        as_of=as_of,
        values=own,
        peer_values=among,
        groups=groups,
        decisions=decisions,
        recommendations=recommendations,
        minimum_points=minimum_points,
    )
    found = [_detected(detector, inputs, entries) for detector, entries in detectors().items()]
    signals = pl.concat([f for f in found if f.height] or [empty()])
    signals = signals.filter(pl.col("period_end") <= as_of)
    if codes is not None:
        signals = signals.filter(pl.col("authority_code").is_in(codes))
    # Sentences break ties, so the order never depends on how the inputs were read.
    return signals.sort("authority_code", "period_start", "signal", "severity", "sentence")


def _detected(
    detector: Detector, inputs: SignalInputs, entries: tuple[SignalEntry, ...]
) -> pl.DataFrame:
    """DETECTOR's signals for ENTRIES only, each sentence followed by its signal's caveat."""
    rows = detector.run(inputs, entries).filter(pl.col("signal").is_in([e.code for e in entries]))
    caveats = {e.code: e.caveat for e in entries if e.caveat}
    if not caveats or rows.is_empty():
        return rows
    caveat = pl.col("signal").replace_strict(caveats, default="")
    return rows.with_columns(
        pl.when(caveat != "")
        .then(pl.col("sentence") + " " + caveat)
        .otherwise(pl.col("sentence"))
        .alias("sentence")
    )
