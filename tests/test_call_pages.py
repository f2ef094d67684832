"""The office runs calls from pages: open one (questions, check, confirmation), change its window and
projects, extend it, close it; with the API's rules and audit, and every refusal naming its rule."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.interest.models import Call
from tests.conftest import Client, make_staff, sign_in
from tests.test_identity import send
from tests.test_interest import open_a_call, submission

HTML = {"accept": "text/html"}


@pytest.fixture
async def office(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    async with Client(app=create_app(settings)) as browser:
        await sign_in(browser, "office@example.org")
        yield browser


async def post_form(browser: Client, path: str, fields: dict[str, Any]) -> Response:
    body = {**fields, "_csrf_token": await browser.csrf()}
    return await browser.post(path, data=body, headers=HTML, follow_redirects=False)


def when(name: str, day: dt.date, time: str = "") -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
        f"{name}-time": time,
    }


def summary(page: Response) -> list[str]:
    """The error summary's links, in order."""
    box = page.text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', box)


async def audit_actions(config: SQLAlchemyAsyncConfig, call_id: object) -> list[str]:
    async with session_scope(config) as session:
        rows = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_id == str(call_id)).order_by(AuditEntry.created_at)
        )
        return list(rows.all())


async def test_opening_a_call_asks_checks_and_confirms(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    assert (await office.get("/calls/new", headers=HTML)).status_code == 200
    empty = await post_form(office, "/calls/new", {"name": ""})
    assert empty.status_code == 400
    assert summary(empty) == ["name", "opens_at", "closes_at", "projects"], "every error at once, in page order"
    assert "Enter the date the call opens" in empty.text

    opens, closes = clock.uk_today() + dt.timedelta(days=10), clock.uk_today() + dt.timedelta(days=40)
    answers = {
        "name": "Call 2027",
        **when("opens_at", opens, "9:00am"),
        **when("closes_at", closes),
        "projects": ["T1", "T2"],
    }
    backwards = await post_form(office, "/calls/new", {**answers, **when("closes_at", opens - dt.timedelta(days=1))})
    assert backwards.status_code == 400 and summary(backwards) == ["closes_at"]

    check = await post_form(office, "/calls/new", answers)
    assert check.status_code == 200
    assert "Check the call before opening it" in check.text and "9:00am on" in check.text
    assert "/calls/new?name=Call+2027" in check.text, "change links bring the answers back"
    async with session_scope(db_config) as session:
        assert (await session.scalar(select(Call).where(Call.name == "Call 2027"))) is None, "nothing saved yet"

    made = await post_form(office, "/calls/new/confirm", answers)
    assert made.status_code == 303
    page = await office.get(made.headers["location"], headers=HTML)
    assert "Call created" in page.text and "Not open yet" in page.text
    listed = (await office.get("/api/calls")).json()["items"]
    [call] = [c for c in listed if c["name"] == "Call 2027"]
    assert call["projects"] == ["T1", "T2"]
    assert await audit_actions(db_config, call["id"]) == ["call.created"]

    again = await post_form(office, "/calls/new/confirm", answers)
    assert again.status_code == 409
    assert "There is already a call named &#39;Call 2027&#39;. Give this call another name." in again.text

    changed = await post_form(
        office,
        f"/calls/{call['id']}/change",
        {**when("opens_at", opens), **when("closes_at", closes), "projects": ["T3"]},
    )
    assert changed.status_code == 303
    assert (await office.get("/api/calls?limit=500")).json()["items"][0]["projects"] == ["T3"]
    assert await audit_actions(db_config, call["id"]) == ["call.created", "call.changed"]
    listing = await office.get("/calls", headers=HTML)
    assert "Call 2027" in listing.text and "Open a call" in listing.text


async def test_a_project_someone_chose_stays_in_the_call(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    call = await open_a_call(db_config, codes=("T1", "CP2"))
    assert (await send(office, "/api/interest", submission(call=str(call.id)))).status_code == 201
    opens = call.opens_at.astimezone(clock.UK)
    fields = {
        **when("opens_at", opens.date(), f"{opens:%H:%M}"),
        **when("closes_at", clock.uk_today() + dt.timedelta(days=60)),
    }
    refused = await post_form(office, f"/calls/{call.id}/change", {**fields, "projects": ["CP2"]})
    assert refused.status_code == 409
    assert "People have already chosen T1 in this call. Keep those projects in the call." in refused.text
    api = await send(
        office,
        f"/api/calls/{call.id}",
        {"opens_at": "2020-01-01", "closes_at": "2099-01-01", "projects": ["T2"]},
        "PATCH",
    )
    assert api.status_code == 409
    assert {r["rule"] for r in api.json()["rules"]} == {"call_opened", "project_chosen"}, "every rule at once"


async def test_extending_and_closing_a_call(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        closed = (await session.scalars(select(Call).where(Call.name == "Step-Change Call to Action 2018"))).one()
    page = await office.get(f"/calls/{closed.id}", headers=HTML)
    assert "Closed" in page.text and "Extend it" in page.text
    too_early = await post_form(office, f"/calls/{closed.id}/extend", when("closes_at", dt.date(2018, 5, 1)))
    assert too_early.status_code == 400 and summary(too_early) == ["closes_at"]
    extended = await post_form(
        office, f"/calls/{closed.id}/extend", when("closes_at", clock.uk_today() + dt.timedelta(days=5))
    )
    assert extended.status_code == 303
    assert "Open" in (await office.get(f"/calls/{closed.id}", headers=HTML)).text
    assert "Are you sure" in (await office.get(f"/calls/{closed.id}/close", headers=HTML)).text
    shut = await post_form(office, f"/calls/{closed.id}/close", {})
    assert shut.status_code == 303 and shut.headers["location"].endswith("done=closed")
    again = await post_form(office, f"/calls/{closed.id}/close", {})
    assert again.status_code == 409
    assert "This call already closed at" in again.text and "To take more submissions, extend it instead." in again.text
    assert await audit_actions(db_config, closed.id) == ["call.extended", "call.closed_early"]


async def test_only_the_office_runs_calls(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> None:
    await make_staff(db_config, "board@example.org", "board")
    async with Client(app=create_app(settings)) as board:
        await sign_in(board, "board@example.org")
        refused = await board.get("/calls", headers=HTML)
    assert refused.status_code == 403
    assert "You cannot do this" in refused.text
