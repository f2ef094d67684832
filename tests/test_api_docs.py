"""The API's description at /schema: every error documented as the problem details the service really
sends (checked against real answers), and a viewer served from this origin under the service's own CSP."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import PROJECT_ROOT, Settings
from tests.conftest import Client, make_staff, sign_in
from tests.server import running
from tests.test_resilience import server_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


async def openapi(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        for part in node["$ref"].removeprefix("#/").split("/"):
            document = document[part.replace("~1", "/").replace("~0", "~")]
        node = document
    return node


def documented_problem(document: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The schema this operation documents for this status (or its default), as problem details."""
    responses = document["paths"][path][method.lower()]["responses"]
    response = resolve(document, responses.get(str(status)) or responses["default"])
    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    return dict(response["content"]["application/problem+json"]["schema"])


def check_answer(document: dict[str, Any], method: str, path: str, answer: httpx.Response) -> dict[str, Any]:
    """The answer is problem details, and valid against what the document promises for its status."""
    assert answer.headers["content-type"] == "application/problem+json"
    template = re.sub(r"/[0-9a-f-]{36}(?=/|$)", "/{user_id}", path) if path.startswith("/api/users/") else path
    problem = dict(answer.json())
    jsonschema.validate(problem, documented_problem(document, method, template, answer.status_code))
    assert problem["status"] == answer.status_code
    return problem


async def test_every_error_is_documented_as_problem_details_never_litestars_shape(client: Client) -> None:
    document = await openapi(client)
    found = operations(document)
    assert len(found) > 100
    for method, path, operation in found:
        errors = {status: r for status, r in operation["responses"].items() if not status.startswith(("2", "3"))}
        assert "default" in errors, (method, path)
        for status, reference in errors.items():
            response = resolve(document, reference)
            schema = response["content"]["application/problem+json"]["schema"]
            assert set(schema["required"]) == {"type", "title", "status", "detail", "instance"}, (method, path)
            assert "status_code" not in schema["properties"] and "extra" not in schema["properties"]
            example = response["content"]["application/problem+json"]["example"]
            jsonschema.validate(example, schema)
            if status != "default":
                assert example["status"] == int(status)
    login = document["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"400", "403", "409", "413", "default"} <= set(login), "a public write: invalid input, CSRF, rules, size"
    users = document["paths"]["/api/users/{user_id}"]["patch"]["responses"]
    assert {"400", "401", "403", "404", "409", "default"} <= set(users), "a guarded edit of one record"
    assert set(document["paths"]["/health"]["get"]["responses"]) == {"200", "default"}


async def test_the_answers_match_the_documented_problems(
    client: Client, browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    document = await openapi(client)
    await make_staff(db_config, "office@example.org", "coordinator")
    await make_staff(db_config, "board@example.org", "board")

    anonymous = await client.get("/api/users")
    assert check_answer(document, "GET", "/api/users", anonymous)["title"] == "Not signed in"

    board = await browsers()
    await sign_in(board, "board@example.org")
    refused = await board.post("/api/users", json={}, headers={"x-csrftoken": await board.csrf()})
    assert check_answer(document, "POST", "/api/users", refused)["status"] == 403

    await sign_in(client, "office@example.org")
    headers = {"x-csrftoken": await client.csrf()}
    invalid = await client.post(
        "/api/users", json={"email": "x@example.org", "name": "X", "role": "king"}, headers=headers
    )
    assert check_answer(document, "POST", "/api/users", invalid)["errors"][0]["field"] == "role"
    taken = await client.post(
        "/api/users", json={"email": "office@example.org", "name": "Dup", "role": "board"}, headers=headers
    )
    assert check_answer(document, "POST", "/api/users", taken)["rules"][0]["rule"] == "email_taken"
    unknown = f"/api/users/{uuid.uuid4()}"
    missing = await client.patch(unknown, json={"name": "Nobody"}, headers=headers)
    assert check_answer(document, "PATCH", unknown, missing)["status"] == 404
    no_csrf = await client.post("/api/users", json={})
    assert check_answer(document, "POST", "/api/users", no_csrf)["status"] == 403


async def test_the_viewer_loads_only_from_this_origin_under_the_csp(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "style-src 'self';" in csp, "the service's own policy, unchanged"
    assert "<style" not in page.text and " style=" not in page.text, "no inline style"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attributes for attributes, body in scripts), (
        "no inline script"
    )
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert not [a for a in assets if "//" in a], "nothing from another origin"
    for asset in assets:
        if asset.startswith("/static/"):
            response = await client.get(asset)
            assert response.status_code == 200, asset
            assert response.content, asset
    assert "/static/api-docs/swagger-ui-bundle.js" in assets and "/schema/openapi.json" in page.text
    assert (PROJECT_ROOT / "stepchange" / "static" / "api-docs" / "LICENSE").exists(), "Swagger UI's licence ships"


async def operations_drawn_while_scrolling(page: Any) -> set[str]:
    """Every operation Swagger UI draws, scrolled through from top to bottom.

    From 150 tags and operations on, Swagger UI draws only those near the screen (and a few either side),
    so the page is read a screenful at a time until scrolling moves it no further.
    """
    drawn: set[str] = set()
    last_offset = -1.0
    for _ in range(400):
        await page.wait_for_timeout(50)
        drawn.update(await page.locator(".opblock").evaluate_all("blocks => blocks.map(block => block.id)"))
        offset = await page.evaluate("() => window.scrollY")
        if offset == last_offset:
            break
        last_offset = offset
        await page.mouse.wheel(0, 600)
    return drawn


async def try_it_out(page: Any, operation_id: str) -> str:
    """Press "Try it out" then "Execute" on one operation; what the page shows it answered."""
    operation = page.locator(f"[id$='-{operation_id}']")
    for _ in range(100):  # drawn only near the screen: scroll down to it
        if await operation.count():
            break
        await page.mouse.wheel(0, 400)
        await page.wait_for_timeout(50)
    await operation.locator(".opblock-summary-control").click()
    await operation.locator("button.try-out__btn").click()
    await operation.locator("button.execute").click()
    await operation.locator(".live-responses-table .response-col_status").first.wait_for()
    return str(await operation.locator(".live-responses-table").inner_text())


async def axe_violations(page: Any) -> list[str]:
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [f"{v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in result["violations"]]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)")
async def test_schema_renders_in_chromium_offline_with_no_csp_error(settings: Settings, tmp_path: Path) -> None:
    """Swagger UI draws every operation; the console shows no error (a CSP refusal is one); no request
    leaves the origin; "Try it out" reaches the API, with the CSRF token when it changes something; axe-core
    finds no WCAG 2.2 A/AA violation, at desktop width and at 320 px."""
    playwright_api = pytest.importorskip("playwright.async_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            elsewhere: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url))
            await page.add_init_script(path=str(AXE))  # injected by the browser: the page's CSP stays as served
            await page.goto(f"{server.url}/schema")
            await page.wait_for_selector(".opblock-summary")
            async with httpx.AsyncClient(base_url=server.url) as plain:
                document = (await plain.get("/schema/openapi.json")).json()
            drawn = await operations_drawn_while_scrolling(page)
            assert len(drawn) == len(operations(document)), sorted(drawn)
            await page.mouse.wheel(0, -1_000_000)
            health = await try_it_out(page, "HealthHealth")
            logout = await try_it_out(page, "ApiAuthLogoutLogout")
            await page.mouse.move(0, 0)  # judge the page as it rests, not under the pointer's last click
            await page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
            desktop = await axe_violations(page)
            await page.set_viewport_size({"width": 320, "height": 900})
            await page.screenshot(path=str(ARTIFACTS / "320px-api-docs.png"))
            phone = await axe_violations(page)
            await browser.close()
    assert errors == [], errors
    assert elsewhere == [], elsewhere
    assert "200" in health and '"status": "ok"' in health
    assert "Signed out" in logout, "an unsafe request from the page passes the CSRF check"
    assert desktop == [] and phone == [], desktop + phone
