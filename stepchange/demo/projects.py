"""The projects' progress over a batch: commercial-advantage reviews, dated status updates moving
projects along the lifecycle (recruiting, staffed, delivering) with RAG and narrative, and milestones."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Generator, ProjectInfo, stamp
from stepchange.demo.vocabulary import SUMMARIES
from stepchange.ethics.models import CLEARING, ProjectOutcome, ProjectReview
from stepchange.governance.models import Seat
from stepchange.projects import cache as project_cache
from stepchange.projects.models import Milestone, Project, ProjectStatus, Rag, StatusUpdate


async def project_progress(gen: Generator) -> None:
    """Ethics reviews, status updates along the lifecycle with RAG and narrative, milestones."""
    reviews, updates, audits, milestones = [], [], [], []
    for project in gen.projects:
        if project.id not in gen.reviewed and gen.rng.random() < 0.9:
            outcome = gen.rng.choices(list(ProjectOutcome), weights=(65, 28, 7))[0]
            reviews.append(
                {
                    "id": gen.new_id(),
                    "project_id": project.id,
                    "outcome": outcome,
                    "conditions": "No supplier may be named in the guidance."
                    if outcome is ProjectOutcome.CLEARED_WITH_CONDITIONS
                    else "",
                    "reason": "Reviewed for commercial advantage against the programme's ethics statement.",
                    "reviewer_id": gen.ethics.id,
                    "reviewer": gen.ethics.label,
                    **stamp(gen.between(gen.opens_at, gen.now)),
                }
            )
            project.cleared = outcome in CLEARING
        path = moves(gen, project)
        keeps = gen.rng.randint(1, 4)
        moments = sorted(gen.between(gen.opens_at, gen.now) for _ in range(len(path) + keeps))
        seat_holder = gen.seats[project.workstream_id][Seat.BUSINESS_CO_CHAIR][0]
        current, rag = project.status, Rag.GREEN
        steps = [*path, *([None] * keeps)]
        gen.rng.shuffle(steps)
        for target, at in zip(steps, moments, strict=True):
            rag = gen.rng.choices(list(Rag), weights=(60, 30, 10))[0]
            new_status = target or current
            updates.append(
                {
                    "id": gen.new_id(),
                    "project_id": project.id,
                    "previous_status": current,
                    "status": new_status,
                    "rag": rag,
                    "summary": gen.rng.choice(SUMMARIES[rag]),
                    "author_id": seat_holder.id,
                    "author": seat_holder.label,
                    **stamp(at),
                }
            )
            audits.append(
                gen.audit(
                    seat_holder,
                    "project.status_updated",
                    "project",
                    project.code,
                    f"{project.code}: {current.value} → {new_status.value}, {rag.value}",
                    at,
                    {"status": {"before": current.value, "after": new_status.value}},
                )
            )
            if current is ProjectStatus.PROVISIONAL and new_status is not current:
                project.provisional_until = at
            current = new_status
        project.status, project.updated = current, True
        await gen.session.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(status=current, rag=rag, updated_at=moments[-1])
            .execution_options(synchronize_session=False)
        )
        for n in range(2):
            due = gen.today + dt.timedelta(days=gen.rng.randint(-60, 150))
            milestones.append(
                {
                    "id": gen.new_id(),
                    "key": f"demo-{gen.seed}-{gen.batch}-{project.code.lower()}-{n + 1}",
                    "title": gen.rng.choice(("Terms of reference agreed", "Pilot complete", "Guidance drafted"))
                    + f" ({project.code})",
                    "due_on": due,
                    "done_on": due if due < gen.today and gen.rng.random() < 0.7 else None,
                    "project_id": project.id,
                    **stamp(gen.opens_at),
                }
            )
    await project_cache.bump(gen.session)
    await gen.insert(ProjectReview, reviews)
    await gen.insert(StatusUpdate, updates)
    await gen.insert(Milestone, milestones)
    await gen.insert(AuditEntry, audits)


def moves(gen: Generator, project: ProjectInfo) -> list[ProjectStatus]:
    """The legal moves this batch makes: provisional → recruiting → staffed (a lead accepted) →
    delivering (ethics cleared), not every project getting as far."""
    path, status = [], project.status
    if status is ProjectStatus.PAUSED and gen.rng.random() < 0.5:
        status = ProjectStatus.RECRUITING
        path.append(status)
    if status is ProjectStatus.PROVISIONAL and gen.rng.random() < 0.85:
        status = ProjectStatus.RECRUITING
        path.append(status)
    if status is ProjectStatus.RECRUITING and project.lead_accepted and gen.rng.random() < 0.8:
        status = ProjectStatus.STAFFED
        path.append(status)
    if status is ProjectStatus.STAFFED and project.cleared and gen.rng.random() < 0.4:
        status = ProjectStatus.DELIVERING
        path.append(status)
    return path
