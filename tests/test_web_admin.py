"""Administration pages: accounts, API tokens, authorities and the audit log."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from conftest import make_client
from scrutiny.councillor.self_assessment import AUDIT_ENTITY as SELF_ASSESSMENT_ENTITY
from scrutiny.recommendations.lifecycle import EVIDENCE, OUTCOME
from scrutiny.returns.saved_mappings import AUDIT_ENTITY as MAPPING_ENTITY
from scrutiny.store.accounts import create_user, list_users, user_for_token
from scrutiny.store.audit import AuditEntry, list_audit_entries
from scrutiny.store.db import DATA_TABLES, make_engine
from scrutiny.store.people import api_tokens
from scrutiny.web.audit_links import ENTITY_PAGES, NO_PAGE, entry_links

ADMIN, PASSWORD = "boss@example.org", "a-long-password"
DURHAM = "E06000047"
PAGES = ["/admin/users", "/admin/tokens", "/admin/authorities", "/admin/audit"]
POSTS = [
    "/admin/users",
    "/admin/users/1/active",
    "/admin/users/1/reset-password",
    "/admin/tokens",
    "/admin/tokens/1/revoke",
]


@pytest.fixture
def admin(database_url):
    """An engine over an empty database with one admin, and a client signed in as them."""
    engine = make_engine(database_url)
    create_user(engine, email=ADMIN, password=PASSWORD, role="admin", actor="test")
    with make_client(database_url) as client:
        client.sign_in(ADMIN, PASSWORD)
        yield engine, client
    engine.dispose()


def test_an_admin_makes_an_account_that_can_then_sign_in(admin, database_url):
    engine, client = admin
    token = client.form_token("/admin/users")
    made = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "New.Officer@Durham.example",
            "role": "council_officer",
            "authority_code": DURHAM,
            "password": "another-long-password",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "Account made for new.officer@durham.example" in page.text
    assert "Durham County Council (E06000047)" in page.text
    account = next(u for u in list_users(engine) if u.email == "new.officer@durham.example")
    assert (account.role, account.authority_code) == ("council_officer", DURHAM)
    entry = list_audit_entries(engine, entity="user", entity_id=account.id)[0]
    assert (entry.action, entry.actor) == ("create", ADMIN)
    with make_client(database_url) as newcomer:
        newcomer.sign_in("new.officer@durham.example", "another-long-password")
        assert newcomer.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short"}, "password", "at least 12 characters"),
        ({"email": "not-an-email"}, "email", "correct format"),
        ({"authority_code": ""}, "authority_code", "needs an authority code"),
        ({"role": ""}, "role", "The role must be one of"),
        ({"email": ADMIN}, "email", "already an account"),
    ],
)
def test_a_bad_account_is_refused_with_the_error_summary(admin, fields, field, message):
    engine, client = admin
    token = client.form_token("/admin/users")
    good = {
        "email": "someone@example.org",
        "role": "councillor",
        "authority_code": DURHAM,
        "password": "another-long-password",
    }
    page = client.post("/admin/users", data={"csrf_token": token, **good, **fields})
    assert page.status_code == 400
    assert "<title>Error: Accounts" in page.text
    assert "govuk-error-summary" in page.text
    assert f'href="#{field}"' in page.text
    assert message in page.text
    assert [u.email for u in list_users(engine)] == [ADMIN]


def test_a_switched_off_account_cannot_sign_in_and_can_be_switched_back(admin, database_url):
    engine, client = admin
    other = create_user(
        engine, email="off@example.org", password=PASSWORD, role="ombudsman", actor="test"
    )
    token = client.form_token("/admin/users")
    path = f"/admin/users/{other.id}/active"
    client.post(path, data={"csrf_token": token, "active": "false"})
    with make_client(database_url) as person:
        sign_in = person.form_token("/sign-in")
        refused = person.post(
            "/sign-in",
            data={"email": "off@example.org", "password": PASSWORD, "csrf_token": sign_in},
        )
        assert refused.status_code == 400
    page = client.post(path, data={"csrf_token": token, "active": "true"})
    assert f"Account {other.id} switched on" in page.text
    actions = [e.action for e in list_audit_entries(engine, entity="user", entity_id=other.id)]
    assert actions == ["create", "deactivate", "activate"]
    # An admin cannot switch themselves off.
    me = next(u for u in list_users(engine) if u.email == ADMIN)
    own = client.post(f"/admin/users/{me.id}/active", data={"csrf_token": token, "active": "false"})
    assert own.status_code == 400
    assert next(u for u in list_users(engine) if u.email == ADMIN).active


def test_an_admin_gives_a_one_time_link_to_set_a_new_password(admin, database_url):
    engine, client = admin
    person = create_user(
        engine, email="forgot@example.org", password=PASSWORD, role="ombudsman", actor="test"
    )
    token = client.form_token("/admin/users")
    assert f'action="/admin/users/{person.id}/reset-password"' in client.get("/admin/users").text
    page = client.post(f"/admin/users/{person.id}/reset-password", data={"csrf_token": token})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"  # the link must not outlive the page
    assert "A link for forgot@example.org to set a new password" in page.text
    link = re.search(
        r'<code class="app-token">http://127\.0\.0\.1:8000(/reset/[^<]+)</code>', page.text
    )
    assert link, "the page shows the one-time link, as the command prints it"
    assert "$argon2" not in page.text and PASSWORD not in page.text
    entry = list_audit_entries(engine, entity="password_reset")[-1]
    assert (entry.action, entry.actor, entry.detail) == ("create", ADMIN, {"user": person.email})
    with make_client(database_url) as forgetful:
        path = link.group(1)
        new = {"password": "a-new-long-password", "again": "a-new-long-password"}
        done = forgetful.post(path, data={"csrf_token": forgetful.form_token(path), **new})
        assert "Your password has been set" in done.text
        forgetful.sign_in("forgot@example.org", "a-new-long-password")


def test_a_switched_off_account_gets_no_reset_link(admin):
    engine, client = admin
    off = create_user(
        engine, email="off@example.org", password=PASSWORD, role="ombudsman", actor="t"
    )
    token = client.form_token("/admin/users")
    client.post(f"/admin/users/{off.id}/active", data={"csrf_token": token, "active": "false"})
    page = client.post(f"/admin/users/{off.id}/reset-password", data={"csrf_token": token})
    assert page.status_code == 400
    assert "off@example.org is switched off: switch it on first" in page.text
    assert "/reset/" not in page.text
    assert list_audit_entries(engine, entity="password_reset") == []
    assert (
        client.post("/admin/users/999/reset-password", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_token_is_shown_once_stored_hashed_works_and_stops_when_revoked(admin):
    engine, client = admin
    officer = create_user(
        engine,
        email="officer@durham.example",
        password=PASSWORD,
        role="council_officer",
        authority_code=DURHAM,
        actor="test",
    )
    token = client.form_token("/admin/tokens")
    page = client.post(
        "/admin/tokens",
        data={
            "csrf_token": token,
            "user_id": str(officer.id),
            "name": "Case system",
            "authority_code": DURHAM,
        },
    )
    assert page.status_code == 200
    assert "It will not be shown again" in page.text
    assert page.headers["cache-control"] == "no-store"
    value = re.search(r"scr_[A-Za-z0-9_-]+", page.text).group(0)
    assert value not in client.get("/admin/tokens").text
    with engine.connect() as connection:
        stored = connection.execute(select(api_tokens)).one()._mapping
    assert stored["token_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert value not in [str(v) for v in stored.values()]
    found = user_for_token(engine, value)
    assert (found.user.email, found.authority_code) == ("officer@durham.example", DURHAM)
    revoked = client.post(f"/admin/tokens/{stored['id']}/revoke", data={"csrf_token": token})
    assert "revoked" in revoked.text
    assert user_for_token(engine, value) is None
    actions = [e.action for e in list_audit_entries(engine, entity="api_token")]
    assert actions == ["create", "revoke"]


def test_a_token_for_another_councils_officer_is_refused(admin):
    engine, client = admin
    officer = create_user(
        engine,
        email="officer@durham.example",
        password=PASSWORD,
        role="council_officer",
        authority_code=DURHAM,
        actor="test",
    )
    token = client.form_token("/admin/tokens")
    page = client.post(
        "/admin/tokens",
        data={
            "csrf_token": token,
            "user_id": str(officer.id),
            "name": "Case system",
            "authority_code": "E08000025",
        },
    )
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text
    assert "cannot submit returns for E08000025" in page.text
    assert "scr_" not in page.text


@pytest.mark.parametrize("path", POSTS)
def test_admin_forms_posted_without_the_csrf_token_are_refused(admin, path):
    engine, client = admin
    response = client.post(path, data={"email": "x@example.org", "active": "false"})
    assert response.status_code == 403
    assert len(list_users(engine)) == 1
    assert [e.action for e in list_audit_entries(engine)] == ["create"]


@pytest.mark.parametrize(
    "email", ["officer@demo.scrutiny", "councillor@demo.scrutiny", "analyst@demo.scrutiny"]
)
def test_everyone_but_an_admin_is_refused_the_admin_pages(demo_client, email):
    demo_client.sign_in(email)
    for path in PAGES:
        assert demo_client.get(path).status_code == 403, path
    token = demo_client.form_token("/account")
    for path in POSTS:
        assert demo_client.post(path, data={"csrf_token": token}).status_code == 403, path


def test_anonymous_visitors_are_sent_to_sign_in(demo_client):
    for path in PAGES:
        response = demo_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/sign-in?next={path}"


def test_the_authorities_are_searchable_with_their_accounts(demo_client):
    demo_client.sign_in("admin@demo.scrutiny")
    page = demo_client.get("/admin/authorities?q=durham")
    assert page.status_code == 200
    row = re.search(r"E06000047</td>(.*?)</tr>", page.text, re.S).group(1)
    cells = re.findall(r">([^<>]+)</td>", row)
    assert cells[-2:] == ["522,069", "2"]  # Census 2021 residents; an officer and a councillor
    first = demo_client.get("/admin/authorities")
    assert "page 1 of" in first.text
    assert 'href="/admin/authorities?page=2"' in first.text


def test_the_audit_log_lists_the_newest_first_and_filters_by_entity(admin):
    engine, client = admin
    create_user(engine, email="a@example.org", password=PASSWORD, role="ombudsman", actor=ADMIN)
    create_user(engine, email="b@example.org", password=PASSWORD, role="ombudsman", actor=ADMIN)
    page = client.get("/admin/audit?entity=user")
    assert page.status_code == 200
    assert "3 entries about user" in page.text
    assert page.text.index("b@example.org") < page.text.index("a@example.org")
    assert (
        "Nothing has been recorded about api token"
        in client.get("/admin/audit?entity=api_token").text
    )


def test_audit_entries_link_to_the_account_or_token_they_are_about(admin):
    engine, client = admin
    made = create_user(
        engine, email="a@example.org", password=PASSWORD, role="ombudsman", actor=ADMIN
    )
    token = client.form_token("/admin/tokens")
    me = next(u for u in list_users(engine) if u.email == ADMIN)
    client.post(
        "/admin/tokens",
        data={"csrf_token": token, "user_id": str(me.id), "name": "n", "authority_code": DURHAM},
    )
    reset = client.post(f"/admin/users/{made.id}/reset-password", data={"csrf_token": token})
    assert reset.status_code == 200
    page = client.get("/admin/audit").text
    assert f'<a class="govuk-link" href="/admin/users#user-{made.id}">user {made.id}</a>' in page
    assert f'id="user-{made.id}"' in client.get("/admin/users").text
    token_id = list_audit_entries(engine, entity="api_token")[0].entity_id
    assert f'href="/admin/tokens#token-{token_id}"' in page
    assert f'id="token-{token_id}"' in client.get("/admin/tokens").text
    # A reset link is never shown again: its entry is plain text.
    reset_id = list_audit_entries(engine, entity="password_reset")[0].entity_id
    assert f'<td class="govuk-table__cell">password reset {reset_id}</td>' in page


def test_every_kind_of_demo_audit_entry_links_to_a_page_that_shows_it(demo_client):
    demo_client.sign_in("admin@demo.scrutiny")
    kinds = re.findall(r'<option value="([a-z_]+)"', demo_client.get("/admin/audit").text)
    assert set(kinds) <= set(ENTITY_PAGES) | NO_PAGE, "a kind of record with no page declared"
    linked = set()
    for kind in set(kinds) - NO_PAGE:
        page = demo_client.get("/admin/audit", params={"entity": kind}).text
        shown = re.findall(r"<tr class=\"govuk-table__row\">", page)
        links = re.findall(
            r'<td class="govuk-table__cell"><a class="govuk-link" href="([^"]+)">', page
        )
        assert len(links) == len(shown) - 1, kind  # every entry but the header row
        for address in sorted(set(links))[:3]:
            assert demo_client.get(address).status_code == 200, address
        linked.add(kind)
    assert {"submission", "user"} <= linked


def test_entries_about_council_records_link_to_that_councils_page(demo_client, demo_url):
    engine = make_engine(demo_url)
    table = DATA_TABLES["recommendations"]
    with engine.connect() as connection:
        ref, number, code = connection.execute(
            select(
                table.c.decision_ref, table.c.recommendation_number, table.c.authority_code
            ).limit(1)
        ).one()
    at = datetime.now(UTC)
    about = {
        EVIDENCE: {"decision_ref": ref, "recommendation_number": number},
        OUTCOME: {"decision_ref": ref, "recommendation_number": number},
        SELF_ASSESSMENT_ENTITY: {"authority_code": DURHAM, "year": "2024-25", "item": "6.2"},
        MAPPING_ENTITY: {"authority_code": DURHAM, "name": "m", "version": 1},
    }
    entries = [
        AuditEntry(i, at, "someone", "save", entity, 7, detail)
        for i, (entity, detail) in enumerate(about.items())
    ]
    links = entry_links(engine, entries)
    engine.dispose()
    assert list(links.values()) == [
        f"/council/{code}/recommendations/{ref}/{number}/evidence",
        f"/council/{code}/recommendations/{ref}/{number}/evidence",
        f"/council/{DURHAM}/self-assessment/2024-25/6.2",
        f"/council/{DURHAM}/mapping",
    ]
    demo_client.sign_in("admin@demo.scrutiny")
    for address in links.values():
        assert demo_client.get(address).status_code == 200, address
