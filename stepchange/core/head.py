"""HEAD is answered wherever GET is: uptime monitors and link checkers ask ``HEAD /``.

Litestar routes HEAD only to handlers declared for it and answers 405 elsewhere. :func:`answer_head`
wraps the application's ASGI handler (outside routing): a HEAD request is handled as the GET it
stands for, with the same status and headers (``content-length`` included, as RFC 9110 allows) and
no body.
"""

from __future__ import annotations

from typing import cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


def answer_head(app: ASGIApp) -> ASGIApp:
    """``app``, answering each HEAD request as its GET without the body."""

    async def head_as_get(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}
            await send(message)

        # A copy: the server keeps its own scope, and still knows the request was HEAD.
        await app(cast(HTTPScope, {**scope, "method": "GET"}), receive, send_without_body)

    return head_as_get
