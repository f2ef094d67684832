"""Tables and records as downloads (CSV, Excel, JSON), safe to open in a spreadsheet.

Small tables (a report's figures) are built whole through polars. Long ones (the register of interests,
the office's people export: one row a person at national scale) are *streamed*: rows arrive in chunks
from one statement read as it goes, CSV lines are sent as each chunk is written, and an Excel workbook
is written row by row by xlsxwriter in its constant-memory mode to a temporary file sent in blocks once
it is closed. No request holds the whole table in memory. An Excel workbook can only be sent once it is
closed, so a long one is made by a background job instead (``core/export_jobs.py``).

Everything downloaded from the service is confidential (registers of interests, people, a person's own
data), so every download carries ``Cache-Control: no-store``: no browser or proxy keeps a copy.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import polars as pl
import xlsxwriter
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Response
from litestar.response import Stream
from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.database import session_scope

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv"
"""Litestar adds ``; charset=utf-8`` to every ``text/`` type itself: naming it here would repeat it."""
EXCEL_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MEDIA_TYPE = "application/json"
NO_STORE = "no-store"
BOM = "\ufeff"
"""Spreadsheets read a CSV file as UTF-8 when it starts with the byte-order mark."""
BLOCK = 64 * 1024
"""Bytes of a finished workbook sent at a time."""
Chunks = AsyncIterable[Sequence[Sequence[Any]]]
"""A long table's rows a chunk at a time, each row's cells in the columns' order."""
CHUNK = 1000
"""Rows a long download reads from the database at a time."""
T = TypeVar("T")


async def rows_in_chunks(session: AsyncSession, statement: Select[Any]) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every row ``statement`` selects, :data:`CHUNK` at a time, read as it goes (never all at once)."""
    result = await session.stream(statement.execution_options(yield_per=CHUNK))
    async for rows in result.partitions(CHUNK):
        yield rows


async def read_alone(
    config: SQLAlchemyAsyncConfig, read: Callable[[AsyncSession], AsyncIterator[T]]
) -> AsyncIterator[T]:
    """What ``read`` yields, read in a session of the download's own: a streamed answer is sent after the
    request's own session has been committed and closed."""
    async with session_scope(config) as session:
        async for item in read(session):
            yield item


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


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": NO_STORE}


def download(content: Any, filename: str, media_type: str) -> Response[Any]:
    """A confidential file to save: an attachment nobody on the way may keep."""
    return Response(content, media_type=media_type, headers=_attachment(filename))


def streamed(content: AsyncIterable[bytes], filename: str, media_type: str) -> Stream:
    """A confidential file to save, sent as it is made."""
    return Stream(content, media_type=media_type, headers=_attachment(filename))


async def csv_lines(columns: Sequence[str], chunks: Chunks) -> AsyncIterator[bytes]:
    """A CSV file (UTF-8 with its byte-order mark) a chunk of rows at a time, every cell made inert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield (BOM + buffer.getvalue()).encode("utf-8")
    async for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([inert(cell) for cell in row] for row in chunk)
        yield buffer.getvalue().encode("utf-8")


class SheetWriter:
    """An Excel workbook of one sheet written row by row in constant memory: each row goes to a temporary
    file in ``folder`` as it is written, and the workbook is zipped together when closed."""

    def __init__(self, folder: str, columns: Sequence[str], sheet: str) -> None:
        self.path = Path(folder) / "export.xlsx"
        options = {"constant_memory": True, "tmpdir": folder, "strings_to_formulas": False, "strings_to_urls": False}
        self.workbook = xlsxwriter.Workbook(str(self.path), options)
        self.worksheet = self.workbook.add_worksheet(sheet[:31])
        self.worksheet.set_column(0, len(columns) - 1, 20)
        self.worksheet.write_row(0, 0, columns, self.workbook.add_format({"bold": True}))
        self.rows = 0

    def write(self, chunk: Sequence[Sequence[Any]]) -> None:
        for row in chunk:
            self.rows += 1
            self.worksheet.write_row(self.rows, 0, [inert(cell) for cell in row])

    def close(self) -> Path:
        self.workbook.close()
        return self.path


async def write_sheet(folder: str, columns: Sequence[str], chunks: Chunks, sheet: str) -> Path:
    """Write every chunk to a workbook in ``folder`` and close it; the writing is done in a worker thread,
    off the event loop, a chunk at a time."""
    writer = SheetWriter(folder, columns, sheet)
    async for chunk in chunks:
        await anyio.to_thread.run_sync(writer.write, chunk)
    return await anyio.to_thread.run_sync(writer.close)


async def workbook_blocks(columns: Sequence[str], chunks: Chunks, sheet: str) -> AsyncIterator[bytes]:
    """An Excel workbook of one sheet written in constant memory, then sent in blocks; the temporary
    files go with the download."""
    with tempfile.TemporaryDirectory(prefix="stepchange-export-") as folder:
        path = await write_sheet(folder, columns, chunks, sheet)
        with path.open("rb") as finished:
            while block := finished.read(BLOCK):
                yield block


def csv_stream(columns: Sequence[str], chunks: Chunks, filename: str) -> Stream:
    """A long table as a CSV download sent as it is read."""
    return streamed(csv_lines(columns, chunks), f"{filename}.csv", CSV_MEDIA_TYPE)


def excel_stream(columns: Sequence[str], chunks: Chunks, filename: str, sheet: str) -> Stream:
    """A long table as an Excel download written in constant memory."""
    return streamed(workbook_blocks(columns, chunks, sheet), f"{filename}.xlsx", EXCEL_MEDIA_TYPE)


def csv_response(table: pl.DataFrame, filename: str) -> Response[bytes]:
    return download(table.write_csv().encode("utf-8-sig"), f"{filename}.csv", CSV_MEDIA_TYPE)


def excel_response(table: pl.DataFrame, filename: str, sheet: str) -> Response[bytes]:
    buffer = io.BytesIO()
    table.write_excel(buffer, worksheet=sheet[:31])
    return download(buffer.getvalue(), f"{filename}.xlsx", EXCEL_MEDIA_TYPE)


def json_download(data: Any, filename: str) -> Response[Any]:
    """A record as a JSON file to save (a person's own data: subject access)."""
    return download(data, f"{filename}.json", JSON_MEDIA_TYPE)
