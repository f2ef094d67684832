"""Staff at work in a real browser (Chromium, axe-core WCAG 2.2 A/AA, 320 px): each role's home after
signing in, finding a person with the search and filters, and carrying out an erasure request from the
office's home. Screenshots go to test-artifacts/browser/ (and /tmp/shots-staffhome/ when it exists)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core.database import session_scope
from stepchange.people.models import ErasureRequest, Identity, Volunteer
from stepchange.people.services import PeopleService
from tests import test_browser
from tests.server import Server
from tests.test_browser import ARTIFACTS, browser, check_accessibility, fits, sign_in_as  # noqa: F401 - the suite's fixture

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/shots-staffhome")  # noqa: S108 - where people look at them, if it exists
server = test_browser.server


async def look(page: Any, name: str) -> None:
    """axe-core at desktop width and at 320 px (no sideways scrolling), with screenshots of both."""
    await check_accessibility(page, name, phone=True)
    if SHOTS.is_dir():  # noqa: ASYNC240 - a test's screenshots
        for shot in (f"{name}.png", f"320px-{name}.png"):
            if (ARTIFACTS / shot).exists():
                shutil.copy(ARTIFACTS / shot, SHOTS / shot)


async def a_person_asking_for_erasure(config: SQLAlchemyAsyncConfig) -> str:
    async with session_scope(config) as session:
        details = {"name": "Zoë Ávila", "phone": "+44 20 7946 0001", "organisation": "Wembley Stadium Ltd"}
        person = await PeopleService(session=session).add_person(
            "zoe@venue.example", {**details, "job_title": "Head of security", "sector": "Retail", "hours_per_month": 4}
        )
        person.identity = Identity.EMAIL_CONFIRMED
        await session.flush()
        session.add(ErasureRequest(volunteer_id=person.id))
        return str(person.id)


@pytest.mark.parametrize(
    ("email", "heading"),
    [
        ("office@example.org", "Your work"),
        ("ethics@example.org", "Declarations waiting for review"),
        ("chair@example.org", "Your projects"),
        ("board@example.org", "What needs the board"),
    ],
)
async def test_each_role_lands_on_its_home(server: Server, browser: Any, email: str, heading: str) -> None:  # noqa: F811 - fixtures
    page = await sign_in_as(browser, server, email, "/home")
    assert heading in await page.inner_text("main")
    current = page.locator(".govuk-service-navigation__item--active")
    assert await current.count() == 1
    assert await page.locator(".govuk-service-navigation__item").count() <= 7
    await look(page, f"home-{email.split('@')[0]}")


async def test_the_office_finds_a_person_by_search_and_filters(
    server: Server,
    browser: Any,  # noqa: F811
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    await a_person_asking_for_erasure(db_config)
    page = await sign_in_as(browser, server, "office@example.org", "/people")
    await page.fill("#q", "zoe avila")
    await page.select_option("#identity", "")
    await page.click("form.sc-filters button")
    await page.wait_for_url("**/people?q=zoe+avila**")
    assert "Zoë Ávila" in await page.inner_text("main")
    assert "1 person" in await page.inner_text("main")
    await look(page, "people-search")
    await page.click("main table a:has-text('Zoë Ávila')")
    main = await page.inner_text("main")
    assert "+44 20 7946 0001" in main and "Erasure request" in main
    await look(page, "person")


async def test_the_office_carries_out_an_erasure_from_its_home(
    server: Server,
    browser: Any,  # noqa: F811
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    volunteer_id = await a_person_asking_for_erasure(db_config)
    page = await sign_in_as(browser, server, "office@example.org", "/home")
    await page.click(f"a[href='/people/{volunteer_id}/erasure/carry-out']")
    assert "This cannot be undone" in await page.inner_text("main")
    await look(page, "erasure-confirm")
    await page.click("button:has-text('Erase their personal data')")
    await page.wait_for_url("**/home?done=erased")
    assert "Personal data erased" in await page.inner_text("main")
    assert await page.locator(f"a[href='/people/{volunteer_id}/erasure/carry-out']").count() == 0
    await look(page, "home-after-erasure")
    async with session_scope(db_config) as session:
        person = await session.scalar(select(Volunteer).where(Volunteer.id == volunteer_id))
        assert person is not None and person.erased_at is not None
    assert await fits(page, 1280)
