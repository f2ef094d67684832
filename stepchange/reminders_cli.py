"""``stepchange reminders send [--dry-run] [--now ISO-TIME]``: the day's reminders by hand.

Kept light: the reminders' modules are imported only when the command runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import cast

import click
from litestar import Litestar
from litestar.cli._utils import LitestarEnv

from stepchange.cli import OWN_COMMANDS
from stepchange.core.settings import Settings


@click.group(name="reminders", help=OWN_COMMANDS["reminders"])
def reminders_group() -> None:
    """Commands for the reminders."""


def _app(ctx: click.Context) -> Litestar:
    env = ctx.obj if isinstance(ctx.obj, LitestarEnv) else ctx.obj()
    return cast(LitestarEnv, env).app


def _pretend(now: str, settings: Settings) -> None:
    """Run as if at ``now`` (development only: rehearsals and tests)."""
    if settings.is_production:
        raise click.UsageError("--now is refused unless STEPCHANGE_ENV=development")
    try:
        moment = dt.datetime.fromisoformat(now)
    except ValueError:
        raise click.BadParameter("give a time like 2027-01-04T08:00 (UK time unless it says otherwise)") from None
    from stepchange.core import clock

    at = clock.as_utc(moment)
    clock.now = lambda: at


@reminders_group.command(name="send", help="Send the reminder digests due now (every rule, each reminder once).")
@click.option("--dry-run", is_flag=True, help="Print who would get what (by id, without personal data); send nothing")
@click.option("--now", "now", default=None, help="Run as if at this ISO time (development only)")
@click.pass_context
def send_command(ctx: click.Context, dry_run: bool, now: str | None) -> None:
    from stepchange.core.database import app_database_config
    from stepchange.reminders.job import run_leased

    app = _app(ctx)
    settings = cast(Settings, app.state.settings)
    if now is not None:
        _pretend(now, settings)
    config = app_database_config(app)

    async def work() -> list[str]:
        try:
            report = await run_leased(config, settings, daily=False, dry_run=dry_run)
        finally:
            await config.get_engine().dispose()
        if report is None:
            return ["Another worker is sending reminders now: nothing sent"]
        return ["Dry run: nothing sent", *report.lines()] if dry_run else report.lines()

    for line in asyncio.run(work()):
        click.echo(line)
