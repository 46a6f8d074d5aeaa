"""Research: the impact of complying with Ombudsman recommendations (public).

The study takes seconds on a full database, so each page is computed once per data
version, service area and outcome, through the app's DataCache.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.research.impact import OUTCOMES, SERVICE_AREAS, ImpactError, run_study
from scrutiny.research.impact.chart import event_study_chart
from scrutiny.research.impact.export import in_words, signed
from scrutiny.research.impact.study import ImpactStudy
from scrutiny.web import cache as keys
from scrutiny.web.chart_views import ChartView, chart_view
from scrutiny.web.pages import render
from scrutiny.web.requests import cached_page, data_cache, select_items
from scrutiny.web.security import AskFirst, csrf_protect

router = APIRouter(
    dependencies=[Depends(csrf_protect)], route_class=AskFirst, include_in_schema=False
)


@router.get("/research/impact")
def impact(request: Request, service_area: str = "send", outcome: str = "complaints") -> Response:
    version = data_cache(request).version()
    if service_area not in SERVICE_AREAS:
        service_area = "send"
    if outcome not in OUTCOMES:
        outcome = "complaints"
    return cached_page(request, lambda: _page(request, service_area, outcome), version)


def _study(request: Request, area: str, outcome: str) -> ImpactStudy | str:
    """The study, or why there is none, kept for this data version and day."""
    today = date.today()

    def compute() -> ImpactStudy | str:
        try:
            return run_study(request.app.state.engine, area, outcome, today=today)
        except ImpactError as error:
            return str(error)

    return data_cache(request).get(keys.ImpactStudyResult(area, outcome, today), compute)


def _page(request: Request, area: str, outcome: str) -> HTMLResponse:
    found = _study(request, area, outcome)
    study = found if isinstance(found, ImpactStudy) else None
    problem = found if isinstance(found, str) else ""
    return render(
        request,
        "research/impact.html",
        {
            "title": "Impact of complying with Ombudsman recommendations",
            "study": study,
            "problem": problem,
            "summary": in_words(study) if study else "",
            "event_chart": _chart(study) if study else None,
            "signed": signed,
            "choices": {
                "service_area": select_items(
                    {name: a.label.capitalize() for name, a in SERVICE_AREAS.items()}, area
                ),
                "outcome": select_items({name: o.label for name, o in OUTCOMES.items()}, outcome),
            },
            "area": SERVICE_AREAS[area],
            "measure": OUTCOMES[outcome],
        },
    )


def _chart(study: ImpactStudy) -> ChartView:
    """The event-study chart with its words and figures."""
    period = study.measure.grain
    unit = study.measure.unit
    places = 2 if unit == "percent" else 3  # rates per 10,000 a quarter are small
    stacked = study.event_study.filter(study.event_study["estimator"] == "stacked")
    return chart_view(
        event_study_chart(
            study.event_study, value_title=f"Difference ({unit})", period_word=period
        ),
        id="event-study",
        title=f"{study.measure.label}, {study.area.label}: before and after compliance",
        caption=(
            f"Each point is the difference between councils that complied and their "
            f"comparison councils, {period} by {period}, relative to the {period} before "
            "compliance (set at zero). Bars are 95% intervals. Points before compliance "
            "should sit near zero: if they do not, the councils were already diverging."
        ),
        alt=(
            f"Event-study chart of {study.measure.label.lower()} for {study.area.label}, "
            f"{study.pre} {period}s before to {study.post} after compliance. Stacked "
            "estimates: "
            + "; ".join(
                f"{row['event_time']}: {signed(row['estimate'])}"
                for row in stacked.iter_rows(named=True)
            )
            + "."
        ),
        headings=[
            f"{period.capitalize()}s since compliance",
            "Estimator",
            f"Difference ({unit})",
            "95% interval from",
            "95% interval to",
        ],
        rows=[
            [
                row["event_time"],
                "stacked" if row["estimator"] == "stacked" else "two-way fixed effects",
                signed(row["estimate"], places),
                signed(row["ci_low"], places),
                signed(row["ci_high"], places),
            ]
            for row in study.event_study.iter_rows(named=True)
        ],
    )
