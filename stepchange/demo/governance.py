"""Work-stream governance: co-chairs and deputies appointed to their seats, standing agenda items,
rosters, monthly meetings (held with attendance, minutes and who read them; one cancelled; two ahead)
and action logs with some escalations to the board."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Generator, stamp
from stepchange.demo.vocabulary import ACTION_TITLES, FIRST_NAMES, LAST_NAMES, STANDING_ITEMS
from stepchange.governance.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Appointment,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MemberKind,
    Minutes,
    MinutesRead,
    RosterMember,
    Seat,
    StandingAgendaItem,
)
from stepchange.workstreams.models import Workstream


async def governance(gen: Generator, workstreams: Sequence[Workstream]) -> None:
    """Each work-stream's appointments, roster, standing items and meetings (an earlier batch's are kept)."""
    current = set(
        (
            await gen.session.execute(
                select(Appointment.workstream_id, Appointment.seat).where(Appointment.ended_on.is_(None))
            )
        ).all()
    )
    holders = set(
        (
            await gen.session.execute(
                select(Appointment.workstream_id, Appointment.staff_user_id).where(Appointment.ended_on.is_(None))
            )
        ).all()
    )
    standing = set((await gen.session.scalars(select(StandingAgendaItem.workstream_id))).all())
    staff_members = set(
        (
            await gen.session.execute(
                select(RosterMember.workstream_id, RosterMember.staff_user_id).where(
                    RosterMember.left_on.is_(None), RosterMember.staff_user_id.is_not(None)
                )
            )
        ).all()
    )
    rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    audits: list[dict[str, Any]] = []
    for ws in workstreams:
        seats = gen.seats[ws.id]
        for seat, (actor, organisation) in seats.items():
            if (ws.id, seat) not in current and (ws.id, actor.id) not in holders:
                rows[Appointment].append(
                    {
                        "id": gen.new_id(),
                        "workstream_id": ws.id,
                        "staff_user_id": actor.id,
                        "seat": seat,
                        "organisation": organisation,
                        "starts_on": gen.today - dt.timedelta(days=300),
                        "ended_on": None,
                        "ended_reason": "",
                        "appointed_by": gen.office.label,
                        "ended_by": "",
                        **stamp(gen.opens_at - dt.timedelta(days=120)),
                    }
                )
            if (ws.id, actor.id) not in staff_members:
                rows[RosterMember].append(
                    member(gen, ws.id, MemberKind.STAFF, actor.id, actor.name, organisation, "", actor.name)
                )
        if ws.id not in standing:
            rows[StandingAgendaItem] += [
                {"id": gen.new_id(), "workstream_id": ws.id, "position": i, "title": t, **stamp(gen.opens_at)}
                for i, t in enumerate(STANDING_ITEMS, 1)
            ]
        members = gen.people_by_workstream.get(ws.id, [])[:12]
        for name, organisation, email in members:
            rows[RosterMember].append(member(gen, ws.id, MemberKind.VOLUNTEER, None, name, organisation, email, ""))
        meetings(gen, ws, [m[0] for m in members], rows, audits)
    order: tuple[Any, ...] = (
        Appointment,
        StandingAgendaItem,
        RosterMember,
        Meeting,
        AgendaItem,
        Attendance,
        Minutes,
        MinutesRead,
        ActionItem,
    )
    for model in order:
        await gen.insert(model, rows[model])
    await gen.insert(AuditEntry, audits)


def member(
    gen: Generator,
    workstream_id: uuid.UUID,
    kind: MemberKind,
    staff_id: uuid.UUID | None,
    name: str,
    organisation: str,
    email: str,
    deputy: str,
) -> dict[str, Any]:
    """A roster row: a seat holder (with a deputy) or a volunteer placed in the work-stream."""
    return {
        "id": gen.new_id(),
        "workstream_id": workstream_id,
        "kind": kind,
        "staff_user_id": staff_id,
        "name": name,
        "organisation": organisation,
        "email": email,
        "deputy_name": deputy and f"{gen.rng.choice(FIRST_NAMES)} {gen.rng.choice(LAST_NAMES)}",
        "deputy_organisation": deputy and organisation,
        "joined_on": gen.today - dt.timedelta(days=gen.rng.randint(1, 40)),
        "left_on": None,
        **stamp(gen.opens_at),
    }


def meetings(
    gen: Generator,
    ws: Workstream,
    members: list[str],
    rows: dict[Any, list[dict[str, Any]]],
    audits: list[dict[str, Any]],
) -> None:
    """Five monthly meetings around the anchor day: three past (one of them cancelled) and two ahead."""
    chair = gen.seats[ws.id][Seat.BUSINESS_CO_CHAIR][0]
    police = gen.seats[ws.id][Seat.POLICE_CO_CHAIR][0]
    cancelled = gen.rng.randrange(3)
    for month in range(-3, 2):
        starts = dt.datetime.combine(
            gen.today + dt.timedelta(days=28 * month + ws.position), dt.time(10), tzinfo=dt.UTC
        )
        held = starts < gen.now and month - (-3) != cancelled
        status = (
            MeetingStatus.SCHEDULED if starts >= gen.now else (MeetingStatus.HELD if held else MeetingStatus.CANCELLED)
        )
        meeting_id = gen.new_id()
        rows[Meeting].append(
            {
                "id": meeting_id,
                "workstream_id": ws.id,
                "title": f"{ws.name} working group ({starts:%B %Y})",
                "starts_at": starts,
                "location": gen.rng.choice(("Video call", "New Scotland Yard", "Home Office, 2 Marsham Street")),
                "status": status,
                "cancelled_reason": "Co-chairs unavailable" if status is MeetingStatus.CANCELLED else "",
                "scheduled_by": chair.label,
                **stamp(starts - dt.timedelta(days=21)),
            }
        )
        titles = [*STANDING_ITEMS[:-1], f"Project updates ({ws.code})", STANDING_ITEMS[-1]]
        rows[AgendaItem] += [
            {
                "id": gen.new_id(),
                "meeting_id": meeting_id,
                "position": i,
                "title": t,
                "standing": t in STANDING_ITEMS,
                **stamp(starts - dt.timedelta(days=14)),
            }
            for i, t in enumerate(titles, 1)
        ]
        if status is not MeetingStatus.HELD:
            continue
        for name in dict.fromkeys([chair.name, police.name, *members]):
            rows[Attendance].append(
                {
                    "id": gen.new_id(),
                    "meeting_id": meeting_id,
                    "member_id": None,
                    "name": name,
                    "organisation": "",
                    "status": gen.rng.choices(list(AttendanceStatus), weights=(75, 18, 7))[0],
                    "represented_by": "",
                    **stamp(starts),
                }
            )
        minutes_id, written = gen.new_id(), starts + dt.timedelta(days=2)
        rows[Minutes].append(
            {
                "id": minutes_id,
                "meeting_id": meeting_id,
                "text": f"The group reviewed progress on the {ws.code} projects and agreed the actions below.",
                "written_by_id": chair.id,
                "written_by": chair.label,
                "written_at": written,
                "version": 1,
                **stamp(written),
            }
        )
        read = min(gen.now, written + dt.timedelta(days=3))
        rows[MinutesRead].append(
            {
                "id": gen.new_id(),
                "minutes_id": minutes_id,
                "reader_id": police.id,
                "reader": police.label,
                "first_read_at": read,
                "last_read_at": read,
                "read_count": gen.rng.randint(1, 3),
                **stamp(read),
            }
        )
        for _ in range(gen.rng.randint(2, 3)):
            escalated = gen.rng.random() < 0.15
            due = (starts + dt.timedelta(days=gen.rng.randint(14, 60))).date()
            status_now = gen.rng.choices(list(ActionStatus), weights=(40, 30, 25, 5))[0]
            rows[ActionItem].append(
                {
                    "id": gen.new_id(),
                    "workstream_id": ws.id,
                    "meeting_id": meeting_id,
                    "title": gen.rng.choice(ACTION_TITLES),
                    "owner_name": gen.rng.choice([chair.name, police.name, *members]),
                    "owner_staff_id": None,
                    "due_on": due,
                    "status": status_now,
                    "notes": "",
                    "escalated_at": written if escalated else None,
                    "escalation_reason": "Needs a decision from the board on funding" if escalated else "",
                    "escalated_by": chair.label if escalated else "",
                    "version": 1,
                    **stamp(written),
                }
            )
        audits.append(
            gen.audit(chair, "meeting.minutes_written", "meeting", meeting_id, "Minutes written", written, {})
        )
