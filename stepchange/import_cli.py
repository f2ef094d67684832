"""``stepchange import …``: the office's existing intake, without retyping (DESIGN.md, "SurveyMonkey import")."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast
from uuid import UUID

import click
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.cli._utils import LitestarGroup

from stepchange.cli import OWN_COMMANDS
from stepchange.core.database import app_database_config, session_scope
from stepchange.core.settings import Settings, get_settings
from stepchange.interest.importing import ImportReport, SurveyImporter
from stepchange.interest.survey_mapping import ExportError, load_mapping
from stepchange.interest.surveymonkey import ExportReader


@click.group(cls=LitestarGroup, name="import", help=OWN_COMMANDS["import"])
def import_group() -> None:
    """Imports of the office's existing intake."""


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error (the report goes to standard output)."""
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update


async def run_import(
    config: SQLAlchemyAsyncConfig,
    settings: Settings,
    export_path: Path,
    mapping_path: Path | None,
    *,
    call_id: UUID | None,
    accept_late: bool,
    send_confirmations: bool,
) -> ImportReport:
    """Read, check and import in one transaction: every accepted row is written, or none is."""
    reader = ExportReader(export_path, load_mapping(mapping_path))
    try:
        async with session_scope(config) as session:
            return await SurveyImporter(session, settings, progress_bar).run(
                reader, call_id=call_id, accept_late=accept_late, send_confirmations=send_confirmations
            )
    finally:
        await config.get_engine().dispose()


@import_group.command(  # type: ignore[untyped-decorator]  # LitestarGroup.command is untyped
    name="surveymonkey", help="Import a SurveyMonkey CSV export (all responses, expanded)."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The mapping (TOML) from the survey's questions to the fields; default: the standard questionnaire",
)
@click.option("--call", "call_id", type=click.UUID, default=None, help="The call's id; default: the most recent call")
@click.option("--send-confirmations", is_flag=True, help="E-mail the imported people links to confirm their address")
@click.option("--accept-late", is_flag=True, help="Import rows outside the call's window too, marked late")
def surveymonkey_command(
    app: Litestar,
    file: Path,
    mapping: Path | None,
    call_id: UUID | None,
    send_confirmations: bool,
    accept_late: bool,
) -> None:
    settings = cast(Settings, getattr(app.state, "settings", None) or get_settings())
    work = run_import(
        app_database_config(app),
        settings,
        file,
        mapping,
        call_id=call_id,
        accept_late=accept_late,
        send_confirmations=send_confirmations,
    )
    try:
        report = asyncio.run(work)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)
