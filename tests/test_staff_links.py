"""Invitations and password resets followed through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import update

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp

NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url="https://stepchange.example")


@pytest.fixture
async def office(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    """A coordinator signed in on an app that sends mail over SMTP."""
    await make_staff(db_config, "office@example.org", "coordinator")
    async with Client(app=create_app(mail_settings)) as browser:
        assert (await sign_in(browser, "office@example.org")).status_code == 200
        yield browser


async def deliver(db_config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer) -> list[str]:
    """Send what is queued and return the links in what arrived."""
    await send_due(db_config, settings)
    return [m for message in smtp.messages for m in re.findall(r"https://\S+", plain_text(message))]


async def test_an_invitation_arrives_by_smtp_and_sets_a_password_once(
    office: Client, mail_settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer
) -> None:
    invited = await office.post(
        "/api/users",
        json={"email": "New.Chair@Example.org", "name": "Nia Chair", "role": "co_chair", "workstream": "SR"},
        headers={"x-csrftoken": await office.csrf()},
    )
    assert invited.status_code == 201
    assert invited.json()["has_password"] is False
    links = await deliver(db_config, mail_settings, smtp)
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "new.chair@example.org"
    assert links[0].startswith("https://stepchange.example/account/invitation/")
    path = links[0].removeprefix("https://stepchange.example")

    newcomer = Client(app=create_app(mail_settings))
    async with newcomer:
        assert (await sign_in(newcomer, "new.chair@example.org", NEW_PASSWORD)).status_code == 401
        page = await newcomer.get(path)
        assert page.status_code == 200
        assert "Set your password" in page.text
        assert (await newcomer.get(path)).status_code == 200, "opening the link does not use it"

        token = await newcomer.csrf()
        mismatch = await newcomer.post(path, data={"password": NEW_PASSWORD, "confirm": "x", "_csrf_token": token})
        assert mismatch.status_code == 400 and "do not match" in mismatch.text
        short = await newcomer.post(path, data={"password": "short", "confirm": "short", "_csrf_token": token})
        assert short.status_code == 400 and "at least 12 characters" in short.text

        done = await newcomer.post(
            path,
            data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        me = await sign_in(newcomer, "new.chair@example.org", NEW_PASSWORD)
        assert me.status_code == 200
        assert (me.json()["role"], me.json()["workstream"]) == ("co_chair", "SR")

        reused = await newcomer.get(path)
        assert reused.status_code == 409
        assert "already been used" in reused.text
        again = await newcomer.post(
            "/api/auth/invitations/accept",
            json={"token": path.rsplit("/", 1)[1], "password": "another long passphrase"},
            headers={"x-csrftoken": await newcomer.csrf()},
        )
        assert again.status_code == 409
        assert again.json()["rules"][0]["rule"] == "link_used"


async def test_an_expired_invitation_is_refused_clearly(
    office: Client, mail_settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer
) -> None:
    await office.post(
        "/api/users",
        json={"email": "late@example.org", "name": "Late", "role": "board"},
        headers={"x-csrftoken": await office.csrf()},
    )
    [link] = await deliver(db_config, mail_settings, smtp)
    async with session_scope(db_config) as session:
        await session.execute(update(OneTimeLink).values(expires_at=OneTimeLink.created_at))
    token = link.rsplit("/", 1)[1]
    response = await office.post(
        "/api/auth/invitations/accept",
        json={"token": token, "password": NEW_PASSWORD},
        headers={"x-csrftoken": await office.csrf()},
    )
    assert response.status_code == 409
    assert response.json()["rules"][0]["rule"] == "link_expired"
    assert "expired" in (await office.get(link.removeprefix("https://stepchange.example"))).text
    forged = await office.get("/account/invitation/not-a-real-token")
    assert forged.status_code == 404


async def test_a_password_reset_by_link_ends_old_sessions(
    mail_settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer
) -> None:
    await make_staff(db_config, "forgetful@example.org", "ethics")
    async with Client(app=create_app(mail_settings)) as browser, Client(app=create_app(mail_settings)) as old:
        await sign_in(old, "forgetful@example.org")
        headers = {"x-csrftoken": await browser.csrf()}
        unknown = await browser.post("/api/auth/password-reset", json={"email": "nobody@example.org"}, headers=headers)
        known = await browser.post("/api/auth/password-reset", json={"email": "Forgetful@example.org"}, headers=headers)
        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json(), "the answer never says whether the account exists"
        [link] = await deliver(db_config, mail_settings, smtp)
        assert smtp.messages[0]["To"] == "forgetful@example.org"
        done = await browser.post(
            "/api/auth/password-reset/complete",
            json={"token": link.rsplit("/", 1)[1], "password": NEW_PASSWORD},
            headers=headers,
        )
        assert done.status_code == 200
        assert (await old.get("/api/auth/me")).status_code == 401
        assert (await sign_in(browser, "forgetful@example.org", PASSWORD)).status_code == 401
        assert (await sign_in(browser, "forgetful@example.org", NEW_PASSWORD)).status_code == 200
