"""Public submissions, stored as received and filed after the answer (issue 21: timing must not tell who
has volunteered).

Filing a submission depends on whether its address is known (a new record for a new address, a copy
held until a known address confirms it), and the two cost different work, which the answer's timing
would show. So the public doors check the submission (no rule depends on the address being known),
store it as received, the same for everyone, and answer 201: that row is the promise the answer makes.
Filing follows straight after the answer, in a transaction of its own (:func:`file_received`); any
left waiting by a crash or a failure are filed by the sweep (:func:`file_waiting`). Filing deletes
the row in its own transaction, so each submission is filed exactly once even if both try.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple
from uuid import UUID, uuid4

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.core.after_response import run_alone
from stepchange.core.database import immediate_transaction, run_core, table_of
from stepchange.core.settings import Settings
from stepchange.interest.calls import CallWindow
from stepchange.interest.models import Call, ReceivedSubmission
from stepchange.interest.rules import CleanSubmission
from stepchange.interest.services import InterestService

logger = logging.getLogger("stepchange.interest")
FILING = "Filing a received submission"
FILING_GRACE = dt.timedelta(seconds=1)
"""The sweep leaves younger rows alone: their own filing is very likely under way."""

_TABLE = table_of(ReceivedSubmission)
_INSERT = insert(_TABLE)
_CLAIM = delete(_TABLE).where(_TABLE.c.id == bindparam("received_id"))


class CallRef(NamedTuple):
    """The call a submission answers, as filing it needs it."""

    id: UUID
    name: str


@dataclass(frozen=True)
class Received:
    """A submission as stored on arrival: what filing it needs, without reading it back."""

    id: UUID
    call: CallRef
    source: str
    at: dt.datetime
    clean: CleanSubmission


async def receive(session: AsyncSession, call: CallWindow, clean: CleanSubmission, *, source: str) -> Received:
    """Store a checked submission as received (one insert, whoever sent it); its id is the answer's ``id``
    and becomes the new expression's or the held copy's."""
    now = clock.now()
    received = Received(uuid4(), CallRef(call.id, call.name), source, now, clean)
    values = {"id": received.id, "call_id": call.id, "source": source, "payload": clean.to_json()}
    await run_core(session, _INSERT, {**values, "created_at": now, "updated_at": now})
    return received


async def file_received(session: AsyncSession, received: Received, settings: Settings) -> bool:
    """File a received submission, unless it has been filed already; ``True`` if this call filed it."""
    await immediate_transaction(session)
    claimed = await run_core(session, _CLAIM, {"received_id": received.id})
    if claimed.rowcount != 1:
        return False
    await InterestService(session=session).submit_checked(
        received.call, received.clean, settings, source=received.source, submission_id=received.id, at=received.at
    )
    return True


async def _file_stored(session: AsyncSession, received_id: UUID, settings: Settings) -> bool:
    """File one waiting row, read back from the database (the sweep)."""
    await immediate_transaction(session)
    found = await session.execute(
        select(ReceivedSubmission, Call.name)
        .join(Call, Call.id == ReceivedSubmission.call_id)
        .where(ReceivedSubmission.id == received_id)
    )
    row = found.first()
    if row is None:
        return False
    stored, call_name = row
    clean = CleanSubmission.from_json(stored.payload)
    received = Received(stored.id, CallRef(stored.call_id, call_name), stored.source, stored.created_at, clean)
    return await file_received(session, received, settings)


async def file_waiting(
    session: AsyncSession, config: SQLAlchemyAsyncConfig, settings: Settings, *, grace: dt.timedelta = FILING_GRACE
) -> int:
    """File every submission left waiting longer than ``grace``, each in its own transaction, so one that
    fails (logged, and tried again next time) holds up none of the others; returns how many were handled."""
    waiting = await session.scalars(
        select(ReceivedSubmission.id)
        .where(ReceivedSubmission.created_at <= clock.now() - grace)
        .order_by(ReceivedSubmission.created_at)
    )
    ids = list(waiting.all())
    await session.commit()  # read only: end it before the filings write
    handled = 0
    for received_id in ids:
        handled += await run_alone(config, FILING, partial(_file_stored, received_id=received_id, settings=settings))
    if ids:
        logger.info("Submissions left waiting: %d filed, %d to try again", handled, len(ids) - handled)
    return handled
