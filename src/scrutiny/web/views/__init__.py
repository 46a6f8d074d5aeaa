"""The views, one module per kind of user. Each module has one `router`.

May import what scrutiny.web may (every package but the demo and the CLI). A view shares
with other views only through scrutiny.web.requests, never by importing another view:
import-linter's views-are-routers contract checks it (docs/architecture.md).
"""

from fastapi import APIRouter

from scrutiny.web.views import (
    account,
    admin,
    api,
    councils,
    drafts,
    evidence_files,
    follow_up,
    health,
    mappings,
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
    health.router,
    national.router,
    councils.router,
    opendata.router,
    account.router,
    returns.router,
    mappings.router,
    recommendations.router,
    evidence_files.router,
    drafts.router,
    follow_up.router,
    scrutiny_dashboard.router,
    ombudsman.router,
    admin.router,
    reports.router,
    packs.router,
    self_assessment.router,
    research.router,
    api.router,
]
