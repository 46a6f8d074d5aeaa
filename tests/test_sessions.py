"""Server-side sessions (issue 16): the cookie holds a random id, the row the rest, so
ending a session in the database ends it for every copy of the cookie at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from conftest import PageClient, make_client
from scrutiny.cli import app as cli
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_user, set_active
from scrutiny.store.db import make_engine
from scrutiny.store.people import sessions
from scrutiny.store.sessions import (
    SESSION_HOURS,
    count_sessions,
    find_session,
    keep_session,
    start_session,
)
from scrutiny.web import create_app
from scrutiny.web.sessions import SESSION_COOKIE

PASSWORD = "a-long-password"


def _person(database_url: str, email: str = "person@example.org", role: str = "ombudsman") -> int:
    engine = make_engine(database_url)
    user = create_user(engine, email=email, password=PASSWORD, role=role, actor="test")
    engine.dispose()
    return user.id


def _copy(client: PageClient, database_url: str) -> PageClient:
    """Another browser holding a copy of CLIENT's session cookie."""
    thief = make_client(database_url)
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def test_a_copied_cookie_stops_working_the_moment_its_session_signs_out(database_url):
    # What was seen: a signed cookie copied before sign-out kept working for 8 hours.
    _person(database_url)
    with make_client(database_url) as client:
        client.sign_in("person@example.org", PASSWORD)
        with _copy(client, database_url) as thief:
            assert thief.get("/account").status_code == 200
            token = client.form_token("/account")
            client.post("/sign-out", data={"csrf_token": token})
            refused = thief.get("/account", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/sign-in")


def test_the_cookie_holds_only_a_random_id_and_the_database_only_its_hash(database_url):
    user_id = _person(database_url)
    with make_client(database_url) as client:
        client.sign_in("person@example.org", PASSWORD)
        cookie = client.cookies[SESSION_COOKIE]
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(sessions)).all()
    engine.dispose()
    assert len(cookie) >= 40 and "." not in cookie  # not a signed payload
    assert [(r.id_hash, r.user_id) for r in rows] == [
        (hashlib.sha256(cookie.encode()).hexdigest(), user_id)
    ]
    assert cookie not in str([tuple(r) for r in rows])
    lifetime = rows[0].expires_at - rows[0].created_at
    assert lifetime == timedelta(hours=SESSION_HOURS)


def test_signing_in_again_replaces_the_visitors_old_session(database_url):
    user_id = _person(database_url)
    with make_client(database_url) as client:
        client.sign_in("person@example.org", PASSWORD)
        first = client.cookies[SESSION_COOKIE]
        client.sign_in("person@example.org", PASSWORD)
        assert client.cookies[SESSION_COOKIE] != first
    engine = make_engine(database_url)
    assert count_sessions(engine, user_id) == 1
    assert find_session(engine, first) is None
    engine.dispose()


def test_a_flash_message_kept_in_the_session_survives_the_redirect(database_url):
    _person(database_url, "admin@example.org", "admin")
    with make_client(database_url) as client:
        client.sign_in("admin@example.org", PASSWORD)
        token = client.form_token("/admin/users")
        page = client.post(
            "/admin/users",
            data={
                "csrf_token": token,
                "email": "new@example.org",
                "role": "ombudsman",
                "password": PASSWORD,
            },
        )
        assert "Account made for new@example.org" in page.text
        assert "Account made for" not in client.get("/admin/users").text  # shown once


def test_an_admin_signs_an_account_out_everywhere_on_the_web(database_url):
    user_id = _person(database_url)
    _person(database_url, "admin@example.org", "admin")
    with make_client(database_url) as person, make_client(database_url) as laptop:
        person.sign_in("person@example.org", PASSWORD)
        laptop.sign_in("person@example.org", PASSWORD)
        with make_client(database_url) as admin:
            admin.sign_in("admin@example.org", PASSWORD)
            token = admin.form_token("/admin/users")
            page = admin.post(
                f"/admin/users/{user_id}/sign-out-everywhere", data={"csrf_token": token}
            )
            assert "person@example.org signed out everywhere: 2 sessions ended." in page.text
            assert admin.get("/account").status_code == 200  # the admin's own is untouched
        for browser in (person, laptop):
            assert browser.get("/account", follow_redirects=False).status_code == 303


def test_scrutiny_users_sign_out_everywhere_ends_every_session(database_url, monkeypatch):
    _person(database_url)
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    with make_client(database_url) as person:
        person.sign_in("person@example.org", PASSWORD)
        result = CliRunner().invoke(cli, ["users", "sign-out-everywhere", "Person@Example.org"])
        assert result.exit_code == 0, result.output
        assert "1 session(s) ended" in result.output
        assert person.get("/account", follow_redirects=False).status_code == 303
    unknown = CliRunner().invoke(cli, ["users", "sign-out-everywhere", "nobody@example.org"])
    assert unknown.exit_code == 2
    assert "There is no account for nobody@example.org" in unknown.output


def test_switching_an_account_off_ends_its_sessions(database_url):
    user_id = _person(database_url)
    engine = make_engine(database_url)
    with make_client(database_url) as person:
        person.sign_in("person@example.org", PASSWORD)
        set_active(engine, user_id, False, actor="test")
        assert count_sessions(engine, user_id) == 0
        set_active(engine, user_id, True, actor="test")
        assert person.get("/account", follow_redirects=False).status_code == 303
    engine.dispose()


def test_a_session_expires_after_its_hours_idle_and_signing_in_clears_expired_ones(engine):
    user_id = create_user(
        engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="test"
    ).id
    then = datetime(2026, 1, 5, 9, tzinfo=UTC)
    token, session = start_session(engine, user_id, now=then)
    later = then + timedelta(hours=SESSION_HOURS - 1)
    assert find_session(engine, token, now=later) is not None
    keep_session(engine, session, {}, now=later)  # a request moves the expiry on
    assert find_session(engine, token, now=later + timedelta(hours=SESSION_HOURS - 1))
    gone = later + timedelta(hours=SESSION_HOURS, seconds=1)
    assert find_session(engine, token, now=gone) is None
    start_session(engine, user_id, now=gone)
    with engine.connect() as connection:
        assert len(connection.execute(select(sessions)).all()) == 1


def test_a_stranger_gets_no_session_row_and_a_signed_form_cookie(database_url):
    with make_client(database_url) as client:
        page = client.get("/sign-in")
        assert SESSION_COOKIE not in client.cookies
        assert "scrutiny_form" in client.cookies
        assert page.headers["cache-control"] == "no-store"
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []
    engine.dispose()


def test_a_form_cookie_made_without_the_key_does_not_pass_the_csrf_check(database_url):
    _person(database_url)
    with make_client(database_url) as client:
        client.cookies.set("scrutiny_form", "chosen-by-an-attacker")
        page = client.post(
            "/sign-in",
            data={
                "email": "person@example.org",
                "password": PASSWORD,
                "csrf_token": hashlib.sha256(b"chosen-by-an-attacker").hexdigest(),
            },
        )
    assert page.status_code == 403


def test_a_scripts_post_may_carry_the_csrf_token_in_a_header(database_url):
    _person(database_url)
    with make_client(database_url) as client:
        client.sign_in("person@example.org", PASSWORD)
        token = client.form_token("/account")
        assert client.post("/sign-out", follow_redirects=False).status_code == 403
        signed_out = client.post("/sign-out", headers={"X-CSRF-Token": token})
        assert signed_out.status_code == 200
        assert client.get("/account", follow_redirects=False).status_code == 303


def test_two_apps_with_the_same_key_accept_each_others_forms(database_url):
    # Two workers are two apps: with one SCRUTINY_SECRET_KEY a stranger's form made by
    # one is accepted by the other, and a session begun at one is known at the other.
    _person(database_url)
    one = create_app(Settings(database_url=database_url, secret_key="shared"))
    two = create_app(Settings(database_url=database_url, secret_key="shared"))
    with PageClient(one) as first, PageClient(two) as second:
        token = first.form_token("/sign-in")
        second.cookies = first.cookies
        response = second.post(
            "/sign-in",
            data={"email": "person@example.org", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        first.cookies = second.cookies
        assert first.get("/account").status_code == 200
