"""One family of errors, answered in one place: a status on the web, an exit on the CLI."""

from __future__ import annotations

import pytest
from fastapi.responses import Response
from typer.testing import CliRunner

from conftest import make_client
from scrutiny.cli import app as cli
from scrutiny.core.errors import Invalid, NotFound, Refused, ScrutinyError
from scrutiny.reference.peers import PeerError
from scrutiny.returns.submissions import SubmissionError


def test_every_kind_is_a_scrutiny_error_and_old_classes_keep_their_old_base():
    assert all(issubclass(kind, ScrutinyError) for kind in (NotFound, Invalid, Refused))
    assert issubclass(PeerError, Invalid) and issubclass(PeerError, ValueError)
    assert issubclass(SubmissionError, Invalid) and issubclass(SubmissionError, ValueError)


@pytest.fixture
def client(tmp_path):
    """An app over an empty SQLite file, with a route that raises whatever it is asked."""
    client = make_client(f"sqlite:///{tmp_path / 'empty.db'}")
    kinds = {"not-found": NotFound, "invalid": Invalid, "refused": Refused}

    def raise_it(kind: str) -> Response:
        raise kinds[kind](f"the {kind} problem, in words")

    for prefix in ("", "/api/v1"):
        client.app.add_api_route(f"{prefix}/raise/{{kind}}", raise_it)  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize(
    ("kind", "status"), [("not-found", 404), ("invalid", 400), ("refused", 403)]
)
def test_each_kind_of_error_answers_with_its_status_on_a_page_and_in_the_api(client, kind, status):
    page = client.get(f"/raise/{kind}")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    answer = client.get(f"/api/v1/raise/{kind}")
    assert answer.status_code == status
    assert answer.json() == {"detail": f"the {kind} problem, in words"}


def test_an_invalid_request_shows_its_message_on_the_error_page(client):
    page = client.get("/raise/invalid")
    assert "Sorry, there is a problem" in page.text
    assert "the invalid problem, in words" in page.text


def test_a_missing_council_is_a_404_page_and_a_404_in_the_api(client):
    page = client.get("/councils/E99999999")
    assert page.status_code == 404
    assert "Page not found" in page.text
    answer = client.get("/api/v1/authorities/E99999999")
    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("no council has the code 'E99999999'")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("E99999999", "no council has the code 'E99999999'"),
        ("E07000026", "Allerdale Borough Council (E07000026) is not a current council"),
    ],
)
def test_a_command_given_a_missing_council_says_so_and_exits_2(code, words):
    result = CliRunner().invoke(cli, ["signals", "--authority", code])
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output
