"""Small wrongs in what staff read: who recorded a late entry, when an imported declaration was made, the
CSV content type, and the words of two refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.errors import NotFound, StaleVersion
from stepchange.core.settings import Settings
from stepchange.core.words import words
from stepchange.ethics.models import Declaration
from stepchange.interest.models import Call, Expression
from stepchange.people.models import Identity, IdentityStep, Volunteer
from tests.conftest import Client, make_staff, sign_in
from tests.test_identity import send
from tests.test_import_surveymonkey import import_file
from tests.test_interest import open_a_call, submission


@pytest.fixture
async def office(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    async with Client(app=create_app(settings)) as browser:
        await sign_in(browser, "office@example.org")
        yield browser


async def test_a_late_entry_s_first_step_names_the_office_not_the_person(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with session_scope(db_config) as session:
        closed = (await session.scalars(select(Call).where(Call.name == "Step-Change Call to Action 2018"))).one()
    body = {**submission(call=str(closed.id)), "late_reason": "Posted a paper form"}
    late = await send(office, "/api/volunteers/late-entry", body)
    assert late.status_code == 201, late.text
    async with session_scope(db_config) as session:
        [step] = (await session.scalars(select(IdentityStep).where(IdentityStep.step == Identity.SUBMITTED))).all()
    assert step.by == "Olive Office (coordinator)"
    assert step.by_id is not None
    assert step.how == "recorded by the programme office as a late entry for Step-Change Call to Action 2018"
    page = await office.get(f"/people/{late.json()['id']}", headers={"accept": "text/html"})
    assert "Olive Office" in page.text


async def test_imported_declarations_are_dated_when_the_survey_was_answered(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await import_file(db_config, settings)
    async with session_scope(db_config) as session:
        rows = (
            await session.execute(
                select(Declaration.created_at, Expression.submitted_at).join(
                    Expression, Expression.volunteer_id == Declaration.volunteer_id
                )
            )
        ).all()
    assert rows, "the standard export has declarations"
    assert all(declared == answered for declared, answered in rows)


async def test_csv_downloads_name_their_character_set_once(office: Client) -> None:
    exported = await office.get("/api/desk/projects/T1/team.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"


def test_refusals_read_as_english() -> None:
    assert str(NotFound("expression of interest", "call 42", relation="for")) == "No expression of interest for call 42"
    assert str(NotFound("call", "id 42")) == "No call with id 42"
    minutes = str(StaleVersion("minutes", 1, 2, plural=True))
    assert minutes.startswith("These minutes were changed by someone else")
    assert str(StaleVersion("project", 1, 2)).startswith("This project was changed by someone else")


async def test_a_rule_s_refusal_names_the_rule_and_what_to_do_next(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with session_scope(db_config) as session:
        closed = (await session.scalars(select(Call).where(Call.name == "Step-Change Call to Action 2018"))).one()
    refused = await send(office, f"/api/calls/{closed.id}/close")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["title"].startswith("This call already closed at 11:59pm on Friday 25 May 2018")
    [rule] = problem["rules"]
    assert rule["rule"] == "call_closed"
    assert rule["next_step"] == "To take more submissions, extend it instead"
    assert "Refused by" not in refused.text
    page = await office.post(
        f"/api/calls/{closed.id}/close", headers={"x-csrftoken": await office.csrf(), "accept": "text/html"}
    )
    assert page.status_code == 409  # the API always answers JSON, whatever the browser asks
    assert page.json()["title"] == problem["title"]


def test_one_map_turns_stored_values_into_words() -> None:
    from stepchange.assignments.models import AssignmentRole, AssignmentStatus
    from stepchange.core.templating import build_environment

    assert words(AssignmentStatus.OFFERED) == "Offered"
    assert words(AssignmentRole.MEMBER) == "Team member"
    assert words("cleared_with_conditions") == "Cleared with conditions"
    assert words("in_progress") == "In progress" and words(None) == ""
    rendered = build_environment().from_string("{{ role | words }}, {{ status | words | lower }}")
    assert rendered.render(role=AssignmentRole.MEMBER, status=AssignmentStatus.ACCEPTED) == "Team member, accepted"


def test_the_refusal_page_is_titled_by_the_rule_and_says_what_to_do_next() -> None:
    from stepchange.core.errors import BrokenRule, RuleViolation, to_problem
    from stepchange.core.templating import build_environment

    page = build_environment().get_template("errors/problem.html")
    one = to_problem(RuleViolation([BrokenRule("link_used", "This link has already been used", "Ask for a new one")]))
    html = page.render(problem=one, request=None, csrf_input="")
    assert '<h1 class="govuk-heading-l">This link has already been used.</h1>' in html
    assert "Ask for a new one." in html and "Refused by" not in html
    two = to_problem(RuleViolation([BrokenRule("a", "First rule", "Do this"), BrokenRule("b", "Second rule")]))
    html = page.render(problem=two, request=None, csrf_input="")
    assert "2 programme rules stop this" in html
    assert "<li>First rule. Do this.</li>" in html and "<li>Second rule.</li>" in html


async def test_the_people_pages_read_stored_values_through_the_one_map(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    """The people list, its identity filter and a person's page say "Email address confirmed", as every
    other staff page does, not the stored value with its underscores replaced."""
    await open_a_call(db_config)
    created = await send(office, "/api/interest", submission())
    assert created.status_code == 201, created.text
    async with session_scope(db_config) as session:
        person = (await session.scalars(select(Expression.volunteer_id))).one()
        session.add(IdentityStep(volunteer_id=person, step=Identity.EMAIL_CONFIRMED, by="the person", how="link"))
        (await session.get_one(Volunteer, person)).identity = Identity.EMAIL_CONFIRMED
    listed = (await office.get("/people", headers={"accept": "text/html"})).text
    page = (await office.get(f"/people/{person}", headers={"accept": "text/html"})).text
    for html in (listed, page):
        assert words(Identity.EMAIL_CONFIRMED) in html
        assert "Email confirmed" not in html
