"""``stepchange mail …``: flush the outbox by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import cast

import click
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.cli._utils import LitestarEnv

from stepchange.cli import OWN_COMMANDS
from stepchange.core.database import app_database_config, session_scope
from stepchange.core.mail import SendReport, send_due
from stepchange.core.settings import Settings
from stepchange.interest.intake import file_waiting


@click.group(name="mail", help=OWN_COMMANDS["mail"])
def mail_group() -> None:
    """Commands for the mail outbox."""


def _app(ctx: click.Context) -> Litestar:
    """The app Litestar's CLI loaded (``ctx.obj`` may still be its lazy loader)."""
    env = ctx.obj if isinstance(ctx.obj, LitestarEnv) else ctx.obj()
    return cast(LitestarEnv, env).app


async def send_all(config: SQLAlchemyAsyncConfig, settings: Settings) -> SendReport:
    """Run ``send_due`` until nothing more is due; the totals of every round."""
    total = SendReport()
    try:
        while (report := await send_due(config, settings)).total:
            total.sent += report.sent
            total.retrying += report.retrying
            total.failed += report.failed
    finally:
        await config.get_engine().dispose()
    return total


async def file_and_send(config: SQLAlchemyAsyncConfig, settings: Settings) -> tuple[int, SendReport]:
    """File public submissions left waiting (their confirmations are then due too), then send everything."""
    async with session_scope(config) as session:
        filed = await file_waiting(session, config, settings, grace=dt.timedelta(0))
    return filed, await send_all(config, settings)


@mail_group.command(name="send", help="Send every queued message that is due now.")
@click.pass_context
def send_command(ctx: click.Context) -> None:
    app = _app(ctx)
    filed, report = asyncio.run(file_and_send(app_database_config(app), cast(Settings, app.state.settings)))
    if filed:
        click.echo(f"{filed} waiting submission{'' if filed == 1 else 's'} filed")
    click.echo(f"{report.sent} sent, {report.retrying} to retry later, {report.failed} failed")
