"""What a restore checks before it writes: the backup's migration revision, and whether the database
it would overwrite already holds data."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import exists, inspect, select, table
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from stepchange.core.settings import PROJECT_ROOT

VERSION_TABLE = "alembic_version"


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


def revisions() -> tuple[frozenset[str], str]:
    """Every migration revision this version of the service knows, and the latest."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    head = script.get_current_head()
    assert head is not None, "migrations/ holds at least one revision"
    return frozenset(revision.revision for revision in script.walk_revisions()), head


def check_revision(revision: str | None) -> str:
    """Refuse a backup this version cannot serve; otherwise what to tell the operator about its revision."""
    known, head = revisions()
    if revision is None:
        raise BackupError("This file holds no migration revision: it is not a backup of Step-Change's database")
    if revision not in known:
        raise BackupError(
            f"The backup is at migration revision {revision}, which this version of Step-Change does not know "
            f"(its latest is {head}): it was made by a newer version; restore it with that version"
        )
    if revision == head:
        return f"at migration revision {revision}, this version's latest"
    return (
        f"at migration revision {revision}, older than this version's {head}: "
        "run `stepchange database upgrade --no-prompt` before starting the service"
    )


def tables_holding_rows(url: URL) -> list[str]:
    """The tables (besides the migration revision's) that hold at least one row; none for a new SQLite file."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return []
    return asyncio.run(_tables_holding_rows(url))


async def _tables_holding_rows(url: URL) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_holding_rows)
    except (OSError, DBAPIError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        raise BackupError(f"Cannot reach the database {display(url)}: {reason}") from exc
    finally:
        await engine.dispose()


def _holding_rows(connection: Connection) -> list[str]:
    names = [name for name in inspect(connection).get_table_names() if name != VERSION_TABLE]
    return [name for name in sorted(names) if connection.scalar(select(exists().select_from(table(name))))]


def display(url: URL) -> str:
    """The database as an operator would name it, never with its password."""
    return url.render_as_string(hide_password=True)
