"""Every file of the bad-input corpus (tests/corpus.py) through the command line, the web
upload and the API: each gets its expected outcome, nothing crashes, nothing takes more
than 30 seconds, and no command uses more than 1 GB of memory (issue 16)."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import bad_inputs
import pytest
from typer.testing import CliRunner

from conftest import copy_sqlite, make_client
from corpus import CASES, Case, write_all
from scrutiny.cli import app
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine

SECONDS = 30
MEMORY_BYTES = 1 << 30
EXIT_CODES = {"unreadable": 2, "refused": 1, "warned": 0, "accepted": 0}
# The council each table's corpus files are for (the aggregate return is Birmingham's).
AUTHORITY = {"complaints": DEMO_AUTHORITY, "aggregate_returns": DEMO_OTHER_AUTHORITY}
COUNCIL_CASES = [case for case in CASES if case.council_sends]


def ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def test_the_corpus_has_over_a_hundred_kinds_of_file_of_every_outcome():
    counts = Counter(case.outcome for case in CASES)
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)
    assert min(counts.values()) >= 10, counts


def check_issues(case: Case, issues: list[dict[str, object]]) -> None:
    """The issues reported for CASE are its expected outcome."""
    errors = [issue for issue in issues if issue["severity"] == "error"]
    found = {(issue["row"], issue["column"], issue["rule"]) for issue in issues}
    match case.outcome:
        case "unreadable":
            assert [issue["rule"] for issue in issues] == ["unreadable"], issues
            assert isinstance(case.expect, str) and case.expect in str(issues[0]["message"])
        case "refused":
            assert case.expect in found, issues
        case "warned":
            assert case.expect in found and not errors, issues
        case "accepted":
            assert issues == [], issues


def test_every_corpus_file_through_the_command_line(tmp_path):
    # In this process, for speed: the same command, exit codes and output as a shell gets.
    failures = []
    for case, path in zip(CASES, write_all(tmp_path), strict=True):
        started = time.perf_counter()
        run = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
        try:
            assert run.exception is None or isinstance(run.exception, SystemExit), run.exception
            assert run.exit_code == EXIT_CODES[case.outcome], run.output
            assert time.perf_counter() - started < SECONDS
            check_issues(case, json.loads(run.stdout))
        except AssertionError as error:
            failures.append(f"{case.name}: {error}")
    assert not failures, "\n".join(failures)


def test_no_corpus_file_takes_more_than_a_gigabyte_or_30_seconds_to_check(tmp_path):
    # In a fresh process each, on the files most likely to need much: every workbook and
    # every file over 100 kB.
    heavy = [p for p in write_all(tmp_path) if p.suffix == ".xlsx" or p.stat().st_size > 1e5]
    assert len(heavy) >= 10

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(heavy, pool.map(bad_inputs.validate, heavy), strict=True))
    assert all(seconds < SECONDS for _, seconds, _ in runs.values()), runs
    assert all(0 < used < MEMORY_BYTES for _, _, used in runs.values()), runs


@pytest.fixture(scope="module")
def councils(tmp_path_factory, migrated_sqlite):
    """For each council the corpus is about: a web client on one empty SQLite database,
    signed in as the council's officer, with an API token for it as `token`."""
    url = copy_sqlite(migrated_sqlite, tmp_path_factory.mktemp("corpus") / "scrutiny.db")
    engine = make_engine(url)
    clients = {}
    with ExitStack() as stack:
        for number, authority in enumerate(AUTHORITY.values()):
            email = f"officer{number}@corpus.example.org"
            user = create_user(
                engine,
                email=email,
                password="a-long-password",
                role="council_officer",
                authority_code=authority,
                actor="tests",
            )
            client = stack.enter_context(make_client(url))
            client.sign_in(email, "a-long-password")
            client.token = create_token(  # type: ignore[attr-defined]
                engine, user, "corpus", authority_code=authority, actor="tests"
            )
            clients[authority] = client
        yield clients
    engine.dispose()


@pytest.mark.parametrize("case", COUNCIL_CASES, ids=ids(COUNCIL_CASES))
def test_every_corpus_file_through_the_api(councils, case):
    client = councils[AUTHORITY[case.table]]
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/submissions",
        files={"file": (case.name, case.content(), "application/octet-stream")},
        data={"dry_run": "true"},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert time.perf_counter() - started < SECONDS
    # Refused: 422, or 403 when the rows are for a council other than the token's.
    expected = {"unreadable": (422,), "refused": (422, 403)}.get(case.outcome, (200,))
    assert answer.status_code in expected, answer.text
    body = answer.json()
    check_issues(case, body["issues"])
    assert not body["stored"]


@pytest.mark.parametrize("case", COUNCIL_CASES, ids=ids(COUNCIL_CASES))
def test_every_corpus_file_through_the_web_upload(councils, case):
    authority = AUTHORITY[case.table]
    client = councils[authority]
    token = client.form_token(f"/council/{authority}/returns")
    started = time.perf_counter()
    page = client.post(
        f"/council/{authority}/returns",
        data={"csrf_token": token, "table": "", "period": ""},
        files={"file": (case.name, case.content(), "application/octet-stream")},
    )
    assert time.perf_counter() - started < SECONDS
    if case.outcome in ("warned", "accepted"):
        assert page.status_code == 200, page.text
        assert "Check before storing" in page.text
    else:
        assert page.status_code in (400, 403), page.text
        assert "govuk-error-summary" in page.text
        if case.outcome == "unreadable":
            assert "The file cannot be read" in page.text
        else:
            row, column, _ = case.expect
            # Rows for another council are refused before the rest is shown, by row.
            other_council = column == "authority_code" and f"rows {row})" in page.text
            assert f"Row {row}, column {column}" in page.text or other_council
