"""Security properties that hold for every request: headers, cookie flags, sizes, production refusals."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.app import create_app
from stepchange.core.sessions import PRODUCTION_SESSION_COOKIE
from stepchange.core.settings import DEVELOPMENT_SECRET, Settings, SettingsError
from tests.conftest import Client, make_staff, sign_in


async def test_every_page_carries_the_security_headers(client: Client) -> None:
    for path in ("/", "/projects", "/api/projects", "/health", "/does-not-exist"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers, "HSTS only in production"


async def test_the_page_script_nonce_changes_every_request(client: Client) -> None:
    nonces = set()
    for _ in range(3):
        response = await client.get("/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
        assert nonce
        assert f'nonce="{nonce.group(1)}"' in response.text
        nonces.add(nonce.group(1))
    assert len(nonces) == 3


async def test_production_cookies_are_secure_and_hsts_is_sent(
    settings: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    production = replace(settings, env="production", secret_key="s" * 40, encryption_key="e" * 40)
    await make_staff(db_config, "office@example.org", "coordinator")
    async with Client(app=create_app(production), base_url="https://testserver.local") as browser:
        first = (await browser.get("/")).headers.get_list("set-cookie")
        response = await sign_in(browser, "office@example.org")
        assert response.status_code == 200
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith(PRODUCTION_SESSION_COOKIE))
        assert "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session
        assert "Path=/" in session and "Domain" not in session, "a __Host- cookie: this host, every path"
        assert "Max-Age" not in session and "expires" not in session.lower(), "ends when the browser closes"
        assert "strict-transport-security" in response.headers
        csrf = next(c for c in first if c.startswith("csrftoken"))
        assert "Secure" in csrf


async def test_errors_never_show_a_traceback(settings: Settings) -> None:
    production = replace(settings, env="production", secret_key="s" * 40, encryption_key="e" * 40)
    async with Client(app=create_app(production), raise_server_exceptions=False) as browser:
        response = await browser.get("/api/projects/T1/versions/notanumber")
        assert response.status_code in (400, 401, 404)
        assert "Traceback" not in response.text


async def test_oversized_bodies_are_refused_before_they_are_read(client: Client) -> None:
    response = await client.post(
        "/api/interest",
        content=b"x" * 2_000_000,
        headers={"x-csrftoken": await client.csrf(), "content-type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("secret", "key", "fails"),
    [
        (DEVELOPMENT_SECRET, "e" * 40, "SECRET_KEY"),
        ("s" * 40, "development-only-encryption-key", "ENCRYPTION_KEY"),
        ("short", "e" * 40, "SECRET_KEY"),
        ("s" * 40, "e" * 40, None),
    ],
)
def test_production_refuses_to_start_without_real_keys(secret: str, key: str, fails: str | None) -> None:
    settings = Settings(env="production", secret_key=secret, encryption_key=key)
    if fails is None:
        settings.check()
        return
    with pytest.raises(SettingsError, match=fails):
        settings.check()
