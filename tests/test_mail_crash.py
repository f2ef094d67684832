"""A sender killed after sending but before writing "sent" (issue 21: two confirmation e-mails went out
twice after a kill -9). The claim expires and the message goes again; the second copy says nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core import clock, mail
from stepchange.core.database import session_scope
from stepchange.core.mail import MailStatus, OutboxMessage, QueuedMail, queue_mail, send_due
from stepchange.core.settings import Settings
from tests.smtp import SmtpServer, plain_text, with_smtp

TO = "ada.lovelace@example.org"
TEXT = "Hello Ada,\n\nConfirm here: https://step.example/interest/verify/THE-ONE-LINK-123.\n"


async def queued(config: SQLAlchemyAsyncConfig) -> QueuedMail:
    async with session_scope(config) as session:
        return await queue_mail(session, to=TO, subject="Confirm your interest", text=TEXT, category="confirm")


async def killed_after_sending(config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    """What a sender does up to the moment it is killed: claim, send — and never write the outcome."""
    _token, [message] = await mail._claim(config, 10)
    assert await mail._deliver(message, settings) is None


async def after_the_claim_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    later = dt.datetime.now(dt.UTC) + mail.CLAIM_FOR + dt.timedelta(seconds=5)
    monkeypatch.setattr(clock, "now", lambda: later)


async def test_the_second_copy_over_smtp_is_the_same_message(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sending = with_smtp(settings, smtp)
    message = await queued(db_config)
    await killed_after_sending(db_config, sending)
    assert len(smtp.messages) == 1
    assert (await send_due(db_config, sending)).total == 0, "claimed: nobody sends it while the claim holds"

    await after_the_claim_expired(monkeypatch)
    assert (await send_due(db_config, sending)).sent == 1
    first, second = smtp.messages
    for header in ("Message-ID", "Date", "From", "To", "Subject"):
        assert first[header] == second[header], header
    assert first["Message-ID"] == message.message_id
    assert plain_text(first) == plain_text(second), "the same text and the same link: nothing new"
    assert "verify/THE-ONE-LINK-123" in plain_text(second)
    assert first.as_bytes() == second.as_bytes()

    assert (await send_due(db_config, sending)).total == 0, "sent now: never a third time"
    async with session_scope(db_config) as session:
        stored = await session.get_one(OutboxMessage, message.id)
    assert (stored.status, stored.text_body) == (MailStatus.SENT, "")


async def test_in_development_the_second_copy_replaces_the_first_file(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await queued(db_config)
    await killed_after_sending(db_config, settings)
    [written] = list(settings.outbox_dir.glob(f"*{message.id}.eml"))
    first = written.read_bytes()

    await after_the_claim_expired(monkeypatch)
    assert (await send_due(db_config, settings)).sent == 1
    assert list(settings.outbox_dir.glob("*.eml")) == [written], "one file for the message, not two"
    assert written.read_bytes() == first
