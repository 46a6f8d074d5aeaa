"""Each shared word of scrutiny has one home: a second copy anywhere in src fails here.

The council lookup, the peer-group methods and the tables a council sends were each once
written in whichever module needed them first, and drifted apart (three wordings of the
peer groups, two lists of council tables). These tests scan the source for the tell-tale
shapes of a second copy, so the next one is caught when it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from scrutiny.reference.peers import METHODS, NAMED_METHODS, PEER_METHODS, PeerMethod
from scrutiny.standard import COUNCIL_TABLES, CouncilTable, load_standard

SRC = Path(__file__).parents[1] / "src" / "scrutiny"

# (what, its one home, patterns a copy would match)
HOMES = [
    (
        "the council lookup",
        "reference/authorities.py",
        [r'col\("gss_code"\)\s*==', r"def get_council\("],
    ),
    (
        "the peer-group methods",
        "reference/peers.py",
        # a Literal or a list starting with the methods, or a method's wording keyed by it
        [r'Literal\[\s*"type"', r'[(\[]\s*"type",\s*"region"', r'"(region|nearest)":\s*"'],
    ),
    (
        "the tables a council sends",
        "standard/model.py",
        [r'"complaints",\s*"aggregate_returns"', r'"aggregate_returns",\s*"complaints"'],
    ),
]


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*") if p.suffix in (".py", ".html") and "static" not in p.parts]


@pytest.mark.parametrize(("what", "home", "patterns"), HOMES, ids=[h[0] for h in HOMES])
def test_a_shared_word_is_written_only_in_its_home(what, home, patterns):
    copies = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in _sources()
        if path.relative_to(SRC).as_posix() != home
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(re.search(pattern, line) for pattern in patterns)
    ]
    assert not copies, f"{what} belongs in {home}; import it from there:\n" + "\n".join(copies)


def test_the_homes_still_hold_what_the_scan_looks_for():
    """A guard that matches nothing guards nothing: each pattern finds its own home."""
    for what, home, patterns in HOMES:
        text = (SRC / home).read_text(encoding="utf-8")
        assert any(re.search(pattern, text) for pattern in patterns), what


def test_every_peer_method_has_its_wording_and_the_named_ones_need_no_list():
    assert tuple(PEER_METHODS) == METHODS == get_args(PeerMethod)
    assert all(PEER_METHODS[method] for method in METHODS)
    assert "custom" not in NAMED_METHODS and set(NAMED_METHODS) < set(METHODS)


def test_every_table_a_council_sends_is_a_table_of_the_standard():
    assert get_args(CouncilTable) == COUNCIL_TABLES
    assert set(COUNCIL_TABLES) < set(load_standard().tables)
