"""The ``stepchange`` command starts at once: its overview needs no app, and it lists every real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.cli._utils import LitestarEnv

from stepchange.cli import LITESTAR_COMMANDS, OWN_COMMANDS, overview


def test_help_answers_without_loading_litestar_or_the_app() -> None:
    probe = (
        "import sys\n"
        "from stepchange import cli\n"
        "sys.argv = ['stepchange', '--help']\n"
        "try:\n    cli.main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "heavy = sorted(m for m in ('litestar', 'sqlalchemy', 'advanced_alchemy', 'polars', 'stepchange.app')"
        " if m in sys.modules)\n"
        "print('EXIT', code, 'HEAVY', heavy)\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, check=True
    )
    assert "Commands:" in done.stdout
    assert "EXIT 0 HEAVY []" in done.stdout


@pytest.fixture
def app_env(app: Litestar) -> LitestarEnv:
    return LitestarEnv(app_path="stepchange.app:create_app", app=app, cwd=Path.cwd())


def test_the_overview_lists_exactly_the_commands_litestars_cli_has(app_env: LitestarEnv) -> None:
    """If a command is added or renamed, the fast overview must say so too."""
    from litestar.cli.main import litestar_group

    from stepchange.commands import register

    register(litestar_group)
    ctx = click.Context(litestar_group, obj=app_env)
    real = set(litestar_group.list_commands(ctx))
    assert real == set(OWN_COMMANDS) | set(LITESTAR_COMMANDS)
    for name in real:
        assert name in overview()


def test_a_real_command_still_runs_through_litestars_cli(app_env: LitestarEnv) -> None:
    from litestar.cli.main import litestar_group

    from stepchange.commands import register

    register(litestar_group)
    result = CliRunner().invoke(litestar_group, ["data", "--help"], obj=app_env)
    assert result.exit_code == 0, result.output
    assert "purge" in result.output
