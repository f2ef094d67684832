"""The CSRF token is bound to the session (issue 21, item 10): one lifted from another session, or kept from
before a sign-in step, is refused; every sign-in step (password, code, sign-out) renews it; visitors without
a session keep the signed double-submit cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pyotp
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response

from stepchange.app import create_app
from stepchange.core.csrf import CSRF_COOKIE, CsrfTokens
from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, Client, make_staff, sign_in
from tests.test_interest import open_a_call, submission

OFFICE = "office@example.org"
ETHICS = "ethics@example.org"


async def with_token(browser: Client, path: str, token: str, body: object = None) -> Response:
    return await browser.post(path, json=body, headers={"x-csrftoken": token})


def refused(response: Response) -> bool:
    return response.status_code == 403 and "CSRF" in response.json()["detail"]


@pytest.fixture
async def staff(db_config: SQLAlchemyAsyncConfig) -> None:
    await make_staff(db_config, OFFICE, "coordinator")
    await make_staff(db_config, ETHICS, "ethics")


async def test_a_token_lifted_from_another_session_is_refused(
    staff: None, browsers: Callable[[], Awaitable[Client]]
) -> None:
    office, ethics = await browsers(), await browsers()
    assert (await sign_in(office, OFFICE)).status_code == 200
    assert (await sign_in(ethics, ETHICS)).status_code == 200
    theirs = await ethics.csrf()
    assert theirs != await office.csrf()

    lifted = await with_token(office, "/api/auth/logout", theirs)
    assert refused(lifted), lifted.text
    assert (await office.get("/api/auth/me")).status_code == 200, "still signed in: nothing was done"
    own = await with_token(office, "/api/auth/logout", await office.csrf())
    assert own.status_code in (200, 204)


async def test_the_token_a_sign_in_carried_stays_that_session_s_only(
    staff: None, client: Client, browsers: Callable[[], Awaitable[Client]]
) -> None:
    """A client that read the token once (Litestar's defaults allow it) goes on working in the session its
    sign-in made, and nowhere else; the session's own token is renewed and set in the answer."""
    before = await client.csrf()
    answer = await sign_in(client, OFFICE)
    assert answer.status_code == 200
    assert CSRF_COOKIE in answer.cookies, "the sign-in answer sets the session's own token"
    after = await client.csrf()
    assert after != before

    other = await browsers()
    assert (await sign_in(other, OFFICE)).status_code == 200
    assert refused(await with_token(other, "/api/auth/logout", before)), "not the token this session carried in"
    assert refused(await with_token(other, "/api/auth/logout", after)), "not this session's"

    assert (await with_token(client, "/api/auth/logout", before)).status_code in (200, 204)
    assert await client.csrf() == before, "signing out gives the browser back its own visitor's token"
    assert (await sign_in(client, OFFICE)).status_code == 200


async def test_each_step_of_a_two_factor_sign_in_renews_the_token(
    staff: None, settings: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with Client(app=create_app(replace(settings, mfa="required"))) as browser:
        first = await browser.csrf()
        step = await with_token(browser, "/api/auth/login", first, {"email": OFFICE, "password": PASSWORD})
        assert step.json()["stage"] == "mfa_setup"
        half = await browser.csrf()
        assert half != first
        secret = (await with_token(browser, "/api/auth/mfa/setup", half)).json()["secret"]
        confirm = {"code": pyotp.TOTP(secret).now()}
        done = await with_token(browser, "/api/auth/mfa/setup/confirm", half, confirm)
        assert done.json()["stage"] == "signed_in", done.text
        full = await browser.csrf()
        assert full not in (first, half)
        assert refused(await with_token(browser, "/api/auth/logout", first)), "only the token the last step carried"
        assert (await with_token(browser, "/api/auth/logout", half)).status_code in (200, 204), "carried in"


async def test_pages_carry_the_session_token_after_signing_in_by_form(staff: None, client: Client) -> None:
    before = await client.csrf()
    signed = await client.post(
        "/login", data={"email": OFFICE, "password": PASSWORD, "_csrf_token": before}, follow_redirects=False
    )
    assert signed.status_code == 303
    page = await client.get("/account")
    token = await client.csrf()
    assert f'name="_csrf_token" value="{token}"' in page.text
    assert f'value="{before}"' not in page.text
    forged = await client.post("/logout", data={"_csrf_token": "0" * 64})
    assert forged.status_code == 403
    out = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303


@pytest.fixture
async def visitors(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[tuple[Client, Client]]:
    await open_a_call(db_config)
    # One app each: every test client runs its app on its own event loop, and an engine belongs to one loop.
    apps = [create_app(replace(settings, rate_limit_per_minute=0)) for _ in range(2)]
    async with Client(app=apps[0]) as one, Client(app=apps[1]) as other:
        yield one, other


async def test_visitors_without_a_session_must_repeat_their_own_signed_cookie(
    visitors: tuple[Client, Client], settings: Settings
) -> None:
    one, other = visitors
    theirs = await other.csrf()
    assert refused(await with_token(one, "/api/interest", theirs, submission()))
    await one.csrf()
    assert refused(await with_token(one, "/api/interest", theirs, submission())), "not the cookie this browser holds"

    forged = "0" * 64 + "1" * 64
    one.cookies.clear()
    one.cookies.set(CSRF_COOKIE, forged)
    assert refused(await with_token(one, "/api/interest", forged, submission())), "not signed with the secret key"
    one.cookies.clear()
    one.cookies.set(CSRF_COOKIE, forged)
    await one.get("/health")
    fresh = one.cookies.get(CSRF_COOKIE, domain="testserver.local")
    assert fresh != forged and CsrfTokens(settings.secret_key.encode()).is_anonymous(fresh)
    assert (await with_token(one, "/api/interest", fresh, submission())).status_code == 201


async def test_an_anonymous_form_needs_its_token(visitors: tuple[Client, Client]) -> None:
    one, _ = visitors
    token = await one.csrf()
    assert (await one.post("/my", data={"email": "someone@example.org"})).status_code == 403
    asked = await one.post("/my", data={"email": "someone@example.org", "_csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 303


async def test_a_path_outside_sessions_leaves_a_signed_in_client_s_token_alone(staff: None, client: Client) -> None:
    """``/health``, ``/static`` and ``/schema`` never load the session; a signed-in API client reading them
    (a monitor, the API docs) keeps the token its next request must carry."""
    assert (await sign_in(client, OFFICE)).status_code == 200
    token = await client.csrf()
    for path in ("/health", "/static/favicon.svg"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "set-cookie" not in response.headers, path
    assert client.cookies.get(CSRF_COOKIE) == token
    signed_out = await with_token(client, "/api/auth/logout", token)
    assert signed_out.status_code in (200, 204), signed_out.text
