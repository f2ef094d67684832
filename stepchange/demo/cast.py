"""The fixed cast every batch of a seed shares: the organisations people work for, the office, an
ethics reviewer and each work-stream's seat holders, and the priority projects open to offer.

Made from their own seeded randomness (not the batch's), so a second batch finds them already there
and reuses them, never duplicating a name or an address."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.authz import StaffRole
from stepchange.demo.batch import OFFICE, Actor, Generator, Org, ProjectInfo, ascii_slug, stamp
from stepchange.demo.vocabulary import FIRST_NAMES, LAST_NAMES, LEGAL_SUFFIXES, PLACES, POLICE_FORCES, SECTOR_NOUNS
from stepchange.ethics.models import CLEARING, ProjectOutcome, ProjectReview
from stepchange.governance.models import Seat
from stepchange.interest.rules import SECTORS
from stepchange.people.models import Organisation, OrganisationDomain
from stepchange.people.organisations import match_key
from stepchange.projects.models import Project, ProjectStatus
from stepchange.workstreams.models import Workstream


def make_organisations(gen: Generator) -> None:
    """The same organisations for every batch of a seed: a few giants, a long tail."""
    rng = random.Random(f"stepchange-demo/{gen.seed}/organisations")  # noqa: S311
    wanted = len(POLICE_FORCES) + max(40, min(6_000, gen.volunteers // 20))
    seen: set[str] = set()
    business = [s for s in SECTORS if s != "Policing"]
    for force in POLICE_FORCES:
        name = f"{force} Police" if force != "Metropolitan" else "Metropolitan Police Service"
        seen.add(match_key(name))
        gen.orgs.append(Org(name, "Policing", f"{ascii_slug(force)}.police.example", True, True))
    attempts = 0
    while len(gen.orgs) < wanted and attempts < wanted * 20:
        attempts += 1
        sector = rng.choice(business)
        noun = rng.choice(SECTOR_NOUNS[sector])
        core = f"{rng.choice(PLACES)} {noun}"
        if attempts > wanted * 10:
            core = f"{core} {attempts}"
        key = match_key(core)
        if key in seen:
            continue
        seen.add(key)
        suffix = rng.choice(LEGAL_SUFFIXES)
        name = f"{core} {suffix}".strip()
        tld = rng.choice(("co.uk.example", "com.example", "org.uk.example"))
        gen.orgs.append(Org(name, sector, f"{ascii_slug(core)}.{tld}", rng.random() < 0.6, False))
    rng.shuffle(gen.orgs)
    gen.org_weights = [1 / (i + 1) ** 0.9 for i in range(len(gen.orgs))]


async def write_organisations(gen: Generator) -> None:
    """The organisations (and registered domains) not already in the register."""
    names = set((await gen.session.scalars(select(Organisation.match_key))).all())
    domains = set((await gen.session.scalars(select(OrganisationDomain.domain))).all())
    org_rows, domain_rows = [], []
    for org in gen.orgs:
        key = match_key(org.name)
        if key in names:
            continue
        org_id = gen.new_id()
        org_rows.append({"id": org_id, "name": org.name, "match_key": key, **stamp(gen.opens_at)})
        if org.registered and org.domain not in domains:
            domain_rows.append(
                {"id": gen.new_id(), "organisation_id": org_id, "domain": org.domain, **stamp(gen.opens_at)}
            )
    await gen.insert(Organisation, org_rows)
    await gen.insert(OrganisationDomain, domain_rows)


async def staff(gen: Generator, workstreams: Sequence[Workstream]) -> None:
    """The office, an ethics reviewer and each work-stream's four seat holders (no passwords: invited)."""
    rng = random.Random(f"stepchange-demo/{gen.seed}/staff")  # noqa: S311
    existing = {u.email: u for u in (await gen.session.scalars(select(StaffUser))).all()}
    rows: list[dict[str, Any]] = []

    def person(email: str, role: StaffRole, organisation: str, workstream: uuid.UUID | None) -> Actor:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        actor_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        found = existing.get(email)
        if found is not None:
            return Actor(found.id, found.name, found.role.value, found.workstream_id)
        actor = Actor(actor_id, name, role.value, workstream)
        rows.append(
            {
                "id": actor.id,
                "email": email,
                "name": name,
                "role": role,
                "workstream_id": workstream,
                "organisation": organisation,
                "password_hash": None,
                "is_active": True,
                "session_epoch": 0,
                "last_login_at": None,
                **stamp(gen.opens_at - dt.timedelta(days=200)),
            }
        )
        return actor

    gen.office = person("office.demo@stepchange.example", StaffRole.COORDINATOR, OFFICE, None)
    gen.ethics = person("ethics.demo@stepchange.example", StaffRole.ETHICS, "Step-Change ethics panel", None)
    gen.seats = {}
    business = [o for o in gen.orgs if not o.police]
    police = [o for o in gen.orgs if o.police]
    for ws in workstreams:
        gen.seats[ws.id] = {}
        for seat in Seat:
            org = rng.choice(police if "police" in seat.value else business)
            email = f"{seat.value.replace('_', '.')}.{ws.code.lower()}@stepchange.example"
            gen.seats[ws.id][seat] = (person(email, StaffRole.CO_CHAIR, org.name, ws.id), org.name)
    await gen.insert(StaffUser, rows)


async def load_projects(gen: Generator) -> None:
    """The open priority projects this batch offers, what earlier batches did to them (a lead in place,
    an ethics review), and how popular each is: a Zipf curve over the seed's own shuffle of them."""
    rows = (
        await gen.session.execute(
            select(Project.id, Project.code, Project.workstream_id, Project.status)
            .where(Project.is_priority, Project.status.not_in([ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN]))
            .order_by(Project.code)
        )
    ).all()
    leads = await gen.session.execute(
        select(Assignment.project_id, Assignment.status).where(
            Assignment.role == AssignmentRole.LEAD, Assignment.status.in_(list(ACTIVE))
        )
    )
    lead_status: dict[uuid.UUID, AssignmentStatus] = {pid: status for pid, status in leads.all()}  # noqa: C416
    reviewed = (
        await gen.session.execute(select(ProjectReview.project_id, ProjectReview.outcome, ProjectReview.created_at))
    ).all()
    latest: dict[uuid.UUID, tuple[dt.datetime, ProjectOutcome]] = {}
    for pid, outcome, at in reviewed:
        if pid not in latest or latest[pid][0] < at:
            latest[pid] = (at, outcome)
    gen.projects = [
        ProjectInfo(
            id=pid,
            code=code,
            workstream_id=ws_id,
            status=status,
            has_lead=pid in lead_status,
            lead_accepted=lead_status.get(pid) == AssignmentStatus.ACCEPTED,
            cleared=pid in latest and latest[pid][1] in CLEARING,
        )
        for pid, code, ws_id, status in rows
    ]
    gen.reviewed = set(latest)
    order = list(range(len(gen.projects)))
    random.Random(f"stepchange-demo/{gen.seed}/popularity").shuffle(order)  # noqa: S311
    weights = [0.0] * len(gen.projects)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 1.15
    gen.project_weights = weights
