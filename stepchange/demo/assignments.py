"""Assignments of validated people to project teams (accepted, offered, declined, ended; one lead per
project), which also fill the work-streams' rosters."""

from __future__ import annotations

import datetime as dt

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Chunk, Newcomer, Place, ProjectInfo, stamp

PLACED_KEPT = 40
"""People placed on a work-stream's projects remembered for its subgroups (bounded at any scale)."""


def assignment(
    chunk: Chunk, someone: Newcomer, project: ProjectInfo, wants_lead: bool, validated_at: dt.datetime
) -> None:
    """An offer of a place on the person's first choice once validated: accepted, still offered, declined
    or ended; a lead place if they asked for one and the project has none (one lead per project)."""
    gen, rng = chunk.gen, chunk.rng
    offered = gen.after(validated_at, 2, 24 * 7)
    if offered is None:
        return
    lead = wants_lead and project.id not in gen.leads_taken and rng.random() < 0.7
    status = rng.choices(list(AssignmentStatus), weights=(25, 60, 10, 5))[0]
    responded = gen.after(offered, 2, 24 * 5) if status is not AssignmentStatus.OFFERED else None
    if responded is None:
        status = AssignmentStatus.OFFERED
    ended = gen.after(responded, 24 * 7, 24 * 30) if status is AssignmentStatus.ENDED and responded else None
    if status is AssignmentStatus.ENDED and ended is None:
        status = AssignmentStatus.ACCEPTED
    if lead and status in ACTIVE:
        gen.leads_taken.add(project.id)
        project.has_lead = True
        project.lead_accepted = project.lead_accepted or status is AssignmentStatus.ACCEPTED
    elif lead:
        lead = False  # a lead who declined or left: recorded as a member's place, the seat stays open
    assignment_id = gen.new_id()
    chunk.add(
        Assignment,
        id=assignment_id,
        volunteer_id=someone.id,
        project_id=project.id,
        role=AssignmentRole.LEAD if lead else AssignmentRole.MEMBER,
        status=status,
        offered_by_id=gen.office.id,
        offered_by=gen.office.label,
        hours=min(someone.hours, rng.choice((2, 4, 6, 8))) if rng.random() < 0.8 else None,
        responded_at=responded,
        ended_at=ended,
        ended_reason="Moved role at work" if ended else "",
        **stamp(offered),
    )
    chunk.rows[AuditEntry].append(
        gen.audit(
            gen.office,
            "assignment.offered",
            "assignment",
            assignment_id,
            f"Offered a {'lead' if lead else 'member'} place on {project.code}",
            offered,
            {},
        )
    )
    someone.place = Place(assignment_id, project, status, offered, responded, ended)
    if status is AssignmentStatus.ACCEPTED:
        gen.people_by_workstream[project.workstream_id].append((someone.name, someone.org.name, someone.email))
        if len(gen.placed[project.workstream_id]) < PLACED_KEPT:
            gen.placed[project.workstream_id].append(someone.id)
