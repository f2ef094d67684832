"""Work-streams run as partnership groups: terms of reference (a superseded first version, the published
second, a draft third for some) acknowledged by most roster members, a few subgroups each (members from
the roster and people placed on the work-stream's projects, one or two projects, a few closed).

Made for a work-stream only where an earlier batch made none (terms, subgroups); the roster members a
batch adds acknowledge the published terms, whichever batch wrote them. Every row is one the governance
services could have written: versions in order, one published, the standing items the agenda's own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Generator, stamp
from stepchange.demo.vocabulary import STANDING_ITEMS, SUBGROUPS, TERMS_SECTIONS
from stepchange.governance.models import RosterMember, Seat
from stepchange.governance.partnership_models import (
    Cadence,
    Subgroup,
    SubgroupMember,
    Terms,
    TermsAcknowledgement,
    TermsStatus,
    subgroup_project,
)
from stepchange.workstreams.models import Workstream

ACKNOWLEDGES = 0.75
Rows = dict[Any, list[dict[str, Any]]]


async def partnership(gen: Generator, workstreams: Sequence[Workstream]) -> None:
    """Terms of reference and their acknowledgements, and subgroups, for each work-stream."""
    with_terms = set((await gen.session.scalars(select(Terms.workstream_id).distinct())).all())
    subgroups = set((await gen.session.scalars(select(Subgroup.workstream_id).distinct())).all())
    roster: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for member_id, ws_id, name in (
        await gen.session.execute(
            select(RosterMember.id, RosterMember.workstream_id, RosterMember.name)
            .where(RosterMember.left_on.is_(None))
            .order_by(RosterMember.created_at, RosterMember.id)
        )
    ).all():
        roster[ws_id].append((member_id, name))
    rows: Rows = defaultdict(list)
    for ws in workstreams:
        if ws.id not in with_terms:
            terms(gen, ws, rows)
        if ws.id not in subgroups:
            for name, purpose in gen.rng.sample(SUBGROUPS, gen.rng.randint(2, 4)):
                subgroup(gen, ws, name, purpose, roster[ws.id], rows)
    for model in (Terms, Subgroup, SubgroupMember, subgroup_project, AuditEntry):
        await gen.insert(model, rows.pop(model, []))
    await acknowledgements(gen)


def terms(gen: Generator, ws: Workstream, rows: Rows) -> None:
    """Version 1 (superseded), version 2 (published) and, for some, a draft of version 3."""
    chair = gen.seats[ws.id][Seat.BUSINESS_CO_CHAIR][0]
    versions = 3 if gen.rng.random() < 0.35 else 2
    for version in range(1, versions + 1):
        status = (TermsStatus.SUPERSEDED, TermsStatus.PUBLISHED, TermsStatus.DRAFT)[version - 1]
        drafted = gen.now - dt.timedelta(days=(240, 90, 10)[version - 1] + gen.rng.randint(0, 9))
        published = drafted + dt.timedelta(days=gen.rng.randint(3, 9)) if status is not TermsStatus.DRAFT else None
        terms_id = gen.new_id()
        sections = {key: text.format(name=ws.name) for key, text in TERMS_SECTIONS.items()}
        rows[Terms].append(
            {
                "id": terms_id,
                "workstream_id": ws.id,
                "version": version,
                "status": status,
                "cadence": Cadence.MONTHLY,
                "standing_items": "\n".join(STANDING_ITEMS),
                "drafted_by": chair.label,
                "published_at": published,
                "published_by": chair.label if published else "",
                **sections,
                **stamp(drafted),
            }
        )
        summary = f"Drafted version {version} of the terms of reference of {ws.code}"
        rows[AuditEntry].append(
            gen.audit(chair, "workstream.terms_drafted", "workstream_terms", terms_id, summary, drafted, {})
        )
        if published is not None:
            summary = f"Published version {version} of the terms of reference of {ws.code}"
            rows[AuditEntry].append(
                gen.audit(chair, "workstream.terms_published", "workstream_terms", terms_id, summary, published, {})
            )


def subgroup(
    gen: Generator, ws: Workstream, name: str, purpose: str, roster: list[tuple[uuid.UUID, str]], rows: Rows
) -> None:
    """A subgroup led by a roster member, with a few members from the roster and the projects' people."""
    chair = gen.seats[ws.id][gen.rng.choice((Seat.BUSINESS_CO_CHAIR, Seat.POLICE_CO_CHAIR))][0]
    created = gen.between(gen.opens_at - dt.timedelta(days=150), gen.opens_at)
    subgroup_id = gen.new_id()
    members = gen.rng.sample(roster, min(len(roster), gen.rng.randint(3, 6)))
    closed = gen.today - dt.timedelta(days=gen.rng.randint(1, 30)) if gen.rng.random() < 0.2 else None
    rows[Subgroup].append(
        {
            "id": subgroup_id,
            "workstream_id": ws.id,
            "name": name,
            "purpose": purpose,
            "lead": members[0][1] if members else chair.name,
            "created_by": chair.label,
            "closed_on": closed,
            **stamp(created),
        }
    )
    placed = gen.placed.get(ws.id, [])
    people = gen.rng.sample(placed, min(len(placed), gen.rng.randint(1, 4)))
    for roster_id, volunteer_id in [*((m, None) for m, _ in members), *((None, v) for v in people)]:
        rows[SubgroupMember].append(
            {
                "id": gen.new_id(),
                "subgroup_id": subgroup_id,
                "roster_member_id": roster_id,
                "volunteer_id": volunteer_id,
                "added_by": chair.label,
                **stamp(gen.between(created, gen.now)),
            }
        )
    projects = [p for p in gen.projects if p.workstream_id == ws.id]
    for project in gen.rng.sample(projects, min(len(projects), gen.rng.randint(1, 2))):
        rows[subgroup_project].append({"subgroup_id": subgroup_id, "project_id": project.id})
    summary = f"Set up the subgroup '{name}' of {ws.code}"
    rows[AuditEntry].append(
        gen.audit(chair, "workstream.subgroup_created", "workstream_subgroup", subgroup_id, summary, created, {})
    )


async def acknowledgements(gen: Generator) -> None:
    """Most current roster members acknowledge the published terms (some recorded for them by a co-chair)."""
    acknowledged = select(TermsAcknowledgement.id).where(
        TermsAcknowledgement.terms_id == Terms.id, TermsAcknowledgement.member_id == RosterMember.id
    )
    waiting = (
        await gen.session.execute(
            select(Terms.id, Terms.workstream_id, Terms.published_at, RosterMember.id, RosterMember.joined_on)
            .join(RosterMember, RosterMember.workstream_id == Terms.workstream_id)
            .where(Terms.status == TermsStatus.PUBLISHED, RosterMember.left_on.is_(None), ~acknowledged.exists())
            .order_by(Terms.version, RosterMember.created_at, RosterMember.id)
        )
    ).all()
    rows, audits = [], []
    for terms_id, ws_id, published, member_id, joined in waiting:
        if gen.rng.random() >= ACKNOWLEDGES or published is None:
            continue
        at = gen.between(max(published, gen.now - dt.timedelta(days=(gen.today - joined).days)), gen.now)
        by = gen.seats[ws_id][Seat.BUSINESS_CO_CHAIR][0].label if gen.rng.random() < 0.2 else ""
        rows.append(
            {
                "id": gen.new_id(),
                "terms_id": terms_id,
                "member_id": member_id,
                "acknowledged_at": at,
                "recorded_by": by,
                **stamp(at),
            }
        )
        summary = "A member acknowledged the published terms of reference"
        audits.append(gen.audit(None, "workstream.terms_acknowledged", "workstream_terms", terms_id, summary, at, {}))
    await gen.insert(TermsAcknowledgement, rows)
    await gen.insert(AuditEntry, audits)
