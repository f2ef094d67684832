"""The journeys in a real browser (Debian's Chromium driven by Playwright), with axe-core checking every
page visited against WCAG 2.2 A/AA: one volunteer from registration (by keyboard alone) through the office's
validation, an ethics review and an offer to accepting a place, then the board's export; a co-chair's
update; phones at 320 px and pages without JavaScript. Screenshots of every page checked go to
test-artifacts/browser/ for people to look at."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
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
    await make_staff(db_config, "ethics@example.org", "ethics", name="Eli Ethics")
    await make_staff(db_config, "board@example.org", "board", name="Bea Board")
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


async def check_accessibility(page: Any, name: str, *, phone: bool = False) -> None:
    """axe-core on the page as it is now: no WCAG 2.2 A/AA violations; and a screenshot for people.
    With ``phone``, the same again at 320 px, where the page must not scroll sideways."""
    await axe(page, name)
    if phone:
        desktop = page.viewport_size
        await page.set_viewport_size({"width": 320, "height": 900})
        assert await fits(page, 320), f"{name} scrolls sideways at 320 px"
        await axe(page, f"320px-{name}")
        await page.set_viewport_size(desktop)


async def axe(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x) {v['nodes'][0]['target']}" for v in result["violations"]]
    assert problems == [], f"{name}: {problems}"


async def sign_in_as(browser: Any, server: Server, email: str, then: str) -> Any:
    """A member of staff in a browser of their own, signed in at /login and taken on to ``then``."""
    page = await new_page(browser)
    await page.goto(f"{server.url}/login?next={then}")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/login'] button")
    await page.wait_for_url(f"{server.url}{then}")
    return page


async def fits(page: Any, width: int) -> bool:
    await page.wait_for_load_state("domcontentloaded")  # a form's answer may still be replacing the page
    return bool(await page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


async def mail_to(smtp: SmtpServer, address: str, subject: str) -> EmailMessage:
    """The latest e-mail to this address whose subject has these words, once the service has sent it."""
    for _ in range(150):
        found = [m for m in smtp.messages if address in str(m["To"]) and subject in str(m["Subject"])]
        if found:
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no e-mail to {address} about {subject!r}: {[str(m['Subject']) for m in smtp.messages]}")


def link_in(message: EmailMessage, base: str) -> str:
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


async def test_a_volunteer_is_validated_cleared_offered_a_place_and_accepts_and_the_board_downloads_the_figures(
    server: Server, browser: Any, smtp: SmtpServer
) -> None:
    """The journey end to end, in the order the rules need: the volunteer registers (declaring an interest
    touching T1) and confirms by keyboard alone; the office validates them; the desk cannot offer T1 while
    the declaration waits; an ethics reviewer decides it (managed) and clears the project; the office offers
    a place; the volunteer accepts it from the e-mailed link; the board downloads the staffing figures."""
    volunteer = await new_page(browser)
    await register_by_keyboard(volunteer, server, smtp)

    office = await sign_in_as(browser, server, "office@example.org", "/desk")
    await check_accessibility(office, "20-desk", phone=True)
    await office.click("a:has-text('awaiting validation')")
    await office.wait_for_selector("text=People who registered interest")
    await check_accessibility(office, "21-people-awaiting-validation", phone=True)
    await office.click("a:has-text('Priya Shah')")
    await office.wait_for_selector("h1:has-text('Priya Shah')")
    assert "Professional (non-financial) interest touching T1: Waiting for review" in await office.inner_text("main")
    await check_accessibility(office, "22-person", phone=True)
    await office.check("input[name='decision'][value='validated']")
    await office.fill("#evidence", "Called Harbour Cruises' switchboard; they put me through to her.")
    await office.click("form:has(#decision) button")
    await office.wait_for_selector("text=Decision recorded")
    await check_accessibility(office, "23-person-validated")
    assert "You are validated" in (await mail_to(smtp, "priya@harbour.example", "validated"))["Subject"]

    await office.goto(f"{server.url}/desk/projects/T1")
    assert await office.locator(".sc-suggestion", has_text="Priya Shah").count() == 0
    held_back = await office.locator("li", has_text="Priya Shah").inner_text()
    assert "A declaration of interest touching T1 is waiting for ethics review" in held_back
    await check_accessibility(office, "24-desk-project-held-back", phone=True)

    ethics = await sign_in_as(browser, server, "ethics@example.org", "/ethics")
    await check_accessibility(ethics, "30-ethics-queue", phone=True)
    await ethics.click("a:has-text('Priya Shah')")
    await ethics.wait_for_selector("h1:has-text('Priya Shah')")
    assert "cruise terminal" in await ethics.inner_text("main")
    await check_accessibility(ethics, "31-declaration", phone=True)
    await ethics.check("input[name='outcome'][value='managed']")
    await ethics.fill("#mitigation", "She takes no part in choosing suppliers for T1.")
    await ethics.fill("#reason", "An adviser, not a supplier; managed by keeping her out of procurement.")
    await ethics.click("form[action$='/review'] button")
    await ethics.wait_for_selector("text=Decision recorded.")
    await check_accessibility(ethics, "32-declaration-managed")
    assert "She takes no part in choosing suppliers for T1." in await ethics.inner_text("main")
    await ethics.goto(f"{server.url}/ethics/projects/T1")
    await check_accessibility(ethics, "33-project-review", phone=True)
    await ethics.check("input[name='outcome'][value='cleared_with_conditions']")
    await ethics.fill("#conditions", "Guidance is published openly, naming no supplier.")
    await ethics.fill("#reason", "Outputs are guidance for every operator.")
    await ethics.click("form[action='/ethics/projects/T1'] button")
    await ethics.wait_for_selector("text=Review recorded.")
    await check_accessibility(ethics, "34-project-cleared")

    await office.goto(f"{server.url}/desk/projects/T1")
    suggestion = office.locator(".sc-suggestion", has_text="Priya Shah")
    assert "Declarations: managed" in await suggestion.inner_text()
    await check_accessibility(office, "40-desk-project-cleared-to-offer", phone=True)
    await suggestion.locator("button[aria-label='Offer a place to Priya Shah']").click()
    await office.wait_for_selector("text=Offer sent.")
    await check_accessibility(office, "41-desk-offer-sent", phone=True)

    offer = await mail_to(smtp, "priya@harbour.example", "A place on Step-Change project T1")
    await volunteer.goto(link_in(offer, server.url))
    await check_accessibility(volunteer, "50-offer", phone=True)
    await tab_to(volunteer, "button[value='accept']")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("text=Place accepted")
    await check_accessibility(volunteer, "51-offer-accepted")
    await tab_to(volunteer, "nav a:has-text('Your record')")
    await volunteer.keyboard.press("Enter")
    await volunteer.wait_for_selector("text=Places offered to you")
    assert "T1 as member: accepted" in await volunteer.inner_text("main")

    await office.goto(f"{server.url}/desk/projects/T1")
    team = await office.inner_text("table")
    assert "Priya Shah" in team and "Accepted, 4 hours a month" in team

    board = await sign_in_as(browser, server, "board@example.org", "/reports")
    await check_accessibility(board, "60-reports", phone=True)
    async with board.expect_download() as downloading:
        await board.click("a[href='/api/reports/staffing.csv']")
    download = await downloading.value
    assert download.suggested_filename == "step-change-programme-staffing.csv"
    text = await asyncio.to_thread(Path(await download.path()).read_text, "utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "Project", "Title", "Work-stream", "Status", "RAG", "Lead in place", "Lead offered",
        "Accepted", "Offered", "Team", "Wanted", "Short by",
    ]  # fmt: skip
    t1 = next(row for row in rows if row["Project"] == "T1")
    assert (t1["Work-stream"], t1["Status"], t1["Lead in place"]) == ("Transport", "Recruiting", "No")
    assert (t1["Accepted"], t1["Offered"], t1["Team"]) == ("1", "0", "1")


async def register_by_keyboard(page: Any, server: Server, smtp: SmtpServer) -> None:
    """Priya starts from T1's page, answers the question pages (a mistake on the first caught by the error
    summary and put right), chooses CP2 too and declares an interest in T1, changes her hours from check your
    answers, confirms by the e-mailed link, signs in by link and withdraws from CP2: keyboard alone."""
    await page.goto(f"{server.url}/")
    await check_accessibility(page, "01-home")
    await page.goto(f"{server.url}/projects/T1")
    await tab_to(page, "a:has-text('Register your interest in this project')")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('About you')")
    await check_accessibility(page, "02-form")

    await type_into(page, "#name", "Priya Shah")
    await type_into(page, "#email", "priya-at-example")
    await type_into(page, "#phone", "12345")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".govuk-error-summary")
    await check_accessibility(page, "03-form-with-an-error")
    summary = await page.inner_text(".govuk-error-summary")
    assert "Enter an email address in the correct format" in summary and "Enter a telephone number" in summary
    await page.fill("#email", "")
    await type_into(page, "#email", "priya@harbour.example")
    await page.fill("#phone", "")
    await type_into(page, "#phone", "07700 900123")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector("h1:has-text('Your organisation and role')")
    await type_into(page, "#organisation", "Harbour Cruises")
    await type_into(page, "#job_title", "Head of Security")
    await tab_to(page, "#sector")
    await page.select_option("#sector", "Transport")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector("h1:has-text('The projects you choose')")
    assert await page.input_value("#choices-0-project") == "T1", "starting from T1's page made it the first choice"
    await tab_to(page, "#choices-1-project")
    await page.select_option("#choices-1-project", "CP2")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector("#hours_per_month")
    await type_into(page, "#hours_per_month", "8")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Your experience and credentials')")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector("h1:has-text('Conflicts of interest')")
    await tab_to(page, "#has_conflicts")
    await page.keyboard.press("Space")  # the first answer: yes
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Declare an interest')")
    await tab_to(page, "#conflicts-0-kind")
    await page.keyboard.press("ArrowDown")  # the second kind: professional
    assert await page.is_checked("#conflicts-0-kind-2")
    await type_into(page, "#conflicts-0-description", "I advise a cruise terminal operator on its T1 bid.")
    await type_into(page, "#conflicts-0-organisation", "Seaport Holdings")
    await tab_to(page, "input[name='projects'][value='T1']")
    await page.keyboard.press("Space")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('You have declared 1 interest')")
    await tab_to(page, "#another")
    await page.keyboard.press("ArrowRight")  # the second answer: no
    assert await page.is_checked("#another-2")
    await tab_to(page, "form[action='/interest/declarations'] button")
    await page.keyboard.press("Enter")

    await page.wait_for_selector("h1:has-text('In confidence')")
    await tab_to(page, "#confidentiality_accepted")
    await page.keyboard.press("Space")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Check your answers before sending")
    declared = await page.inner_text(".govuk-summary-list")
    bid = "I advise a cruise terminal operator on its T1 bid."
    for said in ("Professional", "(Seaport Holdings)", bid, "Touches T1"):
        assert said in declared, f"check your answers shows the declaration: {said!r} missing from {declared!r}"
    await check_accessibility(page, "04-check-your-answers")
    await tab_to(page, "a[href='/interest/time?change=yes']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#hours_per_month")
    await page.fill("#hours_per_month", "")
    await type_into(page, "#hours_per_month", "4")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Check your answers before sending")
    assert "4" in await page.inner_text(".govuk-summary-list__row:has-text('Hours a month') dd")
    await tab_to(page, "form[action='/interest'] button:has-text('Send')")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Check your email')")
    assert "priya@harbour.example" in await page.inner_text("main")
    await check_accessibility(page, "05-sent")

    await page.goto(link_in(await mail_to(smtp, "priya@harbour.example", "Confirm"), server.url))
    await check_accessibility(page, "06-confirm-button")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Your expression of interest is confirmed")

    await tab_to(page, "nav a:has-text('Get a link to your record')")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Get a link to your record')")
    await type_into(page, "#email", "priya@harbour.example")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=we have sent it a link")
    await page.goto(link_in(await mail_to(smtp, "priya@harbour.example", "Sign in"), server.url))
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Your record')")
    await check_accessibility(page, "07-my-record")
    await tab_to(page, "a[href*='project=CP2']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Are you sure you want to withdraw from CP2?')")
    await check_accessibility(page, "08-are-you-sure")
    await tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=You have withdrawn from that project")
    assert "CP2: " not in await page.inner_text("main")


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
    await check_accessibility(phone, f"320px-{path.strip('/').replace('/', '-') or 'home'}")
    plain = await new_page(browser, javascript=False)
    response = await plain.goto(f"{server.url}{path}")
    assert response.status == 200
    assert await plain.query_selector("h1") is not None


async def test_the_form_reports_mistakes_without_javascript(server: Server, browser: Any) -> None:
    page = await new_page(browser, javascript=False)
    await page.goto(f"{server.url}/interest")
    await page.click("a:has-text('Start now')")
    await page.click("main form button")
    summary = await page.inner_text(".govuk-error-summary")
    assert "Enter your full name" in summary
    assert "Enter your email address" in summary
