"""The views, one module per kind of user. Each module has one `router`."""

from fastapi import APIRouter

from scrutiny.web.views import (
    account,
    admin,
    api,
    councils,
    national,
    ombudsman,
    opendata,
    packs,
    recommendations,
    reports,
    research,
    returns,
    scrutiny_dashboard,
    self_assessment,
)

ROUTERS: list[APIRouter] = [
    national.router,
    councils.router,
    opendata.router,
    account.router,
    returns.router,
    recommendations.router,
    scrutiny_dashboard.router,
    ombudsman.router,
    admin.router,
    reports.router,
    packs.router,
    self_assessment.router,
    research.router,
    api.router,
]
