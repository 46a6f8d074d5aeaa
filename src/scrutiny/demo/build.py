"""The demo database: real reference data and Ombudsman decisions, and a synthetic nation.

Built the way a real one would be: every file goes through validation and the normal
import path, so the demo also proves that path end to end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from scrutiny.core.errors import ScrutinyError
from scrutiny.core.log import timed
from scrutiny.demo.backdated import add_backdated_evidence
from scrutiny.demo.drafts import add_demo_drafts
from scrutiny.demo.evidence_files import add_evidence_files
from scrutiny.demo.follow_up import add_follow_up
from scrutiny.demo.self_assessment import answer_self_assessments
from scrutiny.demo.synth import DEFAULT_SEED, generate_dataset
from scrutiny.demo.synth.timeline import FIRST_DAY, LAST_DAY
from scrutiny.reference.landlords import shipped_workbooks
from scrutiny.returns.housing_ombudsman import (
    Conversion,
    convert,
    read_findings,
    write_decisions,
)
from scrutiny.returns.source_imports import import_tsm, read_landlord_measures
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_user
from scrutiny.store.db import make_engine
from scrutiny.store.migrations import upgrade
from scrutiny.store.read import count_rows
from scrutiny.warning import kept

logger = logging.getLogger(__name__)

# The real Housing Ombudsman decisions are stored as one submission per council covering
# every year they span. Giving that period explicitly keeps it apart from the synthetic
# LGSCO decisions' financial years: two sources of the same table must not replace each
# other's submissions.
HOUSING_PERIOD = (date(2019, 4, 1), date(2027, 3, 31))
SYNTHETIC_TABLES = ("complaints", "ombudsman_decisions", "recommendations")
DEMO_USER = "demo"
# Accounts in the demo database, one per role, all with DEMO_PASSWORD. For trying the
# service on your own machine only: a real database starts with `scrutiny users create`.
DEMO_AUTHORITY = "E06000047"  # County Durham
DEMO_OTHER_AUTHORITY = "E08000025"  # Birmingham
# Councils whose synthetic self-assessment answers one item better than their data.
SELF_ASSESSING = (DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY)
DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = (
    ("admin@demo.scrutiny", "admin", None),
    ("analyst@demo.scrutiny", "ombudsman", None),
    ("officer@demo.scrutiny", "council_officer", DEMO_AUTHORITY),
    ("councillor@demo.scrutiny", "councillor", DEMO_AUTHORITY),
    ("officer@birmingham.demo.scrutiny", "council_officer", DEMO_OTHER_AUTHORITY),
)

Step = Callable[[str], None]


class DemoError(ScrutinyError, RuntimeError):
    """A demo file failed validation: a bug in the generator, never expected."""


@dataclass
class Demo:
    """What the demo build stored."""

    database_url: str
    rows: dict[str, int] = field(default_factory=dict)
    housing_matched_share: float = 0.0
    ground_truth: Path | None = None


def housing_findings_path() -> Path:
    """The shipped file of real Housing Ombudsman findings about council landlords."""
    return Path(
        str(resources.files("scrutiny.reference") / "data" / "housing_ombudsman_findings.csv")
    )


def build_demo(
    directory: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    step: Step | None = None,
    database_url: str | None = None,
) -> Demo:
    """Build a fresh demo database from real and synthetic data, with files in DIRECTORY.

    The database is DIRECTORY/scrutiny.db (SQLite, deleted first) unless DATABASE_URL
    names another one, which should be empty (benchmarks load PostgreSQL this way).
    """
    with timed(logger, "demo build", seed=seed, scale=scale) as end:
        demo = _build(directory, seed=seed, scale=scale, step=step, database_url=database_url)
        end["rows"] = sum(demo.rows.values())
        return demo


class Phases:
    """Says each phase of the build as it starts (to STEP) and logs how long the one
    before it took (`demo phase ... in N s`, its name in the record's phase field), so a
    slow build says where its time went."""

    def __init__(self, step: Step | None) -> None:
        self.step = step
        self.current: str | None = None
        self.started = time.perf_counter()

    def __call__(self, phase: str | None) -> None:
        now = time.perf_counter()
        if self.current is not None:
            ms = round((now - self.started) * 1000, 1)
            logger.info(
                "demo phase %s in %.1f s",
                self.current,
                ms / 1000,
                extra={"task": "demo phase", "phase": self.current, "duration_ms": ms},
            )
        self.current, self.started = phase, now
        if phase is not None and self.step is not None:
            self.step(phase)


def _build(
    directory: Path, *, seed: int, scale: float, step: Step | None, database_url: str | None
) -> Demo:
    say = Phases(step)
    say("preparing the database")
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "scrutiny.db"
    if database_url is None:
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
    # Larger demo scales make larger files than a council would send: allow for them.
    headroom = max(1.0, scale) * 2
    defaults = Settings()
    settings = Settings(
        database_url=database_url or f"sqlite:///{database}",
        user=DEMO_USER,
        max_file_bytes=int(defaults.max_file_bytes * headroom),
        max_rows=int(defaults.max_rows * headroom),
        # Beside the demo's SQLite file, where a service on it looks by default.
        evidence_dir=str(directory / "evidence-files"),
    )
    # The synthetic nation is made from the seed alone, in numpy and polars (which run
    # outside the GIL), so it is generated while the real data is converted and stored.
    with ThreadPoolExecutor(1, thread_name_prefix="scrutiny-synth") as pool:
        generating = pool.submit(generate_dataset, directory / "synth", seed=seed, scale=scale)
        upgrade(settings.database_url)
        engine = make_engine(settings)
        conversion = _real_data(directory, settings, engine, say)
        say("generating the synthetic nation (what is left of it)")
        dataset = generating.result()

    for table in SYNTHETIC_TABLES:
        say(f"importing synthetic {table.replace('_', ' ')}")
        # The synthetic history is one return per table for its five whole years.
        _submit(dataset.files[table], settings, engine, period=(FIRST_DAY, LAST_DAY))

    say("making the demo accounts")
    for email, role, authority in DEMO_ACCOUNTS:
        create_user(
            engine,
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            authority_code=authority,
            actor=DEMO_USER,
        )

    say("attaching synthetic evidence files")
    add_evidence_files(engine, settings, DEMO_AUTHORITY)
    say("drafting synthetic recommendations")
    add_demo_drafts(engine)
    say("sending synthetic backdated evidence")
    add_backdated_evidence(engine)
    say("adding synthetic committee follow-up of recommendations")
    add_follow_up(engine, DEMO_AUTHORITY, by=DEMO_USER)
    say("answering synthetic self-assessments, some better than the data")
    answer_self_assessments(engine, SELF_ASSESSING, actor=DEMO_USER)

    say("working out the figures kept for the watchlist and national overview")
    with timed(logger, "keeping the figures"):
        kept.refresh(engine)

    say("counting what was stored")
    rows = {table: count_rows(engine, table) for table in SYNTHETIC_TABLES}
    rows["housing_landlord_measures"] = read_landlord_measures(engine).height
    engine.dispose()
    say(None)
    return Demo(
        database_url=settings.database_url,
        rows=rows,
        housing_matched_share=conversion.matched_share,
        ground_truth=dataset.files.get("ground_truth"),
    )


def _real_data(directory: Path, settings: Settings, engine: Engine, say: Phases) -> Conversion:
    """Store the real Housing Ombudsman decisions and social landlords' TSM figures."""
    say("converting real Housing Ombudsman findings")
    conversion = convert(read_findings(housing_findings_path()))
    housing = write_decisions(conversion, directory / "housing_ombudsman_decisions.csv")
    say("importing real Housing Ombudsman decisions")
    _submit(housing, settings, engine, period=HOUSING_PERIOD, data_source="housing_ombudsman")

    for workbook in shipped_workbooks():
        say(f"importing real Tenant Satisfaction Measures ({workbook.name})")
        import_tsm(workbook, settings, engine, imported_by=DEMO_USER)
    return conversion


def _submit(
    path: Path,
    settings: Settings,
    engine: Engine,
    period: tuple[date, date] | None = None,
    data_source: str = "synthetic",
) -> None:
    start, end = period or (None, None)
    result = submit_return(
        path,
        settings,
        engine,
        submitted_by=settings.user,
        period_start=start,
        period_end=end,
        data_source=data_source,
    )
    if not result.stored:
        raise DemoError(f"{path} did not validate:\n{result.report.to_text()[:4000]}")
