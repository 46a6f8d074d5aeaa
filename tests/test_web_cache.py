"""The figures cache after a write (issue 15): only what the write changes goes stale, and
a reader who did not write is never kept waiting for it."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import transaction
from scrutiny.web.cache import CacheKey, DataCache, ReaderCache


@dataclass(frozen=True)
class Slow(CacheKey[int]):
    """A result over every council: may be served from the version before."""

    stale_ok = True


@dataclass(frozen=True)
class Own(CacheKey[int]):
    """One council's result: always current."""


def write(engine, entity: str) -> None:
    with transaction(engine) as connection:
        record_audit_entry(connection, actor="t", action="test", entity=entity, entity_id=1)


def test_a_self_assessment_answer_leaves_every_figure_cached(engine):
    cache = DataCache(engine)
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    first = cache.get(Own(), count)
    write(engine, "self_assessment_item")
    write(engine, "user")
    assert cache.get(Own(), count) == first
    assert calls == [1]
    write(engine, "submission")
    assert cache.get(Own(), count) == 2
    cache.close()


def test_after_a_write_others_get_the_figures_from_before_while_the_new_ones_are_made(engine):
    cache = DataCache(engine)
    assert cache.get(Slow(), lambda: 1, fresh_from=0) == 1
    write(engine, "submission")
    release = threading.Event()

    def slow_new_figures() -> int:
        release.wait(10)
        return 2

    reader = ReaderCache(cache, fresh_from=0)
    assert reader.get(Slow(), slow_new_figures) == 1  # at once, while 2 is being made
    assert reader.get(Own(), lambda: 7) == 7  # one council's figures are never stale
    release.set()
    cache.wait()
    assert reader.get(Slow(), lambda: 3) == 2  # the background result, not a third
    cache.close()


def test_the_reader_who_wrote_waits_for_figures_that_include_their_write(engine):
    cache = DataCache(engine)
    assert cache.get(Slow(), lambda: 1, fresh_from=0) == 1
    write(engine, "submission")
    writer = ReaderCache(cache, fresh_from=cache.version("all"))
    assert writer.get(Slow(), lambda: 2) == 2
    cache.close()


def test_a_background_refresh_that_fails_leaves_the_next_reader_to_compute(engine):
    cache = DataCache(engine)
    cache.get(Slow(), lambda: 1, fresh_from=0)
    write(engine, "submission")

    def broken() -> int:
        raise RuntimeError("the database went away")

    assert cache.get(Slow(), broken, fresh_from=0) == 1
    cache.wait()
    assert cache.get(Slow(), lambda: 5) == 5
    cache.close()
