"""Signing in and out, setting a password from a one-time link, and the visitor's account."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.store.accounts import ROLE_NAMES, AccountError, User, list_tokens
from scrutiny.store.password_resets import reset_link_account, use_reset_link
from scrutiny.store.sign_in import authenticate, client_address
from scrutiny.web.pages import render
from scrutiny.web.security import AskFirst, csrf_protect, sign_in, sign_out, signed_in

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)


def _safe_next(target: str) -> str:
    """Only paths on this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return render(request, "account/sign_in.html", {"title": "Sign in", "next": _safe_next(next)})


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    host = request.client.host if request.client else None
    try:
        user = authenticate(request.app.state.engine, email, password, client_address(host))
    except AccountError as error:
        return render(
            request,
            "account/sign_in.html",
            {
                "title": "Sign in",
                "next": _safe_next(next),
                "email": email,
                "error": str(error),
                "error_count": 1,
            },
            status_code=400,
        )
    sign_in(request, user)
    return RedirectResponse(_landing(user, _safe_next(next)), status_code=303)


def _landing(user: User, next: str) -> str:
    if next != "/":
        return next
    if user.role == "council_officer":
        return f"/council/{user.authority_code}/returns"
    if user.role == "councillor":
        return f"/council/{user.authority_code}/scrutiny"
    return "/ombudsman/watchlist"


@router.get("/sign-out")
def sign_out_page(request: Request, user: User = Depends(signed_in)) -> Response:
    """The header's "Sign out" link: a button that signs out (a POST with the session's form
    token, which the header cannot hold, as public pages are cached for every visitor of
    a role)."""
    return render(request, "account/sign_out.html", {"title": "Sign out"})


@router.post("/sign-out")
def sign_out_submit(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account_page(request: Request, user: User = Depends(signed_in)) -> Response:
    tokens = list_tokens(request.app.state.engine, user.id)
    return render(
        request,
        "account/account.html",
        {"title": "Your account", "role_name": ROLE_NAMES[user.role], "tokens": tokens},
    )


@router.get("/reset/{token}")
def reset_page(request: Request, token: str) -> Response:
    """The form to set a new password, for a working one-time link."""
    email = reset_link_account(request.app.state.engine, token)
    return _reset_page(request, token, email)


def _reset_page(
    request: Request, token: str, email: str, error: str = "", status_code: int = 200
) -> Response:
    field = "password-again" if "match" in error else "password"
    return render(
        request,
        "account/reset.html",
        {
            "title": "Set a new password",
            "token": token,
            "email": email,
            "error": error,
            "error_field": field,
            "error_count": 1 if error else 0,
        },
        status_code=status_code,
    )


@router.post("/reset/{token}")
def reset_submit(
    request: Request, token: str, password: str = Form(""), again: str = Form("")
) -> Response:
    """Set the password; the account's sessions end, this visitor's too."""
    engine = request.app.state.engine
    try:
        email = use_reset_link(engine, token, password, again)
    except AccountError as error:
        return _reset_page(
            request, token, reset_link_account(engine, token), str(error), status_code=400
        )
    sign_out(request)
    return render(
        request, "account/reset_done.html", {"title": "Your password has been set", "email": email}
    )
