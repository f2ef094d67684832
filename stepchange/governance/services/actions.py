"""The action log: owners, due dates, and escalation to the programme board."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, not_, select

from stepchange.accounts.models import StaffUser
from stepchange.core import audit, clock
from stepchange.core.authz import StaffRole
from stepchange.core.errors import BrokenRule, FieldError, NotAllowed, NotSignedIn, StaleVersion
from stepchange.core.guards import Principal
from stepchange.core.pagination import Window
from stepchange.core.validation import text_problem
from stepchange.governance.models import OPEN_STATUSES, ActionItem, ActionStatus, Meeting
from stepchange.governance.partnership_models import Subgroup
from stepchange.governance.schemas import ActionChangeIn, ActionIn
from stepchange.governance.services.common import Governance, optional_text, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream


def action_snapshot(item: ActionItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": item.owner_name,
        "owner_staff_id": item.owner_staff_id,
        "due_on": item.due_on,
        "status": item.status,
        "notes": item.notes,
        "meeting_id": item.meeting_id,
        "escalated_at": item.escalated_at,
        "escalation_reason": item.escalation_reason,
        "subgroup_id": item.subgroup_id,
    }


ACTION_PERSONAL = ("owner", "notes", "escalation_reason")
"""An owner may be a volunteer: their name must not outlive erasure in the audit. Notes and escalation
reasons are encrypted at rest: the audit names the change and never quotes them."""


def action_problems(title: str, owner: str, due_on: dt.date | None, notes: str) -> list[FieldError | None]:
    return [
        text_problem(title, "title", label="what the action is", max_length=300),
        text_problem(owner, "owner", label="who owns the action", max_length=200),
        FieldError("due_on", "Enter the date the action is due") if due_on is None else None,
        optional_text(notes, "notes", "the notes", max_length=10_000),
    ]


def overdue(today: dt.date) -> ColumnElement[bool]:
    """Open or in progress, and due before today (UK)."""
    return and_(ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_on < today)


@dataclass(frozen=True)
class ActionFilter:
    """Which actions a list shows; ``open`` means open or in progress."""

    status: ActionStatus | None = None
    open: bool | None = None
    overdue: bool | None = None
    escalated: bool | None = None

    def conditions(self, today: dt.date) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.status is not None:
            where.append(ActionItem.status == self.status)
        if self.open is not None:
            is_open = ActionItem.status.in_(OPEN_STATUSES)
            where.append(is_open if self.open else not_(is_open))
        if self.overdue is not None:
            where.append(overdue(today) if self.overdue else not_(overdue(today)))
        if self.escalated is not None:
            where.append(ActionItem.escalated_at.is_not(None) if self.escalated else ActionItem.escalated_at.is_(None))
        return where


class ActionService(Governance):
    """The work-stream's action plan: every action has an owner and a due date; escalated actions reach the board."""

    async def actions(
        self, principal: Principal | None, code: str, which: ActionFilter, window: Window
    ) -> tuple[Workstream, Sequence[ActionItem], int]:
        """Actions by due date (earliest first)."""
        workstream = await self.for_members(principal, code, "see its action log")
        where = [ActionItem.workstream_id == workstream.id, *which.conditions(clock.uk_today())]
        total = await self.session.scalar(select(func.count()).select_from(ActionItem).where(*where)) or 0
        rows = await self.session.scalars(
            select(ActionItem)
            .where(*where)
            .order_by(ActionItem.due_on, ActionItem.created_at)
            .limit(window.limit)
            .offset(window.offset)
        )
        return workstream, rows.all(), int(total)

    async def action(self, principal: Principal | None, code: str, action_id: UUID) -> ActionItem:
        workstream = await self.for_members(principal, code, "see its action log")
        return await self.one(ActionItem, workstream, action_id, "action")

    async def add(self, actor: Principal, code: str, data: ActionIn) -> ActionItem:
        workstream = await self.for_runners(actor, code, "add to its action log")
        title, owner, notes = data.title.strip(), data.owner.strip(), data.notes.strip()
        raise_if_any([*action_problems(title, owner, data.due_on, notes), *await self._link_problems(workstream, data)])
        assert data.due_on is not None
        item = ActionItem(
            workstream_id=workstream.id,
            workstream=workstream,
            meeting_id=data.meeting_id,
            subgroup_id=data.subgroup_id,
            title=title,
            owner_name=owner,
            owner_staff_id=data.owner_staff_id,
            due_on=data.due_on,
            notes=notes,
            status=ActionStatus.OPEN,
        )
        self.session.add(item)
        await self.session.flush()
        await self.audit(
            actor,
            "action_added",
            item,
            f"Added an action to {workstream.code}: {item.title}",
            audit.diff({}, action_snapshot(item), personal=ACTION_PERSONAL),
        )
        return item

    async def _link_problems(self, workstream: Workstream, data: ActionIn) -> list[FieldError | None]:
        """The owner's staff account and the meeting that agreed the action must exist (and be this work-stream's)."""
        problems: list[FieldError | None] = []
        if data.owner_staff_id is not None and await self.session.get(StaffUser, data.owner_staff_id) is None:
            problems.append(FieldError("owner_staff_id", "There is no member of staff with this id"))
        if data.meeting_id is not None:
            meeting = await self.session.get(Meeting, data.meeting_id)
            if meeting is None or meeting.workstream_id != workstream.id:
                problems.append(FieldError("meeting_id", "There is no meeting of this work-stream with this id"))
        if data.subgroup_id is not None:
            subgroup = await self.session.get(Subgroup, data.subgroup_id)
            if subgroup is None or subgroup.workstream_id != workstream.id:
                problems.append(FieldError("subgroup_id", "There is no subgroup of this work-stream with this id"))
        return problems

    async def change(self, actor: Principal, code: str, action_id: UUID, data: ActionChangeIn) -> ActionItem:
        """Update an action; ``version``, when sent, must be the current one (nobody's change is lost)."""
        workstream = await self.for_runners(actor, code, "update its action log")
        item = await self.one(ActionItem, workstream, action_id, "action")
        if data.version is not None and data.version != item.version:
            raise StaleVersion("action", data.version, item.version)
        title, owner, notes = (
            (new if new is not None else old).strip()
            for new, old in ((data.title, item.title), (data.owner, item.owner_name), (data.notes, item.notes))
        )
        raise_if_any(action_problems(title, owner, item.due_on, notes))
        before = action_snapshot(item)
        if owner != item.owner_name:
            item.owner_name, item.owner_staff_id = owner, None
        item.title, item.notes = title, notes
        item.due_on = data.due_on or item.due_on
        item.status = data.status or item.status
        changes = audit.diff(before, action_snapshot(item), personal=ACTION_PERSONAL)
        if changes:
            await self.session.flush()
            await self.audit(actor, "action_changed", item, f"Updated the action: {item.title}", changes)
        return item

    async def escalate(self, actor: Principal, code: str, action_id: UUID, reason: str) -> ActionItem:
        """Escalate to the programme board: the action stays escalated until it is done or dropped."""
        workstream = await self.for_runners(actor, code, "escalate its actions")
        item = await self.one(ActionItem, workstream, action_id, "action")
        raise_if_any([text_problem(reason, "reason", label="why the action is escalated", max_length=1000)])
        broken = []
        if item.status.is_closed:
            broken.append(
                BrokenRule("action_closed", f"This action is {item.status.value}; only open actions escalate")
            )
        if item.escalated_at is not None:
            broken.append(BrokenRule("already_escalated", "This action has already been escalated"))
        refuse_if_any(broken)
        before = action_snapshot(item)
        item.escalated_at, item.escalation_reason, item.escalated_by = clock.now(), reason.strip(), actor.label
        await self.session.flush()
        await self.audit(
            actor,
            "action_escalated",
            item,
            f"Escalated the action: {item.title}",
            audit.diff(before, action_snapshot(item), personal=ACTION_PERSONAL),
        )
        return item

    async def escalations(self, principal: Principal | None, window: Window) -> tuple[Sequence[ActionItem], int]:
        """Escalated actions still open, across the work-streams, the longest-waiting first."""
        if principal is None:
            raise NotSignedIn()
        if principal.role not in (StaffRole.COORDINATOR, StaffRole.BOARD):
            raise NotAllowed("Only the programme board and the programme office see the escalations")
        where = [ActionItem.escalated_at.is_not(None), ActionItem.status.in_(OPEN_STATUSES)]
        total = await self.session.scalar(select(func.count()).select_from(ActionItem).where(*where)) or 0
        rows = await self.session.scalars(
            select(ActionItem).where(*where).order_by(ActionItem.escalated_at).limit(window.limit).offset(window.offset)
        )
        return rows.all(), int(total)
