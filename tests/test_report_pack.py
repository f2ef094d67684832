"""The board pack (a PDF made on the server) and the exports people open in a spreadsheet: headings and
values in words, titles and work-stream names beside codes, Excel tables with frozen headings, widths and
real dates, CSV in UTF-8 with formulas made inert. Read back with pypdf and by unzipping the workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

import polars as pl
import pypdf
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import update

from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.core.settings import PROJECT_ROOT
from stepchange.core.templating import uk_date
from stepchange.projects.models import Project
from stepchange.reports.tables import FIGURES
from tests import test_reports as fixed
from tests.conftest import Client
from tests.test_reports import CALL, signed_in_as

board, staff = fixed.board, fixed.staff
"""The fixed data set of ``test_reports``, and a board member on it."""

A4 = (595.28, 841.89)
"""Points."""
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "reports"


def titles(outline: list[Any]) -> list[str]:
    """Every bookmark's title, however deep."""
    return [t for item in outline for t in (titles(item) if isinstance(item, list) else [item.title])]


def pdf_text(reader: pypdf.PdfReader) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


async def test_the_board_pack_is_an_a4_pdf_with_a_cover_the_exceptions_and_every_figure(board: Client) -> None:
    response = await board.get("/reports/board-pack.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    today = clock.uk_today()
    assert (
        f'filename="step-change-programme-board-pack-{today.isoformat()}.pdf"'
        in response.headers["content-disposition"]
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "board-pack.pdf").write_bytes(response.content)  # for people to look at
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    pages = pdf_text(reader)
    assert 3 <= len(pages) <= 30
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1), "A4 portrait"
    cover = pages[0]
    assert "board pack" in cover and "The board's report" in cover
    assert uk_date(today) in cover and CALL in cover and "(the current call)" in cover
    assert "Contents" in cover and "What needs the board's attention" in cover
    assert "What needs the board's attention" in pages[1], "the exceptions open the pack"
    text = " ".join(pages)
    for heading in ("What changed since", *(t.title for t in FIGURES)):
        assert heading in text, heading
    assert "T3: " in text and "RAG is red" in text, "the exceptions, with their reasons"
    assert [f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1)] == [True] * len(pages)
    assert "Download" not in text, "no links to click on paper"
    outline = titles(reader.outline)
    assert "What needs the board's attention" in outline and "Staffing" in outline, "bookmarks"


async def test_each_figure_in_the_pack_has_its_heading_summary_and_chart_on_one_page(board: Client) -> None:
    summaries = (await board.get("/api/reports/dashboard")).json()["summaries"]
    reader = pypdf.PdfReader(io.BytesIO((await board.get("/reports/board-pack.pdf")).content))
    pages = pdf_text(reader)[1:]
    for table in FIGURES:
        summary = " ".join(summaries[table.figure].split())[:60]
        assert any(table.title in page and summary in page for page in pages), table.title
    rag = next(page for page in pages if "Projects by RAG" in page and "Not reported" in page)
    assert "Transport" in rag and "Security & Resilience" in rag, "the chart's work-stream names on its page"


async def test_a_work_streams_pack_is_its_co_chairs_and_no_other(client: Client, staff: None) -> None:
    chair = await signed_in_as(client, "co_chair_t")
    response = await chair.get("/reports/workstreams/T/board-pack.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(pypdf.PdfReader(io.BytesIO(response.content))))
    assert "Transport: work-stream report" in text and "CP1" not in text
    other = await signed_in_as(client, "co_chair_cp")
    assert (await other.get("/reports/workstreams/T/board-pack.pdf")).status_code == 403
    assert (await other.get("/reports/board-pack.pdf")).status_code == 403


async def test_exports_have_headings_and_values_in_words_with_titles_and_work_stream_names(board: Client) -> None:
    staffing = _csv(await board.get("/api/reports/staffing.csv"))
    t1 = next(r for r in staffing if r["Project"] == "T1")
    assert t1["Title"] and t1["Title"] != "T1"
    assert {k: t1[k] for k in ("Work-stream", "Status", "RAG", "Lead in place", "Lead offered")} == {
        "Work-stream": "Transport", "Status": "Recruiting", "RAG": "Amber", "Lead in place": "Yes",
        "Lead offered": "No",
    }  # fmt: skip
    assert next(r for r in staffing if r["Project"] == "CP2")["RAG"] == "Not reported"
    rag = _csv(await board.get("/api/reports/project-rag.csv"))
    assert list(rag[0]) == ["Work-stream", "Green", "Amber", "Red", "Not reported", "Total"]
    assert [r["Work-stream"] for r in rag] == ["Transport", "Crowded Places", "Travel & Tourism", "Cyber & Finance",
                                               "Security & Resilience"]  # fmt: skip
    milestones = _csv(await board.get("/api/reports/milestones.csv"))
    assert len(milestones) == 9, "the download holds every milestone, the page the months that matter"
    scope = next(r for r in milestones if r["Milestone"] == "Scope agreed")
    assert (scope["Due"], scope["Done"], scope["State"]) == (
        (clock.uk_today() - dt.timedelta(days=10)).isoformat(), "", "Overdue"
    )  # fmt: skip
    demand = _csv(await board.get("/api/reports/demand.csv"))
    assert list(demand[0]) == ["Project", "Title", "Work-stream", "Choices", "As lead", "First choice", "Nobody asked"]
    assert {r["Project"]: r["Nobody asked"] for r in demand}["T3"] == "Yes"
    exceptions = _csv(await board.get("/api/reports/exceptions.csv"))
    assert exceptions[0]["Project"] == "T3" and exceptions[0]["Why it is listed"].startswith("RAG is red; No lead")


async def test_csv_stays_utf_8_with_formula_cells_made_inert(board: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "T1").values(title='=HYPERLINK("x") – café'))
    raw = (await board.get("/api/reports/staffing.csv")).content
    assert raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so spreadsheets read UTF-8"
    t1 = next(r for r in _csv_bytes(raw) if r["Project"] == "T1")
    assert t1["Title"] == '\'=HYPERLINK("x") – café'
    sheet = pl.read_excel(io.BytesIO((await board.get("/api/reports/staffing.xlsx")).content))
    assert sheet.filter(pl.col("Project") == "T1")["Title"].item() == '\'=HYPERLINK("x") – café'


async def test_excel_has_a_table_with_filters_a_frozen_heading_row_widths_and_real_dates(board: Client) -> None:
    content = (await board.get("/api/reports/milestones.xlsx")).content
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        table = book.read("xl/tables/table1.xml").decode()
        styles = book.read("xl/styles.xml").decode()
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>', sheet)
    columns = re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', sheet)
    widths = [float(w) for low, high, w in columns for _ in range(int(low), int(high) + 1)]
    assert len(widths) == 6 and min(widths) >= 9 and max(widths) > 20, widths
    assert "<autoFilter" in table and 'name="Milestone"' in table, "an Excel table with a filter on each heading"
    assert "d mmm yyyy" in styles
    frame = pl.read_excel(io.BytesIO(content))
    assert frame.schema["Due"] == pl.Date and frame.schema["Days to go"] in (pl.Int64, pl.Float64)
    assert frame.filter(pl.col("Milestone") == "Scope agreed")["Due"].item() == clock.uk_today() - dt.timedelta(days=10)


def _csv(response: object) -> list[dict[str, str]]:
    return _csv_bytes(response.content)  # type: ignore[attr-defined]


def _csv_bytes(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
