"""The public expression-of-interest form: questions with an error summary, check your answers, the
confirmation page, and the emailed link's page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration
from stepchange.interest.models import Choice, Expression
from stepchange.people.models import Volunteer
from tests.conftest import Client
from tests.smtp import SmtpServer, plain_text, with_smtp
from tests.test_interest import BASE, open_a_call, submission

FORM = {
    "name": "Tom Okafor",
    "email": "tom@venue.example",
    "phone": "+44 20 7946 0018",
    "organisation": "Venue Group",
    "job_title": "Security manager",
    "sector": "Sport and events",
    "choices[0].project": "CP5",
    "choices[0].role": "lead",
    "choices[2].project": "SR2",
    "choices[2].role": "member",
    "hours_per_month": "6",
    "experience": "Stewarding large events",
    "credentials": ["SIA licence", "Other"],
    "other_credential": "NEBOSH",
    "has_conflicts": "yes",
    "conflicts[0].kind": "professional",
    "conflicts[0].description": "I advise an events licensing body",
    "conflicts[0].projects": "cp5",
    "confidentiality_accepted": "yes",
}


@pytest.fixture
async def browser(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await open_a_call(db_config)
    async with Client(app=create_app(mail_settings)) as client:
        yield client


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url=BASE)


async def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return await client.post(path, data={**data, "_csrf_token": await client.csrf()}, follow_redirects=False)


PAGES = [
    ("/interest/about-you", {"name": "Tom Okafor", "email": "tom@venue.example", "phone": "+44 20 7946 0018"}),
    (
        "/interest/organisation",
        {"organisation": "Venue Group", "job_title": "Security manager", "sector": "Sport and events"},
    ),
    ("/interest/projects", {"choices[0].project": "CP5", "choices[0].role": "lead", "choices[2].project": "SR2"}),
    ("/interest/time", {"hours_per_month": "6"}),
    (
        "/interest/experience",
        {
            "experience": "Stewarding large events",
            "credentials": ["SIA licence", "Other"],
            "other_credential": "NEBOSH",
        },
    ),
    ("/interest/conflicts", {"has_conflicts": "yes"}),
    (
        "/interest/declarations/0",
        {"kind": "professional", "description": "I advise an events licensing body", "projects": ["CP5"]},
    ),
    ("/interest/declarations", {"another": "no"}),
    ("/interest/confidentiality", {"confidentiality_accepted": "yes"}),
]


async def answer_every_question(browser: Client) -> None:
    """Answer each question page in turn, checking each leads to the next."""
    for (path, answers), (following, _) in zip(PAGES, [*PAGES[1:], ("/interest/check", {})], strict=True):
        page = await browser.get(path)
        assert page.status_code == 200, (path, page.text)
        went = await post(browser, path, answers)
        assert (went.status_code, went.headers.get("location")) == (303, following), (path, went.text)


async def test_question_pages_check_your_answers_and_the_confirmation(
    browser: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    start = await browser.get("/interest")
    assert start.status_code == 200 and 'href="/interest/start"' in start.text
    assert 'href="/privacy"' in start.text
    assert (await browser.get("/interest/start", follow_redirects=False)).headers["location"] == "/interest/about-you"
    await answer_every_question(browser)

    check = await browser.get("/interest/check")
    assert check.status_code == 200, check.text
    assert "Check your answers" in check.text
    assert "CP5" in check.text and "(lead)" in check.text
    assert "Other: NEBOSH" in check.text
    assert "<strong>Professional, not financial</strong>: I advise an events licensing body. Touches CP5" in check.text
    for slug in ("about-you", "organisation", "projects", "time", "experience", "conflicts", "confidentiality"):
        assert f'href="/interest/{slug}?change=yes"' in check.text, f"a Change link returns to {slug}"
    assert 'href="/interest/declarations/0?change=yes"' in check.text
    async with session_scope(db_config) as session:
        assert (await session.scalars(select(Volunteer))).first() is None, "checking stores nothing"

    back = await browser.get("/interest/about-you")
    assert 'value="Tom Okafor"' in back.text, "going back keeps every answer"

    sent = await post(browser, "/interest", {})
    assert sent.status_code == 303
    assert sent.headers["location"] == "/interest/sent"
    told = await browser.get("/interest/sent")
    assert "Check your email" in told.text and "<strong>tom@venue.example</strong>" in told.text
    assert "govuk-panel" not in told.text, "nothing is finished yet: no green panel"
    assert 'href="/interest/resend"' in told.text
    assert 'value="Tom Okafor"' not in (await browser.get("/interest/about-you")).text, "sent answers are dropped"

    async with session_scope(db_config) as session:
        person = (await session.scalars(select(Volunteer))).one()
        expression = (await session.scalars(select(Expression))).one()
        choices = (await session.scalars(select(Choice).order_by(Choice.rank))).all()
        declaration = (await session.scalars(select(Declaration))).one()
    assert (person.email, person.phone, person.hours_per_month) == ("tom@venue.example", "+442079460018", 6)
    assert [(c.rank, c.role) for c in choices] == [(1, "lead"), (3, "member")]
    assert expression.credentials == ["SIA licence", "Other: NEBOSH"]
    assert [p.code for p in declaration.projects] == ["CP5"]

    await send_due(db_config, mail_settings)
    [link] = re.findall(r"https://\S+", plain_text(smtp.messages[0]))
    path = link.removeprefix(BASE)
    page = await browser.get(path)
    assert page.status_code == 200 and 'action="' + path + '"' in page.text
    done = await post(browser, path, {})
    assert done.status_code == 200
    assert "Your expression of interest is confirmed" in done.text and "What happens next" in done.text

    again = await browser.get(path)
    assert again.status_code == 409 and "This link has already been used" in again.text
    assert 'href="/interest/resend"' in again.text and "Get a new link" in again.text
    unknown = await browser.get("/interest/verify/not-a-real-token")
    assert unknown.status_code == 404 and "This link is not recognised" in unknown.text
    assert "Refused by a programme rule" not in (await post(browser, path, {})).text


async def test_a_change_link_returns_to_its_question_and_straight_back(browser: Client) -> None:
    await answer_every_question(browser)
    page = await browser.get("/interest/time?change=yes")
    assert 'href="/interest/check"' in page.text, "Back returns to the summary"
    went = await post(browser, "/interest/time", {"hours_per_month": "12", "change": "yes"})
    assert went.headers["location"] == "/interest/check", "straight back to the summary"
    summary = (await browser.get("/interest/check")).text
    assert re.search(r"Hours a month\s*</dt>\s*<dd class=\"govuk-summary-list__value\">\s*12\s*</dd>", summary)


async def test_each_page_shows_all_its_errors_at_once_in_page_order(browser: Client) -> None:
    empty = await post(browser, "/interest/about-you", {"name": "", "email": "", "phone": "12345"})
    assert empty.status_code == 400
    summary = empty.text[
        empty.text.index("govuk-error-summary") : empty.text.index("</ul>", empty.text.index("govuk-error-summary"))
    ]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["name", "email", "phone"], "every field at once, in page order"
    assert "Enter your full name" in summary and "Enter your email address" in summary
    assert "correct format" not in summary, "an empty address is asked for, not called badly formatted"
    assert "Enter a telephone number, like" in summary, "12345 is not a telephone number"

    conflicts = await post(browser, "/interest/conflicts", {})
    assert conflicts.status_code == 400
    said = re.findall(
        r'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>([^<]*)<', conflicts.text
    )
    assert [s.strip() for s in said] == ["Select yes if you have any interests to declare"], "one message a field"

    declare = await post(browser, "/interest/declarations/0", {})
    assert declare.status_code == 400
    links = re.findall(r'href="#([^"]+)"', declare.text[declare.text.index("govuk-error-summary") :].split("</ul>")[0])
    assert links == ["conflicts-0-kind", "conflicts-0-description"]
    assert (await browser.get("/interest/declarations", follow_redirects=False)).headers[
        "location"
    ] == "/interest/conflicts", "a declaration with problems is not added"


async def test_starting_from_a_project_makes_it_the_first_choice(browser: Client) -> None:
    went = await browser.get("/interest/start?project=sr2", follow_redirects=False)
    assert went.headers["location"] == "/interest/about-you"
    page = await browser.get("/interest/projects")
    assert re.search(r'<option value="SR2" selected', page.text), "the project is the first choice"
    unknown = await browser.get("/interest/start?project=BANANA")
    assert unknown.status_code == 200 and "Project BANANA is not one you can choose" in unknown.text


async def test_the_check_page_sends_you_to_the_first_unanswered_question(browser: Client) -> None:
    await post(browser, "/interest/about-you", {"name": "Tom", "email": "tom@venue.example", "phone": "07700 900982"})
    assert (await browser.get("/interest/check", follow_redirects=False)).headers[
        "location"
    ] == "/interest/organisation"


async def test_a_whole_form_posted_at_once_is_still_taken(browser: Client) -> None:
    sent = await post(browser, "/interest", FORM)
    assert (sent.status_code, sent.headers["location"]) == (303, "/interest/sent")
    wrong = await post(browser, "/interest", {**FORM, "email": "tom-at-venue"})
    assert wrong.status_code == 400 and 'href="#email"' in wrong.text


async def test_with_no_call_open_the_form_says_when_the_last_one_closed(settings: Settings) -> None:
    async with Client(app=create_app(settings)) as client:
        page = await client.get("/interest")
        assert "no call to action open" in page.text
        assert "11:59pm on Friday 25 May 2018" in page.text
        refused = await post(client, "/interest", FORM)
        assert refused.status_code == 409
        assert "closed at 11:59pm on Friday 25 May 2018" in refused.text


async def test_a_bad_link_gets_a_clear_page(browser: Client) -> None:
    response = await browser.get("/interest/verify/not-a-token", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "link" in response.text


async def test_the_api_takes_the_same_stricter_telephone_rule(
    browser: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    headers = {"x-csrftoken": await browser.csrf()}
    refused = await browser.post("/api/interest", json=submission(phone="12345"), headers=headers)
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["phone"]
    empty = await browser.post("/api/interest", json=submission(phone=""), headers=headers)
    assert empty.json()["errors"][0]["message"] == "Enter your telephone number"
    taken = await browser.post("/api/interest", json=submission(phone="+1 202 555 0143"), headers=headers)
    assert taken.status_code == 201, taken.text
