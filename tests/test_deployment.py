"""What an operator sets decides what the service exposes: API docs, trusted proxies."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from stepchange.app import create_app
from stepchange.core.settings import Settings
from tests.conftest import Client
from tests.server import running


def production(settings: Settings, **changes: object) -> Settings:
    return replace(settings, env="production", secret_key="s" * 40, encryption_key="e" * 40, **changes)


async def test_api_docs_are_off_in_production_unless_asked_for(settings: Settings) -> None:
    async with Client(app=create_app(production(settings)), base_url="https://testserver.local") as browser:
        assert (await browser.get("/schema/openapi.json")).status_code == 404
    async with Client(app=create_app(production(settings, api_docs=True)), base_url="https://testserver.local") as b:
        assert (await b.get("/schema/openapi.json")).status_code == 200
    async with Client(app=create_app(settings)) as developer:
        assert (await developer.get("/schema/openapi.json")).status_code == 200


@pytest.mark.slow
async def test_forwarded_addresses_count_only_from_trusted_proxies(settings: Settings, tmp_path: Path) -> None:
    """Behind no proxy (the default), a fresh X-Forwarded-For on every request does not escape the
    per-address limit; naming the proxy makes its forwarded addresses count."""
    env = {
        "STEPCHANGE_DATABASE_URL": settings.database_url,
        "STEPCHANGE_RATE_LIMIT_PER_MINUTE": "3",
        "STEPCHANGE_MAIL_SENDER": "0",
        "STEPCHANGE_OUTBOX_DIR": str(settings.outbox_dir),
    }

    async def statuses(server_url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
            await client.get("/health")
            client.headers["x-csrftoken"] = client.cookies["csrftoken"]
            found = []
            for i in range(6):
                response = await client.post(
                    "/api/me/sign-in",
                    json={"email": f"person{i}@example.org"},
                    headers={"x-forwarded-for": f"203.0.113.{i + 1}"},
                )
                found.append(response.status_code)
            return found

    with running(env, log=tmp_path / "untrusted.log", via_cli=True) as server:
        untrusted = await statuses(server.url)
    assert untrusted[:3] == [202, 202, 202] and 429 in untrusted[3:], untrusted
    trusted_env = {**env, "STEPCHANGE_TRUSTED_PROXIES": "127.0.0.1"}
    with running(trusted_env, log=tmp_path / "trusted.log", via_cli=True) as server:
        assert await statuses(server.url) == [202] * 6


def test_templates_are_checked_for_changes_on_every_render_in_development_only(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jinja's auto-reload stats a template's file on every render: the submission path's e-mail pays it."""
    from stepchange.core import mail_templates

    assert create_app(production(settings)).template_engine.engine.auto_reload is False  # type: ignore[union-attr]
    assert create_app(settings).template_engine.engine.auto_reload is True  # type: ignore[union-attr]
    for environment, reloads in (("production", False), ("development", True)):
        monkeypatch.setattr(mail_templates, "get_settings", lambda e=environment: replace(settings, env=e))
        mail_templates._environment.cache_clear()
        assert mail_templates._environment().auto_reload is reloads
    mail_templates._environment.cache_clear()
