"""Early-warning signals and the watchlist, from small constructed returns in a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import update

from conftest import frame_years
from scrutiny.core.periods import quarter_label
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import submissions
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.watchlist import default_weights, scores, watchlist


def run_cli(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCRUTINY_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "scrutiny", *args], capture_output=True, text=True, env=env
    )


COUNCILS = (
    load_authorities()
    .filter(pl.col("current") & (pl.col("type") == "london_borough"))
    .head(10)
    .select("gss_code", "population_2021")
    .rows()
)
WATCHED = COUNCILS[0][0]  # Barking and Dagenham: the council things happen to
QUARTERS = [  # 2021-22 Q1 to 2023-24 Q4: twelve quarters
    (start, pl.select(pl.lit(start).dt.offset_by("3mo").dt.offset_by("-1d")).item())
    for start in pl.date_range(date(2021, 4, 1), date(2024, 1, 1), "3mo", eager=True)
]
LAST = QUARTERS[-1]


def quarter_rows(
    council: str,
    population: int,
    start: date,
    end: date,
    *,
    wiggle: int = 0,
    rate: float = 10.0,
    on_time: float = 0.8,
    escalated: float = 0.1,
    upheld_share: float = 0.4,
) -> list[dict[str, Any]]:
    """A council's aggregate return for one quarter: stage 1 and stage 2 rows."""
    received = round(population / 10_000 * rate) + wiggle
    answered = round(received * (on_time + wiggle / 1000))
    stage2 = round(received * escalated) + wiggle % 3
    common = {"authority_code": council, "period_start": start, "period_end": end}

    def stage(number: int, count: int, timely: int) -> dict[str, Any]:
        upheld = round(count * upheld_share) if number == 1 else count * 4 // 10
        return common | {
            "stage": number,
            "received": count,
            "refused": 0,
            "acknowledged_on_time": count,
            "responded": count,
            "responded_within_timescale": timely,
            "responded_within_extended_timescale": timely,
            "extended": 0,
            "upheld": upheld,
            "partly_upheld": 0,
            "not_upheld": count - upheld,
            "withdrawn": 0,
            "service_improvements": upheld // 2,
            "working_days_to_respond_total": count * 8,
            "working_days_to_respond_median": 8.0,
        }

    return [stage(1, received, answered), stage(2, stage2, round(stage2 * 0.9))]


def national_returns(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Twelve quarters for ten London boroughs; CHANGES[quarter label] alter WATCHED's."""
    rows = []
    for index, (council, population) in enumerate(COUNCILS):
        for number, (start, end) in enumerate(QUARTERS):
            wiggle = (index * 7 + number * 5) % 9 - 4  # small, fixed, different everywhere
            overrides = changes.get(quarter_label(start), {}) if council == WATCHED else {}
            rows += quarter_rows(council, population, start, end, wiggle=wiggle, **overrides)
    return rows


def store(engine: Any, tmp_path: Path, name: str, rows: list[dict[str, Any]], **kw: Any) -> None:
    """Write ROWS as a CSV and import it through the normal path."""
    path = tmp_path / f"{name}.csv"
    frame = pl.DataFrame(rows)
    frame.write_csv(path)
    if "period_start" not in kw:
        kw.setdefault("period", frame_years(frame))
    result = submit_return(path, Settings(), engine, submitted_by="test", **kw)
    assert result.stored, result.report.to_text()


def signals_of(found: pl.DataFrame, signal: str, council: str = WATCHED) -> pl.DataFrame:
    return found.filter((pl.col("signal") == signal) & (pl.col("authority_code") == council))


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["evidence"])


def test_a_collapse_in_timeliness_below_peers_is_an_adverse_peer_outlier(engine, tmp_path):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"on_time": 0.3}}))
    found = compute_signals(engine, date(2024, 4, 30))
    outliers = signals_of(found, "peer_outlier").filter(pl.col("period_start") == LAST[0])
    row = next(
        r for r in outliers.iter_rows(named=True) if evidence(r)["indicator"] == "stage1_on_time"
    )
    assert row["severity"] == 2
    assert (
        "30% in 2023-24 Q4, well below the range expected for councils like "
        "London Borough of Barking and Dagenham" in row["sentence"]
    )
    assert evidence(row)["peer_group"] == "all london borough councils"
    assert evidence(row)["flag"] == "low_alarm"
    assert "additive over-dispersion" in evidence(row)["rule"]


def test_councils_in_line_with_their_peers_and_favourable_outliers_raise_no_funnel_signal(
    engine, tmp_path
):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"on_time": 0.99}}))
    found = compute_signals(engine, date(2024, 4, 30))
    on_time = found.filter(
        (pl.col("signal") == "peer_outlier")
        & pl.col("evidence").str.contains('"indicator": "stage1_on_time"')
    )
    assert on_time.is_empty()  # 99% on time is favourable; the others are within


def test_a_sudden_fall_in_a_councils_own_timeliness_is_a_special_cause(engine, tmp_path):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"on_time": 0.3}}))
    found = compute_signals(engine, date(2024, 4, 30))
    causes = signals_of(found, "special_cause")
    assert causes["period_start"].to_list() == [LAST[0]]  # only the quarter it fell
    row = causes.row(0, named=True)
    assert row["severity"] == 2
    assert evidence(row)["indicator"] == "stage1_on_time"
    assert "astronomical" in evidence(row)["rule"]
    assert "outside the range its own record would lead us to expect" in row["sentence"]
    steady = found.filter(
        (pl.col("signal") == "special_cause")
        & (pl.col("authority_code") != WATCHED)
        & pl.col("evidence").str.contains('"indicator": "stage1_on_time"')
    )
    assert steady.is_empty()


def test_falling_complaint_volumes_are_flagged_against_peers_and_the_councils_record(
    engine, tmp_path
):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"rate": 3.0}}))
    found = compute_signals(engine, date(2024, 4, 30))
    # Both the XmR chart and the change against the council's own year may say so.
    assert signals_of(found, "volume_falling")["period_start"].unique().to_list() == [LAST[0]]
    low = signals_of(found, "volume_low").row(0, named=True)
    assert "people find it hard to complain (Code 3.3)" in low["sentence"]
    assert found.filter(pl.col("signal").is_in(["volume_low", "volume_falling"]))[
        "authority_code"
    ].unique().to_list() == [WATCHED]


def test_a_rising_escalation_rate_is_flagged_and_a_steady_one_is_not(engine, tmp_path):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"escalated": 0.4}}))
    found = compute_signals(engine, date(2024, 4, 30))
    rising = found.filter(pl.col("signal") == "escalation_rising")
    assert rising["authority_code"].to_list() == [WATCHED]
    assert rising["period_start"].to_list() == [LAST[0]]


def decision(ref: str, day: date, **overrides: Any) -> dict[str, Any]:
    return {
        "ombudsman": "lgsco",
        "decision_ref": ref,
        "authority_code": WATCHED,
        "decision_date": day,
        "category": "housing",
        "outcome": "upheld",
        "fault_found": True,
        "complaint_handling_fault": False,
        "satisfactory_remedy_by_authority": False,
        "public_interest_report": False,
    } | overrides


def test_ombudsman_complaint_handling_faults_and_public_interest_reports_are_signals(
    engine, tmp_path
):
    rows = [
        decision("23 000 001", date(2023, 11, 2), complaint_handling_fault=True),
        decision("23 000 002", date(2023, 11, 9), complaint_handling_fault=True),
        decision("23 000 003", date(2023, 12, 1), public_interest_report=True),
        decision("23 000 004", date(2023, 12, 5)),  # fault, but not in complaint handling
        decision("23 000 005", date(2024, 2, 1), complaint_handling_fault=True),  # later
    ]
    store(engine, tmp_path, "decisions", rows)
    found = compute_signals(engine, date(2023, 12, 31))
    fault = signals_of(found, "complaint_handling_fault").row(0, named=True)
    assert fault["severity"] == 2
    assert evidence(fault)["decisions"] == ["23 000 001", "23 000 002"]
    assert "2 decisions in 2023-24 Q3" in fault["sentence"]
    report = signals_of(found, "public_interest_report").row(0, named=True)
    assert evidence(report)["decisions"] == ["23 000 003"]
    assert found.height == 2  # the decision of 1 February 2024 was not known yet


def recommendation(number: int, due: date, completed: date | None, status: str, **kw: Any):
    return {
        "decision_ref": "23 000 010",
        "recommendation_number": number,
        "authority_code": WATCHED,
        "kind": kw.get("kind", "financial_remedy"),
        "beneficiary": "complainant",
        "amount_gbp": 200.0 if kw.get("kind", "financial_remedy") == "financial_remedy" else None,
        "agreed_date": date(2023, 6, 1),
        "due_date": due,
        "completed_date": completed,
        "compliance_status": status,
    }


def test_recommendations_missed_by_their_due_date_are_signals_more_severe_when_repeated(
    engine, tmp_path
):
    rows = [
        recommendation(1, date(2023, 8, 1), date(2023, 7, 20), "complied"),
        recommendation(2, date(2023, 8, 1), date(2023, 8, 20), "complied_late"),
        recommendation(3, date(2023, 11, 1), date(2023, 11, 30), "complied_late"),
        recommendation(4, date(2023, 11, 1), None, "not_complied", kind="apology"),
        recommendation(5, date(2023, 11, 1), date(2023, 10, 1), "complied", kind="apology"),
    ]
    store(engine, tmp_path, "recommendations", rows)
    found = signals_of(compute_signals(engine, date(2024, 1, 10)), "recommendations_missed")
    first, second = found.iter_rows(named=True)
    assert (first["period_start"], first["severity"]) == (date(2023, 7, 1), 1)
    assert first["sentence"] == (
        "1 of 2 Ombudsman recommendations due in 2023-24 Q2 was not complied with by the due date."
    )
    assert (second["period_start"], second["severity"]) == (date(2023, 10, 1), 2)
    assert evidence(second)["repeated"] == [{"kind": "financial_remedy", "times": 2}]
    assert evidence(second)["recommendations"] == ["23 000 010 #3", "23 000 010 #4"]


def test_a_recommendation_completed_late_after_the_as_of_date_counts_as_overdue_then(
    engine, tmp_path
):
    rows = [recommendation(1, date(2023, 8, 1), date(2024, 2, 1), "complied_late")]
    store(engine, tmp_path, "recommendations", rows)
    found = signals_of(compute_signals(engine, date(2023, 10, 31)), "recommendations_missed")
    assert found["period_start"].to_list() == [date(2023, 7, 1)]


def test_a_quarter_with_no_return_by_its_due_date_is_a_governance_signal(engine, tmp_path):
    quarter = [(date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 7, 1), date(2024, 9, 30))]
    for number, (start, end) in enumerate(quarter):
        for council, population in COUNCILS[:3]:
            if council == WATCHED and number == 1:
                continue  # never sent
            rows = quarter_rows(council, population, start, end)
            store(engine, tmp_path, f"r{number}{council}", rows, period_start=start, period_end=end)
    arrived = {COUNCILS[1][0]: date(2024, 10, 20), COUNCILS[2][0]: date(2024, 11, 20)}
    with engine.begin() as connection:
        first = datetime(2024, 7, 10, tzinfo=UTC)
        connection.execute(update(submissions).values(submitted_at=first))
        for council, day in arrived.items():
            connection.execute(
                update(submissions)
                .where(
                    (submissions.c.authority_code == council)
                    & (submissions.c.period_start == quarter[1][0])
                )
                .values(submitted_at=datetime.combine(day, datetime.min.time(), UTC))
            )
    found = compute_signals(engine, date(2024, 12, 1))
    overdue = found.filter(
        (pl.col("signal") == "return_overdue") & pl.col("authority_code").is_in([*arrived, WATCHED])
    )
    by_council = {r["authority_code"]: r for r in overdue.iter_rows(named=True)}
    assert set(by_council) == {WATCHED, COUNCILS[2][0]}  # the first quarter was on time
    assert by_council[WATCHED]["severity"] == 2
    assert (
        "2024-25 Q2 was due by 30 October 2024 and has not arrived"
        in (by_council[WATCHED]["sentence"])
    )
    assert "arrived late, on 20 November 2024" in by_council[COUNCILS[2][0]]["sentence"]
    # As of a day before the late return arrived, only what was known then is used.
    earlier = compute_signals(engine, date(2024, 11, 10)).filter(
        (pl.col("signal") == "return_overdue") & (pl.col("authority_code") == COUNCILS[2][0])
    )
    assert earlier.row(0, named=True)["severity"] == 2


def test_no_return_is_expected_for_quarters_due_before_the_store_began(engine, tmp_path):
    store(engine, tmp_path, "returns", national_returns())
    found = compute_signals(engine, date(2024, 4, 30))
    assert found.filter(pl.col("signal") == "return_overdue").is_empty()


def test_the_watchlist_ranks_councils_by_weighted_severity_with_reasons_and_trend(engine, tmp_path):
    store(
        engine,
        tmp_path,
        "returns",
        national_returns(**{"2023-24 Q4": {"on_time": 0.3, "rate": 3.0, "escalated": 0.4}}),
    )
    found = watchlist(engine, date(2024, 4, 30), top=5)
    first = found.row(0, named=True)
    assert first["authority_code"] == WATCHED
    assert first["period"] == "2023-24 Q4"
    reasons = json.loads(first["signals"])
    expected = sum(default_weights()[r["signal"]] * r["severity"] for r in reasons)
    assert first["score"] == pytest.approx(expected)
    assert first["on_watch"] and first["trend"] == "rising"
    assert {"peer_outlier", "special_cause", "volume_falling"} <= {r["signal"] for r in reasons}
    # What was seen: a serious signal of weight 0 (peer_outlier) listed before those that
    # score. The signals that add most come first; those that add nothing come last.
    points = [r["weight"] * r["severity"] for r in reasons]
    assert points == sorted(points, reverse=True)
    assert [r["points"] for r in reasons] == points
    assert reasons[0]["weight"] > 0 and reasons[-1]["signal"] == "peer_outlier"
    heavier = watchlist(engine, date(2024, 4, 30), weights={"volume_falling": 10.0})
    falling = [r["severity"] for r in reasons if r["signal"] == "volume_falling"]
    assert heavier.row(0, named=True)["score"] == pytest.approx(10.0 * sum(falling))
    with pytest.raises(ValueError, match="no signal called volume"):
        scores(compute_signals(engine, date(2024, 4, 30)), {"volume": 1.0})


def test_rows_dated_after_the_as_of_date_change_neither_signals_nor_watchlist(engine, tmp_path):
    """Later complaints, decisions and recommendations, and later outcomes, are ignored."""
    as_of = date(2023, 12, 31)
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q3": {"on_time": 0.3}}))
    early_decisions = [decision("23 000 001", date(2023, 11, 2), complaint_handling_fault=True)]
    store(engine, tmp_path, "decisions", early_decisions)
    store(
        engine,
        tmp_path,
        "recommendations",
        [recommendation(1, date(2023, 11, 1), None, "pending")],
    )
    before_signals = compute_signals(engine, as_of)
    before = watchlist(engine, as_of)
    assert before.height > 0 and before_signals.height > 0

    later = quarter_rows(WATCHED, 218876, date(2024, 4, 1), date(2024, 6, 30), rate=1.0)
    store(engine, tmp_path, "later_returns", later)
    store(
        engine,
        tmp_path,
        "later_decisions",
        [*early_decisions, decision("23 000 009", date(2024, 1, 3), public_interest_report=True)],
        replace=True,  # a corrected decisions file for 2023-24
    )
    store(
        engine,
        tmp_path,
        "next_year_decisions",
        [decision("24 000 001", date(2024, 5, 3), complaint_handling_fault=True)],
    )
    store(
        engine,
        tmp_path,
        "later_recommendations",
        [
            # The same recommendation, now complied with (late, after the as-of date).
            recommendation(1, date(2023, 11, 1), date(2024, 1, 20), "complied_late"),
            recommendation(2, date(2024, 2, 1), None, "not_complied"),
        ],
        replace=True,
    )
    assert compute_signals(engine, as_of).equals(before_signals)
    assert watchlist(engine, as_of).equals(before)
    assert compute_signals(engine, date(2024, 6, 30)).height > before_signals.height


def test_a_quarters_signals_do_not_change_when_later_quarters_arrive(engine, tmp_path):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q3": {"on_time": 0.3}}))
    found = compute_signals(engine, date(2024, 4, 30))
    earlier = compute_signals(engine, date(2023, 12, 31))
    assert found.filter(pl.col("period_end") <= date(2023, 12, 31)).equals(earlier)


def test_signals_command_prints_one_councils_signals_as_json_and_text(database_url, tmp_path):
    from scrutiny.store.db import make_engine

    engine = make_engine(database_url)
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"on_time": 0.3}}))
    engine.dispose()
    args = ["signals", "--authority", WATCHED, "--as-of", "2024-04-30"]
    result = run_cli([*args, "--format", "json"], database_url)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {row["signal"] for row in rows} >= {"peer_outlier", "special_cause"}
    assert isinstance(rows[0]["evidence"], dict)
    text = run_cli(args, database_url)
    assert text.returncode == 0, text.stderr
    assert "[serious] special_cause: Stage 1 responses" in text.stdout
    watch = run_cli(["watchlist", "--as-of", "2024-04-30", "--format", "csv"], database_url)
    assert watch.returncode == 0, watch.stderr
    assert watch.stdout.splitlines()[1].split(",")[1] == WATCHED
    shown = run_cli(["watchlist", "--as-of", "2024-04-30", "--top", "3"], database_url)
    assert shown.returncode == 0, shown.stderr
    assert "Watchlist, 2023-24 Q4" in shown.stdout and "Barking and Dagenham" in shown.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["signals", "--authority", "E99999999"],
        ["signals", "--authority", WATCHED, "--format", "xml"],
        ["watchlist", "--format", "xml"],
        ["watchlist", "--top", "0"],
        ["watchlist", "--peers", "nearest"],
        ["watchlist", "--as-of", "30/04/2024"],
    ],
)
def test_signals_and_watchlist_commands_exit_2_with_a_message_on_bad_input(args, another_sqlite):
    url = another_sqlite("empty.db")
    result = run_cli(args, url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Error" in result.stdout + result.stderr


def test_a_quarter_is_named_as_councils_name_it():
    assert quarter_label(date(2023, 7, 1)) == "2023-24 Q2"
    assert quarter_label(date(2024, 1, 1)) == "2023-24 Q4"
    assert quarter_label(date(2024, 4, 1) - timedelta(days=0)) == "2024-25 Q1"


def test_a_sudden_change_against_the_councils_own_year_is_flagged_and_a_steady_one_is_not(
    engine, tmp_path
):
    store(engine, tmp_path, "returns", national_returns(**{"2023-24 Q4": {"on_time": 0.3}}))
    found = compute_signals(engine, date(2024, 4, 30))
    sudden = found.filter(pl.col("signal") == "sudden_change")
    assert sudden["authority_code"].unique().to_list() == [WATCHED]
    assert sudden["period_start"].unique().to_list() == [LAST[0]]
    evidence = json.loads(sudden.row(0, named=True)["evidence"])
    assert evidence["z"] >= 4 and "previous 4 quarters" in evidence["rule"]


def test_a_councils_fourth_quarter_is_compared_with_its_first_three_and_its_third_is_not(
    engine, tmp_path
):
    changes = {"2021-22 Q3": {"on_time": 0.3}, "2021-22 Q4": {"on_time": 0.3}}
    store(engine, tmp_path, "returns", national_returns(**changes))
    sudden = signals_of(compute_signals(engine, date(2022, 4, 30)), "sudden_change")
    assert sudden["period_start"].unique().to_list() == [date(2022, 1, 1)]
    row = sudden.row(0, named=True)
    assert evidence(row)["baseline_quarters"] == 3
    assert "over the previous 3 quarters" in row["sentence"]


@pytest.mark.parametrize(
    ("upheld_share", "fires"),
    [
        (0.55, True),  # 15 points above its usual 40%: beyond the lower bar for uphold rates
        (0.46, False),  # 6 points: fewer than the 8 the rule asks for
        (0.25, False),  # a fall in the uphold rate is not a warning
    ],
)
def test_a_rise_in_the_uphold_rate_is_a_sudden_change_at_its_lower_bar(
    engine, tmp_path, upheld_share, fires
):
    changes = {"2023-24 Q4": {"upheld_share": upheld_share}}
    store(engine, tmp_path, "returns", national_returns(**changes))
    sudden = signals_of(compute_signals(engine, date(2024, 4, 30)), "sudden_change")
    assert sudden.height == (1 if fires else 0)
    if fires:
        row = sudden.row(0, named=True)
        assert evidence(row)["indicator"] == "stage1_upheld"
        assert "z >= 2.75" in evidence(row)["rule"]
        assert "at least 8 points" in evidence(row)["rule"]
        assert "55% in 2023-24 Q4, against 40% over the previous 4 quarters" in row["sentence"]


def due_recommendations(ref: str, due: date, on_time: int, missed: int) -> list[dict[str, Any]]:
    """ON_TIME recommendations completed before DUE and MISSED never complied with."""
    agreed = due - timedelta(days=60)
    rows = []
    for number in range(1, on_time + missed + 1):
        late = number > on_time
        row = recommendation(number, due, None if late else agreed, "not_complied")
        row |= {"decision_ref": ref, "agreed_date": agreed}
        row["compliance_status"] = "not_complied" if late else "complied"
        rows.append(row)
    return rows


def record(*quarters: tuple[int, int]) -> list[dict[str, Any]]:
    """Recommendations due mid-quarter from 2022-23 Q3 on: (on time, missed) per quarter."""
    rows = []
    for index, (on_time, missed) in enumerate(quarters):
        due = pl.select(pl.lit(date(2022, 11, 15)).dt.offset_by(f"{3 * index}mo")).item()
        rows += due_recommendations(f"22 100 {index:03d}", due, on_time, missed)
    return rows


# The year before (2022-23 Q3 to 2023-24 Q2), then the six months to 2023-24 Q4's end.
@pytest.mark.parametrize(
    ("quarters", "severity"),
    [
        ([(2, 0), (3, 0), (2, 0), (3, 0), (0, 3), (0, 3)], 2),  # all 6 missed, none before
        ([(3, 0), (3, 0), (3, 0), (3, 0), (1, 2), (1, 2)], 1),  # 4 of 6, none of 12 before
        ([(3, 1), (3, 1), (3, 1), (3, 1), (3, 1), (3, 1)], None),  # a steady one in four
        ([(8, 0), (8, 0), (8, 0), (8, 0), (0, 1), (0, 1)], None),  # only two missed
        ([(2, 0), (3, 0), (2, 0), (3, 0), (6, 1), (6, 2)], None),  # 3 of 15: not 25 points
    ],
)
def test_a_clearly_larger_share_of_recommendations_missed_than_the_year_before_is_flagged(
    engine, tmp_path, quarters, severity
):
    store(engine, tmp_path, "recommendations", record(*quarters))
    found = signals_of(compute_signals(engine, date(2024, 4, 30)), "compliance_falling")
    if severity is None:
        assert found.is_empty()
        return
    row = found.filter(pl.col("period_start") == date(2024, 1, 1)).row(0, named=True)
    assert row["severity"] == severity
    recent = sum(m for _, m in quarters[4:])
    assert row["sentence"].startswith(
        f"{recent} of 6 Ombudsman recommendations due in the six months to the end of "
        "2023-24 Q4 were not complied with by the due date"
    )
    assert "Fisher's exact test" in evidence(row)["rule"]
    assert evidence(row)["baseline_missed"] == 0


def test_compliance_falling_uses_only_recommendations_due_by_each_quarters_end(engine, tmp_path):
    quarters = [(2, 0), (3, 0), (2, 0), (3, 0), (1, 2), (0, 3), (0, 4)]
    store(engine, tmp_path, "recommendations", record(*quarters))
    found = signals_of(compute_signals(engine, date(2024, 7, 31)), "compliance_falling")
    earlier = signals_of(compute_signals(engine, date(2024, 3, 31)), "compliance_falling")
    assert earlier.height > 0
    assert found.filter(pl.col("period_end") <= date(2024, 3, 31)).equals(earlier)


def test_one_councils_signals_are_exactly_its_share_of_every_councils(demo_url):
    from scrutiny.measures.indicators import compute_indicators
    from scrutiny.store.db import make_engine

    engine = make_engine(demo_url)
    as_of = date(2025, 4, 30)
    quarters = compute_indicators(engine, "quarter")
    every = compute_signals(engine, as_of, indicators=quarters)
    busiest = every.group_by("authority_code").len().sort("len", descending=True)
    codes = [*busiest["authority_code"].head(3).to_list(), "E06000047", "E09000001"]
    for code in codes:
        own = compute_signals(engine, as_of, indicators=quarters, authority_code=code)
        assert own.height > 0 or code == "E09000001"
        assert own.equals(every.filter(pl.col("authority_code") == code)), code
    engine.dispose()


def test_repeated_kinds_of_missed_recommendation_are_listed_most_repeated_first():
    from scrutiny.warning.signals.ombudsman import recommendation_signals

    quarter = (date(2023, 10, 1), date(2023, 12, 31))
    kinds = ["apology", "apology", "service_improvement", "service_improvement"] + [
        "financial_remedy"
    ] * 3
    missed = pl.DataFrame(
        {
            "authority_code": WATCHED,
            "decision_ref": "23 000 010",
            "recommendation_number": list(range(1, len(kinds) + 1)),
            "kind": kinds,
            "due_date": date(2023, 11, 1),
            "period_start": quarter[0],
            "period_end": quarter[1],
            "missed": True,
        }
    )
    row = recommendation_signals(missed).row(0, named=True)
    assert [r["kind"] for r in evidence(row)["repeated"]] == [
        "financial_remedy",
        "apology",
        "service_improvement",
    ]
    assert row["sentence"].endswith(
        "financial remedy (3 times), apology (2 times), service improvement (2 times)."
    )
