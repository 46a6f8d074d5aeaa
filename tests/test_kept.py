"""Figures kept in the database (scrutiny.warning.kept): brought up to date as returns
arrive by working out only what changed, and read by a fresh process without working out
the nation again."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from conftest import make_complaints
from scrutiny.measures.indicators import compute_indicators
from scrutiny.returns.submissions import save_submission
from scrutiny.store.db import make_engine
from scrutiny.store.kept_tables import kept_names, read_kept
from scrutiny.warning import kept
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.watchlist import EVERY_COUNCIL
from scrutiny.warning.watchlist import watchlist as scored

AS_OF = date(2025, 6, 30)  # the quarter the new return is for
COUNCIL = "E06000047"  # County Durham: a unitary council, in a peer group of 60 or so


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kept_figures_after_a_new_return_equal_working_out_every_council_again(demo_copy, backend):
    with demo_copy(backend) as url:
        engine = make_engine(url)
        kept.signals(engine, AS_OF)
        kept.watchlist(engine, AS_OF)
        before = kept.version(engine)
        kept_then = read_kept(engine, "indicators:quarter")
        assert kept_then is not None and kept_then.version == before
        save_submission(
            engine,
            table_name="complaints",
            frame=make_complaints(40, authority_code=COUNCIL, first_received=date(2025, 4, 2)),
            file_name="complaints.csv",
            file_hash="k" * 64,
            submitted_by="test",
            period_start=date(2025, 4, 1),
            period_end=AS_OF,
        )
        assert kept.changed_councils(engine, before) == {COUNCIL}
        quarters = kept.indicators(engine, "quarter")
        every = compute_indicators(engine, "quarter")
        assert quarters.equals(every)
        assert quarters.filter(
            (pl.col("authority_code") == COUNCIL) & (pl.col("period_start") == date(2025, 4, 1))
        ).height, "the new quarter's indicators are there"
        assert kept.indicators(engine, "financial_year").equals(
            compute_indicators(engine, "financial_year")
        )
        signals = kept.signals(engine, AS_OF)
        assert signals.equals(compute_signals(engine, AS_OF, indicators=every))
        assert kept.signals(engine, AS_OF, COUNCIL).equals(
            compute_signals(engine, AS_OF, authority_code=COUNCIL)
        )
        assert kept.watchlist(engine, AS_OF).equals(scored(engine, AS_OF, EVERY_COUNCIL))
        for name in kept_names(engine):
            row = read_kept(engine, name)
            assert row is not None and row.version == kept.version(engine), name
        engine.dispose()


def test_a_national_source_or_an_unknown_owner_means_working_out_everything(demo_copy):
    with demo_copy("sqlite") as url:
        engine = make_engine(url)
        assert kept.changed_councils(engine, kept.version(engine)) == set()
        # The demo loaded the social housing regulator's measures: a national source.
        assert kept.changed_councils(engine, 0) is None
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_fresh_app_serves_the_watchlist_from_storage_without_working_out_signals(
    demo_copy, backend, monkeypatch
):
    from conftest import make_client

    with demo_copy(backend) as url:
        engine = make_engine(url)
        names = kept.refresh(engine)
        assert any(name.startswith("watchlist:") for name in names)
        engine.dispose()

        def refused(*args, **kwargs):
            raise AssertionError("signals were worked out, not read")

        monkeypatch.setattr(kept, "compute_signals", refused)
        monkeypatch.setattr(kept, "compute_indicators", refused)
        client = make_client(url)
        with client:
            client.sign_in("analyst@demo.scrutiny")
            page = client.get("/ombudsman/watchlist")
            assert page.status_code == 200
            assert "on watch" in page.text.lower()
            council = client.get(f"/councils/{COUNCIL}")
            assert council.status_code == 200
