"""The page for asking for a new confirmation link, in a real browser: reached from the confirmation
page, axe-clean at desktop width and at 320 px (screenshots in test-artifacts/browser/), its error
and its answer, and the same without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server import Server
from tests.test_browser import browser, check_accessibility, new_page, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


async def test_asking_for_a_new_link_on_a_phone_and_on_a_desktop(server: Server, browser: Any) -> None:  # noqa: F811
    page = await new_page(browser)
    await page.goto(f"{server.url}/interest/sent")
    await check_accessibility(page, "timing-1-sent", phone=True)
    await page.click("text=get a new link")
    await page.wait_for_url(f"{server.url}/interest/resend")
    await check_accessibility(page, "timing-2-resend", phone=True)

    await page.click("form[action='/interest/resend'] button")
    assert "Enter the email address you registered with" in await page.inner_text(".govuk-error-summary")
    assert (await page.title()).startswith("Error: Get a new confirmation link")
    await check_accessibility(page, "timing-3-resend-error", phone=True)

    await page.fill("#email", "someone@example.org")
    await page.click("form[action='/interest/resend'] button")
    await page.wait_for_url(f"{server.url}/interest/resend?sent=true")
    assert "we have sent it a new link" in await page.inner_text("main")
    await check_accessibility(page, "timing-4-resend-sent", phone=True)


async def test_asking_for_a_new_link_without_javascript(server: Server, browser: Any) -> None:  # noqa: F811
    page = await new_page(browser, javascript=False)
    await page.goto(f"{server.url}/interest/resend")
    await page.fill("#email", "someone@example.org")
    await page.click("form[action='/interest/resend'] button")
    await page.wait_for_url(f"{server.url}/interest/resend?sent=true")
    assert "we have sent it a new link" in await page.inner_text("main")
