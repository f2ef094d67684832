"""Finding anyone on the office's lists: the People filter with any combination of its inputs (the "Any"
options send empty values), one search box that ignores letter case and accents, sortable columns,
pagination that keeps the filters, and the organisations register and register of interests paginated."""

from __future__ import annotations

import re

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.authz import Role
from tests.conftest import Client, make_staff, sign_in


@pytest.fixture
async def office(client: Client, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    assert (await sign_in(client, "office@example.org")).status_code == 200
    return client


async def test_the_filter_with_any_chosen_everywhere_lists_everyone(office: Client) -> None:
    """Pressing Filter with every "Any" option sends empty values: they mean "no filter", never a 400."""
    everyone = await office.get("/people")
    filtered = await office.get("/people?q=&call=&identity=&project=&role=&sector=")
    assert filtered.status_code == 200, filtered.text
    assert "Invalid input" not in filtered.text
    assert _count(filtered.text) == _count(everyone.text)


async def test_empty_values_mean_no_filter_on_every_staff_list(office: Client) -> None:
    for path in ("/organisations?q=", "/ethics/register?q=&project=", "/api/volunteers?identity=&call=&role="):
        assert (await office.get(path)).status_code == 200, path


def _count(html: str) -> str:
    found = re.search(r"(\d[\d,]*) (?:person|people)", html)
    assert found, "the page says how many people it lists"
    return found.group(1)
