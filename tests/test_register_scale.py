"""The register of interests and the office's people export at any size (issue 28): the register is
paged by the database (``{items, total, limit, offset}`` on the API, GOV.UK pagination on the page), its
downloads and the people export stream every row in chunks, and the statements a request runs (and the
bind parameters any of them takes) stay the same however many people there are: no statement per row,
and no parameter list that grows with the data (PostgreSQL refuses a statement past 32,767 of them)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core import exports
from stepchange.core.authz import Role
from stepchange.core.database import session_scope
from stepchange.ethics.models import (
    ConflictKind,
    Declaration,
    DeclarationOutcome,
    DeclarationReview,
    ReviewState,
)
from stepchange.interest.models import Choice, ChoiceRole, Expression
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from tests.conftest import Client, make_staff, sign_in
from tests.statements import recorded
from tests.test_interest import open_a_call

HTML = {"accept": "text/html"}
REGISTER = "/api/reports/register-of-interests"


async def add_people(config: SQLAlchemyAsyncConfig, first: int, count: int) -> None:
    """``count`` people numbered from ``first``: each even one declares a conflict naming two projects
    (every fourth reviewed), each odd one says they have nothing to declare; all choose two projects."""
    call = await open_a_call(config)
    now = dt.datetime.now(dt.UTC)
    async with session_scope(config) as session:
        codes = sorted(p.code for p in call.projects)[:2]
        projects = list((await session.scalars(select(Project).where(Project.code.in_(codes)))).all())
        for n in range(first, first + count):
            person = Volunteer(
                email=f"p{n:03d}@scale.example",
                name=f"Person {n:03d}",
                phone="+44 20 7946 0000",
                organisation="Scale Ltd",
                job_title="Guard",
                sector="Retail",
                hours_per_month=4,
            )
            session.add(person)
            await session.flush()
            expression = Expression(
                volunteer_id=person.id,
                call_id=call.id,
                hours_per_month=4,
                no_conflicts=n % 2 == 1,
                statement_version="1",
                statement_accepted_at=now,
                submitted_at=now,
            )
            session.add(expression)
            await session.flush()
            for rank, project in enumerate(projects, start=1):
                session.add(
                    Choice(expression_id=expression.id, project_id=project.id, rank=rank, role=ChoiceRole.MEMBER)
                )
            if n % 2 == 0:
                declared = Declaration(
                    volunteer_id=person.id,
                    kind=ConflictKind.FINANCIAL,
                    description=f"=Shares {n}",
                    organisation="VetCo",
                    state=ReviewState.MANAGED if n % 4 == 0 else ReviewState.PENDING,
                    projects=list(projects),
                )
                session.add(declared)
                await session.flush()
                if n % 4 == 0:
                    session.add(
                        DeclarationReview(
                            declaration_id=declared.id,
                            reviewer="Erin",
                            outcome=DeclarationOutcome.MANAGED,
                            previous_state=ReviewState.PENDING,
                            reason="Kept apart",
                            mitigation=f"Mitigation {n}",
                        )
                    )


@pytest.fixture
async def office(client: Client, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    assert (await sign_in(client, "office@example.org")).status_code == 200
    return client


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few rows, so a handful of people spans several (a person's rows straddle them)."""
    monkeypatch.setattr(exports, "CHUNK", 3)


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_the_register_api_keeps_the_pagination_contract(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await add_people(db_config, 0, 7)

    first = (await office.get(f"{REGISTER}?limit=3")).json()
    last = (await office.get(f"{REGISTER}?limit=3&offset=6")).json()

    assert set(first) == {"items", "total", "limit", "offset"}
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (7, 3, 0, 3)
    assert [r["volunteer"] for r in first["items"]] == ["Person 000", "Person 001", "Person 002"]
    assert (last["total"], last["offset"], [r["volunteer"] for r in last["items"]]) == (7, 6, ["Person 006"])
    managed, nil = first["items"][0], first["items"][1]
    assert (managed["kind"], managed["state"], managed["mitigation"], managed["reviewed_by"]) == (
        "financial",
        "managed",
        "Mitigation 0",
        "Erin",
    )
    assert managed["projects"].count(",") == 1, "both projects, comma-separated"
    assert (nil["kind"], nil["state"], nil["description"]) == ("nothing_to_declare", "", "")


async def test_the_register_page_is_paged_with_govuk_pagination(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await add_people(db_config, 0, 53)

    first = (await office.get("/ethics/register", headers=HTML)).text
    second = (await office.get("/ethics/register?page=2", headers=HTML)).text
    nil_only = (await office.get("/ethics/register?kind=nothing_to_declare", headers=HTML)).text

    assert "Showing 1 to 50 of 53 entries" in first and "govuk-pagination" in first
    assert "Person 049" in first and "Person 050" not in first
    assert "Person 052" in second and "Person 000" not in second
    assert "26 entries." in nil_only, "odd-numbered people: nil returns"


@pytest.mark.usefixtures("small_chunks")
async def test_the_register_downloads_stream_every_row_across_chunks(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await add_people(db_config, 0, 10)

    table = read_csv((await office.get(f"{REGISTER}.csv")).content)
    sheet = pl.read_excel(io.BytesIO((await office.get(f"{REGISTER}.xlsx")).content))

    names = [f"Person {n:03d}" for n in range(10)]
    assert [r["volunteer"] for r in table] == names
    assert sheet["volunteer"].to_list() == names
    assert table[0]["description"] == "'=Shares 0", "formulas are made inert"
    assert sheet["description"].to_list()[0] == "'=Shares 0"
    assert table[4]["mitigation"] == "Mitigation 4" and table[1]["kind"] == "nothing_to_declare"


@pytest.mark.usefixtures("small_chunks")
async def test_the_people_export_streams_one_line_a_person_across_chunks(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await add_people(db_config, 0, 7)

    answer = await office.get("/api/volunteers/export.csv")

    assert answer.headers["cache-control"] == "no-store"
    table = read_csv(answer.content)
    assert [r["name"] for r in table] == [f"Person {n:03d}" for n in reversed(range(7))], "newest first"
    assert all(r["choices"].count("(member)") == 2 and r["calls"] for r in table), "each person's two choices"
    assert "phone" not in table[0] and "+44" not in answer.text


@pytest.mark.usefixtures("small_chunks")
async def test_statements_and_their_parameters_do_not_grow_with_the_people(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    paths = (
        f"{REGISTER}?limit=500",
        f"{REGISTER}.csv",
        f"{REGISTER}.xlsx",
        "/ethics/register",
        "/api/volunteers/export.csv",
    )

    async def runs() -> dict[str, list[tuple[str, int]]]:
        found = {}
        for path in paths:
            with recorded(office.app) as seen:
                assert (await office.get(path, headers=HTML if path.startswith("/ethics") else None)).status_code == 200
            found[path] = [(statement.sql[:60], statement.parameters) for statement in seen]
        return found

    await add_people(db_config, 0, 4)
    few = await runs()
    await add_people(db_config, 4, 16)
    many = await runs()

    for path in paths:
        assert len(many[path]) == len(few[path]), (path, few[path], many[path])
        assert max(n for _, n in many[path]) == max(n for _, n in few[path]), path
