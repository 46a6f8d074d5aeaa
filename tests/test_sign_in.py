"""Signing in (issue 16): one message for every failure, a throttle per account and
address plus one per address, and an admin's unlock and one-time password reset links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from conftest import PageClient
from scrutiny.cli import app as cli
from scrutiny.settings import Settings
from scrutiny.store.accounts import AccountError, create_user, find_user, set_active
from scrutiny.store.password_resets import (
    RESET_HOURS,
    ResetLinkUnusable,
    create_reset_link,
    reset_link_account,
    use_reset_link,
)
from scrutiny.store.sessions import count_sessions
from scrutiny.store.sign_in import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    REFUSED,
    WINDOW,
    authenticate,
    client_address,
    unlock,
)
from scrutiny.web import create_app

PASSWORD = "a-long-password"
ATTACKER = "198.51.100.7"
OWNER = "203.0.113.20"


@pytest.fixture
def site(database_url):
    """An app on an empty database with an admin and an officer, and a way to visit it
    from an address."""
    from scrutiny.store.db import make_engine

    engine = make_engine(database_url)
    for email, role in (("admin@example.org", "admin"), ("person@example.org", "ombudsman")):
        create_user(engine, email=email, password=PASSWORD, role=role, actor="test")
    app = create_app(Settings(database_url=database_url, secret_key="test"))

    def visit(address: str) -> PageClient:
        return PageClient(app, client=(address, 50000))

    yield visit, engine
    app.state.engine.dispose()
    engine.dispose()


def _try(client: PageClient, email: str, password: str) -> tuple[int, str]:
    token = client.form_token("/sign-in")
    page = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    found = re.search(r'<a href="#email">([^<]*)</a>', page.text)
    return page.status_code, found.group(1) if found else ""


def test_every_failure_gives_the_same_message(site):
    # What was seen: a locked account had its own message, so anyone could learn which
    # accounts exist (and lock them) with 5 requests.
    visit, engine = site
    set_active(engine, find_user(engine, "person@example.org").id, False, actor="test")
    create_user(engine, email="other@example.org", password=PASSWORD, role="ombudsman", actor="t")
    with visit(ATTACKER) as client:
        answers = {
            "wrong password": _try(client, "admin@example.org", "not-the-password"),
            "unknown account": _try(client, "nobody@example.org", "not-the-password"),
            "switched off": _try(client, "person@example.org", PASSWORD),
        }
        for _ in range(ACCOUNT_LIMIT):
            _try(client, "other@example.org", "not-the-password")
        answers["throttled, right password"] = _try(client, "other@example.org", PASSWORD)
    assert set(answers.values()) == {(400, REFUSED)}, answers


def test_an_attacker_cannot_lock_the_owner_out_from_another_address(site):
    visit, _ = site
    with visit(ATTACKER) as attacker:
        for _ in range(ACCOUNT_LIMIT + 3):
            assert _try(attacker, "admin@example.org", "guess")[0] == 400
        assert _try(attacker, "admin@example.org", PASSWORD)[0] == 400  # shut out
    with visit(OWNER) as owner:
        assert _try(owner, "admin@example.org", PASSWORD)[0] == 303


def test_one_address_is_shut_out_after_failures_over_many_accounts(site):
    visit, _ = site
    with visit(ATTACKER) as attacker:
        for n in range(ADDRESS_LIMIT):
            _try(attacker, f"guess{n % 7}@example.org", "guess")  # under 5 per account
        assert _try(attacker, "person@example.org", PASSWORD)[0] == 400
    with visit(OWNER) as owner:
        assert _try(owner, "person@example.org", PASSWORD)[0] == 303


def test_failures_count_only_within_the_window(engine):
    create_user(engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="t")
    then = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for _ in range(ACCOUNT_LIMIT):
        with pytest.raises(AccountError):
            authenticate(engine, "p@example.org", "guess", ATTACKER, now=then)
    with pytest.raises(AccountError):
        authenticate(engine, "p@example.org", PASSWORD, ATTACKER, now=then + WINDOW / 2)
    later = then + WINDOW + timedelta(seconds=1)
    assert authenticate(engine, "p@example.org", PASSWORD, ATTACKER, now=later).email


def test_a_success_forgets_that_addresses_failures_for_the_account(engine):
    create_user(engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="t")
    for _ in range(2):
        for _ in range(ACCOUNT_LIMIT - 1):
            with pytest.raises(AccountError):
                authenticate(engine, "p@example.org", "typo", OWNER)
        authenticate(engine, "p@example.org", PASSWORD, OWNER)


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:db8::ffff:1", "2001:db8::/64"),  # the same /64: one machine's block
        ("2001:db8:0:1::1", "2001:db8:0:1::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_addresses_are_counted_by_machine(host, counted_as):
    assert client_address(host) == counted_as


def test_an_admin_unlocks_an_account_for_an_address_shut_out(site, monkeypatch, database_url):
    visit, _ = site
    with visit(ATTACKER) as client:
        for _ in range(ACCOUNT_LIMIT):
            _try(client, "person@example.org", "guess")
        assert _try(client, "person@example.org", PASSWORD)[0] == 400
        monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
        result = CliRunner().invoke(cli, ["users", "unlock", "person@example.org"])
        assert result.exit_code == 0, result.output
        assert "person@example.org can sign in again" in result.output
        assert _try(client, "person@example.org", PASSWORD)[0] == 303


def test_the_admin_accounts_page_unlocks_an_account(site):
    visit, engine = site
    person = find_user(engine, "person@example.org")
    with visit(ATTACKER) as client:
        for _ in range(ACCOUNT_LIMIT):
            _try(client, "person@example.org", "guess")
        with visit(OWNER) as admin:
            assert _try(admin, "admin@example.org", PASSWORD)[0] == 303
            token = admin.form_token("/admin/users")
            page = admin.post(f"/admin/users/{person.id}/unlock", data={"csrf_token": token})
            assert "person@example.org can sign in again from every address" in page.text
        assert _try(client, "person@example.org", PASSWORD)[0] == 303


def _reset_link(database_url: str, monkeypatch: pytest.MonkeyPatch, email: str) -> str:
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCRUTINY_BASE_URL", "https://scrutiny.example.org/")
    result = CliRunner().invoke(cli, ["users", "reset-password", email])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://scrutiny.example.org/reset/"), link
    return link.removeprefix("https://scrutiny.example.org")


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    site, monkeypatch, database_url
):
    visit, engine = site
    with visit(OWNER) as laptop, visit(ATTACKER) as thief:
        assert _try(laptop, "person@example.org", PASSWORD)[0] == 303
        assert _try(thief, "person@example.org", PASSWORD)[0] == 303
        path = _reset_link(database_url, monkeypatch, "person@example.org")
        with visit(OWNER) as person:
            form = person.get(path)
            assert "person@example.org" in form.text
            token = person.form_token(path)
            short = person.post(path, data={"csrf_token": token, "password": "short"})
            assert short.status_code == 400
            assert "Error: Set a new password" in short.text
            assert "at least 12 characters" in short.text
            mismatch = {"password": "a-new-long-password", "again": "another-password"}
            page = person.post(path, data={"csrf_token": token, **mismatch})
            assert page.status_code == 400
            assert 'href="#password-again"' in page.text
            new = {"password": "a-new-long-password", "again": "a-new-long-password"}
            done = person.post(path, data={"csrf_token": token, **new})
            assert done.status_code == 200
            assert "Your password has been set" in done.text
            assert person.get(path).status_code == 404  # used up
        for browser in (laptop, thief):
            assert browser.get("/account", follow_redirects=False).status_code == 303
    assert count_sessions(engine, find_user(engine, "person@example.org").id) == 0
    with visit(OWNER) as person:
        assert _try(person, "person@example.org", PASSWORD)[0] == 400
        assert _try(person, "person@example.org", "a-new-long-password")[0] == 303


def test_a_reset_link_expires_is_replaced_by_a_newer_one_and_unlocks(engine):
    then = datetime(2026, 3, 2, 9, tzinfo=UTC)
    create_user(engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="t")
    for _ in range(ACCOUNT_LIMIT):
        with pytest.raises(AccountError):
            authenticate(engine, "p@example.org", "guess", ATTACKER)
    _, old = create_reset_link(engine, "P@example.org", actor="admin", now=then)
    _, token = create_reset_link(engine, "p@example.org", actor="admin", now=then)
    with pytest.raises(ResetLinkUnusable):
        reset_link_account(engine, old, now=then)
    assert reset_link_account(engine, token, now=then) == "p@example.org"
    with pytest.raises(ResetLinkUnusable, match="expired or has already been used"):
        reset_link_account(engine, token, now=then + timedelta(hours=RESET_HOURS, seconds=1))
    with pytest.raises(ResetLinkUnusable):
        reset_link_account(engine, "made-up", now=then)
    use_reset_link(engine, token, "a-new-long-password", "a-new-long-password", now=then)
    assert authenticate(engine, "p@example.org", "a-new-long-password", ATTACKER).email
    with pytest.raises(ResetLinkUnusable):
        use_reset_link(engine, token, "third-long-password", "third-long-password", now=then)


def test_no_reset_link_for_an_unknown_or_switched_off_account(engine):
    with pytest.raises(AccountError, match=r"There is no account for nobody@example\.org"):
        create_reset_link(engine, "nobody@example.org", actor="admin")
    user = create_user(
        engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="t"
    )
    _, token = create_reset_link(engine, "p@example.org", actor="admin")
    set_active(engine, user.id, False, actor="admin")
    with pytest.raises(AccountError, match="switched off"):
        create_reset_link(engine, "p@example.org", actor="admin")
    with pytest.raises(ResetLinkUnusable):
        reset_link_account(engine, token)


def test_unlock_is_written_to_the_audit_log(engine):
    from scrutiny.store.audit import list_audit_entries

    user = create_user(
        engine, email="p@example.org", password=PASSWORD, role="ombudsman", actor="t"
    )
    unlock(engine, user, actor="admin@example.org")
    entry = list_audit_entries(engine, entity="user", entity_id=user.id)[-1]
    assert (entry.action, entry.actor) == ("unlock", "admin@example.org")
