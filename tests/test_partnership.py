"""A work-stream run as a partnership group, through the API: terms of reference that members acknowledge,
a subgroup with its own meeting, minutes and actions rolling up, and a maturity self-assessment the board
sees against the last one. Work-stream T is under test; Bella and Paul co-chair it."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.settings import PROJECT_ROOT
from stepchange.governance.partnership_models import MaturityArea
from stepchange.interest.rules import CleanSubmission
from stepchange.interest.services import InterestService
from stepchange.projects.models import Project
from stepchange.seeds import seed
from tests.conftest import Client
from tests.test_governance import Cast, T, bella, cast, fields, past_meeting, rules, send

__all__ = ["bella", "cast"]  # fixtures used by name

TERMS = {
    "mission": "Make transport networks harder targets.",
    "membership": "Operators bring sites; police bring threat briefings.",
    "cadence": "monthly",
    "schedule": "First Wednesday of the month, 10am.",
    "subgroups": "Hostile vehicle mitigation.",
    "action_plans": "Reviewed at every meeting.",
    "minutes": "Recorded by the secretariat; members and the office only.",
    "etiquette": "Send a deputy if you cannot come.",
    "standing_items": ["Apologies", "Threat update", "Actions"],
}


async def actions_of(config: SQLAlchemyAsyncConfig, prefix: str) -> list[str]:
    async with session_scope(config) as session:
        rows = await session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix)))
        return list(rows.all())


async def on_roster(office: Client, cast: Cast, who: str) -> str:
    response = await send(office, "POST", f"{T}/roster", {"staff_user_id": cast.ids[who]})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def placed_volunteer(config: SQLAlchemyAsyncConfig, project: str = "T1") -> str:
    """A volunteer who accepted a place on ``project``, straight through the tables."""
    async with session_scope(config) as session:
        clean = CleanSubmission(
            name="Vic Volunteer", email="vic@example.org", phone="+447700900002", organisation="Rail Co",
            job_title="Manager", sector="Transport", hours_per_month=4, experience="", credentials=[],
            no_conflicts=True, choices=[],
        )  # fmt: skip
        person = await InterestService(session=session)._new_person(clean)
        project_id = await session.scalar(select(Project.id).where(Project.code == project))
        session.add(
            Assignment(
                volunteer_id=person.id, project_id=project_id, role=AssignmentRole.MEMBER,
                status=AssignmentStatus.ACCEPTED, offered_by="office",
            )
        )  # fmt: skip
        await session.commit()
        return str(person.id)


# --- terms of reference -------------------------------------------------------------------------------


async def test_terms_are_drafted_published_and_acknowledged_by_every_member(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    member_line = await on_roster(cast.office, cast, "member")
    dora_line = await on_roster(cast.office, cast, "dora")
    refused = await send(bella, "PUT", f"{T}/terms/draft", {"mission": " ", "standing_items": []})
    assert fields(refused) == {"mission", "cadence", "standing_items"}
    draft = await send(bella, "PUT", f"{T}/terms/draft", TERMS)
    assert draft.status_code == 200 and draft.json()["version"] == 1 and draft.json()["status"] == "draft"

    member = await cast.person("member")
    assert (await member.get(f"{T}/terms")).json()["draft"] is None, "members read the published version only"
    assert rules(await send(member, "POST", f"{T}/terms/acknowledge", {})) == {"no_terms"}
    assert (await send(bella, "POST", f"{T}/terms/publish", {"version": 2})).status_code == 409, "stale version"
    published = await send(bella, "POST", f"{T}/terms/publish", {"version": 1})
    assert published.json()["status"] == "published"
    assert (await bella.get(f"{T}/standing-items")).json()["items"] == TERMS["standing_items"]

    acknowledged = await send(member, "POST", f"{T}/terms/acknowledge", {})
    view = acknowledged.json()
    assert view["not_acknowledged"] == 1
    lines = {a["member_id"]: a for a in view["acknowledgements"]}
    assert lines[member_line]["acknowledged_at"] is not None and lines[dora_line]["acknowledged_at"] is None
    assert lines[member_line]["recorded_by"] == "", "given by the member themselves"
    assert fields(await send(member, "POST", f"{T}/terms/acknowledge", {"member_id": dora_line})) == {"member_id"}
    await send(bella, "POST", f"{T}/terms/acknowledge", {"member_id": dora_line})
    view = (await member.get(f"{T}/terms")).json()
    assert view["not_acknowledged"] == 0
    assert {a["member_id"]: a["recorded_by"] for a in view["acknowledgements"]}[dora_line].startswith("Bella")

    await send(bella, "PUT", f"{T}/terms/draft", {**TERMS, "etiquette": "Phones off."})
    await send(bella, "POST", f"{T}/terms/publish", {"version": 2})
    again = (await member.get(f"{T}/terms")).json()
    assert again["published"]["version"] == 2 and again["not_acknowledged"] == 2, "a new version asks everyone again"
    versions = (await member.get(f"{T}/terms/versions")).json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    for outsider in await cast.outsiders():
        assert (await outsider.get(f"{T}/terms")).status_code == 403
    assert set(await actions_of(db_config, "workstream.terms_")) == {
        "workstream.terms_drafted",
        "workstream.terms_published",
        "workstream.terms_acknowledged",
    }


async def test_a_meeting_off_the_agreed_cadence_is_allowed_but_shown(cast: Cast, bella: Client) -> None:
    await send(bella, "PUT", f"{T}/terms/draft", TERMS)
    await send(bella, "POST", f"{T}/terms/publish", {"version": 1})
    first = await past_meeting(bella, starts_at="2026-01-07T10:00:00")
    on_time = await past_meeting(bella, starts_at="2026-02-04T10:00:00")
    early = await past_meeting(bella, starts_at="2026-02-11T10:00:00")
    assert "Threat update" in [i["title"] for i in first["agenda"]], "standing items come from the terms"
    off = (await bella.get(f"{T}/terms")).json()["off_cadence"]
    assert [(o["meeting_id"], o["days_since_previous"]) for o in off] == [(early["id"], 7)]
    assert on_time["id"] not in {o["meeting_id"] for o in off}


# --- subgroups ----------------------------------------------------------------------------------------


async def test_a_subgroup_meets_and_its_actions_roll_up(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    member_line = await on_roster(cast.office, cast, "member")
    await on_roster(cast.office, cast, "dora")
    volunteer = await placed_volunteer(db_config)
    body: dict[str, Any] = {"name": "Hostile vehicle mitigation", "purpose": "Barriers", "lead": "Bella"}
    assert fields(await send(bella, "POST", f"{T}/subgroups", {**body, "projects": ["CP1"]})) == {"projects"}
    created = await send(bella, "POST", f"{T}/subgroups", {**body, "projects": ["t1"]})
    assert created.status_code == 201, created.text
    assert created.json()["projects"] == ["T1"]
    assert rules(await send(bella, "POST", f"{T}/subgroups", body)) == {"subgroup_name_taken"}
    sub = f"{T}/subgroups/{created.json()['id']}"

    assert fields(await send(bella, "POST", f"{sub}/members", {})) == {"member"}
    await send(bella, "POST", f"{sub}/members", {"roster_member_id": member_line})
    joined = await send(bella, "POST", f"{sub}/members", {"volunteer_id": volunteer})
    assert sorted((m["kind"], m["name"]) for m in joined.json()["members"]) == [
        ("roster", "Member"),
        ("volunteer", "Vic Volunteer"),
    ]
    stranger = await send(bella, "POST", f"{sub}/members", {"volunteer_id": cast.ids["board"]})
    assert fields(stranger) == {"volunteer_id"}

    meeting = await send(
        bella, "POST", f"{sub}/meetings", {"title": "HVM site walk", "starts_at": "2026-03-01T10:00:00"}
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    assert (await send(bella, "PUT", f"{T}/meetings/{meeting_id}/minutes", {"text": "Bollards"})).status_code == 200
    listed = (await bella.get(f"{T}/meetings")).json()["items"]
    assert meeting_id not in {m["id"] for m in listed}, "the group's own meetings list leaves subgroups' out"

    member, dora = await cast.person("member"), await cast.person("dora")
    assert (await member.get(f"{T}/meetings/{meeting_id}/minutes")).status_code == 200
    assert (await dora.get(f"{T}/meetings/{meeting_id}/minutes")).status_code == 403, "not in the subgroup"
    assert (await cast.office.get(f"{T}/meetings/{meeting_id}/minutes")).status_code == 200

    action = await send(
        bella,
        "POST",
        f"{T}/actions",
        {"title": "Survey sites", "owner": "Vic", "due_on": "2026-04-01", "subgroup_id": created.json()["id"]},
    )
    assert action.status_code == 201 and action.json()["subgroup_id"] == created.json()["id"]
    log = (await bella.get(f"{T}/actions")).json()["items"]
    assert [a["title"] for a in log] == ["Survey sites"], "a subgroup's actions are in the work-stream's log"
    await send(bella, "POST", f"{T}/actions/{action.json()['id']}/escalate", {"reason": "No budget"})
    escalated = (await (await cast.person("board")).get("/api/escalations")).json()["items"]
    assert [a["title"] for a in escalated] == ["Survey sites"]
    wrong = await send(bella, "POST", f"{T}/actions", {"title": "x", "owner": "y", "due_on": "2026-04-01",
                                                       "subgroup_id": cast.ids["board"]})  # fmt: skip
    assert fields(wrong) == {"subgroup_id"}
    assert "workstream.subgroup_member_added" in await actions_of(db_config, "workstream.subgroup")


# --- maturity -----------------------------------------------------------------------------------------


async def rate_all(client: Client, level: int, on: str) -> Any:
    areas = (await client.get("/api/maturity/areas")).json()
    ratings = [
        {"area_id": a["id"], "level": level, "evidence": f"Evidence {level}", "next_step": "Next"}
        for a in areas
        if a["active"]
    ]
    return await send(client, "POST", f"{T}/maturity", {"assessed_on": on, "ratings": ratings})


async def test_the_default_matrix_is_seeded_and_the_office_alone_changes_it(cast: Cast, bella: Client) -> None:
    areas = (await bella.get("/api/maturity/areas")).json()
    assert len(areas) == 7 and all(len(a["descriptors"]) == 5 for a in areas)
    new = {"key": "training", "title": "Training", "descriptors": ["a", "b", "c", "d", "e"]}
    assert (await send(bella, "POST", "/api/maturity/areas", new)).status_code == 403
    assert fields(await send(cast.office, "POST", "/api/maturity/areas", {**new, "descriptors": ["a"]})) == {
        "descriptors"
    }
    added = await send(cast.office, "POST", "/api/maturity/areas", new)
    assert added.status_code == 201 and added.json()["position"] == 8
    assert rules(await send(cast.office, "POST", "/api/maturity/areas", new)) == {"area_key_taken"}
    retired = await send(cast.office, "PATCH", f"/api/maturity/areas/{added.json()['id']}", {"active": False})
    assert retired.json()["active"] is False


async def test_an_assessment_is_signed_off_and_the_board_sees_the_movement(cast: Cast, bella: Client) -> None:
    incomplete = await send(bella, "POST", f"{T}/maturity", {"assessed_on": "2099-01-01", "ratings": []})
    assert {"assessed_on", "ratings[0].level", "ratings[0].evidence", "ratings[6].next_step"} <= fields(incomplete)
    first = await rate_all(bella, 2, "2026-01-10")
    assert first.status_code == 201 and first.json()["status"] == "draft"
    signed = f"{T}/maturity/{first.json()['id']}/sign-off"
    assert (await send(cast.office, "POST", signed, {})).status_code == 403, "co-chairs sign off, not the office"
    assert (await send(bella, "POST", signed, {})).json()["status"] == "signed_off"
    assert rules(await send(bella, "POST", signed, {})) == {"already_signed_off"}

    second = await rate_all(bella, 3, "2026-04-10")
    paul = await cast.person("paul")
    await send(paul, "POST", f"{T}/maturity/{second.json()['id']}/sign-off", {})
    view = (await bella.get(f"{T}/maturity")).json()
    assert view["latest"]["assessed_on"] == "2026-04-10" and view["previous"]["assessed_on"] == "2026-01-10"
    assert {(m["level"], m["previous"], m["movement"]) for m in view["movements"]} == {(3, 2, 1)}
    for outsider in await cast.outsiders():
        assert (await outsider.get(f"{T}/maturity")).status_code == 403

    board = await cast.person("board")
    report = (await board.get("/api/reports/maturity")).json()
    rows_t = [r for r in report["items"] if r["workstream"] == "T"]
    assert len(rows_t) == 7 and {(r["level"], r["previous_level"], r["movement"]) for r in rows_t} == {(3, 2, 1)}
    assert {r["level"] for r in report["items"] if r["workstream"] == "CP"} == {None}
    csv = await board.get("/api/reports/maturity/maturity.csv")
    assert csv.status_code == 200 and "Partnership governance" in csv.text
    xlsx = await board.get("/api/reports/maturity/maturity.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (await bella.get("/api/reports/maturity")).status_code == 403


async def test_seeding_again_keeps_the_office_s_edits_to_the_matrix(db_config: SQLAlchemyAsyncConfig) -> None:

    async with session_scope(db_config) as session:
        await session.execute(update(MaturityArea).where(MaturityArea.key == "delivery").values(title="Edited"))
        await session.commit()
    async with session_scope(db_config) as session:
        report = await seed(session, PROJECT_ROOT / "seeds")
        await session.commit()
    assert report.added["maturity areas"] == 0 and report.kept["maturity areas"] == 7
    async with session_scope(db_config) as session:
        title = await session.scalar(select(MaturityArea.title).where(MaturityArea.key == "delivery"))
    assert title == "Edited"
