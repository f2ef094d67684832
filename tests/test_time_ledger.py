"""The time ledger (issue 26): volunteers with an accepted place log time and unreimbursed expenses per
project per month; co-chairs confirm or query; the board sees totals and in-kind value; subject access
includes the entries and erasure keeps the totals without the words."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from typing import Any

import polars as pl
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.app import create_app
from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.contributions.models import TimeEntry
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from tests.conftest import Client, make_staff, sign_in
from tests.participants import a_volunteer, signed_in_volunteer
from tests.participants import send as _send


async def send(client: Client, method: str, path: str, body: object = None) -> Any:
    return await _send(client, method, path, body)


def month(back: int = 0) -> str:
    """This month (UK), or ``back`` months before it, as YYYY-MM."""
    first = clock.uk_today().replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}"


def next_month() -> str:
    first = clock.uk_today().replace(day=1)
    return f"{(first + dt.timedelta(days=32)).replace(day=1):%Y-%m}"


async def staff(config: SQLAlchemyAsyncConfig, client: Client, email: str, role: str, ws: str | None = None) -> Client:
    await make_staff(config, email, role, workstream=ws)
    assert (await sign_in(client, email)).status_code == 200
    return client


async def log(client: Client, **changes: Any) -> Any:
    body = {"project": "T1", "month": month(1), "hours": 6.5, "expenses_pence": 1240, "expense_kind": "travel"}
    return await send(client, "POST", "/api/me/time", {**body, **changes})


async def test_a_volunteer_logs_time_and_a_co_chair_confirms_it(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    sam_id = await a_volunteer(db_config, "sam@example.org", placed_on=("T1",))
    sam = await signed_in_volunteer(db_config, await browsers(), sam_id)
    chair = await staff(db_config, await browsers(), "chair@example.org", "co_chair", "T")
    other = await staff(db_config, await browsers(), "other@example.org", "co_chair", "CP")

    logged = await log(sam, note="Two workshops")
    assert logged.status_code == 201, logged.text
    entry = logged.json()
    assert entry | {"id": None, "logged_at": None} == entry | {
        "id": None,
        "logged_at": None,
        "project": "T1",
        "month": month(1),
        "hours": 6.5,
        "expenses_pence": 1240,
        "expense_kind": "travel",
        "status": "pending",
    }
    changed = await log(sam, hours=8)
    assert changed.status_code == 200 and changed.json()["id"] == entry["id"] and changed.json()["hours"] == 8
    mine = (await sam.get("/api/me/time")).json()
    assert mine["total"] == 1 and mine["items"][0]["hours"] == 8

    assert (await other.get("/api/time")).json()["total"] == 0  # not their work-stream's project
    listed = (await chair.get("/api/time?status=pending")).json()
    assert [e["id"] for e in listed["items"]] == [entry["id"]]
    review = f"/api/time/{entry['id']}/review"
    assert (await send(other, "POST", review, {"decision": "confirmed"})).status_code == 403
    no_note = await send(chair, "POST", review, {"decision": "queried", "note": ""})
    assert no_note.status_code == 400 and no_note.json()["errors"][0]["field"] == "note"
    queried = await send(chair, "POST", review, {"decision": "queried", "note": "Was one workshop in March?"})
    assert queried.json()["status"] == "queried"
    assert (await log(sam, hours=7)).json()["status"] == "pending"  # a queried entry can be changed
    confirmed = await send(chair, "POST", review, {"decision": "confirmed", "note": ""})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    locked = await log(sam, hours=9)
    assert locked.status_code == 409 and "confirmed and can no longer change" in locked.text


async def test_refusals_name_the_field_or_the_rule(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    new_id = await a_volunteer(db_config, "new@example.org", placed_on=("T1",), placed_at=dt.datetime.now(dt.UTC))
    new = await signed_in_volunteer(db_config, await browsers(), new_id)
    keen_id = await a_volunteer(db_config, "keen@example.org", interested_in=("T1",))
    keen = await signed_in_volunteer(db_config, await browsers(), keen_id)

    def fields(answer: Any) -> list[str]:
        assert answer.status_code == 400, answer.text
        return [e["field"] for e in answer.json()["errors"]]

    assert fields(await log(new, month=month(0), hours=0.25)) == ["hours"]
    assert fields(await log(new, month=month(0), hours=201)) == ["hours"]
    assert fields(await log(new, month=next_month())) == ["month"]
    assert fields(await log(new, month="2026-13")) == ["month"]
    before = await log(new, month=month(1))
    assert fields(before) == ["month"] and "began in" in before.text
    assert fields(await log(new, month=month(0), expense_kind="")) == ["expense_kind"]
    assert (await log(new, month=month(0), expenses_pence=0, expense_kind="")).status_code == 201
    no_place = await log(keen, month=month(0))
    assert no_place.status_code == 409 and "accepted a place on" in no_place.text


async def test_the_board_sees_totals_and_in_kind_value(
    browsers: Any, settings: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    sam_id = await a_volunteer(db_config, "sam@example.org", placed_on=("T1", "CP2"), sector="Transport")
    sam = await signed_in_volunteer(db_config, await browsers(), sam_id)
    pat_id = await a_volunteer(db_config, "pat@example.org", placed_on=("T1",), sector="Policing")
    pat = await signed_in_volunteer(db_config, await browsers(), pat_id)
    chair = await staff(db_config, await browsers(), "chair@example.org", "co_chair", "T")
    first = (await log(sam, hours=10, expenses_pence=500)).json()
    await log(sam, project="CP2", month=month(2), hours=4, expenses_pence=0, expense_kind="")
    await log(pat, hours=2, expenses_pence=0, expense_kind="")
    await send(chair, "POST", f"/api/time/{first['id']}/review", {"decision": "confirmed"})

    await make_staff(db_config, "board@example.org", "board")
    async with Client(app=create_app(replace(settings, inkind_hourly_pence=2500))) as board:
        await sign_in(board, "board@example.org")
        report = (await board.get("/api/reports/time")).json()
        assert report["hourly_pence"] == 2500
        assert report["totals"] | {"key": "all"} == {
            "key": "all",
            "confirmed_hours": 10,
            "pending_hours": 6,
            "confirmed_expenses_pence": 500,
            "pending_expenses_pence": 0,
            "inkind_value_pence": 25000,
        }
        by_workstream = {r["key"]: (r["confirmed_hours"], r["pending_hours"]) for r in report["by_workstream"]}
        assert by_workstream == {"T": (10, 2), "CP": (0, 4)}
        assert {r["key"]: r["pending_hours"] for r in report["by_sector"]} == {"Policing": 2, "Transport": 4}
        assert [r["key"] for r in report["by_month"]] == [month(2), month(1)]
        csv = await board.get("/api/reports/time.csv")
        assert csv.status_code == 200 and csv.headers["cache-control"] == "no-store"
        table = pl.read_csv(io.BytesIO(csv.content))
        assert table.height == 3 and table["confirmed_hours"].sum() == 10
        excel = await board.get("/api/reports/time.xlsx")
        assert excel.status_code == 200 and excel.content[:2] == b"PK"
        page = await board.get("/reports")
        assert "Time donated and expenses" in page.text and "£250.00" in page.text
    chair_report = await chair.get("/api/reports/time")
    assert chair_report.status_code == 403
    async with Client(app=create_app(settings)) as office:  # rate 0: no in-kind value shown
        await make_staff(db_config, "office@example.org", "coordinator")
        await sign_in(office, "office@example.org")
        assert (await office.get("/api/reports/time")).json()["totals"]["inkind_value_pence"] is None


async def test_subject_access_and_erasure(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    sam_id = await a_volunteer(db_config, "sam@example.org", placed_on=("T1",))
    sam = await signed_in_volunteer(db_config, await browsers(), sam_id)
    await log(sam, note="Met the rail operators in Leeds")
    data = (await sam.get("/api/me/data")).json()
    assert data["time_donated"][0] | {"logged_at": None} == data["time_donated"][0] | {
        "logged_at": None,
        "project": "T1",
        "hours": 6.5,
        "note": "Met the rail operators in Leeds",
    }
    await send(sam, "POST", "/api/me/erasure")
    office = await staff(db_config, await browsers(), "office@example.org", "coordinator")
    assert (await send(office, "POST", f"/api/erasure-requests/{sam_id}/erase")).status_code == 200
    async with session_scope(db_config) as session:
        entry = (await session.scalars(select(TimeEntry))).one()
        assert (entry.minutes, entry.expenses_pence, entry.note) == (390, 1240, "")
    totals = (await office.get("/api/reports/time")).json()["totals"]
    assert totals["pending_hours"] == 6.5


async def test_the_pages_log_and_confirm(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    sam_id = await a_volunteer(db_config, "sam@example.org", placed_on=("T1",))
    sam = await signed_in_volunteer(db_config, await browsers(), sam_id)
    chair = await staff(db_config, await browsers(), "chair@example.org", "co_chair", "T")
    assert 'href="/my/time"' in (await sam.get("/my/record")).text
    form = await sam.get("/my/time")
    assert form.status_code == 200 and "Log your time" in form.text and "T1: " in form.text
    token = await sam.csrf()
    base = {"project": "T1", "month": month(1), "expenses": "", "expense_kind": "", "note": "", "_csrf_token": token}
    wrong = await sam.post("/my/time", data={**base, "hours": "lots"})
    assert wrong.status_code == 400 and 'href="#hours"' in wrong.text and "like 6.5" in wrong.text
    no_kind = await sam.post("/my/time", data={**base, "hours": "", "expenses": "12.40"})
    assert no_kind.status_code == 400 and 'href="#expense_kind"' in no_kind.text and 'href="#hours"' in no_kind.text
    done = await sam.post(
        "/my/time", data={**base, "hours": "3", "expenses": "£12.40", "expense_kind": "travel"}, follow_redirects=False
    )
    assert done.status_code == 303
    listed = await sam.get(done.headers["location"])
    assert "Your time is logged" in listed.text and "£12.40 travel" in listed.text and "Pending" in listed.text

    queue = await chair.get("/time")
    assert queue.status_code == 200 and ">3</dd>" in queue.text and "£12.40" in queue.text and "Sam" in queue.text
    entry_id = (await chair.get("/api/time")).json()["items"][0]["id"]
    ctoken = await chair.csrf()
    empty = await chair.post(
        f"/time/{entry_id}/review", data={"decision": "queried", "note": "", "_csrf_token": ctoken}
    )
    assert empty.status_code == 400 and f'href="#note-{entry_id}"' in empty.text
    confirmed = await chair.post(
        f"/time/{entry_id}/review", data={"decision": "confirmed", "_csrf_token": ctoken}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    assert "Time confirmed" in (await chair.get(confirmed.headers["location"])).text
    assert "Confirmed" in (await sam.get("/my/time")).text


async def test_time_after_a_place_ended_is_refused(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    gone_id = await a_volunteer(db_config, "gone@example.org", placed_on=("T1",))
    gone = await signed_in_volunteer(db_config, await browsers(), gone_id)
    ended_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    async with session_scope(db_config) as session:
        await session.execute(
            update(Assignment)
            .where(Assignment.volunteer_id == gone_id)
            .values(status=AssignmentStatus.ENDED, ended_at=ended_at)
        )
    after = await log(gone, month=month(0))
    assert after.status_code == 400 and after.json()["errors"][0]["field"] == "month" and "ended in" in after.text
    assert (await log(gone, month=f"{ended_at.astimezone(clock.UK):%Y-%m}")).status_code == 201


async def test_hostile_input_is_refused_naming_the_field_never_a_500(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    sam_id = await a_volunteer(db_config, "sam@example.org", placed_on=("T1",), interested_in=("T1",))
    sam = await signed_in_volunteer(db_config, await browsers(), sam_id)
    bodies: list[dict[str, Any]] = [
        {"month": "0000-00"},
        {"month": "9999-12"},
        {"month": "２０２６-１１"},
        {"hours": 1e308},
        {"hours": -1},
        {"expenses_pence": -5},
        {"expenses_pence": 10**12},
        {"project": "ZZ99"},
        {"project": "../../"},
        {"note": "\u202eevil"},
        {"expense_kind": "champagne"},
    ]
    for body in bodies:
        answer = await log(sam, **body)
        assert answer.status_code in (400, 404, 409), (body, answer.status_code, answer.text)
    form = {"project": "T1", "month": "x", "hours": "NaN", "expenses": "1e999999", "_csrf_token": await sam.csrf()}
    assert (await sam.post("/my/time", data=form)).status_code == 400
    assert (await sam.post("/my/time", data={**form, "hours": "Infinity", "expenses": "-1"})).status_code == 400
    version = 1
    for proposal in (
        {"version": version, "rationale": "x" * 6000, "action": "y"},
        {"version": version, "rationale": "ok", "title": "a\nb"},
        {"version": 10**30, "rationale": "ok", "title": "New"},
    ):
        answer = await send(sam, "POST", "/api/projects/T1/proposals", proposal)
        assert answer.status_code in (400, 409), (proposal, answer.status_code, answer.text)
    assert (await sam.get("/projects/T1/proposals?offset=-5")).status_code == 200
    assert (await sam.get("/my/time?offset=99999999999999999999999")).status_code in (200, 400)
