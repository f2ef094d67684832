"""Timing an ASGI app as a client on the wire would: from the request to the last byte of the response.

The test client waits for the whole ASGI call, background tasks included, so it cannot tell what a
client sees. :class:`Wire` calls the app itself, notes the moment the response's last body message is
sent, and then lets the call finish (background work included) before the next request, so one
sample's background work never slows the next sample down. :class:`Trace` lists the SQL a request
runs before its answer is complete.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar
from litestar.types import Message
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Answer:
    """What the client received, and how long it waited for it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


@dataclass
class Wire:
    """A client calling the ASGI app directly, in the test's own event loop, with its own cookies."""

    app: Litestar
    cookies: dict[str, str] = field(default_factory=dict)
    answering: bool = False
    """True from the request until the response's last byte (background work comes after)."""

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
    ) -> Answer:
        sent: dict[str, Any] = {"body": b""}
        delivered = asyncio.Event()
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if pending:
                return pending.pop()  # type: ignore[return-value]
            await delivered.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["headers"] = [(k.decode().lower(), v.decode()) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    sent["at"] = time.perf_counter()
                    self.answering = False
                    delivered.set()

        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers = [("host", "testserver"), *(headers or ()), *([("cookie", cookie)] if cookie else [])]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "extensions": {},
        }
        self.answering, started = True, time.perf_counter()
        await self.app(scope, receive, send)  # type: ignore[arg-type]
        answer = Answer(sent["status"], sent["headers"], sent["body"], sent["at"] - started)
        self._keep_cookies(answer)
        return answer

    def _keep_cookies(self, answer: Answer) -> None:
        for name, value in answer.headers:
            if name == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value

    async def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            await self.request("GET", "/health")
        return self.cookies["csrftoken"]

    async def post_json(self, path: str, data: Any) -> Answer:
        headers = [("content-type", "application/json"), ("x-csrftoken", await self.csrf())]
        return await self.request("POST", path, json.dumps(data).encode(), headers)

    async def post_form(self, path: str, data: dict[str, Any]) -> Answer:
        fields = {**data, "_csrf_token": await self.csrf()}
        headers = [("content-type", "application/x-www-form-urlencoded")]
        return await self.request("POST", path, urlencode(fields, doseq=True).encode(), headers)


@dataclass
class Timings:
    """Response times of two kinds of request, sampled in turn."""

    known: list[float]
    unknown: list[float]

    @property
    def medians(self) -> tuple[float, float]:
        return statistics.median(self.known), statistics.median(self.unknown)

    def indistinguishable(self, *, floor: float = 0.0005, share: float = 0.25) -> bool:
        """The medians differ by no more than ``floor`` seconds or ``share`` of the smaller, whichever is larger.

        Over the network the issue measured 10-14 ms against 3-4 ms; in-process, without sockets and
        uvicorn, the same requests take about a quarter of that (about 3.4 against 1.4 ms), so the 2 ms
        suggested for a real server becomes 0.5 ms here.
        """
        known, unknown = self.medians
        return abs(known - unknown) <= max(floor, share * min(known, unknown))

    def __add__(self, other: Timings) -> Timings:
        return Timings(self.known + other.known, self.unknown + other.unknown)

    def __str__(self) -> str:
        known, unknown = self.medians
        return (
            f"known median {known * 1000:.2f} ms (range {min(self.known) * 1000:.2f}-{max(self.known) * 1000:.2f}), "
            f"unknown median {unknown * 1000:.2f} ms "
            f"(range {min(self.unknown) * 1000:.2f}-{max(self.unknown) * 1000:.2f}), {len(self.known)} of each"
        )


Probe = Callable[[int], Any]
"""Sends the ``i``-th request of one kind and returns its :class:`Answer`."""


async def sample(known: Probe, unknown: Probe, *, each: int = 40, warm_up: int = 3) -> Timings:
    """``each`` samples of both kinds, in ABBA order (so drift in the machine's load falls on both alike),
    after ``warm_up`` unmeasured rounds. Every answer must be a success or a redirect."""
    for i in range(warm_up):
        await known(-1 - i)
        await unknown(-1 - i)
    timings = Timings([], [])
    for i in range(each):
        order = ((known, timings.known), (unknown, timings.unknown))
        for probe, into in order if i % 2 == 0 else order[::-1]:
            answer: Answer = await probe(i)
            assert answer.status < 400, (answer.status, answer.body[:500])
            into.append(answer.seconds)
    return timings


class Trace:
    """The SQL statements (without their parameters) the database runs while a :class:`Wire` is answering."""

    def __init__(self, wire: Wire, engine: AsyncEngine) -> None:
        self.wire, self.engine = wire, engine
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.wire.answering:
            self.statements.append(" ".join(statement.split()))

    async def of(self, request: Callable[[], Any]) -> list[str]:
        """The statements run before ``request``'s answer was complete."""
        self.statements = []
        answer: Answer = await request()
        assert answer.status < 400, (answer.status, answer.body[:500])
        return self.statements

    def close(self) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._seen)
