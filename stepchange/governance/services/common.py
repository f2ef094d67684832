"""What every governance service shares: the work-stream, who may see or run it, validation, the audit.

How a work-stream is run (DESIGN.md, "Work-stream governance"; the Protect & Prepare guidance).
- The programme office (coordinators) does everything in every work-stream, and alone makes
  appointments: it runs the programme.
- A work-stream's co-chairs and deputies (role ``co_chair``, bound to it) run its roster, meetings,
  minutes and action log.
- Its *members* (the office, its co-chairs and deputies, and staff on its roster) read its
  appointments, roster, meetings, minutes and actions; nobody else does, whatever their role:
  minutes are never public, nor shown to the board, ethics or other work-streams.
- The board and the office read the escalated actions of every work-stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.core import audit
from stepchange.core.authz import StaffRole, require_runs_workstream, runs_workstream
from stepchange.core.database import Base
from stepchange.core.errors import (
    BrokenRule,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotSignedIn,
    RuleViolation,
)
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.models import ActionItem, Appointment, Meeting, RosterMember
from stepchange.workstreams.models import Workstream
from stepchange.workstreams.services import WORKSTREAM_CODE

ModelT = TypeVar("ModelT", Appointment, RosterMember, Meeting, ActionItem)


async def is_member(session: AsyncSession, principal: Principal | None, workstream_id: UUID) -> bool:
    """The office, the work-stream's co-chairs and deputies (while they hold that role for it), and staff
    on its roster. An appointment alone grants nothing: access follows the account's current role, so a
    co-chair moved to the board or another work-stream stops reading these minutes at once."""
    if principal is None:
        return False
    if runs_workstream(principal, workstream_id):
        return True
    roster = select(RosterMember.id).where(
        RosterMember.workstream_id == workstream_id,
        RosterMember.staff_user_id == principal.id,
        RosterMember.left_on.is_(None),
    )
    return bool(await session.scalar(select(exists(roster))))


def raise_if_any(problems: Iterable[FieldError | None]) -> None:
    """Refuse (400) naming every field that is wrong, not just the first."""
    errors = [p for p in problems if p is not None]
    if errors:
        raise InvalidInput(errors)


def refuse_if_any(rules: Sequence[BrokenRule]) -> None:
    """Refuse (409) naming every rule broken, not just the first."""
    if rules:
        raise RuleViolation(rules)


def optional_text(value: str, field: str, label: str, max_length: int = 200) -> FieldError | None:
    """What is wrong with a text that may be left empty (too long, or with control characters), if anything."""
    return text_problem(value, field, label=label, max_length=max_length, required=False)


class Governance:
    """What every governance service shares: finding the work-stream, who may see or run it, the audit."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def workstream(self, code: str) -> Workstream:
        """The work-stream by its code in any letter case, or 404 (a code that cannot be one is not looked up)."""
        code = code.strip().upper()
        found = (
            await self.session.scalar(select(Workstream).where(Workstream.code == code))
            if WORKSTREAM_CODE.fullmatch(code)
            else None
        )
        if found is None:
            raise NotFound("work-stream", f"code {code!r}")
        return found

    async def for_members(self, principal: Principal | None, code: str, doing: str) -> Workstream:
        """The work-stream, if ``principal`` is one of its members (401 or 403 otherwise)."""
        if principal is None:
            raise NotSignedIn()
        workstream = await self.workstream(code)
        if not await is_member(self.session, principal, workstream.id):
            raise NotAllowed(f"Only the programme office and this work-stream's members may {doing}")
        return workstream

    async def for_runners(self, principal: Principal | None, code: str, doing: str) -> Workstream:
        """The work-stream, if ``principal`` runs it: the office or its co-chairs (401 or 403 otherwise)."""
        if principal is None:
            raise NotSignedIn()
        workstream = await self.workstream(code)
        require_runs_workstream(principal, workstream.id, doing)
        return workstream

    async def one(self, model: type[ModelT], workstream: Workstream, item_id: UUID, thing: str) -> ModelT:
        """A row of this work-stream, or 404 (a row of another work-stream is not found here)."""
        found = await self.session.get(model, item_id)
        if found is None or found.workstream_id != workstream.id:
            raise NotFound(thing, f"id {item_id}")
        return found

    async def staff(self, *, appointable: bool = False) -> Sequence[StaffUser]:
        """Active members of staff by name, to choose a member from (or, if ``appointable``, an appointee)."""
        query = select(StaffUser).where(StaffUser.is_active.is_(True)).order_by(func.lower(StaffUser.name))
        if appointable:
            query = query.where(StaffUser.role.not_in([StaffRole.COORDINATOR, StaffRole.ETHICS]))
        return (await self.session.scalars(query)).all()

    async def audit(self, actor: Principal, action: str, subject: Base, summary: str, changes: dict[str, Any]) -> None:
        """Record a change in the audit as ``workstream.<action>``."""
        await audit.record(
            self.session,
            actor,
            f"workstream.{action}",
            subject_type=str(subject.__tablename__),
            subject_id=subject.id,
            summary=summary,
            changes=changes,
        )
