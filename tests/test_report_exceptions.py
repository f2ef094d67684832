"""What needs the board's attention, and what changed since its last meeting: each rule proven on its own
(the rules are one pure function over what the report read), then both through HTTP on the fixed data set
of ``test_reports``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from uuid import uuid4

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.core.templating import uk_date
from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate
from stepchange.reports.changes import Escalation, changes
from stepchange.reports.exceptions import EscalatedAction, Evidence, exceptions
from stepchange.reports.history import ProjectInfo, UpdateInfo
from stepchange.reports.schemas import MilestoneRow, StaffingRow
from tests import test_reports as fixed
from tests.conftest import Client
from tests.test_reports import signed_in_as, uk_noon

board, staff = fixed.board, fixed.staff
"""The fixed data set of ``test_reports``, and a board member's browser on it."""

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
NAMES = {"T": "Transport", "CP": "Crowded Places"}


def project(code: str, status: str = "recruiting", rag: str | None = "green", added: int = 1) -> ProjectInfo:
    return ProjectInfo(
        uuid4(), code, f"Title of {code}", code.rstrip("0123456789"), ProjectStatus(status), rag and Rag(rag),
        NOW - dt.timedelta(days=added),
    )  # fmt: skip


def update(code: str, days_ago: int, *, rag: str = "green", status: str = "recruiting", before: str = "recruiting",
           summary: str = "On track.") -> UpdateInfo:  # fmt: skip
    return UpdateInfo(
        code, NOW - dt.timedelta(days=days_ago), ProjectStatus(before), ProjectStatus(status), Rag(rag), summary
    )


def lead(code: str, *, in_place: bool = False, offered: bool = False) -> StaffingRow:
    return StaffingRow(code, code[0], "recruiting", "green", in_place, offered, 0, 0, 0, 5, 5)


def milestone(code: str, title: str, due: int, done: int | None = None) -> MilestoneRow:
    due_on = TODAY + dt.timedelta(days=due)
    done_on = None if done is None else TODAY + dt.timedelta(days=done)
    state = "done" if done_on else "overdue" if due_on < TODAY else "to come"
    return MilestoneRow(title, code, due_on, done_on, state, None if done_on else due)


def evidence(**given: Any) -> Evidence:
    return Evidence(
        updates=given.get("updates", []),
        milestones=given.get("milestones", []),
        staffing=given.get("staffing", []),
        escalated=given.get("escalated", []),
        recruiting_closed=given.get("recruiting_closed", {}),
    )


def listed(projects: list[ProjectInfo], stale_days: int = 30, **given: Any) -> dict[str | None, list[str]]:
    """Each listed project (or work-stream, as ``ws:CODE``) with the texts of its reasons."""
    rows = exceptions(projects, evidence(**given), NAMES, TODAY, stale_days)
    return {r.project or f"ws:{r.workstream}": [reason.text for reason in r.reasons] for r in rows}


# --- each rule on its own ------------------------------------------------------------------------------


def test_red_and_amber_projects_are_listed_and_green_ones_are_not() -> None:
    found = listed([project("T1", rag="red"), project("T2", rag="amber"), project("T3", rag="green")])
    assert found == {"T1": ["RAG is red"], "T2": ["RAG is amber"]}


def test_a_project_without_an_update_for_more_than_the_stale_days_is_listed() -> None:
    projects = [project("T1"), project("T2"), project("T3", added=45), project("T4", added=20)]
    updates = [update("T1", 31), update("T2", 30)]
    last = uk_date(TODAY - dt.timedelta(days=31))
    assert listed(projects, updates=updates) == {
        "T1": [f"No update for 31 days (the last on {last})"],
        "T3": [f"No update since it was added on {uk_date(TODAY - dt.timedelta(days=45))} (45 days)"],
    }, "30 days is not more than 30; a project never updated counts from the day it was added"
    assert set(listed(projects, stale_days=10, updates=updates)) == {"T1", "T2", "T3", "T4"}


def test_a_project_with_an_overdue_milestone_is_listed() -> None:
    milestones = [
        milestone("T1", "Scope agreed", -10),
        milestone("T1", "Pilot run", 5),
        milestone("T2", "Guidance drafted", -3, done=-4),
        milestone("Programme", "Delivery commences", -30),
    ]
    found = listed([project("T1"), project("T2")], milestones=milestones)
    due = uk_date(TODAY - dt.timedelta(days=10))
    assert found == {"T1": [f"Milestone overdue: “Scope agreed” (due {due}, 10 days ago)"]}


def test_a_project_lacking_a_lead_after_recruiting_closed_is_listed() -> None:
    closed = TODAY - dt.timedelta(days=1)
    projects = [
        project("T1"),
        project("T2"),
        project("T3"),
        project("T4"),
        project("T5", status="paused"),
        project("CP1", status="provisional"),
    ]
    staffing = [
        lead("T1"),
        lead("T2", offered=True),
        lead("T3", in_place=True),
        lead("T4"),
        lead("T5"),
        lead("CP1"),
    ]
    recruiting = {"T1": closed, "T2": closed, "T3": closed, "T5": closed, "CP1": closed}
    found = listed(projects, staffing=staffing, recruiting_closed=recruiting)
    text = f"No lead in place, and recruiting closed on {uk_date(closed)}"
    assert found == {
        "T1": [text],
        "T2": [f"{text}; a lead has been offered the place and not yet answered"],
        "CP1": [text],
    }, "a lead in place, a call still open (T4) or a paused project (T5) are not listed"


def test_escalated_actions_are_listed_on_the_project_they_name_or_else_on_their_work_stream() -> None:
    actions = [
        EscalatedAction("T", "T1: agree the funding", TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=1)),
        EscalatedAction("T", "Budget for T10 and t2", TODAY - dt.timedelta(days=2), TODAY + dt.timedelta(days=5)),
        EscalatedAction("T", "Recruit a secretariat", TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=9)),
        EscalatedAction("CP", "CP1 venue", TODAY, TODAY),
    ]
    found = listed([project("T1"), project("T2"), project("CP2")], escalated=actions)
    q, p = "“", "”"
    assert found["T1"] == [
        f"Escalated to the board: {q}T1: agree the funding{p} (escalated {uk_date(TODAY - dt.timedelta(days=3))}, "
        f"overdue since {uk_date(TODAY - dt.timedelta(days=1))})"
    ]
    assert found["T2"][0].startswith(f"Escalated to the board: {q}Budget for T10 and t2{p}"), "t2, not T10's T1"
    assert found["ws:T"] == [
        f"Escalated to the board: {q}Recruit a secretariat{p} (escalated {uk_date(TODAY - dt.timedelta(days=1))}, "
        f"due {uk_date(TODAY + dt.timedelta(days=9))})"
    ]
    assert "ws:CP" in found, "CP1 is not among the projects read: its action is the work-stream's"


def test_projects_no_longer_live_are_never_listed() -> None:
    projects = [project(code, status, rag="red") for code, status in [("T1", "pipeline"), ("T2", "delivered"),
                                                                     ("T3", "withdrawn")]]  # fmt: skip
    assert listed(projects, milestones=[milestone("T1", "Old", -50)], updates=[update("T2", 90)]) == {}


def test_the_most_severe_come_first_then_those_breaking_most_rules_then_the_programme_order() -> None:
    closed = {code: TODAY - dt.timedelta(days=1) for code in ("T1", "T2", "T3", "CP1")}
    projects = [
        project("T1", rag="amber", added=60),
        project("T2", rag="amber"),
        project("T3"),
        project("T4", rag="red"),
        project("CP1", rag="red"),
        project("CP2"),
    ]
    rows = exceptions(
        projects,
        evidence(
            staffing=[lead(p.code) for p in projects],
            recruiting_closed=closed,
            milestones=[milestone("CP2", "Launch", -1)],
            escalated=[EscalatedAction("T", "Funding", TODAY, TODAY)],
        ),
        NAMES,
        TODAY,
        30,
    )
    assert [(r.project or r.workstream, [x.rule for x in r.reasons]) for r in rows] == [
        ("CP1", ["red", "no_lead"]),
        ("T4", ["red"]),
        ("T", ["escalated"]),
        ("CP2", ["milestone_overdue"]),
        ("T1", ["no_lead", "amber", "stale"]),
        ("T2", ["no_lead", "amber"]),
        ("T3", ["no_lead"]),
    ]
    assert rows[0].narrative == "" and rows[0].narrative_on is None


def test_the_latest_update_is_the_narrative() -> None:
    updates = [update("T1", 9, summary="Started."), update("T1", 2, rag="red", summary="A supplier pulled out.")]
    row = exceptions([project("T1", rag="red")], evidence(updates=updates), NAMES, TODAY, 30)[0]
    assert (row.narrative, row.narrative_on) == ("A supplier pulled out.", TODAY - dt.timedelta(days=2))


# --- what changed ----------------------------------------------------------------------------------------


def test_what_changed_since_a_date_newest_first() -> None:
    since = TODAY - dt.timedelta(days=10)
    updates = [
        update("T1", 40, rag="green", status="recruiting", before="provisional"),
        update("T1", 5, rag="amber", status="staffed", before="recruiting"),
        update("T1", 3, rag="amber", status="staffed", before="staffed"),
        update("T2", 2, rag="red", status="recruiting", before="recruiting"),
        update("T2", 12, rag="green", status="recruiting", before="provisional"),
    ]
    milestones = [
        milestone("T1", "Met in time", 0, done=-4),
        milestone("T1", "Met late", -8, done=-1),
        milestone("T2", "Missed", -6),
        milestone("T2", "Due today", 0),
        milestone("Programme", "Met long ago", -30, done=-30),
    ]
    found = changes(
        since,
        TODAY,
        [project("T1"), project("T2")],
        sorted(updates, key=lambda u: u.at),
        milestones,
        [Escalation("T", "Funding", TODAY - dt.timedelta(days=1))],
    )
    assert [(TODAY - c.on).days for c in found] == sorted((TODAY - c.on).days for c in found), "newest first"
    assert {(c.project, c.kind, c.what) for c in found} == {
        ("T1", "status", "Status moved from recruiting to staffed"),
        ("T1", "rag", "RAG changed from green to amber"),
        ("T2", "rag", "RAG changed from green to red"),
        ("T1", "milestone_met", "Milestone met: “Met in time”"),
        ("T1", "milestone_met", "Milestone met: “Met late”, 7 days after it was due"),
        ("T1", "milestone_missed", f"Milestone missed: “Met late” was due {uk_date(TODAY - dt.timedelta(days=8))}"),
        ("T2", "milestone_missed", f"Milestone missed: “Missed” was due {uk_date(TODAY - dt.timedelta(days=6))}"),
        (None, "escalation", "Escalated to the board: “Funding”"),
    }  # fmt: skip
    first_rag = changes(since, TODAY, [project("T3")], [update("T3", 1, rag="amber")], [], [])
    assert [c.what for c in first_rag] == ["RAG first reported: amber"]


# --- through HTTP, on the fixed data set ----------------------------------------------------------------


async def _updates(config: SQLAlchemyAsyncConfig, *given: tuple[str, int, str, str, str, str]) -> None:
    """Status updates (project, days ago, previous status, status, RAG, narrative), dated as given."""
    async with session_scope(config) as session:
        ids = dict((await session.execute(select(Project.code, Project.id))).all())
        for code, ago, before, status, rag, summary in given:
            session.add(
                StatusUpdate(
                    project_id=ids[code], previous_status=ProjectStatus(before), status=ProjectStatus(status),
                    rag=Rag(rag), summary=summary, author="Chair T",
                    created_at=uk_noon(clock.uk_today() - dt.timedelta(days=ago)),
                )
            )  # fmt: skip


async def test_the_exceptions_api_lists_each_project_needing_attention_with_its_reasons(
    board: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await _updates(
        db_config,
        ("T3", 2, "staffed", "delivering", "red", "A supplier pulled out."),
        ("T2", 40, "recruiting", "staffed", "green", "Team complete."),
    )
    response = await board.get("/api/reports/exceptions?limit=5")
    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["limit"], page["offset"]) == (5, 0) and len(page["items"]) == 5
    first = page["items"][0]
    assert {k: first[k] for k in ("project", "workstream", "status", "rag", "narrative")} == {
        "project": "T3", "workstream": "T", "status": "delivering", "rag": "red", "narrative": "A supplier pulled out.",
    }  # fmt: skip
    assert first["narrative_on"] == (clock.uk_today() - dt.timedelta(days=2)).isoformat()
    assert [r["rule"] for r in first["reasons"]] == ["red", "no_lead"]
    everything = (await board.get("/api/reports/exceptions?limit=100")).json()
    items = {item["project"] or f"ws:{item['workstream']}": item for item in everything["items"]}
    assert list(items)[:5] == ["T3", "T4", "ws:T", "ws:CP", "T1"], "red, then escalations, then T1"
    assert [r["rule"] for r in items["T1"]["reasons"]] == ["milestone_overdue", "amber"], "T1's lead accepted"
    assert [r["rule"] for r in items["T2"]["reasons"]] == ["no_lead", "stale"]
    assert items["T2"]["reasons"][0]["text"].endswith("a lead has been offered the place and not yet answered")
    assert "T5" not in items, "withdrawn"
    assert everything["total"] == len(everything["items"]) == 26, "T3, T4, T1, T2, CP1, CP2, 18 provisional, 2 ws"
    assert "Secret Owner" not in str(everything) and "SECRET" not in str(everything)


async def test_stale_days_come_from_the_setting(
    settings: Settings,
    db_config: SQLAlchemyAsyncConfig,
    staff: None,
) -> None:
    from stepchange.app import create_app

    await _updates(db_config, ("T2", 8, "recruiting", "staffed", "green", "Team complete."))
    async with Client(app=create_app(replace(settings, stale_days=7))) as client:
        board = await signed_in_as(client, "board")
        items = (await board.get("/api/reports/exceptions?limit=100")).json()["items"]
    t2 = next(item for item in items if item["project"] == "T2")
    assert t2["reasons"][-1] == {
        "rule": "stale",
        "text": f"No update for 8 days (the last on {uk_date(clock.uk_today() - dt.timedelta(days=8))})",
    }


async def test_what_changed_since_the_date_the_board_chose(board: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await _updates(db_config, ("T1", 4, "provisional", "recruiting", "amber", "Recruiting now."))
    default = (await board.get("/api/reports/dashboard")).json()
    assert default["since"] == (clock.uk_today() - dt.timedelta(days=30)).isoformat()
    assert sorted(c["kind"] for c in default["changes"]) == [
        "escalation", "escalation", "escalation", "escalation", "milestone_met", "milestone_missed", "rag", "status",
    ]  # fmt: skip
    since = (clock.uk_today() - dt.timedelta(days=2)).isoformat()
    recent = (await board.get(f"/api/reports/dashboard?since={since}")).json()
    assert (recent["since"], sorted(c["kind"] for c in recent["changes"])) == (since, ["escalation", "escalation"])
    assert (
        recent["summaries"]["changes"]
        == f"Since {uk_date(clock.uk_today() - dt.timedelta(days=2))}: 2 new escalations."
    )
    csv_text = (await board.get(f"/api/reports/changes.csv?since={since}")).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Date,Project,Title,Work-stream,Change,What changed"
    assert ",Transport,Escalation,Escalated to the board: “Action 1" in csv_text


async def test_a_date_that_cannot_be_read_or_is_to_come_is_refused_by_name(board: Client) -> None:
    tomorrow = (clock.uk_today() + dt.timedelta(days=1)).isoformat()
    for query, message in (
        ("since=yesterday", None),
        (f"since={tomorrow}", "The date of the last board meeting must be today or in the past"),
    ):
        response = await board.get(f"/api/reports/dashboard?{query}")
        assert response.status_code == 400, query
        errors = response.json()["errors"]
        assert errors[0]["field"] == "since"
        assert message is None or errors[0]["message"] == message
    page = await board.get(f"/reports?since-day=1&since-month=1&since-year={clock.uk_today().year + 1}")
    assert page.status_code == 200
    assert "There is a problem" in page.text and "must be today or in the past" in page.text
    assert (await board.get("/reports?since-day=31&since-month=2&since-year=2026")).status_code == 200
    huge = await board.get("/reports?since-day=1&since-month=1&since-year=99999999999999999999999")
    assert huge.status_code == 200 and "must be a real date" in huge.text


async def test_recruiting_is_not_closed_while_a_call_offering_the_project_is_open(
    board: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    from stepchange.interest.models import Call

    async with session_scope(db_config) as session:
        t2 = (await session.scalars(select(Project).where(Project.code == "T2"))).one()
        now = clock.now()
        session.add(Call(name="Open again", opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9),
                         projects=[t2]))  # fmt: skip
    items = (await board.get("/api/reports/exceptions?limit=100")).json()["items"]
    reasons = {item["project"]: [r["rule"] for r in item["reasons"]] for item in items}
    assert "T2" not in reasons, "T2 is being recruited for again"
    assert reasons["T3"] == ["red", "no_lead"]
