"""Shared fixtures and factories for the scrutiny tests."""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from scrutiny.standard import load_standard
from scrutiny.store.db import make_engine, metadata
from scrutiny.store.migrations import upgrade

if TYPE_CHECKING:
    from scrutiny.demo.build import Demo

ROOT_EXAMPLES = "examples"
POSTGRES_ADMIN_URL = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"
# The dtypes validation hands the store, by standard field type (stated here independently).
FRAME_TYPES = {
    "string": pl.String,
    "code": pl.String,
    "codes": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
}


def make_complaint(**overrides: Any) -> dict[str, Any]:
    """One valid stage 1 complaint row in the standard's shape, with OVERRIDES applied."""
    row: dict[str, Any] = {
        "authority_code": "E06000047",
        "complaint_ref": "T-0001",
        "stage": 1,
        "received_date": date(2024, 1, 8),
        "acknowledged_date": date(2024, 1, 9),
        "extension_working_days": None,
        "responded_date": date(2024, 1, 19),
        "outcome": "not_upheld",
    }
    row.update(overrides)
    return row


def complaints_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """A polars frame of complaint rows with the clock's input types."""
    return pl.DataFrame(
        list(rows),
        schema={
            "authority_code": pl.String,
            "complaint_ref": pl.String,
            "stage": pl.Int64,
            "received_date": pl.Date,
            "acknowledged_date": pl.Date,
            "extension_working_days": pl.Int64,
            "responded_date": pl.Date,
            "outcome": pl.String,
        },
    )


def typed_frame(table_name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """ROWS as validation hands them to the store: every field, in order, typed; gaps null."""
    schema = {f.name: FRAME_TYPES[f.type] for f in load_standard().table(table_name).fields}
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def make_complaints(
    count: int = 3,
    *,
    authority_code: str = "E06000047",
    first_received: date = date(2024, 4, 8),
    ref_prefix: str = "C",
    **overrides: Any,
) -> pl.DataFrame:
    """COUNT valid, typed complaint rows (one a day from FIRST_RECEIVED), OVERRIDES on every row."""
    rows = []
    for n in range(count):
        received = first_received + timedelta(days=n % 300)
        rows.append(
            {
                "authority_code": authority_code,
                "complaint_ref": f"{ref_prefix}-{n:06d}",
                "stage": 1,
                "process": "complaint_handling_code",
                "received_date": received,
                "acknowledged_date": received + timedelta(days=2),
                "extension_working_days": 0,
                "responded_date": received + timedelta(days=12),
                "acceptance": "accepted",
                "outcome": "upheld" if n % 3 == 0 else "not_upheld",
                "service_area": "housing",
                "service_subarea": "council_housing_repairs",
                "channel": "email",
                "remedies": "apology;financial_remedy" if n % 3 == 0 else None,
                "financial_remedy_gbp": 150.0 if n % 3 == 0 else None,
                "service_improvement": n % 3 == 0,
                "reasonable_adjustments": False,
                **overrides,
            }
        )
    return typed_frame("complaints", rows)


def store_year_of_complaints(
    engine: Engine, frame: pl.DataFrame, *, submitted_by: str, file_hash: str | None = None
) -> None:
    """FRAME stored as its council's return of complaints for 2024-25."""
    from scrutiny.returns.submissions import save_submission

    code = frame["authority_code"][0]
    save_submission(
        engine,
        table_name="complaints",
        frame=frame,
        file_name="complaints.csv",
        file_hash=file_hash or code[-1] * 64,
        submitted_by=submitted_by,
        period_start=date(2024, 4, 1),
        period_end=date(2025, 3, 31),
    )


def years_spanned(*days: date) -> str:
    """The run of whole financial years holding DAYS, as a return's period: a file of
    several years' rows must say so (scrutiny.returns.return_period)."""
    from scrutiny.core.periods import financial_year_bounds, financial_year_of, return_period_label

    start, _ = financial_year_bounds(financial_year_of(min(days)))
    _, end = financial_year_bounds(financial_year_of(max(days)))
    return return_period_label(start, end)


def frame_years(frame: pl.DataFrame) -> str:
    """years_spanned for every date column of FRAME."""
    days = [
        day
        for name, dtype in frame.schema.items()
        if dtype == pl.Date
        for day in frame[name].drop_nulls().to_list()
    ]
    return years_spanned(*days)


def recompressed(path: Path, target: Path) -> Path:
    """The same workbook with every part compressed again: the same figures, another file."""
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for item in source.infolist():
            out.writestr(item.filename, source.read(item))
    return target


RSH_YEARS = (
    "Regulator of Social Housing, Tenant Satisfaction Measures 2023-24",
    "Regulator of Social Housing, Tenant Satisfaction Measures 2024-25",
)
BIRMINGHAM = "E08000025"  # a council landlord: its stage 1 counts, as RSH published them
BIRMINGHAM_STAGE1 = {"2023-24": (6964, 58787), "2024-25": (5488, 58580)}


def council_landlord_rates(
    measures: pl.DataFrame,
    start: date,
    top: str,
    bottom: str,
    scale: float,
    leaving_out: str | None = None,
) -> list[float]:
    """Every council landlord's rate for its rented homes in the year starting START,
    worked out here from RSH's counts (read_landlord_measures' frame); with LEAVING_OUT,
    that council's own is left out, as its peers' figures leave it out."""
    rows = measures.filter(
        pl.col("landlord_type") == "council",
        pl.col("tenure_basis") == "lcra",
        pl.col("period_start") == start,
        pl.col("authority_code").fill_null("") != (leaving_out or "-"),
    )
    return [
        row[top] / row[bottom] * scale
        for row in rows.iter_rows(named=True)
        if row[top] is not None and row[bottom]
    ]


# Tests that take more than about five seconds (`pytest --durations=0`), marked `slow` here
# in one list so `make test-fast` can leave them out without touching their files.
SLOW = {
    "test_no_funnel_signal_calls_a_value_at_a_bound_unusual_unless_chance_makes_it_rare",
    "test_the_national_compliance_funnel_puts_no_council_at_100_percent_above_it",
    "test_a_saved_mapping_imports_the_export_from_the_command_line",
    "test_a_saved_mapping_reads_the_export_uploaded_on_the_web",
    "test_a_realistic_workbook_export_is_read_with_the_saved_proposal",
    "test_the_watchlist_shows_each_councils_real_housing_figures",
    "test_housing_ombudsman_findings_per_1000_homes_use_rsh_homes",
    "test_a_council_page_compares_its_housing_figures_with_the_peers_chosen",
    "test_reports_and_packs_from_synthetic_returns_say_so_and_real_ones_do_not",
    "test_a_council_landlords_page_shows_its_real_figures_first_with_the_source",
    "test_council_landlords_tsm_indicators_are_declared_with_the_others",
    "test_both_workbooks_store_every_councils_counts_exactly_and_reproduce_rshs_rates",
    "test_missing_value_markers_are_blanks_never_zeros",
    "test_the_same_workbook_again_changes_nothing_and_another_replaces_only_when_told",
    "test_the_tsm_download_holds_only_the_current_import_of_each_year",
    "test_the_import_command_reports_how_councils_were_matched_and_who_was_left_out",
    "test_every_main_page_reflows_and_has_no_serious_accessibility_violations",
    "test_every_corpus_file_through_the_command_line",
    "test_every_corpus_file_through_the_api",
    "test_every_corpus_file_through_the_web_upload",
    "test_no_corpus_file_takes_more_than_a_gigabyte_or_30_seconds_to_check",
    "test_a_worker_killed_under_mixed_load_costs_no_server_error_and_no_row",
    "test_a_year_of_returns_as_they_arrive_keeps_every_row_page_and_figure_right",
    "test_an_analyst_sees_the_watchlist_with_each_councils_reasons",
    "test_an_ombudsman_analyst_gets_the_national_overview",
    "test_building_the_demo_again_starts_from_a_fresh_database",
    "test_the_demo_build_logs_each_phase_and_makes_the_nation_its_seed_makes_alone",
    "test_councils_failing_compliance_in_the_demo_comply_on_time_less_than_their_peers",
    "test_demo_packs_keep_to_two_pages_even_for_the_busiest_council",
    "test_each_page_lets_in_exactly_the_visitors_its_rule_allows",
    "test_every_council_is_placed_for_an_indicator_and_none_is_ranked",
    "test_every_page_report_and_pack_is_made_from_partial_returns",
    "test_frictionless_accepts_the_published_files_and_their_data_package",
    "test_killing_an_import_midway_leaves_the_database_as_it_was",
    "test_no_request_makes_a_server_error",
    "test_ombudsman_decisions_are_near_the_national_rates",
    "test_signals_as_of_each_quarter_end_equal_the_end_of_data_computation",
    "test_one_councils_signals_are_exactly_its_share_of_every_councils",
    "test_progress_is_reported_after_each_chunk",
    "test_reports_for_several_councils_are_written_in_parallel",
    "test_signals_and_watchlist_commands_exit_2_with_a_message_on_bad_input",
    "test_signals_command_prints_one_councils_signals_as_json_and_text",
    "test_the_pdf_has_real_text_naming_every_indicator_and_watched_council",
    "test_the_reduced_evaluation_reports_every_signal_and_the_combined_score",
    "test_the_watchlist_is_a_list_by_name_with_reasons_not_a_league_table",
    "test_the_watchlist_takes_another_date",
    "test_the_explanation_of_the_score_comes_before_the_list",
    "test_no_page_shows_evidence_as_a_python_dict_or_list",
    "test_tuning_keeps_only_settings_within_the_false_alert_limit",
    "test_two_imports_at_once_for_the_same_authority_leave_one_whole_file_current",
    "test_validation_on_simulated_panels_recovers_the_effect_with_honest_intervals",
    "test_vectorised_clock_agrees_with_the_scalar_calendar",
    "test_the_annual_report_lists_the_flags_in_its_self_assessment_section",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests `slow`, the PostgreSQL variants `postgres` and the Chromium tests
    `browser`, from the list above and from what they use."""
    for item in items:
        if item.name.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)
        uses = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec else ()
        if any(value == "postgresql" for value in params) or any(
            "postgresql" in name for name in uses
        ):
            item.add_marker(pytest.mark.postgres)
        if uses & {"browser", "page"}:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def postgresql_server() -> None:
    """The PostgreSQL server is up: when it cannot be reached the tests that need it skip,
    except in CI (CI=true), where they fail: CI must prove the PostgreSQL path."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        reason = f"PostgreSQL is not reachable ({str(error).splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(f"{reason}; start it with `pg_ctlcluster 15 main start`")
    finally:
        admin.dispose()


@contextmanager
def scratch_postgresql(name: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database called NAME (any old one is dropped), empty or a copy of
    the database TEMPLATE: its URL. Dropped again afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    # WAL_LOG (PostgreSQL 15's default, said for clarity) copies without a checkpoint.
    copy = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        yield POSTGRES_ADMIN_URL.replace("/postgres?", f"/{name}?")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


def copy_sqlite(template: Path, path: Path) -> str:
    """A copy of the SQLite database TEMPLATE at PATH: its URL."""
    # The backup API copies what is still in the write-ahead log too, which a file copy would not.
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest migration, made once per session for tests to copy."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def another_sqlite(migrated_sqlite: Path, tmp_path: Path) -> Callable[[str], str]:
    """Makes more empty SQLite databases at the newest migration, by file name in the
    test's directory: `another_sqlite("other.db")` gives its URL."""
    return lambda name: copy_sqlite(migrated_sqlite, tmp_path / name)


@pytest.fixture(scope="session")
def postgresql_url(postgresql_server: None) -> Iterator[str]:
    """A PostgreSQL database for this test session, migrated to the newest migration once."""
    with scratch_postgresql(f"scrutiny_test_{os.getpid()}") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def empty_postgresql(postgresql_url: str) -> Iterator[Callable[[], None]]:
    """Empties the session's PostgreSQL database, its row ids starting again from 1.

    Deleting the few rows a test leaves takes about 15 ms; TRUNCATE takes 0.3 to 0.6 s
    (new files for every table), and copying a template database per test 0.15 s on an
    idle machine but seconds on a busy one, as every DROP DATABASE waits for a checkpoint.
    """
    engine = create_engine(postgresql_url)
    with engine.connect() as connection:
        sequences = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences"
        ).scalars()
        restart = [f"SELECT setval('{name}', 1, false)" for name in sequences]
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)]
    emptying = ";".join(deletes + restart)

    def empty() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql(emptying)

    yield empty
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the newest migration: a SQLite file of the test's own, copied
    from the session's migrated one, or the session's PostgreSQL database, emptied."""
    if request.param == "sqlite":
        return copy_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path / "scrutiny.db")
    request.getfixturevalue("empty_postgresql")()
    url: str = request.getfixturevalue("postgresql_url")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at the newest migration, of this test's own, for tests that change
    its schema or replace it whole (downgrades, restores): a SQLite file, or a PostgreSQL
    database made for the test and dropped after it."""
    if request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path / "own.db")
        return
    request.getfixturevalue("postgresql_server")
    with scratch_postgresql(f"scrutiny_own_{os.getpid()}") as url:
        upgrade(url)
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on DATABASE_URL, disposed of after the test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


# --- The web service -----------------------------------------------------------------

WEB_SCALE = 0.02  # a small synthetic nation: every page has data, the build takes seconds
# A seed whose small nation has what the tests look for by chance: Ombudsman
# recommendations at County Durham (the access and register tests) and a council with no
# complaints at all, so no return (the Isles of Scilly; the data-quality page). Seed 3 did
# until the scenarios gained effect sizes and left County Durham with none.
DEMO_SEED = 4
_demo_copies = itertools.count()


@pytest.fixture(scope="session")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The small demo, built once per session into a SQLite file that tests copy (through
    `demo_copy` or `demo_url`) and only ever read directly."""
    from scrutiny.demo.build import build_demo

    directory = tmp_path_factory.mktemp("demo-sqlite")
    return build_demo(directory, seed=DEMO_SEED, scale=WEB_SCALE)


@pytest.fixture(scope="session")
def postgresql_demo_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the PostgreSQL demo keeps its files (its evidence files among them)."""
    return tmp_path_factory.mktemp("demo-postgresql")


@pytest.fixture(scope="session")
def postgresql_demo(postgresql_server: None, postgresql_demo_directory: Path) -> Iterator[str]:
    """The same small demo built once per session into PostgreSQL, as a template database
    that tests copy and nothing connects to: its name."""
    from scrutiny.demo.build import build_demo

    name = f"scrutiny_demo_{os.getpid()}"
    with scratch_postgresql(name) as url:
        build_demo(
            postgresql_demo_directory,
            seed=DEMO_SEED,
            scale=WEB_SCALE,
            database_url=url,
        )
        yield name


@pytest.fixture(scope="session")
def demo_copy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], AbstractContextManager[str]]:
    """Copies of the session's demo for tests that change it: `with demo_copy("sqlite") as
    url:` gives a database of its own on that backend, dropped afterwards."""

    @contextmanager
    def copy(backend: str) -> Iterator[str]:
        if backend == "sqlite":
            template = Path(
                request.getfixturevalue("sqlite_demo").database_url.removeprefix("sqlite:///")
            )
            yield copy_sqlite(template, tmp_path_factory.mktemp("demo-copy") / "scrutiny.db")
            return
        template_name = request.getfixturevalue("postgresql_demo")
        with scratch_postgresql(
            f"scrutiny_demo_{os.getpid()}_{next(_demo_copies)}", template_name
        ) as url:
            yield url

    return copy


@pytest.fixture(scope="session")
def demo_evidence(request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """The evidence files folder of the session's demo on a backend: `demo_evidence("sqlite")`
    (demo copies do not copy it: copy it too when a test needs the files' bytes)."""

    def folder(backend: str) -> Path:
        if backend == "sqlite":
            database = request.getfixturevalue("sqlite_demo").database_url
            return Path(database.removeprefix("sqlite:///")).parent / "evidence-files"
        request.getfixturevalue("postgresql_demo")
        return Path(request.getfixturevalue("postgresql_demo_directory")) / "evidence-files"

    return folder


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, demo_copy: Any) -> Iterator[str]:
    """The small demo with the demo accounts, one copy per backend for the whole session.

    Read-only by convention (signing in does write a little): tests that change data use
    `database_url` or a `demo_copy` of their own.
    """
    with demo_copy(request.param) as url:
        yield url


class _PageChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.title = ""
        self.h1 = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]
        self._in_title = tag == "title"
        self.h1 += tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def check_page(html: str) -> None:
    """Every page: parses, has a title and one h1, and no id used twice."""
    checker = _PageChecker()
    checker.feed(html)
    assert checker.title.strip(), "the page has no title"
    assert checker.h1 == 1, f"the page has {checker.h1} h1 headings"
    repeated = sorted({i for i in checker.ids if checker.ids.count(i) > 1})
    assert not repeated, f"ids used more than once: {repeated}"


class PageClient(TestClient):
    """A test client that checks every HTML page it receives with check_page."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        response = super().request(*args, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            check_page(response.text)
        return response

    def form_token(self, path: str) -> str:
        """The CSRF token in the form on PATH."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text)
        assert found, f"no form with a CSRF token on {path}"
        return found.group(1)

    def sign_in(self, email: str, password: str = "demo-password") -> None:
        token = self.form_token("/sign-in")
        response = self.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]


def pdf_text(body: bytes, tmp_path: Path) -> str:
    """The words of the PDF BODY (by pdftotext), on one line."""
    path = tmp_path / "download.pdf"
    path.write_bytes(body)
    found = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return " ".join(found.stdout.split())


def make_client(database_url: str) -> PageClient:
    """A page-checking client on a fresh app over DATABASE_URL."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    return PageClient(create_app(Settings(database_url=database_url, secret_key="test")))


OFFICER = "complaints@durham.example.org"  # County Durham's officer in `officer`
OFFICER_PASSWORD = "a-long-password"


@pytest.fixture
def officer(database_url: str) -> Iterator[tuple[PageClient, Engine]]:
    """A client signed in as County Durham's complaints officer (OFFICER), on an empty
    database, and an engine on the same database."""
    from scrutiny.store.accounts import create_user

    engine = make_engine(database_url)
    create_user(
        engine,
        email=OFFICER,
        password=OFFICER_PASSWORD,
        role="council_officer",
        authority_code="E06000047",
        actor="test",
    )
    with make_client(database_url) as client:
        client.sign_in(OFFICER, OFFICER_PASSWORD)
        yield client, engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_app(demo_url: str) -> Iterator[Any]:
    """One app per demo database for the whole session, so figures it has computed and
    cached (signals take seconds) serve every test that reads the demo."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    app = create_app(Settings(database_url=demo_url, secret_key="test"))
    yield app
    app.state.cache.close()
    app.state.engine.dispose()


@pytest.fixture
def demo_client(demo_app: Any) -> Iterator[PageClient]:
    """A page-checking client, signed out (its own cookies), on the small demo database."""
    with PageClient(demo_app) as client:
        yield client
