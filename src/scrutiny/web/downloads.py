"""CSV downloads from pages: one home for how a table becomes a file a person opens.

A page's download is opened in a spreadsheet, where a cell starting with = + - or @ runs as
a formula (CSV injection); such text cells are written with a leading apostrophe. Numbers
are left alone, so a negative number stays a number.

    return csv_download(frame, "compare-E06000047.csv")
"""

from __future__ import annotations

import re
from urllib.parse import quote

import polars as pl
from fastapi.responses import Response

FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """FRAME with every text cell that a spreadsheet would run as a formula quoted."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def csv_download(frame: pl.DataFrame, file_name: str) -> Response:
    """FRAME as a CSV attachment named FILE_NAME, safe to open in a spreadsheet."""
    finite = spreadsheet_safe(frame).with_columns(pl.col(pl.Float64).fill_nan(None))
    return Response(
        finite.write_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


def attachment(body: bytes, media_type: str, file_name: str) -> Response:
    """BODY as a download the browser saves and never shows (SecurityHeaders adds nosniff):
    Content-Type is MEDIA_TYPE (one scrutiny detected from the bytes, never the sender's
    claim) and the file is saved as FILE_NAME (any character, by RFC 6266's filename*)."""
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", file_name) or "download"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''"
            + quote(file_name, safe=""),
            "Cache-Control": "private, no-store",
        },
    )
