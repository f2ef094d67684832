"""Meetings: the standing agenda, scheduling, cancelling and attendance."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from stepchange.core import audit, clock
from stepchange.core.errors import BrokenRule, FieldError, NotFound
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    RosterMember,
    StandingAgendaItem,
)
from stepchange.governance.schemas import AttendanceEntryIn, MeetingIn
from stepchange.governance.services.common import Governance, optional_text, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream

DEFAULT_STANDING_ITEMS = (
    "Apologies and attendance",
    "Minutes and action log of the last meeting",
    "Threat and incident update",
    "New protective security and preparedness guidance",
    "Horizon scanning: events, planning applications and training",
    "Project updates",
    "Escalations to the programme board",
    "Any other business",
)
"""The standing agenda of a work-stream that has not agreed its own (after the P&P guidance's examples)."""


def meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "status": meeting.status,
        "cancelled_reason": meeting.cancelled_reason,
    }


def meeting_rules(meeting: Meeting, *, needs_start: bool) -> list[BrokenRule]:
    """A cancelled meeting takes no attendance or minutes; what happened at it waits until it starts."""
    if meeting.status is MeetingStatus.CANCELLED:
        return [BrokenRule("meeting_cancelled", "This meeting was cancelled")]
    if needs_start and meeting.starts_at > clock.now():
        return [BrokenRule("meeting_not_started", "This meeting has not started yet")]
    return []


def starts_at_problem(starts_at: dt.datetime | None) -> FieldError | None:
    if starts_at is None:
        return FieldError("starts_at", "Enter when the meeting starts")
    if not 2000 <= starts_at.year <= 2100:
        return FieldError("starts_at", "Enter a date between the years 2000 and 2100")
    return None


class MeetingService(Governance):
    """Meetings scheduled ahead with an agenda of standing and extra items, and their attendance."""

    async def standing_items(self, principal: Principal | None, code: str) -> list[str]:
        workstream = await self.for_members(principal, code, "see its standing agenda")
        return await self._standing_titles(workstream)

    async def _standing_titles(self, workstream: Workstream) -> list[str]:
        """The work-stream's agreed standing items, or the defaults until it agrees its own."""
        rows = await self.session.scalars(
            select(StandingAgendaItem.title)
            .where(StandingAgendaItem.workstream_id == workstream.id)
            .order_by(StandingAgendaItem.position)
        )
        return list(rows.all()) or list(DEFAULT_STANDING_ITEMS)

    async def set_standing_items(self, actor: Principal, code: str, items: Sequence[str]) -> list[str]:
        workstream = await self.for_runners(actor, code, "change its standing agenda")
        titles = [t.strip() for t in items if t.strip()]
        raise_if_any(
            [text_problem(t, f"items[{i}]", label="an item", max_length=200) for i, t in enumerate(titles)]
            or [FieldError("items", "Enter at least one standing item")]
        )
        before = await self._standing_titles(workstream)
        await self.session.execute(delete(StandingAgendaItem).where(StandingAgendaItem.workstream_id == workstream.id))
        self.session.add_all(
            StandingAgendaItem(workstream_id=workstream.id, position=i, title=t) for i, t in enumerate(titles, 1)
        )
        await self.audit(
            actor,
            "standing_items_changed",
            workstream,
            f"Changed the standing agenda of {workstream.code}",
            audit.diff({"items": before}, {"items": titles}),
        )
        return titles

    async def meetings(
        self, principal: Principal | None, code: str, *, upcoming: bool | None = None
    ) -> tuple[Workstream, Sequence[Meeting]]:
        """The work-stream's meetings in time order; ``upcoming`` keeps only future (or only past) ones."""
        workstream = await self.for_members(principal, code, "see its meetings")
        query = (
            select(Meeting)
            .where(Meeting.workstream_id == workstream.id, Meeting.subgroup_id.is_(None))  # subgroups list their own
            .order_by(Meeting.starts_at)
        )
        if upcoming is not None:
            query = query.where(Meeting.starts_at >= clock.now() if upcoming else Meeting.starts_at < clock.now())
        return workstream, (await self.session.scalars(query)).all()

    async def meeting(self, principal: Principal | None, code: str, meeting_id: UUID) -> Meeting:
        workstream = await self.for_members(principal, code, "see its meetings")
        return await self._loaded(workstream, meeting_id)

    async def _loaded(self, workstream: Workstream, meeting_id: UUID) -> Meeting:
        """The meeting with its agenda and attendance (fresh from the database)."""
        found = await self.session.scalar(
            select(Meeting)
            .where(Meeting.id == meeting_id, Meeting.workstream_id == workstream.id)
            .options(selectinload(Meeting.agenda), selectinload(Meeting.attendance))
            .execution_options(populate_existing=True)
        )
        if found is None:
            raise NotFound("meeting", f"id {meeting_id}")
        return found

    async def has_minutes(self, meeting_ids: Sequence[UUID]) -> set[UUID]:
        rows = await self.session.scalars(select(Minutes.meeting_id).where(Minutes.meeting_id.in_(meeting_ids)))
        return set(rows.all())

    async def schedule(self, actor: Principal, code: str, data: MeetingIn) -> Meeting:
        """Schedule a meeting; its agenda is the standing items, then the extra ones, in order."""
        workstream = await self.for_runners(actor, code, "schedule its meetings")
        extras = [t.strip() for t in data.extra_agenda if t.strip()]
        raise_if_any(
            [
                text_problem(data.title, "title", label="a title", max_length=200),
                starts_at_problem(data.starts_at),
                optional_text(data.location, "location", "the location"),
                *(optional_text(t, f"extra_agenda[{i}]", "an agenda item") for i, t in enumerate(extras)),
            ]
        )
        assert data.starts_at is not None
        titles = [(t, True) for t in await self._standing_titles(workstream)] + [(t, False) for t in extras]
        meeting = Meeting(
            workstream_id=workstream.id,
            title=data.title.strip(),
            starts_at=clock.as_utc(data.starts_at),
            location=data.location.strip(),
            scheduled_by=actor.label,
            agenda=[AgendaItem(position=i, title=t, standing=s) for i, (t, s) in enumerate(titles, 1)],
            attendance=[],
        )
        self.session.add(meeting)
        await self.session.flush()
        await self.audit(
            actor,
            "meeting_scheduled",
            meeting,
            f"Scheduled '{meeting.title}' for {workstream.code}",
            audit.diff({}, meeting_snapshot(meeting) | {"agenda": [t for t, _ in titles]}),
        )
        return await self._loaded(workstream, meeting.id)

    async def cancel(self, actor: Principal, code: str, meeting_id: UUID, reason: str) -> Meeting:
        workstream = await self.for_runners(actor, code, "cancel its meetings")
        meeting = await self._loaded(workstream, meeting_id)
        raise_if_any([text_problem(reason, "reason", label="why the meeting is cancelled", max_length=500)])
        broken = meeting_rules(meeting, needs_start=False)
        if meeting.status is MeetingStatus.HELD:
            broken.append(BrokenRule("meeting_held", "This meeting has been held"))
        refuse_if_any(broken)
        before = meeting_snapshot(meeting)
        meeting.status, meeting.cancelled_reason = MeetingStatus.CANCELLED, reason.strip()
        await self.audit(
            actor,
            "meeting_cancelled",
            meeting,
            f"Cancelled '{meeting.title}'",
            audit.diff(before, meeting_snapshot(meeting)),
        )
        return meeting

    async def record_attendance(
        self, actor: Principal, code: str, meeting_id: UUID, entries: Sequence[AttendanceEntryIn]
    ) -> Meeting:
        """Record (or correct) who came, who sent apologies and who was absent; apologies may come early."""
        workstream = await self.for_runners(actor, code, "record its meetings' attendance")
        meeting = await self._loaded(workstream, meeting_id)
        lines = await self._register_lines(workstream, entries)
        started = any(e.status is not AttendanceStatus.APOLOGIES for e in entries)
        refuse_if_any(meeting_rules(meeting, needs_start=started))
        recorded = {a.name.casefold(): a for a in meeting.attendance}
        for line in lines:
            existing = recorded.get(line.name.casefold())
            if existing is None:  # a name given twice is one line of the register: the last entry counts
                meeting.attendance.append(line)
                recorded[line.name.casefold()] = line
            else:
                existing.member_id, existing.organisation = line.member_id, line.organisation
                existing.status, existing.represented_by = line.status, line.represented_by
        if any(e.status is AttendanceStatus.PRESENT for e in entries):
            meeting.status = MeetingStatus.HELD
        counts = Counter(e.status.value for e in entries)
        await self.audit(
            actor,
            "attendance_recorded",
            meeting,
            f"Recorded attendance at '{meeting.title}': "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
            {"attendance": audit.CHANGED},
        )
        await self.session.flush()
        return await self._loaded(workstream, meeting.id)

    async def _register_lines(self, workstream: Workstream, entries: Sequence[AttendanceEntryIn]) -> list[Attendance]:
        """Each entry as a register line: members by id (their name and organisation), guests by name."""
        ids = {e.member_id for e in entries if e.member_id is not None}
        members = {
            m.id: m
            for m in (
                await self.session.scalars(
                    select(RosterMember).where(RosterMember.workstream_id == workstream.id, RosterMember.id.in_(ids))
                )
            ).all()
        }
        problems: list[FieldError | None] = []
        lines = []
        for i, entry in enumerate(entries):
            member = members.get(entry.member_id) if entry.member_id else None
            if entry.member_id is not None and member is None:
                problems.append(FieldError(f"entries[{i}].member_id", "This is not a member of this work-stream"))
                continue
            name = member.name if member else entry.name.strip()
            problems += [
                text_problem(name, f"entries[{i}].name", label="the name of who attended", max_length=200),
                optional_text(entry.represented_by, f"entries[{i}].represented_by", "the deputy's name"),
                optional_text(entry.organisation, f"entries[{i}].organisation", "the organisation"),
            ]
            lines.append(
                Attendance(
                    member_id=member.id if member else None,
                    name=name,
                    organisation=member.organisation if member else entry.organisation.strip(),
                    status=entry.status,
                    represented_by=entry.represented_by.strip(),
                )
            )
        raise_if_any(problems)
        return lines
