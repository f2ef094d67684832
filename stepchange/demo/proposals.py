"""Amendment proposals on the projects that were provisional when the batch began: made while they still
were, by volunteers interested in them and by their co-chairs; most decided by a co-chair (refused with a
reason, or accepted as a new version of the project, as ``ProposalService.decide`` does), some still open.

A proposal is accepted only when it was written against the project's version at the time (no other
acceptance came between), so every applied version has its ``project_version`` row, the project carries
its last accepted text, and each step has its audit row. The decision e-mails are not generated.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from stepchange.accounts.models import StaffUser
from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Actor, Generator, Newcomer, ProjectInfo, stamp
from stepchange.demo.vocabulary import PROPOSAL_RATIONALES, REFUSALS
from stepchange.governance.models import Seat
from stepchange.projects import cache as project_cache
from stepchange.projects.models import Project, ProjectStatus, ProjectVersion
from stepchange.projects.proposals_models import Proposal as ProposalRow
from stepchange.projects.proposals_models import ProposalStatus

INTERESTED_KEPT = 20
"""People remembered per provisional project as possible proposers (bounded at any scale)."""
DECIDED_AFTER_HOURS = (24.0, 24.0 * 10)


def remember_interest(gen: Generator, someone: Newcomer, chosen: list[ProjectInfo]) -> None:
    """Keep the first few people interested in each provisional project."""
    for project in chosen:
        if project.status is ProjectStatus.PROVISIONAL and len(gen.interested[project.id]) < INTERESTED_KEPT:
            gen.interested[project.id].append(someone)


@dataclass
class Text:
    """A project's current text and version as the proposals change it."""

    version: int
    title: str
    action: str
    vision: str
    accepted: list[dt.datetime]


async def proposals(gen: Generator) -> None:
    """A few proposals for each project provisional at the batch's start, decided in time order."""
    provisional = [p for p in gen.projects if p.status is ProjectStatus.PROVISIONAL or p.provisional_until]
    texts = {
        pid: Text(version, title, action, vision, [])
        for pid, version, title, action, vision in (
            await gen.session.execute(
                select(Project.id, Project.version, Project.title, Project.action, Project.vision).where(
                    Project.id.in_([p.id for p in provisional])
                )
            )
        ).all()
    }
    emails = dict((await gen.session.execute(select(StaffUser.id, StaffUser.email))).all())
    rows: dict[Any, list[dict[str, Any]]] = {ProposalRow: [], ProjectVersion: [], AuditEntry: []}
    for project in provisional:
        text = texts[project.id]
        until = project.provisional_until or gen.now
        made = [
            (proposer(gen, project, emails), gen.between(gen.opens_at, until)) for _ in range(gen.rng.randint(1, 6))
        ]
        for who, at in sorted(made, key=lambda pair: pair[1]):
            if at >= who[3]:
                one(gen, project, text, who, at, until, rows)
        if text.accepted:
            await gen.session.execute(
                update(Project)
                .where(Project.id == project.id)
                .values(version=text.version, title=text.title, action=text.action, vision=text.vision)
                .execution_options(synchronize_session=False)
            )
    await project_cache.bump(gen.session)
    for model, found in rows.items():
        await gen.insert(model, found)


Proposer = tuple[uuid.UUID | None, uuid.UUID | None, str, dt.datetime, str]
"""Staff id, volunteer id, name, the earliest they could propose, e-mail."""


def proposer(gen: Generator, project: ProjectInfo, emails: dict[uuid.UUID, str]) -> Proposer:
    """An interested volunteer (most often) or one of the work-stream's co-chairs."""
    people = gen.interested.get(project.id, [])
    if people and gen.rng.random() < 0.7:
        someone = gen.rng.choice(people)
        return (None, someone.id, someone.name, someone.submitted, someone.email)
    chair = gen.seats[project.workstream_id][gen.rng.choice((Seat.BUSINESS_CO_CHAIR, Seat.POLICE_CO_CHAIR))][0]
    return (chair.id, None, chair.name, gen.opens_at, emails.get(chair.id, ""))


def one(
    gen: Generator,
    project: ProjectInfo,
    text: Text,
    who: Proposer,
    at: dt.datetime,
    until: dt.datetime,
    rows: dict[Any, list[dict[str, Any]]],
) -> None:
    """One proposal changing one field, and its decision if a co-chair made one before the project moved on."""
    staff_id, volunteer_id, name, _, email = who
    by = Actor(staff_id or volunteer_id or gen.new_id(), name, "co_chair" if staff_id else "volunteer")
    base = text.version - sum(1 for accepted in text.accepted if accepted > at)
    field = gen.rng.choice(("title", "action", "vision"))
    proposed = changed(field, getattr(text, field), gen.rng.random())
    decided = gen.after(at, *DECIDED_AFTER_HOURS)
    decided = decided if decided is not None and decided < until and gen.rng.random() < 0.75 else None
    chair = gen.seats[project.workstream_id][Seat.BUSINESS_CO_CHAIR][0]
    status = ProposalStatus.OPEN
    if decided is not None:
        accept = base == text.version and gen.rng.random() < 0.35  # else another acceptance came between
        status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal_id = gen.new_id()
    rows[ProposalRow].append(
        {
            "id": proposal_id,
            "project_id": project.id,
            "base_version": base,
            "title": proposed if field == "title" else None,
            "action": proposed if field == "action" else None,
            "vision": proposed if field == "vision" else None,
            "rationale": gen.rng.choice(PROPOSAL_RATIONALES),
            "status": status,
            "proposer_staff_id": staff_id,
            "proposer_volunteer_id": volunteer_id,
            "proposer_name": name,
            "proposer_email": email,
            "decided_by": chair.label if decided else "",
            "decided_at": decided,
            "reason": gen.rng.choice(REFUSALS) if status is ProposalStatus.REJECTED else "",
            "applied_version": text.version + 1 if status is ProposalStatus.ACCEPTED else None,
            "created_at": at,
            "updated_at": decided or at,
        }
    )
    rows[AuditEntry].append(
        gen.audit(by, "project.proposal_made", "project", project.code, f"{project.code}: change proposed", at, {})
    )
    if decided is not None:
        if status is ProposalStatus.ACCEPTED:
            apply(gen, project, text, field, proposed, name, chair, decided, rows)
        summary = f"{project.code}: proposal by {name} {status.value}"
        rows[AuditEntry].append(
            gen.audit(chair, f"project.proposal_{status.value}", "project", project.code, summary, decided, {})
        )


def changed(field: str, current: str, draw: float) -> str:
    """A plausible change to one field (within its length limit)."""
    if field == "title":
        return f"{current.rstrip('.')} (all sectors)"[:200]
    extra = (
        " Include small businesses and their staff."
        if draw < 0.5
        else " Measure how the guidance is used a year after publication."
    )
    return f"{current.rstrip()}{extra}"


def apply(
    gen: Generator,
    project: ProjectInfo,
    text: Text,
    field: str,
    proposed: str,
    name: str,
    chair: Actor,
    decided: dt.datetime,
    rows: dict[Any, list[dict[str, Any]]],
) -> None:
    """The accepted proposal as a new version of the project (``ProjectService.amend``'s rows)."""
    setattr(text, field, proposed)
    text.version += 1
    text.accepted.append(decided)
    rows[ProjectVersion].append(
        {
            "id": gen.new_id(),
            "project_id": project.id,
            "version": text.version,
            "title": text.title,
            "action": text.action,
            "vision": text.vision,
            "author_id": chair.id,
            "author": chair.label,
            "note": f"Accepted proposal by {name}"[:500],
            **stamp(decided),
        }
    )
    summary = f"{project.code} amended to version {text.version}"
    rows[AuditEntry].append(gen.audit(chair, "project.amended", "project", project.code, summary, decided, {}))
