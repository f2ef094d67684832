"""PostgreSQL: ``pg_dump`` in its custom format (one consistent snapshot, compressed), restored with
``pg_restore`` in a single transaction. Both come with PostgreSQL's client tools, at least as new as
the server's major version; the connection is passed in libpq's environment, never on a command line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from stepchange.backup.checks import VERSION_TABLE, BackupError, display

HEADER = b"PGDMP"
CLIENT_TOOLS = (
    "PostgreSQL's client tools are needed: install the package of the server's major version or newer "
    "(Debian and Ubuntu: apt-get install postgresql-client)"
)
SSL_MODES = {"true": "require", "false": "disable"}


def is_dump_file(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def libpq_environment(url: URL) -> dict[str, str]:
    """The database URL as libpq's variables, so the password stays out of every process listing."""
    settings = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
    }
    ssl = url.query.get("ssl") or url.query.get("sslmode")
    if isinstance(ssl, str):
        settings["PGSSLMODE"] = SSL_MODES.get(ssl.lower(), ssl)
    return {**os.environ, **{name: value for name, value in settings.items() if value}}


def backup_postgresql(url: URL, partial: Path) -> None:
    """``pg_dump`` the database into ``partial`` (an empty file made for it, so it keeps that file's mode)."""
    _run(url, [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"])


def read_revision(backup: Path) -> str | None:
    """The migration revision recorded in a custom-format dump (``pg_restore`` reads it back as SQL)."""
    if not is_dump_file(backup):
        raise BackupError(f"{backup} is not a PostgreSQL backup (pg_dump's custom format)")
    command = [_tool("pg_restore"), "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(backup)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own command line
    if result.returncode != 0:
        raise BackupError(f"pg_restore cannot read {backup}: {result.stderr.strip()}")
    lines = result.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("COPY ") and VERSION_TABLE in line]
    if not starts or starts[0] + 1 >= len(lines) or lines[starts[0] + 1] == "\\.":
        return None
    return lines[starts[0] + 1].strip()


def restore_postgresql(url: URL, backup: Path) -> None:
    """Replace what the backup holds in the database, all or nothing."""
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url.database}",
        str(backup),
    ]
    _run(url, command)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on the PATH. {CLIENT_TOOLS}")
    return path


def _run(url: URL, command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own command line
        command, env=libpq_environment(url), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed for {display(url)}: {result.stderr.strip()}")
