"""Maturity self-assessments: each work-stream assessed itself against the office's matrix every quarter
for a year and a half, each signed off by a co-chair a few days later (the latest, for some, still a
draft), every active area rated, the levels climbing slowly. Made only for work-streams with none yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Generator, stamp
from stepchange.demo.vocabulary import MATURITY_EVIDENCE, MATURITY_NEXT
from stepchange.governance.partnership_models import (
    LEVELS,
    AssessmentStatus,
    MaturityArea,
    MaturityAssessment,
    MaturityRating,
)
from stepchange.workstreams.models import Workstream

QUARTERS = 6
CLIMBS = 0.35
"""The chance an area's level rises from one quarter to the next."""


async def maturity(gen: Generator, workstreams: Sequence[Workstream]) -> None:
    """Quarterly self-assessments and their ratings for each work-stream not yet assessed."""
    assessed = set((await gen.session.scalars(select(MaturityAssessment.workstream_id).distinct())).all())
    areas = (
        await gen.session.scalars(select(MaturityArea.id).where(MaturityArea.active).order_by(MaturityArea.position))
    ).all()
    rows: dict[Any, list[dict[str, Any]]] = {MaturityAssessment: [], MaturityRating: [], AuditEntry: []}
    for ws in workstreams:
        if ws.id in assessed or not areas:
            continue
        levels = {area: gen.rng.choice(LEVELS[:2]) for area in areas}
        chairs = list(gen.seats[ws.id].values())[:2]
        for quarter in range(QUARTERS - 1, -1, -1):
            on = gen.today - dt.timedelta(days=91 * quarter + gen.rng.randint(5, 20))
            by, _ = gen.rng.choice(chairs)
            signer, _ = gen.rng.choice(chairs)
            signed = gen.after(dt.datetime.combine(on, dt.time(16), tzinfo=dt.UTC), 24, 24 * 14)
            if quarter == 0 and gen.rng.random() < 0.5:
                signed = None
            assessment_id = gen.new_id()
            recorded = dt.datetime.combine(on, dt.time(15), tzinfo=dt.UTC)
            rows[MaturityAssessment].append(
                {
                    "id": assessment_id,
                    "workstream_id": ws.id,
                    "assessed_on": on,
                    "status": AssessmentStatus.SIGNED_OFF if signed else AssessmentStatus.DRAFT,
                    "assessed_by": by.label,
                    "signed_off_by": signer.label if signed else "",
                    "signed_off_at": signed,
                    "created_at": recorded,
                    "updated_at": signed or recorded,
                }
            )
            for area in areas:
                if gen.rng.random() < CLIMBS:
                    levels[area] = min(LEVELS[-1], levels[area] + 1)
                rows[MaturityRating].append(
                    {
                        "id": gen.new_id(),
                        "assessment_id": assessment_id,
                        "area_id": area,
                        "level": levels[area],
                        "evidence": gen.rng.choice(MATURITY_EVIDENCE),
                        "next_step": gen.rng.choice(MATURITY_NEXT),
                        **stamp(recorded),
                    }
                )
            summary = f"Recorded a maturity self-assessment of {ws.code} for {on.isoformat()}"
            audit = gen.audit(
                by, "workstream.maturity_assessed", "maturity_assessment", assessment_id, summary, recorded, {}
            )
            rows[AuditEntry].append(audit)
            if signed:
                summary = f"Signed off the maturity self-assessment of {ws.code} for {on.isoformat()}"
                audit = gen.audit(
                    signer, "workstream.maturity_signed_off", "maturity_assessment", assessment_id, summary, signed, {}
                )
                rows[AuditEntry].append(audit)
    for model, found in rows.items():
        await gen.insert(model, found)
