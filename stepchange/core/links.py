"""Single-use links sent by e-mail: unguessable, expiring, stored only as a hash.

Every emailed link in the service (staff invitations, password resets, confirming an expression of
interest, volunteer sign-in, answering an offer) is one of these, so the rules live here once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core import clock
from stepchange.core.database import Base, JsonDocument, run_core, table_of
from stepchange.core.errors import BrokenRule, NotFound, RuleViolation

TOKEN_BYTES = 32
LINK_USED = "This link has already been used; each link works once"


class OneTimeLink(Base):
    __tablename__ = "one_time_link"

    purpose: Mapped[str] = mapped_column(String(40), index=True)
    subject_id: Mapped[UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


_INSERT_LINK = insert(table_of(OneTimeLink))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


async def issue_link(
    session: AsyncSession,
    purpose: str,
    subject_id: UUID,
    *,
    lifetime: dt.timedelta,
    payload: dict[str, Any] | None = None,
    revoke_earlier: bool = True,
) -> str:
    """Create a link for ``subject_id`` and return its token (shown once, in the e-mail only).

    By default earlier unused links for the same purpose and subject stop working.
    """
    if revoke_earlier:
        await session.execute(
            update(OneTimeLink)
            .where(
                OneTimeLink.purpose == purpose,
                OneTimeLink.subject_id == subject_id,
                OneTimeLink.used_at.is_(None),
            )
            .values(expires_at=clock.now())
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = {
        "purpose": purpose,
        "subject_id": subject_id,
        "token_hash": _digest(token),
        "expires_at": clock.now() + lifetime,
        "used_at": None,
        "payload": payload or {},
    }
    await run_core(session, _INSERT_LINK, link)  # nothing reads the link back in this request: no object
    return token


async def check_link(session: AsyncSession, purpose: str, token: str) -> OneTimeLink:
    """The live link for ``token`` without using it up (for the GET page that shows a button)."""
    link = await session.scalar(
        select(OneTimeLink).where(OneTimeLink.token_hash == _digest(token), OneTimeLink.purpose == purpose)
    )
    if link is None:
        raise NotFound("link", "that address; check you copied the whole link from the e-mail")
    if link.used_at is not None:
        raise RuleViolation([BrokenRule("link_used", "This link has already been used; each link works once")])
    if link.expires_at <= clock.now():
        raise RuleViolation([BrokenRule("link_expired", "This link has expired; ask for a new one")])
    return link


async def use_link(session: AsyncSession, purpose: str, token: str) -> OneTimeLink:
    """Use the link up; of two simultaneous uses exactly one succeeds."""
    link = await check_link(session, purpose, token)
    claimed = await session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleViolation([BrokenRule("link_used", "This link has already been used; each link works once")])
    await session.refresh(link)
    return link
