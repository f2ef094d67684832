"""Issue 26 in a real browser, with axe-core on every page and screenshots at desktop width and 320 px (also
copied to /tmp/shots-contrib/ for people to look at): a volunteer suggests a change to a provisional project
and logs their time; the co-chair accepts the change and confirms the time."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.database import session_scope
from stepchange.core.links import issue_link
from stepchange.volunteers.services import SIGN_IN
from tests.participants import a_volunteer
from tests.server import Server
from tests.test_browser import (  # noqa: F401 - the suite's fixtures
    ARTIFACTS,
    browser,
    check_accessibility,
    new_page,
    server,
    sign_in_as,
)

SHOTS = Path("/tmp/shots-contrib")  # noqa: S108 - where the brief asks for the screenshots


async def checked(page: Any, name: str) -> None:
    """axe-core at desktop width and at 320 px, and both screenshots kept in /tmp/shots-contrib/."""
    await check_accessibility(page, name, phone=True)
    await asyncio.to_thread(keep, name)


def keep(name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in (f"{name}.png", f"320px-{name}.png"):
        shutil.copy(ARTIFACTS / shot, SHOTS / shot)


async def volunteer_page(chromium: Any, site: Server, config: SQLAlchemyAsyncConfig) -> Any:
    person = await a_volunteer(config, "priya@example.org", interested_in=("T1",), placed_on=("T2",), name="Priya Shah")
    async with session_scope(config) as session:
        token = await issue_link(session, SIGN_IN, person, lifetime=dt.timedelta(minutes=5))
    page = await new_page(chromium)
    await page.goto(f"{site.url}/my/sign-in/{token}")
    await page.click(f"form[action='/my/sign-in/{token}'] button")
    await page.wait_for_url(f"{site.url}/my/record")
    return page


async def test_a_volunteer_suggests_a_change_and_logs_time_and_the_co_chair_decides(
    server: Server,  # noqa: F811 - the suite's fixture
    browser: Any,  # noqa: F811 - the suite's fixture
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    priya = await volunteer_page(browser, server, db_config)
    await priya.goto(f"{server.url}/projects/T1")
    await priya.click("text=Suggest a change >> nth=-1")
    await priya.wait_for_url(f"{server.url}/projects/T1/proposals/new")
    await checked(priya, "c01-suggest-a-change")
    await priya.click("form[action='/projects/T1/proposals/new'] button")
    await priya.wait_for_selector(".govuk-error-summary")
    await checked(priya, "c02-suggest-a-change-errors")
    await priya.fill("#action", "Write and publish guidance for every operator, with a named owner in each firm.")
    await priya.fill("#rationale", "Operators asked for one person to be answerable.")
    await priya.click("form[action='/projects/T1/proposals/new'] button")
    await priya.wait_for_selector("text=Suggestion sent")
    assert await priya.locator("ins").count() >= 1 and await priya.locator("del").count() >= 1
    await checked(priya, "c03-proposal-sent-with-comparison")

    await priya.goto(f"{server.url}/my/record")
    await priya.click("text=Log your time")
    await priya.wait_for_url(f"{server.url}/my/time")
    await checked(priya, "c04-log-your-time")
    await priya.select_option("#project", "T2")
    await priya.fill("#expenses", "12.40")
    await priya.click("form[action='/my/time'] button")
    await priya.wait_for_selector(".govuk-error-summary")
    await checked(priya, "c05-log-your-time-errors")
    await priya.fill("#hours", "6.5")
    await priya.check("#expense_kind")
    await priya.click("form[action='/my/time'] button")
    await priya.wait_for_selector("text=Your time is logged")
    await checked(priya, "c06-time-logged")

    chair = await sign_in_as(browser, server, "chair@example.org", "/workstreams/T")
    await checked(chair, "c07-work-stream-with-proposals-queue")
    await chair.click("text=T1: change proposed by Priya Shah")
    await chair.wait_for_selector("text=Your decision")
    await checked(chair, "c08-proposal-for-decision")
    await chair.check("#decision")
    await chair.click("text=Save decision")
    await chair.wait_for_selector("text=Proposal accepted")
    await chair.goto(f"{server.url}/time")
    await checked(chair, "c09-time-to-confirm")
    await chair.click("button[value='confirmed']")
    await chair.wait_for_selector("text=Time confirmed.")
    await chair.goto(f"{server.url}/desk/projects/T1")
    await checked(chair, "c10-team-mix")
