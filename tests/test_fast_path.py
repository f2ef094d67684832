"""The anonymous fast path (core/fast_path.py): public GETs answered from kept bytes, outside the middleware.

Each test counts the requests that reached the full stack, so it knows which way a response came; what
the fast path sends must be exactly what the full stack sends for the same request.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from litestar import Litestar
from litestar.types import Receive, Scope, Send

from stepchange.app import FAST_PATH
from stepchange.core.fast_path import AnonymousFastPath
from tests.conftest import Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]
PATHS = [
    "/health",
    "/api/projects",
    "/api/projects?limit=5&offset=2&workstream=cp",
    "/api/projects?status=provisional&workstream=",
    "/projects",
    "/projects?workstream=T&status=provisional",
]


class FullStack:
    """Counts the requests the fast path passed on; ``closed`` makes it pass on every request."""

    def __init__(self, app: Litestar) -> None:
        self.door: AnonymousFastPath = app.state[FAST_PATH]
        self.inner, self.doors = self.door.app, self.door.doors
        self.calls = 0
        self.door.app = self._count

    async def _count(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.inner(scope, receive, send)

    def closed(self, closed: bool) -> None:
        self.door.doors = {} if closed else self.doors


def normalised(response: Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers in order and body, with this request's own nonce and new CSRF token blanked out."""
    nonce = re.search(rb"'nonce-([^']+)'", response.headers.get("content-security-policy", "").encode())
    body = response.content.replace(nonce.group(1), b"NONCE") if nonce else response.content
    headers = []
    for name, value in response.headers.raw:
        if nonce:
            value = value.replace(nonce.group(1), b"NONCE")
        headers.append((name.lower(), re.sub(rb"^csrftoken=[^;]+", b"csrftoken=TOKEN", value)))
    return response.status_code, headers, body


async def both_ways(client: Client, full: FullStack, method: str, path: str, cookie: bool) -> list[object]:
    """The response to ``path`` through the fast path, then through the full stack (kept bytes for both)."""
    answers = []
    for closed in (False, True):
        if not cookie:
            client.cookies.clear()
        full.closed(closed)
        before = full.calls
        answer = await client.request(method, path)
        assert full.calls == before + closed, f"{path} went the wrong way (fast path {'closed' if closed else 'open'})"
        answers.append(normalised(answer))
    full.closed(False)
    return answers


@pytest.mark.parametrize("cookie", [False, True], ids=["first visit", "with its csrftoken cookie"])
async def test_the_fast_path_answers_exactly_as_the_full_stack_does(
    app: Litestar, client: Client, cookie: bool
) -> None:
    full = FullStack(app)
    for path in PATHS:
        assert (await client.get(path)).status_code == 200  # rendered and kept by the full stack
        for method in ("GET", "HEAD"):
            fast, slow = await both_ways(client, full, method, path, cookie)
            assert fast == slow, path
            status, headers, body = fast  # type: ignore[misc]
            names = [name for name, _ in headers]
            assert status == 200
            assert {b"content-security-policy", b"x-frame-options", b"content-type"} <= set(names)
            assert (b"set-cookie" in names) is not cookie  # a visitor without the cookie is given one
            assert bool(body) is (method == "GET")


async def test_a_kept_page_still_gets_a_fresh_nonce_on_the_fast_path(app: Litestar, client: Client) -> None:
    full = FullStack(app)
    await client.get("/projects")
    served = [await client.get("/projects") for _ in range(2)]
    assert full.calls == 1
    nonces = [re.findall(r"'nonce-([^']+)'", page.headers["content-security-policy"]) for page in served]
    assert nonces[0] != nonces[1]
    for page, (nonce,) in zip(served, nonces, strict=True):
        assert f'nonce="{nonce}"' in page.text and "placeholder" not in page.text


async def test_a_signed_in_person_never_gets_the_visitors_page_nor_the_reverse(
    app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    full = FullStack(app)
    for _ in range(2):
        visitor = await client.get("/projects")
    assert full.calls == 1 and 'href="/login"' in visitor.text
    await make_staff(db_config, "office@example.org", "coordinator")
    assert (await sign_in(client, "office@example.org")).status_code == 200
    token, before = await client.csrf(), full.calls
    staff = [await client.get(path) for path in ("/projects", "/projects", "/api/projects")]
    assert full.calls == before + 3  # a session cookie always goes the full way
    assert 'href="/calls"' in staff[1].text and 'href="/login"' not in staff[1].text
    signed_out = await client.post("/api/auth/logout", headers={"x-csrftoken": token})
    assert signed_out.status_code in (200, 204)
    client.cookies.delete("stepchange_session")
    again = await client.get("/projects")
    assert 'href="/calls"' not in again.text and 'href="/login"' in again.text


async def test_a_change_through_another_worker_is_never_answered_from_old_bytes(
    app: Litestar, client: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    full = FullStack(app)
    for _ in range(2):
        old = await client.get("/api/projects?limit=500")
        page = await client.get("/projects")
    assert full.calls == 2
    await make_staff(db_config, "office@example.org", "coordinator")
    writer = await browsers()  # another worker
    assert (await sign_in(writer, "office@example.org")).status_code == 200
    amended = await writer.patch(
        "/api/projects/T3",
        json={"version": 1, "title": "Guard force training, amended"},
        headers={"x-csrftoken": await writer.csrf()},
    )
    assert amended.status_code == 200, amended.text

    for expected_calls in (3, 3):  # the first request renders afresh; the next is served from the new bytes
        new = await client.get("/api/projects?limit=500")
        assert full.calls == expected_calls
        assert {p["code"]: p["title"] for p in new.json()["items"]}["T3"] == "Guard force training, amended"
    assert new.content != old.content
    for expected_calls in (4, 4):
        page = await client.get("/projects")
        assert full.calls == expected_calls
        assert "Guard force training, amended" in page.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/projects?limit=0", 400),
        ("/api/projects?limit=1&limit=2", 200),
        ("/api/projects?limit=05", 400),  # msgspec refuses a leading zero: a hit for limit=5 must not answer it
        ("/api/projects?status=nonsense", 400),
        ("/api/projects?workstream=ZZ", 400),
        ("/api/projects?unknown=1", 200),
        ("/projects?status=nonsense", 400),
        ("/health?probe=1", 200),
    ],
)
async def test_what_the_fast_path_is_unsure_of_goes_the_full_way(
    app: Litestar, client: Client, path: str, status: int
) -> None:
    full = FullStack(app)
    await client.get(path.split("?")[0])
    await client.get("/api/projects?limit=1")  # a page a malformed query could be mistaken for
    before = full.calls
    for _ in range(2):
        assert (await client.get(path)).status_code == status
    assert full.calls == before + 2


async def test_a_cleared_session_cookie_is_cleared_again_by_the_full_stack(app: Litestar, client: Client) -> None:
    full = FullStack(app)
    await client.get("/api/projects")
    client.cookies.set("stepchange_session", "null")
    before = full.calls
    response = await client.get("/api/projects")
    assert full.calls == before + 1 and response.status_code == 200


async def test_a_door_that_fails_leaves_the_answer_to_the_full_stack(app: Litestar, client: Client) -> None:
    full = FullStack(app)

    async def failing(_query: object, _nonce: str) -> None:
        raise ConnectionError("the database is away")

    full.door.doors = {**full.doors, "/health": failing}
    response = await client.get("/health")
    assert full.calls == 1
    assert response.status_code == 200 and response.json() == {"status": "ok"}
