"""Providers and request helpers shared by the accounts API and pages: the staff service, signing in
with throttling, and the audit trail's search query."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.background_tasks import BackgroundTask
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.services import StaffService
from stepchange.core import clock
from stepchange.core.after_response import after_response
from stepchange.core.audit import AuditQuery
from stepchange.core.errors import InvalidInput
from stepchange.core.settings import Settings

provide_staff = create_service_provider(StaffService)


def reset_in_background(request: Request[Any, Any, Any], settings: Settings, email: str) -> BackgroundTask:
    """The look-up, link and mail of a password reset, done after the answer has gone: the answer is the
    same, and as quick, for every address. Call :func:`count_reset_request` first."""

    async def work(session: AsyncSession) -> None:
        await StaffService(session=session).request_password_reset(email, settings)

    return after_response(request, "password reset", work)


async def provide_audit_query(
    actor: Annotated[UUID | None, QueryParameter(description="Who acted (a staff id)")] = None,
    action: Annotated[str | None, QueryParameter(max_length=80, description="Action, or its start: 'auth.'")] = None,
    subject_type: Annotated[str | None, QueryParameter(max_length=40)] = None,
    subject_id: Annotated[str | None, QueryParameter(max_length=80)] = None,
    q: Annotated[str | None, QueryParameter(max_length=100, description="Words in the summary or actor")] = None,
    since: Annotated[str | None, QueryParameter(max_length=40, description="From this date or time (UK)")] = None,
    until: Annotated[str | None, QueryParameter(max_length=40, description="Before this date or time (UK)")] = None,
) -> AuditQuery:
    return AuditQuery(
        actor_id=actor,
        action=action or None,
        subject_type=subject_type or None,
        subject_id=subject_id or None,
        text=q or None,
        since=_moment("since", since),
        until=_moment("until", until),
    )


def _moment(name: str, value: str | None) -> dt.datetime | None:
    """An ISO date or date-time; without a zone it is UK time, as people type it."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput.one(name, "Enter a date like 2026-11-22, or a date and time") from None
    return clock.as_utc(moment)
