"""Reminders (issue 27): each rule fires once, at the right time, to the right person, with the right items,
over real SMTP; one digest a person a day; volunteers can stop non-essential reminders; staff choose daily
or weekly; offers lapse after 14 days through the assignments' rule; the dry run shows the plan."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import click
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner
from sqlalchemy import func, select, update

from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.assignments.rules import LAPSED
from stepchange.core.database import session_scope
from stepchange.core.mail import OutboxMessage, send_due
from stepchange.core.settings import Settings
from stepchange.people.models import ErasureRequest, Volunteer
from stepchange.reminders.job import run, run_leased
from stepchange.reminders.models import ReminderDigest
from stepchange.reminders.signing import STOP, sign
from stepchange.reminders_cli import _pretend, reminders_group
from tests.conftest import Client, sign_in
from tests.reminder_world import T0, Clock, build, by_recipient
from tests.smtp import SmtpServer, with_smtp


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return with_smtp(settings, smtp)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


async def day(config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer) -> dict[str, list[str]]:
    """Run the day's reminders and deliver them; what each address got this time."""
    before = len(smtp.messages)
    await run(config, settings)
    await send_due(config, settings)
    return by_recipient(smtp.messages[before:])


async def test_each_reminder_goes_once_to_the_right_person(
    db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    moved.days(2)
    early = await day(db_config, mail_settings, smtp)
    assert world.unconfirmed not in early and world.offered not in early, "too soon for volunteers"
    assert world.placed in early, "a person holding a place is asked to log this month's time"
    assert "Log the time you gave" in early[world.placed][0]
    assert "CP1 " in early[world.chair][0] and "has had no update since" in early[world.chair][0], "stale projects"
    assert "T1 " not in early[world.chair][0], "only their own work-stream's projects"
    assert "is waiting for its commercial-advantage review" in early[world.ethics][0], (
        "the projects were added 40 days before"
    )

    moved.days(8)
    got = await day(db_config, mail_settings, smtp)
    assert all(len(texts) == 1 for texts in got.values()), "one digest a person a day"
    [ada] = got[world.unconfirmed]
    assert "Confirm your email address" in ada
    assert re.search(r"/interest/verify/\S{20,}", ada), "a fresh confirmation link"
    [ben] = got[world.offered]
    assert "Answer the offer of a member place on CP1" in ben and "/reminders/stop/" in ben
    assert world.placed not in got, "the monthly reminder went already this month"
    [chair] = got[world.chair]
    assert "Quarterly review" in chair and "Write the minutes" in chair
    assert "“Draft the guidance” was due on" in chair, "an overdue action"
    assert "/governance/actions/" in chair
    assert world.other_chair not in got or "Draft the guidance" not in got[world.other_chair][0]
    [office] = got[world.office]
    assert "Pilot report" in office, "a milestone due within 7 days"
    assert "erasure" not in office, "not yet 7 days before the legal due date"
    assert world.board not in got, "the board is not chased"
    assert world.ethics not in got or "declaration of interest" not in got[world.ethics][0]

    again = await day(db_config, mail_settings, smtp)
    assert again == {}, "a second run the same day sends nothing"
    moved.days(9)
    assert world.unconfirmed not in await day(db_config, mail_settings, smtp), "the address reminder goes once"

    moved.days(first_day_past_service_level(mail_settings.ethics_service_days))
    ethics = await day(db_config, mail_settings, smtp)
    assert "A declaration of interest made on" in ethics[world.ethics][0], "past the service level"
    assert "commercial-advantage review" not in ethics[world.ethics][0], "project reviews went already, once"
    assert "Pilot report" not in ethics.get(world.office, [""])[0], "the milestone reminder went once"


def first_day_past_service_level(service_days: int) -> int:
    """Days after T0 (when the declaration was made) until it has waited more than ``service_days``
    weekdays, counted here one day at a time."""
    days, weekdays = 0, 0
    while weekdays <= service_days:
        days += 1
        weekdays += (T0 + dt.timedelta(days=days)).weekday() < 5
    return days


async def test_a_declaration_is_chased_after_the_service_level_in_working_days(
    db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    """The same working days as the ethics reviewers' home (STEPCHANGE_ETHICS_SERVICE_DAYS), not a fixed 10
    calendar days."""
    world = await build(db_config)
    settings = replace(mail_settings, ethics_service_days=3)
    due = first_day_past_service_level(3)
    moved.days(due - 1)
    waiting = await day(db_config, settings, smtp)
    assert "A declaration of interest made on" not in waiting.get(world.ethics, [""])[0], "still within 3 working days"
    moved.days(due)
    late = await day(db_config, settings, smtp)
    assert "A declaration of interest made on" in late[world.ethics][0]


async def test_a_refused_erasure_request_is_not_chased(
    db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    async with session_scope(db_config) as session:
        await session.execute(update(ErasureRequest).values(refused_at=T0 + dt.timedelta(days=2)))
    moved.days(24)
    got = await day(db_config, mail_settings, smtp)
    assert "An erasure request must be carried out by" not in got.get(world.office, [""])[0]


async def test_an_unanswered_offer_lapses_after_14_days_and_the_office_and_co_chairs_are_told(
    db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    moved.days(13)
    await day(db_config, mail_settings, smtp)
    async with session_scope(db_config) as session:
        assert (await session.get_one(Assignment, world.offer_id)).status is AssignmentStatus.OFFERED
    moved.days(14.1)
    got = await day(db_config, mail_settings, smtp)
    async with session_scope(db_config) as session:
        offer = await session.get_one(Assignment, world.offer_id)
    assert (offer.status, offer.ended_reason) == (AssignmentStatus.ENDED, LAPSED)
    note = "An offer of a member place on CP1"
    assert note in got[world.office][0] and note in got[world.chair][0]
    assert note not in got.get(world.other_chair, [""])[0], "only the project's own co-chairs"
    assert world.offered not in got
    moved.days(15)
    assert note not in (await day(db_config, mail_settings, smtp)).get(world.office, [""])[0]
    moved.days(24)
    assert "An erasure request must be carried out by" in (await day(db_config, mail_settings, smtp))[world.office][0]


async def test_a_volunteer_stops_reminders_by_the_link_but_still_gets_essential_ones(
    client: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    async with session_scope(db_config) as session:
        cy = (await session.scalars(select(Volunteer).where(Volunteer.email == world.placed))).one()
        ben = (await session.scalars(select(Volunteer).where(Volunteer.email == world.offered))).one()
    assert (await client.get("/reminders/stop/not-a-token")).status_code == 404
    for person in (cy, ben):
        link = f"/reminders/stop/{sign(mail_settings, STOP, person.id)}"
        page = await client.get(link)
        assert page.status_code == 200 and "Stop reminders" in page.text
        stopped = await client.post(link, data={"_csrf_token": await client.csrf()})
        assert stopped.status_code == 201 or stopped.status_code == 200, stopped.text
        assert "Reminders stopped" in stopped.text
    moved.days(8)
    got = await day(db_config, mail_settings, smtp)
    assert world.placed not in got, "the monthly reminder is not essential"
    assert "Answer the offer" in got[world.offered][0], "an offer waiting for an answer still goes"


async def test_staff_choose_a_weekly_digest(
    client: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, moved: Clock
) -> None:
    world = await build(db_config)
    await sign_in(client, world.chair)
    page = await client.get("/account")
    assert "/account/reminders" in page.text
    csrf = {"_csrf_token": await client.csrf()}
    refused = await client.post("/account/reminders", data={**csrf, "frequency": "never"})
    assert refused.status_code == 400 and "Select how often" in refused.text
    saved = await client.post("/account/reminders", data={**csrf, "frequency": "weekly"}, follow_redirects=True)
    assert "Your choice of summary is saved" in saved.text
    moved.days(3)  # the action is due within 3 days
    first = await day(db_config, mail_settings, smtp)
    assert "“Draft the guidance” is due on" in first[world.chair][0]
    moved.days(8)  # the minutes are now late: held back for the week
    assert world.chair not in await day(db_config, mail_settings, smtp)
    moved.days(10)
    [later] = (await day(db_config, mail_settings, smtp))[world.chair]
    assert "Write the minutes" in later and "was due on" in later


async def test_the_dry_run_prints_the_plan_without_personal_data_and_sends_nothing(
    app: object, db_config: SQLAlchemyAsyncConfig, settings: Settings, moved: Clock
) -> None:
    world = await build(db_config)
    moved.days(8)
    report = await run_leased(db_config, settings, dry_run=True)
    assert report is not None
    text = "\n".join(report.lines())
    assert "address_unconfirmed: 1" in text and "offer_unanswered: 1" in text and "minutes_missing: 1" in text
    for personal in (world.unconfirmed, world.offered, world.chair, "Ada", "Volunteer", "Chair.Cp"):
        assert personal not in text
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(ReminderDigest)) == 0
        assert (await session.get_one(Assignment, world.offer_id)).status is AssignmentStatus.OFFERED


def test_now_is_refused_outside_development(settings: Settings) -> None:
    with pytest.raises(click.UsageError, match="STEPCHANGE_ENV=development"):
        _pretend("2027-01-04T08:00", replace(settings, env="production"))
    with pytest.raises(click.BadParameter):
        _pretend("next tuesday", settings)


def test_the_command_is_listed() -> None:
    result = CliRunner().invoke(reminders_group, ["send", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output and "--now" in result.output
