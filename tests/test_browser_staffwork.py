"""Staff at work in a real browser (Chromium, axe-core WCAG 2.2 A/AA, 320 px): the office runs a call from
the pages, offers a place on a project not yet ethics-cleared (warned, then confirmed), and an ethics
reviewer decides a declaration whose mitigation is revealed only for "managed", with and without JavaScript.
Screenshots go to /tmp/shots-staffwork/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.app import create_app
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration
from stepchange.people.models import Identity, Volunteer
from tests import test_browser
from tests.conftest import Client
from tests.server import Server
from tests.test_browser import browser, check_accessibility, new_page, server, sign_in_as  # noqa: F401 - fixtures
from tests.test_interest import submission

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/shots-staffwork")  # noqa: S108 - where the brief asks for them


@pytest.fixture(autouse=True)
def shots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(test_browser, "ARTIFACTS", SHOTS)


async def register(settings: Settings, config: SQLAlchemyAsyncConfig, email: str, **changes: Any) -> str:
    """Someone who registered interest (through the API, as the public do), validated by the office."""
    async with Client(app=create_app(settings)) as public:
        body = submission(email=email, **changes)
        answer = await public.post("/api/interest", json=body, headers={"x-csrftoken": await public.csrf()})
        assert answer.status_code == 201, answer.text
    async with session_scope(config) as session:
        await session.execute(update(Volunteer).where(Volunteer.email == email).values(identity=Identity.VALIDATED))
        return str((await session.scalars(select(Volunteer.id).where(Volunteer.email == email))).one())


async def test_the_office_runs_a_call_from_the_pages(server: Server, browser: Any) -> None:  # noqa: F811
    office = await sign_in_as(browser, server, "office@example.org", "/calls")
    await check_accessibility(office, "10-calls", phone=True)
    await office.click("a:has-text('Open a call')")
    await office.wait_for_selector("h1:has-text('Open a call to action')")
    await office.click("button:has-text('Continue')")
    await office.wait_for_selector(".govuk-error-summary")
    assert await office.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    await check_accessibility(office, "11-call-new-errors", phone=True)

    opens = clock.uk_today() + dt.timedelta(days=7)
    closes = opens + dt.timedelta(days=30)
    await office.fill("#name", "Step-Change Call to Action 2027")
    for name, day in (("opens_at", opens), ("closes_at", closes)):
        await office.fill(f"#{name}", str(day.day))
        await office.fill(f"#{name}-month", str(day.month))
        await office.fill(f"#{name}-year", str(day.year))
    await office.fill("#opens_at-time", "9:00am")
    await office.check("input[name='projects'][value='T1']")
    await office.check("input[name='projects'][value='CP2']")
    await office.click("button:has-text('Continue')")
    await office.wait_for_selector("h1:has-text('Check the call before opening it')")
    await check_accessibility(office, "12-call-check", phone=True)
    await office.click("button:has-text('Create the call')")
    await office.wait_for_selector("text=Call created")
    await check_accessibility(office, "13-call-created", phone=True)
    await office.click("a:has-text('Change its window and projects')")
    await office.wait_for_selector("h1:has-text('Change Step-Change Call to Action 2027')")
    assert await office.is_checked("input[name='projects'][value='CP2']")
    await check_accessibility(office, "14-call-change", phone=True)

    await office.goto(f"{server.url}/calls")
    await office.click("td a:has-text('Test call')")
    await office.click("a:has-text('Close it now')")
    await office.wait_for_selector("h1:has-text('Are you sure you want to close the call now?')")
    await check_accessibility(office, "15-call-close", phone=True)
    await office.click("button:has-text('Close the call now')")
    await office.wait_for_selector("text=The call is closed")
    await office.click("a:has-text('Extend it')")
    await check_accessibility(office, "16-call-extend", phone=True)


async def test_an_offer_on_an_uncleared_project_is_warned_and_confirmed(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    settings: Settings,
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    person = await register(
        settings,
        db_config,
        "quiet@example.org",
        name="Quinn Quiet",
        conflicts=[],
        no_conflicts=True,
        choices=[{"project": "T1", "rank": 1, "role": "member"}],
    )
    office = await sign_in_as(browser, server, "office@example.org", "/desk")
    assert "Not reviewed yet" in await office.inner_text("table")
    await check_accessibility(office, "20-desk-clearance", phone=True)
    await office.goto(f"{server.url}/desk/projects/T1")
    assert "has not been cleared by its commercial-advantage review yet" in await office.inner_text("main")
    await office.click("button[aria-label='Offer a place to Quinn Quiet']")
    await office.wait_for_selector(".govuk-error-summary")
    await check_accessibility(office, "21-desk-offer-needs-confirming", phone=True)
    await office.click(f".govuk-error-summary a[href='#confirm_uncleared-{person}']")
    assert await office.evaluate(f"document.activeElement.id === 'confirm_uncleared-{person}'")
    await office.check(f"#confirm_uncleared-{person}")
    await office.click("button[aria-label='Offer a place to Quinn Quiet']")
    await office.wait_for_selector("text=Offer sent.")
    await check_accessibility(office, "22-desk-offer-confirmed", phone=True)
    await office.click("a:has-text('See the project')")
    await office.wait_for_selector("#team")
    assert "Quinn Quiet" in await office.inner_text("main")
    await check_accessibility(office, "23-project-team", phone=True)


async def test_the_mitigation_is_revealed_for_managed_with_and_without_javascript(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    settings: Settings,
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    await register(settings, db_config, "priya@example.org")
    await register(settings, db_config, "raj@example.org", name="Raj Patel")
    async with session_scope(db_config) as session:
        found = await session.execute(
            select(Volunteer.email, Declaration.id).join(Volunteer, Volunteer.id == Declaration.volunteer_id)
        )
        ids = dict(found.all())
    ethics = await sign_in_as(browser, server, "ethics@example.org", f"/ethics/declarations/{ids['priya@example.org']}")
    assert "Projects Priya Shah chose" in await ethics.inner_text("main")
    assert not await ethics.is_visible("#mitigation"), "hidden until managed is chosen"
    assert await ethics.evaluate("document.querySelectorAll('input[type=radio][aria-expanded]').length") == 0
    await check_accessibility(ethics, "30-declaration", phone=True)
    await ethics.check("input[name='outcome'][value='managed']")
    assert await ethics.is_visible("#mitigation")
    assert await ethics.evaluate("document.querySelectorAll('input[type=radio][aria-expanded]').length") == 0
    await check_accessibility(ethics, "31-declaration-managed-revealed", phone=True)
    await ethics.click("form[action$='/review'] button")
    await ethics.wait_for_selector(".govuk-error-summary")
    summary = await ethics.inner_text(".govuk-error-summary")
    assert summary.index("how the conflict will be managed") < summary.index("reason for this decision")
    assert await ethics.is_visible("#mitigation"), "still shown beside its error"
    await check_accessibility(ethics, "32-declaration-errors", phone=True)
    await ethics.check("input[name='outcome'][value='no_conflict']")
    assert not await ethics.is_visible("#mitigation")

    plain = await new_page(browser, javascript=False)
    await plain.goto(f"{server.url}/login?next=/ethics/declarations/{ids['raj@example.org']}")
    await plain.fill("#email", "ethics@example.org")
    await plain.fill("#password", test_browser.PASSWORD)
    await plain.click("form[action='/login'] button")
    await plain.wait_for_selector("h1:has-text('Raj Patel')")
    assert await plain.is_visible("#mitigation"), "without JavaScript every revealed question shows"
    await plain.screenshot(path=str(SHOTS / "34-declaration-without-javascript.png"), full_page=True)
    await plain.check("input[name='outcome'][value='no_conflict']")
    await plain.fill("#reason", "The shares are held in a blind trust.")
    await plain.click("form[action$='/review'] button")
    await plain.wait_for_selector("text=Decision recorded.")
    # axe-core needs JavaScript: this page is the one checked above, so only the screenshots are taken here
    await plain.screenshot(path=str(SHOTS / "33-declaration-decided-without-javascript.png"), full_page=True)
    await plain.set_viewport_size({"width": 320, "height": 900})
    await plain.screenshot(path=str(SHOTS / "320px-33-declaration-decided-without-javascript.png"), full_page=True)


async def test_the_office_says_which_part_of_the_programme_an_organisation_belongs_to(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    office = await sign_in_as(browser, server, "office@example.org", "/organisations")
    await office.fill("#name", "Port Authority")
    await office.click("button:has-text('Add organisation')")
    await office.wait_for_selector("text=Organisation added")
    await office.select_option("#part_organisation", label="Port Authority")
    await office.click("button:has-text('Save part')")
    await office.wait_for_selector(".govuk-error-summary")
    await check_accessibility(office, "17-organisation-part-error", phone=True)
    await office.click(".govuk-error-summary a")
    assert await office.evaluate("document.activeElement.id") == "part"

    await office.select_option("#part_organisation", label="Port Authority")
    await office.check("input[name='part'][value='policing']")
    await office.click("button:has-text('Save part')")
    await office.wait_for_selector("text=Part of the programme saved")
    row = office.locator("tr", has_text="Port Authority")
    assert "Policing" in await row.inner_text()
    await check_accessibility(office, "18-organisation-part-saved", phone=True)
