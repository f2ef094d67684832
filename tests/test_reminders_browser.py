"""The reminder and calendar pages in Chromium, with axe-core, at desktop width and 320 px, without
JavaScript too (issue 27)."""

from __future__ import annotations

from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.people.models import Identity, Volunteer
from stepchange.reminders.signing import STOP, sign
from tests.server import Server
from tests.test_browser import browser, check_accessibility, new_page, server, sign_in_as  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


async def test_a_co_chair_chooses_a_weekly_digest_and_makes_a_calendar_address(server: Server, browser: Any) -> None:  # noqa: F811
    page = await sign_in_as(browser, server, "chair@example.org", "/account")
    await page.click("text=Reminders and calendar settings")
    await page.wait_for_url(f"{server.url}/account/reminders")
    await check_accessibility(page, "reminders-01-settings", phone=True)
    await page.check("#frequency-2")
    await page.click("form[action='/account/reminders'] button")
    await page.wait_for_selector("text=Your choice of summary is saved.")
    await check_accessibility(page, "reminders-03-settings-saved", phone=True)
    await page.click("form[action='/account/calendar'] button")
    await page.wait_for_selector("text=Calendar address made")
    assert "/calendar/" in await page.input_value("#calendar-url")
    await check_accessibility(page, "reminders-04-calendar-address", phone=True)


async def test_a_volunteer_stops_reminders_without_javascript(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    db_config: SQLAlchemyAsyncConfig,
    settings: Settings,
) -> None:
    async with session_scope(db_config) as session:
        person = Volunteer(
            email="stop@volunteer.example",
            name="Sam Stop",
            phone="07700 900123",
            organisation="Harbour Cruises Ltd",
            job_title="Head of Security",
            sector="Transport",
            identity=Identity.VALIDATED,
            hours_per_month=8,
        )
        session.add(person)
    link = f"{server.url}/reminders/stop/{sign(settings, STOP, person.id)}"
    page = await new_page(browser)
    await page.goto(link)
    await check_accessibility(page, "reminders-05-stop", phone=True)
    no_script = await new_page(browser, width=320, javascript=False)
    await no_script.goto(link)
    await no_script.click("form[action^='/reminders/stop/'] button")
    await no_script.wait_for_selector("text=Reminders stopped")
    await page.reload()
    await page.click("form[action^='/reminders/stop/'] button")
    await page.wait_for_selector("text=Reminders stopped")
    await check_accessibility(page, "reminders-06-stopped", phone=True)
