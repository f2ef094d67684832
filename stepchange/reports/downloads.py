"""A report table as a download people can use without reformatting: CSV (UTF-8, formula cells made
inert) or an Excel workbook whose sheet holds an Excel table (a filter on every heading), with the
heading row frozen, each column as wide as its longest value (long text wraps instead), numbers as
numbers and dates as dates."""

from __future__ import annotations

import io
from typing import Any, cast

import polars as pl
from litestar import Response

from stepchange.core.exports import EXCEL_MEDIA_TYPE, csv_response

PIXELS_PER_CHARACTER = 7
PADDING_PIXELS = 16
WIDEST = 60
"""Characters: a longer column wraps its text within this width."""
DATE_FORMAT = "d mmm yyyy"


def widths(table: pl.DataFrame) -> dict[str, int]:
    """Each column's width in pixels: its heading or longest value, up to :data:`WIDEST` characters."""
    found = {}
    for name in table.columns:
        texts = table[name].drop_nulls()
        longest = 11 if table.schema[name] == pl.Date else max((len(str(v)) for v in texts), default=0)
        characters = min(WIDEST, max(len(name), longest))
        found[name] = characters * PIXELS_PER_CHARACTER + PADDING_PIXELS
    return found


def workbook(table: pl.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    sizes = widths(table)
    widest = WIDEST * PIXELS_PER_CHARACTER + PADDING_PIXELS
    wrapped = [name for name in table.columns if table.schema[name] == pl.String and sizes[name] >= widest]
    table.write_excel(
        buffer,
        worksheet=sheet[:31],
        table_style="Table Style Medium 2",
        autofilter=True,
        freeze_panes=(1, 0),
        column_widths=cast(Any, sizes),
        dtype_formats={pl.Date: DATE_FORMAT},
        column_formats={name: {"text_wrap": True, "valign": "top"} for name in wrapped},
        header_format={"bold": True, "text_wrap": True, "valign": "top"},
    )
    return buffer.getvalue()


def excel_response(table: pl.DataFrame, filename: str, sheet: str) -> Response[bytes]:
    return Response(
        workbook(table, sheet),
        media_type=EXCEL_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )


__all__ = ("csv_response", "excel_response", "widths", "workbook")
