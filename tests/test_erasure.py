"""Erasure is complete (issue 21, item 9): after a person is erased nothing of them is left in the database
file, its write-ahead log or the development outbox folder, and their declarations waiting for review
leave the ethics queue and the backlog counts. The apps run as in development (the ``browsers`` fixture):
every message is written to the outbox folder."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select

from stepchange.core.database import session_scope
from stepchange.core.mail import OutboxMessage, list_mailbox, send_due
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration, ReviewState
from stepchange.people.models import Volunteer
from tests.at_rest import checkpoint, database_bytes, every_text_value, folder_bytes, found
from tests.conftest import ENGINE
from tests.journeys import PRIYA, Browsers, a_volunteer_who_did_everything, send, the_office, the_reviewer
from tests.test_interest import submission

WHO_PRIYA_IS = [
    "Priya Shah",
    "Priya",
    PRIYA,
    "priya.shah",
    "07700 900123",
    "07700900123",
    "7700900123",
    "Harbour Cruises",
    "Head of Security",
    "Twenty years in maritime",
    "vetting firm",
    "VetCo",
    "prefers mornings",
]


async def test_nothing_of_an_erased_person_is_left_on_disk(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    priya, person_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    office = await the_office(browsers, db_config)
    noted = await send(office, f"/api/volunteers/{person_id}/notes", {"text": "Priya prefers mornings"})
    assert noted.status_code == 201
    assert len(list_mailbox(settings)) == 2, "a confirmation link and a sign-in link were written"

    assert (await send(office, f"/api/erasure-requests/{person_id}/erase")).status_code == 200
    assert (await send_due(db_config, settings)).sent == 1, "the erasure notice"
    assert (await priya.get("/api/me")).status_code == 401

    [notice] = list_mailbox(settings)
    assert "erased" in notice.subject and notice.to != PRIYA, "the notice went; the server keeps no copy of whom to"
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1, "only that it was sent"
        assert (await session.scalars(select(Volunteer.erased_at))).one() is not None, "the record is still counted"
    assert found(folder_bytes(settings.outbox_dir), WHO_PRIYA_IS) == []
    for table, values in (await every_text_value(db_config)).items():
        assert found(values.encode(), WHO_PRIYA_IS) == [], table
    if ENGINE == "sqlite":
        await checkpoint(db_config)
        assert found(database_bytes(settings), WHO_PRIYA_IS) == []


async def test_erasure_removes_the_mail_still_waiting_to_go(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    _, person_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    office = await the_office(browsers, db_config)
    stranger = await browsers()
    assert (await send(stranger, "/api/me/sign-in", {"email": PRIYA})).status_code == 202, "a link, not yet sent"

    assert (await send(office, f"/api/erasure-requests/{person_id}/erase")).status_code == 200
    report = await send_due(db_config, settings)
    assert report.sent == 1, "only the erasure notice goes; the waiting sign-in link never does"
    assert [m.subject for m in list_mailbox(settings)] == ["Your Step-Change data has been erased"]


async def test_an_erased_persons_waiting_declarations_leave_the_queue_and_the_counts(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    _, person_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    tom = await browsers()
    assert (await send(tom, "/api/interest", submission(email="tom@venue.example", name="Tom Bell"))).status_code == 201
    office = await the_office(browsers, db_config)
    reviewer = await the_reviewer(browsers, db_config)
    async with session_scope(db_config) as session:
        [priyas] = (await session.scalars(select(Declaration).where(Declaration.volunteer_id == person_id))).all()

    async def waiting() -> tuple[int, int, int]:
        queue = (await reviewer.get("/api/conflicts?state=pending")).json()
        desk = (await office.get("/api/desk")).json()
        board = (await office.get("/api/reports/dashboard")).json()
        return queue["total"], desk["declarations_awaiting_review"], board["declarations"]["pending"]

    assert await waiting() == (2, 2, 2)
    assert (await send(office, f"/api/erasure-requests/{person_id}/erase")).status_code == 200
    assert await waiting() == (1, 1, 1), "Tom's declaration still waits; Priya's has gone with her"
    [left] = (await reviewer.get("/api/conflicts?state=pending")).json()["items"]
    assert left["volunteer_id"] != person_id
    assert (await reviewer.get(f"/api/conflicts/{priyas.id}")).status_code == 404


async def test_a_reviewed_declaration_of_an_erased_person_stays_counted_without_its_text(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    _, person_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    office = await the_office(browsers, db_config)
    reviewer = await the_reviewer(browsers, db_config)
    [declaration] = (await reviewer.get("/api/conflicts?state=pending")).json()["items"]
    decided = await send(
        reviewer,
        f"/api/conflicts/{declaration['id']}/review",
        {"outcome": "managed", "reason": "Shares are small", "mitigation": "Not on vetting work"},
    )
    assert decided.status_code == 201, decided.text

    assert (await send(office, f"/api/erasure-requests/{person_id}/erase")).status_code == 200
    async with session_scope(db_config) as session:
        kept = (await session.scalars(select(Declaration))).one()
        assert (kept.state, kept.kind, [p.code for p in kept.projects]) == (ReviewState.MANAGED, "financial", ["T1"])
        assert (kept.description, kept.organisation) == ("", "")
