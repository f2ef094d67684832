"""Minutes: written by those who run the work-stream, confidential to its members and the office."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from stepchange.core import audit, clock
from stepchange.core.database import immediate_transaction, upsert_insert
from stepchange.core.errors import NotAllowed, NotFound, StaleVersion
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.models import Meeting, MeetingStatus, Minutes, MinutesRead
from stepchange.governance.services.common import Governance, raise_if_any, refuse_if_any
from stepchange.governance.services.meetings import meeting_rules
from stepchange.governance.services.subgroups import reads_subgroup_minutes
from stepchange.workstreams.models import Workstream


def minutes_snapshot(minutes: Minutes) -> dict[str, Any]:
    return {"text": minutes.text, "version": minutes.version}


class MinutesService(Governance):
    """Minutes are written after a meeting by those who run the work-stream, and read only by its members.

    Every reading is recorded (first and last time, and how often). The audit records that the text
    changed, never the text itself. A save based on an older version is refused, so nobody's edit is
    silently lost.
    """

    async def read(self, principal: Principal | None, code: str, meeting_id: UUID) -> Minutes:
        await immediate_transaction(self.session)  # this read writes the read record
        workstream = await self.for_members(principal, code, "read its minutes")
        assert principal is not None
        minutes = await self._of(workstream, meeting_id)
        subgroup_id = await self.session.scalar(select(Meeting.subgroup_id).where(Meeting.id == meeting_id))
        if subgroup_id is not None and not await reads_subgroup_minutes(
            self.session, principal, workstream.id, subgroup_id
        ):
            raise NotAllowed(
                "Only the subgroup's members, this work-stream's co-chairs and the office read these minutes"
            )
        await self._record_read(minutes, principal)
        return minutes

    async def _of(self, workstream: Workstream, meeting_id: UUID) -> Minutes:
        minutes = await self.session.scalar(
            select(Minutes)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(Minutes.meeting_id == meeting_id, Meeting.workstream_id == workstream.id)
        )
        if minutes is None:
            raise NotFound("minutes", f"meeting id {meeting_id}")
        return minutes

    async def _record_read(self, minutes: Minutes, reader: Principal) -> None:
        """One row per reader, kept up to date in one statement (two tabs opening at once cannot clash)."""
        at = clock.now()
        statement = upsert_insert(self.session, MinutesRead).values(
            id=uuid4(),
            minutes_id=minutes.id,
            reader_id=reader.id,
            reader=reader.label,
            first_read_at=at,
            last_read_at=at,
            read_count=1,
            created_at=at,
            updated_at=at,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[MinutesRead.minutes_id, MinutesRead.reader_id],
                set_={
                    "last_read_at": at,
                    "updated_at": at,
                    "reader": reader.label,
                    "read_count": MinutesRead.read_count + 1,
                },
            )
        )

    async def reads(self, minutes: Minutes) -> Sequence[MinutesRead]:
        rows = await self.session.scalars(
            select(MinutesRead)
            .where(MinutesRead.minutes_id == minutes.id)
            .order_by(MinutesRead.first_read_at)
            .execution_options(populate_existing=True)
        )
        return rows.all()

    async def draft(self, principal: Principal | None, code: str, meeting_id: UUID) -> Minutes | None:
        """The minutes as their writer edits them (not a reading: nothing is recorded), or ``None``."""
        workstream = await self.for_runners(principal, code, "write its minutes")
        try:
            return await self._of(workstream, meeting_id)
        except NotFound:
            return None

    async def write(self, actor: Principal, code: str, meeting_id: UUID, text: str, version: int | None) -> Minutes:
        """Write or correct the minutes; ``version`` is the one the writer started from (none at first)."""
        workstream = await self.for_runners(actor, code, "write its minutes")
        meeting = await self.session.scalar(
            select(Meeting).where(Meeting.id == meeting_id, Meeting.workstream_id == workstream.id)
        )
        if meeting is None:
            raise NotFound("meeting", f"id {meeting_id}")
        raise_if_any([text_problem(text, "text", label="the minutes", max_length=200_000)])
        refuse_if_any(meeting_rules(meeting, needs_start=True))
        minutes = await self.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
        if minutes is not None and version != minutes.version:
            raise StaleVersion("minutes", version, minutes.version, plural=True)
        if minutes is None and version:
            raise StaleVersion("minutes", version, 0, plural=True)
        before = minutes_snapshot(minutes) if minutes else {}
        if minutes is None:
            minutes = Minutes(meeting_id=meeting.id, text=text, written_by="", written_at=clock.now())
            self.session.add(minutes)
        minutes.text, minutes.written_by_id, minutes.written_by, minutes.written_at = (
            text,
            actor.id,
            actor.label,
            clock.now(),
        )
        meeting.status = MeetingStatus.HELD
        await self.session.flush()
        await self.audit(
            actor,
            "minutes_written",
            minutes,
            f"Wrote the minutes of '{meeting.title}'",
            audit.diff(before, minutes_snapshot(minutes), personal=["text"]),
        )
        return minutes
