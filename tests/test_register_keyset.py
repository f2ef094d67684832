"""Deep pages of the register of interests by position (keyset pagination, issue 28): the API's ``Link``
header and the page's previous and next links carry the position of the row a page follows or precedes;
walked either way they neither overlap nor skip a row, and give the same rows as pages by offset (which
the API still takes), a person's declarations split across pages included."""

from __future__ import annotations

import html
import re

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event, select, text

from stepchange.core.database import session_scope, walked_in_order
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState
from stepchange.people.models import Volunteer
from stepchange.reports.register import RegisterFilter, positions_query
from stepchange.reports.register_page import register_page
from tests.conftest import Client
from tests.test_register_scale import HTML, REGISTER, add_people, office

__all__ = ("office",)  # a fixture shared with the register tests

Row = tuple[str, str, str]


async def register_of(config: SQLAlchemyAsyncConfig, people: int) -> None:
    """``people`` people; Person 002 declares three times, so their rows straddle pages of three."""
    await add_people(config, 0, people)
    async with session_scope(config) as session:
        person = await session.scalar(select(Volunteer).where(Volunteer.name == "Person 002"))
        assert person is not None
        for n in range(2):
            session.add(
                Declaration(
                    volunteer_id=person.id,
                    kind=ConflictKind.PERSONAL,
                    description=f"Also {n}",
                    organisation="Other",
                    state=ReviewState.PENDING,
                )
            )


def rows_of(items: list[dict[str, str]]) -> list[Row]:
    return [(r["volunteer"], r["kind"], r["description"]) for r in items]


async def walk(client: Client, address: str, rel: str) -> tuple[list[list[Row]], list[str]]:
    """Every page from ``address`` following the ``Link`` header's ``rel``, and the addresses followed."""
    pages, followed = [], [address]
    while True:
        answer = await client.get(address)
        body = answer.json()
        assert set(body) == {"items", "total", "limit", "offset"}
        pages.append(rows_of(body["items"]))
        if rel not in answer.links:
            return pages, followed
        address = answer.links[rel]["url"]
        followed.append(address)


async def test_api_pages_by_position_are_the_offset_pages(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await register_of(db_config, 11)
    whole = rows_of((await office.get(f"{REGISTER}?limit=500")).json()["items"])
    by_offset = [rows_of((await office.get(f"{REGISTER}?limit=3&offset={n}")).json()["items"]) for n in range(0, 13, 3)]

    forwards, followed = await walk(office, f"{REGISTER}?limit=3", "next")
    last = followed[-1]
    backwards, _ = await walk(office, last, "prev")

    assert len(whole) == 13 and [r for r in whole if r[0] == "Person 002"][1:] != []
    assert forwards == by_offset, "the same rows as pages by offset"
    assert [r for page in forwards for r in page] == whole, "no row twice, none missed"
    assert all("after=" in address for address in followed[1:])
    assert backwards == by_offset[::-1]


async def test_a_deep_page_by_offset_is_read_from_the_end(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await register_of(db_config, 11)
    whole = rows_of((await office.get(f"{REGISTER}?limit=500")).json()["items"])

    for offset in range(0, 14):
        page = (await office.get(f"{REGISTER}?limit=4&offset={offset}")).json()
        assert (rows_of(page["items"]), page["offset"], page["total"]) == (whole[offset : offset + 4], offset, 13)


@pytest.mark.parametrize("position", ["nonsense", "00000000-0000-0000-0000-000000000000.x"])
async def test_a_position_that_is_not_one_is_the_page_by_offset(office: Client, position: str) -> None:
    answer = await office.get(f"{REGISTER}?limit=3&after={position}")

    assert answer.status_code == 200 and answer.json()["offset"] == 0


NEXT = re.compile(r'govuk-pagination__next.*?href="([^"]+)"', re.S)
PREVIOUS = re.compile(r'govuk-pagination__prev.*?href="([^"]+)"', re.S)
PERSON = re.compile(r'data-label="Person">([^<]+)<')


async def test_the_pages_previous_and_next_links_carry_the_position(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await register_of(db_config, 120)
    by_number = [PERSON.findall((await office.get(f"/ethics/register?page={n}", headers=HTML)).text) for n in (1, 2, 3)]

    second = (await office.get("/ethics/register", headers=HTML)).text
    addresses, pages = [], []
    for _ in range(2):
        address = html.unescape(NEXT.findall(second)[0])
        addresses.append(address)
        second = (await office.get(address, headers=HTML)).text
        pages.append(PERSON.findall(second))
    back = html.unescape(PREVIOUS.findall(second)[0])

    assert all("after=" in a for a in addresses) and "before=" in back
    assert pages == by_number[1:], "the same rows as the pages by number"
    assert PERSON.findall((await office.get(back, headers=HTML)).text) == by_number[1]
    assert "Showing 101 to 122 of 122 entries" in second


FULL_SORT = re.compile(r"(^|->)\s*Sort\s+\(", re.MULTILINE)
"""A plan's node sorting every row it is given (not an incremental sort of rows already in part order)."""


async def test_a_page_deep_by_offset_walks_the_registers_order_on_postgresql(db_config: SQLAlchemyAsyncConfig) -> None:
    """At 100,000 people PostgreSQL chose to join and sort the whole register to skip rows (250 ms, issue 28;
    at this size it walks the index by itself): the page's position is found by walking the order's index
    (105 ms), with sorting priced dear for that one statement only."""
    if db_config.get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    await register_of(db_config, 11)
    ran: list[str] = []
    event.listen(db_config.get_engine().sync_engine, "before_cursor_execute", lambda *a: ran.append(a[2]))
    async with session_scope(db_config) as session:
        page = await register_page(session, RegisterFilter(), limit=3, offset=4)
        deep = positions_query(RegisterFilter()).limit(1).offset(3)
        plan = f"EXPLAIN {deep.compile(session.get_bind(), compile_kwargs={'literal_binds': True})}"
        async with walked_in_order(session):
            walked_plan = "\n".join(await session.scalars(text(plan)))

    assert [row.volunteer for row in page.rows][:1] == ["Person 002"]
    found = next(n for n, sql in enumerate(ran) if "OFFSET" in sql and "LEFT OUTER JOIN declaration" in sql)
    assert ran[found - 1] == "SET LOCAL enable_sort = off" and ran[found + 1] == "SET LOCAL enable_sort = DEFAULT"
    assert not FULL_SORT.search(walked_plan) and "Index Only Scan using ix_volunteer_search_key_id" in walked_plan
