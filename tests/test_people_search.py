"""Finding anyone on the office's lists: the People filter with any combination of its inputs (the "Any"
options send empty values), one search box that ignores letter case and accents, sortable columns,
pagination that keeps the filters, bulk actions on a selection, and the organisations register and
register of interests paginated."""

from __future__ import annotations

import re

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core.authz import Role
from stepchange.core.database import session_scope
from stepchange.people.models import Identity, Volunteer
from stepchange.people.services import PeopleService
from tests.conftest import Client, make_staff, sign_in

HTML = {"accept": "text/html"}
PEOPLE = [
    ("zoe@venue.example", "Zoë Ávila", "Wembley Stadium Ltd", Identity.EMAIL_CONFIRMED),
    ("sam@mall.example", "Sam Brook", "Westfield Malls", Identity.SUBMITTED),
    ("ann@police.example", "Ann Carter", "Météo Security", Identity.VALIDATED),
]


@pytest.fixture
async def office(client: Client, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    assert (await sign_in(client, "office@example.org")).status_code == 200
    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        for email, name, organisation, identity in PEOPLE:
            details = {"name": name, "phone": "+44 20 7946 0000", "organisation": organisation}
            person = await people.add_person(
                email, {**details, "job_title": "Manager", "sector": "Retail", "hours_per_month": 4}
            )
            person.identity = identity
    return client


async def test_the_filter_with_any_chosen_everywhere_lists_everyone(office: Client) -> None:
    """Pressing Filter with every "Any" option sends empty values: they mean "no filter", never a 400."""
    everyone = await office.get("/people", headers=HTML)
    filtered = await office.get("/people?q=&call=&identity=&project=&role=&sector=", headers=HTML)
    assert filtered.status_code == 200, filtered.text
    assert "Invalid input" not in filtered.text
    assert _count(filtered.text) == _count(everyone.text)
    assert int(_count(everyone.text).replace(",", "")) >= 3


async def test_empty_values_mean_no_filter_on_every_staff_list(office: Client) -> None:
    for path in ("/organisations?q=", "/ethics/register?q=&project=", "/api/volunteers?identity=&call=&role="):
        assert (await office.get(path, headers=HTML)).status_code == 200, path


@pytest.mark.parametrize(
    ("words", "found"),
    [("zoe avila", "Zoë Ávila"), ("ZOË", "Zoë Ávila"), ("meteo", "Ann Carter"), ("SAM@MALL", "Sam Brook")],
)
async def test_one_box_finds_names_addresses_and_organisations_ignoring_case_and_accents(
    office: Client, words: str, found: str
) -> None:
    page = await office.get("/people", params={"q": words}, headers=HTML)
    assert page.status_code == 200
    assert found in page.text
    assert _count(page.text) == "1"


async def test_filters_combine_and_the_list_sorts_by_any_column(office: Client) -> None:
    page = await office.get("/people?q=example&identity=validated", headers=HTML)
    assert "Ann Carter" in page.text and "Sam Brook" not in page.text
    by_name = (await office.get("/people?q=.example&sort=name", headers=HTML)).text
    assert by_name.index("Ann Carter") < by_name.index("Sam Brook") < by_name.index("Zoë Ávila")
    assert 'aria-sort="ascending"' in by_name
    reverse = (await office.get("/people?q=.example&sort=-name", headers=HTML)).text
    assert reverse.index("Zoë Ávila") < reverse.index("Sam Brook") < reverse.index("Ann Carter")
    nonsense = await office.get("/people?sort=phone&page=banana", headers=HTML)
    assert nonsense.status_code == 200


async def test_pages_keep_the_filters_and_the_order(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        for n in range(55):
            details = {"name": f"Page Person {n:02d}", "phone": "", "organisation": "Paging Ltd", "job_title": "x"}
            await people.add_person(f"p{n}@paging.example", {**details, "sector": "Retail", "hours_per_month": 1})
    first = (await office.get("/people?q=paging&sort=name", headers=HTML)).text
    assert "Showing 1 to 50 of 55 people" in first
    assert "Page Person 00" in first and "Page Person 50" not in first
    next_link = re.search(r'href="(/people\?[^"]*page=2[^"]*)"', first)
    assert next_link is not None
    href = next_link.group(1).replace("&amp;", "&")
    assert "q=paging" in href and "sort=name" in href
    second = (await office.get(href, headers=HTML)).text
    assert "Showing 51 to 55 of 55 people" in second
    assert "Page Person 54" in second and "Page Person 00" not in second


async def test_bulk_validate_needs_evidence_for_each_person(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        zoe = await session.scalar(select(Volunteer).where(Volunteer.email == "zoe@venue.example"))
        sam = await session.scalar(select(Volunteer).where(Volunteer.email == "sam@mall.example"))
    assert zoe is not None and sam is not None
    token = await office.csrf()
    form = await office.post(
        "/people/selected", data={"people": [str(zoe.id), str(sam.id)], "action": "validate", "_csrf_token": token}
    )
    assert form.status_code == 200
    assert f"evidence-{zoe.id}" in form.text
    assert "Not ready to validate" in form.text  # Sam has not confirmed
    missing = await office.post(
        "/people/selected/validate", data={"people": [str(zoe.id)], "_csrf_token": token}, follow_redirects=False
    )
    assert missing.status_code == 400
    assert "Zoë Ávila: Enter the evidence you checked" in missing.text
    done = await office.post(
        "/people/selected/validate",
        data={"people": [str(zoe.id)], f"evidence-{zoe.id}": "Passport seen on a video call", "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    async with session_scope(db_config) as session:
        assert (await session.get_one(Volunteer, zoe.id)).identity is Identity.VALIDATED
    page = (await office.get(f"/people/{zoe.id}", headers=HTML)).text
    assert "Validate or reject" not in page, "the form goes once the person is validated"
    assert "Passport seen on a video call" in page


async def test_bulk_export_and_nothing_selected(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        zoe = await session.scalar(select(Volunteer).where(Volunteer.email == "zoe@venue.example"))
    assert zoe is not None
    token = await office.csrf()
    csv = await office.post(
        "/people/selected", data={"people": [str(zoe.id)], "action": "export", "_csrf_token": token}
    )
    assert csv.status_code == 200
    assert "zoe@venue.example" in csv.text and "sam@mall.example" not in csv.text
    none = await office.post("/people/selected", data={"action": "export", "_csrf_token": token})
    assert none.status_code == 400
    assert "Select at least one person" in none.text


def _count(html: str) -> str:
    found = re.search(r"(?:of )?(\d[\d,]*) (?:person|people)\b", html)
    assert found, "the page says how many people it lists"
    return found.group(1)


async def test_the_organisations_register_is_paged_and_searchable(office: Client) -> None:
    token = await office.csrf()
    for n in range(55):
        await office.post(
            "/organisations", data={"action": "organisation", "name": f"Acme Depot {n:02d}", "_csrf_token": token}
        )
    first = (await office.get("/organisations?q=acme depot", headers=HTML)).text
    assert "Showing 1 to 50 of 55 organisations" in first
    assert "Acme Depot 00" in first and "Acme Depot 54" not in first
    for form in ("domain", "part"):  # each form that names an organisation lists only those on this page
        chosen = re.search(rf'value="{form}">.*?</select>', first, re.S)
        assert chosen is not None and chosen.group(0).count("<option") == 50
    last = (await office.get("/organisations?q=ACME-DEPOT&page=2", headers=HTML)).text
    assert "Acme Depot 54" in last and "Acme Depot 00" not in last
    reverse = (await office.get("/organisations?q=acme&sort=-name", headers=HTML)).text
    assert reverse.index("Acme Depot 54") < reverse.index("Acme Depot 53")


async def test_the_register_of_interests_is_paged_and_searchable(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    from stepchange.ethics.models import ConflictKind, Declaration, ReviewState

    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        for n in range(52):
            details = {"name": f"Reg Person {n:02d}", "phone": "", "organisation": "Régie", "job_title": "x"}
            person = await people.add_person(f"r{n}@reg.example", {**details, "sector": "Retail", "hours_per_month": 1})
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
    first = await office.get("/ethics/register?q=regie", headers=HTML)
    assert first.status_code == 200, first.text
    assert "Showing 1 to 50 of 52 entries" in first.text
    assert "Reg Person 00" in first.text and "Reg Person 51" not in first.text
    second = (await office.get("/ethics/register?q=regie&page=2", headers=HTML)).text
    assert "Reg Person 51" in second
    nothing = (await office.get("/ethics/register?q=regie&kind=nothing_to_declare", headers=HTML)).text
    assert "No entries match" in nothing


async def test_bulk_reminder_sends_a_fresh_link_only_to_people_with_something_to_confirm(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    from stepchange.core.mail import OutboxMessage
    from tests.test_interest import open_a_call, submission

    await open_a_call(db_config)
    token = await office.csrf()
    sent = await office.post("/api/interest", json=submission(), headers={"x-csrftoken": token})
    assert sent.status_code == 201, sent.text
    async with session_scope(db_config) as session:
        priya = await session.scalar(select(Volunteer).where(Volunteer.email == "priya.shah@example.co.uk"))
        sam = await session.scalar(select(Volunteer).where(Volunteer.email == "sam@mall.example"))
        assert priya is not None and sam is not None
        before = len((await session.scalars(select(OutboxMessage.id))).all())
    page = await office.post(
        "/people/selected", data={"people": [str(priya.id), str(sam.id)], "action": "remind", "_csrf_token": token}
    )
    assert page.status_code == 200
    assert "1 person sent a fresh confirmation link" in page.text
    assert "1 of the selected was not sent one" in page.text
    async with session_scope(db_config) as session:
        assert len((await session.scalars(select(OutboxMessage.id))).all()) == before + 1
        assert (await session.get_one(Volunteer, priya.id)).reminded_at is not None
