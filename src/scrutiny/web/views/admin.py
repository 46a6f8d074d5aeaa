"""Administration: accounts, API tokens, the authorities and the audit log (admins only)."""

from __future__ import annotations

import json
from collections import Counter
from math import ceil
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.reference.authorities import load_authorities
from scrutiny.reference.council_search import search_authorities
from scrutiny.store.accounts import (
    COUNCIL_ROLES,
    ROLE_NAMES,
    ROLES,
    AccountError,
    User,
    create_token,
    create_user,
    get_user,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
)
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.password_resets import RESET_HOURS, create_reset_link, reset_address
from scrutiny.store.sessions import end_user_sessions
from scrutiny.store.sign_in import unlock
from scrutiny.web.audit_links import entry_links
from scrutiny.web.pages import render
from scrutiny.web.security import AskFirst, csrf_protect, role_in

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)
admin = role_in("admin")
NOTICE = "admin_notice"  # a one-off message in the session, shown after a redirect
PER_PAGE = 50


def _councils() -> list[dict[str, str]]:
    """Current councils by name, for the authority choices on forms."""
    current = load_authorities().filter("current").sort("name")
    return [
        {"code": code, "name": name}
        for code, name in current.select("gss_code", "name").iter_rows()
    ]


def _field(message: str) -> str:
    """Which form field an AccountError is about, so the error summary can link to it."""
    lowered = message.lower()
    for word, field in (
        ("password", "password"),
        ("email", "email"),
        ("account for", "email"),
        ("role", "role"),
        ("authority", "authority_code"),
        ("council code", "authority_code"),
    ):
        if word in lowered:
            return field
    return "email"


# --- Accounts ---------------------------------------------------------------------------


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(admin)) -> Response:
    return _users_page(request, notice=request.session.pop(NOTICE, None))


def _users_page(
    request: Request,
    *,
    notice: str | None = None,
    error: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    reset: dict[str, str] | None = None,
) -> Response:
    names = {c["code"]: c["name"] for c in _councils()}
    response = render(
        request,
        "admin/users.html",
        {
            "title": "Accounts",
            "accounts": list_users(request.app.state.engine),
            "role_names": ROLE_NAMES,
            "roles": ROLES,
            "council_roles": COUNCIL_ROLES,
            "councils": _councils(),
            "council_names": names,
            "notice": notice,
            "error": error,
            "error_count": 1 if error else 0,
            "form": form or {},
            "reset": reset,
            "reset_hours": RESET_HOURS,
        },
        status_code=400 if error else 200,
    )
    if reset:
        response.headers["Cache-Control"] = "no-store"  # the link must not outlive the page
    return response


@router.post("/admin/users")
def users_create(
    request: Request,
    email: str = Form(""),
    role: str = Form(""),
    authority_code: str = Form(""),
    password: str = Form(""),
    user: User = Depends(admin),
) -> Response:
    # An authority chosen for an Ombudsman or admin account is ignored, not refused: the
    # select keeps its value when the role radios change, and those roles see everything.
    authority = authority_code if role in COUNCIL_ROLES else None
    try:
        made = create_user(
            request.app.state.engine,
            email=email,
            password=password,
            role=role,
            authority_code=authority or None,
            actor=user.email,
        )
    except AccountError as problem:
        field = _field(str(problem))
        return _users_page(
            request,
            error={"text": str(problem), "href": f"#{field}", "field": field},
            form={"email": email, "role": role, "authority_code": authority_code},
        )
    request.session[NOTICE] = f"Account made for {made.email} ({ROLE_NAMES[made.role]})."
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/active")
def users_set_active(
    request: Request, user_id: int, active: str = Form(""), user: User = Depends(admin)
) -> Response:
    switch_on = active == "true"
    if user_id == user.id and not switch_on:
        # Switching yourself off would end your own session mid-way: ask another admin.
        return _users_page(
            request,
            error={"text": "You cannot switch off your own account", "href": "#accounts"},
        )
    try:
        set_active(request.app.state.engine, user_id, switch_on, actor=user.email)
    except AccountError as problem:
        return _users_page(request, error={"text": str(problem), "href": "#accounts"})
    state = "switched on" if switch_on else "switched off"
    request.session[NOTICE] = f"Account {user_id} {state}."
    return RedirectResponse("/admin/users", status_code=303)


def _account(request: Request, user_id: int) -> User:
    """The account USER_ID, switched on or off (404 for none)."""
    found = next((u for u in list_users(request.app.state.engine) if u.id == user_id), None)
    if found is None:
        raise HTTPException(404)
    return found


@router.post("/admin/users/{user_id}/sign-out-everywhere")
def users_sign_out_everywhere(
    request: Request, user_id: int, user: User = Depends(admin)
) -> Response:
    account = _account(request, user_id)
    ended = end_user_sessions(request.app.state.engine, account.id, actor=user.email)
    request.session[NOTICE] = (
        f"{account.email} signed out everywhere: {ended} session{'s' if ended != 1 else ''} ended."
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/unlock")
def users_unlock(request: Request, user_id: int, user: User = Depends(admin)) -> Response:
    account = _account(request, user_id)
    unlock(request.app.state.engine, account, actor=user.email)
    request.session[NOTICE] = f"{account.email} can sign in again from every address."
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/reset-password")
def users_reset_password(request: Request, user_id: int, user: User = Depends(admin)) -> Response:
    account = _account(request, user_id)
    try:
        _, token = create_reset_link(request.app.state.engine, account.email, actor=user.email)
    except AccountError as problem:
        return _users_page(request, error={"text": str(problem), "href": "#accounts"})
    # Shown on this response only: only the token's hash is kept.
    link = reset_address(request.app.state.settings.base_url, token)
    return _users_page(request, reset={"email": account.email, "link": link})


# --- API tokens -------------------------------------------------------------------------


OMBUDSMAN_SCOPE = "ombudsman"  # the authority field's value for an Ombudsman token


@router.get("/admin/tokens")
def tokens_page(request: Request, user: User = Depends(admin)) -> Response:
    return _tokens_page(request, notice=request.session.pop(NOTICE, None))


def _tokens_page(
    request: Request,
    *,
    notice: str | None = None,
    error: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    new_token: str | None = None,
) -> Response:
    engine = request.app.state.engine
    # Tokens submit returns, so only accounts that may change an authority's data get one;
    # an Ombudsman account gets an Ombudsman token (OMBUDSMAN_SCOPE), for no one authority.
    holders = [
        u
        for u in list_users(engine)
        if u.active and u.role in ("admin", "council_officer", "ombudsman")
    ]
    response = render(
        request,
        "admin/tokens.html",
        {
            "title": "API tokens",
            "tokens": list_tokens(engine),
            "holders": holders,
            "ombudsman_scope": OMBUDSMAN_SCOPE,
            "councils": _councils(),
            "notice": notice,
            "error": error,
            "error_count": 1 if error else 0,
            "form": form or {},
            "new_token": new_token,
        },
        status_code=400 if error else 200,
    )
    if new_token:
        response.headers["Cache-Control"] = "no-store"  # the token must not outlive the page
    return response


@router.post("/admin/tokens")
def tokens_create(
    request: Request,
    user_id: str = Form(""),
    name: str = Form(""),
    authority_code: str = Form(""),
    user: User = Depends(admin),
) -> Response:
    engine = request.app.state.engine
    form = {"user_id": user_id, "name": name, "authority_code": authority_code}
    holder = get_user(engine, int(user_id)) if user_id.isdigit() else None
    try:
        if holder is None:
            raise AccountError("Choose the account the token is for")
        if not authority_code:
            raise AccountError("Choose the authority the token may submit returns for")
        scope = None if authority_code == OMBUDSMAN_SCOPE else authority_code
        token = create_token(engine, holder, name, authority_code=scope, actor=user.email)
    except AccountError as problem:
        message = str(problem)
        field = (
            "user_id"
            if "account" in message or "cannot submit" in message
            else "name"
            if "name" in message
            else "authority_code"
        )
        return _tokens_page(
            request, error={"text": message, "href": f"#{field}", "field": field}, form=form
        )
    # Shown on this response only: it is not kept anywhere we could show it from again.
    return _tokens_page(request, new_token=token, form={})


@router.post("/admin/tokens/{token_id}/revoke")
def tokens_revoke(request: Request, token_id: int, user: User = Depends(admin)) -> Response:
    try:
        revoke_token(request.app.state.engine, token_id, actor=user.email)
    except AccountError as problem:
        return _tokens_page(request, error={"text": str(problem), "href": "#tokens"})
    request.session[NOTICE] = f"Token {token_id} revoked: it no longer works."
    return RedirectResponse("/admin/tokens", status_code=303)


# --- Authorities and the audit log ------------------------------------------------------


def _pagination(path: str, page: int, pages: int, **query: str) -> dict[str, Any] | None:
    """GOV.UK pagination links for PAGE of PAGES, keeping the page's other QUERY values."""
    if pages <= 1:
        return None

    def link(number: int) -> dict[str, str]:
        kept = {key: value for key, value in query.items() if value}
        return {
            "href": f"{path}?{urlencode({**kept, 'page': number})}",
            "labelText": f"{number} of {pages}",
        }

    return {
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }


@router.get("/admin/authorities")
def authorities_page(
    request: Request, q: str = "", page: int = Query(1, ge=1), user: User = Depends(admin)
) -> Response:
    populations = load_authorities().select("gss_code", "population_2021")
    found = search_authorities(q).join(populations, on="gss_code", how="left").sort("name")
    pages = max(1, ceil(found.height / PER_PAGE))
    page = min(page, pages)
    shown = found.slice((page - 1) * PER_PAGE, PER_PAGE)
    accounts = Counter(u.authority_code for u in list_users(request.app.state.engine))
    return render(
        request,
        "admin/authorities.html",
        {
            "title": "Authorities",
            "q": q,
            "found": found.height,
            "authorities": [
                {**row, "accounts": accounts.get(row["gss_code"], 0)}
                for row in shown.iter_rows(named=True)
            ],
            "page": page,
            "pages": pages,
            "pagination": _pagination("/admin/authorities", page, pages, q=q),
        },
    )


@router.get("/admin/audit")
def audit_page(
    request: Request, entity: str = "", page: int = Query(1, ge=1), user: User = Depends(admin)
) -> Response:
    engine = request.app.state.engine
    every = list_audit_entries(engine)
    entities = sorted({e.entity for e in every})
    chosen = [e for e in every if e.entity == entity] if entity else every
    chosen.reverse()  # newest first
    pages = max(1, ceil(len(chosen) / PER_PAGE))
    page = min(page, pages)
    shown = chosen[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render(
        request,
        "admin/audit.html",
        {
            "title": "Audit log",
            "entity": entity,
            "entities": entities,
            "found": len(chosen),
            "entries": [{"entry": e, "detail": _detail(e.detail)} for e in shown],
            "links": entry_links(engine, shown),
            "page": page,
            "pages": pages,
            "pagination": _pagination("/admin/audit", page, pages, entity=entity),
        },
    )


def _detail(detail: dict[str, Any] | None) -> str:
    """An audit entry's detail as "key: value" pairs a person can scan."""
    if not detail:
        return ""
    shown = (
        f"{key.replace('_', ' ')}: {value if isinstance(value, str) else json.dumps(value)}"
        for key, value in sorted(detail.items())
    )
    return "; ".join(shown)
