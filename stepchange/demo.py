"""Realistic synthetic data at national scale: ``stepchange demo generate --volunteers N``.

Each run adds one **batch**: a national call to action offering the priority projects, and N people
who answered it over the six weeks before the anchor day, with everything the office, the ethics
reviewers and the co-chairs would have done since:

- people with British names, phones in Ofcom's drama ranges, job titles and sectors, working for
  organisations (a few large ones send many people) whose e-mail domains are, for most of them, in
  the organisations register; some write from a personal address;
- identity steps — confirmed by e-mail, organisation confirmed by domain, validated or rejected by the
  office — each with who, when and how, and the confirmation links and e-mails (all *sent*) behind them;
- ranked choices with a realistic skew: project popularity follows a Zipf curve, so a few projects
  draw most of the interest and some almost none; submissions spike at launch and again near the end;
- declarations of interest (about one person in seven), their projects and the ethics reviews of most;
- assignments of validated people (accepted, offered, declined, ended; one lead per project), the
  projects' commercial-advantage reviews, dated status updates moving projects along the lifecycle
  (recruiting, staffed, delivering) with RAG and narrative, and project milestones;
- work-stream governance: co-chairs and deputies (staff accounts without passwords, appointed to their
  seats), standing agenda items, rosters, monthly meetings (held with attendance, minutes and who read
  them; one cancelled; two ahead), action logs with some escalations to the board;
- the office's notes, a few held repeat submissions, erasure requests and SurveyMonkey imports, and
  the audit trail of all of it.

Every address is at a reserved ``.example`` domain (RFC 2606), so a demo database can never e-mail
anyone real, and every generated e-mail is already *sent*, so a running sender has nothing to do.

Rows are written with bulk ``INSERT``s (``sqlalchemy.insert(Model)`` with lists of dictionaries) in
chunks of people, ids made in Python; phone numbers, declarations and reviews' reasons are encrypted
by their column types as they are inserted, exactly as the service stores them.

**Deterministic, and each run adds a batch.** The rows depend only on ``--seed``, the batch number
(1 + the demo calls already in the database) and the anchor day (``--today``, by default today):
the same command on a copy of the same database gives the same rows. Running it again adds another
batch — a new call and N new people — without errors; organisations, staff and standing items the
first batch made are reused, never duplicated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.audit import AuditEntry
from stepchange.core.authz import StaffRole
from stepchange.core.clock import end_of_day_uk, start_of_day_uk
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import MailStatus, OutboxMessage
from stepchange.ethics.models import (
    CLEARING,
    ConflictKind,
    Declaration,
    DeclarationOutcome,
    DeclarationReview,
    ProjectOutcome,
    ProjectReview,
    Recusal,
    ReviewState,
    declaration_project,
)
from stepchange.governance.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Appointment,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MemberKind,
    Minutes,
    MinutesRead,
    RosterMember,
    Seat,
    StandingAgendaItem,
)
from stepchange.interest.models import (
    Call,
    Choice,
    ChoiceRole,
    Expression,
    ExpressionStatus,
    HeldSubmission,
    ImportedResponse,
    call_project,
)
from stepchange.interest.rules import CREDENTIALS, SECTORS, STATEMENT_VERSION, CleanSubmission
from stepchange.interest.services import CONFIRMATION
from stepchange.people.models import (
    ErasureRequest,
    Identity,
    IdentityStep,
    Organisation,
    OrganisationDomain,
    Volunteer,
    VolunteerNote,
)
from stepchange.people.organisations import match_key
from stepchange.projects import cache as project_cache
from stepchange.projects.models import Milestone, Project, ProjectStatus, Rag, StatusUpdate
from stepchange.workstreams.models import Workstream

__all__ = ("DEMO_CALL_PREFIX", "GenerateReport", "generate", "refresh_statistics")


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DEMO_CALL_PREFIX = "National call to action (demo batch "
CHUNK = 5_000
"""People generated and inserted at a time: bounded memory at any scale."""
CALL_DAYS_OPEN, CALL_DAYS_LEFT = 42, 13
SURVEY = "Step-Change expression of interest (standard questionnaire)"
OFFICE = "Programme office (demo)"

FIRST_NAMES = words(
    "Aaliyah Aaron Abdul Adam Adebayo Aisha Alan Alice Amara Amir Amy Andrew Angela Anita Anna Arjun Ben Beth "
    "Bilal Bronwen Callum Caroline Catherine Chen Chloe Chris Ciara Claire Connor Craig Dafydd Daniel Deepa "
    "David Declan Eilidh Elena Emily Emma Eoin Farah Fiona Gareth Grace Hamza Hannah Harry Helen Ian Imran "
    "Isla Jack James Jasmine Jennifer Joanna John Jonathan Joseph Kate Kemi Kieran Laura Leon Liam Lucy Mark "
    "Marta Matthew Megan Michael Mohammed Morgan Naomi Nasreen Neil Niamh Nicola Oliver Olu Owen Paul Peter "
    "Priya Rachel Rajesh Rebecca Rhys Richard Robert Rory Ruth Sam Sarah Seren Shauna Simon Siobhán Sophie "
    "Stephen Stuart Sunita Tariq Thomas Tom Una Victoria Wei William Yusuf Zainab Zoë"
)
LAST_NAMES = words(
    "Adams Adeyemi Ahmed Ali Allen Anderson Bailey Baker Begum Bell Bennett Brown Campbell Carter Chapman "
    "Chen Clark Clarke Collins Cook Cooper Davies Davis Doherty Edwards Evans Fox Fraser Gallagher Green "
    "Griffiths Hall Harris Hill Hughes Hussain Jackson James Jenkins Johnson Jones Kaur Kelly Khan King Lee "
    "Lewis Lloyd MacDonald Martin Mitchell Moore Morgan Morris Murphy Murray Nowak O'Brien O'Neill Okafor "
    "Owen Parker Patel Phillips Price Quinn Reid Roberts Robertson Robinson Rogers Scott Shah Singh Smith "
    "Stewart Taylor Thomas Thompson Turner Walker Wallace Ward Watson White Williams Wilson Wood Wright Young"
)
JOB_TITLES = (
    "Head of Security",
    "Security Manager",
    "Chief Security Officer",
    "Risk and Resilience Manager",
    "Business Continuity Lead",
    "Operations Director",
    "Facilities Manager",
    "Venue Safety Officer",
    "Crowd Safety Manager",
    "Loss Prevention Manager",
    "Cyber Security Analyst",
    "Information Security Officer",
    "Protective Security Lead",
    "Emergency Planning Officer",
    "Station Manager",
    "Security Consultant",
    "Contracts Manager",
    "Head of Health and Safety",
    "Training Manager",
    "Managing Director",
)
POLICE_TITLES = (
    "Counter Terrorism Security Adviser",
    "Police Inspector",
    "Police Sergeant",
    "Detective Constable",
    "Chief Inspector",
    "Protective Security Lead",
)
PLACES = words(
    "Albion Anglia Avon Beacon Britannia Caledonian Cambrian Castle Chiltern Clyde Cotswold Crown Downland "
    "Fenland Harbour Highland Humber Kingsway Lakeland Marches Mercia Meridian Mersey Moorland Northgate "
    "Orchard Peak Pennine Phoenix Riverside Severn Solent Sterling Summit Thames Trent Tyne Vanguard Weald "
    "Wessex Aberdeen Belfast Birmingham Brighton Bristol Cardiff Coventry Derby Dundee Edinburgh Exeter "
    "Glasgow Hull Inverness Leeds Leicester Liverpool London Manchester Newcastle Norwich Nottingham Oxford "
    "Plymouth Portsmouth Reading Sheffield Southampton Swansea York"
)
SECTOR_NOUNS: dict[str, tuple[str, ...]] = {
    "Transport": ("Rail", "Buses", "Ferries", "Airport", "Logistics", "Trams"),
    "Retail": ("Stores", "Retail", "Supermarkets", "Outlets", "Shopping Centres"),
    "Hospitality and leisure": ("Hotels", "Leisure", "Inns", "Cinemas", "Restaurants"),
    "Sport and events": ("Stadium", "Arena", "Events", "Racecourse", "Sports Club"),
    "Travel and tourism": ("Travel", "Holidays", "Tours", "Cruises"),
    "Finance and insurance": ("Bank", "Insurance", "Building Society", "Capital"),
    "Technology and telecoms": ("Telecom", "Networks", "Digital", "Data Centres"),
    "Security services": ("Security", "Guarding", "Protection Services", "Risk Consulting"),
    "Property and facilities": ("Estates", "Property", "Facilities Management", "Developments"),
    "Health": ("Health Trust", "Healthcare", "Hospitals"),
    "Education": ("University", "College", "Academy Trust"),
    "Government and public sector": ("City Council", "Borough Council", "Combined Authority"),
    "Charity and community": ("Trust", "Foundation", "Community Partnership"),
    "Other": ("Holdings", "Partners", "Services"),
}
POLICE_FORCES = (
    "Avon and Somerset",
    "Bedfordshire",
    "British Transport",
    "Cambridgeshire",
    "Cheshire",
    "City of London",
    "Cleveland",
    "Cumbria",
    "Derbyshire",
    "Devon and Cornwall",
    "Dorset",
    "Durham",
    "Dyfed-Powys",
    "Essex",
    "Gloucestershire",
    "Greater Manchester",
    "Gwent",
    "Hampshire",
    "Hertfordshire",
    "Humberside",
    "Kent",
    "Lancashire",
    "Leicestershire",
    "Lincolnshire",
    "Merseyside",
    "Metropolitan",
    "Norfolk",
    "North Wales",
    "North Yorkshire",
    "Northamptonshire",
    "Northumbria",
    "Nottinghamshire",
    "South Wales",
    "South Yorkshire",
    "Staffordshire",
    "Suffolk",
    "Surrey",
    "Sussex",
    "Thames Valley",
    "Warwickshire",
    "West Mercia",
    "West Midlands",
    "West Yorkshire",
    "Wiltshire",
)
LEGAL_SUFFIXES = ("Ltd", "plc", "Group", "LLP", "")
FREE_MAIL = ("gmail.example", "outlook.example", "btinternet.example", "yahoo.example", "icloud.example")
PHONE_RANGES = ("+447700900", "+442079460", "+441614960", "+441134960", "+441314960")
"""Ofcom's numbers for drama (and demos): mobile, London, Manchester, Leeds, Edinburgh."""
HOURS = (2, 4, 4, 6, 8, 8, 8, 10, 12, 16, 20, 24, 40)
AREAS = (
    "stadium and venue security",
    "retail loss prevention",
    "rail and station operations",
    "hotel security",
    "crowded places protective security",
    "counter-terrorism policing",
    "cyber incident response",
    "event stewarding and crowd management",
    "guarding contracts",
    "business continuity",
    "public sector emergency planning",
    "insider risk and vetting",
)
DETAILS = (
    "led ACT Awareness training for front-line staff",
    "ran the site's Project Servator exercises with the local force",
    "wrote our lockdown and invacuation plans",
    "chair a regional security managers' network",
    "manage a team of licensed door supervisors",
    "built a supplier security audit from scratch",
    "coordinate with CTSAs on our annual review",
    "hold a CSAS accreditation for our company",
)
DECLARATIONS: dict[ConflictKind, tuple[str, ...]] = {
    ConflictKind.FINANCIAL: (
        "I hold shares in {org}, which sells services in this area.",
        "My employer {org} bids for contracts this project may shape.",
    ),
    ConflictKind.PROFESSIONAL: (
        "I sit on an advisory panel for {org}.",
        "I am a paid consultant to {org} on security standards.",
    ),
    ConflictKind.PERSONAL: ("A close friend runs {org}.", "I volunteer as a trustee of {org}."),
    ConflictKind.INDIRECT: ("My partner works for {org}.", "A family member is a director of {org}."),
}
REVIEW_REASONS = {
    DeclarationOutcome.NO_CONFLICT: "The interest does not touch the project's decisions.",
    DeclarationOutcome.MANAGED: "A real interest: managed by keeping them out of supplier decisions.",
    DeclarationOutcome.EXCLUDED: "The interest is direct: they cannot take part in the projects named.",
}
SUMMARIES = {
    Rag.GREEN: ("On track: the team meets fortnightly.", "Milestones met; recruitment going well."),
    Rag.AMBER: ("Slipping: waiting on a lead to accept.", "Some risk: partner engagement slower than planned."),
    Rag.RED: ("Off track: no lead yet and key partners not engaged.", "Blocked pending ethics conditions."),
}
STANDING_ITEMS = ("Apologies and introductions", "Minutes of the last meeting", "Action log", "Any other business")
ACTION_TITLES = (
    "Circulate the draft guidance to members",
    "Arrange a briefing with the local CTSA",
    "Collect case studies from retail members",
    "Propose a pilot site for the exercise",
    "Draft the project's terms of reference",
    "Map existing training providers",
    "Report survey results to the board",
    "Agree data sharing with partners",
)
NOTES = (
    "Spoke on the phone: keen to lead but limited time until spring.",
    "Previously worked with the CP work-stream's co-chair; no conflict.",
    "Asked to be considered for a second project later.",
    "Evidence checked against their employer's website.",
)


@dataclass
class GenerateReport:
    """What one run added."""

    batch: int
    call: str
    seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        out = [f"Batch {self.batch}: {self.call}: {total:,} rows in {self.seconds:.1f} s"]
        out += [f"  {table}: {count:,}" for table, count in sorted(self.rows.items())]
        return out


@dataclass(frozen=True)
class Org:
    name: str
    sector: str
    domain: str
    registered: bool
    police: bool


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    name: str
    role: str
    workstream_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass
class ProjectInfo:
    id: uuid.UUID
    code: str
    workstream_id: uuid.UUID
    status: ProjectStatus
    has_lead: bool
    lead_accepted: bool
    cleared: bool
    updated: bool = False


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def stamp(at: dt.datetime) -> dict[str, dt.datetime]:
    return {"created_at": at, "updated_at": at}


class Generator:
    """Makes the rows of one batch; :meth:`run` writes them."""

    def __init__(
        self, session: AsyncSession, volunteers: int, *, seed: int, batch: int, today: dt.date, report: GenerateReport
    ) -> None:
        self.session = session
        self.volunteers = volunteers
        self.seed = seed
        self.batch = batch
        self.rng = random.Random(f"stepchange-demo/{seed}/{batch}")  # noqa: S311 - demo data, not secrets
        self.today = today
        self.now = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
        self.opens_at = start_of_day_uk(today - dt.timedelta(days=CALL_DAYS_OPEN))
        self.closes_at = end_of_day_uk(today + dt.timedelta(days=CALL_DAYS_LEFT))
        self.report = report
        self.orgs: list[Org] = []
        self.org_weights: list[float] = []
        self.projects: list[ProjectInfo] = []
        self.project_weights: list[float] = []
        self.people_by_workstream: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)

    # --- small helpers ---------------------------------------------------------------------------

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A moment in [start, end), or ``start`` when the span is empty."""
        span = (end - start).total_seconds()
        return start + dt.timedelta(seconds=self.rng.random() * span) if span > 0 else start

    def after(self, start: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime | None:
        """A moment some hours after ``start``, or ``None`` if that is not yet in the past."""
        moment = start + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return moment if moment < self.now else None

    async def insert(self, model: Any, rows: list[dict[str, Any]], name: str | None = None) -> None:
        """Bulk insert in one executemany; every value goes through its column's type (so encryption)."""
        if not rows:
            return
        connection = await self.session.connection()
        await connection.execute(insert(model), rows)
        table = model if isinstance(model, Table) else model.__table__
        self.report.rows[name or table.name] += len(rows)

    # --- the fixed cast: organisations, staff, projects ---------------------------------------------

    def make_organisations(self) -> None:
        """The same organisations for every batch of a seed: a few giants, a long tail."""
        rng = random.Random(f"stepchange-demo/{self.seed}/organisations")  # noqa: S311
        wanted = len(POLICE_FORCES) + max(40, min(6_000, self.volunteers // 20))
        seen: set[str] = set()
        business = [s for s in SECTORS if s != "Policing"]
        for force in POLICE_FORCES:
            name = f"{force} Police" if force != "Metropolitan" else "Metropolitan Police Service"
            seen.add(match_key(name))
            self.orgs.append(Org(name, "Policing", f"{ascii_slug(force)}.police.example", True, True))
        attempts = 0
        while len(self.orgs) < wanted and attempts < wanted * 20:
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
            self.orgs.append(Org(name, sector, f"{ascii_slug(core)}.{tld}", rng.random() < 0.6, False))
        rng.shuffle(self.orgs)
        self.org_weights = [1 / (i + 1) ** 0.9 for i in range(len(self.orgs))]

    async def write_organisations(self) -> None:
        names = set((await self.session.scalars(select(Organisation.match_key))).all())
        domains = set((await self.session.scalars(select(OrganisationDomain.domain))).all())
        org_rows, domain_rows = [], []
        for org in self.orgs:
            key = match_key(org.name)
            if key in names:
                continue
            org_id = self.new_id()
            org_rows.append({"id": org_id, "name": org.name, "match_key": key, **stamp(self.opens_at)})
            if org.registered and org.domain not in domains:
                domain_rows.append(
                    {"id": self.new_id(), "organisation_id": org_id, "domain": org.domain, **stamp(self.opens_at)}
                )
        await self.insert(Organisation, org_rows)
        await self.insert(OrganisationDomain, domain_rows)

    async def staff(self, workstreams: Sequence[Workstream]) -> None:
        """The office, an ethics reviewer and each work-stream's four seat holders (no passwords: invited)."""
        rng = random.Random(f"stepchange-demo/{self.seed}/staff")  # noqa: S311
        existing = {u.email: u for u in (await self.session.scalars(select(StaffUser))).all()}
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
                    **stamp(self.opens_at - dt.timedelta(days=200)),
                }
            )
            return actor

        self.office = person("office.demo@stepchange.example", StaffRole.COORDINATOR, OFFICE, None)
        self.ethics = person("ethics.demo@stepchange.example", StaffRole.ETHICS, "Step-Change ethics panel", None)
        self.seats: dict[uuid.UUID, dict[Seat, tuple[Actor, str]]] = {}
        business = [o for o in self.orgs if not o.police]
        police = [o for o in self.orgs if o.police]
        for ws in workstreams:
            self.seats[ws.id] = {}
            for seat in Seat:
                org = rng.choice(police if "police" in seat.value else business)
                email = f"{seat.value.replace('_', '.')}.{ws.code.lower()}@stepchange.example"
                self.seats[ws.id][seat] = (person(email, StaffRole.CO_CHAIR, org.name, ws.id), org.name)
        await self.insert(StaffUser, rows)

    async def load_projects(self) -> None:
        rows = (
            await self.session.execute(
                select(Project.id, Project.code, Project.workstream_id, Project.status)
                .where(Project.is_priority, Project.status.not_in([ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN]))
                .order_by(Project.code)
            )
        ).all()
        leads = await self.session.execute(
            select(Assignment.project_id, Assignment.status).where(
                Assignment.role == AssignmentRole.LEAD, Assignment.status.in_(list(ACTIVE))
            )
        )
        lead_status: dict[uuid.UUID, AssignmentStatus] = {pid: status for pid, status in leads.all()}  # noqa: C416
        reviewed = (
            await self.session.execute(
                select(ProjectReview.project_id, ProjectReview.outcome, ProjectReview.created_at)
            )
        ).all()
        latest: dict[uuid.UUID, tuple[dt.datetime, ProjectOutcome]] = {}
        for pid, outcome, at in reviewed:
            if pid not in latest or latest[pid][0] < at:
                latest[pid] = (at, outcome)
        self.projects = [
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
        self.reviewed = set(latest)
        order = list(range(len(self.projects)))
        random.Random(f"stepchange-demo/{self.seed}/popularity").shuffle(order)  # noqa: S311
        weights = [0.0] * len(self.projects)
        for rank, index in enumerate(order):
            weights[index] = 1 / (rank + 1) ** 1.15
        self.project_weights = weights

    # --- the call and its people ------------------------------------------------------------------

    async def write_call(self) -> None:
        self.call_id = self.new_id()
        self.call_name = f"{DEMO_CALL_PREFIX}{self.batch}, seed {self.seed})"
        await self.insert(
            Call,
            [
                {
                    "id": self.call_id,
                    "name": self.call_name,
                    "opens_at": self.opens_at,
                    "closes_at": self.closes_at,
                    "closed_early_at": None,
                    **stamp(self.opens_at - dt.timedelta(days=7)),
                }
            ],
        )
        await self.insert(call_project, [{"call_id": self.call_id, "project_id": p.id} for p in self.projects])

    def submission_times(self, count: int) -> list[dt.datetime]:
        """A launch spike, a steady middle and a rush as the closing date nears; working hours mostly."""
        days = max(1, (self.now - self.opens_at).days)
        total = CALL_DAYS_OPEN + CALL_DAYS_LEFT
        weights = [1 + 6 * math.exp(-d / 2.5) + 3 * math.exp(-(total - d) / 6) for d in range(days)]
        chosen = self.rng.choices(range(days), weights=weights, k=count)
        times = []
        for day in chosen:
            hour = min(23.99, max(0.0, self.rng.triangular(6.5, 23.5, 13)))
            moment = self.opens_at + dt.timedelta(days=day, hours=hour)
            times.append(min(moment, self.now - dt.timedelta(minutes=1)))
        return sorted(times)

    def pick_projects(self, count: int) -> list[ProjectInfo]:
        picked: list[ProjectInfo] = []
        while len(picked) < count:
            project = self.rng.choices(self.projects, weights=self.project_weights)[0]
            if project not in picked:
                picked.append(project)
        return picked

    async def people(self) -> None:
        times = self.submission_times(self.volunteers)
        self.leads_taken = {p.id for p in self.projects if p.has_lead}
        for start in range(0, self.volunteers, CHUNK):
            chunk = Chunk(self)
            for index in range(start, min(start + CHUNK, self.volunteers)):
                chunk.person(index, times[index])
            await chunk.write()

    # --- the projects' progress ---------------------------------------------------------------------

    async def project_progress(self) -> None:
        """Ethics reviews, status updates along the lifecycle with RAG and narrative, milestones."""
        reviews, updates, audits, milestones = [], [], [], []
        for project in self.projects:
            if project.id not in self.reviewed and self.rng.random() < 0.9:
                outcome = self.rng.choices(list(ProjectOutcome), weights=(65, 28, 7))[0]
                reviews.append(
                    {
                        "id": self.new_id(),
                        "project_id": project.id,
                        "outcome": outcome,
                        "conditions": "No supplier may be named in the guidance."
                        if outcome is ProjectOutcome.CLEARED_WITH_CONDITIONS
                        else "",
                        "reason": "Reviewed for commercial advantage against the programme's ethics statement.",
                        "reviewer_id": self.ethics.id,
                        "reviewer": self.ethics.label,
                        **stamp(self.between(self.opens_at, self.now)),
                    }
                )
                project.cleared = outcome in CLEARING
            path = self.moves(project)
            keeps = self.rng.randint(1, 4)
            moments = sorted(self.between(self.opens_at, self.now) for _ in range(len(path) + keeps))
            seat_holder = self.seats[project.workstream_id][Seat.BUSINESS_CO_CHAIR][0]
            current, rag = project.status, Rag.GREEN
            steps = [*path, *([None] * keeps)]
            self.rng.shuffle(steps)
            for target, at in zip(steps, moments, strict=True):
                rag = self.rng.choices(list(Rag), weights=(60, 30, 10))[0]
                new_status = target or current
                updates.append(
                    {
                        "id": self.new_id(),
                        "project_id": project.id,
                        "previous_status": current,
                        "status": new_status,
                        "rag": rag,
                        "summary": self.rng.choice(SUMMARIES[rag]),
                        "author_id": seat_holder.id,
                        "author": seat_holder.label,
                        **stamp(at),
                    }
                )
                audits.append(
                    self.audit(
                        seat_holder,
                        "project.status_updated",
                        "project",
                        project.code,
                        f"{project.code}: {current.value} → {new_status.value}, {rag.value}",
                        at,
                        {"status": {"before": current.value, "after": new_status.value}},
                    )
                )
                current = new_status
            project.status, project.updated = current, True
            await self.session.execute(
                update(Project)
                .where(Project.id == project.id)
                .values(status=current, rag=rag, updated_at=moments[-1])
                .execution_options(synchronize_session=False)
            )
            for n in range(2):
                due = self.today + dt.timedelta(days=self.rng.randint(-60, 150))
                milestones.append(
                    {
                        "id": self.new_id(),
                        "key": f"demo-{self.seed}-{self.batch}-{project.code.lower()}-{n + 1}",
                        "title": self.rng.choice(("Terms of reference agreed", "Pilot complete", "Guidance drafted"))
                        + f" ({project.code})",
                        "due_on": due,
                        "done_on": due if due < self.today and self.rng.random() < 0.7 else None,
                        "project_id": project.id,
                        **stamp(self.opens_at),
                    }
                )
        await project_cache.bump(self.session)
        await self.insert(ProjectReview, reviews)
        await self.insert(StatusUpdate, updates)
        await self.insert(Milestone, milestones)
        await self.insert(AuditEntry, audits)

    def moves(self, project: ProjectInfo) -> list[ProjectStatus]:
        """The legal moves this batch makes: provisional → recruiting → staffed (a lead accepted) →
        delivering (ethics cleared), not every project getting as far."""
        path, status = [], project.status
        if status is ProjectStatus.PAUSED and self.rng.random() < 0.5:
            status = ProjectStatus.RECRUITING
            path.append(status)
        if status is ProjectStatus.PROVISIONAL and self.rng.random() < 0.85:
            status = ProjectStatus.RECRUITING
            path.append(status)
        if status is ProjectStatus.RECRUITING and project.lead_accepted and self.rng.random() < 0.8:
            status = ProjectStatus.STAFFED
            path.append(status)
        if status is ProjectStatus.STAFFED and project.cleared and self.rng.random() < 0.4:
            status = ProjectStatus.DELIVERING
            path.append(status)
        return path

    # --- governance ---------------------------------------------------------------------------------

    async def governance(self, workstreams: Sequence[Workstream]) -> None:
        current = set(
            (
                await self.session.execute(
                    select(Appointment.workstream_id, Appointment.seat).where(Appointment.ended_on.is_(None))
                )
            ).all()
        )
        holders = set(
            (
                await self.session.execute(
                    select(Appointment.workstream_id, Appointment.staff_user_id).where(Appointment.ended_on.is_(None))
                )
            ).all()
        )
        standing = set((await self.session.scalars(select(StandingAgendaItem.workstream_id))).all())
        staff_members = set(
            (
                await self.session.execute(
                    select(RosterMember.workstream_id, RosterMember.staff_user_id).where(
                        RosterMember.left_on.is_(None), RosterMember.staff_user_id.is_not(None)
                    )
                )
            ).all()
        )
        rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        audits: list[dict[str, Any]] = []
        for ws in workstreams:
            seats = self.seats[ws.id]
            for seat, (actor, organisation) in seats.items():
                if (ws.id, seat) not in current and (ws.id, actor.id) not in holders:
                    rows[Appointment].append(
                        {
                            "id": self.new_id(),
                            "workstream_id": ws.id,
                            "staff_user_id": actor.id,
                            "seat": seat,
                            "organisation": organisation,
                            "starts_on": self.today - dt.timedelta(days=300),
                            "ended_on": None,
                            "ended_reason": "",
                            "appointed_by": self.office.label,
                            "ended_by": "",
                            **stamp(self.opens_at - dt.timedelta(days=120)),
                        }
                    )
                if (ws.id, actor.id) not in staff_members:
                    rows[RosterMember].append(
                        self.member(ws.id, MemberKind.STAFF, actor.id, actor.name, organisation, "", actor.name)
                    )
            if ws.id not in standing:
                rows[StandingAgendaItem] += [
                    {"id": self.new_id(), "workstream_id": ws.id, "position": i, "title": t, **stamp(self.opens_at)}
                    for i, t in enumerate(STANDING_ITEMS, 1)
                ]
            members = self.people_by_workstream.get(ws.id, [])[:12]
            for name, organisation, email in members:
                rows[RosterMember].append(self.member(ws.id, MemberKind.VOLUNTEER, None, name, organisation, email, ""))
            self.meetings(ws, [m[0] for m in members], rows, audits)
        order: tuple[Any, ...] = (
            Appointment,
            StandingAgendaItem,
            RosterMember,
            Meeting,
            AgendaItem,
            Attendance,
            Minutes,
            MinutesRead,
            ActionItem,
        )
        for model in order:
            await self.insert(model, rows[model])
        await self.insert(AuditEntry, audits)

    def member(
        self,
        workstream_id: uuid.UUID,
        kind: MemberKind,
        staff_id: uuid.UUID | None,
        name: str,
        organisation: str,
        email: str,
        deputy: str,
    ) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "workstream_id": workstream_id,
            "kind": kind,
            "staff_user_id": staff_id,
            "name": name,
            "organisation": organisation,
            "email": email,
            "deputy_name": deputy and f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
            "deputy_organisation": deputy and organisation,
            "joined_on": self.today - dt.timedelta(days=self.rng.randint(1, 40)),
            "left_on": None,
            **stamp(self.opens_at),
        }

    def meetings(
        self, ws: Workstream, members: list[str], rows: dict[Any, list[dict[str, Any]]], audits: list[dict[str, Any]]
    ) -> None:
        chair = self.seats[ws.id][Seat.BUSINESS_CO_CHAIR][0]
        police = self.seats[ws.id][Seat.POLICE_CO_CHAIR][0]
        cancelled = self.rng.randrange(3)
        for month in range(-3, 2):
            starts = dt.datetime.combine(
                self.today + dt.timedelta(days=28 * month + ws.position), dt.time(10), tzinfo=dt.UTC
            )
            held = starts < self.now and month - (-3) != cancelled
            status = (
                MeetingStatus.SCHEDULED
                if starts >= self.now
                else (MeetingStatus.HELD if held else MeetingStatus.CANCELLED)
            )
            meeting_id = self.new_id()
            rows[Meeting].append(
                {
                    "id": meeting_id,
                    "workstream_id": ws.id,
                    "title": f"{ws.name} working group ({starts:%B %Y})",
                    "starts_at": starts,
                    "location": self.rng.choice(("Video call", "New Scotland Yard", "Home Office, 2 Marsham Street")),
                    "status": status,
                    "cancelled_reason": "Co-chairs unavailable" if status is MeetingStatus.CANCELLED else "",
                    "scheduled_by": chair.label,
                    **stamp(starts - dt.timedelta(days=21)),
                }
            )
            titles = [*STANDING_ITEMS[:-1], f"Project updates ({ws.code})", STANDING_ITEMS[-1]]
            rows[AgendaItem] += [
                {
                    "id": self.new_id(),
                    "meeting_id": meeting_id,
                    "position": i,
                    "title": t,
                    "standing": t in STANDING_ITEMS,
                    **stamp(starts - dt.timedelta(days=14)),
                }
                for i, t in enumerate(titles, 1)
            ]
            if status is not MeetingStatus.HELD:
                continue
            for name in dict.fromkeys([chair.name, police.name, *members]):
                rows[Attendance].append(
                    {
                        "id": self.new_id(),
                        "meeting_id": meeting_id,
                        "member_id": None,
                        "name": name,
                        "organisation": "",
                        "status": self.rng.choices(list(AttendanceStatus), weights=(75, 18, 7))[0],
                        "represented_by": "",
                        **stamp(starts),
                    }
                )
            minutes_id, written = self.new_id(), starts + dt.timedelta(days=2)
            rows[Minutes].append(
                {
                    "id": minutes_id,
                    "meeting_id": meeting_id,
                    "text": f"The group reviewed progress on the {ws.code} projects and agreed the actions below.",
                    "written_by_id": chair.id,
                    "written_by": chair.label,
                    "written_at": written,
                    "version": 1,
                    **stamp(written),
                }
            )
            read = min(self.now, written + dt.timedelta(days=3))
            rows[MinutesRead].append(
                {
                    "id": self.new_id(),
                    "minutes_id": minutes_id,
                    "reader_id": police.id,
                    "reader": police.label,
                    "first_read_at": read,
                    "last_read_at": read,
                    "read_count": self.rng.randint(1, 3),
                    **stamp(read),
                }
            )
            for _ in range(self.rng.randint(2, 3)):
                escalated = self.rng.random() < 0.15
                due = (starts + dt.timedelta(days=self.rng.randint(14, 60))).date()
                status_now = self.rng.choices(list(ActionStatus), weights=(40, 30, 25, 5))[0]
                rows[ActionItem].append(
                    {
                        "id": self.new_id(),
                        "workstream_id": ws.id,
                        "meeting_id": meeting_id,
                        "title": self.rng.choice(ACTION_TITLES),
                        "owner_name": self.rng.choice([chair.name, police.name, *members]),
                        "owner_staff_id": None,
                        "due_on": due,
                        "status": status_now,
                        "notes": "",
                        "escalated_at": written if escalated else None,
                        "escalation_reason": "Needs a decision from the board on funding" if escalated else "",
                        "escalated_by": chair.label if escalated else "",
                        "version": 1,
                        **stamp(written),
                    }
                )
            audits.append(
                self.audit(chair, "meeting.minutes_written", "meeting", meeting_id, "Minutes written", written, {})
            )

    def audit(
        self,
        actor: Actor | None,
        action: str,
        subject_type: str,
        subject_id: object,
        summary: str,
        at: dt.datetime,
        changes: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "actor_id": actor.id if actor else None,
            "actor_label": actor.label if actor else "anonymous",
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "summary": summary[:300],
            "changes": changes,
            **stamp(at),
        }


class Chunk:
    """The rows of up to :data:`CHUNK` people, written table by table in the order the keys need."""

    TABLES: tuple[Any, ...] = (
        Volunteer,
        IdentityStep,
        Expression,
        Choice,
        Declaration,
        declaration_project,
        DeclarationReview,
        Recusal,
        Assignment,
        OneTimeLink,
        OutboxMessage,
        ImportedResponse,
        HeldSubmission,
        VolunteerNote,
        ErasureRequest,
        AuditEntry,
    )

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in self.TABLES}

    def add(self, table: Any, **row: Any) -> None:
        self.rows[table].append(row)

    async def write(self) -> None:
        for table in self.TABLES:
            await self.gen.insert(table, self.rows[table])

    def person(self, index: int, submitted: dt.datetime) -> None:
        gen, rng = self.gen, self.rng
        org = rng.choices(gen.orgs, weights=gen.org_weights)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        personal = rng.random() < 0.18
        domain = rng.choice(FREE_MAIL) if personal else org.domain
        number = f"{index}" if gen.batch == 1 else f"{index}b{gen.batch}"
        email = f"{ascii_slug(first)}.{ascii_slug(last)}{number}@{domain}"
        person_id, expression_id = gen.new_id(), gen.new_id()
        source = rng.choices(("form", "api", "surveymonkey"), weights=(78, 10, 12))[0]
        hours = rng.choice(HOURS)
        age_days = (gen.now - submitted).total_seconds() / 86400
        special = index == gen.volunteers // 2  # stands for the rare cases, so even a small batch has each

        # Identity: confirmed by the link, then the domain, then the office.
        identity = Identity.SUBMITTED
        self.step(person_id, Identity.SUBMITTED, None, "the person", "submitted", submitted)
        confirmed_at = (
            gen.after(submitted, 0.05, 30) if special or rng.random() < (0.8 if age_days > 2 else 0.5) else None
        )
        validated_at: dt.datetime | None = None
        if confirmed_at is not None:
            identity = Identity.EMAIL_CONFIRMED
            how = "opened the emailed link and confirmed"
            self.step(person_id, identity, None, "the person", how, confirmed_at)
            self.audit(None, "interest.confirmed", person_id, f"Confirmed by e-mail for {gen.call_name}", confirmed_at)
            if not personal and org.registered:
                identity = Identity.ORGANISATION_CONFIRMED
                how = f"the confirmed address's domain {org.domain} is registered to {org.name}"
                self.step(person_id, identity, None, "the service", how, confirmed_at)
            decided = gen.after(confirmed_at, 24, 24 * 12) if rng.random() < (0.4 if age_days > 7 else 0.05) else None
            if decided is not None:
                rejected = rng.random() < 0.05
                identity = Identity.REJECTED if rejected else Identity.VALIDATED
                evidence = (
                    "Could not confirm employment with the organisation named"
                    if rejected
                    else rng.choice(("Checked LinkedIn and employer's switchboard", "Warrant card seen on video call"))
                )
                self.step(person_id, identity, gen.office, gen.office.label, evidence, decided)
                self.audit(gen.office, f"volunteer.{identity.value}", person_id, "Identity decided", decided)
                validated_at = decided if not rejected else None
        reminded = submitted + dt.timedelta(hours=48)
        reminded_at = reminded if confirmed_at is None and reminded < gen.now else None
        self.add(
            Volunteer,
            id=person_id,
            email=email,
            name=name,
            phone=f"{rng.choice(PHONE_RANGES)}{rng.randrange(1000):03d}",
            organisation=org.name,
            job_title=rng.choice(POLICE_TITLES if org.police else JOB_TITLES),
            sector=org.sector,
            identity=identity,
            hours_per_month=hours,
            reminded_at=reminded_at,
            erased_at=None,
            **stamp(submitted),
        )

        # The expression of interest and its ranked choices.
        status = ExpressionStatus.CONFIRMED if confirmed_at else ExpressionStatus.AWAITING_CONFIRMATION
        if confirmed_at and rng.random() < 0.02:
            status = ExpressionStatus.WITHDRAWN
        declares = special or rng.random() < 0.15
        credentials = [c for c in CREDENTIALS if rng.random() < 0.15]
        self.add(
            Expression,
            id=expression_id,
            volunteer_id=person_id,
            call_id=gen.call_id,
            status=status,
            hours_per_month=hours,
            experience=f"{rng.randint(2, 30)} years in {rng.choice(AREAS)}; {rng.choice(DETAILS)}.",
            credentials=credentials,
            no_conflicts=not declares,
            statement_version=STATEMENT_VERSION,
            statement_accepted_at=submitted,
            submitted_at=submitted,
            late=False,
            late_reason="",
            source=source,
            **stamp(submitted),
        )
        count = min(len(gen.projects), rng.choices((1, 2, 3, 4), weights=(30, 30, 25, 15))[0])
        chosen = gen.pick_projects(count)
        wants_lead = rng.random() < 0.15
        for rank, project in enumerate(chosen, 1):
            role = ChoiceRole.LEAD if (rank == 1 and wants_lead) or rng.random() < 0.03 else ChoiceRole.MEMBER
            self.add(
                Choice,
                id=gen.new_id(),
                expression_id=expression_id,
                project_id=project.id,
                rank=rank,
                role=role,
                **stamp(submitted),
            )

        # Declarations, touching projects they chose, and the ethics reviews of most.
        first_declaration = None
        for _ in range((2 if rng.random() < 0.2 else 1) if declares else 0):
            first_declaration = first_declaration or self.declaration(person_id, org, chosen, submitted, special)
        self.audit(None, "interest.submitted", person_id, f"{source} submission to {gen.call_name} (new)", submitted)

        # The confirmation link and e-mail (and the one reminder), all sent.
        self.add(
            OneTimeLink,
            id=gen.new_id(),
            purpose=CONFIRMATION,
            subject_id=person_id,
            token_hash=hashlib.sha256(gen.new_id().bytes).hexdigest(),
            expires_at=submitted + dt.timedelta(days=7),
            used_at=confirmed_at,
            payload={"expression_id": str(expression_id)},
            **stamp(submitted),
        )
        self.mail(email, name, submitted, "Confirm your Step-Change expression of interest")
        if reminded_at is not None:
            self.mail(email, name, reminded_at, "Confirm your Step-Change expression of interest")

        # The office's work: assignments of validated people, notes; and the odd special case.
        if validated_at is not None and status is not ExpressionStatus.WITHDRAWN and rng.random() < 0.35:
            self.assignment(person_id, name, org.name, email, chosen[0], hours, wants_lead, validated_at)
        if special or rng.random() < 0.02:
            at = gen.between(submitted, gen.now)
            self.add(
                VolunteerNote,
                id=gen.new_id(),
                volunteer_id=person_id,
                author_id=gen.office.id,
                author=gen.office.label,
                text=rng.choice(NOTES),
                **stamp(at),
            )
            self.audit(gen.office, "volunteer.note_added", person_id, "Note added", at)
        if source == "surveymonkey":
            self.add(
                ImportedResponse,
                id=gen.new_id(),
                source=SURVEY,
                respondent_id=str(11_000_000_000 + gen.batch * 10_000_000 + index),
                content_hash=hashlib.sha256(f"{gen.seed}/{gen.batch}/{index}".encode()).hexdigest(),
                volunteer_id=person_id,
                declaration_id=first_declaration,
                **stamp(submitted),
            )
        if confirmed_at and (special or rng.random() < 0.005):
            self.held(person_id, name, email, org, hours, chosen)
        if special or rng.random() < 0.001:
            self.add(
                ErasureRequest,
                id=gen.new_id(),
                volunteer_id=person_id,
                carried_out_at=None,
                carried_out_by="",
                **stamp(gen.between(submitted, gen.now)),
            )

    def step(
        self, person_id: uuid.UUID, step: Identity, by: Actor | None, label: str, how: str, at: dt.datetime
    ) -> None:
        self.add(
            IdentityStep,
            id=self.gen.new_id(),
            volunteer_id=person_id,
            step=step,
            by_id=by.id if by else None,
            by=label,
            how=how,
            **stamp(at),
        )

    def audit(self, actor: Actor | None, action: str, subject: object, summary: str, at: dt.datetime) -> None:
        self.rows[AuditEntry].append(self.gen.audit(actor, action, "volunteer", subject, summary, at, {}))

    def mail(self, email: str, name: str, at: dt.datetime, subject: str) -> None:
        sent = at + dt.timedelta(seconds=self.rng.randint(2, 40))
        self.add(
            OutboxMessage,
            id=self.gen.new_id(),
            recipient=email,
            subject=subject,
            text_body=f"Dear {name},\n\nPlease confirm your expression of interest by opening the link we sent.\n",
            html_body=None,
            category=CONFIRMATION,
            status=MailStatus.SENT,
            attempts=1,
            next_attempt_at=at,
            claimed_until=None,
            claim_token=None,
            sent_at=sent,
            last_error=None,
            message_id=f"<{self.gen.new_id().hex}@stepchange.example>",
            forget_after_send=False,
            **stamp(at),
        )

    def declaration(
        self, person_id: uuid.UUID, org: Org, chosen: list[ProjectInfo], submitted: dt.datetime, special: bool
    ) -> uuid.UUID:
        gen, rng = self.gen, self.rng
        declaration_id = gen.new_id()
        kind = rng.choices(list(ConflictKind), weights=(35, 35, 15, 15))[0]
        other = rng.choices(gen.orgs, weights=gen.org_weights)[0].name if rng.random() < 0.6 else org.name
        reviewed_at = gen.after(submitted, 48, 24 * 14) if not special and rng.random() < 0.7 else None
        outcome = rng.choices(list(DeclarationOutcome), weights=(55, 35, 10))[0] if reviewed_at else None
        self.add(
            Declaration,
            id=declaration_id,
            volunteer_id=person_id,
            kind=kind,
            description=rng.choice(DECLARATIONS[kind]).format(org=other),
            organisation=other,
            state=outcome.state if outcome else ReviewState.PENDING,
            withdrawn_at=None,
            **stamp(submitted),
        )
        touched = chosen[: rng.randint(1, min(2, len(chosen)))]
        for project in touched:
            self.add(declaration_project, declaration_id=declaration_id, project_id=project.id)
        if outcome is not None and reviewed_at is not None:
            self.add(
                DeclarationReview,
                id=gen.new_id(),
                declaration_id=declaration_id,
                reviewer_id=gen.ethics.id,
                reviewer=gen.ethics.label,
                outcome=outcome,
                previous_state=ReviewState.PENDING,
                reason=REVIEW_REASONS[outcome],
                mitigation="Kept out of supplier selection; declared at each meeting."
                if outcome is DeclarationOutcome.MANAGED
                else "",
                **stamp(reviewed_at),
            )
            self.rows[AuditEntry].append(
                gen.audit(
                    gen.ethics,
                    "ethics.declaration_reviewed",
                    "declaration",
                    declaration_id,
                    f"Declaration reviewed: {outcome.value}",
                    reviewed_at,
                    {"state": {"before": "pending", "after": outcome.value}},
                )
            )
        elif special or rng.random() < 0.05:
            self.add(
                Recusal,
                id=gen.new_id(),
                declaration_id=declaration_id,
                project_id=None,
                reviewer_id=gen.ethics.id,
                reviewer=gen.ethics.label,
                reason="The reviewer's own organisation is named in the declaration",
                **stamp(gen.between(submitted, gen.now)),
            )
        return declaration_id

    def assignment(
        self,
        person_id: uuid.UUID,
        name: str,
        organisation: str,
        email: str,
        project: ProjectInfo,
        hours: int,
        wants_lead: bool,
        validated_at: dt.datetime,
    ) -> None:
        gen, rng = self.gen, self.rng
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
        self.add(
            Assignment,
            id=assignment_id,
            volunteer_id=person_id,
            project_id=project.id,
            role=AssignmentRole.LEAD if lead else AssignmentRole.MEMBER,
            status=status,
            offered_by_id=gen.office.id,
            offered_by=gen.office.label,
            hours=min(hours, rng.choice((2, 4, 6, 8))) if rng.random() < 0.8 else None,
            responded_at=responded,
            ended_at=ended,
            ended_reason="Moved role at work" if ended else "",
            **stamp(offered),
        )
        self.rows[AuditEntry].append(
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
        if status is AssignmentStatus.ACCEPTED:
            gen.people_by_workstream[project.workstream_id].append((name, organisation, email))

    def held(
        self, person_id: uuid.UUID, name: str, email: str, org: Org, hours: int, chosen: list[ProjectInfo]
    ) -> None:
        clean = CleanSubmission(
            name=name,
            email=email,
            phone=f"{PHONE_RANGES[0]}{self.rng.randrange(1000):03d}",
            organisation=org.name,
            job_title=self.rng.choice(JOB_TITLES),
            sector=org.sector,
            hours_per_month=max(1, hours // 2),
            experience="Changed my choices after talking to the co-chair.",
            credentials=[],
            no_conflicts=True,
            choices=[(p.id, rank, ChoiceRole.MEMBER) for rank, p in enumerate(reversed(chosen), 1)],
        )
        self.add(
            HeldSubmission,
            id=self.gen.new_id(),
            volunteer_id=person_id,
            call_id=self.gen.call_id,
            payload=clean.to_json(),
            **stamp(self.gen.between(self.gen.opens_at, self.gen.now)),
        )


async def generate(
    session: AsyncSession,
    volunteers: int,
    *,
    seed: int = 2018,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Add one batch of ``volunteers`` people (and everything around them) in ``session``; the caller commits."""
    started = time.perf_counter()
    batch = 1 + (await session.scalar(select(func.count()).where(Call.name.startswith(DEMO_CALL_PREFIX))) or 0)
    report = GenerateReport(batch=batch, call="")
    gen = Generator(session, volunteers, seed=seed, batch=batch, today=today or dt.date.today(), report=report)
    workstreams = (await session.scalars(select(Workstream).order_by(Workstream.position))).all()
    if not workstreams:
        raise RuntimeError("No work-streams: run `stepchange seed` first")
    gen.make_organisations()
    await gen.write_organisations()
    await gen.staff(workstreams)
    await gen.load_projects()
    if not gen.projects:
        raise RuntimeError("No open priority projects to offer: run `stepchange seed` first")
    await gen.write_call()
    report.call = gen.call_name
    say = progress or (lambda _line: None)
    say(f"batch {batch}: {len(gen.orgs)} organisations, {len(gen.projects)} projects, writing {volunteers:,} people")
    await gen.people()
    say(f"people written in {time.perf_counter() - started:.1f} s; projects and governance next")
    await gen.project_progress()
    await gen.governance(workstreams)
    report.seconds = time.perf_counter() - started
    return report


async def refresh_statistics(engine: AsyncEngine) -> None:
    """Refresh the query planner's statistics after a bulk load, in a transaction of its own.

    Without this, PostgreSQL plans the reports' joins as if the new tables were nearly empty (nested
    loops over 10,000s of rows: the dashboard's funnel took 5 s at 20,000 people instead of 40 ms)
    until autovacuum's next ANALYZE. SQLite is asked to ``PRAGMA optimize``, which analyses what needs it.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE"))
        elif connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA optimize"))
