"""Ethics through HTTP as each role: the declarations queue, decisions with reasons and mitigations, recusal,
reclassification, projects' commercial-advantage reviews and the delivery gate, what co-chairs may know,
the register of interests and its exports, and an audit trail that never holds declaration text."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import polars as pl
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.services import AssignmentService
from stepchange.core.audit import SYSTEM, AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.errors import RuleViolation
from stepchange.ethics.models import Declaration, Recusal
from stepchange.people.models import Identity, Volunteer
from tests.conftest import Client, make_staff, sign_in
from tests.test_interest import open_a_call, submission

Browsers = Callable[[], Awaitable[Client]]

DESCRIPTION = "I hold shares in a vetting firm"
REASON = "Shares are below the disclosure threshold and held in a blind trust"
MITIGATION = "Leaves the room when vetting suppliers are discussed"
STAFF = {
    "coordinator": ("office@example.org", "coordinator", None, "Programme Office"),
    "ethics": ("ethics@example.org", "ethics", None, "Ethics Panel"),
    "ethics_vetco": ("ethics.vetco@example.org", "ethics", None, "  vetco "),
    "ethics_harbour": ("ethics.harbour@example.org", "ethics", None, "HARBOUR CRUISES LTD"),
    "co_chair_t": ("chair.t@example.org", "co_chair", "T", "Port Police"),
    "co_chair_cp": ("chair.cp@example.org", "co_chair", "CP", "City Police"),
    "board": ("board@example.org", "board", None, "Board"),
}


class Programme:
    """The programme's people sharing one browser (an app each is slow to build): each call signs in as the
    role it names first, and volunteers register as the public do."""

    def __init__(self, browser: Client, config: SQLAlchemyAsyncConfig) -> None:
        self.browser, self.config = browser, config
        self.role: str | None = None

    async def as_(self, role: str | None) -> Client:
        if role != self.role:
            if role is None:
                await self.browser.post("/api/auth/logout", headers={"x-csrftoken": await self.browser.csrf()})
            else:
                assert (await sign_in(self.browser, STAFF[role][0])).status_code == 200
            self.role = role
        return self.browser

    async def get(self, role: str | None, path: str, /, **params: Any) -> Any:
        return await (await self.as_(role)).get(path, params=params or None)

    async def send(self, role: str | None, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        browser = await self.as_(role)
        return await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})

    async def form(self, role: str, path: str, fields: dict[str, Any]) -> Any:
        browser = await self.as_(role)
        return await browser.post(path, data={**fields, "_csrf_token": await browser.csrf()}, follow_redirects=False)

    async def volunteer(self, email: str, *, validated: bool = True, **changes: Any) -> str:
        """Register through the public API; returns the person's id (validated by the office if asked)."""
        response = await self.send(None, "POST", "/api/interest", submission(email=email, **changes))
        assert response.status_code == 201, response.text
        async with session_scope(self.config) as session:
            person = (await session.scalars(select(Volunteer).where(Volunteer.email == email.lower()))).one()
            if validated:
                person.identity = Identity.VALIDATED
            return str(person.id)

    async def unconflicted(self, email: str) -> str:
        return await self.volunteer(email, no_conflicts=True, conflicts=[], organisation="Quiet Ltd")

    async def declaration_of(self, volunteer_id: str) -> str:
        found = await self.get("coordinator", "/api/conflicts", state="all", volunteer_id=volunteer_id)
        return str(found.json()["items"][0]["id"])

    async def review(self, role: str, declaration_id: str, outcome: str, **extra: str) -> Any:
        body = {"outcome": outcome, "reason": REASON, **extra}
        return await self.send(role, "POST", f"/api/conflicts/{declaration_id}/review", body)

    async def offer(self, volunteer_id: str, project: str, role: str = "member", *, by: str = "coordinator") -> Any:
        body = {"volunteer_id": volunteer_id, "project": project, "role": role}
        return await self.send(by, "POST", "/api/assignments", body)

    async def move(self, role: str, code: str, status: str) -> Any:
        body = {"status": status, "rag": "green", "summary": "Moving on"}
        return await self.send(role, "POST", f"/api/projects/{code}/updates", body)

    async def review_project(self, role: str, code: str, outcome: str, reason: str = "Fine", **extra: str) -> Any:
        body = {"outcome": outcome, "reason": reason, **extra}
        return await self.send(role, "POST", f"/api/projects/{code}/ethics-reviews", body)


@pytest.fixture
async def programme(client: Client, db_config: SQLAlchemyAsyncConfig) -> Programme:
    for email, role, workstream, _ in STAFF.values():
        await make_staff(db_config, email, role, workstream=workstream)
    async with session_scope(db_config) as session:
        for email, _, _, organisation in STAFF.values():
            await session.execute(update(StaffUser).where(StaffUser.email == email).values(organisation=organisation))
    await open_a_call(db_config)
    return Programme(client, db_config)


def rules_of(response: Any) -> list[str]:
    assert response.status_code == 409, response.text
    return [r["rule"] for r in response.json()["rules"]]


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    return [e["field"] for e in response.json()["errors"]]


UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


# --- the queue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 401), ("board", 403), ("co_chair_t", 403), ("ethics", 200), ("coordinator", 200)],
)
async def test_who_may_read_declarations(programme: Programme, role: str | None, expected: int) -> None:
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    assert (await programme.get(role, "/api/conflicts")).status_code == expected
    detail = await programme.get(role, f"/api/conflicts/{declaration}")
    assert detail.status_code == expected
    if expected == 200:
        assert detail.json()["description"] == DESCRIPTION
    else:
        assert DESCRIPTION not in detail.text


async def test_the_queue_is_oldest_first_with_how_long_each_has_waited(
    programme: Programme, db_config: SQLAlchemyAsyncConfig
) -> None:
    newer = await programme.volunteer("newer@example.co.uk")
    older = await programme.volunteer("older@example.co.uk", name="Olu Older")
    async with session_scope(db_config) as session:
        three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        await session.execute(
            update(Declaration).where(Declaration.volunteer_id == older).values(created_at=three_days_ago)
        )
    queue = (await programme.get("ethics", "/api/conflicts")).json()
    assert queue["total"] == 2 and queue["limit"] == 100 and queue["offset"] == 0
    first, second = queue["items"]
    assert (first["volunteer_id"], second["volunteer_id"]) == (older, newer)
    assert (first["volunteer"], first["waiting_days"], second["waiting_days"]) == ("Olu Older", 3, 0)
    assert (first["kind"], first["projects"], first["state"], first["organisation"]) == (
        "financial",
        ["T1"],
        "pending",
        "VetCo",
    )
    assert (await programme.get("ethics", "/api/conflicts", state="managed")).json()["total"] == 0
    assert (await programme.get("ethics", "/api/conflicts", state="all", limit=1)).json()["total"] == 2
    assert fields_of(await programme.get("ethics", "/api/conflicts", state="sorted")) == ["state"]
    assert (await programme.get("ethics", f"/api/conflicts/{UNKNOWN_ID}")).status_code == 404


# --- decisions ------------------------------------------------------------------------------------


async def test_a_decision_always_has_a_reason_and_managed_needs_a_mitigation(programme: Programme) -> None:
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    assert fields_of(await programme.review("ethics", declaration, "no_conflict", reason="  ")) == ["reason"]
    bare = await programme.send("ethics", "POST", f"/api/conflicts/{declaration}/review", {"outcome": "managed"})
    assert "reason" in fields_of(bare)
    assert fields_of(await programme.review("ethics", declaration, "managed")) == ["mitigation"]
    assert fields_of(await programme.review("ethics", declaration, "pending")) == ["outcome"]
    assert fields_of(await programme.review("ethics", declaration, "cleared")) == ["outcome"]
    detail = await programme.get("ethics", f"/api/conflicts/{declaration}")
    assert detail.json()["reviews"] == [], "refusals store nothing"

    for role in ("coordinator", "co_chair_t", "board"):
        assert (await programme.review(role, declaration, "no_conflict")).status_code == 403

    managed = await programme.review("ethics", declaration, "managed", mitigation=MITIGATION)
    assert managed.status_code == 201, managed.text
    body = managed.json()
    assert (body["state"], body["reason"], body["mitigation"]) == ("managed", REASON, MITIGATION)
    assert [r["reviewer"] for r in body["reviews"]] == ["Ethics (ethics)"]

    shown = (await programme.get("coordinator", "/api/conflicts", state="managed")).json()["items"]
    assert [(c["id"], c["mitigation"]) for c in shown] == [(declaration, MITIGATION)], "managed shows its mitigation"

    again = (await programme.review("ethics", declaration, "no_conflict")).json()
    assert again["state"] == "no_conflict" and again["mitigation"] == ""
    assert [(r["previous_state"], r["outcome"]) for r in again["reviews"]] == [
        ("pending", "managed"),
        ("managed", "no_conflict"),
    ], "the full history is kept; the latest decision counts"
    assert again["reviews"][0]["mitigation"] == MITIGATION


async def test_excluding_needs_the_projects_named(programme: Programme) -> None:
    person = await programme.volunteer("priya@example.co.uk", conflicts=[{"kind": "personal", "description": "x"}])
    declaration = await programme.declaration_of(person)
    assert rules_of(await programme.review("ethics", declaration, "excluded")) == ["no_projects_named"]


@pytest.mark.parametrize("reviewer", ["ethics_vetco", "ethics_harbour"])
async def test_a_reviewer_whose_organisation_is_involved_is_recused_and_it_is_recorded(
    programme: Programme, db_config: SQLAlchemyAsyncConfig, reviewer: str
) -> None:
    """The declared organisation (VetCo) and the person's own (Harbour Cruises Ltd) both count, in any case."""
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    assert rules_of(await programme.review(reviewer, declaration, "no_conflict")) == ["recused"]
    patched = await programme.send(reviewer, "PATCH", f"/api/conflicts/{declaration}", {"projects": []})
    assert rules_of(patched) == ["recused"]

    detail = (await programme.get(reviewer, f"/api/conflicts/{declaration}")).json()
    assert (detail["state"], detail["projects"], detail["reviews"]) == ("pending", ["T1"], [])
    assert [r["reviewer"] for r in detail["recusals"]] == [f"{STAFF[reviewer][0].split('@')[0].title()} (ethics)"] * 2
    async with session_scope(db_config) as session:
        assert len((await session.scalars(select(Recusal))).all()) == 2
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "ethics.recused"))).all()
        assert [e.subject_id for e in entries] == [declaration, declaration]

    page = await programme.get(reviewer, f"/ethics/declarations/{declaration}")
    assert "your own organisation is involved" in page.text
    path = f"/ethics/declarations/{declaration}/review"
    refused = await programme.form(reviewer, path, {"outcome": "no_conflict", "reason": "x"})
    assert refused.status_code == 409
    assert "There is a problem" in refused.text

    assert (await programme.review("ethics", declaration, "no_conflict")).status_code == 201, "others may decide"


async def test_reviewers_and_the_office_reclassify_and_a_decision_stands_only_for_what_it_was_made_on(
    programme: Programme,
) -> None:
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    path = f"/api/conflicts/{declaration}"
    assert (await programme.send("co_chair_t", "PATCH", path, {"kind": "personal"})).status_code == 403
    assert fields_of(await programme.send("coordinator", "PATCH", path, {"projects": ["T1", "ZZ9"]})) == ["projects[1]"]
    assert fields_of(await programme.send("coordinator", "PATCH", path, {"kind": "greed"})) == ["kind"]

    changed = await programme.send("coordinator", "PATCH", path, {"kind": "professional", "projects": ["cp2", "T1"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["kind"], changed.json()["projects"]) == ("professional", ["CP2", "T1"])

    assert (await programme.review("ethics", declaration, "excluded")).json()["state"] == "excluded"
    reopened = (await programme.send("ethics", "PATCH", path, {"projects": ["CP2", "T1", "T2"]})).json()
    assert reopened["state"] == "pending", "a new project needs a new decision"
    assert [c["changes"]["projects"]["after"] for c in reopened["reclassifications"]] == [
        ["CP2", "T1"],
        ["CP2", "T1", "T2"],
    ]
    assert reopened["reclassifications"][1]["changes"]["state"] == {"before": "excluded", "after": "pending"}


# --- assignments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 401), ("board", 403), ("co_chair_t", 403), ("ethics", 403), ("coordinator", 201)]
)
async def test_only_the_office_offers_places(programme: Programme, role: str | None, expected: int) -> None:
    person = await programme.unconflicted("quiet@example.co.uk")
    assert (await programme.offer(person, "T2", by=role)).status_code == expected  # type: ignore[arg-type]


async def test_a_pending_declaration_blocks_the_projects_it_touches(programme: Programme) -> None:
    person = await programme.volunteer("priya@example.co.uk")
    refused = await programme.offer(person, "T1")
    assert rules_of(refused) == ["declaration_pending"]
    assert "waiting for ethics review" in refused.json()["detail"]
    assert DESCRIPTION not in refused.text
    placed = await programme.offer(person, "CP2")
    assert placed.status_code == 201, placed.text
    assert (placed.json()["status"], placed.json()["role"], placed.json()["project"]) == ("offered", "member", "CP2")


async def test_an_unclassified_pending_declaration_blocks_every_project(programme: Programme) -> None:
    person = await programme.volunteer("priya@example.co.uk", conflicts=[{"kind": "indirect", "description": "?"}])
    assert rules_of(await programme.offer(person, "CP2")) == ["declaration_pending"]


async def test_excluded_blocks_only_the_named_projects_and_managed_allows(programme: Programme) -> None:
    excluded = await programme.volunteer("priya@example.co.uk")
    managed = await programme.volunteer("mo@example.co.uk", organisation="Mo Ltd")
    assert (await programme.review("ethics", await programme.declaration_of(excluded), "excluded")).status_code == 201
    decided = await programme.review(
        "ethics", await programme.declaration_of(managed), "managed", mitigation=MITIGATION
    )
    assert decided.status_code == 201

    assert rules_of(await programme.offer(excluded, "T1", "lead")) == ["declaration_excluded"]
    assert (await programme.offer(excluded, "CP1")).status_code == 201
    assert (await programme.offer(managed, "T1")).status_code == 201


async def test_only_validated_people_and_one_lead_per_project(programme: Programme) -> None:
    first = await programme.unconflicted("first@example.co.uk")
    second = await programme.unconflicted("second@example.co.uk")
    unvalidated = await programme.volunteer("new@example.co.uk", validated=False, no_conflicts=True, conflicts=[])
    assert rules_of(await programme.offer(unvalidated, "T2")) == ["not_validated"]
    assert (await programme.offer(first, "T2", "lead")).status_code == 201
    assert rules_of(await programme.offer(second, "T2", "lead")) == ["lead_taken"]
    assert (await programme.offer(second, "T2", "member")).status_code == 201
    assert rules_of(await programme.offer(second, "T2", "member")) == ["already_assigned"]
    listed = (await programme.get("coordinator", "/api/assignments", project="T2")).json()
    assert (listed["total"], {a["volunteer_id"] for a in listed["items"]}) == (2, {first, second})


async def test_two_offices_offering_the_lead_at_once_make_one_lead(programme: Programme, browsers: Browsers) -> None:
    """The rule holds under a race too (a partial unique index backs it on PostgreSQL; SQLite queues writers)."""
    people = [await programme.unconflicted(f"racer{i}@example.co.uk") for i in range(2)]
    offices = [await browsers() for _ in people]
    for office in offices:
        assert (await sign_in(office, STAFF["coordinator"][0])).status_code == 200

    async def lead(office: Client, person: str) -> Any:
        body = {"volunteer_id": person, "project": "SR1", "role": "lead"}
        return await office.post("/api/assignments", json=body, headers={"x-csrftoken": await office.csrf()})

    answers = await asyncio.gather(*(lead(o, p) for o, p in zip(offices, people, strict=True)))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert [r["rule"] for a in answers if a.status_code == 409 for r in a.json()["rules"]] == ["lead_taken"]


@pytest.mark.parametrize(("role", "rule"), [("lead", "lead_taken"), ("member", "already_assigned")])
async def test_the_database_backs_the_rules_if_two_offers_pass_them_at_once(
    programme: Programme, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch, role: str, rule: str
) -> None:
    person = await programme.unconflicted("first@example.co.uk")
    other = await programme.unconflicted("second@example.co.uk") if role == "lead" else person
    assert (await programme.offer(person, "SR1", role)).status_code == 201

    async def nothing_broken(*_: Any) -> list[Any]:
        return []  # as if both offers had read the rules before either was written

    monkeypatch.setattr(AssignmentService, "eligibility", nothing_broken)
    async with session_scope(db_config) as session:
        offers = AssignmentService(session=session)
        with pytest.raises(RuleViolation) as refused:
            await offers.offer(SYSTEM, UUID(other), "SR1", AssignmentRole(role), confirm_uncleared=True)
        await session.rollback()
    assert [r.rule for r in refused.value.rules] == [rule]


async def test_a_refusal_names_every_rule_it_breaks(programme: Programme) -> None:
    lead = await programme.unconflicted("lead@example.co.uk")
    assert (await programme.offer(lead, "T1", "lead")).status_code == 201
    person = await programme.volunteer("priya@example.co.uk", validated=False)
    every = ["not_validated", "declaration_pending", "lead_taken"]
    assert rules_of(await programme.offer(person, "T1", "lead")) == every
    eligibility = await programme.get(
        "coordinator", "/api/assignments/eligibility", volunteer_id=person, project="T1", role="lead"
    )
    assert eligibility.status_code == 200
    assert eligibility.json()["eligible"] is False
    assert [r["rule"] for r in eligibility.json()["rules"]] == every


async def test_projects_not_open_and_unknown_references(programme: Programme) -> None:
    person = await programme.unconflicted("quiet@example.co.uk")
    body = {"workstream": "T", "title": "Later", "action": "Act", "vision": "See"}
    pipeline = await programme.send("coordinator", "POST", "/api/projects", body)
    assert rules_of(await programme.offer(person, pipeline.json()["code"])) == ["project_not_open"]
    assert fields_of(await programme.offer(UNKNOWN_ID, "T1")) == ["volunteer_id"]
    assert fields_of(await programme.offer(person, "ZZ9")) == ["project"]
    assert fields_of(await programme.offer(person, "T1", "boss")) == ["role"]
    assert (await programme.get("coordinator", f"/api/assignments/{UNKNOWN_ID}")).status_code == 404


# --- projects' reviews and the delivery gate --------------------------------------------------------


async def lead_accepted(programme: Programme, code: str, email: str = "lead@example.co.uk") -> str:
    """An accepted lead (acceptance by the person comes with the next feature: set it in the database)."""
    person = await programme.unconflicted(email)
    offered = await programme.offer(person, code, "lead")
    assert offered.status_code == 201, offered.text
    async with session_scope(programme.config) as session:
        await session.execute(
            update(Assignment).where(Assignment.id == offered.json()["id"]).values(status=AssignmentStatus.ACCEPTED)
        )
    return person


async def test_a_project_cannot_enter_delivery_until_cleared(programme: Programme) -> None:
    assert (await programme.move("co_chair_t", "T3", "recruiting")).status_code == 201
    assert rules_of(await programme.move("co_chair_t", "T3", "staffed")) == ["missing_lead"]
    await lead_accepted(programme, "T3")
    assert (await programme.move("co_chair_t", "T3", "staffed")).status_code == 201
    refused = await programme.move("co_chair_t", "T3", "delivering")
    assert rules_of(refused) == ["missing_ethics_clearance"]
    assert "commercial-advantage review" in refused.json()["detail"]

    for role in ("coordinator", "co_chair_t", "board"):
        assert (await programme.review_project(role, "T3", "cleared")).status_code == 403
    assert fields_of(await programme.review_project("ethics", "T3", "cleared", reason="")) == ["reason"]
    conditional = {"outcome": "cleared_with_conditions", "reason": "Vendor neutral if published openly"}
    assert fields_of(await programme.review_project("ethics", "T3", **conditional)) == ["conditions"]

    assert (await programme.review_project("ethics", "T3", "blocked", "Favours one vendor")).status_code == 201
    assert rules_of(await programme.move("co_chair_t", "T3", "delivering")) == ["missing_ethics_clearance"]
    cleared = await programme.review_project("ethics", "T3", **conditional, conditions="Publish the guidance openly")
    assert cleared.status_code == 201, cleared.text
    assert (await programme.move("co_chair_t", "T3", "delivering")).status_code == 201

    history = (await programme.get("co_chair_t", "/api/projects/T3/ethics-reviews")).json()
    assert [r["outcome"] for r in history["items"]] == ["cleared_with_conditions", "blocked"]
    overview = {p["project"]: p for p in (await programme.get("board", "/api/project-reviews")).json()["items"]}
    assert overview["T3"]["cleared"] is True
    assert overview["T3"]["review"]["conditions"] == "Publish the guidance openly"
    assert overview["T1"]["cleared"] is False and overview["T1"]["review"] is None


async def test_the_latest_project_review_wins(programme: Programme) -> None:
    await programme.move("coordinator", "CP1", "recruiting")
    await lead_accepted(programme, "CP1")
    assert (await programme.move("coordinator", "CP1", "staffed")).status_code == 201
    await programme.review_project("ethics", "CP1", "cleared")
    await programme.review_project("ethics", "CP1", "blocked", "New facts")
    assert rules_of(await programme.move("coordinator", "CP1", "delivering")) == ["missing_ethics_clearance"]


async def test_a_reviewer_whose_organisation_is_on_the_project_is_recused(programme: Programme) -> None:
    person = await programme.volunteer("pat@example.co.uk", organisation="Vetco", no_conflicts=True, conflicts=[])
    assert (await programme.offer(person, "CP3")).status_code == 201
    assert rules_of(await programme.review_project("ethics_vetco", "CP3", "cleared")) == ["recused"]
    page = await programme.get("ethics_vetco", "/ethics/projects/CP3")
    assert "your own organisation is involved" in page.text and "Recused" in page.text
    assert (await programme.review_project("ethics", "CP3", "cleared")).status_code == 201


# --- what co-chairs may know ------------------------------------------------------------------------


async def test_co_chairs_see_only_cleared_for_this_project_never_a_declaration(programme: Programme) -> None:
    priya = await programme.volunteer("priya@example.co.uk")
    quiet = await programme.volunteer("quiet@example.co.uk", name="Quinn Quiet", no_conflicts=True, conflicts=[])
    clearance = await programme.get("co_chair_t", "/api/projects/T1/clearance")
    assert clearance.status_code == 200, clearance.text
    people = {p["volunteer_id"]: p for p in clearance.json()["people"]}
    assert people[priya]["cleared_for_this_project"] is False
    assert people[quiet]["cleared_for_this_project"] is True
    assert people[priya]["interested_as"] == "lead"
    for secret in (DESCRIPTION, "VetCo", "financial", "pending"):
        assert secret not in clearance.text

    declaration = await programme.declaration_of(priya)
    await programme.review("ethics", declaration, "managed", mitigation=MITIGATION)
    after = await programme.get("co_chair_t", "/api/projects/T1/clearance")
    assert {p["volunteer_id"]: p for p in after.json()["people"]}[priya]["cleared_for_this_project"] is True
    assert MITIGATION not in after.text and REASON not in after.text

    assert (await programme.get("co_chair_cp", "/api/projects/T1/clearance")).status_code == 403
    assert (await programme.get("board", "/api/projects/T1/clearance")).status_code == 403
    for path in (
        "/api/conflicts",
        f"/api/conflicts/{declaration}",
        "/api/reports/register-of-interests",
        "/api/reports/register-of-interests.csv",
        "/ethics",
        f"/ethics/declarations/{declaration}",
        "/ethics/register",
        f"/api/volunteers/{priya}",
        "/ethics/projects/T1",
        "/projects/T1",
        "/api/project-reviews",
    ):
        seen = await programme.get("co_chair_t", path)
        assert DESCRIPTION not in seen.text and MITIGATION not in seen.text, path


# --- the register of interests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 401), ("board", 403), ("co_chair_t", 403), ("ethics", 200), ("coordinator", 200)],
)
async def test_who_may_read_the_register(programme: Programme, role: str | None, expected: int) -> None:
    for suffix in ("", ".csv", ".xlsx"):
        assert (await programme.get(role, f"/api/reports/register-of-interests{suffix}")).status_code == expected


async def test_the_register_lists_declarations_outcomes_and_nil_returns_and_exports(
    programme: Programme, db_config: SQLAlchemyAsyncConfig
) -> None:
    hostile = '=HYPERLINK("http://evil.example")'
    priya = await programme.volunteer(
        "priya@example.co.uk",
        conflicts=[{"kind": "financial", "description": hostile, "organisation": "VetCo", "projects": ["T1"]}],
    )
    await programme.volunteer("quiet@example.co.uk", name="Quinn Quiet", no_conflicts=True, conflicts=[])
    await programme.review("ethics", await programme.declaration_of(priya), "managed", mitigation=MITIGATION)

    rows = (await programme.get("ethics", "/api/reports/register-of-interests")).json()["items"]
    assert [(r["volunteer"], r["kind"], r["state"]) for r in rows] == [
        ("Priya Shah", "financial", "managed"),
        ("Quinn Quiet", "nothing_to_declare", ""),
    ]
    assert (rows[0]["description"], rows[0]["mitigation"], rows[0]["projects"]) == (hostile, MITIGATION, "T1")

    exported = await programme.get("coordinator", "/api/reports/register-of-interests.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["volunteer"] for r in table] == ["Priya Shah", "Quinn Quiet"]
    assert table[0]["description"] == "'" + hostile, "formulas are made inert"
    assert table[0]["mitigation"] == MITIGATION

    workbook = await programme.get("ethics", "/api/reports/register-of-interests.xlsx")
    assert workbook.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(workbook.content))
    sheet = pl.read_excel(io.BytesIO(workbook.content))
    assert sheet["volunteer"].to_list() == ["Priya Shah", "Quinn Quiet"]
    assert sheet["state"].to_list()[0] == "managed"

    async with session_scope(db_config) as session:
        downloads = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "ethics.register_downloaded"))
        ).all()
    assert sorted(e.summary for e in downloads) == [
        "Register of interests downloaded as CSV",
        "Register of interests downloaded as Excel",
    ]


# --- the audit trail ------------------------------------------------------------------------------


async def test_every_change_is_audited_without_declaration_text(
    programme: Programme, db_config: SQLAlchemyAsyncConfig
) -> None:
    priya = await programme.volunteer("priya@example.co.uk")
    declaration = await programme.declaration_of(priya)
    await programme.send("coordinator", "PATCH", f"/api/conflicts/{declaration}", {"kind": "professional"})
    await programme.review("ethics_vetco", declaration, "no_conflict")
    await programme.review("ethics", declaration, "managed", mitigation=MITIGATION)
    await programme.review_project("ethics", "T1", "cleared", "Open standard")
    await programme.offer(priya, "T1")

    async with session_scope(db_config) as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at))).all()
    actions = [e.action for e in entries]
    for action in (
        "ethics.declaration_reclassified",
        "ethics.recused",
        "ethics.declaration_reviewed",
        "ethics.project_reviewed",
        "assignment.offered",
    ):
        assert action in actions
    reviewed = next(e for e in entries if e.action == "ethics.declaration_reviewed")
    assert reviewed.changes == {
        "state": {"before": "pending", "after": "managed"},
        "reason": "(changed)",
        "mitigation": "(changed)",
    }
    trail = json.dumps([[e.summary, e.changes] for e in entries])
    for secret in (DESCRIPTION, "VetCo", REASON, MITIGATION):
        assert secret not in trail


# --- the pages ------------------------------------------------------------------------------------


async def test_the_ethics_pages_work_without_javascript(programme: Programme) -> None:
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    queue = await programme.get("ethics", "/ethics")
    assert queue.status_code == 200 and "Priya Shah" in queue.text and "Waited" in queue.text
    assert (await programme.get("ethics", "/ethics", state="odd")).status_code == 400

    page = await programme.get("ethics", f"/ethics/declarations/{declaration}")
    assert page.status_code == 200 and DESCRIPTION in page.text and "Record decision" in page.text
    assert "<script>" not in page.text.split("<main", 1)[1] and "style=" not in page.text

    review_path = f"/ethics/declarations/{declaration}/review"
    missing = await programme.form("ethics", review_path, {"outcome": "managed", "reason": "r"})
    assert missing.status_code == 400 and 'href="#mitigation"' in missing.text
    done = await programme.form(
        "ethics", review_path, {"outcome": "managed", "reason": REASON, "mitigation": MITIGATION}
    )
    assert done.status_code == 303
    shown = await programme.get("ethics", done.headers["location"])
    assert "Decision recorded." in shown.text and MITIGATION in shown.text

    assert "Record decision" not in (await programme.get("coordinator", f"/ethics/declarations/{declaration}")).text
    moved = await programme.form(
        "coordinator",
        f"/ethics/declarations/{declaration}/classification",
        {"kind": "personal", "projects": ["T1", "T2"]},
    )
    assert moved.status_code == 303
    assert "Waiting for review" in (await programme.get("coordinator", moved.headers["location"])).text

    unconditioned = {"outcome": "cleared_with_conditions", "reason": "r"}
    project = await programme.form("ethics", "/ethics/projects/T1", unconditioned)
    assert project.status_code == 400 and 'href="#conditions"' in project.text
    cleared = await programme.form("ethics", "/ethics/projects/T1", {"outcome": "cleared", "reason": "Open standard"})
    assert cleared.status_code == 303
    assert "Review recorded." in (await programme.get("ethics", cleared.headers["location"])).text
    assert "T1" in (await programme.get("ethics", "/ethics/projects")).text
    register = await programme.get("ethics", "/ethics/register")
    assert register.status_code == 200 and "register-of-interests.csv" in register.text

    assert (await programme.get("co_chair_t", "/ethics")).status_code == 403


async def test_the_assignments_page_offers_and_shows_every_rule(programme: Programme) -> None:
    person = await programme.volunteer("priya@example.co.uk", validated=False)
    lead = {"volunteer": "Priya@Example.co.uk", "project": "T1", "role": "lead"}
    refused = await programme.form("coordinator", "/assignments", lead)
    assert refused.status_code == 409
    assert "Only validated people" in refused.text and "waiting for ethics review" in refused.text
    unknown = await programme.form("coordinator", "/assignments", {**lead, "volunteer": "nobody@example.org"})
    assert unknown.status_code == 400 and 'href="#volunteer"' in unknown.text
    async with session_scope(programme.config) as session:
        await session.execute(update(Volunteer).where(Volunteer.id == person).values(identity=Identity.VALIDATED))
    member = {**lead, "project": "CP2", "role": "member", "confirm_uncleared": "yes"}
    done = await programme.form("coordinator", "/assignments", member)
    assert done.status_code == 303
    listed = await programme.get("coordinator", done.headers["location"])
    assert "Place offered." in listed.text and "Priya Shah" in listed.text
    assert (await programme.get("ethics", "/assignments")).status_code == 403


async def test_declaration_text_is_shown_inert_with_its_line_breaks(programme: Programme) -> None:
    marked = [{"kind": "financial", "description": "<b>bold</b>\nline two", "projects": ["T1"]}]
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk", conflicts=marked))
    page = await programme.get("ethics", f"/ethics/declarations/{declaration}")
    assert "<b>bold</b>" not in page.text and "&lt;b&gt;bold&lt;/b&gt;" in page.text
    assert '<span class="sc-preserve-lines">&lt;b&gt;' in page.text
