"""The access-control matrix: every route and API endpoint against every kind of visitor.

Each route is declared below with the rule it must follow; a route that is not declared
fails the test, so a new page cannot ship without saying who may use it. Requests go to a
real app on its own small demo database (SQLite and PostgreSQL), as each visitor:
anonymous, County Durham's officer and councillor (the authority in the URLs), an officer
of another council (Birmingham), an Ombudsman analyst and an admin. API routes are tried
with no token, a token for the authority in the URL and a token for another one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from conftest import PageClient
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.store.accounts import create_token, create_user, list_tokens, list_users
from scrutiny.store.db import DATA_TABLES, make_engine

VISITORS = {
    "anonymous": None,
    "officer": "officer@demo.scrutiny",
    "councillor": "councillor@demo.scrutiny",
    "other_officer": "officer@birmingham.demo.scrutiny",
    "ombudsman": "analyst@demo.scrutiny",
    "admin": "admin@demo.scrutiny",
}
# Who each rule lets in (the URL's authority is County Durham, the officer's and
# councillor's own; "other_officer" is Birmingham's).
RULES = {
    "public": set(VISITORS),
    "signed_in": set(VISITORS) - {"anonymous"},
    "reader": {"officer", "councillor", "ombudsman", "admin"},
    "writer": {"officer", "admin"},
    # Committee follow-up: the council's officers and councillors assign; its councillors review.
    "member": {"officer", "councillor", "admin"},
    "councillor": {"councillor", "admin"},
    "ombudsman": {"ombudsman", "admin"},
    "ombudsman_only": {"ombudsman"},  # drafting and finalising recommendations
    "council_officer": {"officer"},  # answering drafts: not councillors, not the Ombudsman
    "admin": {"admin"},
}
# API rules: who may call with which token.
API_RULES = {
    "public": {"none", "own", "other", "ombudsman"},
    "token": {"own"},  # a token for the authority in the URL (or the token's own data)
    "any_token": {"own", "other"},  # any council's token (an Ombudsman token is not one)
    "ombudsman_token": {"ombudsman"},
}

ROUTES: dict[tuple[str, str], str] = {
    # public pages
    ("GET", "/"): "public",
    ("GET", "/councils"): "public",
    ("GET", "/councils/{code}"): "public",
    ("GET", "/councils/{code}.csv"): "public",
    ("GET", "/compare"): "public",
    ("GET", "/compare.csv"): "public",
    ("GET", "/data"): "public",
    ("GET", "/data/{name}.csv"): "public",
    ("GET", "/data/datapackage.json"): "public",
    ("GET", "/standard"): "public",
    ("GET", "/standard/indicators"): "public",
    ("GET", "/standard/templates/{name}.csv"): "public",
    ("GET", "/accessibility"): "public",
    ("GET", "/privacy"): "public",
    ("GET", "/favicon.ico"): "public",
    ("GET", "/how-to-read-comparisons"): "public",
    ("GET", "/docs/{slug}"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/api/v1/docs"): "public",
    ("GET", "/research/impact"): "public",
    ("GET", "/sign-in"): "public",
    ("POST", "/sign-in"): "public",
    ("POST", "/sign-out"): "public",
    ("GET", "/reset/{token}"): "public",
    ("POST", "/reset/{token}"): "public",
    ("GET", "/account"): "signed_in",
    ("GET", "/sign-out"): "signed_in",
    # council pages
    ("GET", "/council/{code}/returns"): "writer",
    ("POST", "/council/{code}/returns"): "writer",
    ("POST", "/council/{code}/returns/confirm"): "writer",
    ("GET", "/council/{code}/mapping"): "writer",
    ("POST", "/council/{code}/mapping"): "writer",
    ("POST", "/council/{code}/mapping/propose"): "writer",
    ("GET", "/council/{code}/recommendations"): "reader",
    ("GET", "/council/{code}/recommendations/{decision_ref}/{number}/evidence"): "writer",
    ("POST", "/council/{code}/recommendations/{decision_ref}/{number}/evidence"): "writer",
    ("GET", "/council/{code}/recommendations/{decision_ref}/{number}/follow-up"): "reader",
    ("POST", "/council/{code}/recommendations/{decision_ref}/{number}/follow-up/assign"): "member",
    ("POST", "/council/{code}/recommendations/{decision_ref}/{number}/follow-up/review"): (
        "councillor"
    ),
    ("GET", "/council/{code}/evidence/{evidence_id}/files"): "writer",
    ("POST", "/council/{code}/evidence/{evidence_id}/files"): "writer",
    ("GET", "/council/{code}/evidence-files/{file_id}"): "reader",
    ("GET", "/council/{code}/evidence-files/{file_id}/withdraw"): "writer",
    ("POST", "/council/{code}/evidence-files/{file_id}/withdraw"): "writer",
    ("GET", "/council/{code}/returns/problems/{report_id}"): "writer",
    ("GET", "/council/{code}/returns/problems/{report_id}/csv"): "writer",
    ("GET", "/council/{code}/scrutiny"): "reader",
    ("GET", "/council/{code}/scrutiny/pack.pdf"): "reader",
    ("GET", "/council/{code}/scrutiny/pack"): "reader",
    ("GET", "/councils/{code}/reports/annual"): "public",
    ("GET", "/councils/{code}/reports/annual/{year}.html"): "public",
    ("GET", "/councils/{code}/reports/annual/{year}.pdf"): "public",
    ("GET", "/ombudsman/reports/national"): "ombudsman",
    ("GET", "/ombudsman/reports/national/{year}.html"): "ombudsman",
    ("GET", "/ombudsman/reports/national/{year}.pdf"): "ombudsman",
    ("GET", "/council/{code}/self-assessment"): "reader",
    ("GET", "/council/{code}/self-assessment/{year}.csv"): "reader",
    ("POST", "/council/{code}/self-assessment/{year}/import"): "writer",
    ("GET", "/council/{code}/self-assessment/{year}/{item}"): "writer",
    ("POST", "/council/{code}/self-assessment/{year}/{item}"): "writer",
    # draft recommendations: the council's readers see its drafts (councillors may read
    # but not answer); only its officers answer; only the Ombudsman drafts and finalises
    ("GET", "/council/{code}/drafts"): "reader",
    ("GET", "/council/{code}/drafts/{draft_id}"): "reader",
    ("POST", "/council/{code}/drafts/{draft_id}/response"): "council_officer",
    ("GET", "/ombudsman/drafts"): "ombudsman",
    ("GET", "/ombudsman/drafts/new"): "ombudsman_only",
    ("POST", "/ombudsman/drafts/new"): "ombudsman_only",
    ("POST", "/ombudsman/drafts/upload"): "ombudsman_only",
    ("POST", "/ombudsman/drafts/{draft_id}/finalise"): "ombudsman_only",
    # the Ombudsman
    ("GET", "/ombudsman/watchlist"): "ombudsman",
    ("GET", "/ombudsman/watchlist.csv"): "ombudsman",
    ("GET", "/ombudsman/watchlist/{code}"): "ombudsman",
    ("GET", "/ombudsman/evidence"): "ombudsman",
    ("POST", "/ombudsman/evidence/{decision_ref}/{number}"): "ombudsman",
    ("GET", "/ombudsman/data-quality"): "ombudsman",
    ("GET", "/ombudsman/data-quality.csv"): "ombudsman",
    ("GET", "/ombudsman/self-assessment"): "ombudsman",
    ("GET", "/ombudsman/self-assessment.csv"): "ombudsman",
    # admin
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{user_id}/active"): "admin",
    ("POST", "/admin/users/{user_id}/sign-out-everywhere"): "admin",
    ("POST", "/admin/users/{user_id}/unlock"): "admin",
    ("POST", "/admin/users/{user_id}/reset-password"): "admin",
    ("GET", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens/{token_id}/revoke"): "admin",
    ("GET", "/admin/authorities"): "admin",
    ("GET", "/admin/audit"): "admin",
}
API_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/authorities"): "public",
    ("GET", "/api/v1/authorities/{code}"): "public",
    ("GET", "/api/v1/indicators"): "public",
    ("GET", "/api/v1/indicators/values"): "public",
    ("GET", "/api/v1/benchmarks/{code}"): "public",
    ("GET", "/api/v1/funnel/{indicator_code}"): "public",
    ("GET", "/api/v1/recommendations"): "public",
    ("GET", "/api/v1/signals/{code}"): "token",
    ("GET", "/api/v1/self-assessment/{code}"): "token",
    ("GET", "/api/v1/submissions"): "any_token",
    ("POST", "/api/v1/submissions"): "any_token",
    # Any council's token; another council's evidence and files answer 404.
    ("GET", "/api/v1/evidence-files"): "any_token",
    ("POST", "/api/v1/evidence/{evidence_id}/files"): "any_token",
    ("GET", "/api/v1/evidence-files/{file_id}"): "any_token",
    ("GET", "/api/v1/ombudsman/evidence/{evidence_id}/files"): "ombudsman_token",
    ("GET", "/api/v1/ombudsman/evidence-files/{file_id}"): "ombudsman_token",
    ("POST", "/api/v1/evidence"): "any_token",
    ("GET", "/api/v1/evidence/{decision_ref}/{number}"): "token",
    ("GET", "/api/v1/ombudsman/evidence"): "ombudsman_token",
    ("POST", "/api/v1/ombudsman/evidence/{evidence_id}/check"): "ombudsman_token",
    ("GET", "/api/v1/follow-up/{code}"): "token",
    ("POST", "/api/v1/follow-up/{code}/{decision_ref}/{number}/assignment"): "token",
    ("POST", "/api/v1/follow-up/{code}/{decision_ref}/{number}/review"): "token",
    # draft recommendations: a council token reads and answers only its own council's
    # (another council's draft is 403); only an Ombudsman token drafts and finalises
    ("GET", "/api/v1/drafts"): "any_token",
    ("GET", "/api/v1/drafts/{draft_id}"): "token",
    ("POST", "/api/v1/drafts/{draft_id}/response"): "token",
    ("GET", "/api/v1/ombudsman/drafts"): "ombudsman_token",
    ("POST", "/api/v1/ombudsman/drafts"): "ombudsman_token",
    ("GET", "/api/v1/ombudsman/drafts/{draft_id}"): "ombudsman_token",
    ("POST", "/api/v1/ombudsman/drafts/{draft_id}/finalise"): "ombudsman_token",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, demo_copy: Any) -> Iterator[dict[str, Any]]:
    """A copy of the demo of its own (the allowed POSTs below may change it), with a spare
    account and token to switch off and revoke, and a Durham recommendation for evidence URLs."""
    with demo_copy(request.param) as url:
        visited = _with_visitors(url)
        yield visited
        visited["app"].state.engine.dispose()


def _with_visitors(url: str) -> dict[str, Any]:
    """The site's app, with a spare account and tokens made, and the URLs' parameters."""
    engine = make_engine(url)
    spare = create_user(
        engine,
        email="spare@example.org",
        password="a-long-password",
        role="council_officer",
        authority_code=DEMO_AUTHORITY,
        actor="test",
    )
    officer = next(u for u in list_users(engine) if u.email == VISITORS["officer"])
    other = next(u for u in list_users(engine) if u.email == VISITORS["other_officer"])
    tokens = {
        "own": create_token(engine, officer, "t", authority_code=DEMO_AUTHORITY, actor="test"),
        "other": create_token(
            engine, other, "t", authority_code=DEMO_OTHER_AUTHORITY, actor="test"
        ),
    }
    analyst = next(u for u in list_users(engine) if u.email == VISITORS["ombudsman"])
    tokens["ombudsman"] = create_token(engine, analyst, "t", authority_code=None, actor="test")
    create_token(engine, spare, "spare", authority_code=DEMO_AUTHORITY, actor="t")
    spare_token = next(t for t in list_tokens(engine) if t["name"] == "spare")
    table = DATA_TABLES["recommendations"]
    with engine.connect() as connection:
        recommendation = connection.execute(
            select(table.c.decision_ref, table.c.recommendation_number)
            .where(table.c.authority_code == DEMO_AUTHORITY)
            .limit(1)
        ).first()
    engine.dispose()
    assert recommendation is not None
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    return {
        "url": url,
        # One app for every visitor: what it computes once (signals take seconds) it keeps.
        "app": create_app(Settings(database_url=url, secret_key="access")),
        "tokens": tokens,
        "params": {
            "code": DEMO_AUTHORITY,
            "decision_ref": recommendation[0],
            "number": str(recommendation[1]),
            "user_id": str(spare.id),
            "token_id": str(spare_token["id"]),  # the admin's allowed POST revokes it
            "report_id": "AAAAAAAAAAAAAAAA",
            "token": "no-such-link",
            "year": "2024-25",
            "item": "6.2",
            "name": "aggregate_returns",
            "indicator_code": "stage1_on_time",
            "slug": "impact",
            # The demo's first evidence and file (another council's unless Durham has open
            # recommendations): the allowed visitors get 404, never 401 or 403.
            "evidence_id": "1",
            "file_id": "1",
            "draft_id": "1",  # the demo's first synthetic draft, County Durham's
        },
    }


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, through its included routers."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    app = create_app(Settings(database_url="sqlite://"))
    found = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for item in contexts() if contexts else [route]:
            if isinstance(item, APIRoute) or hasattr(item, "original_route"):
                found += [(method, item.path) for method in item.methods]
    return sorted(found)


def test_every_route_checks_who_is_asking_before_reading_a_body():
    from scrutiny.settings import Settings
    from scrutiny.web import create_app
    from scrutiny.web.security import AskFirst

    app = create_app(Settings(database_url="sqlite://"))
    kinds = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for item in contexts() if contexts else [route]:
            original = getattr(item, "original_route", item)
            if isinstance(original, APIRoute):
                kinds.add((type(original).__name__, original.path))
    assert kinds and {kind for kind, _ in kinds} == {AskFirst.__name__}, kinds


def test_every_route_is_declared_in_the_matrix():
    declared = set(ROUTES) | set(API_ROUTES)
    found = set(_routes())
    assert sorted(found - declared) == [], "routes with no access rule"
    assert sorted(declared - found) == [], "rules for routes that do not exist"


def _fill(path: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)


def _client_for(site: dict[str, Any], visitor: str) -> PageClient:
    client = PageClient(site["app"])
    if VISITORS[visitor]:
        client.sign_in(VISITORS[visitor])  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_each_page_lets_in_exactly_the_visitors_its_rule_allows(site, visitor):
    wrong = []
    with _client_for(site, visitor) as client:
        token = client.form_token("/sign-in")
        for (method, path), rule in sorted(ROUTES.items()):
            if path == "/sign-out":
                continue  # would end this visitor's session; covered by the account tests
            url = _fill(path, site["params"])
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                response = client.post(url, data={"csrf_token": token}, follow_redirects=False)
            refused = response.status_code in (401, 403) or (
                response.status_code == 303 and response.headers["location"].startswith("/sign-in")
            )
            if response.status_code >= 500:
                wrong.append(f"{method} {url}: server error")
            elif refused == (visitor in RULES[rule]):
                wrong.append(f"{method} {url}: {response.status_code} for {visitor} ({rule})")
    assert wrong == []


@pytest.mark.parametrize("token", ["none", "own", "other", "ombudsman"])
def test_each_api_endpoint_lets_in_exactly_the_tokens_its_rule_allows(site, token):
    wrong = []
    headers = {} if token == "none" else {"Authorization": f"Bearer {site['tokens'][token]}"}
    with PageClient(site["app"]) as client:
        for (method, path), rule in sorted(API_ROUTES.items()):
            url = _fill(path, site["params"])
            if method == "GET":
                response = client.get(url, headers=headers)
            else:
                response = client.post(url, headers=headers, files={"file": ("x.csv", b"a\n1\n")})
            refused = response.status_code in (401, 403)
            if response.status_code >= 500:
                wrong.append(f"{method} {url}: server error")
            elif refused == (token in API_RULES[rule]):
                wrong.append(f"{method} {url}: {response.status_code} with token {token} ({rule})")
    assert wrong == []


def _watched(app: Any, reads: list[str]) -> Any:
    """APP, noting in READS the path of every request whose body the app asks for."""

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def noted() -> Any:
            reads.append(scope["path"])
            return await receive()

        await app(scope, noted if scope["type"] == "http" else receive, send)

    return watching


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_a_post_is_refused_before_its_body_is_read_when_the_visitor_may_not_post(site, visitor):
    # What was seen: the CSRF check read (and spooled to disk) a whole anonymous upload
    # before the 403; FastAPI reads a route's form before running its access checks.
    reads: list[str] = []
    refused_unread: list[str] = []
    read: list[str] = []
    with PageClient(_watched(site["app"], reads)) as client:
        if VISITORS[visitor]:
            client.sign_in(VISITORS[visitor])  # type: ignore[arg-type]
        for (method, path), rule in sorted(ROUTES.items()):
            if method != "POST" or visitor in RULES[rule]:
                continue
            url = _fill(path, site["params"])
            reads.clear()
            response = client.post(
                url, files={"file": ("x.csv", b"a\n" * 1000)}, follow_redirects=False
            )
            assert response.status_code in (303, 401, 403), f"{url}: {response.status_code}"
            (read if reads else refused_unread).append(url)
    assert read == []
    assert refused_unread or visitor == "admin"


def test_an_api_post_without_a_working_token_is_refused_before_its_body_is_read(site):
    reads: list[str] = []
    with PageClient(_watched(site["app"], reads)) as client:
        for headers in ({}, {"Authorization": "Bearer scr_not-a-token"}):
            reads.clear()
            response = client.post(
                "/api/v1/submissions", headers=headers, files={"file": ("x.csv", b"a\n1\n")}
            )
            assert response.status_code == 401
            assert reads == []
