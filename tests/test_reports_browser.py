"""The board's report in a real browser (Chromium with axe-core, as ``test_browser``): a board member opens
``/reports`` on the fixed data set of ``test_reports``, sees what needs attention first, chooses another
call and the date of the last meeting (with and without JavaScript), reads the charts on a 320 px phone
(they scroll in their box, the page does not) and downloads the board pack. Screenshots go to
test-artifacts/browser/ for people to look at."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import Settings
from tests import test_browser
from tests.conftest import make_staff
from tests.server import Server, running
from tests.test_browser import check_accessibility, fits, new_page, sign_in_as
from tests.test_reports import CALL, SEEDED_CALL, build_fixed_data
from tests.test_resilience import server_env

pytestmark = pytest.mark.slow
browser = test_browser.browser
"""Chromium, as the journeys' browser test drives it."""


@pytest.fixture
async def server(settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path) -> AsyncIterator[Server]:
    await build_fixed_data(db_config)
    await make_staff(db_config, "board@example.org", "board", name="Bea Board")
    with running(server_env(settings), log=tmp_path / "server.log") as running_server:
        yield running_server


async def test_the_board_reads_its_report_chooses_a_call_and_a_date_and_downloads_the_pack(
    server: Server, browser: Any
) -> None:
    page = await sign_in_as(browser, server, "board@example.org", "/reports")
    headings = await page.locator("main h2").all_inner_texts()
    assert headings[0] == "What needs the board's attention" and headings[1].startswith("What changed since")
    assert "RAG is red" in await page.inner_text("#exceptions")
    await check_accessibility(page, "70-reports", phone=True)

    await page.set_viewport_size({"width": 320, "height": 900})
    chart = page.locator("#staffing figure.sc-chart")
    assert await chart.evaluate("(box) => box.scrollWidth > box.clientWidth"), "the chart keeps its size and scrolls"
    font = await page.locator("#staffing svg text").first.evaluate("(t) => getComputedStyle(t).fontSize")
    assert float(font.removesuffix("px")) >= 16, "legible on a phone"
    assert await chart.get_attribute("tabindex") == "0", "a tab stop, so the keyboard can scroll it"
    await chart.focus()
    for _ in range(6):
        await page.keyboard.press("ArrowRight")
    # Chromium scrolls smoothly: wait for the scroll to land rather than reading it at once.
    handle = await chart.element_handle()
    await page.wait_for_function("(box) => box.scrollLeft > 0", arg=handle, timeout=5000)
    assert await fits(page, 320)
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.click("summary:has-text('Choose another call')")
    await page.select_option("#call", label=f"{SEEDED_CALL} (1 May 2018 to 25 May 2018)")
    await page.fill("#since-day", "2")
    await page.fill("#since-month", "1")
    await page.fill("#since-year", "2026")
    await page.click("button:has-text('Show the report')")
    await page.wait_for_selector(f"text=Interest is counted for {SEEDED_CALL}")
    assert "What changed since 2 January 2026" in await page.inner_text("#changes")
    await check_accessibility(page, "71-reports-another-call")

    await page.fill("#since-year", "20260")
    await page.click("button:has-text('Show the report')")
    await page.wait_for_selector(".govuk-error-summary")
    await check_accessibility(page, "72-reports-date-error")

    async with page.expect_download() as downloading:
        await page.click("a:has-text('Download the board pack')")
    download = await downloading.value
    assert download.suggested_filename.startswith("step-change-programme-board-pack-")
    pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert pdf.startswith(b"%PDF-")


async def test_the_report_works_without_javascript(server: Server, browser: Any) -> None:
    signed_in = await sign_in_as(browser, server, "board@example.org", "/reports")
    cookies = await signed_in.context.cookies()
    plain = await new_page(browser, javascript=False)
    await plain.context.add_cookies(cookies)
    await plain.goto(f"{server.url}/reports")
    assert f"Interest is counted for {CALL}" in await plain.inner_text("main")
    await plain.click("summary:has-text('Choose another call')")
    await plain.select_option("#call", label=f"{SEEDED_CALL} (1 May 2018 to 25 May 2018)")
    await plain.click("button:has-text('Show the report')")
    await plain.wait_for_selector(f"text=Interest is counted for {SEEDED_CALL}")
    assert await plain.locator("#funnel svg[role='img']").count() == 1, "charts are drawn on the server"
