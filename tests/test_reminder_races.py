"""Two workers racing to send the day's reminders send nothing twice (issue 27): two real processes
running ``stepchange reminders send`` at once, and two in-process background runs sharing the lease."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select

from stepchange.core.database import build_database_config, session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import PROJECT_ROOT, Settings
from stepchange.reminders.job import reminders_lifespan, run
from stepchange.reminders.models import ReminderDigest, ReminderLease
from tests.reminder_world import Clock, build
from tests.smtp import SmtpServer, with_smtp


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def command(settings: Settings, smtp: SmtpServer, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "STEPCHANGE_ENV": "development",
        "STEPCHANGE_DATABASE_URL": settings.database_url,
        "STEPCHANGE_SMTP_HOST": "127.0.0.1",
        "STEPCHANGE_SMTP_PORT": str(smtp.port),
        "STEPCHANGE_MAIL_SENDER": "0",
        "STEPCHANGE_OUTBOX_DIR": str(settings.outbox_dir),
    }
    code = "from stepchange.cli import main; main()"
    return subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-c", code, "reminders", "send", *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def finish(process: subprocess.Popen[bytes]) -> str:
    out, _ = await asyncio.to_thread(process.communicate, timeout=120)
    assert process.returncode == 0, out.decode()
    return out.decode()


@pytest.mark.slow  # three processes start the command line
async def test_two_commands_racing_send_each_digest_once(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, moved: Clock, tmp_path: Path
) -> None:
    world = await build(db_config)
    when = moved.days(8).isoformat()
    plan = await finish(command(settings, smtp, "--dry-run", "--now", when))
    assert "Dry run: nothing sent" in plan and "offer_unanswered: 1" in plan
    assert world.offered not in plan and "@" not in plan, "the plan names nobody"
    first, second = command(settings, smtp, "--now", when), command(settings, smtp, "--now", when)
    outputs = [await finish(first), await finish(second)]
    assert any("digest" in out for out in outputs), outputs
    await send_due(db_config, with_smtp(settings, smtp))
    counts = Counter(str(message["To"]) for message in smtp.messages)
    assert counts[world.offered] == 1 and counts[world.chair] == 1 and counts[world.office] == 1, counts
    assert set(counts.values()) == {1}, counts
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(ReminderDigest)) == len(counts)


async def test_two_workers_take_turns_by_the_lease_and_the_day_runs_once(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    moved.days(8)
    on = replace(with_smtp(settings, smtp), mail_sender_enabled=True, reminder_hour=8)
    configs = [build_database_config(on) for _ in range(2)]
    try:
        workers = [reminders_lifespan(config, on, poll_seconds=0.05)(None) for config in configs]
        async with workers[0], workers[1]:
            for _ in range(200):
                async with session_scope(db_config) as session:
                    lease = await session.scalar(select(ReminderLease))
                if lease is not None and lease.done_on is not None and lease.holder is None:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # both keep polling: the day is done, nobody runs it again
    finally:
        for config in configs:
            await config.get_engine().dispose()
    assert lease is not None and lease.done_on == moved.at.date()
    await send_due(db_config, on)
    counts = Counter(str(message["To"]) for message in smtp.messages)
    assert counts[world.offered] == 1 and set(counts.values()) == {1}, counts


async def test_before_the_hour_nothing_is_sent(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    await build(db_config)
    moved.days(8)
    early = replace(settings, mail_sender_enabled=True, reminder_hour=23)
    async with reminders_lifespan(db_config, early, poll_seconds=0.05)(None):
        await asyncio.sleep(0.5)
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(ReminderDigest)) == 0


async def test_two_runs_racing_without_the_lease_still_send_each_digest_once(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    await build(db_config)
    moved.days(8)
    configs = [build_database_config(settings) for _ in range(2)]
    try:
        reports = await asyncio.gather(*(run(config, settings) for config in configs))
    finally:
        for config in configs:
            await config.get_engine().dispose()
    async with session_scope(db_config) as session:
        digests = await session.scalar(select(func.count()).select_from(ReminderDigest))
    assert sum(report.digests for report in reports) == digests, "the loser of each race sent nothing"
