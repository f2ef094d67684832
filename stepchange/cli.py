"""The ``stepchange`` command: Litestar's CLI with this app preset, plus the programme's own commands."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, get_database_migration_plugin
from litestar import Litestar
from litestar.cli._utils import LitestarEnv

from stepchange.core.database import session_scope
from stepchange.core.settings import get_settings

T = TypeVar("T")

APP_PATH = "stepchange.app:create_app"


def database_config(ctx: click.Context) -> SQLAlchemyAsyncConfig:
    env: LitestarEnv = ctx.obj
    app: Litestar = env.app
    config = get_database_migration_plugin(app).config
    return config[0] if isinstance(config, list | tuple) else config  # type: ignore[return-value]


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(work())  # type: ignore[arg-type]


@click.command(name="seed", help="Add the programme's data from seeds/ (idempotent: never overwrites edits).")
@click.pass_context
def seed_command(ctx: click.Context) -> None:
    from stepchange.seeds import seed

    config = database_config(ctx)

    async def work() -> list[str]:
        async with session_scope(config) as session:
            report = await seed(session, get_settings().seeds_dir)
        return report.lines() if report.changed or report.warnings else ["nothing to add", *report.lines()]

    for line in run_async(work):
        click.echo(line)


def register(cli: click.Group) -> None:
    """Add the programme's commands to Litestar's command group."""
    cli.add_command(seed_command)


def main() -> None:
    """Console script entry point: ``stepchange …``."""
    os.environ.setdefault("LITESTAR_APP", APP_PATH)
    from litestar.cli.main import litestar_group

    register(litestar_group)
    sys.exit(litestar_group())
