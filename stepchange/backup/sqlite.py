"""SQLite: SQLite's online backup API, from the service's database to a file, and back.

The backup copies every page in one step inside one read transaction, so it is a consistent snapshot even
while the service writes (in WAL mode writers carry on meanwhile). The file it makes is itself an SQLite
database, in rollback-journal mode so that it is one self-contained file.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from stepchange.backup.checks import VERSION_TABLE, BackupError

HEADER = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def backup_sqlite(database: Path, partial: Path) -> str | None:
    """Copy ``database`` into ``partial`` (an empty file made for it); the copy's migration revision."""
    if not database.is_file():
        raise BackupError(f"There is no SQLite database at {database}")
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(copy, partial)
        return _revision(copy)


def read_revision(backup: Path) -> str | None:
    """The migration revision a backup file holds (and it must be an intact SQLite database)."""
    if not is_sqlite_file(backup):
        raise BackupError(f"{backup} is not an SQLite backup")
    with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as copy:
        _check_integrity(copy, backup)
        return _revision(copy)


def restore_sqlite(backup: Path, database: Path) -> None:
    """Overwrite ``database`` (made if missing) with the backup, page for page, in one transaction."""
    with (
        closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as copy,
        closing(sqlite3.connect(database, timeout=30)) as target,
    ):
        copy.backup(target)


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    verdict = connection.execute("PRAGMA integrity_check").fetchone()
    if verdict != ("ok",):
        raise BackupError(f"{path} is damaged: SQLite's integrity check says {verdict[0] if verdict else 'nothing'}")


def _revision(connection: sqlite3.Connection) -> str | None:
    has_table = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,))
    if has_table.fetchone() is None:
        return None
    row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()  # noqa: S608 - a constant
    return str(row[0]) if row else None
