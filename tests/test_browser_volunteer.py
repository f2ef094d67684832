"""The volunteer's journeys in Chromium (issue 23), every page checked by axe-core against WCAG 2.2 A/AA and
photographed at 320 px and on a desktop (under /tmp/shots-journeys/ and test-artifacts/browser/): from a
project page to a confirmed expression of interest by keyboard alone, errors made and put right, an answer
changed from check your answers; back by link to change contact details and choices and to withdraw (after
"Are you sure?"); the declaration's mitigation and the project's conditions on the record, the offer e-mail
and the offer page; accepting the place. And the question pages without JavaScript on a phone."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.server import Server
from tests.smtp import SmtpServer, plain_text
from tests.test_browser import (  # noqa: F401 - browser and server are fixtures
    axe,
    browser,
    fits,
    link_in,
    mail_to,
    new_page,
    register_by_keyboard,
    server,
    sign_in_as,
    tab_to,
    type_into,
)

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/shots-journeys")  # noqa: S108 - screenshots for people to look at
MITIGATION = "She takes no part in choosing suppliers for T1."
CONDITIONS = "Guidance is published openly, naming no supplier."


async def shot(page: Any, name: str, *, javascript: bool = True) -> None:
    """axe-core (which needs JavaScript) and a screenshot at 320 px (where nothing may scroll sideways) and on
    a desktop."""
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    desktop = page.viewport_size
    for width in (320, 1280):
        await page.set_viewport_size({"width": width, "height": 900})
        if width == 320:
            assert await fits(page, 320), f"{name} scrolls sideways at 320 px"
        await page.screenshot(path=str(SHOTS / f"{name}-{width}{'' if javascript else '-nojs'}.png"), full_page=True)
        if javascript:
            await axe(page, f"volunteer-{name}-{width}")
    await page.set_viewport_size(desktop)


async def test_from_a_project_page_to_an_accepted_place(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    smtp: SmtpServer,
) -> None:
    volunteer = await new_page(browser)
    await register_by_keyboard(volunteer, server, smtp)
    await shot(volunteer, "10-record-after-withdrawing")

    await tab_to(volunteer, "a[href='/my/details#phone']")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("h1:has-text('Change your contact details')")
    await volunteer.fill("#phone", "12345")
    await volunteer.fill("#job_title", "")
    await volunteer.click("main form button")
    await volunteer.wait_for_selector(".govuk-error-summary")
    links = await volunteer.eval_on_selector_all(".govuk-error-summary a", "els => els.map(a => a.hash)")
    assert links == ["#phone", "#job_title"], "every problem at once, in page order"
    await shot(volunteer, "11-details-with-errors")
    await volunteer.fill("#phone", "+33 1 23 45 67 89")
    await volunteer.fill("#job_title", "Director of Security")
    await volunteer.click("main form button")
    await volunteer.wait_for_selector("text=Your contact details are saved")
    record = await volunteer.inner_text("main")
    assert "+33123456789" in record and "Director of Security" in record

    await volunteer.click("a:has-text('Change your choices or hours')")
    await volunteer.wait_for_selector("h1:has-text('Change your choices')")
    await shot(volunteer, "12-change-choices")
    await volunteer.select_option("#choices-1-project", "SR2")
    await volunteer.click("main form button")
    await volunteer.wait_for_selector("text=Your choices are saved")
    assert "SR2: " in await volunteer.inner_text("main")

    office = await sign_in_as(browser, server, "office@example.org", "/people")
    await office.click("a:has-text('Priya Shah')")
    await office.wait_for_selector("h1:has-text('Priya Shah')")
    await office.check("input[name='decision'][value='validated']")
    await office.fill("#evidence", "Called Harbour Cruises' switchboard; they put me through to her.")
    await office.click("form:has(#decision) button")
    await office.wait_for_selector("text=Decision recorded")

    ethics = await sign_in_as(browser, server, "ethics@example.org", "/ethics")
    await ethics.click("a:has-text('Priya Shah')")
    await ethics.wait_for_selector("h1:has-text('Priya Shah')")
    await ethics.check("input[name='outcome'][value='managed']")
    await ethics.fill("#mitigation", MITIGATION)
    await ethics.fill("#reason", "An adviser, not a supplier; managed by keeping her out of procurement.")
    await ethics.click("form[action$='/review'] button")
    await ethics.wait_for_selector("text=Decision recorded.")
    await ethics.goto(f"{server.url}/ethics/projects/T1")
    await ethics.check("input[name='outcome'][value='cleared_with_conditions']")
    await ethics.fill("#conditions", CONDITIONS)
    await ethics.fill("#reason", "Outputs are guidance for every operator.")
    await ethics.click("form[action='/ethics/projects/T1'] button")
    await ethics.wait_for_selector("text=Review recorded.")

    await volunteer.reload()
    assert MITIGATION in await volunteer.inner_text("main"), "the record shows what the volunteer agreed to"
    await shot(volunteer, "13-record-with-mitigation")

    await office.goto(f"{server.url}/desk/projects/T1")
    await office.locator("button[aria-label='Offer a place to Priya Shah']").click()
    await office.wait_for_selector("text=Offer sent.")

    offer = await mail_to(smtp, "priya@harbour.example", "A place on Step-Change project T1")
    text = plain_text(offer)
    for said in (MITIGATION, CONDITIONS, "Tess Chair", "The offer lapses if you have not answered by"):
        assert said in text, f"the offer e-mail says {said!r}"
    await volunteer.goto(link_in(offer, server.url))
    page = await volunteer.inner_text("main")
    for said in (MITIGATION, CONDITIONS, "Tess Chair", "Answer by", "Member of the project's team"):
        assert said in page, f"the offer page says {said!r}"
    await shot(volunteer, "14-offer")
    await tab_to(volunteer, "button[value='decline']")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("h1:has-text('Are you sure you want to decline this place?')")
    await shot(volunteer, "15-decline-are-you-sure")
    await tab_to(volunteer, "a:has-text('No, go back to the offer')")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("h1:has-text('A place on T1')")
    await tab_to(volunteer, "button[value='accept']")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("text=Place accepted")
    await volunteer.goto(f"{server.url}/my/record")
    record = await volunteer.inner_text("main")
    assert "T1 as member: accepted" in record and CONDITIONS in record
    await shot(volunteer, "16-record-with-a-place")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
async def test_the_question_pages_on_a_phone(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    smtp: SmtpServer,
    javascript: bool,
) -> None:
    """Every question page at 320 px, with and without JavaScript: errors, Back keeping answers, declaring,
    check your answers, sending, confirming, and the used link's page."""
    page = await new_page(browser, width=320, javascript=javascript)
    email = f"sam{int(javascript)}@venue.example"
    await page.goto(f"{server.url}/projects/CP2")
    await shot(page, "20-project-page", javascript=javascript)
    await page.click("a:has-text('Register your interest in this project')")
    await page.wait_for_selector("h1:has-text('About you')")
    await page.click("main form button")
    summary = await page.inner_text(".govuk-error-summary")
    assert (
        summary.index("Enter your full name")
        < summary.index("Enter your email address")
        < summary.index("Enter your telephone number")
    ), "the summary is in page order"
    await shot(page, "21-about-you-errors", javascript=javascript)
    await page.fill("#name", "Sam Lee")
    await page.fill("#email", email)
    await page.fill("#phone", "+44 20 7946 0018")
    await page.click("main form button")
    await page.fill("#organisation", "Venue Group")
    await page.fill("#job_title", "Safety officer")
    await page.select_option("#sector", "Sport and events")
    await shot(page, "22-organisation", javascript=javascript)
    await page.click("main form button")
    assert await page.input_value("#choices-0-project") == "CP2"
    await shot(page, "23-projects", javascript=javascript)
    await page.click("main form button")
    await page.click("main form button")
    assert "Enter the hours you can offer a month" in await page.inner_text(".govuk-error-summary")
    await page.fill("#hours_per_month", "6")
    await page.click("main form button")
    await shot(page, "24-experience", javascript=javascript)
    await page.click("main form button")
    await shot(page, "25-conflicts", javascript=javascript)
    await page.check("#has_conflicts-2")
    await page.click("main form button")
    await shot(page, "26-confidentiality", javascript=javascript)
    await page.click("a:has-text('Back')")
    assert await page.is_checked("#has_conflicts-2"), "Back keeps the answer"
    await page.check("#has_conflicts")
    await page.click("main form button")
    await page.click("main form button")
    errors = await page.eval_on_selector_all(".govuk-error-summary a", "els => els.map(a => a.hash)")
    assert errors == ["#conflicts-0-kind", "#conflicts-0-description"]
    await shot(page, "27-declare-with-errors", javascript=javascript)
    await page.check("#conflicts-0-kind")
    await page.fill("#conflicts-0-description", "I own shares in a stewarding firm.")
    await page.click("main form button")
    await shot(page, "28-declarations", javascript=javascript)
    await page.check("#another-2")
    await page.click("form[action='/interest/declarations'] button")
    await page.check("#confidentiality_accepted")
    await page.click("main form button")
    await page.wait_for_selector("text=Check your answers before sending")
    await shot(page, "29-check-your-answers", javascript=javascript)
    await page.click("form[action='/interest'] button")
    await page.wait_for_selector("h1:has-text('Check your email')")
    await shot(page, "30-check-your-email", javascript=javascript)
    confirm = link_in(await mail_to(smtp, email, "Confirm"), server.url)
    await page.goto(confirm)
    await page.click("main form button")
    await page.wait_for_selector("text=Your expression of interest is confirmed")
    await shot(page, "31-confirmed", javascript=javascript)
    await page.goto(confirm)
    await page.wait_for_selector("h1:has-text('This link has already been used')")
    await shot(page, "32-used-link", javascript=javascript)
    await page.goto(f"{server.url}/my")
    await shot(page, "33-get-a-link", javascript=javascript)
