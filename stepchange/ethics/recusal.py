"""Who decides: ethics reviewers decide declarations and review projects, unless their own organisation
is involved; then they are recused, and the recusal is kept.

:class:`Standing` is the one answer both doors use: the services refuse by it and the pages show the
forms (or the "ask another reviewer" note) by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.core import audit
from stepchange.core.authz import Role
from stepchange.core.errors import BrokenRule, NotAllowed, RuleViolation
from stepchange.core.guards import Principal
from stepchange.ethics.models import Recusal
from stepchange.projects.models import Project


@dataclass(frozen=True)
class Standing:
    """Where a member of staff stands towards one declaration or project under review."""

    reviewer: bool
    """An ethics reviewer: the decisions are theirs."""
    involved: bool
    """Their own organisation is involved: they may neither decide nor reclassify."""

    @property
    def may_decide(self) -> bool:
        return self.reviewer and not self.involved


UNINVOLVED = Standing(reviewer=False, involved=False)
"""Nobody in particular: how lists and the API show a declaration."""


def _organisation(value: str) -> str:
    """Organisations compared as people type them: any letter case, spacing trimmed."""
    return " ".join(value.split()).casefold()


def involved(reviewer_organisation: str, organisations: Iterable[str]) -> bool:
    """Is the reviewer's own organisation among these? (No organisation recorded: never involved.)"""
    own = _organisation(reviewer_organisation)
    return bool(own) and own in {_organisation(o) for o in organisations}


async def own_organisation(session: AsyncSession, actor: Principal) -> str:
    """The organisation of a member of staff ("" if none is recorded)."""
    user = await session.get(StaffUser, actor.id)
    return user.organisation if user is not None else ""


def standing(actor: Principal, own: str, organisations: Iterable[str]) -> Standing:
    """The reviewer rule: a reviewer is an ethics reviewer; anyone is involved when their organisation is."""
    return Standing(reviewer=actor.role == Role.ETHICS, involved=involved(own, organisations))


def require_reviewer(actor: Principal, doing: str) -> None:
    """Refuse (403) anyone but an ethics reviewer."""
    if actor.role != Role.ETHICS:
        raise NotAllowed(f"Only ethics reviewers {doing}")


async def recuse(
    session: AsyncSession, actor: Principal, *, declaration_id: UUID | None = None, project: Project | None = None
) -> NoReturn:
    """Record the recusal and keep it although the request is refused, then refuse (409 ``recused``)."""
    subject_type, subject_id = ("declaration", declaration_id) if project is None else ("project", project.code)
    session.add(
        Recusal(
            declaration_id=declaration_id,
            project_id=project.id if project is not None else None,
            reviewer_id=actor.id,
            reviewer=actor.label,
            reason=f"The reviewer's own organisation is involved in this {subject_type}",
        )
    )
    await audit.record(
        session,
        actor,
        "ethics.recused",
        subject_type=subject_type,
        subject_id=subject_id,
        summary=f"Recused: own organisation involved in this {subject_type}",
    )
    await session.commit()
    message = f"You cannot decide this: your own organisation is involved in this {subject_type}"
    raise RuleViolation([BrokenRule("recused", message)])
