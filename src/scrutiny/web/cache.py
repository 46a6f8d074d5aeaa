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

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

import polars as pl
from sqlalchemy import Engine, func, select
from starlette.datastructures import URL
from starlette.types import Scope as AsgiScope

from scrutiny.measures.coverage import Coverage
from scrutiny.publish.reports.annual_inputs import ReportInputs
from scrutiny.publish.reports.national import NationalReport
from scrutiny.publish.reports.pack import ScrutinyPack
from scrutiny.research.impact import ImpactStudy
from scrutiny.store.db import audit_log
from scrutiny.warning.kept import FIGURE_ENTITIES, Refreshed
from scrutiny.web.chart_views import ChartView

T = TypeVar("T")
SIZE = 2048
# What a write can change: FIGURE_ENTITIES (scrutiny.warning.kept, which keeps the figures
# over every council in the database at the same version); reports and packs also show
# the council's self-assessment.
Scope = Literal["figures", "all"]
# Where a request's state keeps the data version it has read, per scope.
VERSION_STATE: dict[Scope, str] = {"figures": "data_version", "all": "data_version_all"}
logger = logging.getLogger(__name__)


class CacheKey(Generic[T]):
    """A cached result's key; T is the type of the result it keeps.

    Keys are frozen dataclasses: hashable, and equal only to a key of the same class with
    the same fields. SCOPE is what the result depends on (see DataCache.version); STALE_OK
    says a reader who has not just written may be served the result of the version before
    while the new one is worked out.
    """

    scope: ClassVar[Scope] = "figures"
    stale_ok: ClassVar[bool] = False


@dataclass(frozen=True)
class Page(CacheKey[bytes]):
    """A public page's body, per address, kind of visitor and day."""

    stale_ok = True

    path: str
    query: str
    visitor: tuple[str, str | None] | None
    day: date

    @classmethod
    def of(cls, scope: AsgiScope, visitor: tuple[str, str | None] | None) -> Page:
        """The key of the page a request asks for (its address and query), for VISITOR
        today: the one way both the views and the cached-page fast path make it."""
        url = URL(scope=scope)
        return cls(url.path, url.query, visitor, date.today())


@dataclass(frozen=True)
class Indicators(CacheKey[pl.DataFrame]):
    """Every indicator for every council and period of GRAIN."""

    stale_ok = True

    grain: str


@dataclass(frozen=True)
class LandlordRows(CacheKey[pl.DataFrame]):
    """Every landlord's TSM measures and findings per home, each year."""

    stale_ok = True


@dataclass(frozen=True)
class LandlordFunnel(CacheKey[ChartView | None]):
    """The funnel plot of one landlord measure: a council among the landlords it chose."""

    stale_ok = True

    indicator: str
    start: date
    highlight: str
    peers: str


@dataclass(frozen=True)
class Headlines(CacheKey[pl.DataFrame]):
    """The national headline figures for the period of GRAIN starting START."""

    stale_ok = True

    grain: str
    start: date


@dataclass(frozen=True)
class DistributionChart(CacheKey[ChartView | None]):
    """The chart of one indicator's spread over councils."""

    stale_ok = True

    indicator: str
    grain: str
    start: date
    highlight: str | None


@dataclass(frozen=True)
class FunnelChart(CacheKey[ChartView | None]):
    """The funnel plot of one indicator (peers matter only with a council highlighted)."""

    stale_ok = True

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
class TrendChart(CacheKey[ChartView | None]):
    """One council's small multiples of every indicator, five years up to YEAR."""

    code: str
    year: str


@dataclass(frozen=True)
class CouncilSources(CacheKey[pl.DataFrame]):
    """Where one council's figures come from (scrutiny.measures.sources.council_sources)."""

    code: str


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

    stale_ok = True

    indicator: str
    period: str
    peers: str


@dataclass(frozen=True)
class Register(CacheKey[pl.DataFrame]):
    """The register of Ombudsman recommendations as it stands on DAY (only council CODE's
    with a CODE: a council's page reads its own without the nation's)."""

    day: date
    code: str | None = None


@dataclass(frozen=True)
class ComplianceMeasures(CacheKey[pl.DataFrame]):
    """Each council's compliance with recommendations as it stands on DAY (only council
    CODE's with a CODE)."""

    day: date
    code: str | None = None


@dataclass(frozen=True)
class Watchlist(CacheKey[pl.DataFrame]):
    """Every council on the watchlist as of DAY (pages filter it and keep the top)."""

    stale_ok = True

    day: date


@dataclass(frozen=True)
class KeptFigures(CacheKey[Refreshed]):
    """The figures kept in the database brought up to this version (scrutiny.warning.kept),
    in the background after a write, so the next reader finds them current."""


@dataclass(frozen=True)
class TooFewToJudge(CacheKey[pl.DataFrame]):
    """Councils with too few recommendations due to judge compliance, as of DAY."""

    day: date


@dataclass(frozen=True)
class ReturnCoverage(CacheKey[Coverage]):
    """Which periods the councils' current returns cover."""


@dataclass(frozen=True)
class DataSources(CacheKey[set[str]]):
    """Where the current returns came from (synthetic demo data, council returns...)."""


@dataclass(frozen=True)
class DefaultAsOf(CacheKey[date]):
    """The day after the stored data ends."""


@dataclass(frozen=True)
class OpenDataRows(CacheKey[dict[str, int]]):
    """How many rows each published file has."""

    stale_ok = True


@dataclass(frozen=True)
class OpenDataIndicators(CacheKey[pl.DataFrame]):
    """The published indicator file's rows."""

    stale_ok = True


@dataclass(frozen=True)
class ImpactStudyResult(CacheKey[ImpactStudy | str]):
    """An impact study of AREA's OUTCOME on DAY, or why there is none."""

    stale_ok = True

    area: str
    outcome: str
    day: date


@dataclass(frozen=True)
class ScrutinyPackFigures(CacheKey[ScrutinyPack]):
    """A councillors' scrutiny pack: its items and figures, for the PDF and the web page."""

    scope = "all"

    code: str
    period: str
    peers: str
    day: date


@dataclass(frozen=True)
class ScrutinyPackPdf(CacheKey[bytes]):
    """The PDF of the scrutiny pack kept under PACK."""

    scope = "all"

    pack: ScrutinyPackFigures


@dataclass(frozen=True)
class NationalReportFigures(CacheKey[NationalReport]):
    """The national overview's figures for YEAR."""

    stale_ok = True

    year: str
    day: date


@dataclass(frozen=True)
class NationalReportFile(CacheKey[bytes]):
    """The national overview for YEAR, as PDF or HTML."""

    stale_ok = True

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

    scope = "all"

    make: str
    code: str
    year: str
    day: date


class DataCache:
    """A small LRU of results by (data version, key), for one engine.

    The data version is the newest audit-log entry (every write adds one in its own
    transaction) among the entities a key's result depends on (its SCOPE): a
    self-assessment answer leaves every figure cached. After a write, a result whose key
    allows it (STALE_OK: the figures over every council, which take seconds) is served
    from the version before while one background thread works out the new one, so no
    reader waits for someone else's write; a reader who has written (FRESH_FROM, kept in
    their session) always gets results at least as new as their own write.
    """

    def __init__(self, engine: Engine, size: int = SIZE, background: bool = True) -> None:
        self.engine = engine
        self.size = size
        self.background = background
        self._items: OrderedDict[tuple[int, CacheKey[Any]], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[int, CacheKey[Any]], threading.Lock] = {}
        self._refreshing: set[tuple[int, CacheKey[Any]]] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._local = threading.local()

    def version(self, scope: Scope = "figures") -> int:
        """The data's version for SCOPE: the newest audit-log entry's id (0 for none)."""
        query = select(func.max(audit_log.c.id))
        if scope == "figures":
            query = query.where(audit_log.c.entity.in_(FIGURE_ENTITIES))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def peek(self, key: CacheKey[T], version: int) -> T | None:
        """The result kept for KEY at VERSION, or None: never computes, never waits."""
        with self._lock:
            found = self._items.get((version, key))
        return cast(T | None, found)

    def get(
        self,
        key: CacheKey[T],
        compute: Callable[[], T],
        version: int | None = None,
        fresh_from: int | None = None,
    ) -> T:
        """The cached result for KEY at the current version, computing it when missing.

        With FRESH_FROM given (a reader's own last write, or 0) and a key that allows it,
        a result of an earlier version no older than FRESH_FROM is returned at once and
        the current one computed in the background.
        """
        stamp = (self.version(key.scope) if version is None else version, key)
        with self._lock:
            if stamp in self._items:
                self._items.move_to_end(stamp)
                return cast(T, self._items[stamp])
            stale = self._stale(stamp, fresh_from)
            if stale is not None:
                self._refresh(stamp, compute)
                return cast(T, stale)
            # Requests arriving together for the same missing result wait for one
            # computation instead of each doing it.
            computing = self._computing.setdefault(stamp, threading.Lock())
        return self._compute(stamp, compute, computing)

    def refresh(self, key: CacheKey[T], compute: Callable[[], T]) -> None:
        """Work out KEY's result at the current version in the background, unless it is
        there already (after a write, for the next reader); at once without background."""
        stamp = (self.version(key.scope), key)
        with self._lock:
            if stamp in self._items:
                return
            if self.background:
                self._refresh(stamp, compute)
                return
            computing = self._computing.setdefault(stamp, threading.Lock())
        self._compute(stamp, compute, computing)

    def _compute(
        self, stamp: tuple[int, CacheKey[T]], compute: Callable[[], T], computing: threading.Lock
    ) -> T:
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

    def _stale(self, stamp: tuple[int, CacheKey[Any]], fresh_from: int | None) -> Any | None:
        """The newest earlier result for STAMP's key that may stand in for it, if any
        (called holding the lock)."""
        version, key = stamp
        if fresh_from is None or not key.stale_ok or not self.background:
            return None
        if getattr(self._local, "refreshing", False):
            return None  # a background refresh builds only on current results
        found = [v for (v, k) in self._items if k == key and fresh_from <= v < version]
        return self._items[(max(found), key)] if found else None

    def _refresh(self, stamp: tuple[int, CacheKey[T]], compute: Callable[[], T]) -> None:
        """Compute STAMP's result in the background, once (called holding the lock)."""
        if stamp in self._refreshing:
            return
        self._refreshing.add(stamp)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="scrutiny-cache")
        computing = self._computing.setdefault(stamp, threading.Lock())

        def run() -> None:
            self._local.refreshing = True
            try:
                self._compute(stamp, compute, computing)
            except Exception:  # the next reader computes it and sees the error
                logger.exception("background refresh of %s failed", type(stamp[1]).__name__)
                with self._lock:
                    self._computing.pop(stamp, None)
            finally:
                self._local.refreshing = False
                with self._lock:
                    self._refreshing.discard(stamp)

        self._executor.submit(run)

    def wait(self) -> None:
        """Wait for background refreshes to finish (for tests and shutdown)."""
        executor = self._executor
        if executor is not None:
            executor.submit(lambda: None).result()

    def close(self) -> None:
        """Finish background refreshes and stop their thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


class ReaderCache:
    """The DataCache as one reader sees it: FRESH_FROM is the version of their own last
    write (0 for none), so they may be served an earlier result no older than that."""

    def __init__(
        self, cache: DataCache, fresh_from: int, known: dict[str, Any] | None = None
    ) -> None:
        self.cache = cache
        self.fresh_from = fresh_from
        # The request's state, when the data version may be read once for the whole
        # request (a GET): its views then share one answer instead of a query each.
        self.known = known

    def version(self, scope: Scope = "figures") -> int:
        if self.known is None:
            return self.cache.version(scope)
        name = VERSION_STATE[scope]
        if name not in self.known:
            self.known[name] = self.cache.version(scope)
        return int(self.known[name])

    def get(self, key: CacheKey[T], compute: Callable[[], T], version: int | None = None) -> T:
        return self.cache.get(key, compute, version, fresh_from=self.fresh_from)
