"""The research page: the impact of complying with recommendations (public)."""

from __future__ import annotations

from typing import Any


def test_impact_page_shows_the_estimate_chart_comparisons_and_caveats(demo_client: Any):
    page = demo_client.get("/research/impact?service_area=adult_care&outcome=complaints")
    assert page.status_code == 200
    text = page.text
    assert "Impact of complying with Ombudsman recommendations" in text
    assert 'id="event-study"' in text and "95% interval" in text
    assert "Compared with" in text and "What this can and cannot tell you" in text
    assert "SHA-256" in text


def test_impact_page_for_the_ehc_outcome_says_its_figures_are_calendar_years(demo_client: Any):
    page = demo_client.get("/research/impact?service_area=send&outcome=ehc_20_weeks")
    assert page.status_code == 200
    assert "calendar year" in page.text


def test_impact_page_falls_back_to_defaults_for_unknown_choices(demo_client: Any):
    page = demo_client.get("/research/impact?service_area=parks&outcome=nothing")
    assert page.status_code == 200
    assert "Special educational needs" in page.text


def test_impact_page_explains_when_a_study_cannot_be_run(demo_client: Any):
    page = demo_client.get("/research/impact?service_area=housing&outcome=ehc_20_weeks")
    assert page.status_code == 200
    assert "only for special educational needs" in page.text
