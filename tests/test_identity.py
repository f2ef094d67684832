"""Knowing who people are, through HTTP: each identity step and who may take it, the domain match,
vouching, validation with evidence, the people views, merge, late entries and the one reminder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.app import create_app
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.interest.models import Call, Expression
from stepchange.interest.services import InterestService
from stepchange.people.models import Identity, IdentityStep, Volunteer
from tests.conftest import Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp
from tests.test_interest import BASE, open_a_call, submission

Browsers = Callable[[], Awaitable[Client]]


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url=BASE)


@pytest.fixture
async def office(mail_settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    await open_a_call(db_config)
    async with Client(app=create_app(mail_settings)) as browser:
        await sign_in(browser, "office@example.org")
        yield browser


async def send(browser: Client, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
    return await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})


async def register(browser: Client, **changes: Any) -> str:
    """Submit as the public would; returns the person's id."""
    response = await send(browser, "/api/interest", submission(**changes))
    assert response.status_code == 201, response.text
    email = changes.get("email", "priya.shah@example.co.uk").lower()
    found = (await browser.get("/api/volunteers", params={"email": email})).json()
    return str(found["items"][0]["id"])


async def confirm_by_mail(browser: Client, config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer) -> None:
    await send_due(config, settings)
    link = re.findall(r"https://\S+", plain_text(smtp.messages[-1]))[0]
    response = await browser.post(link.removeprefix(BASE), data={"_csrf_token": await browser.csrf()})
    assert response.status_code == 200


async def identity_of(office: Client, person_id: str) -> str:
    return str((await office.get(f"/api/volunteers/{person_id}")).json()["identity"])


async def test_the_domain_of_a_confirmed_address_confirms_the_organisation(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    added = await send(
        office, "/api/organisations", {"name": "Harbour Cruises", "domains": ["harbour-cruises.example"]}
    )
    assert added.status_code == 201, added.text
    person = await register(office, email="ann@harbour-cruises.example", organisation="Harbour Cruises Ltd")
    assert await identity_of(office, person) == "submitted"
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    page = (await office.get(f"/api/volunteers/{person}")).json()
    assert page["identity"] == "organisation_confirmed"
    assert [s["step"] for s in page["identity_history"]] == ["submitted", "email_confirmed", "organisation_confirmed"]
    assert "harbour-cruises.example is registered to Harbour Cruises" in page["identity_history"][-1]["how"]


async def test_a_domain_of_another_organisation_or_free_mail_confirms_nothing(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    await send(office, "/api/organisations", {"name": "Venue Group", "domains": ["venue.example"]})
    person = await register(office, email="bob@venue.example", organisation="Harbour Cruises")
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    assert await identity_of(office, person) == "email_confirmed"
    refused = await send(office, "/api/organisations", {"name": "Google Mail Users", "domains": ["gmail.com"]})
    assert refused.status_code == 409
    assert refused.json()["rules"][0]["rule"] == "free_mail_domain"


async def test_adding_a_domain_later_confirms_people_waiting(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    person = await register(office, email="cat@rail.example", organisation="Rail Co")
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    organisation = (await send(office, "/api/organisations", {"name": "Rail Co"})).json()["organisation"]
    added = await send(office, f"/api/organisations/{organisation['id']}/domains", {"domain": "RAIL.example"})
    assert added.status_code == 201
    assert added.json()["people_confirmed"] == 1
    assert added.json()["organisation"]["domains"] == ["rail.example"]
    assert await identity_of(office, person) == "organisation_confirmed"
    taken = await send(office, "/api/organisations", {"name": "Other", "domains": ["rail.example"]})
    assert taken.status_code == 409
    assert taken.json()["rules"][0]["rule"] == "domain_taken"


async def test_validation_needs_a_confirmed_address_and_evidence_and_tells_the_person(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    person = await register(office)
    early = await send(
        office, f"/api/volunteers/{person}/validation", {"decision": "validated", "evidence": "LinkedIn"}
    )
    assert early.status_code == 409
    assert early.json()["rules"][0]["rule"] == "cannot_validate"
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    missing = await send(office, f"/api/volunteers/{person}/validation", {"decision": "validated", "evidence": " "})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "evidence"
    done = await send(
        office, f"/api/volunteers/{person}/validation", {"decision": "validated", "evidence": "Called the switchboard"}
    )
    assert done.status_code == 200
    page = done.json()
    assert page["identity"] == "validated"
    assert page["identity_history"][-1] == {
        **page["identity_history"][-1],
        "by": "Olive Office (coordinator)",
        "how": "Called the switchboard",
    }
    await send_due(db_config, mail_settings)
    told = smtp.messages[-1]
    assert told["Subject"] == "You are validated to take part in Step-Change"
    assert "What happens next" in plain_text(told)


async def test_rejection_is_kind_and_recorded(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    person = await register(office)
    rejected = await send(
        office, f"/api/volunteers/{person}/validation", {"decision": "rejected", "evidence": "Not at that firm"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["identity"] == "rejected"
    await send_due(db_config, mail_settings)
    body = plain_text(smtp.messages[-1])
    assert "Thank you very much for offering your time" in body
    assert "Not at that firm" not in body, "the office's reason stays with the office"


@pytest.mark.parametrize(
    ("role", "workstream", "status"), [("board", None, 403), ("ethics", None, 403), ("co_chair", "T", 403)]
)
async def test_only_the_office_validates(
    office: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig, role: str, workstream: str | None, status: int
) -> None:
    person = await register(office)
    await make_staff(db_config, "other@example.org", role, workstream=workstream)
    other = await browsers()
    await sign_in(other, "other@example.org")
    response = await send(other, f"/api/volunteers/{person}/validation", {"decision": "validated", "evidence": "x"})
    assert response.status_code == status
    assert (await other.get(f"/api/volunteers/{person}")).status_code == 403
    assert (await (await browsers()).get(f"/api/volunteers/{person}")).status_code == 401


async def test_a_co_chair_vouches_only_for_people_interested_in_their_workstream(
    office: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    person = await register(office)  # chose T1 and CP2
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    await make_staff(db_config, "chair.sr@example.org", "co_chair", workstream="SR")
    await make_staff(db_config, "chair.t@example.org", "co_chair", workstream="T", name="Tess Chair")
    other, own = await browsers(), await browsers()
    await sign_in(other, "chair.sr@example.org")
    await sign_in(own, "chair.t@example.org")
    refused = await send(other, f"/api/volunteers/{person}/vouch", {"note": "I know her"})
    assert refused.status_code == 403
    vouched = await send(own, f"/api/volunteers/{person}/vouch", {"note": "Worked with her at the port for years"})
    assert vouched.status_code == 200, vouched.text
    assert vouched.json()["identity"] == "organisation_confirmed"
    history = (await office.get(f"/api/volunteers/{person}")).json()["identity_history"]
    assert history[-1]["by"] == "Tess Chair (co_chair)"
    again = await send(own, f"/api/volunteers/{person}/vouch", {"note": "again"})
    assert again.status_code == 409


async def test_the_people_views_filter_and_export_without_declarations(office: Client) -> None:
    await register(office)
    await register(
        office,
        email="zed@venue.example",
        name="Zed Bloggs",
        sector="Retail",
        organisation='=HYPERLINK("x")',
        choices=[{"project": "SR1", "rank": 1, "role": "member"}],
    )
    everyone = (await office.get("/api/volunteers")).json()
    assert everyone["total"] == 2
    by_project = (await office.get("/api/volunteers?project=t1")).json()
    assert [p["email"] for p in by_project["items"]] == ["priya.shah@example.co.uk"]
    leads = (await office.get("/api/volunteers?role=lead")).json()
    assert [p["email"] for p in leads["items"]] == ["priya.shah@example.co.uk"]
    retail = (await office.get("/api/volunteers?sector=Retail&identity=submitted")).json()
    assert [p["name"] for p in retail["items"]] == ["Zed Bloggs"]
    words = (await office.get("/api/volunteers?q=harbour")).json()
    assert [p["name"] for p in words["items"]] == ["Priya Shah"]
    bad = await office.get("/api/volunteers?identity=famous")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "identity"

    export = await office.get("/api/volunteers/export.csv?sector=Retail")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Zed Bloggs"]
    assert rows[0]["organisation"].startswith("'="), "formulas are made inert"
    assert "shares" not in export.text and "phone" not in rows[0]

    person = (await office.get(f"/api/volunteers/{by_project['items'][0]['id']}")).json()
    assert person["declarations"][0]["state"] == "pending"
    assert person["declarations"][0]["projects"] == ["T1"]
    assert "description" not in person["declarations"][0]


async def test_notes_by_the_office(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    person = await register(office)
    note = await send(office, f"/api/volunteers/{person}/notes", {"text": "Met at the summit"})
    assert note.status_code == 201
    page = (await office.get(f"/api/volunteers/{person}")).json()
    assert [(n["author"], n["text"]) for n in page["notes"]] == [("Olive Office (coordinator)", "Met at the summit")]
    async with session_scope(db_config) as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "volunteer.note_added"))
    assert entry is not None and "summit" not in str(entry.changes)


async def test_merging_two_records_keeps_the_history(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    first = await register(office)
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    second = await register(
        office, email="priya@home.example", choices=[{"project": "TT2", "rank": 1, "role": "member"}]
    )
    await send(office, f"/api/volunteers/{second}/notes", {"text": "Same person as priya.shah"})
    merged = await send(office, f"/api/volunteers/{first}/merge", {"other_id": second})
    assert merged.status_code == 200, merged.text
    page = merged.json()
    assert page["email"] == "priya.shah@example.co.uk"
    assert page["identity"] == "email_confirmed"
    assert [n["text"] for n in page["notes"]] == ["Same person as priya.shah"]
    assert len(page["declarations"]) == 2
    assert "merged with the record for priya@home.example" in page["identity_history"][-1]["how"]
    [expression] = page["expressions"]
    assert [c["project"] for c in expression["choices"]] == ["TT2"], "the later expression for the call stays"
    assert (await office.get(f"/api/volunteers/{second}")).status_code == 404
    assert (await send(office, f"/api/volunteers/{first}/merge", {"other_id": first})).status_code == 400


async def test_a_late_entry_is_marked_late_with_its_reason(
    office: Client, db_config: SQLAlchemyAsyncConfig, browsers: Browsers
) -> None:
    async with session_scope(db_config) as session:
        closed = (await session.scalars(select(Call).where(Call.name == "Step-Change Call to Action 2018"))).one()
    body = {**submission(call=str(closed.id)), "late_reason": "Posted a paper form on 24 May"}
    public = await browsers()
    assert (await send(public, "/api/interest", submission(call=str(closed.id)))).status_code == 409
    late = await send(office, "/api/volunteers/late-entry", body)
    assert late.status_code == 201, late.text
    [expression] = late.json()["expressions"]
    assert expression["late"] is True
    async with session_scope(db_config) as session:
        stored = (await session.scalars(select(Expression))).one()
    assert (stored.late_reason, stored.source) == ("Posted a paper form on 24 May", "office")
    no_reason = await send(office, "/api/volunteers/late-entry", {**body, "late_reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"][0]["field"] == "late_reason"
    assert (await send(public, "/api/volunteers/late-entry", body)).status_code == 401


async def test_one_reminder_to_confirm_after_48_hours(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    await register(office)
    await register(office, email="quick@example.org")
    await confirm_by_mail(office, db_config, mail_settings, smtp)  # the second person confirms at once
    async with session_scope(db_config) as session:
        await session.execute(update(Expression).values(submitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=49)))
    async with session_scope(db_config) as session:
        assert await InterestService(session=session).send_reminders(mail_settings) == 1
    async with session_scope(db_config) as session:
        assert await InterestService(session=session).send_reminders(mail_settings) == 0, "only one reminder"
    before = len(smtp.messages)
    await send_due(db_config, mail_settings)
    [reminder] = smtp.messages[before:]
    assert reminder["To"] == "priya.shah@example.co.uk"
    assert "A reminder" in plain_text(reminder)
    link = re.findall(r"https://\S+", plain_text(reminder))[0]
    confirmed = await office.post(link.removeprefix(BASE), data={"_csrf_token": await office.csrf()})
    assert confirmed.status_code == 200, "the reminder's link confirms"
    async with session_scope(db_config) as session:
        steps = (
            await session.scalars(
                select(IdentityStep.step).join(Volunteer).where(Volunteer.email == "priya.shah@example.co.uk")
            )
        ).all()
    assert Identity.EMAIL_CONFIRMED in steps


async def test_the_people_pages_for_the_office(
    office: Client, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer
) -> None:
    person = await register(office)
    listing = await office.get("/people?q=priya")
    assert listing.status_code == 200 and "Priya Shah" in listing.text
    page = await office.get(f"/people/{person}")
    assert "Financial interest touching T1: <strong>Waiting for review</strong>" in page.text
    assert "vetting firm" not in page.text, "declarations' text is not on the office's people pages"
    token = await office.csrf()
    refused = await office.post(
        f"/people/{person}", data={"action": "decide", "decision": "validated", "evidence": "x", "_csrf_token": token}
    )
    assert refused.status_code == 409 and "Only people whose address is confirmed" in refused.text
    await confirm_by_mail(office, db_config, mail_settings, smtp)
    done = await office.post(
        f"/people/{person}",
        data={"action": "decide", "decision": "validated", "evidence": "Checked the register", "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Validated" in (await office.get(f"/people/{person}")).text


async def test_the_register_page(office: Client) -> None:
    token = await office.csrf()
    added = await office.post(
        "/organisations",
        data={"action": "organisation", "name": "Port Authority", "_csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = await office.get("/organisations")
    assert "Port Authority" in page.text
    organisation_id = re.search(r'<option value="([0-9a-f-]{36})"', page.text)
    assert organisation_id
    bad = await office.post(
        "/organisations",
        data={
            "action": "domain",
            "organisation": organisation_id.group(1),
            "domain": "hotmail.com",
            "_csrf_token": token,
        },
    )
    assert bad.status_code == 409 and "public mail service" in bad.text


async def test_the_office_says_which_part_of_the_programme_an_organisation_belongs_to_on_the_page(
    office: Client,
) -> None:
    token = await office.csrf()
    await office.post("/organisations", data={"action": "organisation", "name": "Port Authority", "_csrf_token": token})
    page = await office.get("/organisations")
    assert "Not classified" in page.text
    found = re.search(r'<option value="([0-9a-f-]{36})"', page.text)
    assert found
    organisation_id = found.group(1)

    unchosen = await office.post(
        "/organisations", data={"action": "part", "part_organisation": organisation_id, "_csrf_token": token}
    )
    assert unchosen.status_code == 400
    assert 'href="#part"' in unchosen.text and "Choose which part of the programme" in unchosen.text

    saved = await office.post(
        "/organisations",
        data={"action": "part", "part_organisation": organisation_id, "part": "other_public", "_csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/organisations?done=part"
    listed = (await office.get("/organisations?done=part")).text
    assert "Part of the programme saved" in listed and "Other public sector" in listed
    api = (await office.get("/api/organisations")).json()
    assert [o["part"] for o in api["items"] if o["name"] == "Port Authority"] == ["other_public"]
