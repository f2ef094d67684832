"""The partnership pages without JavaScript: forms post, refusals come back with an error summary naming the
field, and each page shows what the API recorded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core.database import session_scope
from stepchange.governance.partnership_models import MaturityArea
from stepchange.governance.services import subgroups as subgroup_rules
from tests.conftest import Client
from tests.participants import a_volunteer
from tests.statements import recorded
from tests.test_governance import PAGES, Cast, T, bella, cast, post_form, send
from tests.test_partnership import TERMS, on_roster, placed_volunteer

__all__ = ["bella", "cast"]


def terms_form(**changes: str) -> dict[str, str]:
    typed = {k: v for k, v in TERMS.items() if isinstance(v, str)}
    return {**typed, "standing_items": "\n".join(TERMS["standing_items"]), **changes}


async def test_terms_are_drafted_published_and_acknowledged_through_the_pages(cast: Cast, bella: Client) -> None:
    await on_roster(cast.office, cast, "member")
    refused = await post_form(bella, f"{PAGES}/terms/edit", terms_form(mission="", cadence=""))
    assert refused.status_code == 400
    assert 'href="#mission"' in refused.text and 'href="#cadence"' in refused.text
    assert "Make transport" not in refused.text and "First Wednesday" in refused.text, "what was typed is kept"
    saved = await post_form(bella, f"{PAGES}/terms/edit", terms_form())
    assert saved.status_code == 303 and saved.headers["location"].endswith("/terms?done=drafted")
    page = (await bella.get(f"{PAGES}/terms?done=drafted")).text
    assert "Version 1 is in draft" in page and "Publish version 1" in page
    assert (await post_form(bella, f"{PAGES}/terms/publish", {"version": "1"})).status_code == 303

    member = await cast.person("member")
    before = (await member.get(f"{PAGES}/terms")).text
    assert "You have not yet acknowledged this version" in before and "Make transport networks harder" in before
    assert "Publish version" not in before and "Record acknowledgement" not in before
    assert (await post_form(member, f"{PAGES}/terms/acknowledge", {})).status_code == 303
    after = (await member.get(f"{PAGES}/terms?done=acknowledged")).text
    assert "Thank you: your acknowledgement is recorded." in after and "You acknowledged version 1" in after
    assert "0 not yet acknowledged" in after
    overview = (await bella.get(PAGES)).text
    assert f'href="{PAGES}/terms"' in overview and "version 1" in overview


async def test_a_subgroup_is_set_up_and_runs_through_the_pages(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await on_roster(cast.office, cast, "member")
    await placed_volunteer(db_config)
    refused = await post_form(bella, f"{PAGES}/subgroups", {"name": "", "purpose": "", "lead": ""})
    assert refused.status_code == 400 and 'href="#name"' in refused.text and 'href="#lead"' in refused.text
    made = await post_form(
        bella, f"{PAGES}/subgroups", {"name": "HVM", "purpose": "Barriers", "lead": "Bella", "projects": "T1"}
    )
    assert made.status_code == 303
    here = made.headers["location"].split("?")[0]
    page = (await bella.get(here)).text
    assert "Vic Volunteer, Rail Co (volunteer on T1)" in page
    volunteer = page.split('value="volunteer:')[1].split('"')[0]
    assert (await post_form(bella, f"{here}/members", {"member": f"volunteer:{volunteer}"})).status_code == 303
    assert (await post_form(bella, f"{here}/members", {"member": ""})).status_code == 400
    wrong = await post_form(bella, f"{here}/actions", {"action-title": "", "action-owner": "Vic"})
    assert wrong.status_code == 400 and 'href="#action-title"' in wrong.text and 'href="#action-due_on"' in wrong.text
    fields = {"action-title": "Survey", "action-owner": "Vic"}
    dates = {"action-due_on-day": "1", "action-due_on-month": "4", "action-due_on-year": "2026"}
    assert (await post_form(bella, f"{here}/actions", fields | dates)).status_code == 303
    meeting = {"title": "Site walk", "starts_at-day": "1", "starts_at-month": "3", "starts_at-year": "2026"}
    assert (await post_form(bella, f"{here}/meetings", meeting | {"starts_at-time": "10:00"})).status_code == 303
    page = (await bella.get(here)).text
    assert "Vic Volunteer" in page and "Survey" in page and "Site walk" in page
    assert "Survey" in (await bella.get(f"{PAGES}/actions")).text, "the subgroup's action is in the log"


async def test_an_assessment_is_recorded_and_signed_off_through_the_pages(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with session_scope(db_config) as session:
        count = len((await session.scalars(select(MaturityArea.id))).all())
    form = (await bella.get(f"{PAGES}/maturity/new")).text
    assert form.count('type="radio"') == 5 * count
    refused = await post_form(bella, f"{PAGES}/maturity", {"ratings-0-level": "4"})
    assert refused.status_code == 400
    assert 'href="#assessed_on"' in refused.text and 'href="#ratings-1-level"' in refused.text
    assert 'href="#ratings-0-level"' not in refused.text, "the level chosen is kept"
    filled: dict[str, Any] = {"assessed_on-day": "3", "assessed_on-month": "11", "assessed_on-year": "2026"}
    for i in range(count):
        filled |= {f"ratings-{i}-level": "3", f"ratings-{i}-evidence": "Minutes", f"ratings-{i}-next_step": "More"}
    recorded = await post_form(bella, f"{PAGES}/maturity", filled)
    assert recorded.status_code == 303, recorded.text
    assessment = recorded.headers["location"].split("?")[0]
    assert "Sign off this assessment" in (await bella.get(assessment)).text
    assert "Sign off this assessment" not in (await cast.office.get(assessment)).text
    assert (await post_form(bella, f"{assessment}/sign-off", {})).status_code == 303
    page = (await bella.get(f"{PAGES}/maturity")).text
    assert "This is the first signed-off assessment" in page and "Not comparable" in page
    board = await cast.person("board")
    report = (await board.get("/reports/maturity")).text
    assert "Transport" in report and "Partnership governance" in report and "maturity.csv" in report
    assert 'href="/reports/maturity"' in (await board.get("/reports")).text


async def test_the_office_adds_an_area_to_the_matrix(cast: Cast, bella: Client) -> None:
    assert "Partnership governance" in (await bella.get("/maturity-matrix")).text
    assert "Add an area" not in (await bella.get("/maturity-matrix")).text
    refused = await post_form(cast.office, "/maturity-matrix", {"key": "Bad Key", "title": "Training"})
    assert refused.status_code == 400 and 'href="#key"' in refused.text and 'href="#descriptors-0"' in refused.text
    fields = {"key": "training", "title": "Training"} | {f"descriptors-{i}": f"Level {i + 1}" for i in range(5)}
    assert (await post_form(cast.office, "/maturity-matrix", fields)).status_code == 303
    assert (await post_form(bella, "/maturity-matrix", fields)).status_code == 403
    areas = (await send(bella, "GET", "/api/maturity/areas")).json()
    assert areas[-1]["title"] == "Training" and T


async def test_scheduling_a_meeting_shows_the_agreed_cadence(cast: Cast, bella: Client) -> None:
    assert "terms of reference</a> say" not in (await bella.get(f"{PAGES}/meetings/new")).text
    await send(bella, "PUT", f"{T}/terms/draft", TERMS)
    await send(bella, "POST", f"{T}/terms/publish", {"version": 1})
    await send(bella, "POST", f"{T}/meetings", {"title": "January", "starts_at": "2026-01-07T10:00:00"})
    page = (await bella.get(f"{PAGES}/meetings/new")).text
    assert "say the group meets monthly" in page and "falls around 6 February 2026" in page
    held = await send(bella, "POST", f"{T}/meetings", {"title": "Extra", "starts_at": "2026-01-14T10:00:00"})
    overview = (await bella.get(PAGES)).text
    assert overview.count("Off cadence") == 1 and held.status_code == 201


async def test_the_member_picker_offers_the_first_placed_volunteers_and_finds_the_rest(
    cast: Cast, bella: Client, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subgroup_rules, "CANDIDATES_SHOWN", 3)
    made = await post_form(
        bella, f"{PAGES}/subgroups", {"name": "HVM", "purpose": "Barriers", "lead": "Bella", "projects": "T1"}
    )
    here = made.headers["location"].split("?")[0]
    people = [
        await a_volunteer(db_config, f"p{n}@rail.example", placed_on=("T1",), name=f"Person {n}", organisation="Rail")
        for n in range(2)
    ]
    with recorded(bella.app) as few:
        assert (await bella.get(here)).status_code == 200
    people += [
        await a_volunteer(db_config, f"p{n}@rail.example", placed_on=("T1",), name=f"Person {n}", organisation="Rail")
        for n in range(2, 8)
    ]
    with recorded(bella.app) as many:
        page = (await bella.get(here)).text
    assert len(many) == len(few), "the statements do not grow with the people placed"
    assert re.findall(r"Person \d", page.split('id="member"')[1]) == ["Person 0", "Person 1", "Person 2"]
    assert "Showing the first 3 of 8" in page, "a national work-stream's thousands are not all in the page"
    found = (await bella.get(f"{here}?q=person 7")).text.split('id="member"')[1]
    assert re.findall(r"Person \d", found) == ["Person 7"]
    assert (await post_form(bella, f"{here}/members", {"member": f"volunteer:{people[7]}"})).status_code == 303
    assert "Showing the first 3 of 7" in (await bella.get(here)).text, "a member is no longer a candidate"
