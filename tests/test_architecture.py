"""The import contracts name every pages and controllers module, so a new one cannot slip past them.

import-linter's wildcards stand only for whole module names (``stepchange.*.pages``), so modules named
``pages_*``, ``*_pages`` or ``*_controllers`` are listed one by one in pyproject.toml; this test fails
when a module of either kind is added without being listed.
"""

from __future__ import annotations

import fnmatch
import tomllib

from stepchange.core.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "stepchange"


def modules() -> list[str]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def covered(module: str, patterns: list[str]) -> bool:
    """A pattern covers a module and its descendants; ``*`` stands for one whole name."""
    names = module.split(".")
    prefixes = [".".join(names[: i + 1]) for i in range(len(names))]
    return any(
        fnmatch.fnmatchcase(prefix, pattern) and prefix.count(".") == pattern.count(".")
        for pattern in patterns
        for prefix in prefixes
    )


def is_kind(module: str, kind: str) -> bool:
    return any(
        name == kind or name.startswith(f"{kind}_") or name.endswith(f"_{kind}") for name in module.split(".")[1:]
    )


def contract(name_start: str) -> dict[str, list[str]]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    [found] = [c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith(name_start)]
    return found


def test_every_pages_module_is_forbidden_from_importing_every_controllers_module() -> None:
    doors = contract("Pages and controllers")
    pages = [m for m in modules() if is_kind(m, "pages")]
    controllers = [m for m in modules() if is_kind(m, "controllers")]
    assert len(pages) > 10 and len(controllers) > 10
    assert [m for m in pages if not covered(m, doors["source_modules"])] == []
    assert [m for m in controllers if not covered(m, doors["forbidden_modules"])] == []


def test_the_reverse_contract_lists_the_same_modules() -> None:
    doors, reverse = contract("Pages and controllers"), contract("Controllers never import pages")
    assert reverse["source_modules"] == doors["forbidden_modules"]
    assert reverse["forbidden_modules"] == doors["source_modules"]


def test_a_module_named_like_a_page_but_unlisted_is_caught() -> None:
    patterns = ["stepchange.*.pages"]
    assert covered("stepchange.desk.pages", patterns)
    assert covered("stepchange.governance.pages.meetings", patterns)
    assert not covered("stepchange.interest.pages_flow", patterns)
    assert is_kind("stepchange.interest.pages_flow", "pages") and is_kind("stepchange.x.record_pages", "pages")
    assert not is_kind("stepchange.core.pagination", "pages")
