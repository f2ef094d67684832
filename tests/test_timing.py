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

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import msgspec
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner
from litestar import Litestar
from sqlalchemy import func, select

from stepchange.app import create_app
from stepchange.core.database import app_database_config, build_database_config, session_scope
from stepchange.core.mail import OutboxMessage, read_mailbox
from stepchange.core.settings import Settings
from stepchange.interest.intake import file_waiting, receive
from stepchange.interest.models import Expression, HeldSubmission, ReceivedSubmission
from stepchange.interest.schemas import SubmissionIn
from stepchange.interest.services import CONFIRMATION, InterestService
from stepchange.mail_cli import mail_group
from stepchange.people.models import Volunteer
from stepchange.volunteers.services import SIGN_IN, SelfService
from tests.asgi_timing import Answer, Timings, Trace, Wire, sample
from tests.conftest import Client
from tests.smtp import SmtpServer
from tests.test_interest import count, links_in_mail, open_a_call, submission
from tests.test_interest_pages import FORM

KNOWN = "priya.shah@example.co.uk"
BASE = "https://stepchange.example"
EACH = 40
WARM_UP = 3
NO_GRACE = dt.timedelta(0)


def stranger(i: int) -> str:
    """A different unknown address each time, at the known address's domain."""
    return f"stranger.{i}@example.co.uk"


def as_typed(address: str, i: int) -> str:
    """The known address as someone might type it, its first letter's case alternating: two knocks in a row
    never leave the visitor's session as it was (a page that keeps the address typed skips writing an
    unchanged session, which would make a repeated address, known or not, the quicker one)."""
    return address[0].upper() + address[1:] if i % 2 else address


@dataclass(frozen=True)
class Door:
    """A public door that takes an address: how to knock, what it answers, and what mail follows."""

    name: str
    send: Callable[[Wire, str], Awaitable[Answer]]
    category: str
    first_mail: int = 0
    """Messages of this kind the known address had before the first knock (its submission's link)."""
    files: bool = False
    """A submission: every address gets a message, and every answer carries its own id."""


DOORS = [
    Door("POST /api/me/sign-in", lambda w, e: w.post_json("/api/me/sign-in", {"email": e}), SIGN_IN),
    Door("POST /my", lambda w, e: w.post_form("/my", {"email": e}), SIGN_IN),
    Door(
        "POST /api/interest/resend",
        lambda w, e: w.post_json("/api/interest/resend", {"email": e}),
        CONFIRMATION,
        first_mail=1,
    ),
    Door(
        "POST /interest/resend",
        lambda w, e: w.post_form("/interest/resend", {"email": e}),
        CONFIRMATION,
        first_mail=1,
    ),
    Door(
        "POST /api/interest",
        lambda w, e: w.post_json("/api/interest", submission(email=e)),
        CONFIRMATION,
        first_mail=1,
        files=True,
    ),
    Door(
        "POST /interest",
        lambda w, e: w.post_form("/interest", {**FORM, "email": e}),
        CONFIRMATION,
        first_mail=1,
        files=True,
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
    knocks: dict[str, list[Answer]] = {"known": [], "unknown": []}
    async with serving(app, db_config) as wire:

        async def known(_: int) -> Answer:
            knocks["known"].append(await door.send(wire, as_typed(KNOWN, len(knocks["known"]))))
            return knocks["known"][-1]

        async def unknown(_: int) -> Answer:
            knocks["unknown"].append(await door.send(wire, stranger(len(knocks["unknown"]))))
            return knocks["unknown"][-1]

        timings: Timings = await sample(known, unknown, each=EACH, warm_up=WARM_UP)
        if not timings.indistinguishable():  # a busy machine: judge on twice the samples before failing
            timings = timings + await sample(known, unknown, each=EACH, warm_up=0)

    print(f"{door.name}: {timings}")  # the measurement, for the report (pytest -s)
    answers = knocks["known"] + knocks["unknown"]
    alike = {(a.status, a.header("location"), b"" if door.files else a.body) for a in answers}
    assert len(alike) == 1, f"{door.name} answers differently: {alike}"
    mailed_known = door.first_mail + len(knocks["known"])
    assert await mail_to(db_config, door.category, known=True) == mailed_known, "every known knock is mailed"
    mailed_others = len(knocks["unknown"]) if door.files else 0
    assert await mail_to(db_config, door.category, known=False) == mailed_others
    assert timings.indistinguishable(), f"{door.name} tells known addresses from unknown ones: {timings}"


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
async def test_a_known_address_costs_the_same_statements_before_the_answer(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, door: Door
) -> None:
    async with serving(app, db_config) as wire:
        trace = Trace(wire, app_database_config(app).get_engine())
        try:
            await door.send(wire, KNOWN)  # warm: the first request of a kind may prepare more
            await door.send(wire, stranger(1))
            known = await trace.of(lambda: door.send(wire, KNOWN))
            unknown = await trace.of(lambda: door.send(wire, stranger(2)))
        finally:
            trace.close()
    assert known == unknown, f"{door.name} does different work for a known address before answering"
    if door.files:
        assert any(s.startswith("INSERT INTO received_submission") for s in known), "stored before the answer"


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


async def test_an_answered_submission_whose_filing_failed_is_filed_by_the_sweep(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the database went away")

    async with serving(app, db_config) as wire:
        with monkeypatch.context() as patch:
            patch.setattr(InterestService, "submit_checked", broken)
            new = await wire.post_json("/api/interest", submission(email="new.person@example.co.uk"))
            repeat = await wire.post_form("/interest", {**FORM, "email": KNOWN})
        assert (new.status, repeat.status) == (201, 303), "answered: the submission is stored"
        assert await count(db_config, ReceivedSubmission) == 2, "stored as received, not yet filed"
        assert await count(db_config, Volunteer) == 1

        async with session_scope(db_config) as session:
            assert await file_waiting(session, db_config, settings, grace=NO_GRACE) == 2
        async with session_scope(db_config) as session:
            assert await file_waiting(session, db_config, settings, grace=NO_GRACE) == 0, "each filed once"

    assert await count(db_config, ReceivedSubmission) == 0
    async with session_scope(db_config) as session:
        person = await session.scalar(select(Volunteer).where(Volunteer.email == "new.person@example.co.uk"))
        expression = await session.get(Expression, _id(new))
        held = await session.scalar(select(HeldSubmission))
    assert person is not None and expression is not None and expression.volunteer_id == person.id, "the answered id"
    assert held is not None, "the known address's repeat is held until it confirms"
    assert await mail_to(db_config, CONFIRMATION, known=True) == 2, "the first link, then the held one's"
    assert await mail_to(db_config, CONFIRMATION, known=False) == 1


def test_mail_send_files_what_was_left_waiting_and_sends_its_link(settings: Settings) -> None:
    """Where the background sender is off and mail goes by hand (or cron), the command files first."""

    async def leave_one_waiting() -> None:
        config = build_database_config(settings)
        await open_a_call(config)
        async with session_scope(config) as session:
            call, clean = await InterestService(session=session).check(msgspec.convert(submission(), SubmissionIn))
            await receive(session, call, clean, source="api")
        await config.get_engine().dispose()

    asyncio.run(leave_one_waiting())
    app = create_app(settings)
    result = CliRunner().invoke(mail_group, ["send"], obj=lambda: SimpleNamespace(app=app))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["1 waiting submission filed", "1 sent, 0 to retry later, 0 failed"]
    [written] = list(settings.outbox_dir.glob("*.eml"))
    mail = read_mailbox(settings, written.name)
    assert mail.to == KNOWN and "/interest/verify/" in mail.text


async def test_filing_after_the_answer_keeps_the_answered_id_and_the_time_it_was_received(
    app: Litestar, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with serving(app, db_config) as wire:
        new = await wire.post_json("/api/interest", submission(email="new.person@example.co.uk"))
        repeat = await wire.post_json("/api/interest", submission(email=KNOWN, hours_per_month=12))
    async with session_scope(db_config) as session:
        expression = await session.get(Expression, _id(new))
        held = await session.get(HeldSubmission, _id(repeat))
    assert expression is not None and held is not None, "the id answered is the expression's, or the held copy's"
    assert expression.submitted_at <= held.created_at
    assert await count(db_config, ReceivedSubmission) == 0, "nothing left waiting"


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
    for email in (str(FORM["email"]).upper(), "nobody@example.org"):
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
