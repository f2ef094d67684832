"""Test fixtures: a real database per test (SQLite or PostgreSQL), migrated and seeded once as a template.

``STEPCHANGE_TEST_ENGINE=postgresql`` runs the suite on the local PostgreSQL server
(``STEPCHANGE_TEST_PG_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import asyncpg
import pyotp
import pytest
from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from stepchange.accounts.models import StaffUser
from stepchange.accounts.services import StaffDetails, StaffService
from stepchange.app import create_app
from stepchange.core import clock
from stepchange.core.audit import SYSTEM
from stepchange.core.authz import StaffRole
from stepchange.core.database import build_database_config, session_scope
from stepchange.core.settings import PROJECT_ROOT, Settings
from stepchange.seeds import seed
from stepchange.wiring import wire
from tests.smtp import smtp, smtp_down  # noqa: F401 - fixtures shared by every test module

wire()  # services used directly (without an app) ask the higher domains through the sockets

ENGINE = os.environ.get("STEPCHANGE_TEST_ENGINE", "sqlite")
PG_URL = os.environ.get("STEPCHANGE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_MFA = os.environ.get("STEPCHANGE_TEST_MFA") or None
"""``required`` runs the suite with two-factor sign-in required (the production default); the sign-in
helper completes it. Unset: the development default (``optional``)."""


def _pg_dsn(database: str) -> str:
    base = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    return base.rsplit("/", 1)[0] + "/" + database


def _pg_url(database: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + database


async def _pg_admin(*statements: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(PG_URL.rsplit("/", 1)[1]))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def migrate(database_url: str) -> None:
    """Run the real Alembic migrations to head (outside any running event loop)."""
    config = build_database_config(Settings(database_url=database_url))
    AlembicCommands(sqlalchemy_config=config).upgrade(revision="head")


async def _seed(database_url: str) -> None:
    config = build_database_config(Settings(database_url=database_url))
    async with session_scope(config) as session:
        await seed(session, PROJECT_ROOT / "seeds")
    await config.get_engine().dispose()


class Databases:
    """Makes empty and seeded databases for one test session on the chosen engine."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"sc_{WORKER}_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []
        self.template: str | None = None

    def empty(self) -> str:
        """A new, empty database; returns its URL."""
        name = f"{self.prefix}_{len(self.made)}"
        self.made.append(name)
        if ENGINE == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / name}.db"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        return _pg_url(name)

    def seeded_template(self) -> str:
        if self.template is None:
            url = self.empty()
            migrate(url)
            asyncio.run(_seed(url))
            self.template = url
        return self.template

    def copy_of_template(self) -> str:
        template = self.seeded_template()
        name = f"{self.prefix}_{len(self.made)}"
        self.made.append(name)
        if ENGINE == "sqlite":
            target = self.workdir / f"{name}.db"
            shutil.copyfile(template.removeprefix("sqlite+aiosqlite:///"), target)
            return f"sqlite+aiosqlite:///{target}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
        return _pg_url(name)

    def drop_all(self) -> None:
        if ENGINE == "sqlite":
            return
        asyncio.run(_pg_admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.made)))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("db"))
    yield made
    made.drop_all()


@pytest.fixture
def database_url(databases: Databases) -> str:
    """A migrated, seeded database of this test's own."""
    return databases.copy_of_template()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return replace(
        Settings(),
        database_url=database_url,
        outbox_dir=tmp_path / "outbox",
        rate_limit_per_minute=0,
        report_cache_seconds=0,  # tests read a report after each change; tests/test_reports.py turns it on
        password_hash_cost="fast",
        mail_sender_enabled=False,
        mfa=TEST_MFA,  # type: ignore[arg-type]
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


class Client(AsyncTestClient[Litestar]):
    """A test client that sends the CSRF token the way a browser's JavaScript or an API client would."""

    async def csrf(self) -> str:
        token = self.cookies.get("csrftoken")
        if token is None:
            await self.get("/health")
            token = self.cookies.get("csrftoken")
        assert token, "the service sets a csrftoken cookie"
        return token


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with Client(app=app) as test_client:
        yield test_client


@pytest.fixture
async def browsers(settings: Settings) -> AsyncIterator[Callable[[], Awaitable[Client]]]:
    """Open more browsers: each is another person with their own cookies, on their own app instance
    (the test client runs each app on its own event loop, so apps never share a connection pool)."""
    async with AsyncExitStack() as stack:

        async def open_browser() -> Client:
            return await stack.enter_async_context(Client(app=create_app(settings)))

        yield open_browser


PASSWORD = "correct horse battery staple"


async def make_staff(
    config: SQLAlchemyAsyncConfig,
    email: str,
    role: str,
    *,
    workstream: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
) -> StaffUser:
    """A member of staff straight into the database (as `stepchange users create` does)."""
    async with session_scope(config) as session:
        details = StaffDetails(email, name or email.split("@")[0].title(), StaffRole(role), workstream, "Test Org")
        return await StaffService(session=session).add_staff(SYSTEM, details, password=password, cost="fast")


async def sign_in(client: Client, email: str, password: str = PASSWORD) -> Response:
    """Sign a member of staff in through the API, completing the second factor when it is asked for: setting
    up an authenticator app (stage ``mfa_setup``) or giving its code (``mfa``), made here from the secret
    as the person's phone would. Returns the last answer (the user, with ``"stage": "signed_in"``)."""
    headers = {"x-csrftoken": await client.csrf()}
    response = await client.post("/api/auth/login", json={"email": email, "password": password}, headers=headers)
    stage = response.json().get("stage") if response.status_code == 200 else None
    headers = {"x-csrftoken": await client.csrf()}  # each sign-in step renews the session, and its token
    if stage == "mfa_setup":
        secret = (await client.post("/api/auth/mfa/setup", headers=headers)).json()["secret"]
        code = pyotp.TOTP(secret).now()
        response = await client.post("/api/auth/mfa/setup/confirm", json={"code": code}, headers=headers)
    elif stage == "mfa":
        response = await client.post("/api/auth/mfa", json={"code": await fresh_code(client, email)}, headers=headers)
    return response


async def fresh_code(client: Client, email: str) -> str:
    """A code the account has not used yet: for this time step or the next (both are accepted), else wait
    for the next step. The secret is read from the app's database, as only the phone would know it."""
    config = build_database_config(client.app.state.settings)
    try:
        async with session_scope(config) as session:
            user = await session.scalar(select(StaffUser).where(StaffUser.email == email.lower()))
    finally:
        await config.get_engine().dispose()
    assert user is not None and user.totp_secret, f"{email} has an authenticator app"
    totp = pyotp.TOTP(user.totp_secret)
    while True:
        step = totp.timecode(clock.now())
        for candidate in (step, step + 1):
            if user.totp_last_step is None or candidate > user.totp_last_step:
                return totp.generate_otp(candidate)
        await asyncio.sleep(1)


@pytest.fixture
async def db_config(settings: Settings) -> AsyncIterator[SQLAlchemyAsyncConfig]:
    """The database config for direct service-level work in a test (engine disposed after)."""
    config = build_database_config(settings)
    yield config
    await config.get_engine().dispose()
