"""The public work-stream API."""

from __future__ import annotations

from tests.conftest import Client


async def test_lists_the_five_workstreams_in_the_documents_order(client: Client) -> None:
    response = await client.get("/api/workstreams")
    assert response.status_code == 200
    body = response.json()
    assert [w["code"] for w in body["items"]] == ["T", "CP", "TT", "CF", "SR"]
    assert (body["total"], body["offset"]) == (5, 0)
    assert all(w["project_count"] == 5 for w in body["items"])
    cyber = body["items"][3]
    assert (cyber["name"], cyber["source_name"]) == ("Cyber & Finance", "Cyber (inc Banking)")


async def test_a_workstream_lists_its_projects(client: Client) -> None:
    response = await client.get("/api/workstreams/tt")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "TT"
    assert [p["code"] for p in body["projects"]] == ["TT1", "TT2", "TT3", "TT4", "TT5"]
    assert {p["status"] for p in body["projects"]} == {"provisional"}


async def test_unknown_workstream_is_a_404_problem(client: Client) -> None:
    response = await client.get("/api/workstreams/XYZ")
    assert response.status_code == 404
    problem = response.json()
    assert problem["title"] == "Not found"
    assert "XYZ" in problem["detail"]


async def test_health_and_schema(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/projects/{code}" in schema["paths"]
    assert "/api/workstreams" in schema["paths"]


async def test_hostile_workstream_codes_are_404_not_errors(client: Client) -> None:
    for code in ["%00", "T%00", "' OR 1=1", "x" * 500]:
        response = await client.get(f"/api/workstreams/{code}")
        assert response.status_code == 404, code
    response = await client.get("/api/projects?workstream=T%00")
    assert response.status_code == 400
