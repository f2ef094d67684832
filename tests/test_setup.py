"""Setting up and running the service as the README says: `make run PORT=…` links to where it serves,
installs come from lock files that match pyproject.toml, and the stylesheet builds without a warning."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from stepchange.core.settings import PROJECT_ROOT

MAKE = shutil.which("make")
LOCKS = PROJECT_ROOT / "requirements"
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)(?P<rest>[^\n]*)\n(?P<hashes>(?:\s+--hash=\S+ ?\\?\n?)*)", re.M
)

needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def make_dry_run(*args: str, **env: str) -> list[str]:
    """The commands `make` would run (none is run), with the environment given and no STEPCHANGE_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEPCHANGE_")}
    result = subprocess.run(  # noqa: S603 - our own command line
        [str(MAKE), "--no-print-directory", "-n", *args],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def stepchange_commands(lines: list[str], command: str) -> list[str]:
    return [line for line in lines if f"bin/stepchange {command}" in line]


@needs_make
def test_make_run_links_to_the_port_it_serves_on() -> None:
    lines = make_dry_run("run", "PORT=8211")
    for command in ("demo accounts", "demo call", "run --host 127.0.0.1 --port 8211"):
        [line] = stepchange_commands(lines, command)
        assert line.startswith("STEPCHANGE_BASE_URL='http://127.0.0.1:8211' "), line
    [everywhere] = stepchange_commands(make_dry_run("run", "HOST=0.0.0.0"), "run")
    assert everywhere.startswith("STEPCHANGE_BASE_URL='http://127.0.0.1:8000' ") and "--host 0.0.0.0" in everywhere


@needs_make
def test_a_base_url_that_is_set_wins() -> None:
    lines = make_dry_run("run", "PORT=8211", STEPCHANGE_BASE_URL="https://stepchange.example.org")
    for command in ("demo accounts", "demo call", "run"):
        [line] = stepchange_commands(lines, command)
        assert line.startswith("STEPCHANGE_BASE_URL='https://stepchange.example.org' "), line


@needs_make
def test_make_installs_exactly_the_locked_versions() -> None:
    lines = make_dry_run("-B", "install")
    assert any("pip install --quiet --require-hashes -r requirements/dev.lock" in line for line in lines), lines
    assert any("pip install --quiet --no-deps -e ." in line for line in lines), "the project itself adds nothing"


def locked(name: str) -> dict[str, tuple[str, str, int]]:
    """The lock file's pins: name → (version, environment marker, number of hashes)."""
    text = (LOCKS / name).read_text()
    return {
        canonicalize_name(m["name"]): (m["version"], m["rest"].strip(" ;\\"), m["hashes"].count("--hash="))
        for m in PIN.finditer(text)
    }


@pytest.mark.parametrize(("lock", "groups"), [("dev.lock", ("main", "dev")), ("production.lock", ("main",))])
def test_the_locks_pin_every_dependency_within_pyproject_bounds_with_hashes(lock: str, groups: tuple[str, ...]) -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    if "dev" in groups:
        wanted += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    pins = locked(lock)
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/{lock}: run `make lock`"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} is outside {requirement}"
    assert all(hashes >= 1 for _, _, hashes in pins.values()), "every pin carries its hashes"
    if lock == "production.lock":
        development = locked("dev.lock")
        assert {n: v[0] for n, v in pins.items()} == {n: development[n][0] for n in pins}, "one version of each"
        assert "pytest" not in pins and "ruff" not in pins


def test_the_stylesheet_builds_without_a_warning() -> None:
    sass = PROJECT_ROOT / "node_modules" / ".bin" / "sass"
    if not sass.exists():
        pytest.skip("npm ci has not been run (the asset build needs node_modules)")
    result = subprocess.run(  # noqa: S603 - our own command line
        [str(sass), "--no-source-map", "--quiet-deps", "--load-path=node_modules", "frontend/stepchange.scss"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stderr == "", result.stderr
    assert ".sc-history__item" in result.stdout
