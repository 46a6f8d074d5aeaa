"""The councillors' scrutiny dashboard, and the questions chosen from a council's figures."""

from __future__ import annotations

import polars as pl
import pytest

from conftest import make_client
from scrutiny.councillor.questions import (
    CouncilFigures,
    Measure,
    RepeatedFailure,
    Signal,
    councillor_questions,
)
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.measures.benchmarking import council_benchmark
from scrutiny.standard.indicators import indicator
from scrutiny.web.pages import EXPLAINER


def measure(code: str, value: float, peer_median: float, flag: str | None = "within") -> Measure:
    item = indicator(code)
    return Measure(code, item.name, item.unit, item.direction, value, peer_median, flag)


def figures(*measures: Measure, **overrides) -> CouncilFigures:
    return CouncilFigures(
        authority_code="E06000047",
        period="2024-25",
        peer_group="all unitary councils",
        measures={m.code: m for m in measures},
        quarter="2024-25 Q4",
        **overrides,
    )


def topics(found: CouncilFigures) -> list[str]:
    return [q.topic for q in councillor_questions(found)]


def test_a_council_within_its_peers_funnels_is_asked_nothing_in_particular():
    found = figures(
        measure("stage1_on_time", 70, 72),
        measure("stage1_per_10k", 12, 13),
        measure("ombudsman_uphold_rate", 60, 65),
    )
    assert councillor_questions(found) == []


def test_stage1_on_time_below_peers_asks_why_fewer_are_answered_on_time():
    [question] = councillor_questions(figures(measure("stage1_on_time", 47, 72, "low_alert")))
    assert question.text.startswith("Why are fewer complaints answered on time")
    assert (
        "47% in 2024-25, against a median of 72% among all unitary councils"
        in (question.because[0])
    )


def test_on_time_below_the_median_but_inside_the_funnel_is_not_a_question():
    assert topics(figures(measure("stage1_on_time", 65, 72, "within"))) == []


@pytest.mark.parametrize(
    ("flag", "asked"),
    [
        ("low_alert", "Access to complaints"),
        ("low_alarm", "Access to complaints"),
        ("high_alert", "What residents complain about"),
        ("within", None),
    ],
)
def test_complaint_volumes_against_peers(flag, asked):
    found = topics(figures(measure("stage1_per_10k", 5, 13, flag)))
    assert found == ([asked] if asked else [])


def test_a_falling_volume_signal_alone_asks_whether_it_is_easy_to_complain():
    signal = Signal("volume_falling", 1, "Complaints per 10,000 residents are falling.")
    [question] = councillor_questions(figures(signals=(signal,)))
    assert question.text.startswith("Is it easy for residents to complain?")
    assert question.because == ("Complaints per 10,000 residents are falling.",)


def test_an_ombudsman_uphold_rate_above_peers_is_asked_about():
    assert topics(figures(measure("ombudsman_uphold_rate", 90, 60, "high_alarm"))) == [
        "Ombudsman decisions"
    ]
    # A low uphold rate is favourable: no question.
    assert topics(figures(measure("ombudsman_uphold_rate", 20, 60, "low_alarm"))) == []


def test_few_stage1_upholds_with_many_ombudsman_upholds_asks_about_putting_things_right():
    found = figures(
        measure("stage1_upheld", 10, 45, "low_alert"),
        measure("ombudsman_upheld_per_100k", 4, 1, "high_alert"),
    )
    assert topics(found) == ["Ombudsman decisions", "Putting things right early"]
    # Few stage 1 upholds alone has no direction: no question.
    assert topics(figures(measure("stage1_upheld", 10, 45, "low_alert"))) == []


def test_overdue_recommendations_are_asked_about_with_their_number():
    [question] = councillor_questions(
        figures(overdue_recommendations=3, most_working_days_overdue=42)
    )
    assert question.topic == "Overdue Ombudsman recommendations"
    assert question.because == (
        "3 Ombudsman recommendations past the due date without compliance confirmed, "
        "the oldest 42 working days over.",
    )
    assert topics(figures(overdue_recommendations=0)) == []


def test_repeated_failures_of_one_kind_are_asked_about():
    repeated = (RepeatedFailure("financial_remedy", 3, "24 000 001, 24 000 002"),)
    [question] = councillor_questions(figures(repeated_failures=repeated))
    assert question.topic == "Repeated failures"
    assert "3 financial remedy recommendations" in question.because[0]


@pytest.mark.parametrize(
    ("signal", "topic"),
    [
        ("public_interest_report", "Public interest report"),
        ("return_overdue", "Complaint data"),
        ("sudden_change", "Changes in the latest quarter"),
        ("escalation_rising", "Escalations to stage 2"),
        ("compliance_falling", "Compliance with recommendations"),
        ("complaint_handling_fault", "Complaint-handling faults"),
    ],
)
def test_each_early_warning_signal_of_the_latest_quarter_prompts_its_question(signal, topic):
    found = figures(signals=(Signal(signal, 2, f"The {signal} sentence."),))
    [question] = councillor_questions(found)
    assert question.topic == topic
    assert question.because == (f"The {signal} sentence.",)


@pytest.fixture(scope="module")
def client(demo_url):
    """One client for the module, so its app computes the early-warning signals once."""
    with make_client(demo_url) as client:
        yield client


def test_a_councillor_sees_the_figures_against_peers_and_the_questions(client, demo_url):
    from scrutiny.store.db import make_engine

    client.sign_in("councillor@demo.scrutiny")
    page = client.get(f"/council/{DEMO_AUTHORITY}/scrutiny")
    assert page.status_code == 200
    assert "Questions to ask" in page.text and "Questions to ask every year" in page.text
    engine = make_engine(demo_url)
    expected = council_benchmark(engine, DEMO_AUTHORITY, "2024-25")
    engine.dispose()
    on_time = expected.filter(pl.col("indicator") == "stage1_on_time").row(0, named=True)
    counts = f"({on_time['numerator']:,.0f} of {on_time['denominator']:,.0f})"
    assert f"{on_time['value']:,.1f}% {counts}" in page.text  # the count beside the share
    assert f"{on_time['peer_median']:,.1f}%" in page.text
    assert f"compared with {on_time['peer_group']}" in page.text
    if "(unfavourable)" in on_time["reading"]:
        assert "Why are fewer complaints answered on time" in page.text
    # Every flag links to the page explaining it, and the council has one name on the page.
    assert f'href="{EXPLAINER}#positions" data-flag="{on_time["flag"]}"' in page.text
    assert "County Durham" not in page.text and "Durham County Council" in page.text


def test_the_peer_group_can_be_chosen_and_a_wrong_one_is_refused(client):
    client.sign_in("councillor@demo.scrutiny")
    page = client.get(f"/council/{DEMO_AUTHORITY}/scrutiny?peers=region")
    assert page.status_code == 200
    assert "unitary councils in North East" in page.text
    assert client.get(f"/council/{DEMO_AUTHORITY}/scrutiny?peers=league").status_code == 400


def test_councillors_and_officers_see_only_their_own_councils_dashboard(client):
    client.sign_in("councillor@demo.scrutiny")
    assert client.get(f"/council/{DEMO_OTHER_AUTHORITY}/scrutiny").status_code == 403
    client.sign_in("officer@birmingham.demo.scrutiny")
    assert client.get(f"/council/{DEMO_AUTHORITY}/scrutiny").status_code == 403
    assert client.get(f"/council/{DEMO_OTHER_AUTHORITY}/scrutiny").status_code == 200


def test_the_ombudsman_sees_any_councils_dashboard(client):
    client.sign_in("analyst@demo.scrutiny")
    assert client.get(f"/council/{DEMO_OTHER_AUTHORITY}/scrutiny").status_code == 200
    assert client.get("/council/E99999999/scrutiny").status_code == 404


def test_a_councillor_sees_the_dashboard_but_cannot_upload_a_return(client):
    client.sign_in("councillor@demo.scrutiny")
    assert client.get(f"/council/{DEMO_AUTHORITY}/scrutiny").status_code == 200
    assert client.get(f"/council/{DEMO_AUTHORITY}/returns").status_code == 403
    token = client.form_token("/account")
    refused = client.post(
        f"/council/{DEMO_AUTHORITY}/returns",
        data={"csrf_token": token},
        files={"file": ("x.csv", b"authority_code\n", "text/csv")},
    )
    assert refused.status_code == 403
