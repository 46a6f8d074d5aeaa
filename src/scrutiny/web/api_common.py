"""What the API's endpoints share: pages of results, CSV responses and figures as JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

import polars as pl
from fastapi import HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from scrutiny.publish.opendata import frame_csv

T = TypeVar("T")
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
# Far beyond any real result; keeps offsets in range for the data frame library.
MAX_PAGE = 1_000_000
# Ids in addresses stay within what the databases' integer columns hold (PostgreSQL's
# INTEGER is 32-bit; recommendation numbers are BIGINT), so a huge one is a 422, not a 500.
MAX_ROW_ID = 2**31 - 1
MAX_BIG = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A record's id")]
Number = Annotated[int, Path(ge=1, le=MAX_BIG, description="The recommendation's number")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with format=csv every matching row as CSV (not paged)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


class Page(BaseModel, Generic[T]):
    """One page of results, with how many there are in all and where the next page is."""

    items: list[T]
    total: int = Field(description="How many results match, on every page")
    page: int
    page_size: int
    next: str | None = Field(description="The address of the next page, if there is one")


class Paging:
    """The page and page_size query parameters."""

    def __init__(
        self,
        page: int = Query(1, ge=1, le=MAX_PAGE, description="Which page, from 1"),
        page_size: int = Query(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results a page (at most 500)"
        ),
    ) -> None:
        self.page = page
        self.page_size = page_size


def _plain(value: Any) -> Any:
    """A value JSON can carry: no NaN or infinity (JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """FRAME's rows as dicts for JSON."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def page_of(request: Request, frame: pl.DataFrame, paging: Paging) -> dict[str, Any]:
    """One page of FRAME's rows, with the total and the next page's address."""
    offset = (paging.page - 1) * paging.page_size
    rows = frame.slice(offset, paging.page_size) if offset < frame.height else frame.clear()
    return _page(request, records(rows), frame.height, paging)


def page_of_list(request: Request, items: Sequence[Any], paging: Paging) -> dict[str, Any]:
    """One page of ITEMS (records already), with the total and the next page's address."""
    offset = (paging.page - 1) * paging.page_size
    return _page(request, list(items[offset : offset + paging.page_size]), len(items), paging)


def _page(request: Request, items: list[Any], total: int, paging: Paging) -> dict[str, Any]:
    more = paging.page * paging.page_size < total
    return {
        "items": items,
        "total": total,
        "page": paging.page,
        "page_size": paging.page_size,
        "next": str(request.url.include_query_params(page=paging.page + 1)) if more else None,
    }


def csv_response(frame: pl.DataFrame, file_name: str) -> Response:
    """FRAME as a CSV download."""
    body = "".join(frame_csv(frame))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


def refuse(status: int, message: str) -> HTTPException:
    """An error the client can act on (app.py turns it into JSON: {"detail": ...})."""
    return HTTPException(status, message)


def check_date(day: date | None, name: str) -> date | None:
    """DAY, refused when outside the years the data could be about."""
    if day is not None and not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise refuse(422, f"{name} must be between 2000-01-01 and 2100-12-31")
    return day
