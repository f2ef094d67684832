"""Tables as downloads (CSV and Excel) through polars, safe to open in a spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from litestar import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
EXCEL_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def csv_response(table: pl.DataFrame, filename: str) -> Response[bytes]:
    return Response(
        table.write_csv().encode("utf-8-sig"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def excel_response(table: pl.DataFrame, filename: str, sheet: str) -> Response[bytes]:
    buffer = io.BytesIO()
    table.write_excel(buffer, worksheet=sheet[:31])
    return Response(
        buffer.getvalue(),
        media_type=EXCEL_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )
