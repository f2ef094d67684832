"""The public HTML pages, through HTTP: content, filters, errors, and the security and branding rules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape
from sqlalchemy import update

from stepchange.core import clock
from stepchange.core.clock import end_of_day_uk, start_of_day_uk
from stepchange.core.database import build_database_config, session_scope
from stepchange.core.settings import Settings
from stepchange.interest.models import Call
from stepchange.projects.models import Project, Rag
from tests.conftest import Client

HTML = {"Accept": "text/html"}
PUBLIC_PAGES = [
    "/",
    "/workstreams",
    "/workstreams/CP",
    "/projects",
    "/projects?workstream=TT&status=provisional",
    "/projects/SR3",
    "/privacy",
    "/accessibility",
    "/contact",
]
WORKSTREAMS = {
    "T": "Transport",
    "CP": "Crowded Places",
    "TT": "Travel &amp; Tourism",
    "CF": "Cyber &amp; Finance",
    "SR": "Security &amp; Resilience",
}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def listed_codes(page: str) -> list[str]:
    """The project codes a projects list links to, in order."""
    return re.findall(r'href="/projects/([A-Z]+\d+)"', page)


def h1s(page: str) -> list[str]:
    return re.findall(r"<h1\b", page)


async def test_home_explains_the_programme_and_the_2018_call(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    page = response.text
    assert "<title>Home – Step-Change</title>" in page
    assert len(h1s(page)) == 1
    for code, name in WORKSTREAMS.items():
        assert f'href="/workstreams/{code}"' in page
        assert name in page
    assert page.count("5 projects") == 5
    # The call closed at the end of Friday 25 May 2018, UK time (not "26 May").
    assert "Step-Change Call to Action 2018" in page
    assert "has closed" in page
    assert "11:59pm on Friday 25 May 2018" in page
    assert "26 May 2018" not in page
    for words in ("voluntary", "in confidence", "validated", "conflicts of interest", "25 priority projects"):
        assert words in page
    # Milestones with their dates, and the key activity in the source's order (with its odd "Dec 2018").
    assert "Programme Coordination office is established" in page
    assert "23 April 2018" in page
    assert "1 June 2018" in page
    dates = [
        "28 Mar 17",
        "17 July 17",
        "July – Dec 17",
        "Dec 2018",
        "8 Feb 18",
        "Mar 18",
        "16 Apr 18",
        "18 Apr 18",
    ]
    positions = [page.index(f">{d}<") for d in dates]
    assert positions == sorted(positions)


async def test_home_shows_an_open_call_and_when_it_closes(client: Client, settings: Settings) -> None:
    today = clock.uk_today()
    closing_day = today + dt.timedelta(days=10)
    config = build_database_config(settings)
    async with session_scope(config) as session:
        session.add(
            Call(
                name="Step-Change Call to Action (new projects)",
                opens_at=start_of_day_uk(today - dt.timedelta(days=1)),
                closes_at=end_of_day_uk(closing_day),
            )
        )
    await config.get_engine().dispose()

    page = (await client.get("/")).text
    assert "Step-Change Call to Action (new projects)</strong> is open" in page
    assert f"11:59pm on {closing_day:%A} {closing_day.day} {closing_day:%B %Y}" in page
    assert "has closed" not in page


async def test_workstream_pages_link_their_projects(client: Client) -> None:
    index = await client.get("/workstreams")
    assert index.status_code == 200
    assert len(listed_codes(index.text)) == 25
    detail = await client.get("/workstreams/cf")
    assert detail.status_code == 200
    assert listed_codes(detail.text) == ["CF1", "CF2", "CF3", "CF4", "CF5"]
    assert "<title>Cyber &amp; Finance work-stream – Step-Change</title>" in detail.text
    missing = await client.get("/workstreams/ZZ", headers=HTML)
    assert missing.status_code == 404
    assert "Page not found" in missing.text


async def test_every_project_page_shows_its_action_and_vision_and_no_staff_fields(
    client: Client, settings: Settings
) -> None:
    # Give one project a RAG rating: staff see it, the public page must not.
    config = build_database_config(settings)
    async with session_scope(config) as session:
        await session.execute(update(Project).where(Project.code == "CP1").values(rag=Rag.AMBER))
    await config.get_engine().dispose()

    projects = (await client.get("/api/projects", params={"limit": 100})).json()["items"]
    assert len(projects) == 25
    for project in projects:
        response = await client.get(f"/projects/{project['code']}")
        assert response.status_code == 200, project["code"]
        page = response.text
        assert len(h1s(page)) == 1
        assert f"{project['code']}: {escape(project['title'])}" in page
        assert str(escape(project["action"])) in page
        assert str(escape(project["vision"])) in page
        assert f'href="/workstreams/{project["workstream"]}"' in page
        assert "Provisional" in page
        assert not re.search(r"\b(rag|version)\b", page, re.IGNORECASE), project["code"]
        assert not re.search(r"\bamber\b", page, re.IGNORECASE), project["code"]


async def test_projects_list_filters_by_workstream_and_status(client: Client) -> None:
    everything = await client.get("/projects")
    assert everything.status_code == 200
    assert len(listed_codes(everything.text)) == 25
    assert "25 projects" in everything.text

    crowded = await client.get("/projects", params={"workstream": "CP"})
    assert crowded.status_code == 200
    assert listed_codes(crowded.text) == ["CP1", "CP2", "CP3", "CP4", "CP5"]
    assert "5 projects" in crowded.text
    assert '<option value="CP" selected>' in crowded.text

    both = await client.get("/projects", params={"workstream": "cp", "status": "provisional"})
    assert listed_codes(both.text) == ["CP1", "CP2", "CP3", "CP4", "CP5"]

    none = await client.get("/projects", params={"status": "delivered"})
    assert none.status_code == 200
    assert listed_codes(none.text) == []
    assert "0 projects" in none.text
    assert "No projects match your filters" in none.text


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "nonsense"}, "status"), ({"workstream": "ZZ"}, "workstream")],
)
async def test_a_bad_filter_is_shown_on_the_form(client: Client, query: dict[str, str], field: str) -> None:
    response = await client.get("/projects", params=query)
    assert response.status_code == 400
    page = response.text
    assert "govuk-error-summary" in page
    assert "<title>Error: Projects – Step-Change</title>" in page
    assert f'href="#{field}"' in page
    assert f'id="{field}-error"' in page
    select = re.search(rf'<select class="([^"]*)" id="{field}" name="{field}"', page)
    assert select, field
    assert "govuk-select--error" in select.group(1).split()
    assert listed_codes(page) == []


async def test_an_unknown_project_gets_the_html_not_found_page(client: Client) -> None:
    response = await client.get("/projects/XX9", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in page
    assert "If you typed the web address, check it is correct." in page
    assert 'href="/"' in page
    # The API keeps answering in problem details.
    api = await client.get("/api/projects/XX9")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement for Step-Change"),
        ("/contact", "Contact the programme office"),
    ],
)
async def test_information_pages(client: Client, path: str, heading: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert f">{heading}</h1>" in response.text
    assert len(h1s(response.text)) == 1
    assert "stepchange@met.police.uk" in response.text


async def test_privacy_notice_covers_the_essentials(client: Client) -> None:
    page = (await client.get("/privacy")).text
    for words in (
        "UK GDPR",
        "Information Commissioner",
        "encrypted",
        "co-chairs",
        "Ethics reviewers",
        "deleted",
    ):
        assert words in page


async def test_only_the_templates_inline_script_runs_and_it_carries_the_nonce(client: Client) -> None:
    for path in [*PUBLIC_PAGES, "/projects?status=nonsense", "/projects/XX9"]:
        response = await client.get(path, headers=HTML)
        csp = response.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce, path
        inline = [attrs for attrs, body in SCRIPT.findall(response.text) if "src=" not in attrs or body.strip()]
        assert inline == [f' nonce="{nonce.group(1)}"'], path
        external = [attrs for attrs, _ in SCRIPT.findall(response.text) if "src=" in attrs]
        assert external == [
            ' type="module" src="/static/govuk-frontend.min.js"',
            ' type="module" src="/static/init.mjs"',
        ], path
        assert "style=" not in response.text, path
        assert "<style" not in response.text, path


async def test_pages_carry_this_services_brand_not_govuks(client: Client) -> None:
    for path in PUBLIC_PAGES:
        page = (await client.get(path)).text
        assert '<a href="/" class="sc-header__name">Step-Change</a>' in page, path
        assert '<link rel="stylesheet" href="/static/stepchange.css">' in page, path
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page, path
        for govuk_only in (
            "govuk-header__logo",
            "govuk-logo",
            "govuk-footer__crown",
            "Crown copyright",
            "Open Government Licence",
            "GDS Transport",
            "/assets/",
            "gov.uk",
        ):
            assert govuk_only not in page, (path, govuk_only)
        for link in ('href="/privacy"', 'href="/accessibility"', 'href="/contact"'):
            assert link in page, path
        assert "Information on this service is shared in confidence." in page


async def test_built_assets_are_served(client: Client) -> None:
    css = await client.get("/static/stepchange.css")
    assert css.status_code == 200, "run `npm install && npm run build` to build the front-end assets"
    assert css.headers["content-type"].startswith("text/css")
    assert "GDS Transport" not in css.text
    assert "@font-face" not in css.text
    assert "govuk-crest" not in css.text
    assert ".sc-header" in css.text
    assert "@media print" in css.text
    for path, kind in (
        ("/static/govuk-frontend.min.js", "javascript"),
        ("/static/init.mjs", "javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path
    assert "initAll()" in (await client.get("/static/init.mjs")).text
