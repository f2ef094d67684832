"""The desk shows each project's ethics clearance; offering a place on a project not yet cleared warns and
needs the office's confirmation (the one offer rule, whichever door); staff see the team on the project's page."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.ethics.models import ProjectOutcome, ProjectReview
from stepchange.projects.models import Project
from tests.conftest import Client
from tests.test_desk import mail_settings, office, quiet_people, send  # noqa: F401 - the fixtures

HTML = {"accept": "text/html"}


async def offer_on_page(office: Client, volunteer: str, **extra: str) -> Any:  # noqa: F811
    data = {"action": "offer", "volunteer": volunteer, "role": "member", "hours": "2", **extra}
    data["_csrf_token"] = await office.csrf()
    return await office.post("/desk/projects/T1", data=data, headers=HTML, follow_redirects=False)


async def clear(config: SQLAlchemyAsyncConfig, code: str, conditions: str = "") -> None:
    async with session_scope(config) as session:
        project = (await session.scalars(select(Project).where(Project.code == code))).one()
        outcome = ProjectOutcome.CLEARED_WITH_CONDITIONS if conditions else ProjectOutcome.CLEARED
        session.add(
            ProjectReview(project_id=project.id, outcome=outcome, conditions=conditions, reason="Fine", reviewer="Rita")
        )


async def test_an_offer_on_an_uncleared_project_needs_confirming_on_the_page(
    office: Client,  # noqa: F811
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    [helper] = await quiet_people(office, db_config, 1)
    page = await office.get("/desk/projects/T1", headers=HTML)
    assert "Not reviewed yet" in page.text
    assert "has not been cleared by its commercial-advantage review yet. You can still offer places" in page.text
    assert f'id="confirm_uncleared-{helper}"' in page.text

    refused = await offer_on_page(office, helper)
    assert refused.status_code == 409
    assert f'href="#confirm_uncleared-{helper}"' in refused.text, "the error links to that person's box"
    assert "Confirm that you want to offer the place before it is cleared" in refused.text

    offered = await offer_on_page(office, helper, confirm_uncleared="yes")
    assert offered.status_code == 303
    async with session_scope(db_config) as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "assignment.offered_before_clearance" in actions

    desk = await office.get("/desk", headers=HTML)
    assert "Ethics clearance" in desk.text and "Not reviewed yet" in desk.text


async def test_the_api_offers_unless_asked_to_refuse_and_a_cleared_project_needs_no_confirming(
    office: Client,  # noqa: F811
    db_config: SQLAlchemyAsyncConfig,
    mail_settings: Settings,  # noqa: F811
) -> None:
    first, second, third = await quiet_people(office, db_config, 3)
    body = {"project": "T1", "role": "member", "hours": 2}
    refused = await send(office, "/api/assignments", {**body, "volunteer_id": first, "confirm_uncleared": False})
    assert refused.status_code == 409
    assert [r["rule"] for r in refused.json()["rules"]] == ["project_not_cleared"]
    assert (await send(office, "/api/assignments", {**body, "volunteer_id": first})).status_code == 201

    await clear(db_config, "T1", "Guidance names no supplier")
    assert (await offer_on_page(office, second)).status_code == 303, "a cleared project needs no confirming"
    both = await send(office, "/api/desk/offers", {**body, "volunteer_id": third, "confirm_uncleared": False})
    assert both.status_code == 201

    page = await office.get("/desk/projects/T1", headers=HTML)
    assert "Cleared with conditions" in page.text and "Guidance names no supplier" in page.text
    assert "confirm_uncleared" not in page.text
    assert 'href="/projects/T1"' in page.text

    project = await office.get("/projects/T1", headers=HTML)
    assert "Cleared with conditions" in project.text and "Guidance names no supplier" in project.text
    assert "Helper 0" in project.text and "Team member (offered, 2 hours a month)" in project.text
    assert 'href="/desk/projects/T1"' in project.text

    async with Client(app=create_app(mail_settings)) as public:  # a visitor's own server, on its own loop
        seen = await public.get("/projects/T1", headers=HTML)
    assert "Helper 0" not in seen.text and "Guidance names no supplier" not in seen.text
