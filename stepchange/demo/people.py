"""The people who answer the batch's call, a chunk at a time: British names, phones in Ofcom's drama
ranges, job titles and sectors, working for organisations (a few large ones send many people) whose
e-mail domains are, for most, in the organisations register; some write from a personal address.

Each person's identity climbs as it would in the service (confirmed by e-mail, organisation confirmed by
domain, validated or rejected by the office), each step with who, when and how; then come their
expression of interest, declarations, confirmation e-mails, the office's work (offers, notes) and the
odd special case (an import, a held repeat submission, an erasure request).
"""

from __future__ import annotations

import datetime as dt
import uuid

from stepchange.demo import assignments, interest, proposals, reminders, time_ledger
from stepchange.demo.batch import CHUNK, Actor, Chunk, Generator, Newcomer, ascii_slug, stamp
from stepchange.demo.declarations import declaration
from stepchange.demo.vocabulary import (
    FIRST_NAMES,
    FREE_MAIL,
    HOURS,
    JOB_TITLES,
    LAST_NAMES,
    NOTES,
    PHONE_RANGES,
    POLICE_TITLES,
)
from stepchange.interest.models import ExpressionStatus
from stepchange.people.models import ErasureRequest, Identity, IdentityStep, Volunteer, VolunteerNote


async def write_people(gen: Generator) -> None:
    """Everyone who answered the call, written :data:`CHUNK` people at a time (bounded memory at any scale)."""
    times = interest.submission_times(gen, gen.volunteers)
    gen.leads_taken = {p.id for p in gen.projects if p.has_lead}
    for start in range(0, gen.volunteers, CHUNK):
        chunk = Chunk(gen)
        for index in range(start, min(start + CHUNK, gen.volunteers)):
            person(chunk, index, times[index])
        await chunk.write()


def person(chunk: Chunk, index: int, submitted: dt.datetime) -> None:
    """One person's rows, subject by subject (the order of the random draws is the order of the rows)."""
    someone = arrival(chunk, index, submitted)
    identity = identity_steps(chunk, someone)
    volunteer(chunk, someone, identity)
    expressed = interest.express(chunk, someone)
    first_declaration = None
    for _ in range((2 if chunk.rng.random() < 0.2 else 1) if expressed.declares else 0):
        first_declaration = first_declaration or declaration(chunk, someone, expressed.chosen)
    summary = f"{someone.source} submission to {chunk.gen.call_name} (new)"
    chunk.audit(None, "interest.submitted", someone.id, summary, submitted)
    interest.confirmation(chunk, someone)
    office_work(chunk, someone, expressed, first_declaration)
    time_ledger.entries(chunk, someone)
    reminders.volunteer_reminders(chunk, someone)
    proposals.remember_interest(chunk.gen, someone, expressed.chosen)


def arrival(chunk: Chunk, index: int, submitted: dt.datetime) -> Newcomer:
    """Who the person is: a name, an organisation (the big ones likelier), an address, how they came."""
    gen, rng = chunk.gen, chunk.rng
    org = rng.choices(gen.orgs, weights=gen.org_weights)[0]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    personal = rng.random() < 0.18
    domain = rng.choice(FREE_MAIL) if personal else org.domain
    number = f"{index}" if gen.batch == 1 else f"{index}b{gen.batch}"
    person_id, expression_id = gen.new_id(), gen.new_id()
    return Newcomer(
        index=index,
        submitted=submitted,
        id=person_id,
        expression_id=expression_id,
        org=org,
        name=f"{first} {last}",
        email=f"{ascii_slug(first)}.{ascii_slug(last)}{number}@{domain}",
        personal=personal,
        source=rng.choices(("form", "api", "surveymonkey"), weights=(78, 10, 12))[0],
        hours=rng.choice(HOURS),
        special=index == gen.volunteers // 2,
    )


def identity_steps(chunk: Chunk, someone: Newcomer) -> Identity:
    """Confirmed by the link, then the domain, then the office: each step recorded; where they got to."""
    gen, rng, submitted = chunk.gen, chunk.rng, someone.submitted
    age_days = (gen.now - submitted).total_seconds() / 86400
    identity = Identity.SUBMITTED
    step(chunk, someone.id, Identity.SUBMITTED, None, "the person", "submitted", submitted)
    confirmed_at = (
        gen.after(submitted, 0.05, 30) if someone.special or rng.random() < (0.8 if age_days > 2 else 0.5) else None
    )
    if confirmed_at is not None:
        identity = Identity.EMAIL_CONFIRMED
        step(chunk, someone.id, identity, None, "the person", "opened the emailed link and confirmed", confirmed_at)
        chunk.audit(None, "interest.confirmed", someone.id, f"Confirmed by e-mail for {gen.call_name}", confirmed_at)
        if not someone.personal and someone.org.registered:
            identity = Identity.ORGANISATION_CONFIRMED
            how = f"the confirmed address's domain {someone.org.domain} is registered to {someone.org.name}"
            step(chunk, someone.id, identity, None, "the service", how, confirmed_at)
        decided = gen.after(confirmed_at, 24, 24 * 12) if rng.random() < (0.4 if age_days > 7 else 0.05) else None
        if decided is not None:
            rejected = rng.random() < 0.05
            identity = Identity.REJECTED if rejected else Identity.VALIDATED
            evidence = (
                "Could not confirm employment with the organisation named"
                if rejected
                else rng.choice(("Checked LinkedIn and employer's switchboard", "Warrant card seen on video call"))
            )
            step(chunk, someone.id, identity, gen.office, gen.office.label, evidence, decided)
            chunk.audit(gen.office, f"volunteer.{identity.value}", someone.id, "Identity decided", decided)
            someone.validated_at = decided if not rejected else None
    reminded = submitted + dt.timedelta(hours=48)
    someone.confirmed_at = confirmed_at
    someone.reminded_at = reminded if confirmed_at is None and reminded < gen.now else None
    return identity


def step(
    chunk: Chunk, person_id: uuid.UUID, step: Identity, by: Actor | None, label: str, how: str, at: dt.datetime
) -> None:
    chunk.add(
        IdentityStep,
        id=chunk.gen.new_id(),
        volunteer_id=person_id,
        step=step,
        by_id=by.id if by else None,
        by=label,
        how=how,
        **stamp(at),
    )


def volunteer(chunk: Chunk, someone: Newcomer, identity: Identity) -> None:
    rng = chunk.rng
    chunk.add(
        Volunteer,
        id=someone.id,
        email=someone.email,
        name=someone.name,
        phone=f"{rng.choice(PHONE_RANGES)}{rng.randrange(1000):03d}",
        organisation=someone.org.name,
        job_title=rng.choice(POLICE_TITLES if someone.org.police else JOB_TITLES),
        sector=someone.org.sector,
        identity=identity,
        hours_per_month=someone.hours,
        reminded_at=someone.reminded_at,
        erased_at=None,
        **stamp(someone.submitted),
    )


def office_work(
    chunk: Chunk, someone: Newcomer, expressed: interest.Expressed, first_declaration: uuid.UUID | None
) -> None:
    """The office's work (offers to validated people, notes) and the odd special case."""
    gen, rng, special = chunk.gen, chunk.rng, someone.special
    if someone.validated_at is not None and expressed.status is not ExpressionStatus.WITHDRAWN and rng.random() < 0.35:
        assignments.assignment(chunk, someone, expressed.chosen[0], expressed.wants_lead, someone.validated_at)
    if special or rng.random() < 0.02:
        at = gen.between(someone.submitted, gen.now)
        chunk.add(
            VolunteerNote,
            id=gen.new_id(),
            volunteer_id=someone.id,
            author_id=gen.office.id,
            author=gen.office.label,
            text=rng.choice(NOTES),
            **stamp(at),
        )
        chunk.audit(gen.office, "volunteer.note_added", someone.id, "Note added", at)
    if someone.source == "surveymonkey":
        interest.imported(chunk, someone, first_declaration)
    if someone.confirmed_at and (special or rng.random() < 0.005):
        interest.held(chunk, someone, expressed.chosen)
    if special or rng.random() < 0.001:
        chunk.add(
            ErasureRequest,
            id=gen.new_id(),
            volunteer_id=someone.id,
            carried_out_at=None,
            carried_out_by="",
            **stamp(gen.between(someone.submitted, gen.now)),
        )
