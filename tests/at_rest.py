"""Helpers for tests that look at what the database and the outbox folder hold on disk."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import inspect, text

from stepchange.core.database import session_scope
from stepchange.core.settings import Settings

FERNET = "gAAAAA"
"""How every Fernet token (advanced-alchemy's ``EncryptedText``) starts once base64-encoded."""


def database_file(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))


async def checkpoint(config: SQLAlchemyAsyncConfig) -> None:
    """Copy the write-ahead log into the database file and empty it (what SQLite does by itself later)."""
    async with session_scope(config) as session:
        await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def database_bytes(settings: Settings) -> bytes:
    """Every byte SQLite keeps for this database: the file and its write-ahead log, lower-cased."""
    path = database_file(settings)
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists()).lower()


def folder_bytes(folder: Path) -> bytes:
    """Every file in the outbox folder (hidden ones too), lower-cased."""
    if not folder.exists():
        return b""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()).lower()


def found(haystack: bytes, needles: Iterable[str]) -> list[str]:
    return [n for n in needles if n.lower().encode() in haystack]


async def every_text_value(config: SQLAlchemyAsyncConfig) -> dict[str, str]:
    """Each table's every value as text, as a plain ``SELECT *`` reads it (no decryption): the PostgreSQL
    counterpart of scanning the file's bytes."""
    out: dict[str, str] = {}
    async with session_scope(config) as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()  # noqa: S608 - our own tables
            out[table] = " ".join(str(v) for row in rows for v in row).lower()
    return out
