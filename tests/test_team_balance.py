"""Balanced teams (issue 26): the desk's suggestions weigh the mix of the team a person would join —
one organisation's share (a limit the office may override with a reason), sectors, and the tri-partite
balance from the organisations register — say how each would change it, and the team view shows it."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.desk.balance import guessed_part
from stepchange.people.models import Part
from tests.conftest import make_staff, sign_in
from tests.participants import a_volunteer
from tests.participants import send as _send


async def test_suggestions_prefer_a_balanced_team(browsers: Any, db_config: SQLAlchemyAsyncConfig) -> None:
    for n in (1, 2):
        await a_volunteer(db_config, f"rail{n}@rail.example", placed_on=("T1",), organisation="Rail Co Ltd")
    third = await a_volunteer(
        db_config, "rail3@rail.example", interested_in=("T1",), organisation="Rail Co", name="Rail Three"
    )
    await a_volunteer(
        db_config,
        "pc@police.example",
        interested_in=("CP1", "T1"),
        organisation="West Yorkshire Police",
        sector="Other",
        name="Police Constable",
    )
    await a_volunteer(
        db_config,
        "tfn@tfn.example",
        interested_in=("CP1", "CP2", "T1"),
        organisation="Transport for the North",
        name="Transport North",
    )
    await make_staff(db_config, "office@example.org", "coordinator")
    office = await browsers()
    await sign_in(office, "office@example.org")
    added = await _send(office, "POST", "/api/organisations", {"name": "Transport for the North"})
    organisation = added.json()["organisation"]["id"]  # type: ignore[attr-defined]
    bad = await _send(office, "PATCH", f"/api/organisations/{organisation}", {"part": "railways"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    set_part = await _send(office, "PATCH", f"/api/organisations/{organisation}", {"part": "government"})
    assert set_part.json()["part"] == "government"  # type: ignore[attr-defined]

    found = (await office.get("/api/desk/projects/T1/suggestions")).json()["suggested"]
    assert [s["name"] for s in found] == ["Police Constable", "Transport North", "Rail Three"]
    by_name = {s["name"]: s for s in found}
    assert by_name["Police Constable"]["part"] == "policing"
    assert by_name["Transport North"]["part"] == "government", "the register's part wins over the sector"
    rail = by_name["Rail Three"]
    assert rail["part"] == "private_sector" and rail["over_share_limit"] is True and rail["rank"] == 1
    # Two of Rail Co's people are on the team; a third would be 3 of the 5 people T1 wants.
    assert any("3 from Rail Co, 60% of the team, over the 40% limit" in line for line in rail["mix_change"])
    assert any("Adds a new organisation" in line for line in by_name["Police Constable"]["mix_change"])

    team = (await office.get("/api/desk/projects/T1/team")).json()["mix"]
    assert team["size"] == 2 and team["parts"] == {
        "policing": 0,
        "private_sector": 2,
        "government": 0,
        "other_public": 0,
    }
    assert team["organisations"] == {"Rail Co Ltd": 2}
    page = await office.get("/desk/projects/T1")
    assert "The team&#39;s mix" in page.text or "The team's mix" in page.text
    assert "Over the organisation limit" in page.text

    offer = {"volunteer_id": str(third), "project": "T1", "role": "member", "hours": 2}
    refused = await _send(office, "POST", "/api/desk/offers", offer)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    rules = refused.json()["rules"]  # type: ignore[attr-defined]
    assert [r["rule"] for r in rules] == ["organisation_share"] and "over the 40% limit" in rules[0]["message"]
    overridden = await _send(office, "POST", "/api/desk/offers", {**offer, "override": "Only rail has the skills"})
    assert overridden.status_code == 201  # type: ignore[attr-defined]


def test_a_part_is_guessed_from_the_name_or_sector_when_the_register_is_silent() -> None:
    assert guessed_part("Greater Manchester Police", "Other") == Part.POLICING
    assert guessed_part("Kent County Constabulary", "Security services") == Part.POLICING
    assert guessed_part("Leeds City Council", "Government and public sector") == Part.GOVERNMENT
    assert guessed_part("NHS Trust", "Health") == Part.OTHER_PUBLIC
    assert guessed_part("Harbour Cruises Ltd", "Transport") == Part.PRIVATE_SECTOR
