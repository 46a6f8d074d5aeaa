"""Self-assessment against the Complaint Handling Code: checklist, pre-fills, answers, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

from conftest import make_complaints, store_year_of_complaints
from scrutiny.core.errors import NotFound
from scrutiny.councillor.self_assessment import (
    AUDIT_ENTITY,
    AnswerInvalid,
    SelfAssessmentError,
    item_history,
    load_checklist,
    prefill_from_data,
    read_self_assessment,
    save_self_assessment_item,
)
from scrutiny.councillor.self_assessment_csv import ImportRefused, export_csv, import_csv
from scrutiny.measures.indicators import compute_indicators
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
YEAR = "2024-25"
OFFICER = "officer@durham.example.org"
SECTIONS = [
    "1. Definitions",
    "2. Exclusions",
    "3. Accessibility and awareness",
    "4. Complaint handling staff",
    "5. The complaint handling process",
    "6. Complaint stages",
    "7. Putting things right",
    "8. Performance reporting and self-assessment",
    "9. Scrutiny and oversight",
]


def store_year(engine, authority_code=DURHAM, count=20):
    """COUNT stage 1 complaints received from 8 April 2024, built so each pre-fill is known:

    rows 0-1 acknowledged 20 days late (18 of 20 on time: partly meets at 90%); rows 2-6
    extended by 5 working days and row 7 by 15, all with reasons (5 of 6 within the limit:
    83.3%, partly meets); rows 8-12 refused with a reason (5 of 5: meets); rows 16-19 do not
    record reasonable adjustments (16 of 20: 80%, partly meets); every response on time.
    """
    n = pl.int_range(pl.len())
    received = pl.col("received_date")
    frame = make_complaints(count, authority_code=authority_code).with_columns(
        acknowledged_date=pl.when(n < 2)
        .then(received + timedelta(days=20))
        .otherwise(pl.col("acknowledged_date")),
        responded_date=pl.when(n < 2)
        .then(received + timedelta(days=25))
        .otherwise(pl.col("responded_date")),
        extension_working_days=pl.when(n.is_between(2, 6))
        .then(5)
        .when(n == 7)
        .then(15)
        .otherwise(0)
        .cast(pl.Int64),
        extension_reason=pl.when(n.is_between(2, 7)).then(pl.lit("Waiting for a site visit")),
        acceptance=pl.when(n.is_between(8, 12))
        .then(pl.lit("refused"))
        .otherwise(pl.lit("accepted")),
        refusal_reason=pl.when(n.is_between(8, 12)).then(pl.lit("outside_time_limit")),
        outcome=pl.when(n.is_between(8, 12)).then(None).otherwise(pl.col("outcome")),
        reasonable_adjustments=pl.when(n >= 16).then(None).otherwise(pl.lit(False)),
    )
    store_year_of_complaints(engine, frame, submitted_by=OFFICER)


def by_item(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["item"]: row for row in frame.to_dicts()}


def test_checklist_follows_the_codes_nine_sections_with_one_row_per_item():
    checklist = load_checklist()
    assert [s for s in dict.fromkeys(i.section for i in checklist)] == SECTIONS
    items = [i.item for i in checklist]
    assert len(items) == len(set(items))
    for entry in checklist:
        assert entry.item.split(".")[0] == entry.section.split(".")[0], entry.item
        assert entry.requirement and "  " not in entry.requirement


def test_items_whose_paragraph_is_unconfirmed_say_so():
    for entry in load_checklist():
        if entry.item[-1].isalpha():  # 4.A, 6.A...: our numbering, not the Code's
            assert "not" in entry.requirement and (
                "confirmed" in entry.requirement or "retrieved" in entry.requirement
            ), entry.item
    assert "LGSCO's good practice guides" in next(
        i.requirement for i in load_checklist() if i.section.startswith("4.")
    )


def test_every_prefill_states_thresholds_that_make_sense():
    rules = [i.prefill for i in load_checklist() if i.prefill]
    assert len(rules) >= 6
    assert all(0 < rule.partly_at < rule.meets_at <= 100 for rule in rules)


def test_an_empty_year_reads_as_the_checklist_not_assessed(engine):
    frame = read_self_assessment(engine, DURHAM, YEAR)
    assert frame.columns == [
        "section",
        "item",
        "requirement",
        "status",
        "evidence",
        "action",
        "action_owner",
        "action_due",
        "source",
        "note",
    ]
    assert frame.height == len(load_checklist())
    assert frame["status"].null_count() == frame.height
    assert frame["source"].null_count() == frame.height


def test_data_prefills_each_item_it_can_answer_with_status_and_figures(engine):
    store_year(engine)
    rows = by_item(read_self_assessment(engine, DURHAM, YEAR))
    expected = {
        "6.2": ("partly_meets", "18 of 20 (90%) stage 1 complaints received in 2024-25"),
        "6.3": ("meets", "20 of 20 (100%) stage 1 responses sent in 2024-25"),
        "6.4": ("partly_meets", "5 of 6 (83.3%) stage 1 responses sent in 2024-25 after an ext"),
        "2.1": ("meets", "5 of 5 (100%) stage 1 complaints refused in 2024-25"),
        "5.6": ("partly_meets", "16 of 20 (80%) stage 1 complaints received in 2024-25"),
    }
    for item, (status, figures) in expected.items():
        assert rows[item]["status"] == status, item
        assert rows[item]["source"] == "data"
        assert rows[item]["note"].startswith(figures), rows[item]["note"]
        assert "meets at" in rows[item]["note"] and "partly meets at" in rows[item]["note"]
    assert "outside time limit 5" in rows["2.1"]["note"]
    # No stage 2 complaints: nothing to say about stage 2; nothing said about the rest.
    assert rows["6.A"]["status"] is None and rows["6.A"]["source"] is None
    assert rows["9.4"]["status"] is None and rows["9.4"]["note"] is None


def test_timeliness_prefills_use_the_same_figures_as_the_indicators(engine):
    store_year(engine)
    found = prefill_from_data(engine, DURHAM, YEAR)
    indicators = compute_indicators(engine).filter(
        (pl.col("authority_code") == DURHAM) & (pl.col("period_start") == date(2024, 4, 1))
    )
    for item, code in (("6.2", "stage1_acknowledged_on_time"), ("6.3", "stage1_on_time")):
        figure = indicators.filter(pl.col("indicator") == code).row(0, named=True)
        assert (found[item].numerator, found[item].denominator) == (
            figure["numerator"],
            figure["denominator"],
        )


def test_too_few_complaints_give_no_prefill(engine):
    store_year(engine, count=4)
    assert "6.2" not in prefill_from_data(engine, DURHAM, YEAR)


def test_a_councils_answer_wins_over_the_prefill(engine):
    store_year(engine)
    changed = save_self_assessment_item(
        engine,
        DURHAM,
        YEAR,
        "6.2",
        status="does_not_meet",
        evidence="Acknowledgements slipped over the summer",
        action="Add a second triage officer",
        action_owner="Head of Customer Services",
        action_due=date(2025, 9, 30),
        actor=OFFICER,
    )
    assert changed
    row = by_item(read_self_assessment(engine, DURHAM, YEAR))["6.2"]
    assert row["status"] == "does_not_meet"
    assert row["source"] == "council"
    assert row["note"] is None
    assert row["action_due"] == date(2025, 9, 30)
    assert row["action_owner"] == "Head of Customer Services"
    # Another council and another year are untouched.
    assert by_item(read_self_assessment(engine, BIRMINGHAM, YEAR))["6.2"]["status"] is None
    assert by_item(read_self_assessment(engine, DURHAM, "2023-24"))["6.2"]["source"] is None


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"status": "fine"}, {"status"}),
        ({"status": None}, {"status"}),
        ({"action": "Train staff"}, {"action_owner", "action_due"}),
        ({"action": "Train staff", "action_owner": "Head of Service"}, {"action_due"}),
        ({"action": "Train staff", "action_due": date(2025, 6, 30)}, {"action_owner"}),
        ({"action_owner": "Head of Service"}, {"action"}),
        ({"evidence": "x" * 5001}, {"evidence"}),
    ],
)
def test_save_refuses_an_answer_with_mistakes_naming_each_field(engine, changes, fields):
    answer = {"status": "meets", **changes}
    with pytest.raises(AnswerInvalid) as raised:
        save_self_assessment_item(engine, DURHAM, YEAR, "3.2", actor=OFFICER, **answer)
    assert set(raised.value.fields) == fields
    assert isinstance(raised.value, ValueError)
    assert read_self_assessment(engine, DURHAM, YEAR)["source"].null_count() == len(
        load_checklist()
    )


@pytest.mark.parametrize(
    ("code", "year", "item", "words"),
    [
        (DURHAM, YEAR, "3.9", "no checklist item '3.9'"),
        (DURHAM, "2024", "3.2", "write it as 2024-25"),
        (DURHAM, "2024-26", "3.2", "write it as 2024-25"),
    ],
)
def test_save_refuses_unknown_items_and_years(engine, code, year, item, words):
    with pytest.raises(SelfAssessmentError, match=words):
        save_self_assessment_item(engine, code, year, item, status="meets", actor=OFFICER)


def test_save_refuses_an_unknown_council(engine):
    with pytest.raises(NotFound, match="no council has the code 'E99999999'"):
        save_self_assessment_item(engine, "E99999999", YEAR, "3.2", status="meets", actor=OFFICER)


def test_every_change_is_in_the_audit_log_and_an_unchanged_save_writes_nothing(engine):
    save: dict[str, Any] = {
        "status": "partly_meets",
        "evidence": "Policy on the website",
        "actor": OFFICER,
    }
    assert save_self_assessment_item(engine, DURHAM, YEAR, "3.4-3.5", **save)
    assert not save_self_assessment_item(engine, DURHAM, YEAR, "3.4-3.5", **save)
    assert save_self_assessment_item(
        engine, DURHAM, YEAR, "3.4-3.5", **{**save, "status": "meets", "actor": "second@x.org"}
    )
    history = item_history(engine, DURHAM, YEAR, "3.4-3.5")
    assert [(e.actor, e.action) for e in history] == [
        (OFFICER, "self_assessment_answered"),
        ("second@x.org", "self_assessment_changed"),
    ]
    assert history[1].detail["before"]["status"] == "partly_meets"
    assert history[1].detail["after"]["status"] == "meets"
    assert history[1].detail["item"] == "3.4-3.5" and history[1].detail["year"] == YEAR
    assert len(list_audit_entries(engine, entity=AUDIT_ENTITY)) == 2


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _write(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_csv_round_trip_stores_only_what_was_changed(engine):
    store_year(engine)
    save_self_assessment_item(engine, DURHAM, YEAR, "1.6", status="meets", actor=OFFICER)
    exported = export_csv(engine, DURHAM, YEAR)
    rows = _rows(exported)
    assert len(rows) == len(load_checklist())
    assert {r["authority_code"] for r in rows} == {DURHAM}
    assert by_item(pl.DataFrame(rows))["6.2"]["source"] == "data"

    assert import_csv(engine, DURHAM, YEAR, exported, actor=OFFICER) == []
    for row in rows:
        if row["item"] == "9.5":
            row.update(
                status="Partly meets",
                evidence="=Cabinet member named; no committee",
                action="Name the committee",
                action_owner="Monitoring Officer",
                action_due="30/06/2025",
            )
        if row["item"] == "6.2":
            row["evidence"] = "Checked against the case system"
    assert import_csv(engine, DURHAM, YEAR, _write(rows), actor="editor@x.org") == ["6.2", "9.5"]
    stored = by_item(read_self_assessment(engine, DURHAM, YEAR))
    assert stored["9.5"]["status"] == "partly_meets"
    assert stored["9.5"]["action_due"] == date(2025, 6, 30)
    assert stored["9.5"]["evidence"] == "=Cabinet member named; no committee"
    assert stored["6.2"]["source"] == "council" and stored["6.2"]["status"] == "partly_meets"
    assert stored["1.6"]["status"] == "meets"
    # A cell that would run as a spreadsheet formula is exported quoted, and reads back.
    again = export_csv(engine, DURHAM, YEAR)
    assert "'=Cabinet member named" in again
    assert import_csv(engine, DURHAM, YEAR, again, actor=OFFICER) == []
    assert item_history(engine, DURHAM, YEAR, "9.5")[0].detail["via"] == "csv"


def test_import_with_one_bad_row_stores_nothing_and_names_every_problem(engine):
    rows = _rows(export_csv(engine, DURHAM, YEAR))
    rows[0].update(status="meets", evidence="Defined in the policy, section 2")
    rows[3].update(status="maybe")
    rows[5].update(status="does not meet", action="Write it down")
    rows[6].update(authority_code=BIRMINGHAM, status="meets")
    rows[7].update(item="1.99", status="meets")
    rows[8].update(status="meets", action="Review", action_owner="Me", action_due="next week")
    rows[9].update(financial_year="2023-24", status="meets")
    with pytest.raises(ImportRefused) as raised:
        import_csv(engine, DURHAM, YEAR, _write(rows), actor=OFFICER)
    found = {(p.row, p.column) for p in raised.value.problems}
    assert found == {
        (5, "status"),
        (7, "action_owner"),
        (7, "action_due"),
        (8, "authority_code"),
        (9, "item"),
        (10, "action_due"),
        (11, "financial_year"),
    }
    messages = {(p.row, p.column): p.message for p in raised.value.problems}
    assert "write meets, partly meets or does not meet" in messages[(5, "status")]
    assert "you are importing E06000047" in messages[(8, "authority_code")]
    assert "write it as 2025-06-30" in messages[(10, "action_due")]
    assert "nothing was stored" in str(raised.value)
    assert read_self_assessment(engine, DURHAM, YEAR)["source"].null_count() == len(
        load_checklist()
    )
    assert list_audit_entries(engine, entity=AUDIT_ENTITY) == []


def test_import_refuses_a_file_without_item_and_status_columns_and_repeated_items(engine):
    with pytest.raises(ImportRefused) as raised:
        import_csv(engine, DURHAM, YEAR, "paragraph,answer\n1.2,meets\n", actor=OFFICER)
    assert {(p.row, p.column) for p in raised.value.problems} == {(1, "item"), (1, "status")}
    twice = "item,status\n1.2,meets\n1.4,meets\n1.2,partly meets\n"
    with pytest.raises(ImportRefused, match=r"item 1\.2 is also on row 2"):
        import_csv(engine, DURHAM, YEAR, twice, actor=OFFICER)


def test_a_short_file_with_only_some_items_and_a_byte_order_mark_is_fine(engine):
    text = "\ufeffitem,status,evidence\n3.2,Meets,Any channel\n\n3.7,partly_meets,\n"
    assert import_csv(engine, DURHAM, YEAR, text, actor=OFFICER) == ["3.2", "3.7"]
    rows = by_item(read_self_assessment(engine, DURHAM, YEAR))
    assert rows["3.2"]["evidence"] == "Any channel"
    assert rows["3.7"]["status"] == "partly_meets"


def test_the_command_line_exports_and_imports_with_clear_errors(database_url, tmp_path):
    from typer.testing import CliRunner

    from scrutiny.cli import app

    runner = CliRunner()
    env = {"SCRUTINY_DATABASE_URL": database_url, "SCRUTINY_USER": OFFICER}
    target = tmp_path / "durham.csv"
    args = ["--authority", DURHAM, "--year", YEAR]
    exported = runner.invoke(app, ["self-assessment", "export", *args, "--output", target], env=env)
    assert exported.exit_code == 0, exported.output
    rows = _rows(target.read_text(encoding="utf-8"))
    rows[0]["status"] = "meets"
    target.write_text(_write(rows), encoding="utf-8")
    imported = runner.invoke(app, ["self-assessment", "import", str(target), *args], env=env)
    assert imported.exit_code == 0, imported.output
    assert "1 item changed (1.2)" in " ".join(imported.output.split())
    rows[1]["status"] = "sort of"
    target.write_text(_write(rows), encoding="utf-8")
    refused = runner.invoke(app, ["self-assessment", "import", str(target), *args], env=env)
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert "nothing was stored" in said and "row 3, column status" in said
    wrong_year = runner.invoke(
        app, ["self-assessment", "export", "--authority", DURHAM, "--year", "2024"], env=env
    )
    assert wrong_year.exit_code == 2
    assert "write it as 2024-25" in " ".join(wrong_year.output.split())
    engine = make_engine(database_url)
    assert item_history(engine, DURHAM, YEAR, "1.2")[0].actor == OFFICER
    engine.dispose()
