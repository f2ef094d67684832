"""What the database holds of an export is found once, set-based, before any row is written
(stepchange.interest.import_prior): the chunks then look up only the people and responses it may hold —
on a first load, nothing — and the outcome is the same as looking every row up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import Settings
from stepchange.interest import import_checks, importing
from stepchange.interest.import_prior import Prior
from stepchange.interest.import_report import Outcome
from stepchange.people.services import PeopleService
from tests.test_import_surveymonkey import (
    IMPORTED,
    IMPORTED_IDS,
    MERGED,
    STANDARD,
    UNTOUCHED,
    assert_the_standard_report,
    everyone,
    hold_people,
    import_file,
    the_call,
)

Asked = dict[str, list[str]]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    """Every address and respondent id the chunks look up, as they ask."""
    seen: Asked = {"addresses": [], "respondent ids": []}
    held, tracked = PeopleService.held, importing.SurveyImporter._tracked

    async def held_spy(self: PeopleService, emails: Sequence[str]) -> Any:
        seen["addresses"].extend(emails)
        return await held(self, emails)

    async def tracked_spy(self: importing.SurveyImporter, survey: str, ids: Sequence[str]) -> Any:
        seen["respondent ids"].extend(ids)
        return await tracked(self, survey, ids)

    monkeypatch.setattr(PeopleService, "held", held_spy)
    monkeypatch.setattr(importing.SurveyImporter, "_tracked", tracked_spy)
    return seen


async def test_a_first_load_looks_up_no_one_row_by_row(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, asked: Asked
) -> None:
    report = await import_file(db_config, settings)

    assert asked == {"addresses": [], "respondent ids": []}
    assert report.count(Outcome.MERGED) == 0
    people = await everyone(db_config, await the_call(db_config))
    assert {address: people[address] for address in IMPORTED} == IMPORTED


@pytest.mark.parametrize("chunk", [4, import_checks.CHECK_CHUNK], ids=["small-chunks", "one-chunk"])
async def test_only_the_people_held_are_looked_up_and_they_are_merged_as_before(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, asked: Asked, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", chunk)
    await hold_people(db_config)

    report = await import_file(db_config, settings)

    assert sorted(asked["addresses"]) == sorted({*MERGED, *UNTOUCHED})
    assert asked["respondent ids"] == []
    assert_the_standard_report(report)
    assert await everyone(db_config, await the_call(db_config)) == {**IMPORTED, **MERGED, **UNTOUCHED}


async def test_a_second_import_looks_up_only_the_responses_imported_before(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, asked: Asked
) -> None:
    await hold_people(db_config)
    await import_file(db_config, settings)
    asked["respondent ids"].clear()

    again = await import_file(db_config, settings)

    skipped = {r.label for r in again.results if r.outcome is Outcome.SKIPPED}
    assert skipped == IMPORTED_IDS | {"10003"}
    assert sorted(asked["respondent ids"]) == sorted(skipped)


def test_a_row_read_differently_is_still_looked_up() -> None:
    """An address or respondent id the rows carry but the file's reading did not give is asked about:
    the prior look-up can only spare a question, never hide someone held."""
    prior = Prior(
        addresses=frozenset({"a@example.org", "b@example.org"}),
        held_addresses=frozenset({"b@example.org"}),
        respondent_ids=frozenset({"1", "2"}),
        imported_ids=frozenset({"2"}),
    )

    assert [prior.may_hold_person(a) for a in ("a@example.org", "b@example.org", "c@example.org")] == [
        False,
        True,
        True,
    ]
    assert [prior.may_have_imported(i) for i in ("1", "2", "3")] == [False, True, True]


async def test_an_address_no_column_could_hold_is_refused_on_its_row_not_the_whole_import(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, tmp_path: Path
) -> None:
    """The file's addresses go into the temporary table before any rule has read them: one far too long,
    or carrying a NUL (which PostgreSQL's text refuses), must still be the rules' to refuse, row by row."""
    odd = tmp_path / "odd.csv"
    content = STANDARD.read_bytes()
    content = content.replace(b"Priya.Shah@HarbourCruises.example", b"P" * 400 + b"@HarbourCruises.example")
    content = content.replace(b"tom.oneill@guardforce.example", b"tom.oneill\x00@guardforce.example")
    odd.write_bytes(content)

    report = await import_file(db_config, settings, odd)

    refused = {r.label: r.reason for r in report.results if r.outcome is Outcome.REFUSED}
    assert "email" in refused["10001"].lower() and "email" in refused["10002"].lower()
    assert report.count(Outcome.IMPORTED) > 0
