"""Results computed from the data, kept until the data changes.

Pages show figures computed over every council (indicators, funnels, peer groups), which
take tenths of a second. They only change when something is written, and every write
adds to the audit log in the same transaction, so the audit log's newest id is the data's
version: one indexed query tells whether a cached result is still right.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, func, select

from scrutiny.store.db import audit_log

T = TypeVar("T")
SIZE = 2048


class DataCache:
    """A small LRU of results by (data version, key), for one engine."""

    def __init__(self, engine: Engine, size: int = SIZE) -> None:
        self.engine = engine
        self.size = size
        self._items: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[int, Hashable], threading.Lock] = {}

    def version(self) -> int:
        """The data's version: the newest audit-log entry's id (0 for none)."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.max(audit_log.c.id))).scalar() or 0)

    def get(self, key: Hashable, compute: Callable[[], T], version: int | None = None) -> T:
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
