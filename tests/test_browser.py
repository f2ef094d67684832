"""The journeys in a real browser (Debian's Chromium driven by Playwright), with axe-core checking every
page visited against WCAG 2.2 A/AA, the volunteer's journey by keyboard alone, phones at 320 px and
pages without JavaScript. Screenshots of key pages go to test-artifacts/ for people to look at."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import PROJECT_ROOT, Settings
from tests.conftest import PASSWORD, make_staff
from tests.server import Server, running
from tests.smtp import SmtpServer, plain_text
from tests.test_interest import open_a_call
from tests.test_resilience import server_env

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
async def server(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer, tmp_path: Path
) -> AsyncIterator[Server]:
    await open_a_call(db_config)
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    await make_staff(db_config, "chair@example.org", "co_chair", workstream="T", name="Tess Chair")
    env = server_env(
        settings, STEPCHANGE_SMTP_HOST="127.0.0.1", STEPCHANGE_SMTP_PORT=str(smtp.port), STEPCHANGE_MAIL_SENDER="1"
    )
    with running(env, log=tmp_path / "server.log") as running_server:
        env["STEPCHANGE_BASE_URL"] = running_server.url
        yield running_server


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def new_page(browser: Any, *, width: int = 1280, javascript: bool = True) -> Any:
    # bypass_csp lets the test inject axe-core; the service's own pages never need it.
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript, bypass_csp=True
    )
    return await context.new_page()


async def check_accessibility(page: Any, name: str) -> None:
    """axe-core on the page as it is now: no WCAG 2.2 A/AA violations; and a screenshot for people."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x) {v['nodes'][0]['target']}" for v in result["violations"]]
    assert problems == [], f"{name}: {problems}"


async def fits(page: Any, width: int) -> bool:
    return bool(await page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


async def wait_for_mail(smtp: SmtpServer, count: int) -> Any:
    import asyncio

    for _ in range(100):
        if len(smtp.messages) >= count:
            return smtp.messages[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} e-mails, got {len(smtp.messages)}")


def link_in(message: Any, base: str) -> str:
    return str(re.findall(r"https?://\S+", plain_text(message))[0]).replace("http://127.0.0.1:8000", base)


async def tab_to(page: Any, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element has focus: proof it can be reached by keyboard alone."""
    target = await page.query_selector(selector)
    assert target is not None, selector
    for _ in range(limit):
        if await page.evaluate("(el) => el === document.activeElement", target):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


async def type_into(page: Any, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def test_a_volunteer_registers_by_keyboard_confirms_signs_in_and_withdraws(
    server: Server, browser: Any, smtp: SmtpServer
) -> None:
    page = await new_page(browser)
    await page.goto(f"{server.url}/")
    await check_accessibility(page, "01-home")
    await page.goto(f"{server.url}/interest")
    await check_accessibility(page, "02-form")

    await page.keyboard.press("Tab")
    for selector, text in [
        ("#name", "Priya Shah"),
        ("#email", "priya-at-example"),
        ("#phone", "07700 900123"),
        ("#organisation", "Harbour Cruises"),
        ("#job_title", "Head of Security"),
    ]:
        await type_into(page, selector, text)
    await tab_to(page, "#sector")
    await page.select_option("#sector", "Transport")
    await tab_to(page, "#choices-0-project")
    await page.select_option("#choices-0-project", "T1")
    await tab_to(page, "#choices-1-project")
    await page.select_option("#choices-1-project", "CP2")
    await type_into(page, "#hours_per_month", "8")
    await tab_to(page, "#has_conflicts")
    await page.keyboard.press("Space")
    await tab_to(page, "#confidentiality_accepted")
    await page.keyboard.press("Space")
    await tab_to(page, "form[action='/interest/check'] button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector(".govuk-error-summary")
    await check_accessibility(page, "03-form-with-an-error")
    assert "Enter an email address in the correct format" in await page.inner_text(".govuk-error-summary")
    await page.fill("#email", "")
    await type_into(page, "#email", "priya@harbour.example")
    await tab_to(page, "form[action='/interest/check'] button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Check your answers before sending")
    await check_accessibility(page, "04-check-your-answers")
    await tab_to(page, "form[action='/interest'] button:has-text('Send')")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Check your email")
    await check_accessibility(page, "05-sent")

    await page.goto(link_in(await wait_for_mail(smtp, 1), server.url))
    await check_accessibility(page, "06-confirm-button")
    await tab_to(page, "form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Your expression of interest is confirmed")

    await page.goto(f"{server.url}/my")
    await type_into(page, "#email", "priya@harbour.example")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=we have sent it a link")
    await page.goto(link_in(await wait_for_mail(smtp, 2), server.url))
    await tab_to(page, "form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Your record")
    await check_accessibility(page, "07-my-record")
    await tab_to(page, "button[aria-label='Withdraw from CP2']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=You have withdrawn from that project")
    assert "CP2 as" not in await page.inner_text("main")


async def test_a_co_chair_posts_a_status_update(server: Server, browser: Any) -> None:
    page = await new_page(browser)
    await page.goto(f"{server.url}/login")
    await check_accessibility(page, "10-sign-in")
    await page.fill("#email", "chair@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/login'] button")
    await page.goto(f"{server.url}/projects/T1")
    await check_accessibility(page, "11-project-for-its-co-chair")
    await page.select_option("#status", "recruiting")
    await page.check("#rag-2")
    await page.fill("#summary", "Scoping agreed with the cruise lines.")
    await page.click("form[action='/projects/T1/updates'] button")
    await page.wait_for_selector("text=Update posted.")
    assert "Scoping agreed with the cruise lines." in await page.inner_text("#updates + ol")
    await check_accessibility(page, "12-project-after-update")


@pytest.mark.parametrize(
    "path", ["/", "/projects", "/projects/CP3", "/workstreams", "/interest", "/privacy", "/my", "/login"]
)
async def test_public_pages_fit_a_320_pixel_phone_and_work_without_javascript(
    server: Server, browser: Any, path: str
) -> None:
    phone = await new_page(browser, width=320)
    await phone.goto(f"{server.url}{path}")
    assert await fits(phone, 320), f"{path} scrolls sideways at 320 px"
    await check_accessibility(phone, f"320px{path.replace('/', '-') or '-home'}")
    plain = await new_page(browser, javascript=False)
    response = await plain.goto(f"{server.url}{path}")
    assert response.status == 200
    assert await plain.query_selector("h1") is not None


async def test_the_form_reports_mistakes_without_javascript(server: Server, browser: Any) -> None:
    page = await new_page(browser, javascript=False)
    await page.goto(f"{server.url}/interest")
    await page.click("form[action='/interest/check'] button")
    summary = await page.inner_text(".govuk-error-summary")
    assert "Enter your full name" in summary
    assert "Choose at least one project" in summary
