"""The README a newcomer reads in five minutes, and docs/ for the rest: short, complete about settings and
commands, and every link leads to a file in this repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stepchange import backup, cli, import_cli, mail_cli, reminders_cli
from stepchange.core.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) < 150


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_every_link_leads_to_a_file_in_the_repository(page: Path) -> None:
    text = page.read_text()
    assert "../shared" not in text, "nobody who clones the project has ../shared"
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path = (page.parent / target).resolve()
        assert path.is_relative_to(PROJECT_ROOT), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to {target}, which does not exist"


def test_the_readme_names_every_setting_the_service_reads() -> None:
    source = (PROJECT_ROOT / "stepchange" / "core" / "settings.py").read_text()
    settings = set(re.findall(r'_env(?:_int)?\(\s*"([A-Z_]+)"', source))
    assert {"DATABASE_URL", "TRUSTED_PROXIES", "API_DOCS"} <= settings
    readme = README.read_text()
    missing = sorted(name for name in settings if f"`STEPCHANGE_{name}`" not in readme)
    assert missing == [], f"the README's configuration table lacks {missing}"


def test_the_readme_lists_every_command_of_the_service() -> None:
    source = (PROJECT_ROOT / "stepchange" / "cli.py").read_text()
    registered = re.findall(r"cli\.add_command\((\w+)\)", source)
    assert len(registered) >= 9

    modules = (cli, backup, import_cli, mail_cli, reminders_cli)
    names = [next(getattr(m, r) for m in modules if hasattr(m, r)).name for r in registered]
    readme = README.read_text()
    missing = [name for name in names if not re.search(rf"`(stepchange )?{re.escape(name)}[ `]", readme)]
    assert missing == [], f"the README's command table lacks {missing}"
