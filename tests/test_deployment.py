"""What an operator sets decides what the service exposes: API docs, trusted proxies."""

from __future__ import annotations

from dataclasses import replace

from stepchange.app import create_app
from stepchange.core.settings import Settings
from tests.conftest import Client


def production(settings: Settings, **changes: object) -> Settings:
    return replace(settings, env="production", secret_key="s" * 40, encryption_key="e" * 40, **changes)


async def test_api_docs_are_off_in_production_unless_asked_for(settings: Settings) -> None:
    async with Client(app=create_app(production(settings)), base_url="https://testserver.local") as browser:
        assert (await browser.get("/schema/openapi.json")).status_code == 404
    async with Client(app=create_app(production(settings, api_docs=True)), base_url="https://testserver.local") as b:
        assert (await b.get("/schema/openapi.json")).status_code == 200
    async with Client(app=create_app(settings)) as developer:
        assert (await developer.get("/schema/openapi.json")).status_code == 200
