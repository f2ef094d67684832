"""The daily run, by the service itself or by hand: lapse unanswered offers, then send the digests.

The running service checks every few minutes whether the day's run is due (``STEPCHANGE_REMINDER_HOUR``,
UK time) and, if so, takes the lease: one UPDATE that succeeds for exactly one worker while nobody holds
it and the day's run has not finished. A worker that dies mid-run loses the lease when it expires and
another finishes the day; the records of what was sent keep that from repeating anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import CursorResult, or_, update
from sqlalchemy.exc import IntegrityError

from stepchange.assignments.services import AssignmentService
from stepchange.core import clock
from stepchange.core.database import session_scope, upsert_insert
from stepchange.core.settings import Settings
from stepchange.reminders.digests import Plan, plan, send_digest
from stepchange.reminders.items import Moment
from stepchange.reminders.models import ReminderLease

logger = logging.getLogger("stepchange.reminders")
LEASE = "daily_reminders"
HOLD_FOR = dt.timedelta(minutes=30)
POLL_SECONDS = 300.0


@dataclass
class RunReport:
    """What one run did (or, dry, would do): counts only, and who by id and role, never by name."""

    lapsed: int = 0
    digests: int = 0
    items: int = 0
    skipped: int = 0
    plan: Plan = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{self.lapsed} offer{'' if self.lapsed == 1 else 's'} lapsed"]
        for who, items in sorted(self.plan.items(), key=lambda entry: (entry[0].kind, entry[0].role, str(entry[0].id))):
            counts: dict[str, int] = {}
            for item in items:
                counts[item.rule] = counts.get(item.rule, 0) + 1
            rules = ", ".join(f"{rule}: {n}" for rule, n in sorted(counts.items()))
            out.append(f"{who.kind} {who.id} ({who.role}): {rules}")
        out.append(f"{self.digests} digest{'' if self.digests == 1 else 's'}, {self.items} item(s)")
        return out


def moment() -> Moment:
    now = clock.now()
    return Moment(now, now.astimezone(clock.UK).date())


async def run(config: SQLAlchemyAsyncConfig, settings: Settings, *, dry_run: bool = False) -> RunReport:
    """Lapse the offers due to lapse, then send each person's digest in a transaction of its own."""
    report = RunReport()
    at = moment()
    if dry_run:
        async with session_scope(config) as session:
            report.plan = await plan(session, at, settings)
            report.lapsed = len(await AssignmentService(session=session).lapse_unanswered())
            await session.rollback()  # a dry run changes nothing
        report.digests = len(report.plan)
        report.items = sum(len(items) for items in report.plan.values())
        return report
    async with session_scope(config) as session:
        report.lapsed = len(await AssignmentService(session=session).lapse_unanswered())
    async with session_scope(config) as session:
        report.plan = await plan(session, at, settings)
    for who, items in report.plan.items():
        try:
            async with session_scope(config) as session:
                await send_digest(session, who, items, at, settings)
        except IntegrityError:  # another worker sent it first
            report.skipped += 1
            continue
        report.digests += 1
        report.items += len(items)
    return report


async def take_lease(config: SQLAlchemyAsyncConfig, holder: str, *, daily: bool) -> bool:
    """Take the lease in one atomic UPDATE: ``True`` for exactly one of any number of racing workers.
    ``daily``: only if today's run has not finished (the service's own run; by hand it may run again)."""
    now = clock.now()
    async with session_scope(config) as session:
        insert = upsert_insert(session, ReminderLease).values(name=LEASE)
        await session.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
    conditions = [ReminderLease.name == LEASE, or_(ReminderLease.held_until.is_(None), ReminderLease.held_until < now)]
    if daily:
        today = now.astimezone(clock.UK).date()
        conditions.append(or_(ReminderLease.done_on.is_(None), ReminderLease.done_on < today))
    async with session_scope(config) as session:
        result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
            update(ReminderLease)
            .where(*conditions)
            .values(holder=holder, held_until=now + HOLD_FOR, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


async def release_lease(config: SQLAlchemyAsyncConfig, holder: str, *, finished: bool) -> None:
    values: dict[str, object] = {"holder": None, "held_until": None}
    if finished:
        values["done_on"] = clock.now().astimezone(clock.UK).date()
    async with session_scope(config) as session:
        await session.execute(
            update(ReminderLease)
            .where(ReminderLease.name == LEASE, ReminderLease.holder == holder)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def run_leased(
    config: SQLAlchemyAsyncConfig, settings: Settings, *, daily: bool = True, dry_run: bool = False
) -> RunReport | None:
    """Run once if this worker gets the lease (``None`` if another holds it, or today's run is done)."""
    if dry_run:
        return await run(config, settings, dry_run=True)
    holder = secrets.token_hex(16)
    if not await take_lease(config, holder, daily=daily):
        return None
    finished = False
    try:
        report = await run(config, settings)
        finished = True
        return report
    finally:
        await release_lease(config, holder, finished=finished)


def is_due(settings: Settings) -> bool:
    """Whether the day's run is due: it is the office's hour in the UK, or later."""
    return clock.now().astimezone(clock.UK).hour >= settings.reminder_hour


async def run_if_due(config: SQLAlchemyAsyncConfig, settings: Settings) -> RunReport | None:
    if not is_due(settings):
        return None
    report = await run_leased(config, settings)
    if report is not None:
        logger.info("Reminders: %d digests, %d items, %d offers lapsed", report.digests, report.items, report.lapsed)
    return report


def reminders_lifespan(
    config: SQLAlchemyAsyncConfig, settings: Settings, *, poll_seconds: float = POLL_SECONDS
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that runs the day's reminders once the hour comes (a no-op when the service's
    mail sender is turned off: then ``stepchange reminders send`` does it)."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if not settings.mail_sender_enabled:
            yield
            return

        async def loop() -> None:
            while True:
                await asyncio.sleep(poll_seconds)  # a worker starting up serves first, then checks
                try:
                    await run_if_due(config, settings)
                except Exception as exc:
                    logger.warning("Reminders run failed: %s", type(exc).__name__)

        task = asyncio.create_task(loop(), name="stepchange-reminders")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan
