"""Figures kept in the database (scrutiny.warning.kept): brought up to date as returns
arrive by working out only what changed, and read by a fresh process without working out
the nation again."""

from __future__ import annotations

import io
import threading
import time
from datetime import date
from functools import partial

import polars as pl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import make_complaints
from scrutiny.cli import app
from scrutiny.measures.indicators import compute_indicators, housing_finding_counts
from scrutiny.measures.landlords import landlord_rows
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.submissions import save_submission
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine
from scrutiny.store.kept_tables import kept_names, read_kept
from scrutiny.warning import kept
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.watchlist import EVERY_COUNCIL
from scrutiny.warning.watchlist import watchlist as scored

AS_OF = date(2025, 6, 30)  # the quarter the new return is for
COUNCIL = "E06000047"  # County Durham: a unitary council, in a peer group of 60 or so
OTHER = "E06000001"  # Hartlepool, another unitary council
runner = CliRunner()


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
        landlords = landlord_rows(
            read_landlord_measures(engine), housing_finding_counts(engine, "financial_year")
        )
        assert kept.landlord_rows(engine).equals(landlords.sort(kept.LANDLORD_ORDER))
        signals = kept.signals(engine, AS_OF)
        assert signals.equals(compute_signals(engine, AS_OF, indicators=every))
        assert kept.signals(engine, AS_OF, COUNCIL).equals(
            compute_signals(engine, AS_OF, authority_code=COUNCIL)
        )
        assert kept.watchlist(engine, AS_OF).equals(scored(engine, AS_OF, EVERY_COUNCIL))
        kept.refresh(engine)  # the rest the demo keeps (an earlier quarter's signals)
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
        done = kept.refresh(engine)
        assert any(name.startswith("watchlist:") for name in done.updated + done.current)
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


def _quarter(engine, authority_code: str, file_hash: str):
    """A return of 40 complaints for AUTHORITY_CODE's first quarter of 2025-26, stored."""
    return save_submission(
        engine,
        table_name="complaints",
        frame=make_complaints(40, authority_code=authority_code, first_received=date(2025, 4, 2)),
        file_name="complaints.csv",
        file_hash=file_hash * 64,
        submitted_by="test",
        period_start=date(2025, 4, 1),
        period_end=AS_OF,
    )


HOLD = 4242  # the advisory lock the test holds a write's commit on


def test_a_return_committed_after_a_later_numbered_one_is_not_missed(demo_copy):
    """PostgreSQL numbers audit entries as they are written, not as they commit: a return
    for one council still committing when another's, numbered after it, has committed and
    the figures were kept leaves the newest number as it was. The kept figures see it."""
    with demo_copy("postgresql") as url:
        engine = make_engine(url)
        kept.refresh(engine)
        with engine.begin() as connection:  # hold County Durham's write after its audit entry
            connection.execute(
                text(
                    "CREATE FUNCTION hold_write() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.detail::jsonb ->> 'authority_code' = '{COUNCIL}' THEN "
                    f"PERFORM pg_advisory_xact_lock_shared({HOLD}); END IF; RETURN NEW; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER hold_write AFTER INSERT ON audit_log "
                    "FOR EACH ROW EXECUTE FUNCTION hold_write()"
                )
            )
        holder = engine.connect()
        holder.execute(text(f"SELECT pg_advisory_lock({HOLD})"))
        late = threading.Thread(target=_quarter, args=(engine, COUNCIL, "a"))
        late.start()
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(600):
            with engine.connect() as connection:
                if connection.execute(waiting).scalar():
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("County Durham's write never reached its audit entry")
        _quarter(engine, OTHER, "b")  # numbered after County Durham's, committed first
        kept.refresh(engine)
        newest = kept.version(engine)
        holder.execute(text(f"SELECT pg_advisory_unlock({HOLD})"))
        holder.close()
        late.join()
        assert kept.version(engine) == newest, "the late write left the newest number as it was"
        again = kept.refresh(engine)
        assert again.updated and again.councils is None  # which councils: cannot be told
        quarters = kept.indicators(engine, "quarter")
        assert quarters.filter(
            (pl.col("authority_code") == COUNCIL) & (pl.col("period_start") == date(2025, 4, 1))
        ).height, "County Durham's late quarter is in the kept figures"
        assert quarters.equals(compute_indicators(engine, "quarter"))
        engine.dispose()


def test_the_figures_command_and_each_import_keep_the_kept_figures_current(demo_copy, tmp_path):
    with demo_copy("sqlite") as url:
        env = {"SCRUTINY_DATABASE_URL": url, "COLUMNS": "300"}
        engine = make_engine(url)
        names = kept_names(engine)
        assert names, "the demo keeps its figures"
        fresh = runner.invoke(app, ["figures", "refresh"], env=env)
        assert fresh.exit_code == 0, fresh.output
        assert f"kept figures: all {len(names)} current" in fresh.output
        file = tmp_path / "complaints.csv"
        make_complaints(40, authority_code=COUNCIL, first_received=date(2025, 4, 2)).write_csv(file)
        stored = runner.invoke(app, ["import", str(file), "--period", "2025-26 Q1"], env=env)
        assert stored.exit_code == 0, stored.output
        line = next(x for x in stored.output.splitlines() if x.startswith("kept figures:"))
        assert f"brought up to date for {COUNCIL} (and their peer groups' signals)" in line
        assert "0 already current" in line
        now = kept.version(engine)
        assert all(row.version == now for row in map(partial(read_kept, engine), names))
        assert kept.indicators(engine, "quarter").equals(compute_indicators(engine, "quarter"))
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_return_sent_through_the_api_brings_the_kept_figures_up_to_date_at_once(
    demo_copy, backend
):
    from conftest import make_client

    with demo_copy(backend) as url:
        engine = make_engine(url)
        user = create_user(
            engine,
            email="returns@durham.example.org",
            password="a-long-password",
            role="council_officer",
            authority_code=COUNCIL,
            actor="tests",
        )
        token = create_token(engine, user, "returns", authority_code=COUNCIL, actor="tests")
        frame = make_complaints(40, authority_code=COUNCIL, first_received=date(2025, 4, 2))
        with make_client(url) as client:
            sent = client.post(
                "/api/v1/submissions",
                files={"file": ("complaints.csv", frame.write_csv().encode(), "text/csv")},
                data={"period": "2025-26 Q1"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert sent.status_code == 201, sent.text
            client.app.state.cache.wait()  # type: ignore[attr-defined]
        now = kept.version(engine)
        for name in kept_names(engine):  # read as kept, not brought up to date by reading
            row = read_kept(engine, name)
            assert row is not None and row.version == now, name
        row = read_kept(engine, "indicators:quarter")
        assert row is not None
        assert pl.read_ipc(io.BytesIO(row.payload)).equals(compute_indicators(engine, "quarter"))
        engine.dispose()
