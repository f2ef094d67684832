"""Confidential downloads are never kept by a browser or a proxy (issue 21): the register of interests, the
office's people export and a volunteer's own data all carry ``Cache-Control: no-store``."""

from __future__ import annotations

import json

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.authz import Role
from stepchange.core.exports import csv_response, excel_response, frame, json_download
from stepchange.core.settings import Settings
from tests.conftest import Client, make_staff, sign_in
from tests.journeys import PRIYA, Browsers, a_volunteer_who_did_everything
from tests.test_interest import open_a_call, submission


def test_every_download_the_exports_build_says_no_store() -> None:
    table = frame([{"name": "=cmd"}], ["name"])
    for response in (csv_response(table, "t"), excel_response(table, "t", "Sheet"), json_download({"a": 1}, "t")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")


@pytest.mark.parametrize(
    "path",
    ["/api/reports/register-of-interests.csv", "/api/reports/register-of-interests.xlsx", "/api/volunteers/export.csv"],
)
async def test_the_offices_confidential_downloads_say_no_store(
    client: Client, db_config: SQLAlchemyAsyncConfig, path: str
) -> None:
    await open_a_call(db_config)
    headers = {"x-csrftoken": await client.csrf()}
    assert (await client.post("/api/interest", json=submission(), headers=headers)).status_code == 201
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    await sign_in(client, "office@example.org")

    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/my/data",
        "/api/me/data",
    ],
)
async def test_my_own_data_says_no_store(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings, path: str
) -> None:
    priya, _ = await a_volunteer_who_did_everything(browsers, db_config, settings)

    response = await priya.get(path)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == 'attachment; filename="my-step-change-data.json"'
    assert json.loads(response.content)["person"]["email"] == PRIYA
