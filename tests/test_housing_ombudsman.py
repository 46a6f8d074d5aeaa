"""Converting the Housing Ombudsman's published findings into the standard."""

from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from scrutiny.returns.housing_ombudsman import (
    FindingsError,
    convert,
    read_findings,
    write_decisions,
)
from scrutiny.returns.ingest import read_file
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings

SHIPPED = Path(
    str(resources.files("scrutiny.reference") / "data" / "housing_ombudsman_findings.csv")
)
HEADER = "case_id,landlord,landlord_type,decision_date,category,complaint,finding\n"


def findings_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "findings.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def real():
    return convert(read_findings(SHIPPED))


def test_at_least_95_percent_of_real_council_findings_match_an_authority(real):
    assert real.matched_share >= 0.95
    assert real.decisions.height >= 8_000
    assert set(real.unmatched.get_column("landlord")) <= {
        "Wakefield And District Housing",  # a housing association since 2005
        "Peak District Rural",  # a rural housing association
    }


def test_real_findings_convert_to_a_valid_standard_file(real, tmp_path):
    path = write_decisions(real, tmp_path / "decisions.csv")
    report = validate(read_file(path, Settings()), date(2026, 11, 26))
    assert report.table.name == "ombudsman_decisions"
    assert report.valid and report.warnings == 0, report.to_text()[:2000]


def test_each_finding_maps_to_the_ombudsmans_outcome_groups(tmp_path):
    path = findings_file(
        tmp_path,
        [
            "1,London Borough of Camden,LA,2024-05-01,Damp & Mould,Damp,Severe Maladministration",
            "1,London Borough of Camden,LA,2024-05-01,Complaint Handling,Handling,Service Failure",
            "2,Leeds City Council,LA,2024-06-03,Repairs & Maintenance,Repairs,Reasonable Redress",
            "3,Leeds City Council,LA,2024-06-04,Other,Rent,Outside Jurisdiction",
            "4,Leeds City Council,LA,2024-06-05,Other,Noise,No Maladministration",
        ],
    )
    rows = {
        row["finding_element"]: row for row in convert(read_findings(path)).decisions.to_dicts()
    }
    severe = rows["1: Damp"]
    assert (severe["authority_code"], severe["outcome"], severe["fault_found"]) == (
        "E09000007",
        "upheld",
        True,
    )
    assert severe["housing_ombudsman_finding"] == "severe_maladministration"
    assert rows["2: Handling"]["complaint_handling_fault"] is True
    redress = rows["1: Repairs"]
    assert redress["authority_code"] == "E08000035"
    assert redress["satisfactory_remedy_by_authority"] is True
    outside = rows["1: Rent"]
    assert outside["outcome"] == "closed_after_initial_enquiries"
    assert outside["fault_found"] is None
    assert rows["1: Noise"]["outcome"] == "not_upheld"


def test_repeated_elements_within_a_case_stay_distinct(tmp_path):
    path = findings_file(
        tmp_path,
        [
            "9,Leeds City Council,LA,2024-06-03,Other,Same words,Maladministration",
            "9,Leeds City Council,LA,2024-06-03,Other,Same words,Service Failure",
        ],
    )
    elements = convert(read_findings(path)).decisions.get_column("finding_element")
    assert elements.to_list() == ["1: Same words", "2: Same words"]


def test_undated_and_unmatched_findings_are_counted_not_stored(tmp_path):
    path = findings_file(
        tmp_path,
        [
            "5,Leeds City Council,LA,,Other,No date,Maladministration",
            "6,Nowhere Homes,LA,2024-01-02,Other,Who,Maladministration",
            "7,Cornwall Housing,ALMO,2024-01-02,Other,ALMO,Service Failure",
        ],
    )
    conversion = convert(read_findings(path))
    assert conversion.undated == 1
    assert conversion.unmatched.to_dicts() == [{"landlord": "Nowhere Homes", "findings": 1}]
    assert conversion.decisions.get_column("authority_code").to_list() == ["E06000052"]
    assert conversion.matched_share == pytest.approx(0.5)


def test_a_file_in_another_format_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    pl.DataFrame({"case": [1]}).write_csv(path)
    with pytest.raises(FindingsError, match="missing the columns"):
        read_findings(path)
