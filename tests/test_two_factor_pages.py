"""Two-factor sign-in through the pages (forms, redirects, no JavaScript): enrolment with the QR code and
the secret as text, the recovery codes shown once, the code page, a recovery code, replacing an app, and
a coordinator's reset."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pyotp
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response

from stepchange.app import create_app
from stepchange.core import clock
from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, Client, make_staff, sign_in

CHAIR = "chair@example.org"
HTML = {"accept": "text/html"}


@pytest.fixture
def required(settings: Settings) -> Settings:
    return replace(settings, mfa="required")


@pytest.fixture
async def browser(required: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await make_staff(db_config, CHAIR, "co_chair", workstream="T", name="Chris Chair")
    async with Client(app=create_app(required)) as client:
        yield client


async def submit(client: Client, path: str, **fields: str) -> Response:
    data = {**fields, "_csrf_token": await client.csrf()}
    return await client.post(path, data=data, headers=HTML, follow_redirects=False)


def secret_on(page: str) -> str:
    match = re.search(r'id="secret">([A-Z2-7 ]+)<', page)
    assert match, "the setup key is shown as text"
    return match.group(1).replace(" ", "")


async def enrol_by_pages(client: Client) -> tuple[str, list[str]]:
    login = await submit(client, "/login", email=CHAIR, password=PASSWORD, next="/workstreams/T")
    assert login.status_code == 303
    assert login.headers["location"] == "/account/two-factor/setup?next=%2Fworkstreams%2FT"
    setup = await client.get(login.headers["location"], headers=HTML)
    assert setup.status_code == 200 and "Set up an authenticator app" in setup.text
    assert 'src="data:image/svg+xml' in setup.text, "the QR code is made on the server, no script"
    assert "<script" not in setup.text.split("</header>", 1)[1].split("<footer", 1)[0]
    secret = secret_on(setup.text)
    empty = await submit(client, "/account/two-factor/setup", code="", next="/workstreams/T")
    assert empty.status_code == 400 and "Enter the code from your authenticator app" in empty.text
    assert secret_on(empty.text) == secret, "the same secret is shown again beside the error"
    wrong = await submit(client, "/account/two-factor/setup", code="000000", next="/workstreams/T")
    assert wrong.status_code == 400 and "That code is not right" in wrong.text and 'href="#code"' in wrong.text
    done = await submit(client, "/account/two-factor/setup", code=pyotp.TOTP(secret).now(), next="/workstreams/T")
    assert done.status_code == 200 and "Save your recovery codes" in done.text
    assert re.search(r'href="/workstreams/T"[^>]*>\s*I have saved these codes', done.text)
    codes = re.findall(r"<code>([a-z2-9-]{19})</code>", done.text)
    assert len(codes) == 10
    return secret, codes


async def test_setting_up_and_signing_in_with_a_code_by_the_pages(browser: Client) -> None:
    secret, _ = await enrol_by_pages(browser)
    account = await browser.get("/account", headers=HTML)
    assert "Authenticator app set up" in account.text
    await submit(browser, "/logout")

    login = await submit(browser, "/login", email=CHAIR, password=PASSWORD, next="/account")
    assert login.headers["location"] == "/login/code?next=%2Faccount"
    held = await browser.get("/account", headers=HTML, follow_redirects=False)
    assert held.status_code == 303 and held.headers["location"].startswith("/login"), "half-signed-in is not in"
    form = await browser.get("/login/code?next=/account", headers=HTML)
    assert "Enter the code from your authenticator app" in form.text
    assert 'autocomplete="one-time-code"' in form.text and 'href="/login/recovery?next=%2Faccount"' in form.text
    wrong = await submit(browser, "/login/code", code="000000", next="/account")
    assert wrong.status_code == 401 and "That code is not right" in wrong.text
    totp = pyotp.TOTP(secret)
    next_code = totp.generate_otp(totp.timecode(clock.now()) + 1)  # enrolment used this step's code
    right = await submit(browser, "/login/code", code=next_code, next="/account")
    assert (right.status_code, right.headers["location"]) == (303, "/account")
    assert (await browser.get("/account", headers=HTML)).status_code == 200


async def test_a_recovery_code_by_the_pages_then_replacing_the_app(browser: Client) -> None:
    _, codes = await enrol_by_pages(browser)
    await submit(browser, "/logout")
    await submit(browser, "/login", email=CHAIR, password=PASSWORD)
    page = await browser.get("/login/recovery?next=/account", headers=HTML)
    assert "Use a recovery code" in page.text
    used = await submit(browser, "/login/recovery", code=codes[0], next="/account")
    assert (used.status_code, used.headers["location"]) == (303, "/account/two-factor?done=recovery")
    status = await browser.get(used.headers["location"], headers=HTML)
    assert "You signed in with a recovery code. You have 9 left" in html.unescape(status.text)
    assert "9 of 10" in status.text

    wrong = await submit(browser, "/account/two-factor/replace", code=codes[0])
    assert wrong.status_code == 400 and "not right, or has been used already" in wrong.text
    replaced = await submit(browser, "/account/two-factor/replace", code=codes[1])
    assert (replaced.status_code, replaced.headers["location"]) == (303, "/account/two-factor/setup")
    setup = await browser.get("/account/two-factor/setup", headers=HTML)
    assert "Set up an authenticator app" in setup.text and secret_on(setup.text)


async def test_a_coordinator_resets_two_factor_sign_in_from_the_staff_page(
    browser: Client, required: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    await enrol_by_pages(browser)
    await make_staff(db_config, "office@example.org", "coordinator")
    async with Client(app=create_app(required)) as office:
        await sign_in(office, "office@example.org")
        chair = next(u for u in (await office.get("/api/users")).json()["items"] if u["email"] == CHAIR)
        member = await office.get(f"/staff/{chair['id']}", headers=HTML)
        assert "Reset two-factor sign-in" in member.text
        reset = await submit(office, f"/staff/{chair['id']}", action="reset_mfa")
        assert reset.headers["location"] == f"/staff/{chair['id']}?done=reset_mfa"
        after = await office.get(reset.headers["location"], headers=HTML)
        assert "Two-factor sign-in reset" in after.text and "Not set up" in after.text
    assert (await browser.get("/api/auth/me")).status_code == 401
