"""The coordination office's desk through HTTP: suggestion order and exclusions on a fixed data set, every
team rule, acceptance by link through a real SMTP server, and the views per role."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.desk.services import Gap
from stepchange.ethics.models import Declaration, ReviewState
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project
from tests.conftest import Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp
from tests.test_interest import BASE, open_a_call, submission

Browsers = Callable[[], Awaitable[Client]]

# A fixed data set: who chose T1, how, and what stands in their way.
PEOPLE = [
    # email, rank of T1, role sought, hours, organisation, identity, declaration state (None = nothing declared)
    ("ann@a.example", 1, "lead", 10, "Alpha Ltd", "validated", None),
    ("bob@b.example", 1, "member", 4, "Beta plc", "validated", "no_conflict"),
    ("cat@c.example", 2, "member", 20, "Alpha Ltd", "validated", None),
    ("dan@d.example", 1, "member", 8, "Delta", "email_confirmed", None),
    ("eve@e.example", 1, "member", 8, "Echo", "validated", "pending"),
    ("fay@f.example", 3, "lead", 8, "Foxtrot", "validated", "excluded"),
]


async def seed_people(browser: Client, config: SQLAlchemyAsyncConfig) -> dict[str, str]:
    for email, rank, role, hours, organisation, _, declared in PEOPLE:
        choices = [
            {"project": code, "rank": r, "role": "member"}
            for r, code in ((1, "CP1"), (2, "CP3"), (3, "CP4"))
            if r != rank
        ]
        choices.append({"project": "T1", "rank": rank, "role": role})
        conflicts = [{"kind": "financial", "description": "shares", "projects": ["T1"]}] if declared else []
        body = submission(
            email=email,
            name=email.split("@")[0].title(),
            organisation=organisation,
            hours_per_month=hours,
            choices=choices,
            conflicts=conflicts,
            no_conflicts=not declared,
        )
        response = await browser.post("/api/interest", json=body, headers={"x-csrftoken": await browser.csrf()})
        assert response.status_code == 201, response.text
    async with session_scope(config) as session:
        for email, *_, identity, declared in PEOPLE:
            await session.execute(update(Volunteer).where(Volunteer.email == email).values(identity=Identity(identity)))
            if declared:
                person = (await session.scalars(select(Volunteer.id).where(Volunteer.email == email))).one()
                await session.execute(
                    update(Declaration).where(Declaration.volunteer_id == person).values(state=ReviewState(declared))
                )
        ids = dict((await session.execute(select(Volunteer.email, Volunteer.id))).all())
    return {email: str(i) for email, i in ids.items()}


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url=BASE)


@pytest.fixture
async def office(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await open_a_call(db_config)
    await make_staff(db_config, "office@example.org", "coordinator")
    await make_staff(db_config, "chair.t@example.org", "co_chair", workstream="T", name="Tess Chair")
    async with Client(app=create_app(mail_settings)) as browser:
        await sign_in(browser, "office@example.org")
        yield browser


async def send(browser: Client, path: str, body: Any = None) -> Any:
    return await browser.post(path, json=body, headers={"x-csrftoken": await browser.csrf()})


async def test_suggestions_in_order_with_reasons_and_exclusions(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    ids = await seed_people(office, db_config)
    body = (await office.get("/api/desk/projects/T1/suggestions")).json()
    assert [s["name"] for s in body["suggested"]] == ["Ann", "Bob", "Cat"], "a lead first while none; then rank, hours"
    ann = body["suggested"][0]
    assert (ann["rank"], ann["role_sought"], ann["hours_free"], ann["identity"]) == (1, "lead", 10, "validated")
    refused = {s["name"]: s["refused_because"] for s in body["cannot_be_assigned"]}
    assert set(refused) == {"Dan", "Eve", "Fay"}
    assert "Only validated people" in refused["Dan"][0]
    assert "waiting for ethics review" in refused["Eve"][0]
    assert "excluded this person from T1" in refused["Fay"][0]
    await send(
        office, "/api/desk/offers", {"volunteer_id": ids["ann@a.example"], "project": "T1", "role": "lead", "hours": 5}
    )
    after = (await office.get("/api/desk/projects/T1/suggestions")).json()
    cat = next(s for s in after["suggested"] if s["name"] == "Cat")
    assert cat["same_company_as_team"] is True, "a team drawn from one company is flagged"
    assert [s["name"] for s in after["suggested"]] == ["Bob", "Cat"]


async def test_team_rules_refuse_naming_the_rule(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    ids = await seed_people(office, db_config)
    too_many = await send(
        office,
        "/api/desk/offers",
        {"volunteer_id": ids["bob@b.example"], "project": "T1", "role": "member", "hours": 6},
    )
    assert too_many.status_code == 409
    assert too_many.json()["rules"][0]["rule"] == "hours_exceeded"
    overridden = await send(
        office,
        "/api/desk/offers",
        {
            "volunteer_id": ids["bob@b.example"],
            "project": "T1",
            "role": "member",
            "hours": 6,
            "override": "Agreed by phone",
        },
    )
    assert overridden.status_code == 201
    both = await send(
        office, "/api/desk/offers", {"volunteer_id": ids["dan@d.example"], "project": "T1", "role": "lead", "hours": 50}
    )
    assert {r["rule"] for r in both.json()["rules"]} == {"hours_exceeded", "not_validated"}, "every broken rule named"
    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "T1").values(wanted_team_size=1))
    full = await send(
        office,
        "/api/desk/offers",
        {"volunteer_id": ids["cat@c.example"], "project": "T1", "role": "member", "hours": 2},
    )
    assert "team_full" in [r["rule"] for r in full.json()["rules"]]
    bad = await send(
        office,
        "/api/desk/offers",
        {"volunteer_id": ids["cat@c.example"], "project": "T1", "role": "member", "hours": 0},
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "hours"


async def test_acceptance_by_link_staffs_the_project_and_tells_the_co_chairs(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    ids = await seed_people(office, db_config)
    offered = await send(
        office, "/api/desk/offers", {"volunteer_id": ids["ann@a.example"], "project": "T1", "role": "lead", "hours": 6}
    )
    assert offered.status_code == 201, offered.text
    assert (await office.get("/api/projects/T1")).json()["status"] == "recruiting", "offers out: recruiting"
    await send_due(db_config, mail_settings)
    offer_mail = next(m for m in smtp.messages if m["To"] == "ann@a.example" and "place" in m["Subject"])
    assert any(m["To"] == "chair.t@example.org" for m in smtp.messages), "the co-chairs are told"
    link = re.findall(r"https://\S+", plain_text(offer_mail))[0].removeprefix(BASE)
    page = await office.get(link)
    assert page.status_code == 200 and "Accept the place" in page.text
    accepted = await office.post(link, data={"answer": "accept", "_csrf_token": await office.csrf()})
    assert accepted.status_code == 200 and "Place accepted" in accepted.text
    project = (await office.get("/api/projects/T1")).json()
    assert project["status"] == "staffed", "a project moves to staffed once its lead accepts"
    again = await office.post(link, data={"answer": "decline", "_csrf_token": await office.csrf()})
    assert again.status_code == 409
    history = (await office.get("/api/projects/T1/updates")).json()["items"]
    assert [u["status"] for u in history] == ["staffed", "recruiting"]
    assert history[0]["author"] == "Step-Change (automatic)"


async def test_ending_and_replacing_a_lead_keep_history(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    ids = await seed_people(office, db_config)
    first = (
        await send(
            office,
            "/api/desk/offers",
            {"volunteer_id": ids["ann@a.example"], "project": "T1", "role": "lead", "hours": 2},
        )
    ).json()
    no_reason = await send(office, f"/api/desk/assignments/{first['id']}/end", {"reason": ""})
    assert no_reason.status_code == 400
    replaced = await send(
        office,
        "/api/desk/projects/T1/replace-lead",
        {"volunteer_id": ids["cat@c.example"], "hours": 2, "reason": "Ann moved abroad"},
    )
    assert replaced.status_code == 201, replaced.text
    team = (await office.get("/api/desk/projects/T1/team")).json()["items"]
    assert [(m["name"], m["role"], m["status"]) for m in team] == [("Ann", "lead", "ended"), ("Cat", "lead", "offered")]
    assert (
        await send(
            office,
            "/api/desk/projects/T2/replace-lead",
            {"volunteer_id": ids["bob@b.example"], "hours": 2, "reason": "x"},
        )
    ).json()["rules"][0]["rule"] == "no_lead"


async def test_people_not_placed_get_a_kind_message_once(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    calls = (await office.get("/api/calls")).json()["items"]
    call_id = next(c["id"] for c in calls if c["is_open"])
    ids = await seed_people(office, db_config)
    async with session_scope(db_config) as session:
        from stepchange.interest.models import Expression, ExpressionStatus

        await session.execute(update(Expression).values(status=ExpressionStatus.CONFIRMED))
    await send(
        office, "/api/desk/offers", {"volunteer_id": ids["ann@a.example"], "project": "T1", "role": "lead", "hours": 2}
    )
    told = await send(office, f"/api/desk/calls/{call_id}/finish")
    assert told.json() == {"told": 5}
    assert (await send(office, f"/api/desk/calls/{call_id}/finish")).json() == {"told": 0}
    await send_due(db_config, mail_settings)
    kind = [m for m in smtp.messages if m["Subject"] == "Thank you for offering to help Step-Change"]
    assert sorted(m["To"] for m in kind) == sorted(e for e, *_ in PEOPLE if e != "ann@a.example")


async def test_views_per_role(office: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig) -> None:
    await seed_people(office, db_config)
    assert (await office.get("/api/desk")).json()["awaiting_validation"] == 1
    page = await office.get("/desk/projects/T1")
    assert page.status_code == 200 and "Cannot be assigned yet" in page.text
    chair = await browsers()
    await sign_in(chair, "chair.t@example.org")
    own = await chair.get("/desk/projects/T1")
    assert own.status_code == 200
    assert "Ann" in own.text and "shares" not in own.text and "Declarations:" not in own.text
    assert (await chair.get("/api/desk/projects/T1/team")).status_code == 200
    assert (await chair.get("/api/desk/projects/CP1/team")).status_code == 403
    assert (await chair.get("/api/desk/projects/T1/suggestions")).status_code == 403
    assert (await chair.get("/api/desk")).status_code == 403
    csv_export = await office.get("/api/desk/projects/T1/team.csv")
    assert csv_export.status_code == 200 and csv_export.text.lstrip("\ufeff").startswith("name,organisation")


@pytest.mark.parametrize(
    ("team", "lead", "missing"),
    [(0, False, 5), (1, True, 4), (4, False, 1), (5, False, 1), (5, True, 0), (6, True, 0)],
)
def test_places_to_fill_count_the_lead_within_the_wanted_team(team: int, lead: bool, missing: int) -> None:
    project = Project(code="T1", title="t", action="", vision="", wanted_team_size=5)
    assert Gap(project, lead, team).missing == missing


# --- one offer path: the office's two doors (the desk and /api/assignments) obey the same rules ----------

DOORS = ["/api/desk/offers", "/api/assignments"]


async def offer_through(
    browser: Client, door: str, volunteer_id: str, *, role: str = "member", hours: int = 2, override: str = ""
) -> Any:
    body: dict[str, Any] = {"volunteer_id": volunteer_id, "project": "T1", "role": role, "hours": hours}
    if override:
        body["override"] = override
    return await send(browser, door, body)


async def quiet_people(browser: Client, config: SQLAlchemyAsyncConfig, count: int) -> list[str]:
    """Validated people with nothing to declare who chose T1."""
    emails = [f"helper{i}@h{i}.example" for i in range(count)]
    for i, email in enumerate(emails):
        body = submission(
            email=email,
            name=f"Helper {i}",
            organisation=f"Helper {i} Ltd",
            choices=[{"project": "T1", "rank": 1, "role": "member"}],
            conflicts=[],
            no_conflicts=True,
        )
        assert (await send(browser, "/api/interest", body)).status_code == 201
    async with session_scope(config) as session:
        await session.execute(update(Volunteer).where(Volunteer.email.in_(emails)).values(identity=Identity.VALIDATED))
        ids = dict((await session.execute(select(Volunteer.email, Volunteer.id))).all())
    return [str(ids[email]) for email in emails]


@pytest.mark.parametrize("door", DOORS)
async def test_an_over_commitment_needs_an_override_reason_whichever_door(
    office: Client, db_config: SQLAlchemyAsyncConfig, door: str
) -> None:
    ids = await seed_people(office, db_config)
    bob = ids["bob@b.example"]  # offered 4 hours a month
    refused = await offer_through(office, door, bob, hours=50)
    assert refused.status_code == 409, refused.text
    assert [r["rule"] for r in refused.json()["rules"]] == ["hours_exceeded"]
    overridden = await offer_through(office, door, bob, hours=50, override="Agreed by phone with Bob")
    assert overridden.status_code == 201, overridden.text
    assert overridden.json()["hours"] == 50


@pytest.mark.parametrize("door", DOORS)
async def test_a_team_of_five_refuses_a_sixth_member_whichever_door(
    office: Client, db_config: SQLAlchemyAsyncConfig, door: str
) -> None:
    people = await quiet_people(office, db_config, 6)
    for person in people[:5]:
        assert (await offer_through(office, door, person)).status_code == 201
    sixth = await offer_through(office, door, people[5])
    assert sixth.status_code == 409, sixth.text
    assert [r["rule"] for r in sixth.json()["rules"]] == ["team_full"]


@pytest.mark.parametrize("door", DOORS)
async def test_the_offer_is_emailed_and_moves_the_project_whichever_door(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, door: str
) -> None:
    ids = await seed_people(office, db_config)
    offered = await offer_through(office, door, ids["ann@a.example"], role="lead", hours=6)
    assert offered.status_code == 201, offered.text
    assert (await office.get("/api/projects/T1")).json()["status"] == "recruiting"
    await send_due(db_config, mail_settings)
    to_ann = [m for m in smtp.messages if m["To"] == "ann@a.example" and "place" in m["Subject"]]
    assert [m["Subject"] for m in to_ann] == ["A place on Step-Change project T1"], "one offer, one e-mail"
    text = plain_text(to_ann[0]).replace("\r\n", "\n")
    assert text.startswith("Dear Ann,\n\nThe programme office would like you to be lead for T1: ")
    assert ", for about 6 hours a month.\n\nAccept or decline here" in text
    assert "(the link works once and expires in 14 days):\n" in text
    link = re.findall(r"https://\S+", text)[0].removeprefix(BASE)
    assert "Accept the place" in (await office.get(link)).text
    to_chair = [m["Subject"] for m in smtp.messages if m["To"] == "chair.t@example.org"]
    assert to_chair == ["Step-Change: T1 has offered a lead place"]


async def test_the_assignments_page_offers_under_the_same_rules(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await seed_people(office, db_config)
    form = {"volunteer": "bob@b.example", "project": "T1", "role": "member", "hours": "50"}

    async def post(fields: dict[str, str]) -> Any:
        data = {**fields, "_csrf_token": await office.csrf()}
        return await office.post("/assignments", data=data, follow_redirects=False)

    refused = await post(form)
    assert refused.status_code == 409
    assert "already has 0; another 50 needs a coordinator" in refused.text
    assert "T1 has not been cleared by its commercial-advantage review yet" in refused.text
    assert (await post({**form, "hours": "many"})).status_code == 400
    offered = await post({**form, "override": "Agreed by phone with Bob", "confirm_uncleared": "yes"})
    assert offered.status_code == 303 and offered.headers["location"] == "/assignments?project=T1&done=offered"
    assert (await office.get("/api/projects/T1")).json()["status"] == "recruiting"
