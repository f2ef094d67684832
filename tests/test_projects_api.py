"""The public project API: the 25 projects exactly as the Call to Action pairs them, filters and refusals."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from stepchange.core.settings import PROJECT_ROOT
from tests.conftest import Client

SEEDED = {p["code"]: p for p in tomllib.loads((PROJECT_ROOT / "seeds/projects.toml").read_text())["project"]}
PUBLIC_FIELDS = {
    "code",
    "workstream",
    "workstream_name",
    "title",
    "action",
    "vision",
    "status",
    "is_priority",
}


async def all_projects(client: Client, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/api/projects?limit=500{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


async def test_every_project_has_its_own_action_and_vision(client: Client) -> None:
    projects = await all_projects(client)
    assert [p["code"] for p in projects] == list(SEEDED)
    assert len(projects) == 25
    for project in projects:
        seeded = SEEDED[project["code"]]
        assert project["action"] == seeded["action"]
        assert project["vision"] == seeded["vision"]
        assert project["workstream"] == seeded["workstream"]
        assert project["status"] == "provisional"
        assert project["is_priority"] is True


@pytest.mark.parametrize(
    ("code", "action_starts", "vision_starts"),
    [
        ("T2", "Highlight vulnerability legally", "Potential change to ‘require’ businesses"),
        (
            "T5",
            "Identify and engage with relevant inspectorates",
            "Protective security now considered by Inspectorate",
        ),
        ("CP4", "Develop improved supervision standards", "All newly accredited SIA staff"),
        (
            "TT2",
            "Suppliers – Health, Safety & Security technical guide",
            "Suppliers will have a greater understanding",
        ),
        ("TT5", "Level playing field for all H&S issues", "A common safety and security framework"),
        ("CF4", "Intuitive, simple, bespoke SME/Micro cyber insurance", "A raised level of cyber protection"),
        ("SR3", "Participate and collaborate on recognised accreditation", "Police/Home Office endorsement"),
    ],
)
async def test_the_out_of_order_pdf_tables_are_paired_as_the_office_reads_them(
    client: Client, code: str, action_starts: str, vision_starts: str
) -> None:
    response = await client.get(f"/api/projects/{code}")
    assert response.status_code == 200
    project = response.json()
    assert project["action"].startswith(action_starts)
    assert project["vision"].startswith(vision_starts)


async def test_a_project_shows_only_public_fields(client: Client) -> None:
    response = await client.get("/api/projects/cp2")
    assert response.status_code == 200
    project = response.json()
    assert set(project) == PUBLIC_FIELDS
    assert project["code"] == "CP2"
    assert project["workstream_name"] == "Crowded Places"
    for listed in await all_projects(client):
        assert set(listed) == PUBLIC_FIELDS


@pytest.mark.parametrize("workstream", ["CP", "cp"])
async def test_filter_by_workstream(client: Client, workstream: str) -> None:
    projects = await all_projects(client, f"&workstream={workstream}")
    assert [p["code"] for p in projects] == ["CP1", "CP2", "CP3", "CP4", "CP5"]


async def test_filter_by_status(client: Client) -> None:
    assert len(await all_projects(client, "&status=provisional")) == 25
    assert await all_projects(client, "&status=delivering") == []
    assert await all_projects(client, "&status=provisional&workstream=SR") != []


async def test_pages_through_the_list(client: Client) -> None:
    response = await client.get("/api/projects?limit=10&offset=20")
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (25, 10, 20)
    assert [p["code"] for p in body["items"]] == ["SR1", "SR2", "SR3", "SR4", "SR5"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=finished", "status"),
        ("workstream=ZZ", "workstream"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
    ],
)
async def test_bad_filters_are_refused_naming_the_parameter(client: Client, query: str, field: str) -> None:
    response = await client.get(f"/api/projects?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400
    assert field in [e["field"] for e in problem["errors"]]
    assert field in problem["detail"]


@pytest.mark.parametrize("code", ["XX9", "T6", "%00", "T1%00", "T1'--", "a" * 300])
async def test_unknown_projects_are_404_problems(client: Client, code: str) -> None:
    response = await client.get(f"/api/projects/{code}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
