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
from tests.test_interest import BASE, open_a_call

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


async def test_the_form_check_your_answers_and_the_confirmation(
    browser: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    form = await browser.get("/interest")
    assert form.status_code == 200
    assert 'name="choices[0].project"' in form.text
    assert 'href="/privacy"' in form.text

    check = await post(browser, "/interest/check", FORM)
    assert check.status_code == 200, check.text
    assert "Check your answers" in check.text
    assert "CP5" in check.text and "(lead)" in check.text
    assert "Other: NEBOSH" in check.text
    assert "<strong>Professional</strong>: I advise an events licensing body. Touches CP5" in check.text
    async with session_scope(db_config) as session:
        assert (await session.scalars(select(Volunteer))).first() is None, "checking stores nothing"

    changed = await post(browser, "/interest/change", FORM)
    assert 'value="Tom Okafor"' in changed.text, "changing keeps every answer"

    sent = await post(browser, "/interest", FORM)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/interest/sent"
    assert "Check your email" in (await browser.get("/interest/sent")).text

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
    assert "Your expression of interest is confirmed" in done.text


async def test_mistakes_are_caught_by_the_error_summary_and_answers_kept(browser: Client) -> None:
    wrong = {
        **FORM,
        "email": "tom-at-venue",
        "hours_per_month": "lots",
        "choices[0].project": "",
        "choices[2].project": "",
    }
    response = await post(browser, "/interest/check", wrong)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#hours_per_month"' in response.text
    assert 'value="Tom Okafor"' in response.text
    rules = await post(browser, "/interest/check", {**FORM, "email": "tom-at-venue", "choices[2].project": "CP5"})
    assert rules.status_code == 400
    assert 'href="#email"' in rules.text
    assert 'href="#choices-2-project"' in rules.text, "an error on the third slot links to the third slot"
    nothing = await post(browser, "/interest/check", {**FORM, "has_conflicts": "", "confidentiality_accepted": ""})
    assert 'href="#has_conflicts"' in nothing.text and 'href="#confidentiality_accepted"' in nothing.text


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
