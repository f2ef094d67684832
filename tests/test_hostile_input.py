"""Input an attacker can send gets a 400 naming the limit or the parameter, never a 500."""

from __future__ import annotations

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.bodies import MAX_JSON_DEPTH, json_depth
from tests.conftest import Client, make_staff, sign_in


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{"}]}') == 3
    assert json_depth(b'"just a string with [ and {"') == 0
    assert json_depth(b"[" * 1000 + b"]" * 1000) == 1000


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/interest", "/api/me/sign-in"])
async def test_deeply_nested_json_is_refused_by_name(client: Client, path: str) -> None:
    body = "[" * 1000 + "]" * 1000
    headers = {"content-type": "application/json", "x-csrftoken": await client.csrf()}
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert f"more than {MAX_JSON_DEPTH} levels" in response.text


async def test_json_nested_a_little_still_reaches_the_rules(client: Client) -> None:
    response = await client.post(
        "/api/auth/login",
        json={"email": "nobody@example.org", "password": "x" * 12},
        headers={"x-csrftoken": await client.csrf()},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/volunteers", "/api/organisations", "/api/calls", "/api/users"])
async def test_huge_offsets_are_refused_by_name(client: Client, db_config: SQLAlchemyAsyncConfig, path: str) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    await sign_in(client, "office@example.org")
    response = await client.get(path, params={"offset": "9223372036854775808"})
    assert response.status_code == 400, response.text
    assert "offset" in response.text


def test_a_date_typed_far_too_large_is_named_not_a_server_error() -> None:
    from stepchange.core.errors import InvalidInput
    from stepchange.core.forms import form_date

    with pytest.raises(InvalidInput) as refused:
        form_date({"due-day": "1", "due-month": "1", "due-year": "9" * 30}, "due", "The due date")
    assert refused.value.errors[0].field == "due"
