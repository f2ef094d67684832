"""Work-stream governance through HTTP, as each role: appointments, the roster, meetings, minutes, actions.

Work-stream T is the one under test; CP is "another work-stream".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from sqlalchemy import select

from stepchange.core import audit
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.governance.services.meetings import DEFAULT_STANDING_ITEMS
from tests.conftest import Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]
T = "/api/workstreams/T"
PAGES = "/workstreams/T/governance"
SECRET = "The CTSA briefed on the Harbour Street threat assessment"
HTML = {"accept": "text/html"}


async def send(browser: Client, method: str, path: str, body: Any = None) -> Response:
    """A JSON request with the CSRF header, as an API client sends it."""
    return await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})


async def post_form(browser: Client, path: str, fields: dict[str, str]) -> Response:
    return await browser.post(path, data={**fields, "_csrf_token": await browser.csrf()}, follow_redirects=False)


def rules(response: Response) -> set[str]:
    assert response.status_code == 409, response.text
    return {r["rule"] for r in response.json()["rules"]}


def fields(response: Response) -> set[str]:
    assert response.status_code == 400, response.text
    return {e["field"] for e in response.json()["errors"]}


async def audit_entries(config: SQLAlchemyAsyncConfig) -> list[AuditEntry]:
    async with session_scope(config) as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at))).all())


@dataclass
class Cast:
    """Everyone the tests need; each person signs in, in their own browser, when first asked for."""

    office: Client
    ids: dict[str, str]
    browsers: Browsers
    signed_in: dict[str, Client] = field(default_factory=dict)

    async def person(self, name: str) -> Client:
        """``name``'s browser, signed in (opening a browser starts an app: only those a test needs)."""
        if name not in self.signed_in:
            browser = await self.browsers()
            assert (await sign_in(browser, f"{name}@example.org")).status_code == 200
            self.signed_in[name] = browser
        return self.signed_in[name]

    async def outsiders(self) -> list[Client]:
        """The board, an ethics reviewer and another work-stream's co-chair: none of them members of T."""
        return [await self.person(name) for name in ("board", "ethics", "other")]

    async def appoint(self, who: str, seat: str, organisation: str, **extra: Any) -> Response:
        body = {"staff_user_id": self.ids[who], "seat": seat, "organisation": organisation, **extra}
        return await send(self.office, "POST", f"{T}/appointments", body)


@pytest.fixture
async def cast(db_config: SQLAlchemyAsyncConfig, browsers: Browsers) -> Cast:
    people = {
        "office": ("coordinator", None),
        "board": ("board", None),
        "ethics": ("ethics", None),
        "other": ("co_chair", "CP"),
        "bella": ("board", None),
        "paul": ("board", None),
        "dora": ("board", None),
        "member": ("board", None),
    }
    ids = {}
    for name, (role, workstream) in people.items():
        user = await make_staff(db_config, f"{name}@example.org", role, workstream=workstream, name=name.title())
        ids[name] = str(user.id)
    office = await browsers()
    assert (await sign_in(office, "office@example.org")).status_code == 200
    return Cast(office, ids, browsers)


@pytest.fixture
async def bella(cast: Cast) -> Client:
    """Bella (business, Acme Retail) and Paul (police, Metropolitan Police) co-chair T; Bella's browser."""
    assert (await cast.appoint("bella", "business_co_chair", "Acme Retail")).status_code == 201
    assert (await cast.appoint("paul", "police_co_chair", "Metropolitan Police")).status_code == 201
    return await cast.person("bella")


async def past_meeting(chair: Client, **extra: Any) -> dict[str, Any]:
    body = {"title": "March meeting", "starts_at": "2026-03-04T10:00:00", "location": "Room 1", **extra}
    response = await send(chair, "POST", f"{T}/meetings", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- appointments -----------------------------------------------------------------------------------


async def test_co_chairs_come_from_different_organisations_and_one_holds_each_seat(cast: Cast, bella: Client) -> None:
    assert rules(await cast.appoint("dora", "police_deputy", " metropolitan POLICE ")) == {"deputy_same_organisation"}
    assert rules(await cast.appoint("dora", "business_co_chair", "Other Ltd")) == {"seat_taken"}
    both = await cast.appoint("dora", "business_co_chair", "metropolitan police")
    assert rules(both) == {"seat_taken", "co_chairs_same_organisation"}, "every broken rule is named"
    assert rules(await cast.appoint("bella", "police_deputy", "Other Ltd")) == {"already_holds_seat"}
    assert rules(await cast.appoint("other", "business_deputy", "Other Ltd")) == {"seat_in_other_workstream"}
    assert rules(await cast.appoint("office", "business_deputy", "Other Ltd")) == {"coordinator_cannot_be_appointed"}
    assert rules(await cast.appoint("ethics", "business_deputy", "X")) == {"ethics_reviewer_cannot_be_appointed"}
    assert (await cast.appoint("dora", "business_deputy", "Retail Ltd")).status_code == 201

    listed = (await cast.office.get(f"{T}/appointments")).json()
    current = {a["seat"]: (a["name"], a["organisation"]) for a in listed["items"] if a["current"]}
    assert current == {
        "business_co_chair": ("Bella", "Acme Retail"),
        "police_co_chair": ("Paul", "Metropolitan Police"),
        "business_deputy": ("Dora", "Retail Ltd"),
    }
    assert listed["total"] == 3 and listed["limit"] == 100 and listed["offset"] == 0


async def test_the_same_organisation_is_refused_whatever_its_case_and_spaces(cast: Cast) -> None:
    assert (await cast.appoint("bella", "business_co_chair", "Acme Retail")).status_code == 201
    refused = await cast.appoint("paul", "police_co_chair", "  ACME retail ")
    assert rules(refused) == {"co_chairs_same_organisation"}
    assert "different organisations" in refused.json()["detail"]


async def test_bad_appointments_are_refused_naming_the_field(cast: Cast) -> None:
    cases = [
        ({"staff_user_id": cast.ids["dora"], "seat": "king"}, "seat"),
        ({"staff_user_id": "not-an-id", "seat": "business_deputy"}, "staff_user_id"),
        ({"staff_user_id": cast.ids["dora"], "seat": "business_deputy", "organisation": "x" * 201}, "organisation"),
        ({"staff_user_id": cast.ids["dora"], "seat": "business_deputy", "organisation": "   "}, "organisation"),
        ({"staff_user_id": "00000000-0000-0000-0000-000000000001", "seat": "business_deputy"}, "staff_user_id"),
        ({"staff_user_id": cast.ids["dora"], "seat": "business_deputy", "starts_on": "2999-01-01"}, "starts_on"),
    ]
    for body, named in cases:
        assert named in fields(await send(cast.office, "POST", f"{T}/appointments", body)), body
    valid = {"staff_user_id": cast.ids["dora"], "seat": "business_deputy", "organisation": "Retail Ltd"}
    assert (await send(cast.office, "POST", "/api/workstreams/ZZ/appointments", valid)).status_code == 404


async def test_only_the_office_makes_appointments(cast: Cast, bella: Client, client: Client) -> None:
    body = {"staff_user_id": cast.ids["dora"], "seat": "business_deputy", "organisation": "Retail Ltd"}
    assert (await send(client, "POST", f"{T}/appointments", body)).status_code == 401
    for browser in (bella, *await cast.outsiders()):
        assert (await send(browser, "POST", f"{T}/appointments", body)).status_code == 403
    assert (await bella.get(f"{T}/appointments")).status_code == 200, "co-chairs see their appointments"
    for browser in await cast.outsiders():
        assert (await browser.get(f"{T}/appointments")).status_code == 403
    assert (await client.get(f"{T}/appointments")).status_code == 401


async def test_appointment_gives_co_chair_rights_for_this_workstream_and_ends_old_sessions(cast: Cast) -> None:
    bella = await cast.person("bella")
    assert (await bella.get(f"{T}/roster")).status_code == 403, "not yet a member"
    assert (await cast.appoint("bella", "business_co_chair", "Acme Retail")).status_code == 201
    assert (await bella.get("/api/auth/me")).status_code == 401, "the old session ended with the old rights"
    me = (await sign_in(bella, "bella@example.org")).json()
    assert (me["role"], me["workstream"]) == ("co_chair", "T")
    added = await send(bella, "POST", f"{T}/roster", {"name": "Vic Volunteer", "organisation": "Shop Co"})
    assert added.status_code == 201
    other = await send(bella, "POST", "/api/workstreams/CP/roster", {"name": "X", "organisation": "Y"})
    assert other.status_code == 403, "co-chair rights are for this work-stream only"


async def test_replacing_and_stepping_down_keep_the_history(cast: Cast, db_config: SQLAlchemyAsyncConfig) -> None:
    first = await cast.appoint("bella", "business_co_chair", "Acme Retail")
    bella = await cast.person("bella")
    replaced = await cast.appoint("dora", "business_co_chair", "Retail Ltd", replace=True)
    assert replaced.status_code == 201
    history = (await cast.office.get(f"{T}/appointments")).json()["items"]
    assert [(a["name"], a["current"]) for a in history] == [("Dora", True), ("Bella", False)]
    assert history[1]["id"] == first.json()["id"]
    assert history[1]["ended_reason"] == "Replaced by Dora" and history[1]["ended_on"]
    assert (await bella.get("/api/auth/me")).status_code == 401
    assert (await sign_in(bella, "bella@example.org")).json()["role"] == "board", "no seat, no co-chair rights"
    assert (await bella.get(f"{T}/roster")).status_code == 403

    dora_id = replaced.json()["id"]
    assert "reason" in fields(await send(cast.office, "POST", f"{T}/appointments/{dora_id}/end", {"reason": ""}))
    ended = await send(cast.office, "POST", f"{T}/appointments/{dora_id}/end", {"reason": "Stepped down"})
    assert ended.status_code == 200 and ended.json()["current"] is False
    again = await send(cast.office, "POST", f"{T}/appointments/{dora_id}/end", {"reason": "Again"})
    assert rules(again) == {"appointment_ended"}
    assert (await sign_in(await cast.browsers(), "dora@example.org")).json()["role"] == "board"
    assert (await cast.appoint("paul", "business_co_chair", "Acme Retail")).status_code == 201, "the seat is free"

    actions = [e.action for e in await audit_entries(db_config)]
    assert actions.count("workstream.appointment_made") == 3
    assert actions.count("workstream.appointment_ended") == 2
    assert actions.count("staff.changed") >= 5, "each change of rights is audited too"


async def test_the_deputy_rule_holds_when_an_organisation_is_corrected(cast: Cast, bella: Client) -> None:
    deputy = await cast.appoint("dora", "police_deputy", "City of London Police")
    path = f"{T}/appointments/{deputy.json()['id']}"
    assert rules(await send(cast.office, "PATCH", path, {"organisation": "Metropolitan police"})) == {
        "deputy_same_organisation"
    }
    changed = await send(cast.office, "PATCH", path, {"organisation": "British Transport Police"})
    assert changed.status_code == 200 and changed.json()["organisation"] == "British Transport Police"


# --- the roster -------------------------------------------------------------------------------------


async def test_the_roster_of_staff_and_volunteers_with_deputies(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    staff = await send(bella, "POST", f"{T}/roster", {"staff_user_id": cast.ids["member"], "organisation": "Boots"})
    assert staff.status_code == 201
    assert (staff.json()["kind"], staff.json()["name"], staff.json()["email"]) == (
        "staff",
        "Member",
        "member@example.org",
    )
    volunteer = await send(
        bella,
        "POST",
        f"{T}/roster",
        {
            "name": "Vera Volunteer",
            "organisation": "Harbour BID",
            "email": "Vera@Example.org",
            "deputy_name": "Dan Deputy",
            "deputy_organisation": "Harbour BID",
        },
    )
    assert volunteer.status_code == 201
    assert volunteer.json()["kind"] == "volunteer" and volunteer.json()["deputy_name"] == "Dan Deputy"
    duplicate = await send(
        bella, "POST", f"{T}/roster", {"name": "V", "organisation": "X", "email": "vera@example.org"}
    )
    assert rules(duplicate) == {"already_member"}
    assert fields(await send(bella, "POST", f"{T}/roster", {"name": "No Org"})) == {"organisation"}
    assert fields(await send(bella, "POST", f"{T}/roster", {"name": "N", "organisation": "O", "email": "nope"})) == {
        "email"
    }
    assert fields(await send(bella, "POST", f"{T}/roster", {"name": 5})) == {"name"}

    member_id = volunteer.json()["id"]
    changed = await send(bella, "PATCH", f"{T}/roster/{member_id}", {"deputy_name": "Dee Deputy"})
    assert changed.json()["deputy_name"] == "Dee Deputy"
    assert (await send(bella, "POST", f"{T}/roster/{member_id}/leave")).json()["left_on"]
    assert rules(await send(bella, "POST", f"{T}/roster/{member_id}/leave")) == {"member_left"}
    current = (await bella.get(f"{T}/roster")).json()
    former = (await bella.get(f"{T}/roster?former=true")).json()
    assert [m["name"] for m in current["items"]] == ["Member"]
    assert [m["name"] for m in former["items"]] == ["Vera Volunteer"]
    assert (
        await send(await cast.person("other"), "POST", f"{T}/roster", {"name": "X", "organisation": "Y"})
    ).status_code == 403
    assert (await (await cast.person("other")).get(f"{T}/roster")).status_code == 403

    added = next(e for e in await audit_entries(db_config) if e.subject_id == member_id)
    assert added.action == "workstream.member_added"
    assert added.changes["name"] == "(changed)" and added.changes["email"] == "(changed)"
    assert "Vera" not in str(added.changes) and added.changes["organisation"]["after"] == "Harbour BID"


# --- meetings ----------------------------------------------------------------------------------------


async def test_a_meeting_agenda_is_the_standing_items_then_the_extras(bella: Client) -> None:
    body = {"title": "June", "starts_at": "2027-06-01T18:00:00", "extra_agenda": ["Harbour festival", "  "]}
    meeting = await send(bella, "POST", f"{T}/meetings", body)
    assert meeting.status_code == 201
    agenda = meeting.json()["agenda"]
    assert [a["title"] for a in agenda] == [*DEFAULT_STANDING_ITEMS, "Harbour festival"]
    assert [a["standing"] for a in agenda] == [True] * len(DEFAULT_STANDING_ITEMS) + [False]
    assert [a["position"] for a in agenda] == list(range(1, len(agenda) + 1))
    assert meeting.json()["starts_at"] == "2027-06-01T17:00:00Z", "entered in UK time (BST), kept in UTC"

    agreed = await send(bella, "PUT", f"{T}/standing-items", {"items": ["Apologies", "Threat update"]})
    assert agreed.json() == {"items": ["Apologies", "Threat update"]}
    assert fields(await send(bella, "PUT", f"{T}/standing-items", {"items": [" "]})) == {"items"}
    second = await send(bella, "POST", f"{T}/meetings", {"title": "July", "starts_at": "2027-07-06T10:00:00+01:00"})
    assert [a["title"] for a in second.json()["agenda"]] == ["Apologies", "Threat update"]
    listed = (await bella.get(f"{T}/meetings?upcoming=true")).json()
    assert [m["title"] for m in listed["items"]] == ["June", "July"]

    assert fields(await send(bella, "POST", f"{T}/meetings", {"title": ""})) == {"title", "starts_at"}
    assert fields(await send(bella, "POST", f"{T}/meetings", {"title": "x", "starts_at": "soon"})) == {"starts_at"}
    too_long = {"title": "x", "starts_at": "2027-01-01T10:00:00", "extra_agenda": ["y" * 201]}
    assert fields(await send(bella, "POST", f"{T}/meetings", too_long)) == {"extra_agenda[0]"}


async def test_attendance_apologies_ahead_and_presence_once_started(cast: Cast, bella: Client) -> None:
    member = (await send(bella, "POST", f"{T}/roster", {"name": "Vera", "organisation": "BID"})).json()
    ahead = (await send(bella, "POST", f"{T}/meetings", {"title": "Next", "starts_at": "2030-01-01T10:00:00"})).json()
    path = f"{T}/meetings/{ahead['id']}/attendance"
    early = await send(bella, "POST", path, {"entries": [{"member_id": member["id"], "status": "apologies"}]})
    assert early.status_code == 200 and early.json()["attendance"][0]["status"] == "apologies"
    present = await send(bella, "POST", path, {"entries": [{"member_id": member["id"], "status": "present"}]})
    assert rules(present) == {"meeting_not_started"}

    held = await past_meeting(bella)
    path = f"{T}/meetings/{held['id']}/attendance"
    entries = [
        {"member_id": member["id"], "status": "present", "represented_by": "Dan Deputy"},
        {"name": "Guest Speaker", "organisation": "CTP", "status": "present"},
    ]
    recorded = await send(bella, "POST", path, {"entries": entries})
    assert recorded.status_code == 200
    assert recorded.json()["status"] == "held"
    assert {(a["name"], a["represented_by"]) for a in recorded.json()["attendance"]} == {
        ("Vera", "Dan Deputy"),
        ("Guest Speaker", ""),
    }
    corrected = await send(bella, "POST", path, {"entries": [{"member_id": member["id"], "status": "absent"}]})
    assert len(corrected.json()["attendance"]) == 2, "a second record corrects the first"
    twice = [{"name": "Gus", "status": "present"}, {"name": "GUS", "status": "apologies"}]
    assert len((await send(bella, "POST", path, {"entries": twice})).json()["attendance"]) == 3
    stranger = {"entries": [{"member_id": cast.ids["board"], "status": "present"}]}
    assert fields(await send(bella, "POST", path, stranger)) == {"entries[0].member_id"}
    assert fields(await send(bella, "POST", path, {"entries": [{"status": "present"}]})) == {"entries[0].name"}
    assert fields(await send(bella, "POST", path, {"entries": [{"status": "asleep", "name": "x"}]})) == {
        "entries[0].status"
    }
    assert (await send(await cast.person("other"), "POST", path, {"entries": entries})).status_code == 403

    cancelled = await send(bella, "POST", f"{T}/meetings/{ahead['id']}/cancel", {"reason": "Strike"})
    assert cancelled.json()["status"] == "cancelled"
    apologies = {"entries": [{"member_id": member["id"], "status": "apologies"}]}
    assert rules(await send(bella, "POST", f"{T}/meetings/{ahead['id']}/attendance", apologies)) == {
        "meeting_cancelled"
    }
    assert rules(await send(bella, "POST", f"{T}/meetings/{held['id']}/cancel", {"reason": "x"})) == {"meeting_held"}


# --- minutes ------------------------------------------------------------------------------------------


@pytest.fixture
async def minuted(cast: Cast, bella: Client) -> dict[str, Any]:
    """A past meeting of T with minutes written by its business co-chair, and a staff member on T's roster."""
    await send(bella, "POST", f"{T}/roster", {"staff_user_id": cast.ids["member"], "organisation": "Boots"})
    meeting = await past_meeting(bella)
    written = await send(bella, "PUT", f"{T}/meetings/{meeting['id']}/minutes", {"text": SECRET})
    assert written.status_code == 200 and written.json()["version"] == 1
    return meeting


async def test_minutes_are_for_members_and_the_office_only(
    cast: Cast, bella: Client, minuted: dict[str, Any], client: Client
) -> None:
    path = f"{T}/meetings/{minuted['id']}/minutes"
    page = f"{PAGES}/meetings/{minuted['id']}/minutes"
    member = await cast.person("member")
    for reader in (cast.office, await cast.person("paul"), member):
        assert (await reader.get(path)).json()["text"] == SECRET
        html = await reader.get(page, headers=HTML)
        assert html.status_code == 200 and SECRET in html.text
    assert (await client.get(path)).status_code == 401
    to_login = await client.get(page, headers=HTML, follow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login")
    for outsider in await cast.outsiders():
        refused = await outsider.get(path)
        assert refused.status_code == 403 and SECRET not in refused.text
        html = await outsider.get(page, headers=HTML)
        assert html.status_code == 403 and SECRET not in html.text
        assert (await outsider.get(f"{T}/meetings/{minuted['id']}")).status_code == 403
        assert (await outsider.get(f"{PAGES}/meetings/{minuted['id']}", headers=HTML)).status_code == 403
    for public in ("/workstreams/T", "/api/workstreams/T", "/workstreams"):
        assert SECRET not in (await client.get(public)).text
    unknown = await (await cast.person("board")).get(f"{T}/meetings/00000000-0000-0000-0000-000000000001/minutes")
    assert unknown.status_code == 403, "outsiders cannot even learn which meetings exist"


async def test_each_reading_of_the_minutes_is_recorded(cast: Cast, bella: Client, minuted: dict[str, Any]) -> None:
    path = f"{T}/meetings/{minuted['id']}/minutes"
    member = await cast.person("member")
    await member.get(path)
    await member.get(f"{PAGES}/meetings/{minuted['id']}/minutes", headers=HTML)
    await (await cast.person("board")).get(path)  # refused: not a reading
    reads = (await cast.office.get(path)).json()["reads"]
    assert [(r["reader"], r["read_count"]) for r in reads] == [("Member (board)", 2), ("Office (coordinator)", 1)]
    assert reads[0]["last_read_at"] >= reads[0]["first_read_at"]


async def test_a_stale_minutes_edit_is_refused_and_nothing_is_lost(
    cast: Cast, bella: Client, minuted: dict[str, Any], db_config: SQLAlchemyAsyncConfig
) -> None:
    paul = await cast.person("paul")
    path = f"{T}/meetings/{minuted['id']}/minutes"
    first = await send(paul, "PUT", path, {"text": "Paul's correction", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = await send(bella, "PUT", path, {"text": "Bella's late edit", "version": 1})
    assert stale.status_code == 409 and stale.json()["version"] == 2
    assert (await bella.get(path)).json()["text"] == "Paul's correction"
    blind = await send(bella, "PUT", path, {"text": "No version sent"})
    assert blind.status_code == 409, "an edit that did not start from the saved version is refused"

    page = await post_form(
        bella, f"{PAGES}/meetings/{minuted['id']}/minutes", {"text": "Typed in the form", "version": "1"}
    )
    assert page.status_code == 409
    assert "Typed in the form" in page.text, "the writer's text is kept"
    assert "Paul&#39;s correction" in page.text, "beside what is saved now"
    assert 'name="version" value="2"' in page.text
    saved = await post_form(bella, f"{PAGES}/meetings/{minuted['id']}/minutes", {"text": "Merged", "version": "2"})
    assert saved.status_code == 303

    minutes_entries = [e for e in await audit_entries(db_config) if e.action == "workstream.minutes_written"]
    assert len(minutes_entries) == 3
    assert all(e.changes["text"] == "(changed)" for e in minutes_entries)
    everything = str([(e.summary, e.changes) for e in await audit_entries(db_config)])
    for text in (SECRET, "Paul's correction", "Merged"):
        assert text not in everything, "the minutes' text never reaches the audit"


async def test_minutes_wait_for_the_meeting_and_only_its_runners_write_them(
    cast: Cast, bella: Client, minuted: dict[str, Any]
) -> None:
    ahead = (await send(bella, "POST", f"{T}/meetings", {"title": "Next", "starts_at": "2030-01-01T10:00:00"})).json()
    assert rules(await send(bella, "PUT", f"{T}/meetings/{ahead['id']}/minutes", {"text": "x"})) == {
        "meeting_not_started"
    }
    assert fields(await send(bella, "PUT", f"{T}/meetings/{minuted['id']}/minutes", {"text": " ", "version": 1})) == {
        "text"
    }
    member = await cast.person("member")
    body = {"text": "x", "version": 1}
    assert (await send(member, "PUT", f"{T}/meetings/{minuted['id']}/minutes", body)).status_code == 403
    assert (
        await send(await cast.person("other"), "PUT", f"{T}/meetings/{minuted['id']}/minutes", body)
    ).status_code == 403
    assert (await bella.get(f"{T}/meetings/{ahead['id']}/minutes")).status_code == 404


# --- the action log ---------------------------------------------------------------------------------------


async def test_an_action_needs_an_owner_and_a_due_date(bella: Client) -> None:
    assert fields(await send(bella, "POST", f"{T}/actions", {"title": "Brief venues", "due_on": "2027-01-01"})) == {
        "owner"
    }
    assert fields(await send(bella, "POST", f"{T}/actions", {"title": "Brief venues", "owner": "Vera"})) == {"due_on"}
    assert fields(await send(bella, "POST", f"{T}/actions", {"title": "Brief venues"})) == {"owner", "due_on"}
    assert fields(await send(bella, "POST", f"{T}/actions", {"title": "x", "owner": "V", "due_on": "soon"})) == {
        "due_on"
    }
    missing = await send(bella, "POST", f"{T}/actions", {"title": "x"})
    assert "owner" in missing.json()["detail"] and "due_on" in missing.json()["detail"]
    made = await send(bella, "POST", f"{T}/actions", {"title": "Brief venues", "owner": "Vera", "due_on": "2027-01-01"})
    assert made.status_code == 201 and made.json()["status"] == "open"
    cleared = await send(bella, "PATCH", f"{T}/actions/{made.json()['id']}", {"owner": " "})
    assert fields(cleared) == {"owner"}


async def test_overdue_is_judged_in_uk_time(bella: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    for title, due in (("Due on the 30th", "2026-06-30"), ("Due on the 1st", "2026-07-01")):
        assert (
            await send(bella, "POST", f"{T}/actions", {"title": title, "owner": "V", "due_on": due})
        ).status_code == 201

    def at(moment: str) -> None:
        monkeypatch.setattr("stepchange.core.clock.now", lambda: dt.datetime.fromisoformat(moment))

    at("2026-06-30T22:30:00+00:00")  # 11:30pm on the 30th in London (BST): nothing is late yet
    assert not any(a["overdue"] for a in (await bella.get(f"{T}/actions")).json()["items"])
    at("2026-06-30T23:30:00+00:00")  # still the 30th in UTC, but 12:30am on 1 July in London
    listed = {a["title"]: a["overdue"] for a in (await bella.get(f"{T}/actions")).json()["items"]}
    assert listed == {"Due on the 30th": True, "Due on the 1st": False}
    overdue = (await bella.get(f"{T}/actions?overdue=true")).json()
    assert [a["title"] for a in overdue["items"]] == ["Due on the 30th"] and overdue["total"] == 1
    page = await bella.get(f"{PAGES}/actions?show=overdue", headers=HTML)
    assert "Due on the 30th" in page.text and "Overdue" in page.text and "Due on the 1st" not in page.text

    done = next(a for a in overdue["items"])
    await send(bella, "PATCH", f"{T}/actions/{done['id']}", {"status": "done", "version": done["version"]})
    assert (await bella.get(f"{T}/actions?overdue=true")).json()["total"] == 0, "done is never overdue"


async def test_a_stale_action_update_is_refused(cast: Cast, bella: Client) -> None:
    paul = await cast.person("paul")
    made = (await send(bella, "POST", f"{T}/actions", {"title": "A", "owner": "V", "due_on": "2027-01-01"})).json()
    path = f"{T}/actions/{made['id']}"
    first = await send(paul, "PATCH", path, {"status": "in_progress", "version": made["version"]})
    assert first.status_code == 200 and first.json()["version"] == made["version"] + 1
    stale = await send(bella, "PATCH", path, {"notes": "Mine", "version": made["version"]})
    assert stale.status_code == 409 and stale.json()["version"] == first.json()["version"]
    assert (await bella.get(path)).json()["status"] == "in_progress"


async def test_escalated_actions_reach_the_board_and_the_office(cast: Cast, bella: Client, client: Client) -> None:
    older = (await send(bella, "POST", f"{T}/actions", {"title": "Older", "owner": "V", "due_on": "2027-01-01"})).json()
    newer = (await send(bella, "POST", f"{T}/actions", {"title": "Newer", "owner": "V", "due_on": "2026-01-01"})).json()
    assert fields(await send(bella, "POST", f"{T}/actions/{older['id']}/escalate", {"reason": ""})) == {"reason"}
    for item, reason in ((older, "Needs national funding"), (newer, "Blocked by a supplier")):
        escalated = await send(bella, "POST", f"{T}/actions/{item['id']}/escalate", {"reason": reason})
        assert escalated.status_code == 200 and escalated.json()["escalated_by"] == "Bella (co_chair)"
    assert rules(await send(bella, "POST", f"{T}/actions/{older['id']}/escalate", {"reason": "x"})) == {
        "already_escalated"
    }
    for viewer in (await cast.person("board"), cast.office):
        listed = (await viewer.get("/api/escalations")).json()
        assert [a["title"] for a in listed["items"]] == ["Older", "Newer"], "the longest-waiting first"
        assert listed["items"][0]["escalation_reason"] == "Needs national funding"
        page = await viewer.get("/escalations", headers=HTML)
        assert page.status_code == 200 and "Needs national funding" in page.text
    assert (await client.get("/api/escalations")).status_code == 401
    for outsider in (await cast.person("ethics"), await cast.person("other"), bella):
        assert (await outsider.get("/api/escalations")).status_code == 403
        assert (await outsider.get("/escalations", headers=HTML)).status_code == 403
    assert (await (await cast.person("board")).get(f"{T}/actions")).status_code == 403, (
        "the board reads the escalations only"
    )

    await send(bella, "PATCH", f"{T}/actions/{older['id']}", {"status": "done"})
    assert [a["title"] for a in (await (await cast.person("board")).get("/api/escalations")).json()["items"]] == [
        "Newer"
    ]
    closed = await send(bella, "POST", f"{T}/actions/{older['id']}/escalate", {"reason": "x"})
    assert rules(closed) == {"action_closed", "already_escalated"}
    escalated = (await bella.get(f"{T}/actions?escalated=true&open=true")).json()
    assert [a["title"] for a in escalated["items"]] == ["Newer"]


# --- the pages ------------------------------------------------------------------------------------------


async def test_the_office_appoints_through_the_form(cast: Cast) -> None:
    form = await cast.office.get(f"{PAGES}/appointments")
    assert form.status_code == 200 and "Appoint someone" in form.text
    missing = await post_form(cast.office, f"{PAGES}/appointments", {"staff_user_id": "", "seat": ""})
    assert missing.status_code == 400 and 'href="#staff_user_id"' in missing.text and 'href="#seat"' in missing.text
    made = await post_form(
        cast.office,
        f"{PAGES}/appointments",
        {"staff_user_id": cast.ids["bella"], "seat": "business_co_chair", "organisation": "Acme Retail"},
    )
    assert made.status_code == 303
    same = await post_form(
        cast.office,
        f"{PAGES}/appointments",
        {"staff_user_id": cast.ids["paul"], "seat": "police_co_chair", "organisation": "ACME RETAIL"},
    )
    assert same.status_code == 409 and "different organisations" in same.text and "There is a problem" in same.text
    listed = await cast.office.get(f"{PAGES}/appointments?done=appointed")
    assert "Appointment made." in listed.text and "Bella" in listed.text
    appointment = (await cast.office.get(f"{T}/appointments")).json()["items"][0]
    ended = await post_form(cast.office, f"{PAGES}/appointments/{appointment['id']}/end", {"reason": ""})
    assert ended.status_code == 400 and f'href="#reason-{appointment["id"]}"' in ended.text
    ended = await post_form(cast.office, f"{PAGES}/appointments/{appointment['id']}/end", {"reason": "Stepped down"})
    assert ended.status_code == 303
    history = await cast.office.get(f"{PAGES}/appointments")
    assert "Stepped down" in history.text
    assert (await post_form(await cast.person("other"), f"{PAGES}/appointments", {"seat": "x"})).status_code == 403


async def test_a_co_chair_runs_the_work_stream_through_the_pages(cast: Cast, bella: Client) -> None:
    overview = await bella.get(PAGES)
    assert overview.status_code == 200
    assert "Bella, Acme Retail" in overview.text and "Vacant" in overview.text

    added = await post_form(
        bella, f"{PAGES}/roster", {"name": "Vera", "organisation": "BID", "deputy_name": "Dan", "staff_user_id": ""}
    )
    assert added.status_code == 303
    bad = await post_form(bella, f"{PAGES}/roster", {"name": "X", "organisation": "", "email": "nope"})
    assert bad.status_code == 400 and 'href="#organisation"' in bad.text and 'href="#email"' in bad.text
    assert 'value="X"' in bad.text, "what was typed is kept"

    wrong_date = await post_form(
        bella,
        f"{PAGES}/meetings",
        {
            "title": "Spring",
            "starts_at-day": "31",
            "starts_at-month": "2",
            "starts_at-year": "2026",
            "starts_at-time": "9",
        },
    )
    assert wrong_date.status_code == 400 and 'href="#starts_at"' in wrong_date.text
    scheduled = await post_form(
        bella,
        f"{PAGES}/meetings",
        {
            "title": "Spring",
            "starts_at-day": "4",
            "starts_at-month": "3",
            "starts_at-year": "2026",
            "starts_at-time": "2:30pm",
            "location": "Room 1",
            "extra_agenda": "Harbour festival\r\n\r\nNew CCTV",
        },
    )
    assert scheduled.status_code == 303
    meeting_page = await bella.get(scheduled.headers["location"])
    assert "Harbour festival" in meeting_page.text and "Apologies and attendance" in meeting_page.text
    assert "2:30pm on Wednesday 4 March 2026" in meeting_page.text
    meeting_id = scheduled.headers["location"].split("/")[-1].split("?")[0]
    member_id = (await bella.get(f"{T}/roster")).json()["items"][0]["id"]

    nothing = await post_form(bella, f"{PAGES}/meetings/{meeting_id}/attendance", {})
    assert nothing.status_code == 400
    attended = await post_form(
        bella,
        f"{PAGES}/meetings/{meeting_id}/attendance",
        {f"status-{member_id}": "present", f"deputy-{member_id}": "Dan"},
    )
    assert attended.status_code == 303
    assert "represented by Dan" in (await bella.get(f"{PAGES}/meetings/{meeting_id}")).text

    minutes_form = await bella.get(f"{PAGES}/meetings/{meeting_id}/minutes?edit=true")
    assert minutes_form.status_code == 200 and 'name="version" value="0"' in minutes_form.text
    written = await post_form(bella, f"{PAGES}/meetings/{meeting_id}/minutes", {"text": SECRET, "version": "0"})
    assert written.status_code == 303
    assert SECRET in (await bella.get(written.headers["location"])).text

    no_owner = await post_form(bella, f"{PAGES}/actions", {"title": "Brief venues", "owner": ""})
    assert no_owner.status_code == 400
    assert "Enter who owns the action" in no_owner.text and "Enter the date the action is due" in no_owner.text
    made = await post_form(
        bella,
        f"{PAGES}/actions",
        {"title": "Brief venues", "owner": "Vera", "due_on-day": "1", "due_on-month": "1", "due_on-year": "2020"},
    )
    assert made.status_code == 303
    action_id = (await bella.get(f"{T}/actions")).json()["items"][0]["id"]
    assert "Overdue" in (await bella.get(PAGES)).text
    action_page = await bella.get(f"{PAGES}/actions/{action_id}")
    assert 'name="version" value="1"' in action_page.text
    updated = await post_form(
        bella,
        f"{PAGES}/actions/{action_id}",
        {
            "status": "in_progress",
            "title": "Brief venues",
            "owner": "Vera",
            "notes": "Started",
            "due_on-day": "1",
            "due_on-month": "1",
            "due_on-year": "2020",
            "version": "1",
        },
    )
    assert updated.status_code == 303
    stale = await post_form(
        bella,
        f"{PAGES}/actions/{action_id}",
        {
            "status": "done",
            "title": "Brief venues",
            "owner": "Vera",
            "notes": "Stale notes",
            "due_on-day": "1",
            "due_on-month": "1",
            "due_on-year": "2020",
            "version": "1",
        },
    )
    assert stale.status_code == 409 and "Stale notes" in stale.text
    escalated = await post_form(bella, f"{PAGES}/actions/{action_id}/escalate", {"reason": "Needs the board"})
    assert escalated.status_code == 303
    assert "Needs the board" in (await (await cast.person("board")).get("/escalations")).text
    assert "Escalated" in (await bella.get(f"{PAGES}/actions?show=escalated")).text


async def test_governance_pages_are_closed_to_outsiders(cast: Cast, bella: Client, client: Client) -> None:
    for path in ("", "/roster", "/appointments", "/actions", "/meetings/new", "/standing-items"):
        assert (await client.get(f"{PAGES}{path}", headers=HTML, follow_redirects=False)).status_code == 303
        for outsider in await cast.outsiders():
            assert (await outsider.get(f"{PAGES}{path}", headers=HTML)).status_code == 403, path
    member = await cast.person("member")
    await send(bella, "POST", f"{T}/roster", {"staff_user_id": cast.ids["member"], "organisation": "Boots"})
    assert (await member.get(PAGES, headers=HTML)).status_code == 200, "a member on the roster reads"
    assert (await member.get(f"{PAGES}/meetings/new", headers=HTML)).status_code == 403, "but does not run it"
    assert "/governance" not in (await client.get("/workstreams/T")).text, "the public are not shown the way in"
    assert f'href="{PAGES}"' in (await member.get("/workstreams/T")).text


async def test_every_governance_change_is_audited(
    cast: Cast, bella: Client, minuted: dict[str, Any], db_config: SQLAlchemyAsyncConfig
) -> None:
    item = (await send(bella, "POST", f"{T}/actions", {"title": "A", "owner": "V", "due_on": "2027-01-01"})).json()
    await send(bella, "PATCH", f"{T}/actions/{item['id']}", {"notes": "n"})
    await send(bella, "POST", f"{T}/actions/{item['id']}/escalate", {"reason": "r"})
    await send(bella, "PUT", f"{T}/standing-items", {"items": ["One"]})
    await send(
        bella, "POST", f"{T}/meetings/{minuted['id']}/attendance", {"entries": [{"name": "G", "status": "present"}]}
    )
    actions = {e.action for e in await audit_entries(db_config)}
    assert {
        "workstream.appointment_made",
        "workstream.member_added",
        "workstream.meeting_scheduled",
        "workstream.minutes_written",
        "workstream.attendance_recorded",
        "workstream.standing_items_changed",
        "workstream.action_added",
        "workstream.action_changed",
        "workstream.action_escalated",
    } <= actions
    actor = next(e for e in await audit_entries(db_config) if e.action == "workstream.action_escalated")
    assert actor.actor_label == "Bella (co_chair)"
    assert actor.changes["escalation_reason"] == audit.CHANGED, "sealed at rest: named, never quoted"


async def test_odd_input_is_refused_never_a_server_error(cast: Cast, bella: Client, minuted: dict[str, Any]) -> None:
    meeting = f"{PAGES}/meetings/{minuted['id']}"
    action = (await send(bella, "POST", f"{T}/actions", {"title": "A", "owner": "V", "due_on": "2027-01-01"})).json()
    forms = [
        (f"{PAGES}/roster", {"staff_user_id": "not-an-id", "name": "\x00"}),
        (f"{PAGES}/meetings", {"title": "x", "starts_at-day": "1", "starts_at-month": "13", "starts_at-year": "y"}),
        (f"{PAGES}/meetings", {"title": "x", "starts_at-day": "1", "starts_at-month": "1", "starts_at-year": "2027"}),
        (
            f"{PAGES}/meetings",
            {"title": "x" * 300, "starts_at-day": "1", "starts_at-month": "1", "starts_at-year": "99999"},
        ),
        (
            f"{meeting}/attendance",
            {f"status-{cast.ids['board']}": "present", "guest_name": "G", "guest_status": "late"},
        ),
        (f"{meeting}/minutes", {"text": "", "version": "abc"}),
        (f"{meeting}/cancel", {"reason": ""}),
        (f"{PAGES}/actions", {"title": "", "due_on-day": "31", "due_on-month": "2", "due_on-year": "2027"}),
        (f"{PAGES}/actions/{action['id']}", {"status": "sideways", "version": "x"}),
        (f"{PAGES}/actions/{action['id']}/escalate", {"reason": "x" * 1001}),
        (f"{PAGES}/standing-items", {"items": "\n\n"}),
        (f"{PAGES}/roster/{cast.ids['board']}", {"action": "leave"}),
    ]
    for path, data in forms:
        response = await post_form(bella, path, data)
        assert response.status_code in (400, 404, 409), (path, response.status_code)
    api = [
        ("PATCH", f"{T}/actions/{action['id']}", {"status": "sideways"}),
        ("PATCH", f"{T}/actions/{action['id']}", {"version": "one"}),
        ("POST", f"{T}/meetings", {"title": "x", "starts_at": "2027-01-01T10:00:00", "extra_agenda": ["a"] * 31}),
        ("PUT", f"{T}/meetings/{minuted['id']}/minutes", {"text": "x" * 200_001, "version": 1}),
        ("POST", f"{T}/meetings/{minuted['id']}/attendance", {"entries": []}),
        ("POST", f"{T}/meetings", {"title": "x", "starts_at": "0001-01-01T00:00:00+01:00"}),
        ("GET", f"{T}/meetings/00000000-0000-0000-0000-000000000001", None),
        ("GET", f"{T}/actions?status=sideways", None),
        ("GET", f"{T}/meetings/not-a-uuid", None),
    ]
    for method, path, body in api:
        response = await send(bella, method, path, body)
        assert response.status_code in (400, 404), (method, path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("change", "ends"),
    [
        ({"role": "board"}, "moved to the board"),
        ({"role": "ethics"}, "moved to ethics"),
        ({"workstream": "CP"}, "moved to CP"),
    ],
)
async def test_access_ends_with_the_role_that_gave_it(
    cast: Cast,
    bella: Client,
    minuted: dict[str, Any],
    db_config: SQLAlchemyAsyncConfig,
    change: dict[str, str],
    ends: str,
) -> None:
    """A co-chair moved off T (to the board, to ethics, to another work-stream) signs in again and reads none
    of T's confidential records: the appointment ends with the role, in the audit trail."""
    changed = await send(cast.office, "PATCH", f"/api/users/{cast.ids['bella']}", change)
    assert changed.status_code == 200, changed.text
    again = await cast.browsers()
    assert (await sign_in(again, "bella@example.org")).status_code == 200
    for path in (f"{T}/meetings/{minuted['id']}/minutes", f"{T}/roster", f"{T}/actions", f"{T}/appointments"):
        refused = await again.get(path)
        assert refused.status_code == 403, f"{ends}: {path} answered {refused.status_code}"
        assert SECRET not in refused.text
    listed = (await cast.office.get(f"{T}/appointments")).json()["items"]
    seated = [a for a in listed if a["staff_user_id"] == cast.ids["bella"] and a["current"]]
    assert seated == [], f"{ends}: the appointment should have ended"
    ended = [e for e in await audit_entries(db_config) if e.action == "workstream.appointment_ended"]
    assert ended, "the ending is audited"
