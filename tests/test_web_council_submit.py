"""A council's return sent on the web page and through the API meets one policy: the
same size limit, file-name cleaning, check of other councils' rows and message."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import escape

from conftest import PageClient, make_complaints
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.returns.submissions import list_submissions
from scrutiny.returns.submit import safe_file_name
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine
from scrutiny.store.read import count_rows
from scrutiny.web import create_app

RETURNS = Path(__file__).parent / "returns"
OFFICER = "complaints@durham.example.org"
PASSWORD = "a-long-password"
LIMIT = 4_000  # bytes: small enough for a test file to pass it


@pytest.fixture
def both(database_url):
    """A client signed in as Durham's officer, with an API token for Durham too."""
    engine = make_engine(database_url)
    user = create_user(
        engine,
        email=OFFICER,
        password=PASSWORD,
        role="council_officer",
        authority_code=DEMO_AUTHORITY,
        actor="test",
    )
    token = create_token(engine, user, "uploads", authority_code=DEMO_AUTHORITY, actor="test")
    settings = Settings(database_url=database_url, secret_key="test", max_file_bytes=LIMIT)
    with PageClient(create_app(settings)) as client:
        client.sign_in(OFFICER, PASSWORD)
        client.token = token  # type: ignore[attr-defined]
        yield client, engine
    engine.dispose()


def on_the_web(client, name: str, content: bytes):
    form = client.form_token(f"/council/{DEMO_AUTHORITY}/returns")
    return client.post(
        f"/council/{DEMO_AUTHORITY}/returns",
        data={"csrf_token": form, "table": ""},
        files={"file": (name, content, "text/csv")},
    )


def through_the_api(client, name: str, content: bytes):
    return client.post(
        "/api/v1/submissions",
        files={"file": (name, content, "text/csv")},
        headers={"Authorization": f"Bearer {client.token}"},
    )


def complaints(authority: str = DEMO_AUTHORITY, rows: int = 3, prefix: str = "A") -> bytes:
    frame = make_complaints(rows, authority_code=authority, ref_prefix=prefix)
    return frame.write_csv().encode()


def mixed() -> bytes:
    """Durham's rows, then three of another council's."""
    return complaints() + complaints(DEMO_OTHER_AUTHORITY, prefix="B").split(b"\n", 1)[1]


def ombudsman_table() -> bytes:
    header = "ombudsman,decision_ref,authority_code,decision_date,category,outcome\n"
    return (header + f"lgsco,24 000 001,{DEMO_AUTHORITY},2024-06-01,housing,upheld\n").encode()


def too_large() -> bytes:
    return complaints(rows=200)


@pytest.mark.parametrize(
    ("bad", "api_status", "words"),
    [
        (mixed, 403, "3 rows for other councils"),
        (ombudsman_table, 403, "comes from the Ombudsman"),
        (too_large, 413, "The file must be smaller than"),
    ],
)
def test_the_web_page_and_the_api_refuse_the_same_file_with_the_same_message(
    both, bad, api_status, words
):
    client, engine = both
    content = bad()
    api = through_the_api(client, "bad.csv", content)
    assert api.status_code == api_status, api.text
    message = api.json()["detail"]
    assert words in message
    page = on_the_web(client, "bad.csv", content)
    assert page.status_code == 400
    assert str(escape(message)) in page.text
    assert list_submissions(engine) == []


def test_the_api_still_lists_each_other_councils_row(both):
    client, engine = both
    body = through_the_api(client, "mixed.csv", mixed()).json()
    rows = [i["row"] for i in body["issues"] if i["rule"] == "token_authority"]
    assert rows == [5, 6, 7]
    assert count_rows(engine, "complaints") == 0


def test_both_ways_keep_the_same_clean_file_name(both):
    client, engine = both
    name = "..\\Q1 <returns>/../complaints;2024.csv"
    assert through_the_api(client, name, complaints()).status_code == 201
    assert on_the_web(client, name, complaints(prefix="C")).status_code == 200
    names = {s.file_name for s in list_submissions(engine)}
    assert names == {safe_file_name(name)} == {"complaints_2024.csv"}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("complaints.csv", "complaints.csv"),
        ("C:\\Users\\officer\\Q1 (final).xlsx", "Q1 (final).xlsx"),
        ("../../etc/passwd", "passwd"),
        ("<script>.csv", "_script_.csv"),
        ("", "return.csv"),
        (None, "return.csv"),
        ("...", "return.csv"),
        ("a" * 300 + ".csv", "a" * 100),
    ],
)
def test_a_file_name_is_kept_without_its_path_or_odd_characters(sent, kept):
    assert safe_file_name(sent) == kept
