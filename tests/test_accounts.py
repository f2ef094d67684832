"""Staff accounts through HTTP: sign-in, sessions, CSRF, guards, audit, leavers and role changes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from redis.asyncio import Redis
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.sessions import SESSION_COOKIE
from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]


async def audit_actions(config: SQLAlchemyAsyncConfig) -> list[AuditEntry]:
    async with session_scope(config) as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at))).all())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The password step on its own (two-factor sign-in is tested in test_two_factor.py), whatever
    STEPCHANGE_TEST_MFA says."""
    return replace(settings, mfa="optional")


@pytest.fixture
async def coordinator(db_config: SQLAlchemyAsyncConfig) -> str:
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    return "office@example.org"


async def test_sign_in_and_out(client: Client, coordinator: str) -> None:
    response = await sign_in(client, coordinator)
    assert response.status_code == 200
    assert response.json()["email"] == coordinator
    assert response.json()["role"] == "coordinator"
    assert client.cookies.get(SESSION_COOKIE)
    me = await client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["name"] == "Olive Office"

    out = await client.post("/api/auth/logout", headers={"x-csrftoken": await client.csrf()})
    assert out.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_wrong_password_and_unknown_account_answer_alike(client: Client, coordinator: str) -> None:
    wrong = await sign_in(client, coordinator, "not the password at all")
    unknown = await sign_in(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Wrong email address or password"
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_email_matches_in_any_letter_case(client: Client, coordinator: str) -> None:
    assert (await sign_in(client, "OFFICE@Example.ORG")).status_code == 200


async def test_a_planted_session_id_is_not_kept_through_sign_in(
    client: Client, browsers: Browsers, coordinator: str
) -> None:
    planted = "a" * 64
    client.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    assert (await sign_in(client, coordinator)).status_code == 200
    issued = client.cookies.get(SESSION_COOKIE)
    assert issued and issued != planted
    attacker = await browsers()
    attacker.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    assert (await attacker.get("/api/auth/me")).status_code == 401


async def test_every_sign_in_gets_a_new_session_id(client: Client, browsers: Browsers, coordinator: str) -> None:
    await sign_in(client, coordinator)
    first = client.cookies.get(SESSION_COOKIE)
    await sign_in(client, coordinator)
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second
    old = await browsers()
    old.cookies.set(SESSION_COOKIE, first, domain="testserver.local")
    assert (await old.get("/api/auth/me")).status_code == 401, "the old session was deleted at the new sign-in"


async def test_sign_out_ends_the_session_on_the_server(client: Client, browsers: Browsers, coordinator: str) -> None:
    await sign_in(client, coordinator)
    stolen = client.cookies.get(SESSION_COOKIE)
    await client.post("/api/auth/logout", headers={"x-csrftoken": await client.csrf()})
    replay = await browsers()
    replay.cookies.set(SESSION_COOKIE, stolen or "", domain="testserver.local")
    assert (await replay.get("/api/auth/me")).status_code == 401


async def test_visitors_get_no_session(client: Client) -> None:
    await client.get("/")
    await client.get("/api/projects")
    assert client.cookies.get(SESSION_COOKIE) is None


async def test_unsafe_requests_without_the_csrf_token_are_refused(client: Client, coordinator: str) -> None:
    await client.csrf()
    refused = await client.post("/api/auth/login", json={"email": coordinator, "password": PASSWORD})
    assert refused.status_code == 403
    assert (await client.get("/api/auth/me")).status_code == 401
    form = await client.post("/login", data={"email": coordinator, "password": PASSWORD})
    assert form.status_code == 403
    ok = await client.post(
        "/login",
        data={"email": coordinator, "password": PASSWORD, "_csrf_token": await client.csrf()},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/home"


@pytest.mark.parametrize(
    ("role", "workstream", "expected"),
    [("coordinator", None, 200), ("co_chair", "CP", 403), ("ethics", None, 403), ("board", None, 403)],
)
async def test_only_coordinators_manage_staff_and_read_the_audit(
    client: Client, db_config: SQLAlchemyAsyncConfig, role: str, workstream: str | None, expected: int
) -> None:
    await make_staff(db_config, f"{role}@example.org", role, workstream=workstream)
    for path in ("/api/users", "/api/audit"):
        assert (await client.get(path)).status_code == 401, "nobody signed in"
    await sign_in(client, f"{role}@example.org")
    for path in ("/api/users", "/api/audit"):
        response = await client.get(path)
        assert response.status_code == expected, path
        if expected == 403:
            assert response.json()["title"] == "Not allowed"


async def test_sign_ins_and_failures_are_audited_without_the_password(
    client: Client, db_config: SQLAlchemyAsyncConfig, coordinator: str
) -> None:
    await sign_in(client, coordinator, "a wrong password here")
    await sign_in(client, "stranger@example.org", "a wrong password here")
    await sign_in(client, coordinator)
    entries = [e for e in await audit_actions(db_config) if e.action.startswith("auth.")]
    assert [(e.action, e.summary) for e in entries] == [
        ("auth.login_failed", "wrong password"),
        ("auth.login_failed", "unknown account"),
        ("auth.login", ""),
    ]
    assert entries[0].subject_id is not None and entries[1].subject_id is None
    assert entries[2].actor_label == "Olive Office (coordinator)"
    for entry in entries:
        assert "a wrong password" not in str(entry.changes)
        assert "stranger@example.org" not in str(entry.changes)


async def test_repeated_failures_are_throttled_per_account(client: Client, coordinator: str) -> None:
    for _ in range(5):
        assert (await sign_in(client, coordinator, "wrong wrong wrong")).status_code == 401
    blocked = await sign_in(client, coordinator)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # the answer for an unknown account looks the same, so throttling reveals nothing either
    for _ in range(5):
        await sign_in(client, "ghost@example.org", "wrong wrong wrong")
    assert (await sign_in(client, "ghost@example.org", "wrong wrong wrong")).status_code == 429


async def test_deactivating_a_leaver_ends_their_sessions_at_once(
    client: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig, coordinator: str
) -> None:
    leaver = await make_staff(db_config, "leaver@example.org", "board")
    their_browser = await browsers()
    await sign_in(their_browser, "leaver@example.org")
    assert (await their_browser.get("/api/auth/me")).status_code == 200

    await sign_in(client, coordinator)
    response = await client.post(f"/api/users/{leaver.id}/deactivate", headers={"x-csrftoken": await client.csrf()})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (await their_browser.get("/api/auth/me")).status_code == 401
    assert (await sign_in(their_browser, "leaver@example.org")).status_code == 401
    changes = [e for e in await audit_actions(db_config) if e.action == "staff.deactivated"]
    assert changes[0].changes == {"is_active": {"before": True, "after": False}}


async def test_a_role_change_ends_the_old_sessions(
    client: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig, coordinator: str
) -> None:
    member = await make_staff(db_config, "chair@example.org", "co_chair", workstream="T")
    theirs = await browsers()
    await sign_in(theirs, "chair@example.org")
    await sign_in(client, coordinator)
    response = await client.patch(
        f"/api/users/{member.id}", json={"role": "board"}, headers={"x-csrftoken": await client.csrf()}
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["workstream"]) == ("board", None)
    assert (await theirs.get("/api/auth/me")).status_code == 401
    assert (await sign_in(theirs, "chair@example.org")).json()["role"] == "board"
    change = next(e for e in await audit_actions(db_config) if e.action == "staff.changed")
    assert change.changes == {
        "role": {"before": "co_chair", "after": "board"},
        "workstream": {"before": "T", "after": None},
    }


async def test_staff_changes_are_refused_naming_the_field_or_rule(
    client: Client, db_config: SQLAlchemyAsyncConfig, coordinator: str
) -> None:
    await sign_in(client, coordinator)
    headers = {"x-csrftoken": await client.csrf()}
    cases = [
        ({"email": "x@example.org", "name": "X", "role": "co_chair"}, 400, "workstream"),
        ({"email": "x@example.org", "name": "X", "role": "board", "workstream": "T"}, 400, "workstream"),
        ({"email": "x@example.org", "name": "X", "role": "co_chair", "workstream": "ZZ"}, 400, "workstream"),
        ({"email": "not-an-address", "name": "X", "role": "board"}, 400, "email"),
        ({"email": "x@example.org", "name": "X", "role": "king"}, 400, "role"),
        ({"email": "x@example.org", "name": "", "role": "board"}, 400, "name"),
        ({"email": "x@example.org", "name": "X\x00", "role": "board"}, 400, "name"),
    ]
    for body, status, field in cases:
        response = await client.post("/api/users", json=body, headers=headers)
        assert response.status_code == status, body
        assert field in response.text, body
    taken = await client.post(
        "/api/users", json={"email": coordinator.upper(), "name": "Dup", "role": "board"}, headers=headers
    )
    assert taken.status_code == 409
    assert taken.json()["rules"][0]["rule"] == "email_taken"


async def test_a_coordinator_cannot_lock_themselves_out(client: Client, coordinator: str) -> None:
    me = (await sign_in(client, coordinator)).json()
    headers = {"x-csrftoken": await client.csrf()}
    assert (await client.post(f"/api/users/{me['id']}/deactivate", headers=headers)).status_code == 409
    assert (await client.patch(f"/api/users/{me['id']}", json={"role": "board"}, headers=headers)).status_code == 409


async def test_idle_sessions_end(client: Client, coordinator: str, monkeypatch: pytest.MonkeyPatch) -> None:
    await sign_in(client, coordinator)
    assert (await client.get("/api/auth/me")).status_code == 200
    later = time.time() + 61 * 60
    monkeypatch.setattr("stepchange.core.sessions.time.time", lambda: later)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_a_short_idle_limit_is_honoured_within_seconds(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a one-minute idle limit, a session used every 20 seconds lives on; one left for 61 seconds ends."""
    await make_staff(db_config, "office@example.org", "coordinator")
    async with Client(app=create_app(replace(settings, session_idle_minutes=1))) as browser:
        await sign_in(browser, "office@example.org")
        start = time.time()
        for seconds in range(20, 200, 20):
            monkeypatch.setattr("stepchange.core.sessions.time.time", lambda s=seconds: start + s)
            assert (await browser.get("/api/auth/me")).status_code == 200, seconds
        monkeypatch.setattr("stepchange.core.sessions.time.time", lambda: start + 180 + 61)
        assert (await browser.get("/api/auth/me")).status_code == 401


async def test_sessions_end_after_the_absolute_limit_even_when_active(
    client: Client, coordinator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client, coordinator)
    start = time.time()
    for minutes in range(50, 12 * 60, 50):  # active every 50 minutes, never idle for an hour
        monkeypatch.setattr("stepchange.core.sessions.time.time", lambda m=minutes: start + m * 60)
        assert (await client.get("/api/auth/me")).status_code == 200, minutes
    monkeypatch.setattr("stepchange.core.sessions.time.time", lambda: start + 12 * 60 * 60 + 1)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_staff_pages_send_visitors_to_sign_in(client: Client) -> None:
    response = await client.get("/staff", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstaff"
    page = await client.get("/login?next=/staff")
    assert 'name="_csrf_token"' in page.text
    assert 'value="/staff"' in page.text


async def test_the_sign_in_page_shows_errors_and_never_redirects_off_site(client: Client, coordinator: str) -> None:
    token = await client.csrf()
    empty = await client.post("/login", data={"email": "", "password": "", "_csrf_token": token})
    assert empty.status_code == 400
    assert "There is a problem" in empty.text and 'href="#email"' in empty.text
    wrong = await client.post("/login", data={"email": coordinator, "password": "nope", "_csrf_token": token})
    assert wrong.status_code == 401
    assert "Wrong email address or password" in wrong.text
    ok = await client.post(
        "/login",
        data={"email": coordinator, "password": PASSWORD, "next": "//evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/home"
    account = await client.get("/account")
    assert "Olive Office" in account.text


async def test_coordinator_pages_render(client: Client, db_config: SQLAlchemyAsyncConfig, coordinator: str) -> None:
    other = await make_staff(db_config, "ethics@example.org", "ethics", name="Ethan Ethics")
    await sign_in(client, coordinator)
    staff = await client.get("/staff")
    assert staff.status_code == 200 and "Ethan Ethics" in staff.text
    member = await client.get(f"/staff/{other.id}")
    assert member.status_code == 200 and "ethics@example.org" in member.text
    audit = await client.get("/audit?action=auth.")
    assert audit.status_code == 200 and "auth.login" in audit.text
    bad = await client.get("/api/audit?since=yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "since"


async def test_sessions_live_in_redis_when_configured(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> None:
    """Several workers share sessions through Redis (the real server on 127.0.0.1:6379)."""
    await make_staff(db_config, "office@example.org", "coordinator")
    shared = replace(settings, redis_url="redis://127.0.0.1:6379/15")
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        await redis.flushdb()
        async with Client(app=create_app(shared)) as worker_one, Client(app=create_app(shared)) as worker_two:
            await sign_in(worker_one, "office@example.org")
            session_id = worker_one.cookies.get(SESSION_COOKIE)
            assert session_id
            assert [k async for k in redis.scan_iter("stepchange:sessions*")], "the session is stored in Redis"
            worker_two.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")
            assert (await worker_two.get("/api/auth/me")).status_code == 200, "another worker sees the session"
            await worker_one.post("/api/auth/logout", headers={"x-csrftoken": await worker_one.csrf()})
            assert (await worker_two.get("/api/auth/me")).status_code == 401
    finally:
        await redis.flushdb()
        await redis.aclose()
