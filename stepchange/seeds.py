"""Load the programme's data from ``seeds/*.toml``: adds what is missing, never overwrites edits.

Rows are matched by their natural keys (codes, milestone keys, positions, call names); a second run
adds nothing. Suspect data is reported, never corrected.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.clock import end_of_day_uk, start_of_day_uk
from stepchange.core.seeding import insert_missing
from stepchange.governance.partnership_models import MaturityArea
from stepchange.interest.models import Call, call_project
from stepchange.programme.models import KeyActivity
from stepchange.programme.services import DataWarning, key_activity_warnings
from stepchange.projects.models import Milestone, Project, ProjectStatus, ProjectVersion
from stepchange.projects.services import SEEDED_AUTHOR
from stepchange.workstreams.models import Workstream


@dataclass
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    warnings: list[DataWarning] = field(default_factory=list)

    def record(self, table: str, counts: tuple[int, int]) -> None:
        self.added[table], self.kept[table] = counts

    @property
    def changed(self) -> bool:
        return any(self.added.values())

    def lines(self) -> list[str]:
        out = [f"{table}: {self.added[table]} added, {self.kept[table]} already there" for table in self.added]
        out += [f"warning: {w.where}: {w.message}" for w in self.warnings]
        return out


def _read(seeds_dir: Path, name: str) -> dict[str, Any]:
    with (seeds_dir / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


async def _ids_by(session: AsyncSession, model: Any, key: str) -> dict[Any, Any]:
    column = getattr(model, key)
    return dict((await session.execute(select(column, model.id))).all())


async def seed(session: AsyncSession, seeds_dir: Path) -> SeedReport:
    """Seed every table from ``seeds_dir``; the caller commits."""
    report = SeedReport()
    workstreams = _read(seeds_dir, "workstreams")["workstream"]
    report.record(
        "workstreams",
        await insert_missing(
            session, Workstream, "code", [{**w, "position": i} for i, w in enumerate(workstreams, start=1)]
        ),
    )
    workstream_ids = await _ids_by(session, Workstream, "code")
    projects = [
        {
            "code": p["code"],
            "workstream_id": workstream_ids[p["workstream"]],
            "number": p["number"],
            "title": p["title"],
            "action": p["action"],
            "vision": p["vision"],
            "status": ProjectStatus.PROVISIONAL,
            "is_priority": True,
        }
        for p in _read(seeds_dir, "projects")["project"]
    ]
    report.record("projects", await insert_missing(session, Project, "code", projects))
    await _seed_first_versions(session)

    programme = _read(seeds_dir, "programme")
    report.record("milestones", await insert_missing(session, Milestone, "key", programme["milestone"]))
    report.record("key activity", await insert_missing(session, KeyActivity, "position", programme["key_activity"]))
    activities = (await session.scalars(select(KeyActivity).order_by(KeyActivity.position))).all()
    report.warnings.extend(key_activity_warnings(activities))

    report.record("calls", await _seed_calls(session, _read(seeds_dir, "calls")["call"]))
    areas = [{**a, "position": i, "active": True} for i, a in enumerate(_read(seeds_dir, "maturity")["area"], 1)]
    report.record("maturity areas", await insert_missing(session, MaturityArea, "key", areas))
    return report


async def _seed_first_versions(session: AsyncSession) -> None:
    """Version 1 of each project as the Call to Action wrote it, for projects with no version kept yet."""
    unversioned = (
        await session.execute(
            select(Project.id, Project.title, Project.action, Project.vision).where(
                ~select(ProjectVersion.id).where(ProjectVersion.project_id == Project.id).exists()
            )
        )
    ).all()
    if unversioned:
        await session.execute(
            insert(ProjectVersion),
            [
                {"project_id": pid, "version": 1, "title": t, "action": a, "vision": v, "author": SEEDED_AUTHOR}
                for pid, t, a, v in unversioned
            ],
        )


async def _seed_calls(session: AsyncSession, calls: list[dict[str, Any]]) -> tuple[int, int]:
    rows = [
        {
            "name": c["name"],
            "opens_at": start_of_day_uk(c["opens_on"]),
            "closes_at": end_of_day_uk(c["closes_on"]),
        }
        for c in calls
    ]
    before = await _ids_by(session, Call, "name")
    counts = await insert_missing(session, Call, "name", rows)
    after = await _ids_by(session, Call, "name")
    priority = (await session.scalars(select(Project.id).where(Project.is_priority))).all()
    links = [
        {"call_id": after[c["name"]], "project_id": project_id}
        for c in calls
        if c["name"] not in before and c.get("projects") == "priority"
        for project_id in priority
    ]
    if links:
        await session.execute(insert(call_project), links)
    return counts
