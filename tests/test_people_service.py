"""One people service: whichever door changes a person's details or the hours they offer — the office's
late entry, a repeat submission the person confirms, the volunteer changing their hours, an import that
merges a person already held — the record is changed by the people service and leaves the same audit
trail: one ``volunteer.details_changed`` entry saying who, and what changed (names and phone numbers only
as changed). Nothing changed, nothing recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core import audit
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.mail import OutboxMessage
from stepchange.core.settings import Settings
from stepchange.interest.calls import project_codes
from stepchange.interest.models import Call, ChoiceRole
from stepchange.interest.rules import CleanSubmission
from stepchange.interest.schemas import ChoiceIn, LateEntryIn, SubmissionIn
from stepchange.interest.services import InterestService
from stepchange.people.models import Volunteer
from stepchange.people.services import DETAILS_CHANGED, PeopleService, details_of
from stepchange.volunteers.services import SelfService
from tests.test_import_surveymonkey import hold_people, import_file
from tests.test_interest import open_a_call

EMAIL = "priya.shah@example.co.uk"
HELD = {
    "name": "Priya Shah",
    "phone": "+447700900123",
    "organisation": "Harbour Cruises Ltd",
    "job_title": "Head of Security",
    "sector": "Transport",
    "hours_per_month": 4,
}


@dataclass(frozen=True)
class Office:
    id: UUID = field(default_factory=uuid4)
    role: str = "coordinator"
    workstream_id: UUID | None = None
    label: str = "Olive Office (coordinator)"


def answers(**changes: Any) -> dict[str, Any]:
    """What the person sends again: their details (as held unless changed) and one choice."""
    return {
        **HELD,
        "email": EMAIL,
        "phone": "07700 900123",
        "choices": [ChoiceIn(project="T1", rank=1, role=ChoiceRole.MEMBER)],
        "confidentiality_accepted": True,
        "no_conflicts": True,
        **changes,
    }


async def held_person(config: SQLAlchemyAsyncConfig, call: Call) -> UUID:
    """Priya, held with an expression of interest in ``call``."""
    async with session_scope(config) as session:
        person = await PeopleService(session=session).add_person(EMAIL, HELD)
        t1 = next(i for i, code in await project_codes(session) if code == "T1")
        clean = CleanSubmission(
            **{**details_of(person), "email": EMAIL},
            experience="",
            credentials=[],
            no_conflicts=True,
            choices=[(t1, 1, ChoiceRole.MEMBER)],
        )
        await InterestService(session=session)._record(person.id, call.id, clean, call.opens_at, source="form")
        return person.id


async def trail(config: SQLAlchemyAsyncConfig, volunteer_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """Who changed the person's details, and what changed, in order."""
    async with session_scope(config) as session:
        entries = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == DETAILS_CHANGED, AuditEntry.subject_id == str(volunteer_id))
            .order_by(AuditEntry.created_at)
        )
        return [(e.actor_label, e.changes) for e in entries]


async def record_of(config: SQLAlchemyAsyncConfig, volunteer_id: UUID) -> dict[str, Any]:
    async with session_scope(config) as session:
        return details_of(await session.get_one(Volunteer, volunteer_id))


async def test_the_office_s_late_entry(db_config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    call = await open_a_call(db_config)
    person = await held_person(db_config, call)
    data = LateEntryIn(**answers(hours_per_month=12, organisation="Harbour Cruises Group", call=call.id))

    async with session_scope(db_config) as session:
        await InterestService(session=session).late_entry(Office(), data, "Phoned the office", settings)

    assert await trail(db_config, person) == [
        (
            "Olive Office (coordinator)",
            {
                "hours_per_month": {"before": 4, "after": 12},
                "organisation": {"before": "Harbour Cruises Ltd", "after": "Harbour Cruises Group"},
            },
        )
    ]
    assert (await record_of(db_config, person))["hours_per_month"] == 12


async def test_a_repeat_submission_the_person_confirms(db_config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    call = await open_a_call(db_config)
    person = await held_person(db_config, call)
    async with session_scope(db_config) as session:
        await InterestService(session=session).submit(
            SubmissionIn(**answers(hours_per_month=10, name="Priya Patel")), settings
        )
    assert await trail(db_config, person) == [], "held until the address confirms it"

    async with session_scope(db_config) as session:
        mail = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.created_at.desc()))
        assert mail is not None
        [token] = re.findall(r"/interest/verify/(\S+)", mail.text_body)
        await InterestService(session=session).confirm(token)

    assert await trail(db_config, person) == [
        ("anonymous", {"hours_per_month": {"before": 4, "after": 10}, "name": audit.CHANGED})
    ]
    assert (await record_of(db_config, person))["name"] == "Priya Patel"


async def test_a_volunteer_changing_the_hours_they_offer(db_config: SQLAlchemyAsyncConfig) -> None:
    call = await open_a_call(db_config)
    person = await held_person(db_config, call)

    async with session_scope(db_config) as session:
        me = await session.get_one(Volunteer, person)
        choices = [ChoiceIn(project="T1", rank=1, role=ChoiceRole.MEMBER)]
        await SelfService(session).change_choices(me, call.id, choices, 9)

    assert await trail(db_config, person) == [("the volunteer", {"hours_per_month": {"before": 4, "after": 9}})]


async def test_an_import_merging_a_person_already_held(db_config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    await hold_people(db_config)
    async with session_scope(db_config) as session:
        sam = await PeopleService(session=session).by_email("existing.volunteer@example.org")
        assert sam is not None

    await import_file(db_config, settings)

    assert await trail(db_config, sam.id) == [
        (
            "system",
            {
                "hours_per_month": {"before": 4, "after": 11},
                "name": audit.CHANGED,
                "organisation": {"before": "Web First Ltd", "after": "New Employer plc"},
                "phone": audit.CHANGED,
            },
        )
    ]


async def test_nothing_changed_nothing_recorded(db_config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    call = await open_a_call(db_config)
    person = await held_person(db_config, call)
    data = LateEntryIn(**answers(call=call.id))

    async with session_scope(db_config) as session:
        await InterestService(session=session).late_entry(Office(), data, "Phoned the office", settings)

    assert await trail(db_config, person) == []
    assert await record_of(db_config, person) == HELD
