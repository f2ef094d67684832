"""The batch's call to action and what people sent it: when they submitted (a launch spike, a steady
middle, a rush near the close), their expressions of interest and ranked choices (project popularity
follows a Zipf curve, so a few projects draw most of the interest), the confirmation links and e-mails
behind them (all already *sent*), SurveyMonkey imports and the odd held repeat submission."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from dataclasses import dataclass

from stepchange.core.links import OneTimeLink
from stepchange.core.mail import MailStatus, OutboxMessage
from stepchange.demo.batch import (
    CALL_DAYS_LEFT,
    CALL_DAYS_OPEN,
    DEMO_CALL_PREFIX,
    SURVEY,
    Chunk,
    Generator,
    Newcomer,
    ProjectInfo,
    stamp,
)
from stepchange.demo.vocabulary import AREAS, DETAILS, JOB_TITLES, PHONE_RANGES
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
from stepchange.interest.rules import CREDENTIALS, STATEMENT_VERSION, CleanSubmission
from stepchange.interest.services import CONFIRMATION


async def write_call(gen: Generator) -> None:
    """The batch's national call, open for six weeks before the anchor day and two after, offering every
    open priority project."""
    gen.call_id = gen.new_id()
    gen.call_name = f"{DEMO_CALL_PREFIX}{gen.batch}, seed {gen.seed})"
    await gen.insert(
        Call,
        [
            {
                "id": gen.call_id,
                "name": gen.call_name,
                "opens_at": gen.opens_at,
                "closes_at": gen.closes_at,
                "closed_early_at": None,
                **stamp(gen.opens_at - dt.timedelta(days=7)),
            }
        ],
    )
    await gen.insert(call_project, [{"call_id": gen.call_id, "project_id": p.id} for p in gen.projects])


def submission_times(gen: Generator, count: int) -> list[dt.datetime]:
    """A launch spike, a steady middle and a rush as the closing date nears; working hours mostly."""
    days = max(1, (gen.now - gen.opens_at).days)
    total = CALL_DAYS_OPEN + CALL_DAYS_LEFT
    weights = [1 + 6 * math.exp(-d / 2.5) + 3 * math.exp(-(total - d) / 6) for d in range(days)]
    chosen = gen.rng.choices(range(days), weights=weights, k=count)
    times = []
    for day in chosen:
        hour = min(23.99, max(0.0, gen.rng.triangular(6.5, 23.5, 13)))
        moment = gen.opens_at + dt.timedelta(days=day, hours=hour)
        times.append(min(moment, gen.now - dt.timedelta(minutes=1)))
    return sorted(times)


def pick_projects(gen: Generator, count: int) -> list[ProjectInfo]:
    """``count`` different projects, the popular ones likelier."""
    picked: list[ProjectInfo] = []
    while len(picked) < count:
        project = gen.rng.choices(gen.projects, weights=gen.project_weights)[0]
        if project not in picked:
            picked.append(project)
    return picked


@dataclass(frozen=True)
class Expressed:
    """What a newcomer's expression of interest says, for the steps after it."""

    status: ExpressionStatus
    declares: bool
    chosen: list[ProjectInfo]
    wants_lead: bool


def express(chunk: Chunk, someone: Newcomer) -> Expressed:
    """The expression of interest (confirmed once the address is) and its ranked choices."""
    gen, rng = chunk.gen, chunk.rng
    status = ExpressionStatus.CONFIRMED if someone.confirmed_at else ExpressionStatus.AWAITING_CONFIRMATION
    if someone.confirmed_at and rng.random() < 0.02:
        status = ExpressionStatus.WITHDRAWN
    declares = someone.special or rng.random() < 0.15
    credentials = [c for c in CREDENTIALS if rng.random() < 0.15]
    chunk.add(
        Expression,
        id=someone.expression_id,
        volunteer_id=someone.id,
        call_id=gen.call_id,
        status=status,
        hours_per_month=someone.hours,
        experience=f"{rng.randint(2, 30)} years in {rng.choice(AREAS)}; {rng.choice(DETAILS)}.",
        credentials=credentials,
        no_conflicts=not declares,
        statement_version=STATEMENT_VERSION,
        statement_accepted_at=someone.submitted,
        submitted_at=someone.submitted,
        late=False,
        late_reason="",
        source=someone.source,
        **stamp(someone.submitted),
    )
    count = min(len(gen.projects), rng.choices((1, 2, 3, 4), weights=(30, 30, 25, 15))[0])
    chosen = pick_projects(gen, count)
    wants_lead = rng.random() < 0.15
    for rank, project in enumerate(chosen, 1):
        role = ChoiceRole.LEAD if (rank == 1 and wants_lead) or rng.random() < 0.03 else ChoiceRole.MEMBER
        chunk.add(
            Choice,
            id=gen.new_id(),
            expression_id=someone.expression_id,
            project_id=project.id,
            rank=rank,
            role=role,
            **stamp(someone.submitted),
        )
    return Expressed(status, declares, chosen, wants_lead)


def confirmation(chunk: Chunk, someone: Newcomer) -> None:
    """The confirmation link and e-mail, and the one reminder to those who had not confirmed: all sent."""
    gen = chunk.gen
    chunk.add(
        OneTimeLink,
        id=gen.new_id(),
        purpose=CONFIRMATION,
        subject_id=someone.id,
        token_hash=hashlib.sha256(gen.new_id().bytes).hexdigest(),
        expires_at=someone.submitted + dt.timedelta(days=7),
        used_at=someone.confirmed_at,
        payload={"expression_id": str(someone.expression_id)},
        **stamp(someone.submitted),
    )
    mail(chunk, someone.email, someone.name, someone.submitted, "Confirm your Step-Change expression of interest")
    if someone.reminded_at is not None:
        mail(chunk, someone.email, someone.name, someone.reminded_at, "Confirm your Step-Change expression of interest")


def mail(chunk: Chunk, email: str, name: str, at: dt.datetime, subject: str) -> None:
    """A confirmation e-mail, sent a few seconds after it was queued (a stand-in body: nobody reads it)."""
    sent = at + dt.timedelta(seconds=chunk.rng.randint(2, 40))
    chunk.add(
        OutboxMessage,
        id=chunk.gen.new_id(),
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
        message_id=f"<{chunk.gen.new_id().hex}@stepchange.example>",
        forget_after_send=False,
        **stamp(at),
    )


def imported(chunk: Chunk, someone: Newcomer, declaration_id: uuid.UUID | None) -> None:
    """The SurveyMonkey response a newcomer's submission was imported from."""
    gen = chunk.gen
    chunk.add(
        ImportedResponse,
        id=gen.new_id(),
        source=SURVEY,
        respondent_id=str(11_000_000_000 + gen.batch * 10_000_000 + someone.index),
        content_hash=hashlib.sha256(f"{gen.seed}/{gen.batch}/{someone.index}".encode()).hexdigest(),
        volunteer_id=someone.id,
        declaration_id=declaration_id,
        **stamp(someone.submitted),
    )


def held(chunk: Chunk, someone: Newcomer, chosen: list[ProjectInfo]) -> None:
    """A repeat submission held for the office to confirm: the same person, their choices reordered."""
    clean = CleanSubmission(
        name=someone.name,
        email=someone.email,
        phone=f"{PHONE_RANGES[0]}{chunk.rng.randrange(1000):03d}",
        organisation=someone.org.name,
        job_title=chunk.rng.choice(JOB_TITLES),
        sector=someone.org.sector,
        hours_per_month=max(1, someone.hours // 2),
        experience="Changed my choices after talking to the co-chair.",
        credentials=[],
        no_conflicts=True,
        choices=[(p.id, rank, ChoiceRole.MEMBER) for rank, p in enumerate(reversed(chosen), 1)],
    )
    gen = chunk.gen
    chunk.add(
        HeldSubmission,
        id=gen.new_id(),
        volunteer_id=someone.id,
        call_id=gen.call_id,
        payload=clean.to_json(),
        **stamp(gen.between(gen.opens_at, gen.now)),
    )
