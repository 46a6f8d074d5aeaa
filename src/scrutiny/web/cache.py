"""Results computed from the data, kept until the data changes.

Pages show figures computed over every council (indicators, funnels, peer groups), which
take tenths of a second. They only change when something is written, and every write
adds to the audit log in the same transaction, so the audit log's newest id is the data's
version: one indexed query tells whether a cached result is still right.

Each kind of result has its own key class below, with typed fields and the type of the
result it keeps, so two views sharing a result share a key by construction, and a
misspelt kind or a result of the wrong type is an error mypy reports.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Literal, TypeVar, cast

import polars as pl
from sqlalchemy import Engine, func, select

from scrutiny.measures.coverage import Coverage
from scrutiny.publish.reports.annual_inputs import ReportInputs
from scrutiny.publish.reports.national import NationalReport
from scrutiny.research.impact import ImpactStudy
from scrutiny.store.db import audit_log
from scrutiny.web.chart_views import ChartView

T = TypeVar("T")
SIZE = 2048


class CacheKey(Generic[T]):
    """A cached result's key; T is the type of the result it keeps.

    Keys are frozen dataclasses: hashable, and equal only to a key of the same class with
    the same fields.
    """


@dataclass(frozen=True)
class Page(CacheKey[bytes]):
    """A public page's body, per address, kind of visitor and day."""

    path: str
    query: str
    visitor: tuple[str, str | None] | None
    day: date


@dataclass(frozen=True)
class Indicators(CacheKey[pl.DataFrame]):
    """Every indicator for every council and period of GRAIN."""

    grain: str


@dataclass(frozen=True)
class Headlines(CacheKey[pl.DataFrame]):
    """The national headline figures for the period of GRAIN starting START."""

    grain: str
    start: date


@dataclass(frozen=True)
class DistributionChart(CacheKey[ChartView | None]):
    """The chart of one indicator's spread over councils."""

    indicator: str
    grain: str
    start: date
    highlight: str | None


@dataclass(frozen=True)
class FunnelChart(CacheKey[ChartView | None]):
    """The funnel plot of one indicator (peers matter only with a council highlighted)."""

    indicator: str
    grain: str
    start: date
    highlight: str | None
    peers: str | None


@dataclass(frozen=True)
class SpcChart(CacheKey[ChartView | None]):
    """One council's SPC chart of one indicator."""

    code: str
    indicator: str


@dataclass(frozen=True)
class Signals(CacheKey[pl.DataFrame]):
    """One council's early-warning signals as known on AS_OF (the API and dashboard share it)."""

    as_of: date
    code: str


@dataclass(frozen=True)
class Benchmark(CacheKey[pl.DataFrame]):
    """One council's indicators placed among its peers for a period."""

    code: str
    period: str
    peers: str


@dataclass(frozen=True)
class IndicatorBenchmark(CacheKey[pl.DataFrame]):
    """One indicator for every council, each among its own peers, for a period."""

    indicator: str
    period: str
    peers: str


@dataclass(frozen=True)
class Register(CacheKey[pl.DataFrame]):
    """The register of Ombudsman recommendations as it stands on DAY."""

    day: date


@dataclass(frozen=True)
class ComplianceMeasures(CacheKey[pl.DataFrame]):
    """Each council's compliance with recommendations as it stands on DAY."""

    day: date


@dataclass(frozen=True)
class Watchlist(CacheKey[pl.DataFrame]):
    """The TOP councils on the watchlist as of DAY."""

    day: date
    top: int


@dataclass(frozen=True)
class ReturnCoverage(CacheKey[Coverage]):
    """Which periods the councils' current returns cover."""


@dataclass(frozen=True)
class DefaultAsOf(CacheKey[date]):
    """The day after the stored data ends."""


@dataclass(frozen=True)
class OpenDataRows(CacheKey[dict[str, int]]):
    """How many rows each published file has."""


@dataclass(frozen=True)
class OpenDataIndicators(CacheKey[pl.DataFrame]):
    """The published indicator file's rows."""


@dataclass(frozen=True)
class ImpactStudyResult(CacheKey[ImpactStudy | str]):
    """An impact study of AREA's OUTCOME on DAY, or why there is none."""

    area: str
    outcome: str
    day: date


@dataclass(frozen=True)
class ScrutinyPackPdf(CacheKey[bytes]):
    """A councillors' scrutiny pack as PDF."""

    code: str
    period: str
    peers: str
    day: date


@dataclass(frozen=True)
class NationalReportFigures(CacheKey[NationalReport]):
    """The national overview's figures for YEAR."""

    year: str
    day: date


@dataclass(frozen=True)
class NationalReportFile(CacheKey[bytes]):
    """The national overview for YEAR, as PDF or HTML."""

    year: str
    kind: Literal["pdf", "html"]
    day: date


@dataclass(frozen=True)
class AnnualInputs(CacheKey[ReportInputs]):
    """The figures over every council that each annual report for YEAR reads."""

    year: str
    day: date


@dataclass(frozen=True)
class AnnualReport(CacheKey[Any]):
    """One council's annual report for YEAR, made by the function named MAKE."""

    make: str
    code: str
    year: str
    day: date


class DataCache:
    """A small LRU of results by (data version, key), for one engine."""

    def __init__(self, engine: Engine, size: int = SIZE) -> None:
        self.engine = engine
        self.size = size
        self._items: OrderedDict[tuple[int, CacheKey[Any]], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[int, CacheKey[Any]], threading.Lock] = {}

    def version(self) -> int:
        """The data's version: the newest audit-log entry's id (0 for none)."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.max(audit_log.c.id))).scalar() or 0)

    def get(self, key: CacheKey[T], compute: Callable[[], T], version: int | None = None) -> T:
        """The cached result for KEY at the current version, computing it when missing."""
        stamp = (self.version() if version is None else version, key)
        with self._lock:
            if stamp in self._items:
                self._items.move_to_end(stamp)
                return cast(T, self._items[stamp])
            # Requests arriving together for the same missing result wait for one
            # computation instead of each doing it.
            computing = self._computing.setdefault(stamp, threading.Lock())
        with computing:
            with self._lock:
                if stamp in self._items:
                    return cast(T, self._items[stamp])
            value = compute()
            with self._lock:
                self._items[stamp] = value
                self._computing.pop(stamp, None)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
