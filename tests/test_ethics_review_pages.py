"""The ethics reviewer's pages: the person's choices and other declarations beside the one under review,
every error at once in page order, the mitigation and conditions revealed only for the outcome that needs
them (and asked for only then), and the project's Action and Vision on its review page."""

from __future__ import annotations

import re

from tests.test_ethics import MITIGATION, REASON, Programme, programme  # noqa: F401 - the fixture


def summary(text: str) -> list[str]:
    box = text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', box)


async def test_the_declaration_page_shows_choices_other_declarations_and_every_error(
    programme: Programme,  # noqa: F811
) -> None:
    conflicts = [
        {"kind": "financial", "description": "Shares in VetCo", "organisation": "VetCo", "projects": ["T1"]},
        {"kind": "personal", "description": "My brother runs a cruise line", "projects": []},
    ]
    person = await programme.volunteer("priya@example.co.uk", conflicts=conflicts)
    found = await programme.get("coordinator", "/api/conflicts", state="all", volunteer_id=person)
    first, second = (d["id"] for d in found.json()["items"])
    page = await programme.get("ethics", f"/ethics/declarations/{first}")
    assert "Projects Priya Shah chose" in page.text
    assert "T1: Insider threat" in page.text and "CP2:" in page.text and "Touched by this declaration" in page.text
    assert "Lead" in page.text and "Team member" in page.text, "roles in words"
    assert f'href="/ethics/declarations/{second}"' in page.text

    path = f"/ethics/declarations/{first}/review"
    nothing = await programme.form("ethics", path, {})
    assert nothing.status_code == 400
    assert summary(nothing.text) == ["outcome", "reason"], "every error at once, in page order"
    managed = await programme.form("ethics", path, {"outcome": "managed"})
    assert summary(managed.text) == ["mitigation", "reason"]
    assert "Enter how the conflict will be managed" in managed.text
    no_conflict = await programme.form("ethics", path, {"outcome": "no_conflict", "reason": REASON, "mitigation": ""})
    assert no_conflict.status_code == 303, "the mitigation is asked for only when managed"
    done = await programme.form(
        "ethics",
        f"/ethics/declarations/{second}/review",
        {"outcome": "managed", "reason": REASON, "mitigation": MITIGATION},
    )
    assert done.status_code == 303


async def test_the_mitigation_is_a_conditional_reveal_without_aria_expanded(programme: Programme) -> None:  # noqa: F811
    declaration = await programme.declaration_of(await programme.volunteer("priya@example.co.uk"))
    page = (await programme.get("ethics", f"/ethics/declarations/{declaration}")).text
    radios = page.split("data-sc-reveal", 1)[1].split("</fieldset>", 1)[0]
    assert 'data-aria-controls="conditional-outcome-2"' in radios
    assert 'id="conditional-outcome-2"' in radios and 'id="mitigation"' in radios
    assert "govuk-radios__conditional--hidden" in radios, "hidden until chosen (once scripts run)"
    group = page.split("data-sc-reveal", 1)[0].rsplit("<div", 1)[1]
    assert 'data-module="govuk-radios"' not in group, "GOV.UK's Radios script (aria-expanded on radios) leaves it alone"
    assert "nonce=" in page.split("data-sc-reveal", 1)[1]
    again = await programme.form("ethics", f"/ethics/declarations/{declaration}/review", {"outcome": "managed"})
    shown = again.text.split('id="conditional-outcome-2"', 1)[0].rsplit("<div", 1)[1]
    assert "hidden" not in shown, "the chosen outcome's question shows when the page comes back with errors"


async def test_the_project_review_shows_action_and_vision_and_reveals_conditions(programme: Programme) -> None:  # noqa: F811
    page = await programme.get("ethics", "/ethics/projects/T1")
    assert "What the project will do" in page.text
    assert "Manage insider threat" in page.text and "Staff of transport systems are monitored" in page.text
    assert 'id="conditions"' in page.text.split("data-sc-reveal", 1)[1].split("</fieldset>", 1)[0]
    refused = await programme.form("ethics", "/ethics/projects/T1", {"outcome": "cleared_with_conditions"})
    assert summary(refused.text) == ["conditions", "reason"]
