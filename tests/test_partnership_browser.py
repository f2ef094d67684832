"""The terms-of-reference acknowledgement and the maturity self-assessment form in Chromium, with axe-core
checking each page (WCAG 2.2 A/AA) at desktop width and at 320 px. Screenshots go to test-artifacts/browser/
(and /tmp/shots-partnership/ for review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.accounts.models import StaffUser
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.governance.models import MemberKind, RosterMember
from stepchange.workstreams.models import Workstream
from tests.server import Server
from tests.test_browser import browser, check_accessibility, server, sign_in_as

pytestmark = pytest.mark.slow
__all__ = ["browser", "server"]
SHOTS = Path("/tmp/shots-partnership")  # noqa: S108 - where the reviewer looks at them
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
async def roster(server: Server, db_config: SQLAlchemyAsyncConfig) -> Server:
    """The browser tests' server, with Tess (co-chair of T) and Bea (board) on T's roster."""
    async with session_scope(db_config) as session:
        workstream = await session.scalar(select(Workstream).where(Workstream.code == "T"))
        assert workstream is not None
        for email in ("chair@example.org", "board@example.org"):
            user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
            assert user is not None
            session.add(
                RosterMember(
                    workstream_id=workstream.id, kind=MemberKind.STAFF, staff_user_id=user.id, name=user.name,
                    organisation="Rail Co", email=email, joined_on=clock.uk_today(),
                )
            )  # fmt: skip
        await session.commit()
    return server


async def shoot(page: Any, name: str) -> None:
    """Screenshots for people to look at: desktop and 320 px."""
    await page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    desktop = page.viewport_size
    await page.set_viewport_size({"width": 320, "height": 900})
    await page.screenshot(path=str(SHOTS / f"{name}-320.png"), full_page=True)
    await page.set_viewport_size(desktop)


async def test_a_member_acknowledges_the_published_terms_of_reference(roster: Server, browser: Any) -> None:
    base = "/workstreams/T/governance"
    chair = await sign_in_as(browser, roster, "chair@example.org", f"{base}/terms/edit")
    await chair.click("form[action$='/terms/edit'] button")
    await chair.wait_for_selector(".govuk-error-summary")
    await check_accessibility(chair, "p30-terms-edit-errors", phone=True)
    await shoot(chair, "terms-edit-errors")
    await chair.fill("#mission", "Make transport networks harder targets for terrorists.")
    await chair.fill("#membership", "Operators bring their sites; British Transport Police bring threat briefings.")
    await chair.check("#cadence-3")
    await chair.fill("#schedule", "First Wednesday of the month, 10am, online.")
    await chair.fill("#standing_items", "Apologies\nThreat update\nProject updates\nActions")
    await chair.click("form[action$='/terms/edit'] button")
    await chair.wait_for_selector("text=Draft saved.")
    await chair.click("form[action$='/terms/publish'] button")
    await chair.wait_for_selector("text=Terms of reference published.")
    assert "2 not yet acknowledged" in await chair.inner_text("#acknowledgements + div")
    await check_accessibility(chair, "p31-terms-published", phone=True)

    board = await sign_in_as(browser, roster, "board@example.org", f"{base}/terms")
    await board.wait_for_selector("text=You have not yet acknowledged this version.")
    await check_accessibility(board, "p32-terms-to-acknowledge", phone=True)
    await shoot(board, "terms-to-acknowledge")
    await board.click("form[action$='/terms/acknowledge'] button")
    await board.wait_for_selector("text=Thank you: your acknowledgement is recorded.")
    assert "You acknowledged version 1" in await board.inner_text("main")
    await check_accessibility(board, "p33-terms-acknowledged", phone=True)
    await shoot(board, "terms-acknowledged")
    await chair.reload()
    assert "1 not yet acknowledged" in await chair.inner_text("#acknowledgements + div")
    await shoot(chair, "terms-roster")


async def test_a_co_chair_records_and_signs_off_a_maturity_self_assessment(roster: Server, browser: Any) -> None:
    base = "/workstreams/T/governance"
    chair = await sign_in_as(browser, roster, "chair@example.org", f"{base}/maturity/new")
    await check_accessibility(chair, "p40-maturity-form", phone=True)
    await shoot(chair, "maturity-form")
    await chair.click("form[action$='/maturity'] button.govuk-button")
    await chair.wait_for_selector(".govuk-error-summary")
    await check_accessibility(chair, "p41-maturity-form-errors", phone=True)
    await shoot(chair, "maturity-form-errors")
    await chair.click(".govuk-error-summary a[href='#assessed_on']")
    areas = await chair.locator("fieldset .govuk-radios").count()
    today = clock.uk_today()
    await chair.fill("#assessed_on-day", str(today.day))
    await chair.fill("#assessed_on-month", str(today.month))
    await chair.fill("#assessed_on-year", str(today.year))
    for i in range(areas):
        await chair.check(f"#ratings-{i}-level-{2 + i % 3}")
        await chair.fill(f"#ratings-{i}-evidence", "Minutes of the last three meetings.")
        await chair.fill(f"#ratings-{i}-next_step", "Agree owners at the next meeting.")
    await chair.click("form[action$='/maturity'] button.govuk-button")
    await chair.wait_for_selector("text=Assessment saved as a draft.")
    await check_accessibility(chair, "p42-maturity-draft", phone=True)
    await chair.click("form[action$='/sign-off'] button")
    await chair.wait_for_selector("text=Assessment signed off.")
    assert "This is the first signed-off assessment" in await chair.inner_text("main")
    await check_accessibility(chair, "p43-maturity-latest", phone=True)
    await shoot(chair, "maturity-latest")

    board = await sign_in_as(browser, roster, "board@example.org", "/reports/maturity")
    assert "Not comparable" in await board.inner_text("main")
    await check_accessibility(board, "p44-board-maturity", phone=True)
    await shoot(board, "board-maturity")


async def test_a_co_chair_sets_up_a_subgroup_and_the_office_reads_the_matrix(roster: Server, browser: Any) -> None:
    base = "/workstreams/T/governance"
    chair = await sign_in_as(browser, roster, "chair@example.org", f"{base}/subgroups/new")
    await check_accessibility(chair, "p50-subgroup-new", phone=True)
    await chair.fill("#name", "Hostile vehicle mitigation")
    await chair.fill("#purpose", "Agree where barriers are needed at stations.")
    await chair.fill("#lead", "Tess Chair")
    await chair.check("#projects")
    await chair.click("form[action$='/subgroups'] button")
    await chair.wait_for_selector("text=Subgroup set up.")
    await chair.select_option("#member", index=1)
    await chair.click("form[action$='/members'] button")
    await chair.wait_for_selector("text=Member added.")
    await chair.click("text=Add an action for the subgroup")
    await chair.fill("#action-title", "Survey the station forecourts")
    await chair.fill("#action-owner", "Tess Chair")
    await chair.fill("#action-due_on-day", "1")
    await chair.fill("#action-due_on-month", "4")
    await chair.fill("#action-due_on-year", "2027")
    await chair.click("form[action$='/actions'] button")
    await chair.wait_for_selector("text=Action added to the work-stream's action log.")
    await check_accessibility(chair, "p51-subgroup", phone=True)
    await shoot(chair, "subgroup")
    await chair.goto(f"{roster.url}{base}")
    await check_accessibility(chair, "p52-governance-overview", phone=True)
    await shoot(chair, "governance-overview")

    office = await sign_in_as(browser, roster, "office@example.org", "/maturity-matrix")
    await check_accessibility(office, "p53-maturity-matrix", phone=True)
    await shoot(office, "maturity-matrix")
