"""Each worker keeps the calls submissions are checked against (interest/call_cache.py), and never answers
from stale memory: two app instances share one database, a change to a call made through one is obeyed
at once by the other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import update

from stepchange.core.database import session_scope
from stepchange.interest.models import Call
from tests.conftest import Client, make_staff, sign_in
from tests.statements import recorded
from tests.test_interest import submission, submit

Browsers = Callable[[], Awaitable[Client]]
WINDOW = {"opens_at": "2026-01-01", "closes_at": "2030-06-30"}


async def office(browsers: Browsers, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", "coordinator")
    browser = await browsers()
    assert (await sign_in(browser, "office@example.org")).status_code == 200
    return browser


async def as_office(browser: Client, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
    response = await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})
    assert response.status_code in (200, 201), response.text
    return response.json()


async def a_call(browser: Client, *codes: str) -> dict[str, Any]:
    return await as_office(browser, "/api/calls", {"name": "Call 2027", **WINDOW, "projects": list(codes)})


def rules(response: Any) -> list[str]:
    assert response.status_code == 409, response.text
    return [rule["rule"] for rule in response.json()["rules"]]


async def test_a_call_closed_through_one_worker_is_refused_at_once_by_another_and_taken_again_once_extended(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, public = await office(browsers, db_config), await browsers()
    call = await a_call(writer, "T1", "CP2")
    assert (
        await submit(public, submission(email="first@example.org"))
    ).status_code == 201  # the public worker keeps it

    await as_office(writer, f"/api/calls/{call['id']}/close")
    assert rules(await submit(public, submission(email="second@example.org"))) == ["call_closed"]
    named = await submit(public, submission(email="second@example.org", call=call["id"]))
    assert rules(named) == ["call_closed"]

    await as_office(writer, f"/api/calls/{call['id']}/extend", {"closes_at": "2030-07-31"})
    assert (await submit(public, submission(email="third@example.org"))).status_code == 201


async def test_projects_added_to_a_call_and_a_new_call_are_taken_at_once_by_another_worker(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, public = await office(browsers, db_config), await browsers()
    call = await a_call(writer, "T1")
    refused = await submit(public, submission(email="first@example.org"))
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["choices[1].project"], "CP2 is not offered yet"

    await as_office(writer, f"/api/calls/{call['id']}", {**WINDOW, "projects": ["T1", "CP2"]}, method="PATCH")
    assert (await submit(public, submission(email="first@example.org"))).status_code == 201

    sooner = await as_office(
        writer,
        "/api/calls",
        {"name": "Call 2026", "opens_at": "2026-01-01", "closes_at": "2029-01-31", "projects": ["T1"]},
    )
    taken = await submit(public, submission(email="second@example.org", call=sooner["id"]))
    assert taken.status_code == 400, "the new call is known (not 'no such call'), and offers T1 only"
    assert [e["field"] for e in taken.json()["errors"]] == ["choices[1].project"]


async def test_a_call_closed_by_a_write_that_forgot_to_bump_the_version_is_still_refused_at_once(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, public = await office(browsers, db_config), await browsers()
    call = await a_call(writer, "T1", "CP2")
    assert (await submit(public, submission(email="first@example.org"))).status_code == 201
    async with session_scope(db_config) as session:  # by hand: no version bumped, no updated_at touched
        await session.execute(
            update(Call).where(Call.id == UUID(call["id"])).values(closed_early_at=dt.datetime.now(dt.UTC))
        )
    assert rules(await submit(public, submission(email="second@example.org"))) == ["call_closed"]


async def test_a_worker_checks_a_submission_without_reading_the_calls_or_projects_again(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, public = await office(browsers, db_config), await browsers()
    await a_call(writer, "T1", "CP2")
    assert (await submit(public, submission(email="first@example.org"))).status_code == 201
    with recorded(public.app) as statements:
        assert (await submit(public, submission(email="second@example.org"))).status_code == 201
    read = [s.sql for s in statements if "call_project" in s.sql or "FROM project" in s.sql]
    assert read == []
    assert any("INSERT INTO received_submission" in s.sql for s in statements), "the submission was stored"
