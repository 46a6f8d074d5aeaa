"""One recommendation's whole life, as issue 21 asks, through the web and through the API,
on SQLite and PostgreSQL: the Ombudsman drafts it, the council proposes a change, the
Ombudsman agrees it, the council assigns it to a committee that reviews it, the council
sends evidence with a file attached, the Ombudsman downloads the file and checks the
evidence, and the recommendation is complied with. The audit log then tells the story in
order, each step by the person who took it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, select

from conftest import PageClient
from scrutiny.recommendations import read_register
from scrutiny.recommendations.drafts import list_drafts
from scrutiny.recommendations.evidence_files import list_evidence_files
from scrutiny.store.accounts import create_token, create_user, list_users
from scrutiny.store.db import audit_log, make_engine
from test_evidence_files import PDF

DURHAM = "E06000047"
PASSWORD = "a-long-password"
PEOPLE = {  # name: (email, role, council)
    "ombudsman": ("analyst@lgsco.example", "ombudsman", None),
    "officer": ("officer@durham.example", "council_officer", DURHAM),
    "councillor": ("councillor@durham.example", "councillor", DURHAM),
}
TODAY = date.today()
DECIDED = TODAY - timedelta(days=40)
DUE, LATER = TODAY + timedelta(days=30), TODAY + timedelta(days=60)
WORDING = "Review the repairs procedure and train staff"
CHANGED = "Review the repairs procedure, train all staff and report to committee"
LEADERS = {"agreed_by_title": "Chief Executive", "accountable_officer": "Head of Housing"}
# The story the audit log must tell, in order: (what, who).
STORY = [
    ("propose", "ombudsman"),
    ("propose_change", "officer"),
    ("finalise", "ombudsman"),
    ("assign", "officer"),
    ("review", "councillor"),
    ("record_evidence", "officer"),
    ("upload_evidence_file", "officer"),
    ("download_evidence_file", "ombudsman"),
    ("accept_evidence", "ombudsman"),
    ("complied", "ombudsman"),
]


@pytest.fixture
def site(database_url: str, tmp_path) -> Iterator[tuple[Engine, Any, dict[str, PageClient]]]:
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    engine = make_engine(database_url)
    for email, role, code in PEOPLE.values():
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="t"
        )
    settings = Settings(
        database_url=database_url, secret_key="test", evidence_dir=str(tmp_path / "files")
    )
    web = create_app(settings)
    with ExitStack() as stack:
        clients = {}
        for name, (email, _, _) in PEOPLE.items():
            clients[name] = stack.enter_context(PageClient(web))
            clients[name].sign_in(email, PASSWORD)
        yield engine, settings, clients
    web.state.engine.dispose()
    engine.dispose()


def _boxes(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _post(client: PageClient, path: str, form_page: str, data: dict[str, str], **kw: Any) -> Any:
    token = client.form_token(form_page)
    answer = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kw)
    assert answer.status_code == 303, answer.text[-3000:]
    return answer


def _story(engine: Engine, ref: str) -> list[tuple[str, str]]:
    """(action, actor) of every audit entry about decision REF, oldest first."""
    with engine.connect() as connection:
        entries = connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    emails = {email: name for name, (email, _, _) in PEOPLE.items()}
    return [
        # the follow-up API names the token too: "officer@... (API token 2)"
        (e["action"], emails.get(e["actor"].split(" (API token")[0], e["actor"]))
        for e in entries
        if (e["detail"] or {}).get("decision_ref") == ref
    ]


def _state(engine: Engine, ref: str) -> dict[str, Any]:
    register = read_register(engine, authority_code=DURHAM)
    return register.filter(register["decision_ref"] == ref).row(0, named=True)


def test_one_recommendation_from_draft_to_compliance_through_the_web(site):
    engine, _, people = site
    ombudsman, officer, councillor = (people[n] for n in ("ombudsman", "officer", "councillor"))
    ref = "25 000 901"
    new = "/ombudsman/drafts/new"
    _post(
        ombudsman,
        new,
        new,
        {
            "decision_ref": ref,
            "recommendation_number": "1",
            "authority_code": DURHAM,
            "kind": "service_improvement",
            "beneficiary": "wider_public",
            "amount_gbp": "",
            "wording": WORDING,
            "due_phrase": "",
            **_boxes("decision-date", DECIDED),
            **_boxes("due-date", DUE),
        },
    )
    (draft,) = list_drafts(engine)
    page = f"/council/{DURHAM}/drafts/{draft['id']}"
    _post(
        officer,
        f"{page}/response",
        page,
        {
            "response": "change",
            **LEADERS,
            "proposed_wording": CHANGED,
            **_boxes("proposed-due-date", LATER),
            "reasons": "Training takes a term",
        },
    )
    _post(ombudsman, f"/ombudsman/drafts/{draft['id']}/finalise", page, {"take_proposal": "yes"})
    assert (_state(engine, ref)["state"], _state(engine, ref)["due_date"]) == ("agreed", LATER)

    # The council's committee follows it up: the officer assigns, a councillor reviews.
    follow = f"/council/{DURHAM}/recommendations/{quote(ref, safe='')}/1/follow-up"
    _post(
        officer,
        f"{follow}/assign",
        follow,
        {"committee": "Audit and Governance Committee", **_boxes("meeting-date", TODAY)},
    )
    _post(councillor, f"{follow}/review", follow, {"conclusion": "Remedy on track"})
    dashboard = councillor.get(f"/council/{DURHAM}/scrutiny").text
    assert "Remedy on track" in dashboard

    # Evidence with a file attached; the Ombudsman downloads it, then accepts the evidence.
    evidence = f"/council/{DURHAM}/recommendations/{quote(ref, safe='')}/1/evidence"
    _post(
        officer,
        evidence,
        evidence,
        {"note": "Procedure revised and staff trained", **_boxes("evidence-date", TODAY)},
        files={"file": ("training record.pdf", PDF, "application/pdf")},
    )
    checks = ombudsman.get("/ombudsman/evidence").text
    assert "training record.pdf" in checks and "Backdated" not in checks
    (attached,) = list_evidence_files(engine)
    download = ombudsman.get(f"/council/{DURHAM}/evidence-files/{attached.id}")
    assert download.status_code == 200 and download.content == PDF
    _post(
        ombudsman,
        f"/ombudsman/evidence/{quote(ref)}/1",
        "/ombudsman/evidence",
        {"evidence_id": str(attached.evidence_id), "decision": "accept"},
    )
    row = _state(engine, ref)
    assert (row["state"], row["completed_date"]) == ("complied", TODAY)
    assert _story(engine, ref) == STORY


def _bearer(engine: Engine, name: str) -> dict[str, str]:
    email, _, code = PEOPLE[name]
    user = next(u for u in list_users(engine) if u.email == email)
    token = create_token(engine, user, "t", authority_code=code, actor="t")
    return {"Authorization": f"Bearer {token}"}


def test_one_recommendation_from_draft_to_compliance_through_the_api(site):
    engine, _, people = site
    api = people["ombudsman"]  # the tokens say who is asking
    ombudsman, officer = _bearer(engine, "ombudsman"), _bearer(engine, "officer")
    ref = "25 000 902"

    def ok(answer: Any, status: int = 200) -> Any:
        assert answer.status_code == status, answer.text
        return answer.json()

    (draft,) = ok(
        api.post(
            "/api/v1/ombudsman/drafts",
            headers=ombudsman,
            json={
                "decision_ref": ref,
                "recommendation_number": 1,
                "authority_code": DURHAM,
                "kind": "service_improvement",
                "beneficiary": "wider_public",
                "decision_date": DECIDED.isoformat(),
                "wording": WORDING,
                "due_date": DUE.isoformat(),
            },
        ),
        201,
    )
    ok(
        api.post(
            f"/api/v1/drafts/{draft['id']}/response",
            headers=officer,
            json={
                "accept": False,
                **LEADERS,
                "wording": CHANGED,
                "due_date": LATER.isoformat(),
                "reasons": "Training takes a term",
            },
        )
    )
    ok(
        api.post(
            f"/api/v1/ombudsman/drafts/{draft['id']}/finalise",
            headers=ombudsman,
            json={"take_proposal": True},
        )
    )
    # Agreed today: an agreement cannot be dated before the draft was recorded, nor the
    # committee's meeting before the agreement, so the committee meets today too.
    assert _state(engine, ref)["agreed_date"] == TODAY

    base = f"/api/v1/follow-up/{DURHAM}/{quote(ref)}/1"
    ok(
        api.post(
            f"{base}/assignment",
            headers=officer,
            json={
                "committee": "Audit and Governance Committee",
                "meeting_date": TODAY.isoformat(),
            },
        ),
        201,
    )
    # Councillors hold no API tokens: the council's systems record the review with its token.
    ok(api.post(f"{base}/review", headers=officer, json={"conclusion": "Remedy on track"}), 201)

    sent = ok(
        api.post(
            "/api/v1/evidence",
            headers=officer,
            json={
                "decision_ref": ref,
                "recommendation_number": 1,
                "note": "Procedure revised and staff trained",
                "evidence_date": TODAY.isoformat(),
            },
        ),
        201,
    )
    assert sent["backdating"] is None
    ok(
        api.post(
            f"/api/v1/evidence/{sent['id']}/files",
            headers=officer,
            files={"file": ("training record.pdf", PDF, "application/pdf")},
        ),
        201,
    )
    (listed,) = ok(api.get(f"/api/v1/ombudsman/evidence/{sent['id']}/files", headers=ombudsman))
    got = api.get(f"/api/v1/ombudsman/evidence-files/{listed['id']}", headers=ombudsman)
    assert got.status_code == 200 and got.content == PDF
    checked = ok(
        api.post(
            f"/api/v1/ombudsman/evidence/{sent['id']}/check",
            headers=ombudsman,
            json={"accepted": True},
        )
    )
    assert checked["outcome"] == "complied"
    story = _story(engine, ref)
    # Through the API the council's token records the review, so the officer is its actor.
    assert story == [(a, "officer" if a == "review" else who) for a, who in STORY]
