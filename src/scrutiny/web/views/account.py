"""Signing in and out, and the visitor's own account."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.store.accounts import ROLE_NAMES, AccountError, User, authenticate, list_tokens
from scrutiny.web.pages import render
from scrutiny.web.security import csrf_protect, sign_in, sign_out, signed_in

router = APIRouter(dependencies=[Depends(csrf_protect)])


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
    try:
        user = authenticate(request.app.state.engine, email, password)
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
