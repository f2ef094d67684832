"""The desk at national scale (issue 28): a project's suggestions are ranked set-based, so the statements a
request runs do not grow with the people who chose the project, and its page shows the best few with how
many more there are (pages reach the rest), as its JSON twin pages with ``limit`` and ``offset``."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from tests.conftest import Client, make_staff, sign_in
from tests.participants import a_volunteer
from tests.statements import recorded

HTML = {"accept": "text/html"}
SECTORS = ("Transport", "Policing", "Health", "Retail")


async def choosers(config: SQLAlchemyAsyncConfig, first: int, last: int) -> None:
    """People who chose T1 (some of them also on another project's team), from several organisations."""
    for n in range(first, last):
        await a_volunteer(
            config,
            f"person{n}@p{n % 7}.example",
            interested_in=("T1",),
            placed_on=("CP1",) if n % 3 == 0 else (),
            organisation=f"Company {n % 7} Ltd",
            sector=SECTORS[n % len(SECTORS)],
            name=f"Person {n:03}",
        )


async def the_office(browsers: Any, config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(config, "office@example.org", "coordinator")
    office: Client = await browsers()
    await sign_in(office, "office@example.org")
    return office


async def statements(office: Client, path: str) -> int:
    with recorded(office.app) as seen:
        answer = await office.get(path, headers=HTML)
    assert answer.status_code == 200, answer.text[:500]
    return len(seen)


async def test_the_statements_for_a_project_do_not_grow_with_the_people_who_chose_it(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    await a_volunteer(db_config, "lead@team.example", placed_on=("T1",), organisation="Company 1 Ltd")
    office = await the_office(browsers, db_config)
    await choosers(db_config, 0, 5)
    paths = ("/api/desk/projects/T1/suggestions", "/desk/projects/T1", "/api/desk/projects/T1/team", "/api/desk")
    few = [await statements(office, path) for path in paths]
    await choosers(db_config, 5, 40)
    many = [await statements(office, path) for path in paths]
    assert many == few, dict(zip(paths, zip(few, many, strict=True), strict=True))
    body = (await office.get("/api/desk/projects/T1/suggestions")).json()
    assert body["suggested_total"] == 40 and len(body["suggested"]) == 40


async def test_the_page_shows_the_best_suggestions_and_counts_the_rest(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    office = await the_office(browsers, db_config)
    await choosers(db_config, 0, 25)
    everyone = (await office.get("/api/desk/projects/T1/suggestions")).json()
    order = [s["name"] for s in everyone["suggested"]]
    assert (everyone["suggested_total"], everyone["limit"], everyone["offset"]) == (25, 100, 0)

    first = await office.get("/desk/projects/T1", headers=HTML)
    shown = re.findall(r"Offer a place to (Person \d+)", first.text)
    assert shown == order[:20], "the page shows the 20 best, in the desk's order"
    assert "and 5 more people chose this project" in first.text
    assert 'href="/desk/projects/T1?page=2"' in first.text, "a page link reaches the rest (no JavaScript needed)"
    second = await office.get("/desk/projects/T1?page=2", headers=HTML)
    assert re.findall(r"Offer a place to (Person \d+)", second.text) == order[20:]

    pages = []
    for offset in (0, 10, 20):
        page = (await office.get(f"/api/desk/projects/T1/suggestions?limit=10&offset={offset}")).json()
        assert (page["suggested_total"], page["limit"], page["offset"]) == (25, 10, offset)
        pages += [s["name"] for s in page["suggested"]]
    assert pages == order, "pages of the JSON twin join up into the same order"
    assert (await office.get("/api/desk/projects/T1/suggestions?limit=0")).status_code == 400


async def a_team(config: SQLAlchemyAsyncConfig, first: int, last: int) -> None:
    """People holding a place on T1, oldest offer first in the order they are made."""
    for n in range(first, last):
        await a_volunteer(
            config,
            f"member{n}@m{n % 3}.example",
            placed_on=("T1",),
            organisation=f"Firm {n % 3}",
            name=f"Member {n:03}",
        )


async def test_the_team_is_a_page_with_the_whole_teams_mix(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    office = await the_office(browsers, db_config)
    await a_team(db_config, 0, 7)
    whole = (await office.get("/api/desk/projects/T1/team")).json()
    assert (whole["total"], whole["limit"], whole["offset"], len(whole["items"])) == (7, 100, 0, 7)
    order = [m["name"] for m in whole["items"]]
    assert order == [f"Member {n:03}" for n in range(7)], "oldest offer first"
    pages = []
    for offset in (0, 3, 6):
        page = (await office.get(f"/api/desk/projects/T1/team?limit=3&offset={offset}")).json()
        assert (page["total"], page["limit"], page["offset"]) == (7, 3, offset)
        assert page["mix"] == whole["mix"] and page["mix"]["size"] == 7, "the mix counts the whole team"
        pages += [m["name"] for m in page["items"]]
    assert pages == order
    assert (await office.get("/api/desk/projects/T1/team?limit=0")).status_code == 400


async def test_the_statements_for_a_team_do_not_grow_with_its_size(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    office = await the_office(browsers, db_config)
    await a_team(db_config, 0, 2)
    paths = ("/api/desk/projects/T1/team", "/desk/projects/T1", "/api/desk/projects/T1/suggestions")
    few = [await statements(office, path) for path in paths]
    await a_team(db_config, 2, 12)
    many = [await statements(office, path) for path in paths]
    assert many == few, dict(zip(paths, zip(few, many, strict=True), strict=True))


async def test_the_page_shows_a_page_of_the_team(
    browsers: Any, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stepchange.desk.pages.TEAM_SHOWN", 3)
    office = await the_office(browsers, db_config)
    await a_team(db_config, 0, 5)
    first = (await office.get("/desk/projects/T1", headers=HTML)).text
    assert re.findall(r"Member \d+(?=<br>)", first) == ["Member 000", "Member 001", "Member 002"]
    assert "Showing places 1 to 3 of 5" in first and 'href="/desk/projects/T1?team_page=2"' in first
    assert 'aria-label="Pages of the team"' in first
    second = (await office.get("/desk/projects/T1?team_page=2", headers=HTML)).text
    assert re.findall(r"Member \d+(?=<br>)", second) == ["Member 003", "Member 004"]


async def test_the_roster_streams_every_place(
    browsers: Any, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stepchange.core.exports.CHUNK", 2)
    office = await the_office(browsers, db_config)
    await a_team(db_config, 0, 5)
    answer = await office.get("/api/desk/projects/T1/team.csv")
    assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"]
    assert "content-length" not in answer.headers, "streamed as it is read"
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0] == ["name", "organisation", "role", "status", "hours", "cleared_for_project"]
    assert [r[0] for r in rows[1:]] == [f"Member {n:03}" for n in range(5)]
    assert {r[5] for r in rows[1:]} == {"yes"}
