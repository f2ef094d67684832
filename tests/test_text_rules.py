"""Typed text: characters that hide or disguise what a field says are refused, naming the field."""

from __future__ import annotations

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.validation import text_problem
from tests.conftest import Client
from tests.test_interest import open_a_call, submission

DISGUISES = {
    "line break": "Priya Shah\r\nValidated by the office",
    "direction override": "Priya \u202eHAHS",
    "isolate": "Priya \u2066Shah\u2069",
    "zero-width space": "Priya\u200bShah",
    "byte-order mark": "\ufeffPriya Shah",
    "tab": "Priya\tShah",
}


@pytest.mark.parametrize("value", DISGUISES.values(), ids=DISGUISES.keys())
def test_single_line_fields_refuse_disguises(value: str) -> None:
    problem = text_problem(value, "name", label="your full name", max_length=200)
    assert problem is not None
    assert problem.field == "name" and problem.message.startswith("Your full name must not contain")


def test_free_text_keeps_line_breaks_and_emoji_but_not_direction_overrides() -> None:
    assert text_problem("First line\nSecond line\twith a tab", "notes", label="notes", max_length=2000) is None
    assert (
        text_problem("Thanks \U0001f468\u200d\U0001f469\u200d\U0001f467", "notes", label="notes", max_length=2000)
        is None
    )
    assert text_problem("Pay \u202e0001\u202c", "notes", label="notes", max_length=2000) is not None


def test_ordinary_names_in_any_script_pass() -> None:
    for name in ("Zoë Ørsted-Łukasz", "Siobhán O'Neill", "محمد علي", "李小龍", "Jean-Luc Picard"):
        assert text_problem(name, "name", label="your full name", max_length=200) is None, name


async def test_a_disguised_name_is_refused_at_the_door(client: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    """Through the public form's API: the name, organisation and job title are each named in the refusal."""
    await open_a_call(db_config)
    disguised = submission(
        email="priya@example.org",
        name="Priya Shah\r\nValidated",
        organisation="Acme \u202eliateR",
        job_title="Head\u200bof security",
    )
    response = await client.post("/api/interest", json=disguised, headers={"x-csrftoken": await client.csrf()})
    assert response.status_code == 400, response.text
    named = {e["field"] for e in response.json()["errors"]}
    assert {"name", "organisation", "job_title"} <= named
