"""Amendment proposals (issue 26): participants propose, co-chairs or the office accept into a new version
or refuse with a reason, the proposer is e-mailed, a stale proposal stays open; through the API and pages."""

from __future__ import annotations

import re
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.mail import OutboxMessage
from stepchange.projects.models import Project, ProjectStatus, ProjectVersion
from stepchange.projects.proposals import word_diff
from tests.conftest import Client, make_staff, sign_in
from tests.participants import a_volunteer, signed_in_volunteer
from tests.participants import send as _send

NEW_ACTION = "Write and publish guidance for every operator, with a named owner in each firm."


async def send(client: Client, method: str, path: str, body: object = None) -> Any:
    return await _send(client, method, path, body)


async def co_chair(config: SQLAlchemyAsyncConfig, client: Client, workstream: str = "T") -> Client:
    email = f"co-chair-{workstream.lower()}@example.org"
    await make_staff(config, email, "co_chair", workstream=workstream, name=f"Chair {workstream}")
    assert (await sign_in(client, email)).status_code == 200
    return client


async def current(client: Client, code: str = "T1") -> dict[str, Any]:
    found: dict[str, Any] = (await client.get(f"/api/projects/{code}")).json()
    return found


async def propose(client: Client, version: int, **fields: str) -> Any:
    body = {"version": version, "rationale": "Operators asked for an owner.", **fields}
    return await send(client, "POST", "/api/projects/T1/proposals", body)


async def test_a_volunteer_proposes_and_a_co_chair_accepts_into_a_new_version(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    priya_id = await a_volunteer(db_config, "priya@example.org", interested_in=("T1",), name="Priya Shah")
    priya = await signed_in_volunteer(db_config, await browsers(), priya_id)
    chair = await co_chair(db_config, await browsers())
    before = await current(chair)

    made = await propose(priya, before["version"], action=NEW_ACTION, title=before["title"])
    assert made.status_code == 201, made.text
    proposal = made.json()
    assert proposal["status"] == "open"
    action = next(f for f in proposal["fields"] if f["field"] == "action")
    assert action == {"field": "action", "current": before["action"], "proposed": NEW_ACTION, "changed": True}
    assert not next(f for f in proposal["fields"] if f["field"] == "title")["changed"]  # same text: unchanged

    mine = (await priya.get("/api/projects/T1/proposals")).json()
    assert [p["id"] for p in mine["items"]] == [proposal["id"]]
    queue = (await chair.get("/api/projects/T1/proposals?status=open")).json()
    assert queue["total"] == 1 and queue["items"][0]["proposer"] == "Priya Shah"

    decided = await send(
        chair, "POST", f"/api/projects/T1/proposals/{proposal['id']}/decision", {"decision": "accepted", "reason": ""}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted"
    after = await current(chair)
    assert after["version"] == before["version"] + 1 and after["action"] == NEW_ACTION
    versions = (await chair.get("/api/projects/T1/versions")).json()["items"]
    assert [v["version"] for v in versions][:2] == [after["version"], before["version"]]
    async with session_scope(db_config) as session:
        kept = await session.scalar(
            select(ProjectVersion.action).where(ProjectVersion.version == before["version"]).join(Project)
        )
        assert kept == before["action"]
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "project.proposal_accepted"))
        ).one()
        assert str(priya_id) in audit.summary
        mail = (await session.scalars(select(OutboxMessage).where(OutboxMessage.category == "proposal_decided"))).one()
        assert mail.recipient == "priya@example.org" and "accepted" in mail.subject
    again = await send(
        chair, "POST", f"/api/projects/T1/proposals/{proposal['id']}/decision", {"decision": "rejected", "reason": "x"}
    )
    assert again.status_code == 409 and "already accepted" in again.text


async def test_who_may_propose(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    stranger_id = await a_volunteer(db_config, "stranger@example.org", interested_in=("CP2",))
    stranger = await signed_in_volunteer(db_config, await browsers(), stranger_id)
    placed_id = await a_volunteer(db_config, "placed@example.org", placed_on=("T1",))
    placed = await signed_in_volunteer(db_config, await browsers(), placed_id)
    await make_staff(db_config, "board@example.org", "board")
    board = await browsers()
    await sign_in(board, "board@example.org")
    other_chair = await co_chair(db_config, await browsers(), "CP")
    version = (await current(board))["version"]

    for refused in (stranger, board, other_chair):
        answer = await propose(refused, version, action=NEW_ACTION)
        assert answer.status_code == 403, answer.text
        assert "volunteers interested in or placed on this project" in answer.json()["detail"]
    unversioned = await send(
        placed, "POST", "/api/projects/T1/proposals", {"rationale": "Why not", "action": NEW_ACTION}
    )
    assert unversioned.status_code == 201 and unversioned.json()["version"] == version  # the current one
    assert (await stranger.get("/api/projects/T1/proposals")).json()["total"] == 0  # only their own


async def test_refusals_name_the_field_or_the_rule(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    priya_id = await a_volunteer(db_config, "priya@example.org", interested_in=("T1", "T2"))
    priya = await signed_in_volunteer(db_config, await browsers(), priya_id)
    project = await current(priya)
    version = (await current(await co_chair(db_config, await browsers())))["version"]

    unchanged = await propose(priya, version, action=project["action"])
    assert unchanged.status_code == 400 and "Change at least one" in unchanged.text
    no_reason = await send(
        priya, "POST", "/api/projects/T1/proposals", {"version": version, "action": NEW_ACTION, "rationale": "  "}
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "rationale"
    stale = await propose(priya, version + 5, action=NEW_ACTION)
    assert stale.status_code == 409

    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "T1").values(status=ProjectStatus.RECRUITING))
    moved_on = await propose(priya, version, action=NEW_ACTION)
    assert moved_on.status_code == 409
    assert "only while a project is provisional; T1 is recruiting" in moved_on.text


async def test_a_stale_proposal_stays_open_and_a_refusal_needs_a_reason(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    priya_id = await a_volunteer(db_config, "priya@example.org", interested_in=("T1",))
    priya = await signed_in_volunteer(db_config, await browsers(), priya_id)
    chair = await co_chair(db_config, await browsers())
    other_chair = await co_chair(db_config, await browsers(), "CP")
    version = (await current(chair))["version"]
    proposal = (await propose(priya, version, action=NEW_ACTION)).json()
    decision = f"/api/projects/T1/proposals/{proposal['id']}/decision"

    amended = await send(chair, "PATCH", "/api/projects/T1", {"version": version, "vision": "A different vision."})
    assert amended.status_code == 200
    stale = await send(chair, "POST", decision, {"decision": "accepted"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    assert (await chair.get(f"/api/projects/T1/proposals/{proposal['id']}")).json()["status"] == "open"

    assert (await send(other_chair, "POST", decision, {"decision": "rejected", "reason": "No"})).status_code == 403
    no_reason = await send(chair, "POST", decision, {"decision": "rejected", "reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    refused = await send(chair, "POST", decision, {"decision": "rejected", "reason": "Merged by hand instead."})
    assert refused.status_code == 200 and refused.json()["status"] == "rejected"
    async with session_scope(db_config) as session:
        mail = (await session.scalars(select(OutboxMessage).where(OutboxMessage.category == "proposal_decided"))).one()
        assert mail.recipient == "priya@example.org" and "not accepted" in mail.subject
        assert "Merged by hand instead." in mail.text_body


def test_word_diff_marks_removed_and_added_words() -> None:
    pieces = word_diff("Write guidance for operators.", "Write and publish guidance for every operator.")
    assert [(p.kind, p.text.strip()) for p in pieces] == [
        ("equal", "Write"),
        ("insert", "and publish"),
        ("equal", "guidance for"),
        ("delete", "operators."),
        ("insert", "every operator."),
    ]


async def test_the_pages_suggest_compare_and_decide(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    priya_id = await a_volunteer(db_config, "priya@example.org", interested_in=("T1",), name="Priya Shah")
    priya = await signed_in_volunteer(db_config, await browsers(), priya_id)
    chair = await co_chair(db_config, await browsers())
    anonymous = await browsers()
    assert "Suggest a change" in (await priya.get("/projects/T1")).text
    assert "Suggest a change" not in (await anonymous.get("/projects/T1")).text
    assert "Suggest a change" not in (await priya.get("/projects/T2")).text

    form = await priya.get("/projects/T1/proposals/new")
    assert form.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version is not None
    project = await current(priya)
    fields = {"title": project["title"], "action": project["action"], "vision": project["vision"]}
    token = await priya.csrf()
    empty = await priya.post(
        "/projects/T1/proposals/new", data={**fields, "version": version[1], "rationale": "", "_csrf_token": token}
    )
    assert empty.status_code == 400 and "There is a problem" in empty.text and 'href="#title"' in empty.text
    sent = await priya.post(
        "/projects/T1/proposals/new",
        data={**fields, "action": NEW_ACTION, "version": version[1], "rationale": "Owners.", "_csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = await priya.get(sent.headers["location"])
    assert "Suggestion sent" in page.text
    assert "<ins" in page.text and "[added: </span>" in page.text and "<del" in page.text
    assert "Your decision" not in page.text

    queue = await chair.get("/workstreams/T")
    assert "Proposed changes waiting for a decision" in queue.text and "Priya Shah" in queue.text
    assert "Proposed changes waiting" not in (await anonymous.get("/workstreams/T")).text
    link = sent.headers["location"].split("?")[0]
    decide = link + "/decision"
    ctoken = await chair.csrf()
    refused = await chair.post(decide, data={"decision": "rejected", "reason": "", "_csrf_token": ctoken})
    assert refused.status_code == 400 and "Enter the reason" in refused.text
    accepted = await chair.post(
        decide, data={"decision": "accepted", "reason": "Good", "_csrf_token": ctoken}, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert "Proposal accepted" in (await chair.get(accepted.headers["location"])).text
    assert (await current(chair))["action"] == NEW_ACTION
