"""Timing must not tell who has volunteered (issue 21, finding 2).

Every public door that takes an address (the sign-in link, the confirmation link again, the form;
each as API and page) answers a known address and an unknown one alike:

- in the same time: 40 samples of each, taken in turn against the ASGI app and timed to the answer's
  last byte, have medians within 0.5 ms or 25 % (see ``Timings.indistinguishable``);
- with the same work: the SQL run before the answer is complete is the same statement for statement;
- and the work that depends on the address still happens, after the answer: the e-mail goes to the
  known address (and only to it), a submission is filed. A failure there is logged without personal
  data and never shown; a submission whose filing failed is filed later by the sweep.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from sqlalchemy import func, select

from stepchange.app import create_app
from stepchange.core.database import app_database_config, session_scope
from stepchange.core.mail import OutboxMessage
from stepchange.core.settings import Settings
from stepchange.interest.services import CONFIRMATION, InterestService
from stepchange.volunteers.services import SIGN_IN, SelfService
from tests.asgi_timing import Answer, Timings, Trace, Wire, sample
from tests.conftest import Client
from tests.smtp import SmtpServer
from tests.test_interest import links_in_mail, open_a_call, submission
from tests.test_interest_pages import FORM

KNOWN = "priya.shah@example.co.uk"
BASE = "https://stepchange.example"
EACH = 40
WARM_UP = 3
NO_GRACE = dt.timedelta(0)


def stranger(i: int) -> str:
    """A different unknown address each time, at the known address's domain."""
    return f"stranger.{i + WARM_UP}@example.co.uk"


@dataclass(frozen=True)
class Door:
    """A public door that takes an address: how to knock, what it answers, and what mail follows."""

    name: str
    send: Callable[[Wire, str], Awaitable[Answer]]
    category: str
    known_mail: int
    """Messages to the known address after the first submission and every knock."""
    unknown_mail: int
    """Messages to anyone else."""


SAME = EACH + WARM_UP
DOORS = [
    Door("POST /api/me/sign-in", lambda w, e: w.post_json("/api/me/sign-in", {"email": e}), SIGN_IN, SAME, 0),
    Door("POST /my", lambda w, e: w.post_form("/my", {"email": e}), SIGN_IN, SAME, 0),
    Door(
        "POST /api/interest/resend",
        lambda w, e: w.post_json("/api/interest/resend", {"email": e}),
        CONFIRMATION,
        1 + SAME,
        0,
    ),
    Door(
        "POST /interest/resend", lambda w, e: w.post_form("/interest/resend", {"email": e}), CONFIRMATION, 1 + SAME, 0
    ),
]


@asynccontextmanager
async def serving(app: Litestar, config: SQLAlchemyAsyncConfig) -> AsyncIterator[Wire]:
    """The app started in the test's own event loop (and task), with one volunteer on record whose
    submission waits for its address to be confirmed."""
    await open_a_call(config)
    async with app.lifespan():
        wire = Wire(app)
        first = await wire.post_json("/api/interest", submission(email=KNOWN))
        assert first.status == 201, first.body
        yield wire


async def mail_to(config: SQLAlchemyAsyncConfig, category: str, *, known: bool) -> int:
    """How many messages of this kind were queued for the known address, or for anyone else."""
    to_known = OutboxMessage.recipient == KNOWN
    async with session_scope(config) as session:
        query = select(func.count()).where(OutboxMessage.category == category, to_known if known else ~to_known)
        return int(await session.scalar(query) or 0)


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
async def test_a_known_address_is_answered_in_the_same_time_and_still_mailed(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, door: Door
) -> None:
    answers: list[Answer] = []
    async with serving(app, db_config) as wire:

        async def known(_: int) -> Answer:
            answers.append(await door.send(wire, KNOWN))
            return answers[-1]

        async def unknown(i: int) -> Answer:
            answers.append(await door.send(wire, stranger(i)))
            return answers[-1]

        timings: Timings = await sample(known, unknown, each=EACH, warm_up=WARM_UP)

    print(f"{door.name}: {timings}")  # the measurement, for the report (pytest -s)
    alike = {(a.status, a.header("location"), a.body) for a in answers}
    assert len(alike) == 1, f"{door.name} answers differently: {alike}"
    assert await mail_to(db_config, door.category, known=True) == door.known_mail, "the known address is mailed"
    assert await mail_to(db_config, door.category, known=False) == door.unknown_mail
    assert timings.indistinguishable(), f"{door.name} tells known addresses from unknown ones: {timings}"


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
async def test_a_known_address_costs_the_same_statements_before_the_answer(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, door: Door
) -> None:
    async with serving(app, db_config) as wire:
        trace = Trace(wire, app_database_config(app).get_engine())
        try:
            await door.send(wire, KNOWN)  # warm: the first request of a kind may prepare more
            await door.send(wire, stranger(-1))
            known = await trace.of(lambda: door.send(wire, KNOWN))
            unknown = await trace.of(lambda: door.send(wire, stranger(-2)))
        finally:
            trace.close()
    assert known == unknown, f"{door.name} does different work for a known address before answering"


async def test_a_failure_after_the_answer_is_logged_without_personal_data_and_never_shown(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"could not mail {KNOWN}")

    monkeypatch.setattr(SelfService, "request_link", broken)
    monkeypatch.setattr(InterestService, "resend", broken)
    caplog.set_level(logging.WARNING)
    async with serving(app, db_config) as wire:
        link = await wire.post_json("/api/me/sign-in", {"email": KNOWN})
        page = await wire.post_form("/my", {"email": KNOWN})
        again = await wire.post_json("/api/interest/resend", {"email": KNOWN})
    assert (link.status, page.status, page.header("location"), again.status) == (202, 303, "/my?sent=true", 202)
    assert b"sign-in link is on its way" in link.body
    logged = [r.getMessage() for r in caplog.records if r.name == "stepchange.after_response"]
    assert logged == [
        "Sending a sign-in link failed: RuntimeError",
        "Sending a sign-in link failed: RuntimeError",
        "Resending a confirmation link failed: RuntimeError",
    ]
    assert KNOWN not in caplog.text and "priya" not in caplog.text.lower()


@pytest.fixture
async def browser(settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer) -> AsyncIterator[Client]:
    await open_a_call(db_config)
    mail_settings = replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, base_url=BASE)
    async with Client(app=create_app(mail_settings)) as client:
        yield client


async def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return await client.post(path, data={**data, "_csrf_token": await client.csrf()}, follow_redirects=False)


async def test_asking_for_a_new_confirmation_link_on_the_page(
    browser: Client, db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> None:
    mail_settings = replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, base_url=BASE)
    assert (await post(browser, "/interest", FORM)).headers["location"] == "/interest/sent"
    sent = await browser.get("/interest/sent")
    assert 'href="/interest/resend"' in sent.text, "the confirmation page says where to get a new link"

    page = await browser.get("/interest/resend")
    assert page.status_code == 200 and "Get a new confirmation link" in page.text
    blank = await post(browser, "/interest/resend", {"email": ""})
    assert blank.status_code == 400
    assert 'href="#email"' in blank.text and "Enter the email address you registered with" in blank.text
    for email in (FORM["email"].upper(), "nobody@example.org"):
        asked = await post(browser, "/interest/resend", {"email": email})
        assert (asked.status_code, asked.headers["location"]) == (303, "/interest/resend?sent=true")
    said = await browser.get("/interest/resend?sent=true")
    assert "we have sent it a new link" in said.text and "<form" not in said.text

    first, again = await links_in_mail(db_config, mail_settings, smtp)
    assert [m["To"] for m in smtp.messages] == [FORM["email"]] * 2, "nothing to the unknown address"
    path = again.removeprefix(BASE)
    assert path.startswith("/interest/verify/") and again != first
    confirmed = await post(browser, path, {})
    assert confirmed.status_code == 200 and "confirmed" in confirmed.text.lower()


def _id(answer: Answer) -> UUID:
    return UUID(json.loads(answer.body)["id"])
