"""CSV downloads from pages are safe to open in a spreadsheet."""

import polars as pl

from scrutiny.web.downloads import csv_download


def test_formula_text_is_quoted_and_numbers_are_left_alone() -> None:
    frame = pl.DataFrame(
        {"name": ["=HYPERLINK(1)", "+1", "-x", "@sum", "plain"], "value": [-1.5, 2, 3, 4, 5]}
    )
    body = bytes(csv_download(frame, "x.csv").body).decode()
    lines = body.splitlines()
    assert lines[1] == "'=HYPERLINK(1),-1.5"
    assert [line.split(",")[0] for line in lines[2:]] == ["'+1", "'-x", "'@sum", "plain"]


def test_download_is_an_attachment_with_its_name() -> None:
    response = csv_download(pl.DataFrame({"a": [1]}), "compare-E06000047.csv")
    assert response.headers["content-disposition"] == 'attachment; filename="compare-E06000047.csv"'
    assert response.media_type.startswith("text/csv")
