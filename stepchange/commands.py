"""The programme's own commands, added to Litestar's CLI by ``stepchange.cli`` when one of them is run."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from litestar import Litestar
from litestar.cli._utils import LitestarGroup

from stepchange.cli import OWN_COMMANDS
from stepchange.core.authz import StaffRole
from stepchange.core.database import app_database_config, session_scope
from stepchange.core.settings import get_settings

T = TypeVar("T")


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(work())  # type: ignore[arg-type]


@click.command(name="seed", help=OWN_COMMANDS["seed"])
def seed_command(app: Litestar) -> None:
    from stepchange.seeds import seed

    config = app_database_config(app)

    async def work() -> list[str]:
        async with session_scope(config) as session:
            report = await seed(session, get_settings().seeds_dir)
        return report.lines() if report.changed or report.warnings else ["nothing to add", *report.lines()]

    for line in run_async(work):
        click.echo(line)


@click.group(cls=LitestarGroup, name="users", help=OWN_COMMANDS["users"])
def users_group() -> None:
    """Staff accounts from the command line."""


@users_group.command(name="create", help="Create a member of staff with a password (read from standard input).")
@click.option("--email", required=True, help="Their e-mail address (they sign in with it)")
@click.option("--name", required=True, help="Their full name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in StaffRole]),
    help="What they may do",
)
@click.option("--workstream", default=None, help="For a co-chair: the work-stream code, e.g. CP")
@click.option("--organisation", default="", help="Their organisation")
def create_user_command(
    app: Litestar, email: str, name: str, role: str, workstream: str | None, organisation: str
) -> None:
    from stepchange.accounts.services import StaffDetails, StaffService
    from stepchange.core.audit import SYSTEM
    from stepchange.core.errors import DomainError

    password = read_password()
    config = app_database_config(app)
    details = StaffDetails(email, name, StaffRole(role), workstream, organisation)

    async def work() -> str:
        async with session_scope(config) as session:
            user = await StaffService(session=session).add_staff(
                SYSTEM, details, password=password, cost=get_settings().password_hash_cost
            )
            return f"Created {user.role.value} {user.email}"

    try:
        click.echo(run_async(work))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


def read_password() -> str:
    """From standard input when it is not a terminal (scripts, CI); otherwise ask twice, hidden."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group(cls=LitestarGroup, name="demo", help=OWN_COMMANDS["demo"])
def demo_group() -> None:
    """Demonstration data."""


@demo_group.command(name="accounts", help="Create one demo account per role (if missing) and print how to sign in.")
def demo_accounts_command(app: Litestar) -> None:
    from stepchange.demo.accounts import add_demo_accounts, sign_in_lines

    settings = get_settings()
    if settings.is_production:
        raise click.ClickException("Demo accounts are for development only")
    config = app_database_config(app)

    async def work() -> None:
        async with session_scope(config) as session:
            await add_demo_accounts(session, settings.password_hash_cost)

    run_async(work)
    for line in sign_in_lines(settings.base_url):
        click.echo(line)


@demo_group.command(name="call", help="Open a demo call to action now (if none is open) so the form can be tried.")
def demo_call_command(app: Litestar) -> None:
    from stepchange.demo.call import open_demo_call

    if get_settings().is_production:
        raise click.ClickException("Demo data is for development only")
    config = app_database_config(app)

    async def work() -> str:
        async with session_scope(config) as session:
            return await open_demo_call(session, get_settings().base_url)

    click.echo(run_async(work))


@demo_group.command(
    name="generate",
    help="Add a batch of realistic synthetic data: a national call and N people with everything around them.",
)
@click.option("--volunteers", type=click.IntRange(min=1), required=True, help="How many people answer the call")
@click.option("--seed", type=int, default=2018, show_default=True, help="The same seed gives the same data")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the data leads up to (default: today); fixes the dates too",
)
def demo_generate_command(app: Litestar, volunteers: int, seed: int, today: dt.datetime | None) -> None:
    from stepchange.demo import generate, refresh_statistics

    if get_settings().is_production:
        raise click.ClickException("Demo data is for development only")
    config = app_database_config(app)

    async def work() -> list[str]:
        async with session_scope(config) as session:
            report = await generate(
                session, volunteers, seed=seed, today=today.date() if today else None, progress=click.echo
            )
        await refresh_statistics(config.get_engine())
        await config.get_engine().dispose()
        return report.lines()

    for line in run_async(work):
        click.echo(line)


@click.group(cls=LitestarGroup, name="data", help=OWN_COMMANDS["data"])
def data_group() -> None:
    """Personal data housekeeping."""


@data_group.command(
    name="purge",
    help="Anonymise people never assigned, once their calls closed long enough ago; delete expired downloads.",
)
@click.option("--dry-run", is_flag=True, help="Only say how many people would go")
def purge_command(app: Litestar, dry_run: bool) -> None:
    from stepchange.core.export_jobs import purge_expired
    from stepchange.volunteers.services import SelfService

    settings = get_settings()
    config = app_database_config(app)

    async def work() -> tuple[int, int]:
        async with session_scope(config) as session:
            people = await SelfService(session).purge(dt.timedelta(days=settings.retention_days), dry_run=dry_run)
            return people, 0 if dry_run else await purge_expired(session)

    count, downloads = run_async(work)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{count} people never assigned, whose calls closed over {settings.retention_days} days ago, {verb} anonymised"
    )
    if downloads:
        click.echo(f"{downloads} expired downloads deleted")


def register(cli: click.Group) -> None:
    """Add the programme's commands to Litestar's command group."""
    from stepchange.backup import backup_command, restore_command, rotate_key_command
    from stepchange.import_cli import import_group
    from stepchange.mail_cli import mail_group
    from stepchange.reminders_cli import reminders_group

    cli.add_command(import_group)
    cli.add_command(seed_command)
    cli.add_command(users_group)
    cli.add_command(mail_group)
    cli.add_command(demo_group)
    cli.add_command(data_group)
    cli.add_command(backup_command)
    cli.add_command(restore_command)
    cli.add_command(rotate_key_command)
    cli.add_command(reminders_group)
