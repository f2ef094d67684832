"""The register of interests and its Excel download in a real browser (Chromium with axe-core, as
``test_browser``): an ethics reviewer reads the register's first page, walks on by the next links (which
carry the position of the page's last row) and back by the previous ones (the first row's), then downloads
the register as Excel: it is long (the server sends at once only up to ``STEPCHANGE_EXPORT_DIRECT_ROWS``
rows, here 10), so the browser is taken to the "We are preparing your file" page, checks again until it is
ready, and gets a workbook with every row of the register. The same without JavaScript; the job's pages
while it is prepared and when it has failed are checked too. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import polars as pl
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import update

from stepchange.core import export_jobs
from stepchange.core.database import session_scope
from stepchange.core.export_jobs import ExportJob, ExportStatus
from stepchange.core.settings import Settings
from stepchange.reports.export_kinds import REGISTER
from tests import test_browser
from tests.conftest import make_staff
from tests.server import Server, running
from tests.test_browser import check_accessibility, fits, new_page, sign_in_as
from tests.test_register_scale import add_people
from tests.test_resilience import server_env

pytestmark = pytest.mark.slow
browser = test_browser.browser
"""Chromium, as the journeys' browser test drives it."""

PEOPLE = 110
"""Three pages of the register (50, 50 and 10): the middle one is reached back by its position."""
NAMES = [f"Person {n:03d}" for n in range(PEOPLE)]
PERSON = re.compile(r"Person \d{3}")


@pytest.fixture
async def reviewer(db_config: SQLAlchemyAsyncConfig) -> UUID:
    await add_people(db_config, 0, PEOPLE)
    return (await make_staff(db_config, "ethics@example.org", "ethics", name="Eli Ethics")).id


@pytest.fixture
async def server(settings: Settings, reviewer: UUID, tmp_path: Path) -> AsyncIterator[Server]:
    env = server_env(settings, STEPCHANGE_EXPORT_DIRECT_ROWS="10")
    with running(env, log=tmp_path / "server.log") as running_server:
        yield running_server


async def people_shown(page: Any) -> list[str]:
    return PERSON.findall(await page.locator("main table tbody").inner_text())


async def follow(page: Any, rel: str) -> None:
    """The pagination's previous or next link, followed (its address carries a position or a page)."""
    link = page.locator(f".govuk-pagination__{rel} a")
    address = await link.get_attribute("href")
    await link.click()
    await page.wait_for_url(lambda url: url.endswith(address))


async def look_at(page: Any, name: str, *, javascript: bool) -> None:
    """axe at desktop and 320 px. Without JavaScript axe cannot run in the page: the screenshots are taken
    for people to look at, and the page must still not scroll sideways at 320 px."""
    if javascript:
        await check_accessibility(page, name, phone=True)
        return
    await page.screenshot(path=str(test_browser.ARTIFACTS / f"no-js-{name}.png"), full_page=True)
    await page.set_viewport_size({"width": 320, "height": 900})
    assert await fits(page, 320), f"{name} scrolls sideways at 320 px without JavaScript"
    await page.screenshot(path=str(test_browser.ARTIFACTS / f"no-js-320px-{name}.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def walk_the_register(page: Any, *, javascript: bool) -> None:
    """First page, next, next (by ``after``), previous (by ``before``), previous: the same rows each way.
    Each page looked at (:func:`look_at`)."""
    assert "Showing 1 to 50 of 110 entries." in await page.inner_text("main")
    assert await people_shown(page) == NAMES[:50]
    await look_at(page, "80-register", javascript=javascript)
    await follow(page, "next")
    assert "after=" in page.url and await people_shown(page) == NAMES[50:100]
    await look_at(page, "81-register-next-page", javascript=javascript)
    await follow(page, "next")
    assert "after=" in page.url and await people_shown(page) == NAMES[100:]
    await follow(page, "prev")
    assert "before=" in page.url and await people_shown(page) == NAMES[50:100]
    await follow(page, "prev")
    assert await people_shown(page) == NAMES[:50]


async def download_through_the_job(page: Any, *, javascript: bool) -> None:
    """The Excel link, the job's page (checked again until ready) and its file: every row of the register."""
    await page.click("a:has-text('Download as Excel')")
    await page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}$"))
    for _ in range(100):
        heading = await page.inner_text("h1")
        if heading != "We are preparing your file":
            break
        await asyncio.sleep(0.1)
        await page.click("a:has-text('Check if your file is ready')")
        await page.wait_for_load_state("domcontentloaded")
    assert await page.inner_text("h1") == "Your file is ready", await page.inner_text("main")
    link = "a:has-text('Download the register of interests (Excel spreadsheet, 110 rows)')"
    await look_at(page, "83-export-ready", javascript=javascript)
    async with page.expect_download() as downloading:
        await page.click(link)
    download = await downloading.value
    assert download.suggested_filename == f"{REGISTER}.xlsx"
    workbook = await asyncio.to_thread(pl.read_excel, Path(await download.path()))
    assert workbook["volunteer"].to_list() == NAMES


async def test_the_reviewer_pages_through_the_register_and_downloads_it_through_the_job(
    server: Server, browser: Any
) -> None:
    page = await sign_in_as(browser, server, "ethics@example.org", "/ethics/register")
    await walk_the_register(page, javascript=True)
    await download_through_the_job(page, javascript=True)

    plain = await new_page(browser, javascript=False)
    await plain.context.add_cookies(await page.context.cookies())
    await plain.goto(f"{server.url}/ethics/register")
    await walk_the_register(plain, javascript=False)
    await download_through_the_job(plain, javascript=False)


async def test_the_job_pages_while_it_is_prepared_and_when_it_failed(
    server: Server, browser: Any, db_config: SQLAlchemyAsyncConfig, reviewer: UUID
) -> None:
    """A job another worker is still writing (so the page must wait), then the same job failed."""
    async with session_scope(db_config) as session:
        job = await export_jobs.start(session, REGISTER, reviewer)
        job.runner, job.rows = "another worker", 2_000
    page = await sign_in_as(browser, server, "ethics@example.org", f"/exports/{job.id}")
    assert await page.inner_text("h1") == "We are preparing your file"
    await check_accessibility(page, "82-export-preparing", phone=True)
    await page.click("a:has-text('Check if your file is ready')")
    assert await page.inner_text("h1") == "We are preparing your file"

    async with session_scope(db_config) as session:
        await session.execute(update(ExportJob).where(ExportJob.id == job.id).values(status=ExportStatus.FAILED))
    await page.reload()
    assert await page.inner_text("h1") == "Sorry, your file could not be prepared"
    await check_accessibility(page, "84-export-failed", phone=True)
    assert "and ask for the download again" in await page.inner_text("main")
    await page.click("main a:has-text('the register of interests')")
    await page.wait_for_url(f"{server.url}/ethics/register")
