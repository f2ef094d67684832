"""E-mail bodies as templates: ``templates/mail/NAME.txt``, its first line ``Subject: …``, then a blank
line, then the plain-text body. Services pass the facts; the words live in the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.mail import QueuedMail, queue_mail
from stepchange.core.settings import get_settings
from stepchange.core.templating import TEMPLATES_DIR, uk_date, uk_datetime


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str


@cache
def _environment() -> Environment:
    """The mail templates' environment: a template whose file changed is re-read in development only (the
    check is a stat on every message)."""
    env = Environment(
        auto_reload=not get_settings().is_production,
        loader=FileSystemLoader(TEMPLATES_DIR / "mail"),
        autoescape=False,  # noqa: S701 - plain-text e-mail bodies, never HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    return env


def render_mail(template: str, /, **context: Any) -> RenderedMail:
    """Render ``templates/mail/{template}.txt``: its ``Subject:`` line and its body.

    ``template`` is positional only, so the context may hold any name (``name`` is the usual greeting).
    """
    rendered = _environment().get_template(f"{template}.txt").render(**context)
    head, _, body = rendered.partition("\n\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"mail template {template!r} must start with a 'Subject: ' line and a blank line")
    return RenderedMail(subject=head.removeprefix("Subject: ").strip(), text=body)


async def queue_templated_mail(
    session: AsyncSession,
    template: str,
    /,
    *,
    to: str,
    category: str,
    forget_after_send: bool = False,
    **context: Any,
) -> QueuedMail:
    """Render a mail template and add the message to the caller's transaction (see ``queue_mail``)."""
    mail = render_mail(template, **context)
    return await queue_mail(
        session, to=to, subject=mail.subject, text=mail.text, category=category, forget_after_send=forget_after_send
    )
