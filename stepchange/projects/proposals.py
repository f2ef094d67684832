"""Amendment proposals: participants suggest a new title, Action or Vision while a project is provisional;
its co-chairs or the office accept one (a new version, through :meth:`ProjectService.amend`, so versions,
the stale-version check and the audit stay one rule) or refuse it with a reason. The proposer is e-mailed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit, clock
from stepchange.core.authz import Role, require_runs_workstream, runs_workstream
from stepchange.core.errors import (
    BrokenRule,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    RuleViolation,
    StaleVersion,
)
from stepchange.core.guards import Principal
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.projects.facts import PARTICIPANTS, Participant
from stepchange.projects.models import Project, ProjectStatus
from stepchange.projects.proposals_models import Proposal, ProposalStatus
from stepchange.projects.services import LIMITS, Amendment, ProjectService

FIELDS = ("title", "action", "vision")
LABELS = {"title": "Title", "action": "Action", "vision": "Vision for success"}
RATIONALE_LIMIT = 5000
REASON_LIMIT = 2000
DECISIONS = (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED)


@dataclass(frozen=True)
class Draft:
    """What a participant proposes; ``None`` (or the current text) leaves a field as it is. ``version`` is
    the version it was written against (``None``: the current one; volunteers see no version numbers)."""

    version: int | None
    rationale: str
    title: str | None = None
    action: str | None = None
    vision: str | None = None


@dataclass(frozen=True)
class Piece:
    """A run of words in a comparison: ``equal``, ``insert`` (proposed) or ``delete`` (current only)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Comparison:
    """One field: the current text beside the proposed one, and the word-level difference."""

    field: str
    label: str
    current: str
    proposed: str
    changed: bool
    pieces: list[Piece]


WORDS = re.compile(r"\S+\s*")


def word_diff(current: str, proposed: str) -> list[Piece]:
    """The word-level difference (difflib over words, each keeping its following space)."""
    old, new = WORDS.findall(current), WORDS.findall(proposed)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            pieces.append(Piece("delete", "".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(Piece("insert", "".join(new[j1:j2])))
        if tag == "equal":
            pieces.append(Piece("equal", "".join(old[i1:i2])))
    return pieces


def compare(project: Project, proposal: Proposal) -> list[Comparison]:
    """Each field of the proposal beside the project's current text."""
    found = []
    for name in FIELDS:
        current: str = getattr(project, name)
        proposed: str | None = getattr(proposal, name)
        changed = proposed is not None and proposed != current
        text = proposed if proposed is not None else current
        pieces = word_diff(current, text) if changed else [Piece("equal", current)]
        found.append(Comparison(name, LABELS[name], current, text, changed, pieces))
    return found


def _rationale(value: str) -> str:
    problem = text_problem(
        value, "rationale", label="why you propose this change", max_length=RATIONALE_LIMIT, required=True
    )
    if problem is not None:
        raise InvalidInput([problem])
    return value.strip()


def _changes(project: Project, draft: Draft) -> dict[str, str | None]:
    """The fields that differ from the current text; InvalidInput naming each bad field, or none changed."""
    errors: list[FieldError] = []
    changes: dict[str, str | None] = {}
    for name in FIELDS:
        value: str | None = getattr(draft, name)
        if value is None:
            changes[name] = None
            continue
        problem = text_problem(value, name, label=f"the {name}", max_length=LIMITS[name], required=True)
        if problem is not None:
            errors.append(problem)
        changes[name] = value.strip() if value.strip() != getattr(project, name) else None
    if errors:
        raise InvalidInput(errors)
    if all(v is None for v in changes.values()):
        raise InvalidInput.one("title", "Change at least one of the title, the Action or the Vision")
    return changes


class ProposalRepository(SQLAlchemyAsyncRepository[Proposal]):
    model_type = Proposal


class ProposalService(DomainService[Proposal, ProposalRepository]):
    """Proposals and their decisions; every door calls these."""

    repository_type = ProposalRepository

    @property
    def projects(self) -> ProjectService:
        return ProjectService(session=self.session)

    async def participant(self, actor: Principal | None, project: Project) -> Participant | None:
        if actor is None:
            return None
        return await PARTICIPANTS().participant(self.session, actor, project.id, project.workstream_id)

    async def may_propose(self, actor: Principal | None, project: Project) -> bool:
        """Show "Suggest a change": the project is provisional and the person takes part in it."""
        return project.status == ProjectStatus.PROVISIONAL and await self.participant(actor, project) is not None

    async def proposer(self, actor: Principal | None, project: Project) -> Participant:
        """The participant proposing, or 403 naming who may; 409 unless the project is provisional."""
        who = await self.participant(actor, project)
        if who is None:
            raise NotAllowed(
                "Only the work-stream's co-chairs and members, and volunteers interested in or placed on this "
                "project, may propose changes to it"
            )
        if project.status != ProjectStatus.PROVISIONAL:
            raise RuleViolation(
                [
                    BrokenRule(
                        "not_provisional",
                        f"Changes can be proposed only while a project is provisional; {project.code} is "
                        f"{project.status.value}",
                    )
                ]
            )
        return who

    async def propose(self, actor: Principal | None, code: str, draft: Draft) -> Proposal:
        project = await self.projects.by_code(code)
        who = await self.proposer(actor, project)
        changes = _changes(project, draft)
        rationale = _rationale(draft.rationale)
        if draft.version is not None and draft.version != project.version:
            raise StaleVersion("project", draft.version, project.version)
        proposal = Proposal(
            project_id=project.id,
            base_version=project.version,
            rationale=rationale,
            proposer_staff_id=who.staff_id,
            proposer_volunteer_id=who.volunteer_id,
            proposer_name=who.name,
            proposer_email=who.email,
            **changes,
        )
        self.session.add(proposal)
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            "project.proposal_made",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code}: change proposed against version {project.version} by {_who(proposal)}",
            changes={"fields": [n for n in FIELDS if changes[n] is not None]},
        )
        return proposal

    def _visible(self, actor: Principal, project: Project) -> ColumnElement[bool] | None:
        """Everything for those who run the work-stream; only their own for anyone else."""
        if runs_workstream(actor, project.workstream_id):
            return None
        if actor.role == Role.VOLUNTEER:
            return Proposal.proposer_volunteer_id == actor.id
        return Proposal.proposer_staff_id == actor.id

    async def for_project(
        self, actor: Principal, code: str, *, status: ProposalStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[Project, Sequence[Proposal], int]:
        """The proposals the person may see, newest first, with how many there are."""
        project = await self.projects.by_code(code)
        filters = [Proposal.project_id == project.id]
        if (own := self._visible(actor, project)) is not None:
            filters.append(own)
        if status is not None:
            filters.append(Proposal.status == status)
        total = await self.session.scalar(select(func.count()).select_from(Proposal).where(*filters))
        rows = await self.session.scalars(
            select(Proposal)
            .where(*filters)
            .order_by(Proposal.created_at.desc(), Proposal.id)
            .limit(limit)
            .offset(offset)
        )
        return project, rows.all(), int(total or 0)

    async def one(self, actor: Principal, code: str, proposal_id: UUID) -> tuple[Project, Proposal]:
        """One proposal, for those who run the work-stream and for its proposer (404 for anyone else)."""
        project = await self.projects.by_code(code)
        own = self._visible(actor, project)
        filters = [Proposal.id == proposal_id, Proposal.project_id == project.id]
        found = await self.session.scalar(select(Proposal).where(*filters, *([own] if own is not None else [])))
        if found is None:
            raise NotFound("proposal", f"id {proposal_id} on {project.code}")
        return project, found

    async def decide(
        self, actor: Principal, code: str, proposal_id: UUID, decision: ProposalStatus, reason: str
    ) -> Proposal:
        """Accept (a new version, or 409 when the project has moved on: the proposal stays open) or refuse
        with a reason; the proposer is e-mailed either way."""
        project = await self.projects.by_code(code)
        require_runs_workstream(actor, project.workstream_id, "decide on proposals for this project")
        project, proposal = await self.one(actor, code, proposal_id)
        if decision not in DECISIONS:
            raise InvalidInput.one("decision", "Choose whether to accept or refuse the proposal")
        reason = reason.strip()
        problem = text_problem(
            reason, "reason", label="the reason", max_length=REASON_LIMIT, required=decision == ProposalStatus.REJECTED
        )
        if problem is not None:
            raise InvalidInput([problem])
        if proposal.status != ProposalStatus.OPEN:
            raise RuleViolation([BrokenRule("already_decided", f"This proposal was already {proposal.status.value}")])
        if decision == ProposalStatus.ACCEPTED:
            change = Amendment(
                proposal.base_version,
                proposal.title,
                proposal.action,
                proposal.vision,
                f"Accepted proposal by {_who(proposal)}"[: LIMITS["note"]],
            )
            amended = await self.projects.amend(actor, project.code, change)
            proposal.applied_version = amended.version
        proposal.status, proposal.reason = decision, reason
        proposal.decided_by, proposal.decided_at = actor.label, clock.now()
        await audit.record(
            self.session,
            actor,
            f"project.proposal_{decision.value}",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code}: proposal by {_who(proposal)} {decision.value}",
            changes={"proposal": str(proposal.id), "proposer": _who(proposal)},
        )
        await queue_templated_mail(
            self.session,
            "proposal_decided",
            to=proposal.proposer_email,
            category="proposal_decided",
            project=project,
            proposal=proposal,
        )
        await self.session.flush()
        return proposal

    async def open_proposals(self, workstream_id: UUID, limit: int = 50) -> list[tuple[Proposal, Project]]:
        """A work-stream's open proposals, oldest first: its co-chairs' queue."""
        rows = await self.session.execute(
            select(Proposal, Project)
            .join(Project, Proposal.project_id == Project.id)
            .where(Project.workstream_id == workstream_id, Proposal.status == ProposalStatus.OPEN)
            .order_by(Proposal.created_at, Proposal.id)
            .limit(limit)
        )
        return [(p, project) for p, project in rows.all()]


def _who(proposal: Proposal) -> str:
    """The proposer as the audit names them: a member of staff by name, a volunteer by their record's id
    (the audit of a project is not erased with the person, so it keeps no volunteer's name)."""
    if proposal.proposer_volunteer_id is not None:
        return f"volunteer {proposal.proposer_volunteer_id}"
    return proposal.proposer_name


async def forget_proposer(session: AsyncSession, volunteer_id: UUID, erased: str) -> None:
    """Erasure: a volunteer's proposals stay (the projects' history counts them) without their name,
    address or words."""
    await session.execute(
        update(Proposal)
        .where(Proposal.proposer_volunteer_id == volunteer_id)
        .values(proposer_name=erased, proposer_email="", rationale=erased)
    )


async def proposals_of(session: AsyncSession, volunteer_id: UUID) -> list[dict[str, object]]:
    """A volunteer's proposals, for their subject-access download."""
    rows = await session.execute(
        select(Proposal, Project.code)
        .join(Project, Proposal.project_id == Project.id)
        .where(Proposal.proposer_volunteer_id == volunteer_id)
        .order_by(Proposal.created_at)
    )
    return [
        {
            "project": code,
            "proposed_at": p.created_at,
            "title": p.title,
            "action": p.action,
            "vision": p.vision,
            "rationale": p.rationale,
            "status": p.status,
            "reason": p.reason,
        }
        for p, code in rows.all()
    ]
