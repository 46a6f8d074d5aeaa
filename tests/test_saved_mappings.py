"""Councils' saved mappings (issue 18): kept by name in numbered versions, checked before
they are stored, audited, and read back as the mapping an upload uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutiny.core.errors import Invalid, NotFound
from scrutiny.returns.mapping import MappingError
from scrutiny.returns.saved_mappings import (
    AUDIT_ENTITY,
    current_mapping,
    find_mapping,
    mapping_for_upload,
    mapping_versions,
    save_mapping,
)
from scrutiny.store.audit import list_audit_entries

RETURNS = Path(__file__).parent / "returns"
MAPPING = (RETURNS / "case_export_mapping.yaml").read_text(encoding="utf-8")
DURHAM = "E06000047"
OFFICER = "officer@durham.example"


def test_each_save_is_the_next_version_and_the_newest_is_current(engine):
    first = save_mapping(engine, DURHAM, "default", MAPPING, OFFICER)
    changed = MAPPING.replace("Phone: telephone", "Phone: telephone\n    Letter: letter")
    second = save_mapping(engine, DURHAM, "default", changed, OFFICER)
    assert (first.version, second.version) == (1, 2)
    assert current_mapping(engine, DURHAM) == second
    assert find_mapping(engine, DURHAM, "default", 1).yaml == MAPPING
    assert [v.version for v in mapping_versions(engine, DURHAM, "default")] == [2, 1]
    assert second.label == "saved mapping 'default', version 2"
    assert second.mapping.values["stage"]["Stage 1 - Formal"] == "1"


def test_saving_the_same_text_again_changes_nothing(engine):
    first = save_mapping(engine, DURHAM, "default", MAPPING, OFFICER)
    again = save_mapping(engine, DURHAM, "default", MAPPING, "someone@else.example")
    assert again == first
    assert len(list_audit_entries(engine, entity=AUDIT_ENTITY)) == 1


def test_names_and_councils_keep_their_own_versions(engine):
    save_mapping(engine, DURHAM, "default", MAPPING, OFFICER)
    other = save_mapping(engine, DURHAM, "Civica", MAPPING, OFFICER)
    birmingham = save_mapping(engine, "E08000025", "default", MAPPING, OFFICER)
    assert (other.name, other.version, birmingham.version) == ("civica", 1, 1)
    assert [(v.name, v.version) for v in mapping_versions(engine, DURHAM)] == [
        ("civica", 1),
        ("default", 1),
    ]


def test_a_wrong_mapping_stores_nothing_and_names_its_line(engine):
    wrong = MAPPING.replace("Phone: telephone", "Phone: pigeon")
    with pytest.raises(MappingError, match=r"line 31: 'Phone' maps to 'pigeon'"):
        save_mapping(engine, DURHAM, "default", wrong, OFFICER)
    assert mapping_versions(engine, DURHAM) == []
    assert list_audit_entries(engine, entity=AUDIT_ENTITY) == []


@pytest.mark.parametrize(
    ("code", "name", "error"),
    [
        ("E99999999", "default", NotFound),
        (DURHAM, "our mapping!", Invalid),
        (DURHAM, "", Invalid),
    ],
)
def test_an_unknown_council_or_unusable_name_is_refused(engine, code, name, error):
    with pytest.raises(error):
        save_mapping(engine, code, name, MAPPING, OFFICER)
    assert mapping_versions(engine, DURHAM) == []


def test_every_save_is_in_the_audit_log_with_who_which_and_what_version(engine):
    saved = save_mapping(engine, DURHAM, "default", MAPPING, OFFICER)
    [entry] = list_audit_entries(engine, entity=AUDIT_ENTITY, entity_id=saved.id)
    assert (entry.actor, entry.action) == (OFFICER, "save")
    assert entry.detail == {"authority_code": DURHAM, "name": "default", "version": 1}


def test_an_upload_uses_the_named_mapping_else_the_default_else_none(engine):
    assert mapping_for_upload(engine, DURHAM) is None
    with pytest.raises(NotFound, match="no saved mapping 'civica'"):
        mapping_for_upload(engine, DURHAM, "civica")
    default = save_mapping(engine, DURHAM, "default", MAPPING, OFFICER)
    civica = save_mapping(engine, DURHAM, "civica", MAPPING, OFFICER)
    assert mapping_for_upload(engine, DURHAM) == default
    assert mapping_for_upload(engine, DURHAM, "civica") == civica
    with pytest.raises(NotFound, match=r"no version 4 of saved mapping 'default'.*1 to 1"):
        find_mapping(engine, DURHAM, "default", 4)
