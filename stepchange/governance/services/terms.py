"""Terms of reference: drafted by those who run the work-stream, published as a version, acknowledged by members.

- One draft at a time; publishing it makes it the current version (the one before is superseded),
  and its standing agenda items become the work-stream's standing agenda.
- Every current roster member acknowledges the current version; a new version asks everyone again.
- Members and the office read them, like the minutes.
- The cadence they agree marks any meeting held well off it (allowed, but shown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update

from stepchange.core import audit, clock
from stepchange.core.authz import runs_workstream
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, StaleVersion
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.models import Meeting, MeetingStatus, RosterMember, StandingAgendaItem
from stepchange.governance.partnership_models import Terms, TermsAcknowledgement, TermsStatus
from stepchange.governance.partnership_schemas import TermsIn
from stepchange.governance.services.common import Governance, optional_text, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream

SECTIONS = ("mission", "membership", "schedule", "subgroups", "action_plans", "minutes", "etiquette")
SECTION_LABELS = {
    "mission": "the mission statement",
    "membership": "why each member is there and what they contribute",
    "schedule": "the meeting schedule",
    "subgroups": "the subgroups",
    "action_plans": "the action plans",
    "minutes": "how minutes are recorded and who may see them",
    "etiquette": "membership etiquette",
}
CADENCE_SLACK = 0.25
"""A meeting this much earlier or later than the cadence says (as a share of its interval) is off cadence."""


def terms_snapshot(terms: Terms) -> dict[str, Any]:
    return {name: getattr(terms, name) for name in (*SECTIONS, "cadence", "standing_items", "status", "version")}


def terms_problems(data: TermsIn) -> list[FieldError | None]:
    items = [t.strip() for t in data.standing_items if t.strip()]
    return [
        text_problem(data.mission, "mission", label=SECTION_LABELS["mission"], max_length=20_000),
        *(optional_text(getattr(data, s), s, SECTION_LABELS[s], max_length=20_000) for s in SECTIONS[1:]),
        FieldError("cadence", "Select how often the group meets") if data.cadence is None else None,
        *(
            text_problem(t, f"standing_items[{i}]", label="a standing item", max_length=200)
            for i, t in enumerate(items)
        ),
        None if items else FieldError("standing_items", "Enter at least one standing agenda item"),
    ]


@dataclass(frozen=True)
class AckLine:
    """A current roster member and whether (and when) they acknowledged the current version."""

    member: RosterMember
    acknowledgement: TermsAcknowledgement | None


@dataclass(frozen=True)
class OffCadence:
    meeting: Meeting
    days_since_previous: int


def off_cadence(meetings: Sequence[Meeting], terms: Terms | None) -> list[OffCadence]:
    """Meetings (not cancelled, in time order) whose gap from the one before is well off the agreed cadence."""
    if terms is None:
        return []
    interval = terms.cadence.days
    slack = max(2, round(interval * CADENCE_SLACK))
    held = [m for m in meetings if m.status is not MeetingStatus.CANCELLED]
    found = []
    for before, meeting in pairwise(held):
        gap = (meeting.starts_at - before.starts_at).days
        if abs(gap - interval) > slack:
            found.append(OffCadence(meeting, gap))
    return found


class TermsService(Governance):
    """A work-stream's terms of reference, their versions, and who has acknowledged the current one."""

    async def current(self, workstream: Workstream) -> Terms | None:
        return await self.session.scalar(
            select(Terms).where(Terms.workstream_id == workstream.id, Terms.status == TermsStatus.PUBLISHED)
        )

    async def draft(self, workstream: Workstream) -> Terms | None:
        return await self.session.scalar(
            select(Terms).where(Terms.workstream_id == workstream.id, Terms.status == TermsStatus.DRAFT)
        )

    async def view(self, principal: Principal | None, code: str) -> tuple[Workstream, Terms | None, Terms | None]:
        """The published version and (for those who run the work-stream) the draft."""
        workstream = await self.for_members(principal, code, "read its terms of reference")
        draft = await self.draft(workstream) if runs_workstream(principal, workstream.id) else None
        return workstream, await self.current(workstream), draft

    async def versions(self, principal: Principal | None, code: str) -> Sequence[Terms]:
        """Every published version, the newest first (drafts are not versions yet)."""
        workstream = await self.for_members(principal, code, "read its terms of reference")
        rows = await self.session.scalars(
            select(Terms)
            .where(Terms.workstream_id == workstream.id, Terms.status != TermsStatus.DRAFT)
            .order_by(Terms.version.desc())
        )
        return rows.all()

    async def save_draft(self, actor: Principal, code: str, data: TermsIn) -> Terms:
        """Write the draft: a new one starts from the next version number."""
        workstream = await self.for_runners(actor, code, "draft its terms of reference")
        raise_if_any(terms_problems(data))
        assert data.cadence is not None
        draft = await self.draft(workstream)
        before = terms_snapshot(draft) if draft else {}
        if draft is None:
            latest = await self.session.scalar(
                select(func.max(Terms.version)).where(Terms.workstream_id == workstream.id)
            )
            draft = Terms(workstream_id=workstream.id, version=(latest or 0) + 1, status=TermsStatus.DRAFT)
            self.session.add(draft)
        for name in SECTIONS:
            setattr(draft, name, getattr(data, name).strip())
        draft.cadence = data.cadence
        draft.standing_items = "\n".join(t.strip() for t in data.standing_items if t.strip())
        draft.drafted_by = actor.label
        await self.session.flush()
        await self.audit(
            actor,
            "terms_drafted",
            draft,
            f"Drafted version {draft.version} of the terms of reference of {workstream.code}",
            audit.diff(before, terms_snapshot(draft)),
        )
        return draft

    async def publish(self, actor: Principal, code: str, version: int) -> Terms:
        """Publish the draft as the current version; its standing items become the standing agenda."""
        workstream = await self.for_runners(actor, code, "publish its terms of reference")
        draft = await self.draft(workstream)
        if draft is None:
            refuse_if_any([BrokenRule("no_draft", "There is no draft of the terms of reference to publish")])
        assert draft is not None
        if draft.version != version:
            raise StaleVersion("terms of reference", version, draft.version)
        await self.session.execute(
            update(Terms)
            .where(Terms.workstream_id == workstream.id, Terms.status == TermsStatus.PUBLISHED)
            .values(status=TermsStatus.SUPERSEDED)
        )
        draft.status, draft.published_at, draft.published_by = TermsStatus.PUBLISHED, clock.now(), actor.label
        await self._adopt_standing_items(workstream, draft.standing_list)
        await self.session.flush()
        await self.audit(
            actor,
            "terms_published",
            draft,
            f"Published version {draft.version} of the terms of reference of {workstream.code}",
            audit.diff({"status": TermsStatus.DRAFT}, {"status": TermsStatus.PUBLISHED}),
        )
        return draft

    async def _adopt_standing_items(self, workstream: Workstream, titles: Sequence[str]) -> None:
        await self.session.execute(delete(StandingAgendaItem).where(StandingAgendaItem.workstream_id == workstream.id))
        self.session.add_all(
            StandingAgendaItem(workstream_id=workstream.id, position=i, title=t) for i, t in enumerate(titles, 1)
        )

    async def acknowledgements(self, workstream: Workstream, terms: Terms | None) -> list[AckLine]:
        """Every current roster member, with their acknowledgement of ``terms`` if they gave one."""
        members = await self.session.scalars(
            select(RosterMember)
            .where(RosterMember.workstream_id == workstream.id, RosterMember.left_on.is_(None))
            .order_by(func.lower(RosterMember.name))
        )
        acks: dict[UUID, TermsAcknowledgement] = {}
        if terms is not None:
            rows = await self.session.scalars(
                select(TermsAcknowledgement).where(TermsAcknowledgement.terms_id == terms.id)
            )
            acks = {a.member_id: a for a in rows.all()}
        return [AckLine(m, acks.get(m.id)) for m in members.all()]

    async def acknowledge(self, actor: Principal, code: str, member_id: UUID | None) -> TermsAcknowledgement:
        """A roster member acknowledges the current version (or one who runs the work-stream records it for them)."""
        workstream = await self.for_members(actor, code, "acknowledge its terms of reference")
        terms = await self.current(workstream)
        member = await self._acknowledging(actor, workstream, member_id)
        refuse_if_any(
            [BrokenRule("no_terms", "There are no published terms of reference to acknowledge")]
            if terms is None
            else []
        )
        assert terms is not None
        found = await self.session.scalar(
            select(TermsAcknowledgement).where(
                TermsAcknowledgement.terms_id == terms.id, TermsAcknowledgement.member_id == member.id
            )
        )
        if found is not None:
            return found
        on_behalf = member.staff_user_id != actor.id
        ack = TermsAcknowledgement(
            terms_id=terms.id,
            member_id=member.id,
            acknowledged_at=clock.now(),
            recorded_by=actor.label if on_behalf else "",
        )
        self.session.add(ack)
        await self.session.flush()
        await self.audit(
            actor,
            "terms_acknowledged",
            ack,
            f"A member of {workstream.code} acknowledged version {terms.version} of its terms of reference",
            audit.diff({}, {"member_id": member.id, "version": terms.version}),
        )
        return ack

    async def _acknowledging(self, actor: Principal, workstream: Workstream, member_id: UUID | None) -> RosterMember:
        """Whose acknowledgement this is: the actor's own roster line, or (for those who run it) the one named."""
        if member_id is not None and member_id != await self._own_line(actor, workstream):
            if not runs_workstream(actor, workstream.id):
                raise InvalidInput.one("member_id", "You may only acknowledge the terms of reference for yourself")
            member = await self.session.get(RosterMember, member_id)
            if member is None or member.workstream_id != workstream.id or member.left_on is not None:
                raise NotFound("member", f"id {member_id}")
            return member
        own = await self._own_line(actor, workstream)
        if own is None:
            raise InvalidInput.one("member_id", "You are not on this work-stream's roster: choose the member")
        member = await self.session.get(RosterMember, own)
        assert member is not None
        return member

    async def _own_line(self, actor: Principal, workstream: Workstream) -> UUID | None:
        return await self.session.scalar(
            select(RosterMember.id).where(
                RosterMember.workstream_id == workstream.id,
                RosterMember.staff_user_id == actor.id,
                RosterMember.left_on.is_(None),
            )
        )

    async def own_member_id(self, principal: Principal | None, workstream: Workstream) -> UUID | None:
        return None if principal is None else await self._own_line(principal, workstream)

    async def off_cadence(self, workstream: Workstream, terms: Terms | None) -> list[OffCadence]:
        """The work-stream's own meetings (not its subgroups') held or planned off the agreed cadence."""
        if terms is None:
            return []
        since = clock.now() - dt.timedelta(days=400)
        meetings = await self.session.scalars(
            select(Meeting)
            .where(Meeting.workstream_id == workstream.id, Meeting.subgroup_id.is_(None), Meeting.starts_at >= since)
            .order_by(Meeting.starts_at)
        )
        return off_cadence(meetings.all(), terms)

    async def next_on_cadence(self, workstream: Workstream) -> tuple[Terms, dt.date | None] | None:
        """The published terms and the day the next meeting falls on their cadence (after the latest one held
        or planned), for whoever schedules one; ``None`` without published terms."""
        terms = await self.current(workstream)
        if terms is None:
            return None
        latest = await self.session.scalar(
            select(func.max(Meeting.starts_at)).where(
                Meeting.workstream_id == workstream.id,
                Meeting.subgroup_id.is_(None),
                Meeting.status != MeetingStatus.CANCELLED,
            )
        )
        return terms, (clock.as_utc(latest).date() + dt.timedelta(days=terms.cadence.days) if latest else None)
