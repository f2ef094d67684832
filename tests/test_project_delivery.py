"""Project delivery through HTTP as each role: status updates with history, the lifecycle, amendments with
versions and the stale-edit 409, pipeline projects and milestones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.errors import BrokenRule, Problem, RuleViolation
from stepchange.projects.lifecycle import ProjectFacts, broken_rules
from stepchange.projects.models import Project, ProjectStatus
from tests.conftest import Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]
UPDATE = {"status": "recruiting", "rag": "amber", "summary": "Scoping done; looking for a lead from the cruise sector."}

ROLES = {
    "coordinator": ("office@example.org", None),
    "co_chair_t": ("chair.t@example.org", "T"),
    "co_chair_cp": ("chair.cp@example.org", "CP"),
    "ethics": ("ethics@example.org", None),
    "board": ("board@example.org", None),
}


@pytest.fixture
async def people(db_config: SQLAlchemyAsyncConfig) -> dict[str, str]:
    for key, (email, workstream) in ROLES.items():
        role = "co_chair" if key.startswith("co_chair") else key
        await make_staff(db_config, email, role, workstream=workstream, name=key.replace("_", " ").title())
    return {key: email for key, (email, _) in ROLES.items()}


async def as_role(browsers: Browsers, people: dict[str, str], role: str | None) -> Client:
    browser = await browsers()
    if role is not None:
        assert (await sign_in(browser, people[role])).status_code == 200
    return browser


async def send(browser: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})


# --- status updates and the lifecycle ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 401), ("board", 403), ("ethics", 403), ("co_chair_cp", 403), ("co_chair_t", 201), ("coordinator", 201)],
)
async def test_who_may_post_an_update(
    browsers: Browsers, people: dict[str, str], role: str | None, expected: int
) -> None:
    browser = await as_role(browsers, people, role)
    response = await send(browser, "POST", "/api/projects/T1/updates", UPDATE)
    assert response.status_code == expected, response.text
    if expected == 201:
        body = response.json()
        assert (body["previous_status"], body["status"], body["rag"]) == ("provisional", "recruiting", "amber")


async def test_updates_form_a_dated_history_that_is_never_overwritten(
    browsers: Browsers, people: dict[str, str]
) -> None:
    chair = await as_role(browsers, people, "co_chair_t")
    first = await send(chair, "POST", "/api/projects/t1/updates", UPDATE)
    second = await send(
        chair, "POST", "/api/projects/T1/updates", {**UPDATE, "rag": "red", "summary": "Lead withdrew."}
    )
    assert first.status_code == second.status_code == 201
    history = (await chair.get("/api/projects/T1/updates")).json()
    assert history["total"] == 2
    assert [u["summary"] for u in history["items"]] == ["Lead withdrew.", UPDATE["summary"]]
    assert [u["status"] for u in history["items"]] == ["recruiting", "recruiting"], "an update may keep the status"
    assert history["items"][0]["author"] == "Co Chair T (co_chair)"

    board = await as_role(browsers, people, "board")
    assert (await board.get("/api/projects/T1/updates")).json()["total"] == 2, "staff read the history"
    seen = (await board.get("/api/projects/T1")).json()
    assert (seen["status"], seen["rag"]) == ("recruiting", "red")
    public = await browsers()
    assert (await public.get("/api/projects/T1/updates")).status_code == 401
    assert "rag" not in (await public.get("/api/projects/T1")).json()


async def test_an_illegal_move_names_every_rule_it_breaks_and_the_moves_allowed(
    browsers: Browsers, people: dict[str, str]
) -> None:
    office = await as_role(browsers, people, "coordinator")
    response = await send(office, "POST", "/api/projects/CP3/updates", {**UPDATE, "status": "delivering"})
    assert response.status_code == 409
    problem = response.json()
    assert [r["rule"] for r in problem["rules"]] == ["illegal_step", "missing_lead", "missing_ethics_clearance"]
    assert problem["allowed"] == ["recruiting", "paused", "withdrawn"]
    assert problem["status"] == 409, "RFC 9457: status is the HTTP status, never the project's"
    assert problem["project_status"] == "provisional"
    history = (await office.get("/api/projects/CP3/updates")).json()
    assert history["total"] == 0, "a refused update stores nothing"
    assert (await office.get("/api/projects/CP3")).json()["status"] == "provisional"


@pytest.mark.parametrize("name", ["type", "title", "status", "detail", "instance"])
def test_no_extension_member_takes_a_name_rfc_9457_gives_its_own(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        RuleViolation([BrokenRule("illegal_step", "No")], **{name: "provisional"})
    problem = Problem(409, "Refused", "No", "https://example.org/rule", {name: "provisional", "rules": []})
    body = problem.as_dict("/api/projects/CP3/updates")
    assert body["status"] == 409 and body["instance"] == "/api/projects/CP3/updates" and body["rules"] == []
    assert body[name] != "provisional"


async def test_staffing_needs_an_accepted_lead(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    assert (await send(office, "POST", "/api/projects/SR2/updates", UPDATE)).status_code == 201
    refused = await send(office, "POST", "/api/projects/SR2/updates", {**UPDATE, "status": "staffed"})
    assert refused.status_code == 409
    assert [r["rule"] for r in refused.json()["rules"]] == ["missing_lead"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**UPDATE, "status": "finished"}, "status"),
        ({**UPDATE, "rag": "purple"}, "rag"),
        ({**UPDATE, "summary": "   "}, "summary"),
        ({**UPDATE, "summary": "x" * 5001}, "summary"),
        ({"status": "recruiting", "rag": "green"}, "summary"),
        ({**UPDATE, "summary": 42}, "summary"),
    ],
)
async def test_bad_updates_are_refused_naming_the_field(
    browsers: Browsers, people: dict[str, str], body: dict[str, Any], field: str
) -> None:
    office = await as_role(browsers, people, "coordinator")
    response = await send(office, "POST", "/api/projects/TT1/updates", body)
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]] or field in response.json()["detail"]


async def test_unknown_projects_are_404_for_every_route(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    assert (await send(office, "POST", "/api/projects/ZZ9/updates", UPDATE)).status_code == 404
    assert (await office.get("/api/projects/ZZ9/updates")).status_code == 404
    assert (await send(office, "PATCH", "/api/projects/ZZ9", {"version": 1, "title": "x"})).status_code == 404
    assert (await office.get("/api/projects/T1/versions/99")).status_code == 404


def test_the_rules_allow_staffing_and_delivery_once_lead_and_clearance_exist() -> None:
    ready = ProjectFacts(lead_accepted=True, ethics_cleared=True)
    assert broken_rules(ProjectStatus.RECRUITING, ProjectStatus.STAFFED, ready) == []
    assert broken_rules(ProjectStatus.STAFFED, ProjectStatus.DELIVERING, ready) == []
    assert [r.rule for r in broken_rules(ProjectStatus.DELIVERED, ProjectStatus.DELIVERED, ready)] == ["closed"]
    no_clearance = ProjectFacts(lead_accepted=True, ethics_cleared=False)
    assert [r.rule for r in broken_rules(ProjectStatus.STAFFED, ProjectStatus.DELIVERING, no_clearance)] == [
        "missing_ethics_clearance"
    ]


# --- amendments and versions ----------------------------------------------------------------------


async def test_amendments_keep_every_version_with_who_and_when(
    browsers: Browsers, people: dict[str, str], db_config: SQLAlchemyAsyncConfig
) -> None:
    chair = await as_role(browsers, people, "co_chair_t")
    before = (await chair.get("/api/projects/T4")).json()
    assert before["version"] == 1
    amended = await send(
        chair, "PATCH", "/api/projects/T4", {"version": 1, "vision": "Every new contract names its security needs."}
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2
    assert amended.json()["action"] == before["action"], "fields not sent are kept"

    versions = (await chair.get("/api/projects/T4/versions")).json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    assert versions["items"][0]["author"] == "Co Chair T (co_chair)"
    assert versions["items"][1]["vision"] == before["vision"]
    assert versions["items"][1]["author"] == "Step-Change Call to Action (2018)"
    one = await chair.get("/api/projects/T4/versions/1")
    assert one.json()["vision"] == before["vision"]
    public = await browsers()
    assert (await public.get("/api/projects/T4")).json()["vision"] == "Every new contract names its security needs."
    assert (await public.get("/api/projects/T4/versions")).status_code == 401

    async with session_scope(db_config) as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "project.amended"))
    assert entry is not None
    assert entry.changes == {
        "vision": {"before": before["vision"], "after": "Every new contract names its security needs."}
    }


async def test_a_stale_amendment_is_refused_and_nothing_is_lost(browsers: Browsers, people: dict[str, str]) -> None:
    chair = await as_role(browsers, people, "co_chair_t")
    office = await as_role(browsers, people, "coordinator")
    first = await send(chair, "PATCH", "/api/projects/T2", {"version": 1, "title": "The cost of not investing"})
    assert first.status_code == 200
    stale = await send(office, "PATCH", "/api/projects/T2", {"version": 1, "title": "Office wording"})
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert "changed by someone else" in stale.json()["detail"]
    current = (await office.get("/api/projects/T2")).json()
    assert (current["title"], current["version"]) == ("The cost of not investing", 2)
    retried = await send(office, "PATCH", "/api/projects/T2", {"version": 2, "title": "Office wording"})
    assert retried.status_code == 200
    titles = [v["title"] for v in (await office.get("/api/projects/T2/versions")).json()["items"]]
    assert titles[:2] == ["Office wording", "The cost of not investing"], "both edits are in the history"


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 401), ("board", 403), ("ethics", 403), ("co_chair_cp", 403), ("co_chair_t", 200)]
)
async def test_who_may_amend(browsers: Browsers, people: dict[str, str], role: str | None, expected: int) -> None:
    browser = await as_role(browsers, people, role)
    response = await send(browser, "PATCH", "/api/projects/T3", {"version": 1, "title": "Guard force training"})
    assert response.status_code == expected


async def test_amendments_end_when_delivery_starts(
    browsers: Browsers, people: dict[str, str], db_config: SQLAlchemyAsyncConfig
) -> None:
    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "CF1").values(status=ProjectStatus.DELIVERING))
    office = await as_role(browsers, people, "coordinator")
    response = await send(office, "PATCH", "/api/projects/CF1", {"version": 1, "title": "Too late"})
    assert response.status_code == 409
    assert response.json()["rules"][0]["rule"] == "not_open_to_amendment"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No version"}, "version"),
        ({"version": 1}, "body"),
        ({"version": 1, "title": ""}, "title"),
        ({"version": 0, "title": "x"}, "version"),
        ({"version": 1, "title": "x" * 201}, "title"),
        ({"version": 1, "colour": "red"}, "colour"),
    ],
)
async def test_bad_amendments_name_the_field(
    browsers: Browsers, people: dict[str, str], body: dict[str, Any], field: str
) -> None:
    office = await as_role(browsers, people, "coordinator")
    response = await send(office, "PATCH", "/api/projects/T5", body)
    assert response.status_code == 400, response.text
    assert field in response.text


# --- pipeline projects -------------------------------------------------------------------------------

PIPELINE = {"workstream": "T", "title": "Port security drills", "action": "Run joint drills.", "vision": "Ports drill."}


async def test_pipeline_projects_continue_the_series(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    first = await send(office, "POST", "/api/projects", PIPELINE)
    second = await send(office, "POST", "/api/projects", {**PIPELINE, "workstream": "cp"})
    third = await send(office, "POST", "/api/projects", PIPELINE)
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert [r.json()["code"] for r in (first, second, third)] == ["T6", "CP6", "T7"]
    assert first.json()["status"] == "pipeline"
    assert first.json()["is_priority"] is False
    listed = (await office.get("/api/projects?workstream=T&status=pipeline")).json()
    assert [p["code"] for p in listed["items"]] == ["T6", "T7"]
    chair = await as_role(browsers, people, "co_chair_t")
    assert (await send(chair, "POST", "/api/projects", PIPELINE)).status_code == 403
    assert (await send(office, "POST", "/api/projects", {**PIPELINE, "workstream": "ZZ"})).status_code == 400


async def test_no_more_than_fifteen_further_projects(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    codes = ["T", "CP", "TT", "CF", "SR"] * 3
    for code in codes:
        assert (await send(office, "POST", "/api/projects", {**PIPELINE, "workstream": code})).status_code == 201
    refused = await send(office, "POST", "/api/projects", PIPELINE)
    assert refused.status_code == 409
    assert refused.json()["rules"][0]["rule"] == "pipeline_full"


async def test_a_pipeline_project_moves_to_provisional(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    await send(office, "POST", "/api/projects", PIPELINE)
    moved = await send(office, "POST", "/api/projects/T6/updates", {**UPDATE, "status": "provisional"})
    assert moved.status_code == 201


# --- milestones ------------------------------------------------------------------------------------


async def test_programme_milestones_are_seeded_done_with_no_days_to_go(
    browsers: Browsers, people: dict[str, str]
) -> None:
    board = await as_role(browsers, people, "board")
    listed = (await board.get("/api/milestones")).json()
    assert [m["due_on"] for m in listed["items"]] == [
        "2018-04-23",
        "2018-04-23",
        "2018-05-01",
        "2018-05-25",
        "2018-06-01",
    ]
    assert all(m["done_on"] and not m["overdue"] and m["days_to_go"] is None for m in listed["items"])
    assert (await (await browsers()).get("/api/milestones")).status_code == 401


async def test_project_milestones_overdue_and_days_to_go_in_uk_time(browsers: Browsers, people: dict[str, str]) -> None:
    chair = await as_role(browsers, people, "co_chair_t")
    today = clock.uk_today()
    late = await send(
        chair,
        "POST",
        "/api/milestones",
        {"title": "Scope agreed", "due_on": str(today - dt.timedelta(days=3)), "project": "T1"},
    )
    soon = await send(
        chair,
        "POST",
        "/api/milestones",
        {"title": "Lead found", "due_on": str(today + dt.timedelta(days=10)), "project": "t1"},
    )
    assert late.status_code == soon.status_code == 201
    assert (late.json()["overdue"], late.json()["days_to_go"]) == (True, -3)
    assert (soon.json()["overdue"], soon.json()["days_to_go"]) == (False, 10)
    listed = (await chair.get("/api/milestones?project=T1")).json()["items"]
    assert [m["title"] for m in listed] == ["Scope agreed", "Lead found"]

    done = await send(chair, "POST", f"/api/milestones/{late.json()['id']}/done", {})
    assert done.status_code == 200
    assert (done.json()["done_on"], done.json()["overdue"]) == (str(today), False)
    future = await send(
        chair, "POST", f"/api/milestones/{soon.json()['id']}/done", {"done_on": str(today + dt.timedelta(days=1))}
    )
    assert future.status_code == 400
    assert future.json()["errors"][0]["field"] == "done_on"


async def test_who_keeps_which_milestones(browsers: Browsers, people: dict[str, str]) -> None:
    office = await as_role(browsers, people, "coordinator")
    other_chair = await as_role(browsers, people, "co_chair_cp")
    board = await as_role(browsers, people, "board")
    project_m = await send(
        office, "POST", "/api/milestones", {"title": "Kick-off", "due_on": "2030-01-01", "project": "T2"}
    )
    programme_m = await send(office, "POST", "/api/milestones", {"title": "Board review", "due_on": "2030-02-01"})
    assert project_m.status_code == programme_m.status_code == 201
    assert (await send(other_chair, "POST", f"/api/milestones/{project_m.json()['id']}/done", {})).status_code == 403
    assert (
        await send(other_chair, "POST", "/api/milestones", {"title": "x", "due_on": "2030-01-01"})
    ).status_code == 403
    assert (await send(board, "POST", f"/api/milestones/{programme_m.json()['id']}/done", {})).status_code == 403
    bad = await send(office, "POST", "/api/milestones", {"title": "x", "due_on": "31/12/2030"})
    assert bad.status_code == 400
    assert "due_on" in bad.text
