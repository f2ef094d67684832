"""Volunteer self-service through HTTP with a real SMTP server: sign-in by link, isolation from other
people's records, each change, the export's completeness, and erasure leaving nothing personal behind."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, inspect, select, text, update

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration
from stepchange.interest.models import Call, Choice, Expression
from stepchange.people.models import Volunteer
from tests.conftest import Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp
from tests.test_interest import BASE, open_a_call, submission

Browsers = Callable[[], Awaitable[Client]]
PRIYA = "priya.shah@example.co.uk"


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(with_smtp(settings, smtp), base_url=BASE)


@pytest.fixture
async def app_browsers(mail_settings: Settings) -> AsyncIterator[Browsers]:
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:

        async def open_browser() -> Client:
            return await stack.enter_async_context(Client(app=create_app(mail_settings)))

        yield open_browser


async def send(browser: Client, path: str, body: Any = None, method: str = "POST") -> Any:
    return await browser.request(method, path, json=body, headers={"x-csrftoken": await browser.csrf()})


async def last_link(config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer) -> str:
    await send_due(config, settings)
    return str(re.findall(r"https://\S+", plain_text(smtp.messages[-1]))[-1]).removeprefix(BASE)


@pytest.fixture
async def call(db_config: SQLAlchemyAsyncConfig) -> Call:
    return await open_a_call(db_config)


async def signed_in_volunteer(
    browsers: Browsers, config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer, **changes: Any
) -> Client:
    browser = await browsers()
    assert (await send(browser, "/api/interest", submission(**changes))).status_code == 201
    email = changes.get("email", PRIYA)
    assert (await send(browser, "/api/me/sign-in", {"email": email.upper()})).status_code == 202
    path = await last_link(config, settings, smtp)
    assert path.startswith("/my/sign-in/")
    response = await send(browser, "/api/me/sign-in/complete", {"token": path.rsplit("/", 1)[1]})
    assert response.status_code == 200, response.text
    return browser


async def test_sign_in_by_link_never_says_whether_the_address_is_known(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    record = (await browser.get("/api/me")).json()
    assert record["email"] == PRIYA
    assert [c["project"] for c in record["expressions"][0]["choices"]] == ["T1", "CP2"]
    stranger = await app_browsers()
    known = await send(stranger, "/api/me/sign-in", {"email": PRIYA})
    unknown = await send(stranger, "/api/me/sign-in", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert (await stranger.get("/api/me")).status_code == 401
    path = await last_link(db_config, mail_settings, smtp)
    token = path.rsplit("/", 1)[1]
    assert (await send(stranger, "/api/me/sign-in/complete", {"token": token})).status_code == 200
    reused = await send(stranger, "/api/me/sign-in/complete", {"token": token})
    assert reused.status_code == 409


async def test_a_volunteer_sees_only_their_own_record(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    priya = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    tom = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp, email="tom@venue.example", name="Tom")
    priya_declaration = (await priya.get("/api/me")).json()["declarations"][0]["id"]
    tom_record = (await tom.get("/api/me")).json()
    assert tom_record["name"] == "Tom"
    assert priya_declaration not in str(tom_record)
    stolen = await send(tom, f"/api/me/declarations/{priya_declaration}/withdraw")
    assert stolen.status_code == 404
    for path in (
        "/api/volunteers",
        "/api/conflicts",
        "/api/users",
        "/api/audit",
        f"/api/volunteers/{tom_record['id']}",
    ):
        assert (await tom.get(path)).status_code == 403, path
    assert (await tom.get("/api/projects/T1/updates")).status_code == 403


async def test_changes_while_the_call_is_open_and_not_after(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    changed = await send(
        browser,
        f"/api/me/expressions/{call.id}",
        {"choices": [{"project": "SR1", "rank": 1, "role": "member"}], "hours_per_month": 12},
        method="PATCH",
    )
    assert changed.status_code == 200, changed.text
    expression = changed.json()["expressions"][0]
    assert ([c["project"] for c in expression["choices"]], expression["hours_per_month"]) == (["SR1"], 12)
    bad = await send(
        browser,
        f"/api/me/expressions/{call.id}",
        {"choices": [{"project": "ZZ1", "rank": 1, "role": "member"}], "hours_per_month": 0},
        method="PATCH",
    )
    assert [e["field"] for e in bad.json()["errors"]] == ["choices[0].project", "hours_per_month"]
    async with session_scope(db_config) as session:
        await session.execute(update(Call).where(Call.id == call.id).values(closed_early_at=dt.datetime.now(dt.UTC)))
    closed = await send(
        browser,
        f"/api/me/expressions/{call.id}",
        {"choices": [{"project": "T1", "rank": 1, "role": "lead"}], "hours_per_month": 5},
        method="PATCH",
    )
    assert closed.status_code == 409
    assert closed.json()["rules"][0]["rule"] == "call_closed"


async def test_declarations_go_back_to_review(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    first = (await browser.get("/api/me")).json()["declarations"][0]
    async with session_scope(db_config) as session:
        await session.execute(update(Declaration).values(state="no_conflict"))
    changed = await send(
        browser,
        f"/api/me/declarations/{first['id']}",
        {"kind": "personal", "description": "My brother runs VetCo", "projects": ["T1", "T2"]},
        method="PATCH",
    )
    assert changed.status_code == 200
    declaration = changed.json()["declarations"][0]
    assert (declaration["kind"], declaration["review"], declaration["projects"]) == (
        "personal",
        "pending",
        ["T1", "T2"],
    )
    added = await send(
        browser, "/api/me/declarations", {"kind": "financial", "description": "New shares", "projects": []}
    )
    assert added.status_code == 201
    assert len(added.json()["declarations"]) == 2
    empty = await send(browser, "/api/me/declarations", {"kind": "financial", "description": ""})
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "description"
    withdrawn = await send(browser, f"/api/me/declarations/{first['id']}/withdraw")
    assert (
        withdrawn.json()["declarations"][0] | {"withdrawn": True, "review": "pending"}
        == withdrawn.json()["declarations"][0]
    )


async def test_withdrawing_from_a_project_and_from_the_programme(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    one = await send(browser, f"/api/me/expressions/{call.id}/withdraw", {"project": "cp2"})
    assert one.status_code == 200
    assert [c["project"] for c in one.json()["expressions"][0]["choices"]] == ["T1"]
    assert (await send(browser, f"/api/me/expressions/{call.id}/withdraw", {"project": "CP2"})).status_code == 404
    everything = await send(browser, "/api/me/withdraw")
    assert everything.json()["expressions"][0]["status"] == "withdrawn"


async def test_my_data_holds_everything_about_me(
    app_browsers: Browsers,
    db_config: SQLAlchemyAsyncConfig,
    mail_settings: Settings,
    smtp: SmtpServer,
    call: Call,
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    me = (await browser.get("/api/me")).json()
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await app_browsers()
    await sign_in(office, "office@example.org")
    await send(office, f"/api/volunteers/{me['id']}/notes", {"text": "Spoke on the phone"})
    download = await browser.get("/api/me/data")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    data = download.json()
    assert data["person"]["phone"] == "+447700900123"
    assert data["person"]["organisation"] == "Harbour Cruises Ltd"
    assert data["expressions"][0]["experience"] == "Twenty years in maritime security."
    assert data["expressions"][0]["credentials"] == ["CSAS", "SIA licence"]
    assert [c["project"] for c in data["expressions"][0]["choices"]] == ["T1", "CP2"]
    assert data["declarations"][0]["description"] == "I hold shares in a vetting firm"
    assert [s["step"] for s in data["identity_history"]] == ["submitted"]
    assert data["notes_by_the_office"][0]["text"] == "Spoke on the phone"
    assert {a["action"] for a in data["activity"]} >= {"interest.submitted", "volunteer.signed_in"}


async def test_erasure_leaves_no_personal_data_but_keeps_the_counts(
    app_browsers: Browsers,
    db_config: SQLAlchemyAsyncConfig,
    mail_settings: Settings,
    smtp: SmtpServer,
    call: Call,
) -> None:
    browser = await signed_in_volunteer(app_browsers, db_config, mail_settings, smtp)
    me = (await browser.get("/api/me")).json()
    assert (await send(browser, "/api/me/erasure")).status_code == 202
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await app_browsers()
    await sign_in(office, "office@example.org")
    await send(office, f"/api/volunteers/{me['id']}/notes", {"text": "Priya prefers mornings"})
    queue = (await office.get("/api/erasure-requests")).json()
    assert [r["volunteer_id"] for r in queue["items"]] == [me["id"]]
    assert (await send(office, f"/api/erasure-requests/{me['id']}/erase")).status_code == 200
    assert (await browser.get("/api/me")).status_code == 401, "their session ends"

    before = len(smtp.messages)
    await send_due(db_config, mail_settings)
    [told] = smtp.messages[before:]
    assert told["To"] == PRIYA and "erased" in plain_text(told)

    secrets = [
        "Priya",
        "priya.shah",
        "7700900123",
        "7700 900123",
        "vetting firm",
        "VetCo",
        "Harbour Cruises",
        "Head of Security",
        "Twenty years in maritime",
        "mornings",
    ]
    async with session_scope(db_config) as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()  # noqa: S608 - our own table names
            flat = " ".join(str(v) for row in rows for v in row)
            for secret in secrets:
                assert secret not in flat, f"{secret!r} still in {table}"
        person = (await session.scalars(select(Volunteer))).one()
        assert person.phone == ""
        waiting = await session.scalar(select(func.count()).select_from(Declaration))
        assert waiting == 0, "never reviewed, it leaves with her (a reviewed one stays counted: test_erasure.py)"
        assert await session.scalar(select(func.count()).select_from(Choice)) == 2
        assert await session.scalar(select(func.count()).select_from(Expression)) == 1


async def test_the_self_service_pages(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser = await app_browsers()
    await send(browser, "/api/interest", submission())
    token = await browser.csrf()
    asked = await browser.post("/my", data={"email": PRIYA, "_csrf_token": token}, follow_redirects=False)
    assert asked.headers["location"] == "/my?sent=true"
    path = await last_link(db_config, mail_settings, smtp)
    button = await browser.get(path)
    assert button.status_code == 200
    before = await browser.get("/my/record", headers={"accept": "text/html"}, follow_redirects=False)
    assert before.headers["location"] == "/my", "opening the link signs nobody in"
    signed = await browser.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert signed.headers["location"] == "/my/record"
    page = await browser.get("/my/record")
    assert "I hold shares in a vetting firm" in page.text
    stale, token = token, await browser.csrf()
    assert token != stale, "signing in renews the CSRF token"
    assert f'value="{token}"' in page.text, "the page's forms carry the session's token"
    refused = await browser.post("/my/record", data={"action": "withdraw_project", "_csrf_token": "0" * 64})
    assert refused.status_code == 403, "a token not this session's is refused"
    assert "T1: " in page.text and "CP2: " in page.text, "choices show the project's title"
    asked_first = await browser.post(
        "/my/record",
        data={"action": "withdraw_project", "call": str(call.id), "project": "CP2", "_csrf_token": token},
        follow_redirects=False,
    )
    assert asked_first.headers["location"] == f"/my/confirm/withdraw-choice?call={call.id}&project=CP2"
    sure = await browser.get(asked_first.headers["location"])
    assert "Are you sure you want to withdraw from CP2?" in sure.text and 'name="confirmed" value="yes"' in sure.text
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(Choice)) == 2, "nothing happens before yes"
    withdrawn = await browser.post(
        "/my/record",
        data={
            "action": "withdraw_project",
            "call": str(call.id),
            "project": "CP2",
            "confirmed": "yes",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(Choice)) == 1
    bad = await browser.post(
        "/my/record", data={"action": "declare", "kind": "", "description": "", "_csrf_token": token}
    )
    assert bad.status_code == 400 and 'href="#kind"' in bad.text


async def signed_in_on_pages(
    browsers: Browsers, config: SQLAlchemyAsyncConfig, settings: Settings, smtp: SmtpServer
) -> tuple[Client, str]:
    browser = await browsers()
    await send(browser, "/api/interest", submission())
    token = await browser.csrf()
    await browser.post("/my", data={"email": PRIYA, "_csrf_token": token}, follow_redirects=False)
    path = await last_link(config, settings, smtp)
    await browser.post(path, data={"_csrf_token": token}, follow_redirects=False)
    return browser, await browser.csrf()  # signing in renews the token


async def test_asking_for_a_link_checks_the_address_and_names_it(app_browsers: Browsers, call: Call) -> None:
    browser = await app_browsers()
    token = await browser.csrf()
    half = await browser.post("/my", data={"email": "priya.shah@", "_csrf_token": token})
    assert half.status_code == 400 and "Enter an email address in the correct format" in half.text
    empty = await browser.post("/my", data={"email": "", "_csrf_token": token})
    assert empty.status_code == 400 and "Enter the email address you registered with" in empty.text
    unknown = await browser.post("/my", data={"email": "nobody@example.org", "_csrf_token": token})
    assert "<strong>nobody@example.org</strong>" in unknown.text and "Check your email" in unknown.text
    used = await browser.get("/my/sign-in/made-up-token")
    assert used.status_code == 404 and "Get a new link" in used.text and 'href="/my"' in used.text
    assert 'href="/my"' in (await browser.get("/login")).text, "the sign-in page offers volunteers a link"


async def test_changing_choices_contact_details_and_the_address(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser, token = await signed_in_on_pages(app_browsers, db_config, mail_settings, smtp)
    page = await browser.get(f"/my/choices/{call.id}")
    assert re.search(r'<option value="T1" selected', page.text), "the choices page starts from my choices"
    bad = await browser.post(
        f"/my/choices/{call.id}",
        data={"choices[0].project": "T1", "choices[1].project": "T1", "hours_per_month": "", "_csrf_token": token},
    )
    assert bad.status_code == 400
    assert 'href="#choices-1-project"' in bad.text and 'href="#hours_per_month"' in bad.text, "every error at once"
    assert re.search(r'<option value="T1" selected', bad.text), "the answers are kept"
    good = await browser.post(
        f"/my/choices/{call.id}",
        data={"choices[0].project": "SR2", "choices[0].role": "lead", "hours_per_month": "10", "_csrf_token": token},
        follow_redirects=False,
    )
    assert good.headers["location"] == "/my/record?done=choices"
    assert "SR2: " in (await browser.get("/my/record")).text

    wrong = await browser.post(
        "/my/details",
        data={"name": "", "phone": "12345", "organisation": "Harbour", "job_title": "Head", "_csrf_token": token},
    )
    assert wrong.status_code == 400
    assert re.findall(r'href="#([a-z_]+)"', wrong.text.split("govuk-error-summary__list")[1].split("</ul>")[0]) == [
        "name",
        "phone",
    ]
    moved = await browser.post(
        "/my/details",
        data={
            "name": "Priya Shah-Khan",
            "phone": "+33 1 23 45 67 89",
            "organisation": "Harbour Cruises",
            "job_title": "Director of Security",
            "email": "priya@new.example",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert moved.headers["location"] == "/my/record?done=email"
    async with session_scope(db_config) as session:
        person = (await session.scalars(select(Volunteer))).one()
        assert (person.name, person.phone, person.email) == ("Priya Shah-Khan", "+33123456789", PRIYA)
    link = await last_link(db_config, mail_settings, smtp)
    assert smtp.messages[-1]["To"] == "priya@new.example"
    assert "priya@new.example" in (await browser.get(link)).text
    await browser.post(link, data={"_csrf_token": token})
    async with session_scope(db_config) as session:
        assert (await session.scalars(select(Volunteer))).one().email == "priya@new.example"


async def test_erasure_is_confirmed_first_and_the_record_says_it_was_asked(
    app_browsers: Browsers, db_config: SQLAlchemyAsyncConfig, mail_settings: Settings, smtp: SmtpServer, call: Call
) -> None:
    browser, token = await signed_in_on_pages(app_browsers, db_config, mail_settings, smtp)
    record = await browser.get("/my/record")
    assert 'href="/my/confirm/erasure"' in record.text and 'href="/my/confirm/withdraw-all"' in record.text
    sure = await browser.get("/my/confirm/erasure")
    assert "Are you sure you want us to erase your data?" in sure.text
    first = await browser.post("/my/record", data={"action": "erasure", "_csrf_token": token}, follow_redirects=False)
    assert first.headers["location"] == "/my/confirm/erasure"
    await browser.post("/my/record", data={"action": "erasure", "confirmed": "yes", "_csrf_token": token})
    after = await browser.get("/my/record")
    assert "Erasure requested on " in after.text and 'href="/my/confirm/erasure"' not in after.text
