"""Subgroups: a few members focusing on one matter, with their own meetings, minutes and actions.

- Those who run the work-stream set subgroups up, choose their members (from the roster, and from
  volunteers placed on the work-stream's projects), schedule their meetings and write their minutes.
- A subgroup's actions are the work-stream's actions with the subgroup named: they appear in its
  action log and, escalated, reach the board like any other.
- A subgroup's minutes are read by its members, the work-stream's co-chairs and the office only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from stepchange.core import audit, clock
from stepchange.core.authz import runs_workstream
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.facts import SUBGROUP_FACTS, PlacedVolunteer, ProjectRef
from stepchange.governance.models import AgendaItem, Meeting, RosterMember
from stepchange.governance.partnership_models import Subgroup, SubgroupMember, subgroup_project
from stepchange.governance.partnership_schemas import SubgroupIn, SubgroupMemberIn
from stepchange.governance.schemas import MeetingIn
from stepchange.governance.services.common import Governance, optional_text, raise_if_any, refuse_if_any
from stepchange.governance.services.meetings import meeting_snapshot, starts_at_problem
from stepchange.workstreams.models import Workstream

CANDIDATES_SHOWN = 50
"""Placed volunteers offered in a subgroup's member picker at a time (a search by name finds the rest)."""


@dataclass(frozen=True)
class MemberLine:
    """A subgroup member as shown: their name and organisation from the roster or the volunteer's record."""

    row: SubgroupMember
    name: str
    organisation: str

    @property
    def kind(self) -> str:
        return "roster" if self.row.roster_member_id else "volunteer"


@dataclass(frozen=True)
class Candidates:
    roster: Sequence[RosterMember]
    volunteers: Sequence[PlacedVolunteer]
    volunteers_total: int
    """How many placed volunteers may join (``named``: of those whose name or organisation holds it)."""
    named: str = ""


def subgroup_problems(data: SubgroupIn) -> list[FieldError | None]:
    return [
        text_problem(data.name, "name", label="the subgroup's name", max_length=200),
        text_problem(data.purpose, "purpose", label="what the subgroup is for", max_length=5_000),
        text_problem(data.lead, "lead", label="who leads the subgroup", max_length=200),
    ]


async def reads_subgroup_minutes(
    session: Any, principal: Principal | None, workstream_id: UUID, subgroup_id: UUID
) -> bool:
    """The office, the work-stream's co-chairs, and staff on its roster who are members of the subgroup."""
    if runs_workstream(principal, workstream_id):
        return True
    if principal is None:
        return False
    member = (
        select(SubgroupMember.id)
        .join(RosterMember, RosterMember.id == SubgroupMember.roster_member_id)
        .where(
            SubgroupMember.subgroup_id == subgroup_id,
            RosterMember.staff_user_id == principal.id,
            RosterMember.left_on.is_(None),
        )
    )
    return bool(await session.scalar(select(exists(member))))


class SubgroupService(Governance):
    """Subgroups of a work-stream, their members, projects and meetings."""

    async def subgroups(self, principal: Principal | None, code: str) -> tuple[Workstream, Sequence[Subgroup]]:
        workstream = await self.for_members(principal, code, "see its subgroups")
        rows = await self.session.scalars(
            select(Subgroup).where(Subgroup.workstream_id == workstream.id).order_by(func.lower(Subgroup.name))
        )
        return workstream, rows.all()

    async def subgroup(self, principal: Principal | None, code: str, subgroup_id: UUID) -> tuple[Workstream, Subgroup]:
        workstream = await self.for_members(principal, code, "see its subgroups")
        return workstream, await self._of(workstream, subgroup_id)

    async def _of(self, workstream: Workstream, subgroup_id: UUID) -> Subgroup:
        found = await self.session.scalar(
            select(Subgroup)
            .where(Subgroup.id == subgroup_id, Subgroup.workstream_id == workstream.id)
            .options(selectinload(Subgroup.members))
            .execution_options(populate_existing=True)
        )
        if found is None:
            raise NotFound("subgroup", f"id {subgroup_id}")
        return found

    async def projects_of(self, subgroup: Subgroup) -> list[str]:
        """The codes of the projects the subgroup works on."""
        ids = set(
            (
                await self.session.scalars(
                    select(subgroup_project.c.project_id).where(subgroup_project.c.subgroup_id == subgroup.id)
                )
            ).all()
        )
        known = await SUBGROUP_FACTS().projects(self.session, subgroup.workstream_id)
        return [p.code for p in known if p.id in ids]

    async def workstream_projects(self, workstream: Workstream) -> list[ProjectRef]:
        return await SUBGROUP_FACTS().projects(self.session, workstream.id)

    async def create(self, actor: Principal, code: str, data: SubgroupIn) -> Subgroup:
        workstream = await self.for_runners(actor, code, "set up its subgroups")
        projects = await self._projects(workstream, data.projects)
        raise_if_any(subgroup_problems(data))
        refuse_if_any(await self._same_name(workstream, data.name.strip()))
        subgroup = Subgroup(
            workstream_id=workstream.id,
            name=data.name.strip(),
            purpose=data.purpose.strip(),
            lead=data.lead.strip(),
            created_by=actor.label,
            members=[],
        )
        self.session.add(subgroup)
        await self.session.flush()
        await self._link(subgroup, projects)
        await self.audit(
            actor,
            "subgroup_created",
            subgroup,
            f"Set up the subgroup '{subgroup.name}' of {workstream.code}",
            audit.diff(
                {},
                {
                    "name": subgroup.name,
                    "purpose": subgroup.purpose,
                    "lead": subgroup.lead,
                    "projects": sorted(p.code for p in projects),
                },
                personal=["lead"],
            ),
        )
        return subgroup

    async def _same_name(self, workstream: Workstream, name: str) -> list[BrokenRule]:
        taken = await self.session.scalar(
            select(exists().where(Subgroup.workstream_id == workstream.id, func.lower(Subgroup.name) == name.lower()))
        )
        return (
            [BrokenRule("subgroup_name_taken", f"This work-stream already has a subgroup called '{name}'")]
            if taken
            else []
        )

    async def _projects(self, workstream: Workstream, codes: Sequence[str]) -> list[ProjectRef]:
        known = {p.code: p for p in await SUBGROUP_FACTS().projects(self.session, workstream.id)}
        wanted = [c.strip().upper() for c in codes if c.strip()]
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise InvalidInput.one("projects", f"Not a project of this work-stream: {', '.join(unknown)}")
        return [known[c] for c in dict.fromkeys(wanted)]

    async def _link(self, subgroup: Subgroup, projects: Sequence[ProjectRef]) -> None:
        await self.session.execute(delete(subgroup_project).where(subgroup_project.c.subgroup_id == subgroup.id))
        if projects:
            await self.session.execute(
                insert(subgroup_project), [{"subgroup_id": subgroup.id, "project_id": p.id} for p in projects]
            )

    async def candidates(self, workstream: Workstream, subgroup: Subgroup, named: str = "") -> Candidates:
        """Who may join: current roster members and placed volunteers not in the subgroup already; of the
        volunteers (thousands, nationally) the first :data:`CANDIDATES_SHOWN` by name (``named``: whose name or
        organisation holds it), with how many there are."""
        taken_roster = {m.roster_member_id for m in subgroup.members}
        taken_volunteers = [m.volunteer_id for m in subgroup.members if m.volunteer_id is not None]
        roster = await self.session.scalars(
            select(RosterMember)
            .where(RosterMember.workstream_id == workstream.id, RosterMember.left_on.is_(None))
            .order_by(func.lower(RosterMember.name))
        )
        placed, total = await SUBGROUP_FACTS().placed_volunteers(
            self.session, workstream.id, named=named, leaving_out=taken_volunteers, limit=CANDIDATES_SHOWN
        )
        return Candidates(
            roster=[m for m in roster.all() if m.id not in taken_roster],
            volunteers=placed,
            volunteers_total=total,
            named=named.strip(),
        )

    async def members(self, subgroup: Subgroup) -> list[MemberLine]:
        roster_ids = [m.roster_member_id for m in subgroup.members if m.roster_member_id]
        volunteer_ids = [m.volunteer_id for m in subgroup.members if m.volunteer_id]
        roster = {
            m.id: m
            for m in (await self.session.scalars(select(RosterMember).where(RosterMember.id.in_(roster_ids)))).all()
        }
        placed, _ = await SUBGROUP_FACTS().placed_volunteers(self.session, subgroup.workstream_id, only=volunteer_ids)
        volunteers = {v.id: v for v in placed}
        lines = []
        for row in subgroup.members:
            person: Any = roster.get(row.roster_member_id) if row.roster_member_id else volunteers.get(row.volunteer_id)  # type: ignore[arg-type]
            name = person.name if person else "A volunteer no longer placed"
            lines.append(MemberLine(row, name, person.organisation if person else ""))
        return sorted(lines, key=lambda line: line.name.casefold())

    async def add_member(
        self, actor: Principal, code: str, subgroup_id: UUID, data: SubgroupMemberIn
    ) -> SubgroupMember:
        workstream = await self.for_runners(actor, code, "choose its subgroups' members")
        subgroup = await self._of(workstream, subgroup_id)
        if (data.roster_member_id is None) == (data.volunteer_id is None):
            raise InvalidInput.one(
                "member", "Choose one member: someone on the roster or a volunteer placed on a project"
            )
        candidates = await self.candidates(workstream, subgroup)
        if data.roster_member_id is not None and data.roster_member_id not in {m.id for m in candidates.roster}:
            raise InvalidInput.one(
                "roster_member_id", "Choose a current member of this work-stream not yet in the subgroup"
            )
        placed = (
            await SUBGROUP_FACTS().placed_volunteers(
                self.session,
                workstream.id,
                only=[data.volunteer_id],
                leaving_out=[m.volunteer_id for m in subgroup.members if m.volunteer_id is not None],
            )
            if data.volunteer_id is not None
            else ([], 0)
        )
        if data.volunteer_id is not None and not placed[1]:
            raise InvalidInput.one(
                "volunteer_id",
                "Choose a volunteer placed on one of this work-stream's projects, not yet in the subgroup",
            )
        row = SubgroupMember(
            subgroup_id=subgroup.id,
            roster_member_id=data.roster_member_id,
            volunteer_id=data.volunteer_id,
            added_by=actor.label,
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:  # the same person added twice at once
            await self.session.rollback()
            refuse_if_any([BrokenRule("already_member", "This person is already a member of the subgroup")])
        await self.audit(
            actor,
            "subgroup_member_added",
            row,
            f"Added a member to the subgroup '{subgroup.name}' of {workstream.code}",
            audit.diff({}, {"roster_member_id": data.roster_member_id, "volunteer_id": data.volunteer_id}),
        )
        return row

    async def remove_member(self, actor: Principal, code: str, subgroup_id: UUID, member_id: UUID) -> None:
        workstream = await self.for_runners(actor, code, "choose its subgroups' members")
        subgroup = await self._of(workstream, subgroup_id)
        row = next((m for m in subgroup.members if m.id == member_id), None)
        if row is None:
            raise NotFound("subgroup member", f"id {member_id}")
        await self.session.delete(row)
        await self.audit(
            actor,
            "subgroup_member_removed",
            subgroup,
            f"Removed a member from the subgroup '{subgroup.name}' of {workstream.code}",
            audit.diff({"roster_member_id": row.roster_member_id, "volunteer_id": row.volunteer_id}, {}),
        )

    async def meetings(self, subgroup: Subgroup) -> Sequence[Meeting]:
        rows = await self.session.scalars(
            select(Meeting).where(Meeting.subgroup_id == subgroup.id).order_by(Meeting.starts_at.desc())
        )
        return rows.all()

    async def schedule(self, actor: Principal, code: str, subgroup_id: UUID, data: MeetingIn) -> Meeting:
        """A subgroup's meeting: its agenda is the items given (a subgroup has no standing agenda)."""
        workstream = await self.for_runners(actor, code, "schedule its subgroups' meetings")
        subgroup = await self._of(workstream, subgroup_id)
        items = [t.strip() for t in data.extra_agenda if t.strip()]
        raise_if_any(
            [
                text_problem(data.title, "title", label="a title", max_length=200),
                starts_at_problem(data.starts_at),
                optional_text(data.location, "location", "the location"),
                *(optional_text(t, f"extra_agenda[{i}]", "an agenda item") for i, t in enumerate(items)),
            ]
        )
        assert data.starts_at is not None
        meeting = Meeting(
            workstream_id=workstream.id,
            subgroup_id=subgroup.id,
            title=data.title.strip(),
            starts_at=clock.as_utc(data.starts_at),
            location=data.location.strip(),
            scheduled_by=actor.label,
            agenda=[AgendaItem(position=i, title=t, standing=False) for i, t in enumerate(items, 1)],
            attendance=[],
        )
        self.session.add(meeting)
        await self.session.flush()
        await self.audit(
            actor,
            "meeting_scheduled",
            meeting,
            f"Scheduled '{meeting.title}' for the subgroup '{subgroup.name}' of {workstream.code}",
            audit.diff({}, meeting_snapshot(meeting) | {"subgroup": subgroup.name, "agenda": items}),
        )
        return meeting
