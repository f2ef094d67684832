"""``stepchange backup FILE`` and ``stepchange restore FILE [--force]``: the programme's database, whole;
and ``stepchange rotate-key``: its encrypted columns under a new key.

A backup holds every row as stored, so encrypted columns stay encrypted: reading them after a restore
needs the same ``STEPCHANGE_ENCRYPTION_KEY``. It can be taken while the service runs (SQLite: the online
backup API; PostgreSQL: ``pg_dump``), is written beside FILE and renamed into place only once complete,
and is readable by its owner alone: it holds personal data. A restore refuses a database that already
holds data unless told ``--force``, and a backup from a version of the service newer than this one.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click
from sqlalchemy.engine import URL, make_url

from stepchange.backup.checks import BackupError, check_revision, display, tables_holding_rows
from stepchange.backup.keys import rotate_key
from stepchange.backup.postgresql import backup_postgresql, restore_postgresql
from stepchange.backup.postgresql import read_revision as dump_revision
from stepchange.backup.sqlite import backup_sqlite, restore_sqlite
from stepchange.backup.sqlite import read_revision as sqlite_revision
from stepchange.cli import OWN_COMMANDS
from stepchange.core.database import build_database_config
from stepchange.core.settings import get_settings

__all__ = ("BackupError", "backup", "backup_command", "restore", "restore_command", "rotate_key_command")


def backup(database_url: str, file: Path) -> str:
    """Back the database up into ``file``; what was done, in a sentence."""
    url = _url(database_url)
    partial = file.with_name(f"{file.name}.partial")
    try:
        _private_empty_file(partial)
        if _is_sqlite(url):
            revision = backup_sqlite(_sqlite_path(url), partial)
        else:
            backup_postgresql(url, partial)
            revision = dump_revision(partial)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return f"Backed up {display(url)} (migration revision {revision}) to {file}: {file.stat().st_size:,} bytes"


def restore(database_url: str, file: Path, *, force: bool = False) -> str:
    """Restore ``file`` into the database, after checking it can be served and nothing would be lost."""
    url = _url(database_url)
    if not file.is_file():
        raise BackupError(f"There is no backup at {file}")
    revision = sqlite_revision(file) if _is_sqlite(url) else dump_revision(file)
    note = check_revision(revision)
    if not force and (holding := tables_holding_rows(url)):
        raise BackupError(
            f"{display(url)} already holds data ({', '.join(holding[:5])}{', …' if len(holding) > 5 else ''}): "
            "restore into an empty database, or add --force to replace everything in it with the backup"
        )
    if _is_sqlite(url):
        restore_sqlite(file, _sqlite_path(url))
    else:
        restore_postgresql(url, file)
    return f"Restored {file} into {display(url)}, {note}"


def _url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups work on SQLite and PostgreSQL, not {url.get_backend_name()}")
    return url


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _private_empty_file(path: Path) -> None:
    """An empty file only its owner may read or write (a backup holds personal data)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@click.command(name="backup", help=OWN_COMMANDS["backup"])
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(file: Path) -> None:
    try:
        click.echo(backup(get_settings().database_url, file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command(name="restore", help=OWN_COMMANDS["restore"])
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data")
def restore_command(file: Path, force: bool) -> None:
    try:
        click.echo(restore(get_settings().database_url, file, force=force))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command(
    name="rotate-key",
    help=OWN_COMMANDS["rotate-key"],
)
def rotate_key_command() -> None:
    settings = get_settings()
    new = sys.stdin.readline().strip() if not sys.stdin.isatty() else click.prompt("New key", hide_input=True)
    config = build_database_config(settings)

    async def work() -> list[str]:
        try:
            return await rotate_key(config, settings.encryption_key, new)
        finally:
            await config.get_engine().dispose()

    try:
        lines = asyncio.run(work())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)
    click.echo("Done. Set STEPCHANGE_ENCRYPTION_KEY to the new key before the service starts again.")
