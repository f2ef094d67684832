"""Backups and restores, on the engine the suite runs on (STEPCHANGE_TEST_ENGINE): a backup taken from a
running service under write load is a consistent snapshot; a quiet one restores every table as it was;
encrypted columns stay encrypted; a restore refuses to overwrite data, or a backup this version cannot serve."""

from __future__ import annotations

import asyncio
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.types.encrypted_string import FernetBackend
from cryptography.fernet import InvalidToken
from sqlalchemy import String, inspect, select, table, text, type_coerce
from sqlalchemy.ext.asyncio import create_async_engine

from stepchange.backup import BackupError, backup, restore
from stepchange.backup.checks import revisions
from stepchange.backup.keys import encrypted_columns, rotate_key
from stepchange.core.audit import AuditEntry
from stepchange.core.database import build_database_config, session_scope
from stepchange.core.settings import PROJECT_ROOT, Settings
from stepchange.people.models import Volunteer
from tests.conftest import ENGINE, Client, Databases
from tests.server import running
from tests.test_interest import open_a_call, submission
from tests.test_resilience import client_for, server_env

LOAD_DOMAIN = "@load.example"
DECLARED = "I hold shares in a vetting firm"


async def stepchange(database_url: str, *args: str, stdin: str = "") -> tuple[int, str]:
    """The command as an operator runs it, against this database; its exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("stepchange")),
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "STEPCHANGE_DATABASE_URL": database_url, "COLUMNS": "500"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(stdin.encode())
    assert process.returncode is not None
    # Click's error box wraps long messages (the database URL can be long): read it as one line of words.
    return process.returncode, " ".join(re.sub("[│╭╮╰╯─]", " ", output.decode()).split())


async def table_contents(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as stored (no column types applied: ciphertext stays ciphertext), in a set order."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            contents: dict[str, list[tuple[Any, ...]]] = {}
            for name in sorted(names):
                rows = (await connection.execute(select(text("*")).select_from(table(name)))).all()
                contents[name] = sorted((tuple(row) for row in rows), key=repr)
            return contents
    finally:
        await engine.dispose()


async def write_load(url: str, acknowledged: list[str], under_way: asyncio.Event, stop: asyncio.Event) -> None:
    """Submissions from new people, one after another from each of four writers, until told to stop
    (``under_way`` once twenty are in)."""
    client = await client_for(url)

    async def writer(number: int) -> None:
        sent = 0
        while not stop.is_set():
            email = f"writer{number}.{sent}{LOAD_DOMAIN}"
            response = await client.post("/api/interest", json=submission(email=email))
            assert response.status_code == 201, response.text
            acknowledged.append(email)
            sent += 1
            if len(acknowledged) >= 20:
                under_way.set()

    try:
        await asyncio.gather(*(writer(n) for n in range(4)))
    finally:
        await client.aclose()


async def whole_submissions(database_url: str) -> tuple[set[str], list[str]]:
    """The load's people in a database, and any of them missing part of their submission."""
    engine = create_async_engine(database_url)
    query = text(
        "SELECT v.email, COUNT(DISTINCT e.id), COUNT(DISTINCT c.id), COUNT(DISTINCT d.id) FROM volunteer v "
        "LEFT JOIN expression e ON e.volunteer_id = v.id LEFT JOIN choice c ON c.expression_id = e.id "
        "LEFT JOIN declaration d ON d.volunteer_id = v.id WHERE v.email LIKE :load GROUP BY v.email"
    )
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(query, {"load": f"%{LOAD_DOMAIN}"})).all()
    finally:
        await engine.dispose()
    return {row[0] for row in rows}, [row[0] for row in rows if tuple(row[1:]) != (1, 2, 1)]


@pytest.mark.slow
async def test_a_backup_under_write_load_is_a_snapshot_and_a_quiet_one_restores_every_table(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, databases: Databases, tmp_path: Path
) -> None:
    await open_a_call(db_config)
    acknowledged: list[str] = []
    under_way, stop = asyncio.Event(), asyncio.Event()
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        load = asyncio.create_task(write_load(server.url, acknowledged, under_way, stop))
        await asyncio.wait([load, asyncio.create_task(under_way.wait())], return_when=asyncio.FIRST_COMPLETED)
        before = set(acknowledged)
        code, said = await stepchange(settings.database_url, "backup", str(tmp_path / "under-load.backup"))
        during = set(acknowledged)
        stop.set()
        await load
        assert code == 0, said
        assert during - before, "submissions were acknowledged while the backup ran"
        code, said = await stepchange(settings.database_url, "backup", str(tmp_path / "quiet.backup"))
        assert code == 0, said
    assert stat.S_IMODE((tmp_path / "quiet.backup").stat().st_mode) == 0o600, "a backup holds personal data"

    snapshot = await asyncio.to_thread(databases.empty)
    code, said = await stepchange(snapshot, "restore", str(tmp_path / "under-load.backup"))
    assert code == 0, said
    people, torn = await whole_submissions(snapshot)
    assert before <= people <= during, "everything acknowledged before it began, nothing after it ended"
    assert torn == [], "every submission whole: a person, their expression, two choices, their declaration"

    copy = await asyncio.to_thread(databases.empty)
    code, said = await stepchange(copy, "restore", str(tmp_path / "quiet.backup"))
    assert code == 0 and "this version's latest" in said, said
    source, restored = await table_contents(settings.database_url), await table_contents(copy)
    assert set(restored) == set(source) and len(source) > 30
    for name, rows in source.items():
        assert restored[name] == rows, name
    assert len(source["volunteer"]) >= len(acknowledged)

    code, said = await stepchange(copy, "restore", str(tmp_path / "quiet.backup"))
    assert code == 1 and "already holds data" in said and "--force" in said, said


@pytest.mark.slow
async def test_encrypted_columns_stay_encrypted_in_the_backup_and_read_back_with_the_key(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, databases: Databases, tmp_path: Path
) -> None:
    await open_a_call(db_config)
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        client = await client_for(server.url)
        assert (await client.post("/api/interest", json=submission(email="priya@example.org"))).status_code == 201
        await client.aclose()
    async with session_scope(db_config) as session:
        phone = (await session.scalars(select(Volunteer.phone).where(Volunteer.email == "priya@example.org"))).one()
    code, said = await stepchange(settings.database_url, "backup", str(tmp_path / "people.backup"))
    assert code == 0, said
    if ENGINE == "sqlite":  # the file is the database itself: its bytes hold no plain personal data
        raw = (tmp_path / "people.backup").read_bytes()
        assert phone.encode() not in raw and DECLARED.encode() not in raw and b"priya@example.org" in raw

    copy = await asyncio.to_thread(databases.empty)
    assert (await stepchange(copy, "restore", str(tmp_path / "people.backup")))[0] == 0
    stored = (await table_contents(copy))["volunteer"]
    assert not [row for row in stored if phone in map(str, row)], "the phone number is stored encrypted"
    restored = build_database_config(Settings(database_url=copy))
    async with session_scope(restored) as session:
        read = (await session.scalars(select(Volunteer.phone).where(Volunteer.email == "priya@example.org"))).one()
    await restored.get_engine().dispose()
    assert read == phone, "the same STEPCHANGE_ENCRYPTION_KEY reads it back"


def test_restore_refuses_a_database_holding_data_unless_forced(database_url: str, tmp_path: Path) -> None:
    made = backup(database_url, tmp_path / "seeded.backup")
    assert "migration revision" in made
    with pytest.raises(BackupError, match=r"already holds data \(.*project.*--force"):
        restore(database_url, tmp_path / "seeded.backup")
    assert "Restored" in restore(database_url, tmp_path / "seeded.backup", force=True)
    assert not (tmp_path / "seeded.backup.partial").exists()


def test_restore_refuses_a_backup_from_a_newer_version_or_no_backup_at_all(
    database_url: str, databases: Databases, tmp_path: Path
) -> None:
    asyncio.run(_set_revision(database_url, "9999"))
    backup(database_url, tmp_path / "newer.backup")
    target = databases.empty()
    with pytest.raises(BackupError, match="revision 9999, which this version of Step-Change does not know"):
        restore(target, tmp_path / "newer.backup")
    _, head = revisions()
    asyncio.run(_set_revision(database_url, head))

    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(BackupError, match=r"not an? (SQLite|PostgreSQL) backup"):
        restore(target, tmp_path / "notes.txt")
    with pytest.raises(BackupError, match="There is no backup at"):
        restore(target, tmp_path / "missing.backup")


async def _set_revision(database_url: str, revision: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    await engine.dispose()


def test_postgresql_without_its_client_tools_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump was not found on the PATH.*apt-get install postgresql-client"):
        backup("postgresql+asyncpg://stepchange@db.example/stepchange", tmp_path / "x.backup")
    assert list(tmp_path.iterdir()) == [], "nothing left behind"


NEW_KEY = "a-new-random-key-of-forty-characters-xyz"


async def raw_encrypted(db_config: SQLAlchemyAsyncConfig) -> dict[str, list[str]]:
    """Every encrypted column's stored text (ciphertext), column by column."""
    found: dict[str, list[str]] = {}
    async with session_scope(db_config) as session:
        for encrypted in encrypted_columns():
            for column in encrypted.columns:
                query = select(type_coerce(column, String())).where(column.is_not(None))
                found[f"{encrypted.table.name}.{column.name}"] = sorted((await session.scalars(query)).all())
    return found


def readable_with(key: str, stored: dict[str, list[str]]) -> dict[str, list[str]]:
    fernet = FernetBackend()
    fernet.mount_vault(key)
    return {name: sorted(fernet.decrypt(value) for value in values) for name, values in stored.items()}


async def test_rotate_key_re_encrypts_every_encrypted_column_and_the_old_key_reads_nothing(
    client: Client, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await open_a_call(db_config)
    response = await client.post("/api/interest", json=submission(), headers={"x-csrftoken": await client.csrf()})
    assert response.status_code == 201, response.text
    before = await raw_encrypted(db_config)
    plain = readable_with(settings.encryption_key, before)
    assert DECLARED in plain["declaration.description"] and plain["volunteer.phone"]
    assert {"volunteer.phone", "declaration.description", "declaration.organisation"} <= set(before)

    code, said = await stepchange(settings.database_url, "rotate-key", stdin=NEW_KEY)
    assert code == 0, said
    assert "volunteer.phone: 1 values re-encrypted" in said and "Set STEPCHANGE_ENCRYPTION_KEY" in said
    after = await raw_encrypted(db_config)
    assert readable_with(NEW_KEY, after) == plain, "the same values, under the new key"
    with pytest.raises(InvalidToken):
        readable_with(settings.encryption_key, {"volunteer.phone": after["volunteer.phone"]})
    async with session_scope(db_config) as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "encryption_key.rotated" in actions


async def test_rotate_key_with_the_wrong_current_key_changes_nothing(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await open_a_call(db_config)
    await client.post("/api/interest", json=submission(), headers={"x-csrftoken": await client.csrf()})
    before = await raw_encrypted(db_config)
    with pytest.raises(BackupError, match=r"cannot read: set the key the data was written with.*nothing was changed"):
        await rotate_key(db_config, "not-the-key-the-data-was-written-with", NEW_KEY)
    with pytest.raises(BackupError, match="32 or more characters"):
        await rotate_key(db_config, Settings().encryption_key, "short")
    assert await raw_encrypted(db_config) == before
