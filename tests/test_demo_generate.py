"""``stepchange demo generate``: realistic synthetic data, every table populated, encrypted as the service
stores it, deterministic for a seed, and a second run adds another batch."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select, text

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment
from stepchange.contributions.models import EntryStatus, TimeEntry
from stepchange.contributions.services import MAX_HOURS, MIN_HOURS, PLACE_HELD
from stepchange.core.clock import uk_day
from stepchange.core.database import Base, build_database_config, session_scope
from stepchange.core.settings import Settings
from stepchange.demo import DEMO_CALL_PREFIX, generate
from stepchange.governance.partnership_models import MaturityArea, MaturityRating, Terms, TermsStatus
from stepchange.interest.models import Choice, Expression
from stepchange.people.models import Organisation, Volunteer
from stepchange.projects.models import ProjectVersion
from stepchange.projects.proposals_models import Proposal, ProposalStatus
from stepchange.reminders.models import ReminderDigest, ReminderSent
from tests.conftest import Databases

TODAY = dt.date(2026, 11, 22)


WORKING_STATE = {
    "attempt_counter",
    "received_submission",
    "staff_recovery_code",
    "reminder_lease",
    "export_job",
    "export_part",
}
"""Tables ``demo generate`` leaves empty on purpose, the service's working state rather than programme data:
sign-in throttles and rate limits, submissions waiting moments to be filed, staff recovery codes (made only
when someone sets up an authenticator app), the reminders job's lease (the running job's lock, inserted by its
first run: a generated row would stop today's run or mean nothing) and prepared downloads (made when someone
asks for a long register as Excel, purged a day later)."""


async def counts(config: SQLAlchemyAsyncConfig) -> dict[str, int]:
    async with session_scope(config) as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_a_batch_fills_every_table_with_skewed_encrypted_data(db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        report = await generate(session, 200, seed=7, today=TODAY)
    assert report.batch == 1 and report.call.startswith(DEMO_CALL_PREFIX)
    found = await counts(db_config)
    assert found["volunteer"] == found["expression"] == 200
    assert 200 <= found["choice"] <= 800
    empty = [name for name, count in found.items() if count == 0 and name not in WORKING_STATE]
    assert empty == [], "every table of programme data has rows"

    async with session_scope(db_config) as session:
        per_project = (await session.execute(select(Choice.project_id, func.count()).group_by(Choice.project_id))).all()
        chosen = sorted((n for _, n in per_project), reverse=True)
        assert chosen[0] > 2 * statistics.median(chosen), "a few projects draw most of the interest"

        raw = (await session.execute(text("SELECT email, phone FROM volunteer"))).all()
        assert all(not phone.startswith("+") and len(phone) > 40 for _, phone in raw), "phones encrypted at rest"
        person = await session.scalar(select(Volunteer).where(Volunteer.email == raw[0][0]))
        assert person is not None and person.phone.startswith("+44"), "and read back through the column type"
        assert all(email.endswith(".example") for email, _ in raw), "no real address can be mailed"

        submitted = (await session.scalars(select(Expression.submitted_at))).all()
        assert all(s < dt.datetime.combine(TODAY, dt.time.min, tzinfo=dt.UTC) for s in submitted)
        assert len({s.date() for s in submitted}) > 20, "submissions spread over the call's weeks"


async def test_a_second_run_adds_another_batch_and_reuses_the_cast(db_config: SQLAlchemyAsyncConfig) -> None:
    for _ in range(2):
        async with session_scope(db_config) as session:
            report = await generate(session, 200, seed=7, today=TODAY)
    assert report.batch == 2
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(Volunteer)) == 400
        organisations = await session.scalar(select(func.count()).select_from(Organisation))
        staff = await session.scalar(select(func.count()).select_from(StaffUser))
    async with session_scope(db_config) as session:
        await generate(session, 50, seed=7, today=TODAY)
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == organisations
        assert await session.scalar(select(func.count()).select_from(StaffUser)) == staff


def test_the_same_seed_on_the_same_database_gives_the_same_rows(databases: Databases) -> None:
    async def people(url: str) -> list[tuple[object, ...]]:
        config = build_database_config(Settings(database_url=url))
        async with session_scope(config) as session:
            await generate(session, 100, seed=11, today=TODAY)
        async with session_scope(config) as session:
            rows = (await session.execute(select(Volunteer.id, Volunteer.email, Volunteer.identity))).all()
        await config.get_engine().dispose()
        return sorted(tuple(row) for row in rows)

    first, second = databases.copy_of_template(), databases.copy_of_template()
    assert asyncio.run(people(first)) == asyncio.run(people(second))


async def test_the_newer_features_rows_are_ones_their_services_could_have_written(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    async with session_scope(db_config) as session:
        await generate(session, 300, seed=5, today=TODAY)
    async with session_scope(db_config) as session:
        entries = (
            await session.execute(
                select(TimeEntry, func.min(Assignment.responded_at))
                .join(
                    Assignment,
                    (Assignment.volunteer_id == TimeEntry.volunteer_id)
                    & (Assignment.project_id == TimeEntry.project_id),
                )
                .where(Assignment.status.in_(PLACE_HELD), Assignment.responded_at.is_not(None))
                .group_by(TimeEntry.id)
            )
        ).all()
        assert len(entries) == await session.scalar(select(func.count()).select_from(TimeEntry)) > 0
        for entry, began in entries:
            assert uk_day(began).replace(day=1) <= entry.month <= TODAY.replace(day=1), "while the place was held"
            assert MIN_HOURS * 60 <= entry.minutes <= MAX_HOURS * 60
            assert (entry.status is EntryStatus.PENDING) == (entry.reviewed_at is None)
            assert entry.status is not EntryStatus.QUERIED or entry.review_note, "a query says why"
        notes = (await session.scalars(text("SELECT note FROM time_entry"))).all()
        assert all(len(note) > 40 for note in notes), "notes encrypted at rest"

        for proposal in (await session.scalars(select(Proposal))).all():
            assert proposal.status is not ProposalStatus.REJECTED or proposal.reason
            if proposal.status is ProposalStatus.ACCEPTED:
                assert proposal.applied_version == proposal.base_version + 1
                version = select(ProjectVersion).where(
                    ProjectVersion.project_id == proposal.project_id, ProjectVersion.version == proposal.applied_version
                )
                assert await session.scalar(version) is not None, "an accepted proposal is a new version"

        published = (
            await session.execute(
                select(Terms.workstream_id, func.count())
                .where(Terms.status == TermsStatus.PUBLISHED)
                .group_by(Terms.workstream_id)
            )
        ).all()
        assert published and all(n == 1 for _, n in published), "one published version per work-stream"
        areas = await session.scalar(select(func.count()).select_from(MaturityArea).where(MaturityArea.active))
        rated = (
            await session.execute(
                select(MaturityRating.assessment_id, func.count()).group_by(MaturityRating.assessment_id)
            )
        ).all()
        assert rated and all(n == areas for _, n in rated), "every assessment rates every area"
        digests = (
            await session.execute(
                select(ReminderDigest.items, func.count(ReminderSent.id))
                .join(ReminderSent, ReminderSent.digest_id == ReminderDigest.id)
                .group_by(ReminderDigest.id, ReminderDigest.items)
            )
        ).all()
        assert digests and all(items == sent for items, sent in digests), "a digest's count is its items"
