"""Signing in and out, the account page, CSRF and the security headers."""

from __future__ import annotations

from scrutiny.demo.build import DEMO_AUTHORITY


def test_sign_in_takes_a_council_officer_to_their_returns(demo_client):
    demo_client.sign_in("officer@demo.scrutiny")
    page = demo_client.get("/account")
    assert page.status_code == 200
    assert "officer@demo.scrutiny" in page.text
    assert DEMO_AUTHORITY in page.text


def test_wrong_password_shows_the_error_summary_and_does_not_sign_in(demo_client):
    token = demo_client.form_token("/sign-in")
    page = demo_client.post(
        "/sign-in",
        data={"email": "officer@demo.scrutiny", "password": "wrong-password", "csrf_token": token},
    )
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text
    assert "<title>Error: Sign in" in page.text
    assert demo_client.get("/account", follow_redirects=False).status_code == 303


def test_a_form_posted_without_its_csrf_token_is_refused(demo_client):
    demo_client.get("/sign-in")
    page = demo_client.post(
        "/sign-in", data={"email": "officer@demo.scrutiny", "password": "demo-password"}
    )
    assert page.status_code == 403


def test_signing_out_ends_the_session(demo_client):
    demo_client.sign_in("analyst@demo.scrutiny")
    token = demo_client.form_token("/account")
    signed_out = demo_client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert demo_client.get("/account", follow_redirects=False).status_code == 303


def test_every_response_carries_the_security_headers(demo_client):
    headers = demo_client.get("/sign-in").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # only when served over HTTPS
    assert "httponly" in headers["set-cookie"].lower()


def test_over_https_cookies_are_secure_and_hsts_is_sent(database_url):
    from fastapi.testclient import TestClient

    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    app = create_app(Settings(database_url=database_url, secret_key="k", https=True))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/sign-in")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in response.headers["set-cookie"].lower()
