"""The mail outbox against a real SMTP server (aiosmtpd), the development mailbox, `stepchange mail send`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import func, select, update

from stepchange.app import create_app, render_error_page
from stepchange.core.database import build_database_config, session_scope
from stepchange.core.errors import NotFound, exception_handlers
from stepchange.core.mail import (
    MAX_ATTEMPTS,
    MailStatus,
    OutboxMessage,
    list_mailbox,
    mail_sender_lifespan,
    queue_mail,
    read_mailbox,
    send_due,
)
from stepchange.core.mailbox import MailboxPages, link_lines
from stepchange.core.settings import Settings
from stepchange.core.templating import template_config
from stepchange.mail_cli import mail_group
from tests.conftest import Client
from tests.smtp import SmtpServer, plain_text, with_smtp

TO = "ada.lovelace@example.org"
SUBJECT = "Confirm your interest in SC-PRIVATE-SUBJECT"
TEXT = "Hello Ada,\n\nConfirm here: https://step.example/interest/verify/SECRET-TOKEN-123.\n"


async def queue(config: SQLAlchemyAsyncConfig, to: str = TO, **kwargs: Any) -> OutboxMessage:
    async with session_scope(config) as session:
        return await queue_mail(
            session,
            to=to,
            subject=kwargs.get("subject", SUBJECT),
            text=kwargs.get("text", TEXT),
            html=kwargs.get("html"),
            category="test",
        )


async def load(config: SQLAlchemyAsyncConfig, message_id: UUID) -> OutboxMessage:
    async with session_scope(config) as session:
        return await session.get_one(OutboxMessage, message_id)


async def make_due(config: SQLAlchemyAsyncConfig) -> None:
    """Move every retry into the past instead of sleeping."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with session_scope(config) as session:
        await session.execute(update(OutboxMessage).values(next_attempt_at=past))


# --- sending ------------------------------------------------------------------------------------


async def test_queued_mail_is_delivered_once_over_smtp(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> None:
    queued = await queue(db_config, html="<p>Hello Ada</p>")

    report = await send_due(db_config, with_smtp(settings, smtp))

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [received] = smtp.messages
    assert received["To"] == TO
    assert received["From"] == settings.mail_from
    assert received["Subject"] == SUBJECT
    assert received["Message-ID"] == queued.message_id
    assert "SECRET-TOKEN-123" in plain_text(received)
    html = received.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    assert "<p>Hello Ada</p>" in html.get_content()
    stored = await load(db_config, queued.id)
    assert stored.status is MailStatus.SENT
    assert stored.sent_at is not None
    assert (stored.claim_token, stored.claimed_until, stored.attempts) == (None, None, 0)

    again = await send_due(db_config, with_smtp(settings, smtp))
    assert again.total == 0
    assert len(smtp.messages) == 1


async def test_without_smtp_the_message_is_written_to_the_outbox_folder(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    queued = await queue(db_config)

    assert (await send_due(db_config, settings)).sent == 1

    [path] = settings.outbox_dir.glob("*.eml")
    assert path.name.endswith(f"-{queued.id}.eml")
    written = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(written, EmailMessage)
    assert (written["To"], written["Subject"], written["Message-ID"]) == (TO, SUBJECT, queued.message_id)
    assert (await load(db_config, queued.id)).status is MailStatus.SENT


async def test_a_down_server_means_retry_later_then_delivery(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp_down: SmtpServer
) -> None:
    queued = await queue(db_config)
    smtp_settings = with_smtp(settings, smtp_down)

    report = await send_due(db_config, smtp_settings)

    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    kept = await load(db_config, queued.id)
    assert kept.status is MailStatus.QUEUED
    assert kept.attempts == 1
    assert kept.next_attempt_at > dt.datetime.now(dt.UTC)
    assert kept.last_error == "SMTPConnectError", "the exception class only, no personal data"
    assert (kept.claim_token, kept.claimed_until) == (None, None)
    assert (await send_due(db_config, smtp_settings)).total == 0, "not due again yet"

    smtp_down.start()
    await make_due(db_config)
    assert (await send_due(db_config, smtp_settings)).sent == 1
    [received] = smtp_down.messages
    assert received["Message-ID"] == queued.message_id, "a retry re-sends the same Message-ID"
    assert (await load(db_config, queued.id)).status is MailStatus.SENT


async def test_an_unreachable_server_ends_the_round_and_hands_back_the_rest(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp_down: SmtpServer
) -> None:
    first, *rest = [await queue(db_config, to=f"person{i}@example.org") for i in range(3)]

    report = await send_due(db_config, with_smtp(settings, smtp_down))

    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert (await load(db_config, first.id)).attempts == 1
    for message in rest:
        untouched = await load(db_config, message.id)
        assert (untouched.attempts, untouched.claim_token, untouched.claimed_until) == (0, None, None)
    assert (await send_due(db_config, settings)).sent == 2, "the others are due at once, not in 2 minutes"


async def test_after_eight_failures_the_message_is_failed(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp_down: SmtpServer
) -> None:
    queued = await queue(db_config)
    smtp_settings = with_smtp(settings, smtp_down)

    reports = []
    for _ in range(MAX_ATTEMPTS):
        reports.append(await send_due(db_config, smtp_settings))
        await make_due(db_config)

    assert [r.retrying for r in reports] == [1] * (MAX_ATTEMPTS - 1) + [0]
    assert reports[-1].failed == 1
    failed = await load(db_config, queued.id)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
    smtp_down.start()
    assert (await send_due(db_config, smtp_settings)).total == 0
    assert smtp_down.messages == []


async def test_concurrent_senders_send_each_message_exactly_once(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> None:
    queued = [await queue(db_config, to=f"person{i}@example.org") for i in range(20)]
    smtp_settings = with_smtp(settings, smtp)
    senders = [build_database_config(settings) for _ in range(3)]  # as if in three processes

    async def drain(config: SQLAlchemyAsyncConfig) -> int:
        sent = 0
        while (report := await send_due(config, smtp_settings, limit=3)).total:
            sent += report.sent
        return sent

    try:
        counts = await asyncio.gather(*(drain(config) for config in senders))
    finally:
        for config in senders:
            await config.get_engine().dispose()

    assert sum(counts) == 20
    received = sorted(str(m["Message-ID"]) for m in smtp.messages)
    assert received == sorted(m.message_id for m in queued)


async def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> None:
    async def refused_change() -> None:
        async with session_scope(db_config) as session:
            await queue_mail(session, to=TO, subject=SUBJECT, text=TEXT, category="test")
            raise RuntimeError("business rule refused the change")

    with pytest.raises(RuntimeError, match="business rule"):
        await refused_change()

    assert (await send_due(db_config, with_smtp(settings, smtp))).total == 0
    assert (await send_due(db_config, settings)).total == 0
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert smtp.messages == []
    assert not settings.outbox_dir.exists()


@pytest.mark.parametrize("to", ["two@example.org, people@example.org", "no-domain", "a@b.org\nBcc: x@y.org"])
async def test_queue_refuses_anything_but_one_address(db_config: SQLAlchemyAsyncConfig, to: str) -> None:
    with pytest.raises(ValueError, match=r"recipient|linefeed"):
        await queue(db_config, to=to)


async def test_logs_carry_no_addresses_subjects_or_bodies(
    db_config: SQLAlchemyAsyncConfig,
    settings: Settings,
    smtp_down: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await queue(db_config)
    await queue(db_config, to="grace.hopper@example.org")

    with caplog.at_level(logging.DEBUG):
        await send_due(db_config, with_smtp(settings, smtp_down))  # connection refused: retries
        smtp_down.start()
        await make_due(db_config)
        await send_due(db_config, with_smtp(settings, smtp_down), limit=1)  # over SMTP
        await make_due(db_config)
        await send_due(db_config, settings)  # to the outbox folder

    assert len(smtp_down.messages) == 1
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 1
    assert caplog.records, "DEBUG logging was on"
    # "mail.log" is the test SMTP server's own logger, not the service's.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    for secret in (TO, "grace.hopper", "example.org", "SC-PRIVATE-SUBJECT", "SECRET-TOKEN", "Hello Ada"):
        assert secret not in ours


# --- the background sender ----------------------------------------------------------------------


def sender_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "stepchange-mail-sender" and not t.done()]


async def test_the_background_sender_delivers_within_seconds(
    db_config: SQLAlchemyAsyncConfig,
    settings: Settings,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    on = replace(with_smtp(settings, smtp), mail_sender_enabled=True)  # the test settings turn it off
    # A long poll, so only the wake-up by the commit that queued the mail can explain a quick delivery.
    lifespan = mail_sender_lifespan(db_config, on, poll_seconds=30)
    async with lifespan(Litestar(route_handlers=[], logging_config=None)):
        assert len(sender_tasks()) == 1
        await asyncio.sleep(0.2)  # the sender's first round finds nothing and goes to sleep
        queued = await queue(db_config)
        assert await asyncio.to_thread(smtp.collector.arrived.wait, 5), "delivered within 5 seconds"
    assert sender_tasks() == [], "stopped at shutdown"

    [received] = smtp.messages
    assert received["Message-ID"] == queued.message_id
    assert (await load(db_config, queued.id)).status is MailStatus.SENT
    logged = [r.getMessage() for r in caplog.records if r.name == "stepchange.mail"]
    assert logged == ["Mail: 1 sent, 0 to retry, 0 failed"], "counts only"


async def test_the_background_sender_survives_errors_and_stops_cleanly(
    settings: Settings, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    broken = build_database_config(replace(settings, database_url="sqlite+aiosqlite:///no/such/dir/x.db"))
    on = replace(with_smtp(settings, smtp), mail_sender_enabled=True)
    try:
        async with mail_sender_lifespan(broken, on, poll_seconds=0.05)(Litestar(logging_config=None)):
            await asyncio.sleep(0.3)
    finally:
        await broken.get_engine().dispose()

    assert sender_tasks() == []
    failures = [r.getMessage() for r in caplog.records if r.name == "stepchange.mail"]
    assert len(failures) >= 2, "it kept going after the first failure"
    assert all(m == "Mail sender round failed: OperationalError" for m in failures)


async def test_the_background_sender_can_be_turned_off(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> None:
    off = replace(with_smtp(settings, smtp), mail_sender_enabled=False)
    async with mail_sender_lifespan(db_config, off, poll_seconds=0.05)(Litestar(logging_config=None)):
        assert sender_tasks() == []
        await queue(db_config)
        await asyncio.sleep(0.3)
    assert smtp.messages == []


# --- `stepchange mail send` ---------------------------------------------------------------------


def test_mail_send_command_flushes_the_outbox(settings: Settings) -> None:
    async def queue_three() -> None:
        config = build_database_config(settings)
        for i in range(3):
            await queue(config, to=f"person{i}@example.org")
        await config.get_engine().dispose()

    asyncio.run(queue_three())
    app = create_app(settings)

    result = CliRunner().invoke(mail_group, ["send"], obj=lambda: SimpleNamespace(app=app))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3 sent, 0 to retry later, 0 failed"
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 3


# --- the development mailbox --------------------------------------------------------------------


async def test_the_mailbox_lists_and_reads_the_outbox_newest_first(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await queue(db_config, subject="First")
    await send_due(db_config, settings)
    await queue(db_config, subject="Second")
    await send_due(db_config, settings)

    entries = list_mailbox(settings)

    assert [e.subject for e in entries] == ["Second", "First"]
    assert entries[0].to == TO
    assert entries[0].date is not None
    one = read_mailbox(settings, entries[1].name)
    assert (one.subject, one.to) == ("First", TO)
    assert "SECRET-TOKEN-123" in one.text


@pytest.mark.parametrize("name", ["../outbox.eml", "a/b.eml", "x.txt", ".hidden.eml", "missing.eml", "..\\x.eml"])
async def test_the_mailbox_reads_only_eml_files_in_the_outbox(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, name: str
) -> None:
    await queue(db_config)
    await send_due(db_config, settings)
    (settings.outbox_dir / "x.txt").write_text("not mail")
    with pytest.raises(NotFound):
        read_mailbox(settings, name)


def test_links_in_the_text_are_separated_from_the_rest() -> None:
    assert link_lines("Go to https://a.test/v/T0K. Then <b>bye</b>\nend") == [
        [("Go to ", False), ("https://a.test/v/T0K", True), (". Then <b>bye</b>", False)],
        [("end", False)],
    ]
    assert link_lines("javascript:alert(1)") == [[("javascript:alert(1)", False)]]


async def test_the_mailbox_needs_a_coordinator(client: Client) -> None:
    response = await client.get("/dev/mailbox")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"env": "production", "secret_key": "s" * 40, "encryption_key": "e" * 40},
        {"smtp_host": "127.0.0.1"},
    ],
)
async def test_the_mailbox_exists_only_in_development_without_smtp(settings: Settings, change: dict[str, Any]) -> None:
    async with Client(app=create_app(replace(settings, **change))) as client:
        assert (await client.get("/dev/mailbox")).status_code == 404
        assert (await client.get("/dev/mailbox/x.eml")).status_code == 404


def as_coordinator(app: ASGIApp) -> ASGIApp:
    """Stands in for the sign-in middleware: every request comes from a coordinator."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = SimpleNamespace(id=uuid4(), role="coordinator", workstream_id=None, label="Coordinator")
        await app(scope, receive, send)

    return middleware


async def test_a_coordinator_sees_the_pages_with_escaped_text_and_links(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await queue(db_config, subject="Hi <script>", text="Click https://a.test/v/T0K now <script>x</script>")
    await send_due(db_config, settings)
    [entry] = list_mailbox(settings)
    app = Litestar(
        route_handlers=[MailboxPages],
        middleware=[as_coordinator],
        template_config=template_config(),
        exception_handlers=exception_handlers(render_error_page),  # type: ignore[arg-type]
        state=State({"settings": settings}),
    )
    async with AsyncTestClient(app) as client:
        listing = await client.get("/dev/mailbox")
        message = await client.get(f"/dev/mailbox/{entry.name}")
        missing = await client.get("/dev/mailbox/nothing.eml")

    assert listing.status_code == 200
    assert f'href="/dev/mailbox/{entry.name}"' in listing.text
    assert "Hi &lt;script&gt;" in listing.text
    assert message.status_code == 200
    assert '<a class="govuk-link" href="https://a.test/v/T0K">https://a.test/v/T0K</a>' in message.text
    assert "&lt;script&gt;x&lt;/script&gt;" in message.text
    assert "<script>x" not in message.text
    assert missing.status_code == 404
