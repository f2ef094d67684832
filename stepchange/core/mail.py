"""The mail outbox: messages are queued in the caller's transaction and sent by a background sender.

``queue_mail`` adds a row to the business transaction (committed with it, or not at all);
``send_due`` claims due rows (safe across several processes), sends them over SMTP, or writes them as
``.eml`` files to the outbox folder when no SMTP server is configured, and retries failures with
exponential backoff. Logs carry counts and exception classes only: never addresses, subjects, bodies.

No link's token is kept readable: a body is encrypted at rest (``STEPCHANGE_ENCRYPTION_KEY``) while the
message waits, and emptied once it is sent or given up on, so a link exists in clear only in the e-mail
itself (and, in development, its ``.eml`` file). Erasing a person blanks every message to them; the next
round deletes those rows and their ``.eml`` files.

Delivery is at least once. A sender killed after the SMTP server took a message but before it wrote
"sent" leaves a claim that expires (``CLAIM_FOR``); the next round sends that message again. The second
copy says nothing new: it is built from the same row, so it is the same message byte for byte — the same
``Message-ID`` (mail programs and many servers drop a repeat of one they hold), the same ``Date`` (when
it was queued, not when it left), the same text and the same link, which was never spent by the first
copy's sending. In development the copy replaces the first ``.eml`` file rather than adding one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import random
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID, uuid4

import aiosmtplib
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ColumnElement, Index, String, delete, event, false, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core import clock
from stepchange.core.database import (
    Base,
    enum_type,
    immediate_transaction,
    run_core,
    sealed_text,
    session_scope,
    table_of,
)
from stepchange.core.outbox_folder import MailboxEntry, file_name, list_mailbox, read_mailbox, remove_copies, write_eml
from stepchange.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = (  # the development mailbox's parts are named here too, where callers have always found them
    "MailStatus",
    "MailboxEntry",
    "OutboxMessage",
    "SendReport",
    "list_mailbox",
    "mail_sender_lifespan",
    "queue_mail",
    "read_mailbox",
    "remove_erased",
    "send_due",
)

logger = logging.getLogger("stepchange.mail")

MAX_ATTEMPTS = 8
CLAIM_FOR = dt.timedelta(minutes=2)
FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 3600.0
SMTP_TIMEOUT_SECONDS = 30.0
"""aiosmtplib's limit for each step (connect, each command)."""
SEND_TIMEOUT_SECONDS = 60.0
"""The limit for one whole message, so a claim never runs out while a message is on its way."""
CLAIM_MARGIN = dt.timedelta(seconds=SEND_TIMEOUT_SECONDS + 10)
POLL_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 5.0

_wake_events: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}
"""Each running sender's wake-up event and its loop; a commit that queued mail sets them all."""


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One e-mail waiting to be sent, sent, or given up on (the transactional outbox)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_status_updated_at", "status", "updated_at"),  # the office's recent failures
        Index("ix_outbox_message_erased", "id", sqlite_where=text("erased"), postgresql_where=text("erased")),
    )

    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(sealed_text(), doc="Emptied once sent")
    html_body: Mapped[str | None] = mapped_column(sealed_text(), default=None)
    category: Mapped[str] = mapped_column(String(40))
    status: Mapped[MailStatus] = mapped_column(
        enum_type(MailStatus, "outbox_message_status"), default=MailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    forget_after_send: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        doc="Blank the address and text once sent (the last message to someone being erased)",
    )
    erased: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        doc="Sent to someone since erased: blanked, never sent; the next round deletes it and its .eml file",
    )


_INSERT_MESSAGE = insert(table_of(OutboxMessage))


@dataclass
class SendReport:
    """What one ``send_due`` round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed

    def count(self, status: MailStatus) -> None:
        match status:
            case MailStatus.SENT:
                self.sent += 1
            case MailStatus.FAILED:
                self.failed += 1
            case MailStatus.QUEUED:
                self.retrying += 1


def _check_headers(to: str, subject: str) -> None:
    """Refuse line breaks (header injection) and a recipient that is not exactly one address."""
    if any(c in value for value in (to, subject) for c in "\r\n"):
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    found = getaddresses([to])
    local, at, domain = found[0][1].rpartition("@") if len(found) == 1 else ("", "", "")
    if not (local and at and domain):
        raise ValueError("The recipient must be one e-mail address")


def _message_id_domain() -> str:
    return parseaddr(get_settings().mail_from)[1].rpartition("@")[2] or "localhost"


def _wake_senders(*_: object) -> None:
    """Wake every sender in this process, whichever thread or event loop it runs in."""
    for wake, loop in list(_wake_events.items()):
        with suppress(RuntimeError):  # its loop has just closed
            loop.call_soon_threadsafe(wake.set)


class QueuedMail(NamedTuple):
    """A message just queued: its row's id and the ``Message-ID`` every copy of it will carry."""

    id: UUID
    message_id: str


async def queue_mail(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    category: str,
    forget_after_send: bool = False,
) -> QueuedMail:
    """Add a message to the caller's transaction; it is sent only if that transaction commits.

    The commit wakes this process's background sender, so the message leaves within moments. The row is
    written at once by a statement built once: nothing reads it back in the same transaction, and an
    object per message cost every submission a tenth of a millisecond or more (issue 28).
    """
    _check_headers(to, subject)
    queued = QueuedMail(uuid4(), make_msgid(domain=_message_id_domain()))
    message = {
        "id": queued.id,
        "recipient": to,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "category": category,
        "status": MailStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": clock.now(),
        "message_id": queued.message_id,
        "forget_after_send": forget_after_send,
    }
    await run_core(session, _INSERT_MESSAGE, message)
    if not event.contains(session.sync_session, "after_commit", _wake_senders):
        event.listen(session.sync_session, "after_commit", _wake_senders)  # send within moments
    return queued


# --- sending -------------------------------------------------------------------------------------


def _is_claimable(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        OutboxMessage.status == MailStatus.QUEUED,
        OutboxMessage.erased.is_(False),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ]


async def _claim(config: SQLAlchemyAsyncConfig, limit: int) -> tuple[str, Sequence[OutboxMessage]]:
    """Mark up to ``limit`` due messages as ours for a while; other senders skip them meanwhile."""
    async with session_scope(config) as session:
        due = select(OutboxMessage.id).where(*_is_claimable(clock.now()))
        ids = list((await session.scalars(due.order_by(OutboxMessage.next_attempt_at).limit(limit))).all())
    if not ids:
        return "", []
    token = secrets.token_hex(16)
    async with session_scope(config) as session:
        await immediate_transaction(session)
        now = clock.now()
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), *_is_claimable(now))
            .values(claimed_until=now + CLAIM_FOR, claim_token=token, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = (await session.scalars(select(OutboxMessage).where(OutboxMessage.claim_token == token))).all()
    return token, claimed


def queued_at(message: OutboxMessage, now: dt.datetime) -> dt.datetime:
    """When the message was queued: its ``Date``, and its development file's name, whichever attempt sends it."""
    return message.created_at or now


def build_email(
    message: OutboxMessage, settings: Settings, now: dt.datetime, *, forgotten: bool = False
) -> EmailMessage:
    """The RFC 5322 message: plain text, with an HTML alternative when there is one.

    ``forgotten``: the development copy of a message to be forgotten once sent (telling someone their
    data is erased) names neither them nor anything it said: the server keeps no copy of it.
    """
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = FORGOTTEN_ADDRESS if forgotten else message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(queued_at(message, now))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(FORGOTTEN_TEXT if forgotten else message.text_body)
    if message.html_body and not forgotten:
        email.add_alternative(message.html_body, subtype="html")
    return email


async def _deliver(message: OutboxMessage, settings: Settings) -> Exception | None:
    """Send one message (STARTTLS when the server offers it), or write it to the outbox folder."""
    now = clock.now()
    try:
        async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
            if settings.smtp_host:
                await aiosmtplib.send(
                    build_email(message, settings, now),
                    hostname=settings.smtp_host,
                    port=settings.smtp_port,
                    timeout=SMTP_TIMEOUT_SECONDS,
                )
            else:
                copy = build_email(message, settings, now, forgotten=message.forget_after_send).as_bytes()
                name = file_name(message.id, queued_at(message, now))  # sent again after a crash: replaced
                await asyncio.to_thread(write_eml, settings.outbox_dir, name, copy)
    except Exception as exc:  # any failure: keep the message and try again later
        return exc
    return None


def describe_error(exc: BaseException) -> str:
    """The exception class and any SMTP codes: never the server's text, which may quote addresses."""
    codes: list[int] = []
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        codes.append(exc.code)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes.extend(refused.code for refused in exc.recipients)
    return " ".join([type(exc).__name__, *map(str, codes)])[:200]


WIPED: dict[str, object] = {"text_body": "", "html_body": None}
"""What a message keeps of its body once it can no longer be sent: nothing (links in it are single-use)."""
FORGOTTEN: dict[str, object] = {"recipient": "(erased)", "subject": "(erased)", **WIPED}
"""What a message keeps once it has told someone their data is erased: only that it was sent."""
FORGOTTEN_ADDRESS = "erased@erased.invalid"
FORGOTTEN_TEXT = (
    "This message went to a person whose personal data has since been erased.\n"
    "The service keeps no copy of whom it went to or what it said.\n"
)


async def forget_mail_to(session: AsyncSession, address: str) -> None:
    """Erasure: blank every message to this address, sent or not, so none of them is sent any more; the
    next sending round deletes them and their ``.eml`` files (see :func:`remove_erased`)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient == address)
        .values(**FORGOTTEN, erased=True, forget_after_send=False)
        .execution_options(synchronize_session=False)
    )


async def remove_erased(config: SQLAlchemyAsyncConfig, settings: Settings, *, limit: int = 500) -> int:
    """Delete the messages blanked by erasure, and first their development ``.eml`` files (the folder is
    this process's to reach, not the erasing request's); returns how many went. A message a sender has
    claimed waits for the next round, so the file it may be writing is caught then."""
    async with session_scope(config) as session:
        now = clock.now()
        due = select(OutboxMessage.id).where(
            text("erased"), or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        )
        ids: list[UUID] = list((await session.scalars(due.limit(limit))).all())
        if ids:
            await asyncio.to_thread(remove_copies, settings.outbox_dir, ids)
            await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)


def retry_delay(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s, … capped at an hour, with up to 10 % jitter so senders spread out."""
    seconds = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return dt.timedelta(seconds=seconds * (1 + random.random() / 10))  # noqa: S311 - jitter, not security


def _outcome(message: OutboxMessage, error: Exception | None, now: dt.datetime) -> tuple[MailStatus, dict[str, object]]:
    """The new status and columns after one attempt: sent, retry later, or give up after the last."""
    if error is None:
        emptied = FORGOTTEN if message.forget_after_send else WIPED
        return MailStatus.SENT, {"sent_at": now, "last_error": None, **emptied}
    attempts = message.attempts + 1
    retry_at = now + retry_delay(attempts)
    values = {"attempts": attempts, "last_error": describe_error(error), "next_attempt_at": retry_at}
    if attempts >= MAX_ATTEMPTS:
        return MailStatus.FAILED, values | WIPED
    return MailStatus.QUEUED, values


async def _record(
    config: SQLAlchemyAsyncConfig, message: OutboxMessage, token: str, error: Exception | None
) -> MailStatus:
    """Commit one message's outcome on its own and release our claim; returns its new status."""
    now = clock.now()
    status, values = _outcome(message, error, now)
    values |= {"status": status, "claimed_until": None, "claim_token": None, "updated_at": now}
    async with session_scope(config) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return status


async def _release(config: SQLAlchemyAsyncConfig, token: str) -> None:
    """Give back the claims this round did not get to, so the next round can take them at once."""
    async with session_scope(config) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_token == token)
            .values(claimed_until=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )


async def send_due(config: SQLAlchemyAsyncConfig, settings: Settings, *, limit: int = 50) -> SendReport:
    """Send (or write to the outbox folder) the messages due now, up to ``limit``; each one commits alone.

    The round stops early, handing back the rest, when its claim would soon run out or the SMTP
    server cannot be reached (the others would only fail the same way).
    """
    safe_until = clock.now() + CLAIM_FOR - CLAIM_MARGIN
    await remove_erased(config, settings)
    token, claimed = await _claim(config, limit)
    report = SendReport()
    for message in claimed:
        if clock.now() > safe_until:
            break
        error = await _deliver(message, settings)
        report.count(await _record(config, message, token, error))
        if isinstance(error, aiosmtplib.SMTPConnectError):
            break
    if report.total < len(claimed):
        await _release(config, token)
    return report


# --- the background sender -----------------------------------------------------------------------


async def _send_round(config: SQLAlchemyAsyncConfig, settings: Settings, limit: int) -> int:
    """One ``send_due`` that never raises; returns how many messages it handled."""
    try:
        report = await send_due(config, settings, limit=limit)
    except Exception as exc:
        logger.warning("Mail sender round failed: %s", type(exc).__name__)
        return 0
    if report.total:
        logger.info("Mail: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed)
    return report.total


async def run_sender(
    config: SQLAlchemyAsyncConfig,
    settings: Settings,
    stop: asyncio.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    limit: int = 50,
) -> None:
    """Send due mail until ``stop`` is set, waking early whenever ``queue_mail`` is called."""
    wake = asyncio.Event()
    _wake_events[wake] = asyncio.get_running_loop()
    try:
        while not stop.is_set():
            wake.clear()
            if await _send_round(config, settings, limit) >= limit:
                continue  # there may be more due right now
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll_seconds)
    finally:
        _wake_events.pop(wake, None)


def mail_sender_lifespan(
    config: SQLAlchemyAsyncConfig, settings: Settings, *, poll_seconds: float = POLL_SECONDS
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the background sender (a no-op when the sender is turned off)."""

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        if not settings.mail_sender_enabled:
            yield
            return
        stop = asyncio.Event()
        sender = run_sender(config, settings, stop, poll_seconds=poll_seconds)
        task = asyncio.create_task(sender, name="stepchange-mail-sender")
        try:
            yield
        finally:
            stop.set()
            _wake_senders()
            with suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)  # cancels it after the grace

    return lifespan
