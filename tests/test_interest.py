"""Expressions of interest through HTTP with a real SMTP server: submit, receive, open (nothing changes),
confirm, reuse refused, repeat submission held then merged, closed call refused, every validation rule."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select, text

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration
from stepchange.interest.models import Call, Choice, Expression, HeldSubmission
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from tests.conftest import Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp

BASE = "https://stepchange.example"


def submission(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Priya Shah",
        "email": "Priya.Shah@Example.co.uk",
        "phone": "07700 900123",
        "organisation": "Harbour Cruises Ltd",
        "job_title": "Head of Security",
        "sector": "Transport",
        "choices": [{"project": "T1", "rank": 1, "role": "lead"}, {"project": "CP2", "rank": 2, "role": "member"}],
        "hours_per_month": 8,
        "experience": "Twenty years in maritime security.",
        "credentials": ["CSAS", "SIA licence"],
        "no_conflicts": False,
        "conflicts": [
            {
                "kind": "financial",
                "description": "I hold shares in a vetting firm",
                "organisation": "VetCo",
                "projects": ["T1"],
            }
        ],
        "confidentiality_accepted": True,
    }
    body.update(changes)
    return body


async def open_a_call(
    config: SQLAlchemyAsyncConfig, *, codes: tuple[str, ...] | None = None, **window: dt.datetime
) -> Call:
    now = dt.datetime.now(dt.UTC)
    async with session_scope(config) as session:
        query = select(Project).where(Project.is_priority)
        if codes:
            query = query.where(Project.code.in_(codes))
        projects = list((await session.scalars(query)).all())
        call = Call(
            name=f"Test call {now.timestamp()}",
            opens_at=window.get("opens_at", now - dt.timedelta(days=1)),
            closes_at=window.get("closes_at", now + dt.timedelta(days=30)),
            projects=projects,
        )
        session.add(call)
    return call


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url=BASE)


@pytest.fixture
async def public(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await open_a_call(db_config)
    async with Client(app=create_app(mail_settings)) as browser:
        yield browser


async def submit(browser: Client, body: dict[str, Any]) -> Any:
    return await browser.post("/api/interest", json=body, headers={"x-csrftoken": await browser.csrf()})


async def links_in_mail(config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer) -> list[str]:
    await send_due(config, settings)
    found = [re.findall(r"https://\S+", plain_text(m)) for m in smtp.messages]
    return [link for links in found for link in links]


async def count(config: SQLAlchemyAsyncConfig, model: Any) -> int:
    async with session_scope(config) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def the_person(config: SQLAlchemyAsyncConfig) -> Volunteer:
    async with session_scope(config) as session:
        return (await session.scalars(select(Volunteer))).one()


async def test_the_whole_journey_submit_receive_open_confirm_reuse(
    public: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    response = await submit(public, submission())
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "awaiting_confirmation"

    person = await the_person(db_config)
    assert (person.email, person.identity, person.phone) == ("priya.shah@example.co.uk", "submitted", "+447700900123")
    [link] = await links_in_mail(db_config, mail_settings, smtp)
    assert smtp.messages[0]["To"] == "priya.shah@example.co.uk"
    assert link.startswith(f"{BASE}/interest/verify/")
    path = link.removeprefix(BASE)

    page = await public.get(path)
    assert page.status_code == 200
    assert "Confirm" in page.text
    assert (await the_person(db_config)).identity == "submitted", "opening the link (GET) changes nothing"

    token = path.rsplit("/", 1)[1]
    confirmed = await public.post(
        "/api/interest/verify", json={"token": token}, headers={"x-csrftoken": await public.csrf()}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert (await the_person(db_config)).identity == "email_confirmed"

    reused = await public.post(
        "/api/interest/verify", json={"token": token}, headers={"x-csrftoken": await public.csrf()}
    )
    assert reused.status_code == 409
    assert reused.json()["rules"][0]["rule"] == "link_used"
    assert "already been used" in (await public.get(path)).text


async def test_the_office_looks_people_up_by_address_in_any_case(
    public: Client, db_config: SQLAlchemyAsyncConfig, browsers: Any
) -> None:
    await submit(public, submission())
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await browsers()
    await sign_in(office, "office@example.org")
    found = (await office.get("/api/volunteers", params={"email": "PRIYA.shah@example.co.uk"})).json()
    assert found["total"] == 1
    person = found["items"][0]
    assert person["identity"] == "submitted"
    assert [c["project"] for c in person["expressions"][0]["choices"]] == ["T1", "CP2"]
    assert person["expressions"][0]["choices"][0]["role"] == "lead"
    assert "conflicts" not in person and "phone" not in person, "no declarations or phone in the look-up"
    one = await office.get(f"/api/volunteers/{person['id']}")
    assert one.json()["email"] == "priya.shah@example.co.uk"
    assert (await public.get("/api/volunteers")).status_code == 401
    assert (await office.get("/api/volunteers?email=nobody@example.org")).json()["total"] == 0


async def test_a_repeat_submission_is_held_until_confirmed_then_replaces_the_choices(
    public: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    first = await submit(public, submission())
    [first_link] = await links_in_mail(db_config, mail_settings, smtp)
    await public.post(first_link.removeprefix(BASE), data={"_csrf_token": await public.csrf()})

    again = submission(
        email="priya.shah@example.co.uk",
        choices=[{"project": "SR5", "rank": 1, "role": "member"}],
        hours_per_month=4,
        name="Priya Shah-Jones",
        conflicts=[],
        no_conflicts=True,
    )
    second = await submit(public, again)
    assert second.status_code == first.status_code == 201
    assert set(second.json()) == set(first.json()), "the answer looks the same for a known address"
    assert second.json()["status"] == first.json()["status"]
    assert await count(db_config, HeldSubmission) == 1
    async with session_scope(db_config) as session:
        codes = (await session.scalars(select(Project.code).join(Choice, Choice.project_id == Project.id))).all()
    assert sorted(codes) == ["CP2", "T1"], "nothing changes until the address confirms"

    links = await links_in_mail(db_config, mail_settings, smtp)
    confirm = await public.post(links[-1].removeprefix(BASE), data={"_csrf_token": await public.csrf()})
    assert confirm.status_code == 200
    async with session_scope(db_config) as session:
        codes = (await session.scalars(select(Project.code).join(Choice, Choice.project_id == Project.id))).all()
        expression = (await session.scalars(select(Expression))).one()
        person = (await session.scalars(select(Volunteer))).one()
    assert codes == ["SR5"]
    assert (expression.hours_per_month, person.name, person.hours_per_month) == (4, "Priya Shah-Jones", 4)
    assert await count(db_config, Volunteer) == 1
    assert await count(db_config, Expression) == 1
    assert await count(db_config, HeldSubmission) == 0


async def test_a_held_submission_never_confirmed_changes_nothing(
    public: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await submit(public, submission())
    await submit(
        public, submission(email="PRIYA.SHAH@example.co.uk", choices=[{"project": "TT1", "rank": 1, "role": "lead"}])
    )
    async with session_scope(db_config) as session:
        codes = (await session.scalars(select(Project.code).join(Choice, Choice.project_id == Project.id))).all()
    assert sorted(codes) == ["CP2", "T1"]


async def test_declarations_and_phone_numbers_are_encrypted_at_rest(
    public: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await submit(public, submission())
    async with session_scope(db_config) as session:
        raw = (await session.execute(text("SELECT description, organisation FROM declaration"))).one()
        phone = await session.scalar(text("SELECT phone FROM volunteer"))
        declaration = (await session.scalars(select(Declaration))).one()
    assert "shares" not in raw[0] and "VetCo" not in raw[1]
    assert "7700" not in phone
    assert declaration.description == "I hold shares in a vetting firm"
    assert [p.code for p in declaration.projects] == ["T1"]
    assert declaration.state == "pending"


async def test_outside_the_window_the_call_is_refused_saying_when(
    mail_settings: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with Client(app=create_app(mail_settings)) as browser:
        refused = await submit(browser, submission())
        assert refused.status_code == 409
        problem = refused.json()
        assert problem["rules"][0]["rule"] == "call_closed"
        assert "11:59pm on Friday 25 May 2018" in problem["detail"]
        assert await count(db_config, Volunteer) == 0

        later = await open_a_call(db_config, opens_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
        early = await submit(browser, submission(call=str(later.id)))
        assert early.status_code == 409
        assert early.json()["rules"][0]["rule"] == "call_not_open"


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"email": "not an address"}, ["email"]),
        ({"phone": "12"}, ["phone"]),
        ({"choices": [{"project": "ZZ9", "rank": 1, "role": "lead"}]}, ["choices[0].project"]),
        (
            {"choices": [{"project": "T1", "rank": 1, "role": "lead"}, {"project": "T1", "rank": 2, "role": "member"}]},
            ["choices[1].project"],
        ),
        (
            {"choices": [{"project": "T1", "rank": 1, "role": "lead"}, {"project": "T2", "rank": 1, "role": "member"}]},
            ["choices[1].rank"],
        ),
        ({"choices": []}, ["choices"]),
        ({"hours_per_month": 0}, ["hours_per_month"]),
        ({"hours_per_month": 500}, ["hours_per_month"]),
        ({"confidentiality_accepted": False}, ["confidentiality_accepted"]),
        ({"conflicts": [], "no_conflicts": False}, ["conflicts"]),
        ({"sector": "Piracy"}, ["sector"]),
        ({"name": "  "}, ["name"]),
        ({"name": "Bad\x00Name"}, ["name"]),
        ({"credentials": ["Wizard"]}, ["credentials[0]"]),
        (
            {"conflicts": [{"kind": "financial", "description": "", "projects": ["QQ1"]}]},
            ["conflicts[0].description", "conflicts[0].projects"],
        ),
        (
            {"email": "x", "phone": "x", "choices": [], "hours_per_month": 0, "confidentiality_accepted": False},
            ["email", "phone", "choices", "hours_per_month", "confidentiality_accepted"],
        ),
    ],
)
async def test_every_failing_field_is_named_and_nothing_is_stored(
    public: Client, db_config: SQLAlchemyAsyncConfig, changes: dict[str, Any], fields: list[str]
) -> None:
    response = await submit(public, submission(**changes))
    assert response.status_code == 400, response.text
    named = [e["field"] for e in response.json()["errors"]]
    assert named == fields
    assert await count(db_config, Volunteer) == 0
    assert await count(db_config, Expression) == 0


async def test_projects_not_in_the_call_are_refused(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> None:
    call = await open_a_call(db_config, codes=("T1", "T2"))
    async with Client(app=create_app(mail_settings)) as browser:
        response = await submit(browser, submission(call=str(call.id)))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["choices[1].project"]
    assert "not offered" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ["a list"]},
        {"hours_per_month": "eight"},
        {"choices": "T1"},
        {"choices": [{"project": "T1", "rank": 1, "role": "boss"}]},
        {"email": "x" * 100_000},
        {"experience": "<script>alert(1)</script>" * 400},
        {"unexpected": True},
    ],
)
async def test_hostile_input_is_refused_never_a_500(public: Client, body: dict[str, Any]) -> None:
    response = await submit(public, submission(**body))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_markup_in_text_is_stored_inert(public: Client, db_config: SQLAlchemyAsyncConfig, browsers: Any) -> None:
    await submit(public, submission(name="<b>Priya</b>", experience="<img src=x onerror=alert(1)>"))
    person = await the_person(db_config)
    assert person.name == "<b>Priya</b>"


async def test_resend_answers_alike_and_is_rate_limited(
    mail_settings: Settings, db_config: SQLAlchemyAsyncConfig, smtp: SmtpServer
) -> None:
    await open_a_call(db_config)
    limited = replace(mail_settings, rate_limit_per_minute=3)
    async with Client(app=create_app(limited)) as browser:
        await submit(browser, submission())
        headers = {"x-csrftoken": await browser.csrf()}
        known = await browser.post("/api/interest/resend", json={"email": "priya.shah@example.co.uk"}, headers=headers)
        unknown = await browser.post("/api/interest/resend", json={"email": "nobody@example.org"}, headers=headers)
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()
        links = await links_in_mail(db_config, mail_settings, smtp)
        assert len(links) == 2, "the first link and the resent one"
        blocked = await browser.post("/api/interest/resend", json={"email": "x@example.org"}, headers=headers)
        assert blocked.status_code == 429
        assert "retry-after" in blocked.headers


async def test_the_office_runs_calls(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await browsers()
    await sign_in(office, "office@example.org")
    headers = {"x-csrftoken": await office.csrf()}
    made = await office.post(
        "/api/calls",
        json={"name": "Call 2027", "opens_at": "2026-01-01", "closes_at": "2030-06-30", "projects": ["T1", "cp1"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    call = made.json()
    assert call["is_open"] is True
    assert call["projects"] == ["T1", "CP1"], "in the Call to Action's order"
    assert call["closes_at"].startswith("2030-06-30T23:00:00"), "end of 30 June in UK summer time"
    extended = await office.post(f"/api/calls/{call['id']}/extend", json={"closes_at": "2030-07-31"}, headers=headers)
    assert extended.json()["closes_at"].startswith("2030-07-31T23:00")
    earlier = await office.post(f"/api/calls/{call['id']}/extend", json={"closes_at": "2029-01-01"}, headers=headers)
    assert earlier.status_code == 400
    closed = await office.post(f"/api/calls/{call['id']}/close", headers=headers)
    assert closed.json()["is_open"] is False
    bad = await office.post(
        "/api/calls",
        json={"name": "", "opens_at": "soon", "closes_at": "2020-01-01", "projects": ["ZZ1"]},
        headers=headers,
    )
    assert [e["field"] for e in bad.json()["errors"]] == ["name", "opens_at", "projects[0]"]
    listed = (await (await browsers()).get("/api/calls")).json()
    assert "Call 2027" in [c["name"] for c in listed["items"]]
