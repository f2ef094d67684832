"""Project delivery through the HTML forms: what each role sees and can do on a project page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core import clock
from tests.conftest import Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]


@pytest.fixture
async def chair(browsers: Browsers, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "chair@example.org", "co_chair", workstream="CP", name="Cara Chair")
    browser = await browsers()
    await sign_in(browser, "chair@example.org")
    return browser


async def post_form(browser: Client, path: str, fields: dict[str, str]) -> object:
    return await browser.post(path, data={**fields, "_csrf_token": await browser.csrf()}, follow_redirects=False)


async def test_the_public_page_hides_delivery(client: Client) -> None:
    page = await client.get("/projects/CP1")
    assert page.status_code == 200
    assert "History of updates" not in page.text
    assert "Post an update" not in page.text


async def test_a_co_chair_posts_an_update_and_sees_the_history(chair: Client) -> None:
    page = await chair.get("/projects/CP1")
    assert "Post an update" in page.text
    assert 'value="delivering"' not in page.text, "only the legal moves are offered"
    done = await post_form(
        chair, "/projects/CP1/updates", {"status": "recruiting", "rag": "green", "summary": "Line one\nLine two"}
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    after = await chair.get("/projects/CP1?done=update")
    assert "Update posted." in after.text
    assert "Line one\nLine two" in after.text
    assert "Cara Chair (co_chair)" in after.text


async def test_a_refused_update_shows_every_rule_and_keeps_what_was_typed(chair: Client) -> None:
    refused = await post_form(
        chair, "/projects/CP2/updates", {"status": "delivering", "rag": "red", "summary": "Keep me"}
    )
    assert refused.status_code == 409  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert "There is a problem" in text
    assert "cannot move from provisional to delivering" in text
    assert "needs a lead" in text
    assert "commercial-advantage review" in text
    assert "Keep me" in text
    empty = await post_form(chair, "/projects/CP2/updates", {"status": "recruiting", "rag": "", "summary": ""})
    assert empty.status_code == 400  # type: ignore[attr-defined]
    assert 'href="#rag"' in empty.text  # type: ignore[attr-defined]


async def test_another_workstreams_co_chair_sees_but_cannot_update(chair: Client) -> None:
    page = await chair.get("/projects/T1")
    assert "History of updates" in page.text
    assert "Post an update" not in page.text
    refused = await post_form(chair, "/projects/T1/updates", {"status": "recruiting", "rag": "green", "summary": "x"})
    assert refused.status_code == 403  # type: ignore[attr-defined]


async def test_amending_through_the_form_with_a_stale_version_loses_nothing(
    chair: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    form = await chair.get("/projects/CP3/amend")
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.text
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await browsers()
    await sign_in(office, "office@example.org")
    first = await post_form(
        office, "/projects/CP3/amend", {"version": "1", "title": "Office title", "action": "A", "vision": "V"}
    )
    assert first.status_code == 303  # type: ignore[attr-defined]
    mine = {"version": "1", "title": "My careful title", "action": "My action", "vision": "My vision"}
    stale = await post_form(chair, "/projects/CP3/amend", mine)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    text = stale.text  # type: ignore[attr-defined]
    assert "My careful title" in text, "what the co-chair typed is still on the page"
    assert "Office title" in text, "and the version they collided with is shown"
    assert 'name="version" value="2"' in text
    saved = await post_form(chair, "/projects/CP3/amend", {**mine, "version": "2"})
    assert saved.status_code == 303  # type: ignore[attr-defined]
    versions = await chair.get("/projects/CP3/versions")
    assert "Version 3" in versions.text and "Version 1" in versions.text
    assert "My careful title" in (await chair.get("/projects/CP3/versions/3")).text


async def test_milestones_through_the_project_page(chair: Client) -> None:
    due = clock.uk_today() + dt.timedelta(days=5)
    added = await post_form(
        chair,
        "/projects/CP4/milestones",
        {
            "title": "Draft standard",
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
        },
    )
    assert added.status_code == 303  # type: ignore[attr-defined]
    page = await chair.get("/projects/CP4")
    assert "Draft standard" in page.text and "5 days to go" in page.text
    bad = await post_form(
        chair,
        "/projects/CP4/milestones",
        {"title": "x", "due_on-day": "31", "due_on-month": "2", "due_on-year": "2030"},
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "must be a real date" in bad.text  # type: ignore[attr-defined]


async def test_the_office_adds_a_pipeline_project_by_form(browsers: Browsers, db_config: SQLAlchemyAsyncConfig) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await browsers()
    await sign_in(office, "office@example.org")
    assert (await office.get("/projects/new")).status_code == 200
    empty = await post_form(office, "/projects/new", {"workstream": "", "title": "", "action": "", "vision": ""})
    assert empty.status_code == 400  # type: ignore[attr-defined]
    added = await post_form(
        office, "/projects/new", {"workstream": "TT", "title": "Hotel drills", "action": "A", "vision": "V"}
    )
    assert added.headers["location"] == "/projects/TT6?done=added"  # type: ignore[attr-defined]
    board_page = await office.get("/projects/TT6")
    assert "Pipeline" in board_page.text


async def test_the_milestones_page_is_for_staff(chair: Client, client: Client) -> None:
    page = await chair.get("/milestones")
    assert page.status_code == 200
    assert "Delivery commences" in page.text
    assert "Mark done" not in page.text, "programme milestones are the office's to keep"
    anonymous = await client.get("/milestones", headers={"accept": "text/html"}, follow_redirects=False)
    assert anonymous.status_code == 303
