"""The development mailbox: the ``.eml`` files the outbox wrote, for coordinators, in development only."""

from __future__ import annotations

import re
from typing import Any, cast

from litestar import Controller, Request, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Template

from stepchange.core.authz import Role
from stepchange.core.guards import requires_role
from stepchange.core.mail import list_mailbox, read_mailbox
from stepchange.core.settings import Settings

URL = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])")

TextLine = list[tuple[str, bool]]


def _settings(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    return cast(Settings, connection.app.state.settings)


def development_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The mailbox exists only in development without an SMTP server: 404 anywhere else."""
    settings = _settings(connection)
    if settings.is_production or settings.smtp_host:
        raise NotFoundException()


def link_lines(text: str) -> list[TextLine]:
    """Each line as (text, is_link) parts: the template links http(s) URLs and escapes everything."""
    return [[(part, i % 2 == 1) for i, part in enumerate(URL.split(line)) if part] for line in text.splitlines()]


class MailboxPages(Controller):
    """``/dev/mailbox``: what the service would have e-mailed, newest first."""

    path = "/dev/mailbox"
    include_in_schema = False
    guards = [development_only, requires_role(Role.COORDINATOR)]

    @get("/", name="dev-mailbox", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Template:
        return Template("dev/mailbox.html", context={"messages": list_mailbox(_settings(request))})

    @get("/{name:str}", name="dev-mailbox-message", sync_to_thread=True)
    def message(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Template:
        entry = read_mailbox(_settings(request), name)
        return Template("dev/message.html", context={"message": entry, "lines": link_lines(entry.text)})
