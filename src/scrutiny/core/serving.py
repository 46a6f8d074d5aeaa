"""When the web service may start: one rule, for `scrutiny serve` and the app factory."""

from __future__ import annotations

from scrutiny.core.errors import Invalid

MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class ServingRefused(Invalid):
    """The service would run, but not safely as configured."""


def check_serving(*, secret_key: str, https: bool, workers: int = 1) -> None:
    """ServingRefused unless the service can run with WORKERS processes. Without
    SCRUTINY_SECRET_KEY each worker makes a key of its own, so a form made by one fails at
    another; in production (SCRUTINY_HTTPS=true) the key must also outlive a restart."""
    if secret_key:
        return
    if workers > 1:
        raise ServingRefused(
            f"Set SCRUTINY_SECRET_KEY to serve with {workers} workers: without it each "
            f"worker makes its own key and forms fail at random. Make one with: {MAKE_A_KEY}"
        )
    if https:
        raise ServingRefused(
            "Set SCRUTINY_SECRET_KEY in production (SCRUTINY_HTTPS=true): without it a new "
            f"key is made at each start and forms fail across a restart. Make one with: "
            f"{MAKE_A_KEY}"
        )
