"""Draft recommendations as people use them: the Ombudsman drafts on the web (and from a
file), the council's officer answers, its councillor reads, the Ombudsman finalises; then
the same through the API with tokens, and from the command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from conftest import PageClient
from scrutiny.cli import app as cli
from scrutiny.recommendations import read_register
from scrutiny.recommendations.drafts import draft_history, list_drafts
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
PASSWORD = "a-long-password"
PEOPLE = {  # name: (email, role, council)
    "ombudsman": ("analyst@lgsco.example", "ombudsman", None),
    "officer": ("officer@durham.example", "council_officer", DURHAM),
    "councillor": ("councillor@durham.example", "councillor", DURHAM),
    "other_officer": ("officer@brum.example", "council_officer", BIRMINGHAM),
}
DECIDED = date.today() - timedelta(days=10)
DUE = DECIDED + timedelta(days=60)
LATER = DECIDED + timedelta(days=100)
WORDING = "Review the repairs procedure and train staff"
CHANGED = "Review the repairs procedure, train all staff and report to committee"
LEADERS = {"agreed_by_title": "Chief Executive", "accountable_officer": "Head of Housing"}


def _boxes(prefix: str, day: date | None) -> dict[str, str]:
    parts = ("day", "month", "year")
    values = (day.day, day.month, day.year) if day else ("", "", "")
    return {f"{prefix}-{part}": str(value) for part, value in zip(parts, values, strict=True)}


def draft_form(**changes: Any) -> dict[str, str]:
    """The new-draft form filled in for County Durham, with CHANGES."""
    form = {
        "decision_ref": "25 000 101",
        "recommendation_number": "1",
        "authority_code": DURHAM.lower(),  # typed in lower case: the page takes it
        "kind": "service_improvement",
        "beneficiary": "wider_public",
        "amount_gbp": "",
        "wording": WORDING,
        "due_phrase": "",
        **_boxes("decision-date", DECIDED),
        **_boxes("due-date", DUE),
    }
    return {**form, **changes}


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Engine, dict[str, PageClient]]]:
    """An engine on an empty database with the Ombudsman, Durham's officer and councillor
    and Birmingham's officer, and a client signed in as each (by name in PEOPLE)."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    engine = make_engine(database_url)
    for email, role, code in PEOPLE.values():
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="t"
        )
    web = create_app(Settings(database_url=database_url, secret_key="test"))
    with ExitStack() as stack:
        clients = {}
        for name, (email, _, _) in PEOPLE.items():
            clients[name] = stack.enter_context(PageClient(web))
            clients[name].sign_in(email, PASSWORD)
        yield engine, clients
    web.state.engine.dispose()
    engine.dispose()


def _post(client: PageClient, path: str, form_page: str, data: dict[str, str], **kw: Any) -> Any:
    token = client.form_token(form_page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def _summary(html: str) -> list[tuple[str, str]]:
    """The error summary's (link, text) pairs."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert found, "no error summary"
    return re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', found.group(1))


def test_a_draft_goes_from_the_ombudsman_to_the_council_and_back_into_the_register(site):
    engine, people = site
    ombudsman, officer, councillor = (people[n] for n in ("ombudsman", "officer", "councillor"))
    new = "/ombudsman/drafts/new"
    # Bad input: the page says what is wrong, keeps what was typed and stores nothing.
    refused = _post(ombudsman, new, new, draft_form(**_boxes("decision-date", None)))
    assert refused.status_code == 400
    assert _summary(refused.text) == [("#decision-date-day", "Enter the date of the decision")]
    assert f'value="{WORDING}"' not in refused.text and WORDING in refused.text
    refused = _post(ombudsman, new, new, draft_form(kind="scolding"))
    assert refused.status_code == 400 and "The kind must be one of" in refused.text
    assert list_drafts(engine) == []
    done = _post(ombudsman, new, new, draft_form())
    assert (done.status_code, done.headers["location"]) == (303, "/ombudsman/drafts")
    listed = ombudsman.get("/ombudsman/drafts").text
    assert "Draft recommendation 1 of decision 25 000 101 recorded." in listed
    assert "Drafts: 1 proposed, 0 with a change proposed, 0 accepted, 0 finalised" in listed
    (draft,) = list_drafts(engine)
    page = f"/council/{DURHAM}/drafts/{draft['id']}"
    assert (draft["authority_code"], draft["due_date"]) == (DURHAM, DUE)

    # The councillor reads the council's drafts but may not answer them.
    assert f'href="{page}"' in councillor.get(f"/council/{DURHAM}/drafts").text
    read = councillor.get(page)
    assert read.status_code == 200 and WORDING in read.text
    assert "Answer the draft" not in read.text
    token = councillor.form_token("/account")
    answer = {"response": "accept", **LEADERS, "csrf_token": token}
    assert councillor.post(f"{page}/response", data=answer).status_code == 403

    # The officer proposes a change: without reasons it is refused, with them it is sent.
    change = {
        "response": "change",
        **LEADERS,
        "proposed_wording": CHANGED,
        **_boxes("proposed-due-date", LATER),
    }
    impossible = {**change, "proposed-due-date-day": "31", "proposed-due-date-month": "2"}
    refused = _post(officer, f"{page}/response", page, impossible)
    assert _summary(refused.text) == [
        ("#proposed-due-date-day", "The proposed due date must be a real date, like 27 3 2025")
    ]
    refused = _post(officer, f"{page}/response", page, change)
    assert refused.status_code == 400
    assert _summary(refused.text) == [("#response", "The reasons for the change is required")]
    assert CHANGED in refused.text  # what the officer typed is still there
    assert list_drafts(engine)[0]["status"] == "proposed"
    sent = _post(officer, f"{page}/response", page, {**change, "reasons": "Training takes a term"})
    assert (sent.status_code, sent.headers["location"]) == (303, page)
    shown = officer.get(page).text
    assert "Your answer was sent to the Ombudsman." in shown
    assert "Proposed a change, agreed by the Chief Executive" in shown
    assert "<del>train staff</del> <ins>report to committee</ins>" in shown
    assert "Answer the draft" not in shown  # answered once only

    # The Ombudsman finalises: saying whether the change is taken first.
    finalise = f"/ombudsman/drafts/{draft['id']}/finalise"
    refused = _post(ombudsman, finalise, page, {})
    assert refused.status_code == 400
    assert _summary(refused.text) == [
        ("#finalise", "Say whether the council&#39;s proposed change is taken")
    ]
    agreed = _post(ombudsman, finalise, page, {"take_proposal": "yes"})
    assert (agreed.status_code, agreed.headers["location"]) == (303, page)
    final = councillor.get(page).text
    assert "The recommendation is agreed" not in final  # the flash was the Ombudsman's
    assert "Wording: Review the repairs [-procedure-] {+procedure, train all staff+} and" in final
    register = read_register(engine, authority_code=DURHAM)
    row = register.row(0, named=True)
    assert (row["decision_ref"], row["due_date"], row["state"]) == ("25 000 101", LATER, "agreed")
    steps = [(e.action, e.actor) for e in draft_history(engine, draft["id"])]
    assert steps == [
        ("propose", PEOPLE["ombudsman"][0]),
        ("propose_change", PEOPLE["officer"][0]),
        ("finalise", PEOPLE["ombudsman"][0]),
    ]


CSV_HEADER = (
    "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
    "decision_date,due_date,due_phrase,wording,status"
)


def test_the_ombudsman_records_drafts_from_a_file_all_or_none(site):
    engine, people = site
    ombudsman = people["ombudsman"]
    rows = [
        f"25 000 201,1,{DURHAM},financial_remedy,complainant,200,{DECIDED},,"
        "within one month of the final decision,Pay the complainant 200 pounds,proposed",
        f"25 000 201,2,{BIRMINGHAM},apology,complainant,,{DECIDED},{DUE},,Apologise,proposed",
    ]
    bad = "\n".join([CSV_HEADER, rows[0], rows[1].replace(BIRMINGHAM, "E99")]).encode()
    upload = "/ombudsman/drafts/upload"
    refused = _post(ombudsman, upload, "/ombudsman/drafts", {}, files={"file": ("d.csv", bad)})
    assert refused.status_code == 400
    ((href, message),) = _summary(refused.text)
    assert href == "#file" and message.startswith("The file has 1 error(s), e.g. row 3")
    assert "Problems in the file" in refused.text and "E99" in refused.text
    assert list_drafts(engine) == []
    good = "\n".join([CSV_HEADER, *rows]).encode()
    done = _post(ombudsman, upload, "/ombudsman/drafts", {}, files={"file": ("d.csv", good)})
    assert done.status_code == 303
    assert (
        "2 draft recommendations recorded from the file."
        in ombudsman.get(done.headers["location"]).text
    )
    # Each council sees only its own.
    durham = people["officer"].get(f"/council/{DURHAM}/drafts").text
    assert "25 000 201, recommendation 1" in durham and "recommendation 2" not in durham
    assert people["other_officer"].get(f"/council/{DURHAM}/drafts").status_code == 403


def _bearer(engine: Engine, name: str) -> dict[str, str]:
    """An Authorization header with a new token for the person NAME in PEOPLE."""
    from scrutiny.store.accounts import list_users

    email, _, code = PEOPLE[name]
    user = next(u for u in list_users(engine) if u.email == email)
    return {
        "Authorization": "Bearer " + create_token(engine, user, "t", authority_code=code, actor="t")
    }


def _sent(number: int, code: str = DURHAM, **changes: Any) -> dict[str, Any]:
    return {
        "decision_ref": "25 000 301",
        "recommendation_number": number,
        "authority_code": code,
        "kind": "service_improvement",
        "beneficiary": "wider_public",
        "decision_date": DECIDED.isoformat(),
        "wording": WORDING,
        "due_date": DUE.isoformat(),
        **changes,
    }


def test_the_same_path_through_the_api_with_ombudsman_and_council_tokens(site):
    engine, people = site
    api = people["ombudsman"]  # any client: the tokens say who is asking
    ombudsman, durham = _bearer(engine, "ombudsman"), _bearer(engine, "officer")
    brum = _bearer(engine, "other_officer")
    drafts = "/api/v1/ombudsman/drafts"
    # Refused as sent: nothing is stored, and a council's token may not draft.
    bad = api.post(drafts, headers=ombudsman, json=[_sent(1), _sent(2, kind="scolding")])
    assert bad.status_code == 422 and "the kind must be one of" in bad.json()["detail"]
    assert api.post(drafts, headers=durham, json=_sent(1)).status_code == 403
    assert list_drafts(engine) == []
    # One draft, then a list of two; each comes back as stored.
    one = api.post(drafts, headers=ombudsman, json=_sent(1))
    assert one.status_code == 201, one.text
    ((first),) = one.json()
    # created_at in UTC, said so (SQLite hands back a naive time)
    assert (first["status"], first["due_date"], first["created_at"][-1]) == (
        "proposed",
        DUE.isoformat(),
        "Z",
    )
    two = api.post(
        drafts, headers=ombudsman, json=[_sent(2), _sent(1, BIRMINGHAM, decision_ref="25 000 302")]
    )
    assert two.status_code == 201 and len(two.json()) == 2
    again = api.post(drafts, headers=ombudsman, json=_sent(1))
    assert again.status_code == 422 and "already stored as a draft" in again.json()["detail"]
    listed = api.get(drafts, headers=ombudsman, params={"state": "proposed", "page_size": 2})
    assert (listed.json()["total"], len(listed.json()["items"])) == (3, 2)
    assert listed.json()["next"].endswith("page=2")
    only = api.get(drafts, headers=ombudsman, params={"authority": BIRMINGHAM}).json()
    assert [d["authority_code"] for d in only["items"]] == [BIRMINGHAM]
    assert api.get(drafts, headers=ombudsman, params={"state": "lost"}).status_code == 422

    # The council's token sees its own drafts only; another council's is 403.
    own = api.get("/api/v1/drafts", headers=durham).json()
    assert sorted(d["recommendation_number"] for d in own["items"]) == [1, 2]
    assert api.get(f"/api/v1/drafts/{first['id']}", headers=brum).status_code == 403
    assert api.get("/api/v1/drafts/9999", headers=durham).status_code == 404
    answer = f"/api/v1/drafts/{first['id']}/response"
    change = {"accept": False, **LEADERS, "wording": CHANGED, "due_date": LATER.isoformat()}
    assert api.post(answer, headers=brum, json={**change, "reasons": "x"}).status_code == 403
    no_reasons = api.post(answer, headers=durham, json=change)
    assert no_reasons.status_code == 409 and "reasons" in no_reasons.json()["detail"]
    answered = api.post(answer, headers=durham, json={**change, "reasons": "Training takes a term"})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["status"], body["agreed_by_title"]) == ("change_proposed", "Chief Executive")
    assert {"change": "added", "words": "report to committee"} in body["proposal_diff"]
    assert api.post(answer, headers=durham, json={**change, "reasons": "r"}).status_code == 409

    # The Ombudsman finalises; a council's token may not.
    finalise = f"{drafts}/{first['id']}/finalise"
    assert api.post(finalise, headers=durham, json={"take_proposal": True}).status_code == 403
    keep = api.post(finalise, headers=ombudsman, json={"take_proposal": False})
    assert keep.status_code == 409 and "a reason" in keep.json()["detail"]
    final = api.post(finalise, headers=ombudsman, json={"take_proposal": True})
    assert final.status_code == 200, final.text
    done = api.get(f"/api/v1/drafts/{first['id']}", headers=durham).json()
    assert (done["status"], done["final_due_date"], done["took_proposal"]) == (
        "finalised",
        LATER.isoformat(),
        True,
    )
    assert [s["action"] for s in done["history"]] == ["propose", "propose_change", "finalise"]
    assert done["changes"][0].startswith("Wording: Review the repairs [-procedure-]")
    assert done == api.get(f"{drafts}/{first['id']}", headers=ombudsman).json()
    register = read_register(engine, authority_code=DURHAM)
    assert register.select("decision_ref", "recommendation_number", "state").rows() == [
        ("25 000 301", 1, "agreed")
    ]
    # The API's description lists every endpoint with its tag.
    spec = api.get("/api/v1/openapi.json").json()
    tags = {op["tags"][0] for path in spec["paths"].values() for op in path.values()}
    assert {"drafts (council token)", "drafts (Ombudsman token)"} <= tags


runner = CliRunner()


def _cli(database_url: str, *args: str, user: str = "cli.user") -> Any:
    env = {"SCRUTINY_DATABASE_URL": database_url, "SCRUTINY_USER": user}
    return runner.invoke(cli, ["recommendations", *args], env=env)


def test_the_commands_draft_list_answer_and_finalise(database_url, tmp_path):
    path = tmp_path / "drafts.csv"
    rows = [
        f"25 000 401,1,{DURHAM},apology,complainant,,{DECIDED},{DUE},,Apologise,proposed",
        f"25 000 401,2,{DURHAM},training,wider_public,,{DECIDED},{DUE},,Train staff,proposed",
    ]
    path.write_text("\n".join([CSV_HEADER, rows[0], rows[1].replace("training", "x")]) + "\n")
    refused = _cli(database_url, "draft", str(path))
    assert refused.exit_code != 0 and "row 3 kind" in refused.output
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n")
    recorded = _cli(database_url, "draft", str(path), user="analyst")
    assert recorded.exit_code == 0, recorded.output
    ids = re.search(r"ids (\d+), (\d+)", recorded.output)
    assert ids, recorded.output
    first, second = ids.groups()
    listed = _cli(database_url, "drafts", "--state", "proposed", "--format", "csv")
    assert listed.exit_code == 0 and listed.output.count("25 000 401") == 2
    leaders = ["--agreed-by", "Chief Executive", "--accountable", "Head of Training"]
    wrong = _cli(database_url, "respond", first, "--authority", BIRMINGHAM, *leaders)
    assert wrong.exit_code != 0 and f"no draft {first} for {BIRMINGHAM}" in wrong.output
    accepted = _cli(database_url, "respond", first, "--authority", DURHAM, *leaders, "--accept")
    assert accepted.exit_code == 0 and f"Draft {first}: accepted." in accepted.output
    changed = _cli(
        database_url,
        "respond",
        second,
        "--authority",
        DURHAM,
        *leaders,
        "--change",
        "--due",
        LATER.isoformat(),
        "--reasons",
        "Training is booked for next term",
    )
    assert changed.exit_code == 0 and "change proposed" in changed.output
    undecided = _cli(database_url, "finalise", second)
    assert undecided.exit_code != 0 and "proposed change is taken" in undecided.output
    final = _cli(database_url, "finalise", second, "--take", user="analyst")
    assert final.exit_code == 0, final.output
    assert f"due {LATER}" in final.output and "working days later" in final.output
    assert _cli(database_url, "finalise", first).exit_code == 0
    engine = make_engine(database_url)
    try:
        states = {d["id"]: (d["status"], d["finalised_by"]) for d in list_drafts(engine)}
        assert states == {
            int(first): ("finalised", "cli.user"),
            int(second): ("finalised", "analyst"),
        }
    finally:
        engine.dispose()
