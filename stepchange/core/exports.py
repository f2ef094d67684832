"""Tables and records as downloads (CSV, Excel, JSON) through polars, safe to open in a spreadsheet.

Everything downloaded from the service is confidential (registers of interests, people, a person's own
data), so every download carries ``Cache-Control: no-store``: no browser or proxy keeps a copy.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from litestar import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv"
"""Litestar adds ``; charset=utf-8`` to every ``text/`` type itself: naming it here would repeat it."""
EXCEL_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MEDIA_TYPE = "application/json"
NO_STORE = "no-store"


def inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pl.DataFrame:
    """A DataFrame with these columns, in this order, every cell made inert."""
    return pl.DataFrame(
        {name: [inert(row.get(name)) for row in rows] for name in columns},
        schema=dict.fromkeys(columns, pl.String) if not rows else None,
        strict=False,
    )


def download(content: Any, filename: str, media_type: str) -> Response[Any]:
    """A confidential file to save: an attachment nobody on the way may keep."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": NO_STORE},
    )


def csv_response(table: pl.DataFrame, filename: str) -> Response[bytes]:
    return download(table.write_csv().encode("utf-8-sig"), f"{filename}.csv", CSV_MEDIA_TYPE)


def excel_response(table: pl.DataFrame, filename: str, sheet: str) -> Response[bytes]:
    buffer = io.BytesIO()
    table.write_excel(buffer, worksheet=sheet[:31])
    return download(buffer.getvalue(), f"{filename}.xlsx", EXCEL_MEDIA_TYPE)


def json_download(data: Any, filename: str) -> Response[Any]:
    """A record as a JSON file to save (a person's own data: subject access)."""
    return download(data, f"{filename}.json", JSON_MEDIA_TYPE)
