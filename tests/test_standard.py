import re
from pathlib import Path

import frictionless
import jsonschema
import pytest

from scrutiny import standard
from scrutiny.standard import describe_rule, load_standard
from scrutiny.standard.package import data_package, json_schema

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "docs" / "standard"
PERSONAL = re.compile(r"name|address|email|e_mail|phone|telephone_number|postcode|birth")
# Names of organisations, not people: a social landlord's name as its regulator publishes it.
ORGANISATIONS = {"landlord_name"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("standard")
    standard.export(directory)
    return directory


def test_standard_covers_the_five_tables():
    assert set(load_standard().tables) == {
        "complaints",
        "aggregate_returns",
        "ombudsman_decisions",
        "recommendations",
        "housing_landlord_measures",
    }


def test_no_field_can_hold_names_addresses_emails_or_phone_numbers():
    for table in load_standard().tables.values():
        for field in table.fields:
            if field.name not in ORGANISATIONS:
                assert not PERSONAL.search(field.name), f"{table.name}.{field.name}"


def test_special_educational_needs_is_its_own_subarea_of_education():
    subareas = load_standard().code_lists["service_subarea"]
    send = next(code for code in subareas.codes if code.code == "special_educational_needs")
    assert send.parent == "education_and_childrens_services"


def test_every_code_list_is_used_by_a_field():
    used = {
        field.code_list
        for table in load_standard().tables.values()
        for field in table.fields
        if field.code_list
    }
    assert used == set(load_standard().code_lists)


def test_every_rule_has_a_plain_english_description():
    for table in load_standard().tables.values():
        for rule in table.rules:
            assert describe_rule(rule).endswith(".")


def test_frictionless_accepts_the_exported_package_and_its_templates(exported):
    report = frictionless.validate(exported / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = frictionless.Package(exported / "datapackage.json")
    assert [resource.name for resource in package.resources] == [
        *load_standard().tables,
        "code_lists",
    ]


def test_exported_templates_have_one_header_row_in_declared_order(exported):
    for table in load_standard().tables.values():
        lines = (exported / f"{table.name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines == [",".join(table.field_names())]


def validate_complaints(csv_text: str, directory: Path) -> frictionless.Report:
    """Validate CSV_TEXT against the complaints resource of the exported package."""
    descriptor = data_package(load_standard())["resources"][0]
    assert descriptor["name"] == "complaints"
    (directory / "complaints.csv").write_text(csv_text, encoding="utf-8")
    return frictionless.validate(frictionless.Resource(descriptor, basepath=str(directory)))


def test_example_complaints_file_conforms_to_the_package(tmp_path):
    example = (ROOT / "examples" / "complaints.csv").read_text(encoding="utf-8")
    report = validate_complaints(example, tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_rejects_a_row_that_breaks_the_schema(tmp_path):
    header = ",".join(load_standard().table("complaints").field_names())
    row = "E06000047,R1,3,,2024-01-01,,,,,accepted,,upheld,not_a_service,,,apology;cake,,,,"
    report = validate_complaints(header + "\n" + row + "\n", tmp_path)
    broken = {error[0] for error in report.flatten(["fieldName"])}
    assert broken == {"stage", "service_area", "remedies"}


def test_json_schema_accepts_a_good_row_and_rejects_a_bad_one():
    schema = json_schema(load_standard(), load_standard().table("recommendations"))
    good = {
        "decision_ref": "24 015 110",
        "recommendation_number": 1,
        "authority_code": "E10000017",
        "kind": "financial_remedy",
        "beneficiary": "complainant",
        "amount_gbp": 500,
        "agreed_date": "2025-03-14",
        "due_date": "2025-04-14",
        "completed_date": None,
        "compliance_status": "pending",
        "evidence_note": None,
    }
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "beneficiary": "the mayor"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "complainant_name": "A Person"}, schema)


def test_documentation_lists_every_field_code_and_rule():
    page = standard.documentation(load_standard())
    for table in load_standard().tables.values():
        for field in table.fields:
            assert f"`{field.name}`" in page
        for rule in table.rules:
            assert f"`{rule.id}`" in page
    for code_list in load_standard().code_lists.values():
        for code in code_list.codes:
            assert f"`{code.code}`" in page


def test_published_files_in_docs_agree_with_the_declaration(exported):
    """docs/standard is what `make standard` writes; regenerate it when the YAML changes."""
    generated = sorted(p.relative_to(exported) for p in exported.rglob("*") if p.is_file())
    published = sorted(p.relative_to(PUBLISHED) for p in PUBLISHED.rglob("*") if p.is_file())
    assert generated == published
    for relative in generated:
        assert (PUBLISHED / relative).read_text(encoding="utf-8") == (
            exported / relative
        ).read_text(encoding="utf-8"), f"docs/standard/{relative} is stale: run make standard"


@pytest.mark.parametrize("name", ["tables.yaml", "code_lists.yaml", "indicators.yaml"])
def test_the_standard_reads_the_same_with_libyaml_as_with_pure_python(name):
    """Every command reads the standard at start-up, so it is read with libyaml's parser
    (ten times faster); the values must be exactly those the pure-Python safe loader gives."""
    import yaml

    from scrutiny.standard.model import read_yaml

    text = (ROOT / "src" / "scrutiny" / "standard" / name).read_text(encoding="utf-8")
    assert yaml.__with_libyaml__, "PyYAML without libyaml: start-up is 0.2 s slower"
    assert read_yaml(name) == yaml.load(text, Loader=yaml.SafeLoader)
