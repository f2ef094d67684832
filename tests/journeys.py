"""Journeys shared by the erasure and download tests, on apps in development (the ``browsers`` fixture):
every message is written to the outbox folder, and links are read from its ``.eml`` files."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.authz import Role
from stepchange.core.mail import list_mailbox, send_due
from stepchange.core.settings import Settings
from tests.conftest import Client, make_staff, sign_in
from tests.test_interest import open_a_call, submission

Browsers = Callable[[], Awaitable[Client]]
PRIYA = "priya.shah@example.co.uk"


async def send(browser: Client, path: str, body: Any = None) -> Any:
    return await browser.post(path, json=body, headers={"x-csrftoken": await browser.csrf()})


async def newest_link(config: SQLAlchemyAsyncConfig, settings: Settings, to: str) -> str:
    """Send what is due, then the token of the last link e-mailed to ``to`` (read from its ``.eml`` file)."""
    await send_due(config, settings)
    [newest, *_] = [m for m in list_mailbox(settings) if m.to == to]
    return str(re.findall(r"https?://\S+", newest.text)[-1]).rsplit("/", 1)[1]


async def a_volunteer_who_did_everything(
    browsers: Browsers, config: SQLAlchemyAsyncConfig, settings: Settings
) -> tuple[Client, str]:
    """Priya submitted (with a declaration), confirmed by e-mail, signed in by link and asked for erasure."""
    await open_a_call(config)
    priya = await browsers()
    assert (await send(priya, "/api/interest", submission())).status_code == 201
    confirmed = await send(priya, "/api/interest/verify", {"token": await newest_link(config, settings, PRIYA)})
    assert confirmed.status_code == 200, confirmed.text
    assert (await send(priya, "/api/me/sign-in", {"email": PRIYA})).status_code == 202
    signed_in = await send(priya, "/api/me/sign-in/complete", {"token": await newest_link(config, settings, PRIYA)})
    assert signed_in.status_code == 200, signed_in.text
    assert (await send(priya, "/api/me/erasure")).status_code == 202
    return priya, signed_in.json()["id"]


async def the_office(browsers: Browsers, config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(config, "office@example.org", Role.COORDINATOR)
    office = await browsers()
    assert (await sign_in(office, "office@example.org")).status_code == 200
    return office


async def the_reviewer(browsers: Browsers, config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(config, "ethics@example.org", Role.ETHICS)
    reviewer = await browsers()
    assert (await sign_in(reviewer, "ethics@example.org")).status_code == 200
    return reviewer
