"""The programme board's reports: every figure against numbers worked out by hand on a small fixed data set,
the pages, charts and exports through HTTP as each role, and no personal data in any of them."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import time
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

import msgspec
import polars as pl
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.app import create_app
from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.core.templating import UK, uk_date, uk_datetime
from stepchange.ethics.models import ConflictKind, Declaration, ProjectOutcome, ProjectReview, ReviewState
from stepchange.governance.models import ActionItem, ActionStatus
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Milestone, Project, ProjectStatus, Rag
from stepchange.reports import charts
from stepchange.reports.cache import ReportCache
from stepchange.reports.deps import REPORT_CACHE
from stepchange.reports.schemas import Dashboard
from stepchange.reports.tables import FIGURES, TABLES
from stepchange.workstreams.models import Workstream
from tests.conftest import Client, make_staff, sign_in

STAFF = {
    "coordinator": ("office@example.org", "coordinator", None),
    "board": ("board@example.org", "board", None),
    "ethics": ("ethics@example.org", "ethics", None),
    "co_chair_t": ("chair.t@example.org", "co_chair", "T"),
    "co_chair_cp": ("chair.cp@example.org", "co_chair", "CP"),
}
CALL = "Board test call"
SEEDED_CALL = "Step-Change Call to Action 2018"
SECRETS = ("Secret Person", "secret-", "SECRET-DECLARATION", "Secret Owner", "SECRET-ESCALATION", "SECRET-REVIEW")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def uk_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), UK)


# --- the fixed data set ------------------------------------------------------------------------------
#
# One call, 28 March to 1 April 2025 (UK time; the clocks went forward on 30 March), offering T1, T2,
# T3, CP1 and CP2 (T2 wants a team of 3, every other project the default 5). Seven people answered it:
#   A validated, 10 h: T1 lead (1st), CP1 member (2nd); placed: T1 lead accepted 6 h, T2 lead offered.
#   B validated, 8 h: T1 member, T2 member; placed: T1 member offered, CP2 member accepted 4 h.
#   C organisation confirmed, 4 h: CP1 lead.
#   D rejected after confirming the address, 6 h: T2 member.
#   E submitted only (not confirmed), 2 h: T1 member.
#   F e-mail confirmed, 5 h, withdrew the expression: T3 lead.
#   G validated, 12 h, late entry on 2 April: CP1 member; CP1 member ended (3 h); TT1 member accepted 5 h.
# One person, H (e-mail confirmed, 3 h), answered the seeded 2018 call (all 25 projects, TT1 among them,
# so G's place on TT1 must not count as "assigned" in the test call): SR1 member, on 3 May 2018.

PEOPLE: dict[str, dict[str, Any]] = {
    "A": {"identity": Identity.VALIDATED, "steps": ["email_confirmed", "validated"], "hours": 10,
          "at": utc(2025, 3, 28, 10), "choices": [("T1", "lead"), ("CP1", "member")]},
    "B": {"identity": Identity.VALIDATED, "steps": ["email_confirmed", "validated"], "hours": 8,
          "at": utc(2025, 3, 29, 23, 30), "choices": [("T1", "member"), ("T2", "member")]},
    "C": {"identity": Identity.ORGANISATION_CONFIRMED, "steps": ["email_confirmed", "organisation_confirmed"],
          "hours": 4, "at": utc(2025, 3, 30, 23, 30), "choices": [("CP1", "lead")]},
    "D": {"identity": Identity.REJECTED, "steps": ["email_confirmed", "rejected"], "hours": 6,
          "at": utc(2025, 3, 31, 22, 59), "choices": [("T2", "member")]},
    "E": {"identity": Identity.SUBMITTED, "steps": [], "hours": 2, "at": utc(2025, 4, 1, 22, 30),
          "choices": [("T1", "member")], "status": ExpressionStatus.AWAITING_CONFIRMATION},
    "F": {"identity": Identity.EMAIL_CONFIRMED, "steps": ["email_confirmed"], "hours": 5,
          "at": utc(2025, 3, 28, 12), "choices": [("T3", "lead")], "status": ExpressionStatus.WITHDRAWN},
    "G": {"identity": Identity.VALIDATED, "steps": ["email_confirmed", "validated"], "hours": 12,
          "at": utc(2025, 4, 2, 10), "choices": [("CP1", "member")], "late": True},
    "H": {"identity": Identity.EMAIL_CONFIRMED, "steps": ["email_confirmed"], "hours": 3,
          "at": utc(2018, 5, 3, 9), "choices": [("SR1", "member")], "call": SEEDED_CALL},
}  # fmt: skip
PLACES = [
    ("A", "T1", "lead", "accepted", 6),
    ("A", "T2", "lead", "offered", None),
    ("B", "T1", "member", "offered", None),
    ("B", "CP2", "member", "accepted", 4),
    ("G", "CP1", "member", "ended", 3),
    ("G", "TT1", "member", "accepted", 5),
]
STATUSES = {
    "T1": ("recruiting", "amber"),
    "T2": ("staffed", "green"),
    "T3": ("delivering", "red"),
    "T4": ("paused", "red"),
    "T5": ("withdrawn", None),
    "CP1": ("recruiting", "green"),
    "CP2": ("recruiting", None),
}
DECLARATIONS = [  # person, state, age in days, projects, withdrawn
    ("A", "pending", 2, ["T1"], False),
    ("C", "pending", 10, ["CP1"], False),
    ("D", "pending", 30, ["T2", "CP1"], False),
    ("B", "no_conflict", 40, ["T1"], False),
    ("E", "pending", 7, [], True),
]
REVIEWS = [  # project, outcome, days ago (the latest counts)
    ("T1", "blocked", 5),
    ("T1", "cleared", 2),
    ("T2", "cleared_with_conditions", 3),
    ("CP1", "blocked", 4),
    ("CP2", "cleared", 6),
    ("CP2", "blocked", 1),
]
ACTIONS = [  # work-stream, status, escalated (days ago), due (days from today)
    ("T", "open", 3, -1),
    ("T", "in_progress", 1, 5),
    ("T", "done", 2, -3),
    ("T", "open", None, -3),
    ("CP", "open", 10, 0),
]
MILESTONES = [  # project, title, due (days from today), done (days from today)
    ("T1", "Scope agreed", -10, None),
    ("T1", "Pilot run", 20, None),
    ("CP1", "Guidance drafted", -5, -6),
    ("CP2", "Launch", 0, None),
]


async def build_fixed_data(config: SQLAlchemyAsyncConfig) -> None:
    today = clock.uk_today()
    async with session_scope(config) as session:
        projects = {p.code: p for p in (await session.scalars(select(Project))).all()}
        await session.execute(update(Project).where(Project.code == "T2").values(wanted_team_size=3))
        for code, (status, rag) in STATUSES.items():
            await session.execute(
                update(Project).where(Project.code == code).values(status=ProjectStatus(status), rag=rag and Rag(rag))
            )
        call = Call(
            name=CALL,
            opens_at=dt.datetime(2025, 3, 28, 9, tzinfo=UK),
            closes_at=dt.datetime(2025, 4, 2, tzinfo=UK),
            projects=[projects[c] for c in ("T1", "T2", "T3", "CP1", "CP2")],
        )
        session.add(call)
        people = {key: _person(key, spec) for key, spec in PEOPLE.items()}
        session.add_all(people.values())
        await session.flush()
        seeded = (await session.scalars(select(Call).where(Call.name == SEEDED_CALL))).one()
        for key, spec in PEOPLE.items():
            _answer(session, seeded if spec.get("call") else call, people[key].id, spec, projects)
        for key, code, role, status, hours in PLACES:
            session.add(
                Assignment(
                    volunteer_id=people[key].id,
                    project_id=projects[code].id,
                    role=AssignmentRole(role),
                    status=AssignmentStatus(status),
                    offered_by="Programme Office",
                    hours=hours,
                )
            )
        for n, (key, state, age, codes, withdrawn) in enumerate(DECLARATIONS):
            made = uk_noon(today - dt.timedelta(days=age))
            session.add(
                Declaration(
                    volunteer_id=people[key].id,
                    kind=ConflictKind.FINANCIAL,
                    description=f"SECRET-DECLARATION-{n}",
                    organisation="SECRET-DECLARATION-ORG",
                    state=ReviewState(state),
                    withdrawn_at=made if withdrawn else None,
                    projects=[projects[c] for c in codes],
                    created_at=made,
                )
            )
        for code, outcome, ago in REVIEWS:
            session.add(
                ProjectReview(
                    project_id=projects[code].id,
                    outcome=ProjectOutcome(outcome),
                    reason="SECRET-REVIEW reason",
                    reviewer="Ethics Panel",
                    created_at=uk_noon(today - dt.timedelta(days=ago)),
                )
            )
        await _actions(session, today)
        for n, (code, title, due, done) in enumerate(MILESTONES):
            session.add(
                Milestone(
                    key=f"report-test-{n}",
                    title=title,
                    due_on=today + dt.timedelta(days=due),
                    done_on=None if done is None else today + dt.timedelta(days=done),
                    project_id=projects[code].id,
                )
            )


def _person(key: str, spec: dict[str, Any]) -> Volunteer:
    return Volunteer(
        email=f"secret-{key.lower()}@example.org",
        name=f"Secret Person {key}",
        phone="+447700900123",
        organisation="Secret Org",
        job_title="Head of Security",
        sector="Transport",
        identity=spec["identity"],
        hours_per_month=spec["hours"],
    )


def _answer(session: Any, call: Call, person: UUID, spec: dict[str, Any], projects: dict[str, Project]) -> None:
    for step in ["submitted", *spec["steps"]]:
        session.add(IdentityStep(volunteer_id=person, step=Identity(step), by="test", how="test"))
    session.add(
        Expression(
            volunteer_id=person,
            call_id=call.id,
            status=spec.get("status", ExpressionStatus.CONFIRMED),
            hours_per_month=spec["hours"],
            statement_version="2018-1",
            statement_accepted_at=spec["at"],
            submitted_at=spec["at"],
            late=spec.get("late", False),
            choices=[
                Choice(project_id=projects[code].id, rank=rank, role=ChoiceRole(role))
                for rank, (code, role) in enumerate(spec["choices"], start=1)
            ],
        )
    )


async def _actions(session: Any, today: dt.date) -> None:
    workstreams = {w.code: w.id for w in (await session.scalars(select(Workstream))).all()}
    for n, (code, status, escalated, due) in enumerate(ACTIONS):
        session.add(
            ActionItem(
                workstream_id=workstreams[code],
                title=f"Action {n}",
                owner_name="Secret Owner",
                due_on=today + dt.timedelta(days=due),
                status=ActionStatus(status),
                escalated_at=None if escalated is None else uk_noon(today - dt.timedelta(days=escalated)),
                escalation_reason="SECRET-ESCALATION" if escalated is not None else "",
                escalated_by="Chair T" if escalated is not None else "",
            )
        )


@pytest.fixture
async def staff(db_config: SQLAlchemyAsyncConfig) -> None:
    await build_fixed_data(db_config)
    for email, role, workstream in STAFF.values():
        await make_staff(db_config, email, role, workstream=workstream)


async def signed_in_as(client: Client, role: str | None) -> Client:
    await client.post("/api/auth/logout", headers={"x-csrftoken": await client.csrf()})
    if role is not None:
        assert (await sign_in(client, STAFF[role][0])).status_code == 200
    return client


@pytest.fixture
async def board(client: Client, staff: None) -> Client:
    return await signed_in_as(client, "board")


# --- every figure, against the hand-worked numbers ------------------------------------------------------


def zeros(keys: list[str], workstream: str) -> dict[str, Any]:
    return {"workstream": workstream, **dict.fromkeys(keys, 0)}


STATUS_KEYS = [s.value for s in ProjectStatus]


async def test_the_programme_dashboard_figures(board: Client) -> None:
    response = await board.get("/api/reports/dashboard")
    assert response.status_code == 200, response.text
    report = response.json()
    today = clock.uk_today()
    assert (report["scope"], report["generated_on"]) == ("programme", today.isoformat())

    milestones = {m["title"]: m for m in report["milestones"]}
    assert report["milestone_counts"] == {"total": 9, "done": 6, "overdue": 1, "to_come": 2}
    assert milestones["Scope agreed"] == {
        "title": "Scope agreed",
        "project": "T1",
        "due_on": (today - dt.timedelta(days=10)).isoformat(),
        "done_on": None,
        "state": "overdue",
        "days_to_go": -10,
    }
    assert (milestones["Pilot run"]["state"], milestones["Pilot run"]["days_to_go"]) == ("to come", 20)
    assert (milestones["Launch"]["state"], milestones["Launch"]["days_to_go"]) == ("to come", 0)
    assert (milestones["Guidance drafted"]["state"], milestones["Guidance drafted"]["days_to_go"]) == ("done", None)
    assert milestones["Delivery commences"]["project"] == "Programme"
    assert [m["due_on"] for m in report["milestones"]] == sorted(m["due_on"] for m in report["milestones"])

    status = {r["workstream"]: r for r in report["project_status"]}
    assert [r["workstream"] for r in report["project_status"]] == ["T", "CP", "TT", "CF", "SR"]
    assert status["T"] == {
        **zeros(STATUS_KEYS, "T"),
        **{"recruiting": 1, "staffed": 1, "delivering": 1, "paused": 1, "withdrawn": 1, "total": 5},
    }
    assert status["CP"] == {**zeros(STATUS_KEYS, "CP"), "provisional": 3, "recruiting": 2, "total": 5}
    assert status["SR"] == {**zeros(STATUS_KEYS, "SR"), "provisional": 5, "total": 5}

    rag = {r["workstream"]: r for r in report["project_rag"]}
    assert rag["T"] == {"workstream": "T", "green": 1, "amber": 1, "red": 2, "not_reported": 1, "total": 5}
    assert rag["CP"] == {"workstream": "CP", "green": 1, "amber": 0, "red": 0, "not_reported": 4, "total": 5}
    assert rag["TT"] == {"workstream": "TT", "green": 0, "amber": 0, "red": 0, "not_reported": 5, "total": 5}

    staffing = {r["project"]: r for r in report["staffing"]}
    assert len(staffing) == 24, "T5 is withdrawn: the other 24 are open to assignment"
    assert staffing["T1"] == {
        "project": "T1", "workstream": "T", "status": "recruiting", "rag": "amber", "lead_in_place": True,
        "lead_offered": False, "accepted": 1, "offered": 1, "team": 2, "wanted": 5, "short_by": 3,
    }  # fmt: skip
    assert _team(staffing["T2"]) == (False, True, 0, 1, 1, 2), "T2 wants a team of 3"
    assert staffing["T2"]["wanted"] == 3
    assert _team(staffing["CP1"]) == (False, False, 0, 0, 0, 5), "an ended place is no longer in the team"
    assert _team(staffing["CP2"]) == (False, False, 1, 0, 1, 4)
    assert _team(staffing["TT1"]) == (False, False, 1, 0, 1, 4)
    assert [r["project"] for r in report["staffing"]][:5] == ["T1", "T2", "T3", "T4", "CP1"]

    assert report["funnel"] == [
        {"call": SEEDED_CALL, "submitted": 1, "email_confirmed": 1, "validated": 0, "assigned": 0},
        {"call": CALL, "submitted": 7, "email_confirmed": 6, "validated": 3, "assigned": 2},
    ], "G's place on TT1 (a project of the other call) does not count in the test call"

    assert report["current_call"]["name"] == report["call"]["name"] == CALL, "the call that closed last (2025)"
    demand = report["demand"]
    assert [r["project"] for r in demand] == ["T3", "CP2", "T2", "T1", "CP1"], "the call's projects, least asked first"
    by_code = {r["project"]: r for r in demand}
    assert _asked(by_code["T1"]) == (3, 1, 3, False)
    assert _asked(by_code["T2"]) == (2, 0, 1, False)
    assert _asked(by_code["CP1"]) == (3, 1, 2, False), "the late entry counts"
    assert _asked(by_code["T3"]) == (0, 0, 0, True), "a withdrawn expression asks for nothing"
    assert by_code["T1"]["title"] and by_code["T1"]["workstream"] == "T"

    assert [tuple(r.values()) for r in report["call_trend"]] == [
        ("2025-03-28", 2, 0, 2, 0),
        ("2025-03-29", 1, 0, 3, 0),
        ("2025-03-31", 2, 0, 5, 0),
        ("2025-04-01", 1, 0, 6, 0),
        ("2025-04-02", 1, 0, 7, 0),
        (today.isoformat(), 0, 3, 7, 3),
    ], "UK days across the clocks going forward, days with nothing left out; the late entry on its day; "
    "A, B and G validated today"

    assert report["declarations"] == {"pending": 4, "oldest_days": 30, "median_days": 8.5}
    assert report["declaration_ages"] == [
        {"band": "under 1 week", "declarations": 1},
        {"band": "1 to 2 weeks", "declarations": 2},
        {"band": "2 to 4 weeks", "declarations": 0},
        {"band": "4 weeks or more", "declarations": 1},
    ]

    ethics = {r["workstream"]: r for r in report["ethics_reviews"]}
    assert ethics["T"] == {
        "workstream": "T", "cleared": 1, "cleared_with_conditions": 1, "blocked": 0, "not_reviewed": 3, "total": 5
    }  # fmt: skip
    assert ethics["CP"] == {
        "workstream": "CP", "cleared": 0, "cleared_with_conditions": 0, "blocked": 2, "not_reviewed": 3, "total": 5
    }  # fmt: skip
    assert ethics["CF"]["not_reviewed"] == 5

    assert report["escalations"] == [
        {"workstream": "T", "escalated": 2, "overdue": 1, "oldest_days": 3},
        {"workstream": "CP", "escalated": 1, "overdue": 0, "oldest_days": 10},
        *({"workstream": w, "escalated": 0, "overdue": 0, "oldest_days": None} for w in ("TT", "CF", "SR")),
    ]

    assert report["hours"] == [
        {"workstream": "T", "people": 2, "hours_offered": 18, "hours_assigned": 6, "assignments_without_hours": 2},
        {"workstream": "CP", "people": 1, "hours_offered": 8, "hours_assigned": 4, "assignments_without_hours": 0},
        {"workstream": "TT", "people": 1, "hours_offered": 12, "hours_assigned": 5, "assignments_without_hours": 0},
        *(
            {"workstream": w, "people": 0, "hours_offered": 0, "hours_assigned": 0, "assignments_without_hours": 0}
            for w in ("CF", "SR")
        ),
    ]
    assert report["hours_total"] == {
        "workstream": "All work-streams", "people": 3, "hours_offered": 30, "hours_assigned": 15,
        "assignments_without_hours": 2,
    }  # fmt: skip

    lines = report["summaries"]
    assert lines["milestones"] == (
        "9 milestones: 6 done, 1 overdue, 2 still to come; 4 of them overdue, due or met in the months shown."
    )
    assert lines["funnel"] == f"{CALL}: 7 submitted, 6 confirmed their e-mail, 3 validated, 2 assigned."
    assert lines["declaration_ages"] == "4 declarations await review; the oldest is 30 days old, the median 8.5 days."
    assert lines["escalations"] == "3 escalated actions are open, 1 of them overdue."
    assert lines["hours"] == "3 people placed on projects offer 30 hours a month; 15 hours a month are assigned."
    assert lines["staffing"] == "Leads in place: 1 of 24 open projects; 24 teams are below the size wanted."
    assert lines["call_trend"] == (
        f"{CALL}: 7 submissions from 28 March 2025 to {uk_date(today)}, the most on 28 March 2025 (2); "
        "3 of these people validated so far."
    )
    assert lines["demand"] == "5 projects offered: nobody has asked for T3, CP2; most asked for: T1 (3)."


def _team(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["lead_in_place"], row["lead_offered"], row["accepted"], row["offered"], row["team"], row["short_by"])


def _asked(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["choices"], row["lead_choices"], row["first_choices"], row["unasked"])


async def test_a_work_streams_report_counts_only_its_own_projects(client: Client, staff: None) -> None:
    chair = await signed_in_as(client, "co_chair_t")
    response = await chair.get("/api/reports/workstreams/t")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["scope"] == "T"
    assert report["milestone_counts"] == {"total": 2, "done": 0, "overdue": 1, "to_come": 1}
    assert [r["workstream"] for r in report["project_status"]] == ["T"]
    assert [r["project"] for r in report["staffing"]] == ["T1", "T2", "T3", "T4"]
    assert report["funnel"] == [
        {"call": SEEDED_CALL, "submitted": 0, "email_confirmed": 0, "validated": 0, "assigned": 0},
        {"call": CALL, "submitted": 5, "email_confirmed": 4, "validated": 2, "assigned": 2},
    ]
    assert [r["project"] for r in report["demand"]] == ["T3", "T2", "T1"], "the call offered T1 to T3 of T"
    trend = [(r["day"], r["submitted"], r["validated"]) for r in report["call_trend"]]
    assert trend[:4] == [("2025-03-28", 2, 0), ("2025-03-29", 1, 0), ("2025-03-31", 1, 0), ("2025-04-01", 1, 0)]
    assert trend[4:] == [(clock.uk_today().isoformat(), 0, 2)], "C and D chose no T project; G chose CP1"
    assert report["declarations"] == {"pending": 2, "oldest_days": 30, "median_days": 16.0}
    assert report["escalations"] == [{"workstream": "T", "escalated": 2, "overdue": 1, "oldest_days": 3}]
    assert report["hours_total"] == {
        "workstream": "T", "people": 2, "hours_offered": 18, "hours_assigned": 6, "assignments_without_hours": 2
    }  # fmt: skip

    office = await signed_in_as(client, "coordinator")
    cp = (await office.get("/api/reports/workstreams/CP")).json()
    assert cp["funnel"][1] == {"call": CALL, "submitted": 3, "email_confirmed": 3, "validated": 2, "assigned": 0}
    assert cp["declarations"] == {"pending": 2, "oldest_days": 30, "median_days": 20.0}
    assert [(r["project"], r["choices"]) for r in cp["demand"]] == [("CP2", 0), ("CP1", 3)]
    assert cp["ethics_reviews"] == [
        {"workstream": "CP", "cleared": 0, "cleared_with_conditions": 0, "blocked": 2, "not_reviewed": 3, "total": 5}
    ]


# --- who may see which report ----------------------------------------------------------------------------

PROGRAMME_PATHS = ("/reports", "/api/reports/dashboard", "/api/reports/funnel.csv", "/api/reports/staffing.xlsx")
T_PATHS = ("/reports/workstreams/T", "/api/reports/workstreams/T", "/api/reports/workstreams/T/demand.csv")


@pytest.mark.parametrize(
    ("role", "programme", "workstream_t"),
    [
        (None, 401, 401),
        ("ethics", 403, 403),
        ("co_chair_cp", 403, 403),
        ("co_chair_t", 403, 200),
        ("board", 200, 200),
        ("coordinator", 200, 200),
    ],
)
async def test_who_sees_which_report(
    client: Client, staff: None, role: str | None, programme: int, workstream_t: int
) -> None:
    browser = await signed_in_as(client, role)
    for path in PROGRAMME_PATHS:
        assert (await browser.get(path)).status_code == programme, path
    for path in T_PATHS:
        assert (await browser.get(path)).status_code == workstream_t, path


async def test_unknown_tables_and_work_streams_are_404(board: Client) -> None:
    for path in (
        "/api/reports/people.csv",
        "/api/reports/funnel.pdf",
        "/api/reports/workstreams/ZZ",
        "/reports/workstreams/ZZ",
    ):
        assert (await board.get(path)).status_code == 404, path
    assert (await board.get("/api/reports/register-of-interests")).status_code == 403, "still the ethics register"


async def test_the_navigation_takes_each_role_to_its_report(client: Client, staff: None) -> None:
    chair = await signed_in_as(client, "co_chair_t")
    page = await chair.get("/reports/my-workstream", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/reports/workstreams/T")
    assert 'href="/reports/my-workstream"' in (await chair.get("/milestones")).text
    board = await signed_in_as(client, "board")
    assert 'href="/reports"' in (await board.get("/milestones")).text
    ethics = await signed_in_as(client, "ethics")
    assert 'href="/reports' not in (await ethics.get("/milestones")).text


# --- the pages, charts and exports --------------------------------------------------------------------


async def test_the_page_puts_what_needs_attention_first_then_each_chart_with_its_summary_table_and_downloads(
    board: Client,
) -> None:
    page = await board.get("/reports")
    assert page.status_code == 200
    html = page.text
    report = (await board.get("/api/reports/dashboard")).json()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    order = [main.index(f'id="{anchor}"') for anchor in ("exceptions", "changes", *(t.name for t in FIGURES))]
    assert order == sorted(order), "exceptions first, then the changes, then the figures"
    for table in FIGURES:
        section = _section(html, table.name)
        summary = report["summaries"][table.figure]
        assert _escaped(summary) in section, table.name
        assert f'<caption class="govuk-table__caption govuk-table__caption--s">{_escaped(table.caption)}' in section
        assert (
            f'href="/api/reports/{table.name}.csv"' in section and f'href="/api/reports/{table.name}.xlsx"' in section
        )
    charted = [t.name for t in FIGURES if '<svg role="img"' in _section(html, t.name)]
    assert charted == [t.name for t in FIGURES], "every figure of the fixed data set has something to draw"
    svg = _section(html, "funnel")
    assert re.search(r'<svg role="img" aria-labelledby="funnel-chart-title"[^>]*><title id="funnel-chart-title">', svg)
    assert f"{CALL}: 7 submitted" in svg
    assert "Transport" in _section(html, "project-rag") and ">T<" not in _section(html, "project-rag"), "names"
    assert 'href="/reports/board-pack.pdf"' in html
    assert "<script" not in main, "no script in the report itself"
    assert not re.search(r"\sstyle=", html), "the page CSP forbids inline styles"
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "charts never share an id (clip paths)"
    assert "style-src 'self'" in page.headers["content-security-policy"]


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def _section(html: str, name: str) -> str:
    start = html.index(f'<section class="sc-report-figure" id="{name}"')
    return html[start : html.index("</section>", start)]


async def test_charts_are_legible_and_keep_red_amber_and_green_for_rag(board: Client) -> None:
    html = (await board.get("/reports")).text
    for table in FIGURES:
        svg = _section(html, table.name)
        sizes = {int(size) for size in re.findall(r'font-size="(\d+)px"', svg)}
        assert sizes and min(sizes) >= 16, f"{table.name}: text of {sorted(sizes)} px"
        assert int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1)) <= 680, "no wider than A4 between margins"
        colours = {c.lower() for c in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)}
        rag = {"#d4351c", "#f47738", "#00703c"} & colours
        assert not rag or table.name in ("project-rag", "rag-trend"), f"{table.name} draws in RAG colours: {rag}"
    assert "Today" in _section(html, "milestones"), "today is labelled on the timeline"
    assert "Team size wanted" in _section(html, "staffing"), "the wanted size is in the legend"


async def test_the_work_stream_page_links_its_own_exports(client: Client, staff: None) -> None:
    chair = await signed_in_as(client, "co_chair_t")
    html = (await chair.get("/reports/workstreams/T")).text
    assert 'href="/api/reports/workstreams/T/staffing.csv"' in html
    assert 'href="/reports/workstreams/T/board-pack.pdf"' in html
    assert "Work-stream T" in html
    staffing = (await chair.get("/api/reports/workstreams/T/staffing.csv")).content.decode("utf-8-sig")
    assert [r["Project"] for r in csv.DictReader(io.StringIO(staffing))] == ["T1", "T2", "T3", "T4"]


async def test_every_table_exports_as_csv_and_excel_with_headings_in_words(board: Client) -> None:
    response = await board.get("/api/reports/dashboard")
    report = msgspec.json.decode(response.content, type=Dashboard)
    for table in TABLES.values():
        response = await board.get(f"/api/reports/{table.name}.csv")
        assert response.status_code == 200, table.name
        assert response.headers["content-type"].startswith("text/csv")
        assert f"{table.name}.csv" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        exported = table.export_rows or table.rows
        assert len(rows) == len(exported(report)), table.name
        headings = [c.heading for c in table.columns_of(report)]
        if rows:
            assert list(rows[0]) == headings, table.name
        workbook = await board.get(f"/api/reports/{table.name}.xlsx")
        assert workbook.status_code == 200
        sheet = pl.read_excel(io.BytesIO(workbook.content))
        assert sheet.height == len(rows), table.name
        assert sheet.columns == headings or not rows, table.name
    funnel = (await board.get("/api/reports/funnel.csv")).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(funnel)))[2] == [CALL, "7", "6", "3", "2"]
    hours = pl.read_excel(io.BytesIO((await board.get("/api/reports/hours.xlsx")).content))
    assert hours.row(-1) == ("All work-streams", 3, 30, 15, 2)


async def test_no_name_address_or_declaration_text_in_any_report_or_export(client: Client, staff: None) -> None:
    outputs: list[str] = []
    for role, prefix, page in (
        ("board", "/api/reports", "/reports"),
        ("co_chair_t", "/api/reports/workstreams/T", "/reports/workstreams/T"),
    ):
        browser = await signed_in_as(client, role)
        outputs.append((await browser.get(page)).text)
        outputs.append((await browser.get("/api/reports/dashboard" if role == "board" else prefix)).text)
        for table in TABLES.values():
            outputs.append((await browser.get(f"{prefix}/{table.name}.csv")).content.decode("utf-8-sig"))
            sheet = pl.read_excel(io.BytesIO((await browser.get(f"{prefix}/{table.name}.xlsx")).content))
            outputs.append(sheet.write_csv())
    for output in outputs:
        for secret in SECRETS:
            assert secret.lower() not in output.lower()


# --- charts: cached by data version, safe to inline ----------------------------------------------------------


async def test_a_warm_page_draws_no_chart_again(board: Client) -> None:
    charts.CACHE.clear()
    started = time.perf_counter()
    first = await board.get("/reports")
    cold = time.perf_counter() - started
    cached = len(charts.CACHE)
    assert cached == len(FIGURES)
    started = time.perf_counter()
    second = await board.get("/reports")
    warm = time.perf_counter() - started
    assert first.status_code == second.status_code == 200
    assert len(charts.CACHE) == cached, "the same data draws from the cache"
    assert warm < cold


def test_the_data_version_follows_the_rows() -> None:
    one = pl.DataFrame({"workstream": ["T"], "escalated": [1], "overdue": [0]})
    two = pl.DataFrame({"workstream": ["T"], "escalated": [2], "overdue": [0]})
    assert charts.data_version("escalations", one) == charts.data_version("escalations", one.clone())
    assert charts.data_version("escalations", one) != charts.data_version("escalations", two)
    assert charts.data_version("escalations", one) != charts.data_version("hours", one)


def test_the_lru_keeps_only_the_most_recent() -> None:
    cache = charts.ChartCache(size=2)
    cache.put("a", "<svg/>")
    cache.put("b", "<svg/>")
    assert cache.get("a")
    cache.put("c", "<svg/>")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("<svg/>", None, "<svg/>")


def test_svg_is_cleaned_before_it_is_inlined() -> None:
    svg = '<svg class="marks"><defs><clipPath id="clip1"/></defs><g style="fill:red" clip-path="url(#clip1)"/></svg>'
    assert charts.clean(svg, "hours") == (
        '<svg class="marks"><defs><clipPath id="hours-clip1"/></defs><g clip-path="url(#hours-clip1)"/></svg>'
    )
    assert charts.clean("<svg><script>alert(1)</script></svg>", "hours") == ""
    assert charts.clean('<svg><g onload="alert(1)"/></svg>', "hours") == ""
    labelled = charts.labelled('<svg class="marks" width="10"><g/></svg>', "hours", "<b>3 & 4</b>")
    assert labelled == (
        '<svg role="img" aria-labelledby="hours-chart-title" focusable="false" class="sc-chart__svg" width="10">'
        '<title id="hours-chart-title">&lt;b&gt;3 &amp; 4&lt;/b&gt;</title><g/></svg>'
    )


def test_text_from_the_data_is_escaped_in_the_chart() -> None:
    today = clock.uk_today()
    data = pl.DataFrame(
        {
            "title": ["<script>x</script> & co"],
            "project": ["T1"],
            "due_on": [today],
            "done_on": [None],
            "state": ["to come"],
            "days_to_go": [0],
        }
    )
    svg = charts.render("milestones", data)
    assert svg.startswith("<svg") and "<script" not in svg and "&lt;script&gt;" in svg


# --- reports kept for a minute ------------------------------------------------------------------


async def test_a_report_is_kept_for_a_minute_and_says_when_it_was_counted(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, staff: None
) -> None:
    app = create_app(replace(settings, report_cache_seconds=60))
    async with Client(app=app) as board:
        await signed_in_as(board, "board")
        first = (await board.get("/api/reports/dashboard")).json()
        cache = app.state[REPORT_CACHE]
        now = [1_000.0]
        cache.clock = lambda: now[0]
        cache._kept.clear()
        counted = (await board.get("/api/reports/dashboard")).json()
        async with session_scope(db_config) as session:
            await session.execute(update(Project).where(Project.code == "T1").values(status=ProjectStatus.WITHDRAWN))
        now[0] += 59
        kept = (await board.get("/api/reports/dashboard")).json()
        now[0] += 2
        recounted = (await board.get("/api/reports/dashboard")).json()
        page = (await board.get("/reports")).text
    assert f"Figures as at {uk_datetime(dt.datetime.fromisoformat(recounted['as_of']))}" in page
    assert dt.datetime.fromisoformat(first["as_of"]) <= dt.datetime.fromisoformat(counted["as_of"])
    assert kept == counted, "within the minute the same report, figures and moment alike"
    assert recounted["as_of"] > counted["as_of"]
    withdrawn = {row["workstream"]: row["withdrawn"] for row in recounted["project_status"]}
    assert withdrawn["T"] == 1 + {row["workstream"]: row["withdrawn"] for row in kept["project_status"]}["T"]


async def test_requests_arriving_together_count_a_report_once() -> None:
    counts = 0
    report = cast(Dashboard, object())

    async def count() -> Dashboard:
        nonlocal counts
        counts += 1
        await asyncio.sleep(0.05)
        return report

    cache = ReportCache(60)
    answers = await asyncio.gather(*(cache.get("programme", count) for _ in range(5)))
    assert counts == 1 and all(answer is report for answer in answers)
    assert await cache.get("T", count) is report and counts == 2, "each scope is kept on its own"
    assert await ReportCache(0).get("programme", count) is report and counts == 3, "0 keeps nothing"
