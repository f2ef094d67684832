"""Each role's home after signing in: live counts with links straight to the work; the office's erasure
queue carried out or refused from the pages, with the same rules and audit as the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select

from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.authz import Role
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.ethics.service_level import working_days_between
from stepchange.homes.common import one_month_after
from stepchange.people.models import ErasureRequest, Volunteer
from tests.conftest import PASSWORD, Client, make_staff, sign_in
from tests.journeys import Browsers, a_volunteer_who_did_everything, the_office

HTML = {"accept": "text/html"}


async def _form(client: Client, path: str, **fields: str) -> object:
    return await client.post(path, data={**fields, "_csrf_token": await client.csrf()}, follow_redirects=False)


@pytest.mark.parametrize(
    ("role", "workstream", "heading"),
    [
        (Role.COORDINATOR, None, "Erasure requests"),
        (Role.ETHICS, None, "Declarations waiting for review"),
        (Role.CO_CHAIR, "CP", "Your projects"),
        (Role.BOARD, None, "What needs the board"),
    ],
)
async def test_signing_in_lands_on_the_roles_home(
    client: Client, db_config: SQLAlchemyAsyncConfig, role: Role, workstream: str | None, heading: str
) -> None:
    email = f"{role.value}@example.org"
    await make_staff(db_config, email, role, workstream=workstream)
    login = await _form(client, "/login", email=email, password=PASSWORD)
    assert login.status_code == 303  # type: ignore[attr-defined]
    location = login.headers["location"]  # type: ignore[attr-defined]
    if location.startswith("/account/two-factor") or location.startswith("/login/code"):
        assert "next=%2Fhome" in location
        await sign_in(client, email)
    else:
        assert location == "/home"
    home = await client.get("/home", headers=HTML)
    assert home.status_code == 200, home.text
    assert heading in home.text
    nav = re.search(r"<nav[^>]*service-navigation.*?</nav>", home.text, re.S)
    assert nav is not None
    assert len(re.findall(r"<li class=\"govuk-service-navigation__item", nav.group(0))) <= 7
    assert 'aria-current="page"' in nav.group(0) or "govuk-service-navigation__item--active" in nav.group(0)


async def test_the_office_sees_an_erasure_request_with_its_legal_due_date_and_carries_it_out(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    _, volunteer_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    office = await the_office(browsers, db_config)
    home = (await office.get("/home", headers=HTML)).text
    due = one_month_after(clock.now())
    assert f"/people/{volunteer_id}/erasure/carry-out" in home
    assert f"{due.day} {due:%B %Y}" in home
    person = (await office.get(f"/people/{volunteer_id}", headers=HTML)).text
    assert "asked for their personal data to be erased" in person
    assert "&lt;" not in person, "the page's own markup is never shown as text"
    assert "+447700900123" in person, "the phone number, for identity checks"
    confirm = await office.get(f"/people/{volunteer_id}/erasure/carry-out", headers=HTML)
    assert "This cannot be undone" in confirm.text
    done = await _form(office, f"/people/{volunteer_id}/erasure/carry-out")
    assert done.headers["location"] == "/home?done=erased"  # type: ignore[attr-defined]
    after = (await office.get("/home?done=erased", headers=HTML)).text
    assert f"/people/{volunteer_id}/erasure/carry-out" not in after
    assert "Personal data erased" in after
    async with session_scope(db_config) as session:
        person_row = await session.get_one(Volunteer, volunteer_id)
        assert person_row.erased_at is not None
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == volunteer_id))).all()
        assert "volunteer.erased" in actions
    again = await office.get(f"/people/{volunteer_id}/erasure/carry-out", headers=HTML)
    assert again.status_code == 404


async def test_refusing_an_erasure_needs_a_reason_and_takes_it_out_of_the_queue(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    _, volunteer_id = await a_volunteer_who_did_everything(browsers, db_config, settings)
    office = await the_office(browsers, db_config)
    empty = await _form(office, f"/people/{volunteer_id}/erasure/refuse", reason="  ")
    assert empty.status_code == 400  # type: ignore[attr-defined]
    assert "Enter the reason the erasure is refused" in empty.text  # type: ignore[attr-defined]
    refused = await _form(office, f"/people/{volunteer_id}/erasure/refuse", reason="A legal claim is open")
    assert refused.status_code == 303  # type: ignore[attr-defined]
    assert f"/people/{volunteer_id}/erasure" not in (await office.get("/home", headers=HTML)).text
    async with session_scope(db_config) as session:
        request = await session.scalar(select(ErasureRequest).where(ErasureRequest.volunteer_id == volunteer_id))
        assert request is not None and request.refused_at is not None
        assert request.refusal_reason == "A legal claim is open"
        person = await session.get_one(Volunteer, volunteer_id)
        assert person.erased_at is None
        refusals = await session.scalar(
            select(func.count()).where(
                AuditEntry.action == "volunteer.erasure_refused", AuditEntry.subject_id == volunteer_id
            )
        )
        assert refusals == 1
    api = await office.post(
        f"/api/erasure-requests/{volunteer_id}/refuse",
        json={"reason": "again"},
        headers={"x-csrftoken": await office.csrf()},
    )
    assert api.status_code == 404, "a refused request has left the queue"


async def test_the_office_home_counts_people_waiting_oldest_first(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    await sign_in(client, "office@example.org")
    async with session_scope(db_config) as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(Volunteer)
            .where(Volunteer.identity.in_(["email_confirmed", "organisation_confirmed"]))
        )
    home = (await client.get("/home", headers=HTML)).text
    assert re.search(rf"People waiting for validation <span[^>]*>{waiting}</span>", home)


def test_due_dates_and_working_days() -> None:
    at = dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)
    assert one_month_after(at) == dt.date(2026, 2, 28)
    assert one_month_after(dt.datetime(2026, 12, 15, 12, tzinfo=dt.UTC)) == dt.date(2027, 1, 15)
    friday, next_friday = dt.date(2026, 12, 4), dt.date(2026, 12, 11)
    assert working_days_between(friday, next_friday) == 5
    assert working_days_between(friday, friday + dt.timedelta(days=2)) == 0


async def test_the_board_sees_red_projects_with_their_latest_narrative(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate

    async with session_scope(db_config) as session:
        project = await session.scalar(select(Project).where(Project.code == "T1"))
        assert project is not None
        project.rag = Rag.RED
        session.add(
            StatusUpdate(
                project_id=project.id,
                previous_status=project.status,
                status=project.status,
                rag=Rag.RED,
                summary="Venue partner pulled out",
                author="Tess Chair",
            )
        )
        assert project.status is not ProjectStatus.PIPELINE
    await make_staff(db_config, "board@example.org", Role.BOARD)
    await sign_in(client, "board@example.org")
    home = (await client.get("/home", headers=HTML)).text
    assert 'href="/projects/T1"' in home
    assert "Venue partner pulled out" in home
    assert re.search(r"<strong>1</strong> red", home)
    assert 'href="/reports"' in home


async def test_ethics_sees_declarations_past_the_service_level(
    client: Client, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stepchange.ethics.models import ConflictKind, Declaration, ReviewState
    from stepchange.people.services import PeopleService

    async with session_scope(db_config) as session:
        details = {"name": "Ola Old", "phone": "", "organisation": "Acme", "job_title": "x", "sector": "Retail"}
        person = await PeopleService(session=session).add_person("ola@acme.example", {**details, "hours_per_month": 1})
        await session.flush()
        session.add(
            Declaration(
                volunteer_id=person.id,
                kind=ConflictKind.FINANCIAL,
                description="Shares",
                organisation="Acme",
                state=ReviewState.PENDING,
                projects=[],
            )
        )
    await make_staff(db_config, "ethics@example.org", Role.ETHICS)
    await sign_in(client, "ethics@example.org")
    today = (await client.get("/home", headers=HTML)).text
    assert "Ola Old" in today and "Over 10 days" not in today
    later = clock.now() + dt.timedelta(days=20)
    monkeypatch.setattr("stepchange.core.clock.now", lambda: later)
    overdue = (await client.get("/home", headers=HTML)).text
    assert "Over 10 days" in overdue
    assert re.search(r"<strong>\d+ ha(?:s|ve) waited longer", overdue)
