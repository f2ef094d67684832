"""Calendar feeds (issue 27): a staff member's secret address, valid RFC 5545 read back by icalendar, times
in Europe/London with a VTIMEZONE, stable UIDs so a moved meeting updates in place, the agenda's link but
never the minutes; the address replaced on re-issue and revoked by a role change or a closed account; a
volunteer's team meetings once they have accepted a place."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from icalendar import Calendar
from sqlalchemy import select, update

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.assignments.notices import OFFER
from stepchange.core.database import session_scope
from stepchange.core.links import issue_link
from stepchange.core.settings import Settings
from stepchange.governance.models import Meeting, Minutes
from stepchange.reminders.controllers import team_calendar_url
from tests.conftest import Client, sign_in
from tests.reminder_world import T0, Clock, World, build


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


async def feed(client: Client, url: str) -> Calendar:
    response = await client.get(path_of(url))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


async def address(client: Client) -> str:
    response = await client.post("/api/auth/calendar", headers={"x-csrftoken": await client.csrf()})
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.endswith(".ics")
    return str(url)


async def test_a_co_chairs_calendar_stays_right_as_meetings_move(
    client: Client, db_config: SQLAlchemyAsyncConfig, moved: Clock
) -> None:
    world = await build(db_config)
    async with session_scope(db_config) as session:
        session.add(Minutes(meeting_id=world.meeting_id, text="SECRET MINUTES", written_by="Chair", written_at=T0))
    await sign_in(client, world.chair)
    url = await address(client)
    client.cookies.clear()  # a calendar app has no session
    calendar = await feed(client, url)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/London"
    found = events(calendar)
    meeting = found[f"meeting-{world.meeting_id}@stepchange"]
    assert meeting.decoded("dtstart") == (T0 + dt.timedelta(hours=3)).astimezone(dt.UTC)
    assert meeting["dtstart"].params["TZID"] == "Europe/London"
    assert f"/workstreams/CP/governance/meetings/{world.meeting_id}" in str(meeting["description"])
    assert b"SECRET MINUTES" not in calendar.to_ical()
    assert f"milestone-{world.milestone_id}@stepchange" in found
    action = found[f"action-{world.action_id}@stepchange"]
    assert action.decoded("dtstart") == (T0 + dt.timedelta(days=5)).date()

    moved_to = T0 + dt.timedelta(days=2, hours=5)
    async with session_scope(db_config) as session:
        await session.execute(update(Meeting).where(Meeting.id == world.meeting_id).values(starts_at=moved_to))
    again = events(await feed(client, url))
    assert len(again) == len(found), "the moved meeting is updated, not duplicated"
    assert again[f"meeting-{world.meeting_id}@stepchange"].decoded("dtstart") == moved_to


async def test_the_address_is_replaced_and_revoked_by_a_role_change(
    client: Client, db_config: SQLAlchemyAsyncConfig, moved: Clock
) -> None:
    world = await build(db_config)
    await sign_in(client, world.chair)
    first = await address(client)
    second = await address(client)
    assert (await client.get(path_of(first))).status_code == 404, "a new address replaces the old"
    assert (await client.get(path_of(second))).status_code == 200
    assert (await client.get("/calendar/nonsense.ics")).status_code == 404
    assert (await client.get("/calendar/nonsense")).status_code == 404
    async with session_scope(db_config) as session:
        await session.execute(
            update(StaffUser)
            .where(StaffUser.email == world.chair)
            .values(role="board", workstream_id=None, session_epoch=StaffUser.session_epoch + 1)
        )
    assert (await client.get(path_of(second))).status_code == 404, "revoked when the role changes"


async def test_the_office_changes_a_role_through_the_service_and_the_address_stops(
    browsers: Any, db_config: SQLAlchemyAsyncConfig, moved: Clock
) -> None:
    world = await build(db_config)
    chair, office = await browsers(), await browsers()
    await sign_in(chair, world.chair)
    url = await address(chair)
    await sign_in(office, world.office)
    async with session_scope(db_config) as session:
        chair_id = (await session.scalars(select(StaffUser.id).where(StaffUser.email == world.chair))).one()
    headers = {"x-csrftoken": await office.csrf()}
    assert (await office.get(path_of(url))).status_code == 200
    moved_role = await office.patch(f"/api/users/{chair_id}", json={"role": "ethics"}, headers=headers)
    assert moved_role.status_code == 200, moved_role.text
    assert (await office.get(path_of(url))).status_code == 404, "revoked when the role changes"
    await sign_in(chair, world.chair)
    url = await address(chair)
    closed = await office.post(f"/api/users/{chair_id}/deactivate", headers=headers)
    assert closed.status_code == 200, closed.text
    assert (await office.get(path_of(url))).status_code == 404, "revoked when the account closes"


async def test_a_volunteer_gets_their_teams_meetings_once_they_have_accepted(
    client: Client, db_config: SQLAlchemyAsyncConfig, settings: Settings, moved: Clock
) -> None:
    world = await build(db_config)
    url = team_calendar_url(settings, world.place_id)
    found = events(await feed(client, url))
    meeting = found[f"meeting-{world.meeting_id}@stepchange"]
    assert "description" not in meeting, "no agenda link for volunteers"
    assert (await client.get(path_of(url).replace(".ics", "0.ics"))).status_code == 404, "a forged address"
    offer_url = team_calendar_url(settings, world.offer_id)
    assert (await client.get(path_of(offer_url))).status_code == 404, "not before they accept"
    async with session_scope(db_config) as session:
        await session.execute(
            update(Assignment).where(Assignment.id == world.place_id).values(status=AssignmentStatus.ENDED)
        )
    assert (await client.get(path_of(url))).status_code == 404, "not once the place has ended"


async def test_the_account_page_makes_an_address(client: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    world = World()
    await build(db_config)
    await sign_in(client, world.ethics)
    page = await client.get("/account/reminders")
    assert page.status_code == 200 and "Make a calendar address" in page.text
    made = await client.post("/account/calendar", data={"_csrf_token": await client.csrf()})
    assert made.status_code in (200, 201) and "/calendar/" in made.text
    assert "Make a new calendar address" in (await client.get("/account/reminders")).text


async def test_the_accepted_offer_page_offers_the_teams_meetings(
    client: Client, db_config: SQLAlchemyAsyncConfig, moved: Clock
) -> None:
    world = await build(db_config)
    async with session_scope(db_config) as session:
        token = await issue_link(session, OFFER, world.offer_id, lifetime=dt.timedelta(days=14))
    answered = await client.post(f"/offers/{token}", data={"_csrf_token": await client.csrf(), "answer": "accept"})
    assert "Place accepted" in answered.text, answered.text
    [link] = re.findall(r'href="([^"]*/calendar/team/[^"]+\.ics)"', answered.text)
    found = events(await feed(client, link))
    assert f"meeting-{world.meeting_id}@stepchange" in found
