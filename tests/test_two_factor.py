"""Two-factor sign-in for staff through HTTP: enrolment, codes, replay, drift, recovery codes, the throttle,
half-signed-in sessions, resets, and the pages. Codes are made here from the secret, as a phone would."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner
from httpx import Response
from litestar.cli._utils import LitestarEnv
from sqlalchemy import select, text

from stepchange.app import create_app
from stepchange.commands import users_group
from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.sessions import SESSION_COOKIE
from stepchange.core.settings import Settings, SettingsError
from tests.conftest import PASSWORD, Client, make_staff, sign_in

OFFICE = "office@example.org"
CHAIR = "chair@example.org"


@pytest.fixture
def required(settings: Settings) -> Settings:
    return replace(settings, mfa="required")


@pytest.fixture
async def browser(required: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    """A browser on an app that requires a second factor; a coordinator and a co-chair exist."""
    await make_staff(db_config, OFFICE, "coordinator", name="Olive Office")
    await make_staff(db_config, CHAIR, "co_chair", workstream="T", name="Chris Chair")
    async with Client(app=create_app(required)) as client:
        yield client


async def post(client: Client, path: str, body: dict[str, str] | None = None) -> Response:
    return await client.post(path, json=body or {}, headers={"x-csrftoken": await client.csrf()})


async def password_step(client: Client, email: str = CHAIR) -> str:
    response = await post(client, "/api/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["stage"])


async def enrol(client: Client, email: str = CHAIR) -> tuple[str, list[str]]:
    """Password, set up, confirm: returns the secret and the recovery codes."""
    assert await password_step(client, email) == "mfa_setup"
    setup = await post(client, "/api/auth/mfa/setup")
    secret = setup.json()["secret"]
    confirmed = await post(client, "/api/auth/mfa/setup/confirm", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def code_at(secret: str, steps_from_now: int) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now()) + steps_from_now)


async def sign_out(client: Client) -> None:
    await post(client, "/api/auth/logout")


async def actions(config: SQLAlchemyAsyncConfig, prefix: str) -> list[AuditEntry]:
    async with session_scope(config) as session:
        query = select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.created_at)
        return list((await session.scalars(query)).all())


async def test_enrolment_then_sign_in_with_a_code(browser: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    browser.cookies.set(SESSION_COOKIE, "p" * 64, domain="testserver.local")
    assert await password_step(browser) == "mfa_setup"
    half = browser.cookies.get(SESSION_COOKIE)
    assert half and half != "p" * 64, "a new session id at the password step"
    for path in ("/api/auth/me", "/api/workstreams/T/meetings", "/account", "/api/users"):
        assert (await browser.get(path)).status_code == 401, f"half-signed-in: {path} is refused"
    assert (await post(browser, "/api/auth/mfa", {"code": "123456"})).status_code == 401, "no code owed yet"

    setup = (await post(browser, "/api/auth/mfa/setup")).json()
    assert setup["uri"].startswith("otpauth://totp/Step-Change:chair%40example.org?secret=")
    again = (await post(browser, "/api/auth/mfa/setup")).json()
    assert again["secret"] == setup["secret"], "the same secret until it is confirmed"
    wrong = await post(browser, "/api/auth/mfa/setup/confirm", {"code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "code"
    done = await post(browser, "/api/auth/mfa/setup/confirm", {"code": pyotp.TOTP(setup["secret"]).now()})
    body = done.json()
    assert (body["stage"], body["email"], body["mfa_enrolled"]) == ("signed_in", CHAIR, True)
    assert len(set(body["recovery_codes"])) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in body["recovery_codes"])
    full = browser.cookies.get(SESSION_COOKIE)
    assert full and full != half, "a new session id again when the sign-in completes"
    assert (await browser.get("/api/auth/me")).status_code == 200

    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    assert (await browser.get("/api/auth/me")).status_code == 401
    refused_setup = await post(browser, "/api/auth/mfa/setup")
    assert refused_setup.status_code == 401, "an enrolled account cannot be set up again half-signed-in"
    signed = await post(browser, "/api/auth/mfa", {"code": code_at(setup["secret"], 1)})
    assert signed.status_code == 200 and signed.json()["stage"] == "signed_in"
    assert (await browser.get("/api/auth/me")).status_code == 200
    logins = [(e.action, e.summary) for e in await actions(db_config, "auth.login")]
    assert logins == [("auth.login", "after setting up an authenticator app"), ("auth.login", "with authenticator app")]


async def test_a_code_works_once_and_within_one_step_of_drift(browser: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    secret, _ = await enrol(browser)
    await sign_out(browser)
    used = code_at(secret, 1)
    assert await password_step(browser) == "mfa"
    assert (await post(browser, "/api/auth/mfa", {"code": used})).status_code == 200
    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    replay = await post(browser, "/api/auth/mfa", {"code": used})
    assert replay.status_code == 401, "the same code is refused a second time"
    assert "used already" in replay.json()["detail"]
    earlier = await post(browser, "/api/auth/mfa", {"code": code_at(secret, 0)})
    assert earlier.status_code == 401, "nor a code for a step before the one used"

    later = clock.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr("stepchange.core.clock.now", lambda: later)
    too_old = pyotp.TOTP(secret).at(later - dt.timedelta(seconds=60))
    assert (await post(browser, "/api/auth/mfa", {"code": too_old})).status_code == 401, "two steps off"
    drifted = pyotp.TOTP(secret).at(later - dt.timedelta(seconds=30))
    assert (await post(browser, "/api/auth/mfa", {"code": drifted})).status_code == 200, "one step off"


async def test_a_recovery_code_works_once(browser: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    _, codes = await enrol(browser)
    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    typed = codes[3].upper().replace("-", " ")  # as read off paper: case and spacing do not matter
    assert (await post(browser, "/api/auth/mfa", {"code": typed})).status_code == 200
    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    assert (await post(browser, "/api/auth/mfa", {"code": codes[3]})).status_code == 401
    assert (await post(browser, "/api/auth/mfa", {"code": codes[4]})).status_code == 200
    async with session_scope(db_config) as session:
        stored = (await session.execute(text("SELECT code_hash FROM staff_recovery_code"))).scalars().all()
        secret = await session.scalar(text("SELECT totp_secret FROM staff_user WHERE email = :e"), {"e": CHAIR})
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored), "stored only as hashes"
    assert secret and not re.fullmatch(r"[A-Z2-7]{32}", secret), "the secret is encrypted at rest"


async def test_wrong_codes_count_with_wrong_passwords(browser: Client) -> None:
    secret, _ = await enrol(browser)
    await sign_out(browser)
    assert await password_step(browser) == "mfa"  # the first attempt of five for this account
    statuses = [(await post(browser, "/api/auth/mfa", {"code": "000000"})).status_code for _ in range(4)]
    assert statuses == [401] * 4
    blocked = await post(browser, "/api/auth/mfa", {"code": code_at(secret, 1)})
    assert blocked.status_code == 429, "the right code waits too, once the account has had five tries"
    assert int(blocked.headers["retry-after"]) > 0
    assert (await browser.get("/api/auth/me")).status_code == 401


async def test_a_coordinator_resets_someone_elses_second_factor(
    browser: Client, required: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    await enrol(browser)
    chair_id = (await browser.get("/api/auth/me")).json()["id"]
    async with Client(app=create_app(required)) as office:
        assert (await sign_in(office, OFFICE)).json()["stage"] == "signed_in"
        me = (await office.get("/api/auth/me")).json()
        own = await post(office, f"/api/users/{me['id']}/mfa/reset")
        assert own.status_code == 409 and own.json()["rules"][0]["rule"] == "own_second_factor"
        reset = await post(office, f"/api/users/{chair_id}/mfa/reset")
        assert reset.status_code == 200 and reset.json()["mfa_enrolled"] is False
    assert (await browser.get("/api/auth/me")).status_code == 401, "their sessions ended"
    assert await password_step(browser) == "mfa_setup", "they set up an app again"
    [entry] = await actions(db_config, "staff.mfa_reset")
    assert (entry.actor_label, entry.summary) == (
        "Olive Office (coordinator)",
        "Reset Chris Chair's two-factor sign-in",
    )


async def test_replacing_your_own_app_needs_a_recovery_code(browser: Client) -> None:
    secret, codes = await enrol(browser)
    me = (await browser.get("/api/auth/me")).json()
    refused = await post(browser, "/api/auth/mfa/replace", {"code": code_at(secret, 1)})
    assert refused.status_code == 400, "a code from the app (perhaps on a stolen phone) is not enough"
    assert (await post(browser, f"/api/users/{me['id']}/mfa/reset")).status_code == 403
    replaced = await post(browser, "/api/auth/mfa/replace", {"code": codes[0]})
    new_secret = replaced.json()["secret"]
    assert replaced.status_code == 200 and new_secret != secret
    confirmed = await post(browser, "/api/auth/mfa/setup/confirm", {"code": pyotp.TOTP(new_secret).now()})
    assert confirmed.status_code == 200 and codes[1] not in confirmed.json()["recovery_codes"]
    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    assert (await post(browser, "/api/auth/mfa", {"code": codes[1]})).status_code == 401, "old codes are gone"


async def test_optional_means_enrol_from_the_account_and_then_always_a_code(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await make_staff(db_config, OFFICE, "coordinator")
    assert (await password_step(client, OFFICE)) == "signed_in"
    secret = (await post(client, "/api/auth/mfa/setup")).json()["secret"]
    before = client.cookies.get(SESSION_COOKIE)
    confirmed = await post(client, "/api/auth/mfa/setup/confirm", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200 and client.cookies.get(SESSION_COOKIE) != before
    enrolled_again = await post(client, "/api/auth/mfa/setup")
    assert enrolled_again.status_code == 409 and enrolled_again.json()["rules"][0]["rule"] == "mfa_enrolled"
    await sign_out(client)
    assert (await password_step(client, OFFICE)) == "mfa", "an enrolled account always needs its code"


async def test_sessions_begun_with_a_password_alone_end_when_a_code_becomes_required(
    settings: Settings, required: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    await make_staff(db_config, OFFICE, "coordinator")
    async with Client(app=create_app(settings)) as before:
        assert (await password_step(before, OFFICE)) == "signed_in"
        cookie = before.cookies.get(SESSION_COOKIE)
    async with Client(app=create_app(required)) as after:
        after.cookies.set(SESSION_COOKIE, cookie or "", domain="testserver.local")
        assert (await after.get("/api/auth/me")).status_code == 401


async def test_a_half_finished_sign_in_lapses(browser: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    await enrol(browser)
    await sign_out(browser)
    assert await password_step(browser) == "mfa"
    later = time.time() + 11 * 60
    monkeypatch.setattr("stepchange.core.sessions.time.time", lambda: later)
    assert (await post(browser, "/api/auth/mfa", {"code": "123456"})).status_code == 401


def test_users_created_on_the_command_line_enrol_at_first_sign_in(required: Settings) -> None:
    app = create_app(required)
    env = LitestarEnv(app_path="stepchange.app:create_app", app=app, cwd=Path.cwd())
    args = ["create", "--email", "new@example.org", "--name", "Nina New", "--role", "board"]
    result = CliRunner().invoke(users_group, args, obj=env, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output

    async def first_sign_in() -> str:
        async with Client(app=create_app(required)) as client:
            return await password_step(client, "new@example.org")

    assert asyncio.run(first_sign_in()) == "mfa_setup"


def test_the_setting_defaults_to_required_in_production_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(env="production").mfa_required and not Settings().mfa_required
    assert not Settings(env="production", mfa="optional").mfa_required
    assert Settings(mfa="required").mfa_required
    monkeypatch.setenv("STEPCHANGE_MFA", "sometimes")
    with pytest.raises(SettingsError, match="STEPCHANGE_MFA must be 'required' or 'optional'"):
        Settings.from_env()
