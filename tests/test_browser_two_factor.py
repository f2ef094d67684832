"""Two-factor sign-in in a real browser (part of the browser suite: Chromium, axe-core on every page, at
320 px and on the desktop, screenshots in test-artifacts/browser/): setting up an app from the QR page's
key, the recovery codes, the code page, a recovery code, and signing in without JavaScript. Codes are
made in the test from the secret, as the phone would."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, make_staff
from tests.server import Server, running
from tests.test_browser import browser, check_accessibility, new_page  # noqa: F401 - the suite's fixture
from tests.test_resilience import server_env

pytestmark = pytest.mark.slow
CHAIR = "chair@example.org"


@pytest.fixture
async def server(settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path) -> AsyncIterator[Server]:
    """A real server that requires a second factor of every member of staff, as production does."""
    await make_staff(db_config, CHAIR, "co_chair", workstream="T", name="Tess Chair")
    with running(server_env(settings, STEPCHANGE_MFA="required"), log=tmp_path / "server.log") as running_server:
        yield running_server


async def password(page: Any, server: Server, then: str) -> None:
    await page.goto(f"{server.url}/login?next={then}")
    await page.fill("#email", CHAIR)
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/login'] button")


def next_step_code(secret: str) -> str:
    """The code for the next 30 seconds: accepted (one step of drift), and later than any used before."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))


async def test_setting_up_an_app_then_signing_in_with_a_code_and_a_recovery_code(
    server: Server,
    browser: Any,  # noqa: F811 - the suite's fixture
) -> None:
    page = await new_page(browser)
    await password(page, server, "/workstreams/T")
    await page.wait_for_url(re.compile(r"/account/two-factor/setup\?next="))
    await check_accessibility(page, "40-two-factor-setup", phone=True)
    assert await page.get_attribute("img[alt^='QR code']", "src") or "", "the QR code is on the page"
    secret = (await page.text_content("#secret") or "").replace(" ", "")
    await page.fill("#code", "000000")
    await page.click("form[action='/account/two-factor/setup'] button")
    await check_accessibility(page, "41-two-factor-setup-wrong-code")
    assert "That code is not right" in await page.inner_text(".govuk-error-summary")
    await page.fill("#code", pyotp.TOTP(secret).now())
    await page.click("form[action='/account/two-factor/setup'] button")
    await page.wait_for_selector("text=Save your recovery codes")
    await check_accessibility(page, "42-recovery-codes", phone=True)
    codes = await page.eval_on_selector_all(
        "ul[aria-label='Recovery codes'] code", "els => els.map(e => e.textContent)"
    )
    assert len(codes) == 10
    await page.click("text=I have saved these codes")
    await page.wait_for_url(f"{server.url}/workstreams/T")

    await page.goto(f"{server.url}/account")
    await page.click("form[action='/logout'] button")
    await password(page, server, "/account")
    await page.wait_for_url(re.compile(r"/login/code\?next="))
    await check_accessibility(page, "43-enter-the-code", phone=True)
    await page.fill("#code", "123 456")
    await page.click("form[action='/login/code'] button")
    await check_accessibility(page, "44-enter-the-code-wrong")
    await page.click("text=Use a recovery code")
    await page.wait_for_url(re.compile(r"/login/recovery"))
    await check_accessibility(page, "45-use-a-recovery-code", phone=True)
    await page.fill("#code", codes[0])
    await page.click("form[action='/login/recovery'] button")
    await page.wait_for_url(f"{server.url}/account/two-factor?done=recovery")
    assert "You have 9 left" in await page.inner_text(".govuk-notification-banner")
    await check_accessibility(page, "46-two-factor-after-recovery", phone=True)

    plain = await new_page(browser, javascript=False)
    await password(plain, server, "/account")
    await plain.wait_for_url(re.compile(r"/login/code"))
    await plain.fill("#code", next_step_code(secret))
    await plain.click("form[action='/login/code'] button")
    await plain.wait_for_url(f"{server.url}/account")
    assert "Authenticator app set up" in await plain.inner_text("main")
