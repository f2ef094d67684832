"""Checks on the seed data files transcribed from the Step-Change Call to Action (2018)."""

import tomllib
from pathlib import Path

import pytest

SEEDS = Path(__file__).parents[1] / "seeds"

WORKSTREAM_CODES = ["T", "CP", "TT", "CF", "SR"]

# First words of each project's Action and Vision for Success, per the programme office's
# reading of the tables (shared/seeds/README.md). Quotes are the source's curly ones; CF2's
# vision keeps the source's "An volunteer" (README writes "A volunteer").
EXPECTED_PREFIXES = {
    "T1": ("Manage insider threat", "Staff of transport systems are monitored"),
    "T2": (
        "Highlight vulnerability legally, morally and commercially",
        "Potential change to \u2018require\u2019 businesses",
    ),
    "T3": (
        "Train and equip guard force workers",
        "Increased visibility and effectiveness of transport network guard force",
    ),
    "T4": (
        "Write into commissioned service contracts / tenders",
        "Evidence of increasing commercial contracts",
    ),
    "T5": (
        "Identify and engage with relevant inspectorates",
        "Protective security now considered by Inspectorate",
    ),
    "CP1": (
        "Review existing governance around crowded places",
        "Tiered public/private/government partnerships",
    ),
    "CP2": ("Create a simple method for partnerships to access information", "A single national brand"),
    "CP3": (
        "Establish a variety of routes to educate and mobilise business",
        "Products are developed collaboratively",
    ),
    "CP4": (
        "Develop improved supervision standards within the security industry",
        "All newly accredited SIA staff",
    ),
    "CP5": (
        "Expand the voluntary/regulatory licensing and oversight of crowded place events",
        "Events are delivered to a consistently high security standard",
    ),
    "TT1": (
        "Enhance FCO Travel advice reach",
        "A broad reach of on-demand and \u2018pushed\u2019 travel advice",
    ),
    "TT2": (
        "Suppliers \u2013 Health, Safety & Security technical guide Blue book roll out and audit",
        "Suppliers will have a greater understanding",
    ),
    "TT3": (
        "Increase education of customers \u2013 z-card, website, mobile companies",
        "The Z card will be given to all travelling public",
    ),
    "TT4": (
        "Cross sector learning \u2013 ACT \u2013 one framework",
        "Mass participation in industry led ACT events",
    ),
    "TT5": ("Level playing field for all H&S issues", "A common safety and security framework"),
    "CF1": ("Identify and amalgamate", "A clear public understanding of current activity"),
    "CF2": (
        "Scope the use of specialist civilian cyber expertise",
        "An volunteer/Special Constabulary cadre of ROCU",
    ),
    "CF3": (
        "Collaborate with NCSC and partners",
        "Step-Change programme is able to push credible protective security information",
    ),
    "CF4": (
        "Intuitive, simple, bespoke SME/Micro cyber insurance products",
        "A raised level of cyber protection in exchange for effective cyber insurance cover",
    ),
    "CF5": (
        "Establish a structure to acknowledge a product/service or collaboration",
        "Endorsement and support is provided from govt accredited agencies",
    ),
    "SR1": (
        "Support the development of process/programme for security support between larger business and SMEs",
        "Inter-business security resources and best practice are shared",
    ),
    "SR2": (
        "Develop and influence training standards for SIA and Steward training",
        "All newly accredited SIA staff",
    ),
    "SR3": (
        "Participate and collaborate on recognised accreditation schemes",
        "Police/Home Office endorsement of a public accreditation scheme",
    ),
    "SR4": (
        "Develop /enhance Information and engagement hub",
        "Private security functions are well briefed on terrorism",
    ),
    "SR5": (
        "Optimise the adoption and use of CSAS",
        "CSAS is used to mobilise and enhance existing protective security delivery",
    ),
}

KEY_ACTIVITY_DATES = [
    "28 Mar 17",
    "17 July 17",
    "July \u2013 Dec 17",
    "Dec 2018",
    "8 Feb 18",
    "Mar 18",
    "16 Apr 18",
    "18 Apr 18",
]


def _load(name: str) -> dict:
    with (SEEDS / name).open("rb") as f:
        return tomllib.load(f)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_workstreams_codes_in_order():
    workstreams = _load("workstreams.toml")["workstream"]
    assert [w["code"] for w in workstreams] == WORKSTREAM_CODES
    for w in workstreams:
        assert w["name"]
        assert w["source_name"]
        assert w["summary"]


def test_projects_count_unique_codes_and_workstreams():
    projects = _load("projects.toml")["project"]
    ws_codes = {w["code"] for w in _load("workstreams.toml")["workstream"]}
    assert len(projects) == 25
    codes = [p["code"] for p in projects]
    assert len(set(codes)) == 25
    assert codes == [f"{ws}{n}" for ws in WORKSTREAM_CODES for n in range(1, 6)]
    for p in projects:
        assert p["workstream"] in ws_codes
        assert p["code"] == f"{p['workstream']}{p['number']}"


def test_project_titles_are_short():
    for p in _load("projects.toml")["project"]:
        assert 0 < len(p["title"]) <= 60, p["code"]


@pytest.mark.parametrize("code", list(EXPECTED_PREFIXES))
def test_action_and_vision_pairing(code):
    projects = {p["code"]: p for p in _load("projects.toml")["project"]}
    action_prefix, vision_prefix = EXPECTED_PREFIXES[code]
    assert projects[code]["action"].startswith(action_prefix)
    assert projects[code]["vision"].startswith(vision_prefix)


def test_expected_prefixes_cover_all_projects():
    codes = {p["code"] for p in _load("projects.toml")["project"]}
    assert set(EXPECTED_PREFIXES) == codes


@pytest.mark.parametrize("name", ["workstreams.toml", "projects.toml", "programme.toml", "calls.toml"])
def test_no_newlines_or_double_spaces(name):
    for s in _strings(_load(name)):
        assert "\n" not in s, s
        assert "  " not in s, s
        assert s == s.strip(), s


def test_milestones():
    milestones = _load("programme.toml")["milestone"]
    assert len(milestones) == 5
    assert len({m["key"] for m in milestones}) == 5
    for m in milestones:
        assert m["done_on"] == m["due_on"]


def test_key_activity_in_source_order():
    rows = _load("programme.toml")["key_activity"]
    assert len(rows) == 8
    assert [r["position"] for r in rows] == list(range(1, 9))
    assert [r["date_text"] for r in rows] == KEY_ACTIVITY_DATES


def test_call():
    calls = _load("calls.toml")["call"]
    assert len(calls) == 1
    assert calls[0]["opens_on"] < calls[0]["closes_on"]
