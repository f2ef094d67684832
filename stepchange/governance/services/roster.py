"""The roster: the members of a work-stream's group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import exists, func, or_, select

from stepchange.accounts.models import StaffUser
from stepchange.core import audit, clock
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.governance.models import MemberKind, RosterMember
from stepchange.governance.schemas import MemberChangeIn, MemberIn
from stepchange.governance.services.common import Governance, optional_text, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream


def member_snapshot(member: RosterMember) -> dict[str, Any]:
    return {
        "kind": member.kind,
        "staff_user_id": member.staff_user_id,
        "name": member.name,
        "organisation": member.organisation,
        "email": member.email,
        "deputy_name": member.deputy_name,
        "deputy_organisation": member.deputy_organisation,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }


MEMBER_PERSONAL = ("name", "email", "deputy_name")
"""A volunteer's details must not outlive their erasure in the audit: only that they changed is kept."""


def member_problems(member: RosterMember) -> list[FieldError | None]:
    return [
        text_problem(member.name, "name", label="the member's name", max_length=200),
        text_problem(member.organisation, "organisation", label="the member's organisation", max_length=200),
        email_problem(member.email) if member.email else None,
        optional_text(member.deputy_name, "deputy_name", "the deputy's name"),
        optional_text(member.deputy_organisation, "deputy_organisation", "the deputy's organisation"),
    ]


class RosterService(Governance):
    """The members of a work-stream's group, each optionally with a deputy (for resilience)."""

    async def members(
        self, principal: Principal | None, code: str, *, former: bool = False
    ) -> tuple[Workstream, Sequence[RosterMember]]:
        """Current members by name (or, with ``former``, those who have left)."""
        workstream = await self.for_members(principal, code, "see its members")
        left = RosterMember.left_on.is_not(None) if former else RosterMember.left_on.is_(None)
        rows = await self.session.scalars(
            select(RosterMember)
            .where(RosterMember.workstream_id == workstream.id, left)
            .order_by(func.lower(RosterMember.name))
        )
        return workstream, rows.all()

    async def member(self, principal: Principal | None, code: str, member_id: UUID) -> RosterMember:
        workstream = await self.for_members(principal, code, "see its members")
        return await self.one(RosterMember, workstream, member_id, "member")

    async def add(self, actor: Principal, code: str, data: MemberIn) -> RosterMember:
        """Add a member of staff (their name, organisation and e-mail by default) or a volunteer."""
        workstream = await self.for_runners(actor, code, "change its members")
        user = await self.session.get(StaffUser, data.staff_user_id) if data.staff_user_id else None
        if data.staff_user_id is not None and user is None:
            raise InvalidInput.one("staff_user_id", "There is no member of staff with this id")
        member = RosterMember(
            workstream_id=workstream.id,
            kind=MemberKind.STAFF if user else MemberKind.VOLUNTEER,
            staff_user_id=user.id if user else None,
            name=(data.name or (user.name if user else "")).strip(),
            organisation=(data.organisation or (user.organisation if user else "")).strip(),
            email=normalise_email(data.email or (user.email if user else "")),
            deputy_name=data.deputy_name.strip(),
            deputy_organisation=data.deputy_organisation.strip(),
            joined_on=clock.uk_today(),
        )
        raise_if_any(member_problems(member))
        refuse_if_any(await self._duplicate(member))
        self.session.add(member)
        await self.session.flush()
        await self.audit(
            actor,
            "member_added",
            member,
            f"Added a {member.kind.value} member from {member.organisation} to {workstream.code}",
            audit.diff({}, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member

    async def _duplicate(self, member: RosterMember) -> list[BrokenRule]:
        same_person = [RosterMember.email == member.email] if member.email else []
        if member.staff_user_id is not None:
            same_person.append(RosterMember.staff_user_id == member.staff_user_id)
        if not same_person:
            return []
        found = await self.session.scalar(
            select(
                exists().where(
                    RosterMember.workstream_id == member.workstream_id,
                    RosterMember.left_on.is_(None),
                    RosterMember.id != member.id,
                    or_(*same_person),
                )
            )
        )
        return [BrokenRule("already_member", "This person is already a member of this work-stream")] if found else []

    async def change(self, actor: Principal, code: str, member_id: UUID, data: MemberChangeIn) -> RosterMember:
        workstream = await self.for_runners(actor, code, "change its members")
        member = await self.one(RosterMember, workstream, member_id, "member")
        before = member_snapshot(member)
        for name in ("name", "organisation", "deputy_name", "deputy_organisation"):
            value = getattr(data, name)
            if value is not None:
                setattr(member, name, value.strip())
        if data.email is not None:
            member.email = normalise_email(data.email)
        raise_if_any(member_problems(member))
        refuse_if_any(await self._duplicate(member))
        await self.audit(
            actor,
            "member_changed",
            member,
            f"Changed a member of {workstream.code}",
            audit.diff(before, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member

    async def leave(self, actor: Principal, code: str, member_id: UUID) -> RosterMember:
        """A member leaves the group today; they stay in the roster's history."""
        workstream = await self.for_runners(actor, code, "change its members")
        member = await self.one(RosterMember, workstream, member_id, "member")
        if member.left_on is not None:
            raise RuleViolation([BrokenRule("member_left", "This member has already left")])
        before = member_snapshot(member)
        member.left_on = clock.uk_today()
        await self.audit(
            actor,
            "member_left",
            member,
            f"A member from {member.organisation} left {workstream.code}",
            audit.diff(before, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member
