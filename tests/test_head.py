"""HEAD is answered wherever GET is (uptime monitors ask HEAD /): the same status and headers, no body."""

from __future__ import annotations

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.conftest import Client, make_staff, sign_in

VARYING = {"date", "set-cookie", "content-security-policy", "content-length"}
"""Per response: the date, the cookies, the CSP nonce, and so a page's length (its forms carry the token)."""


def get_paths(app: Litestar) -> list[str]:
    """Every GET route without a path parameter, pages and API alike."""
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods and "{" not in route.path
    )


async def compare(client: Client, path: str) -> None:
    get = await client.get(path)
    head = await client.head(path)
    assert head.status_code == get.status_code, path
    assert head.content == b"", path
    same = {k: v for k, v in head.headers.items() if k not in VARYING}
    assert same == {k: v for k, v in get.headers.items() if k not in VARYING}, path


async def test_head_slash_and_health_answer_200_as_monitors_expect(client: Client) -> None:
    for path in ["/", "/health"]:
        head = await client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert int(head.headers["content-length"]) == len((await client.get(path)).content), path


@pytest.mark.parametrize("who", [None, "coordinator"])
async def test_every_get_route_answers_head_alike(
    who: str | None, app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    if who is not None:
        await make_staff(db_config, "office@example.org", who)
        await sign_in(client, "office@example.org")
    paths = get_paths(app)
    assert "/" in paths and "/api/projects" in paths and len(paths) > 40
    for path in [*paths, "/api/projects/T1", "/projects/T1", "/static/stepchange.css", "/no-such-page"]:
        await compare(client, path)


async def test_head_where_there_is_no_get_is_still_405(client: Client) -> None:
    head = await client.head("/api/auth/login")
    assert head.status_code == 405
    assert "POST" in head.headers["allow"]
