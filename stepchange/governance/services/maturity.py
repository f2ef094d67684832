"""The maturity matrix and each work-stream's self-assessments against it.

- The programme office defines the matrix: areas, each described at levels 1 to 5. Any member of
  staff may read it (members assess against it; the board reads the levels).
- Those who run a work-stream record a self-assessment: for every area in the matrix, the level
  reached, the evidence for it and the next step. It stays a draft (and may be corrected) until one
  of the work-stream's co-chairs signs it off; only signed-off assessments count.
- The work-stream's members see the latest signed-off assessment against the one before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from stepchange.core import audit, clock
from stepchange.core.authz import Role, is_staff
from stepchange.core.errors import BrokenRule, FieldError, NotAllowed, NotFound, NotSignedIn
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.partnership_models import (
    LEVELS,
    AssessmentStatus,
    MaturityArea,
    MaturityAssessment,
    MaturityRating,
)
from stepchange.governance.partnership_schemas import AreaChangeIn, AreaIn, AssessmentIn
from stepchange.governance.services.common import Governance, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream

AREA_KEY = re.compile(r"[a-z][a-z0-9-]{1,59}")


def area_snapshot(area: MaturityArea) -> dict[str, Any]:
    return {"title": area.title, "descriptors": area.descriptors, "active": area.active, "position": area.position}


def descriptor_problems(descriptors: Sequence[str]) -> list[FieldError | None]:
    if len(descriptors) != len(LEVELS):
        return [FieldError("descriptors", "Describe each of the 5 levels")]
    return [
        text_problem(d, f"descriptors[{i}]", label=f"what level {i + 1} looks like", max_length=5_000)
        for i, d in enumerate(descriptors)
    ]


@dataclass(frozen=True)
class Movement:
    area: MaturityArea
    level: int | None
    previous: int | None

    @property
    def change(self) -> int | None:
        return None if self.level is None or self.previous is None else self.level - self.previous


def movements(
    areas: Sequence[MaturityArea], latest: MaturityAssessment | None, previous: MaturityAssessment | None
) -> list[Movement]:
    """Area by area, the latest level against the previous one (``None`` where an assessment lacks it)."""
    now = {r.area_id: r.level for r in latest.ratings} if latest else {}
    before = {r.area_id: r.level for r in previous.ratings} if previous else {}
    return [Movement(a, now.get(a.id), before.get(a.id)) for a in areas]


class MaturityService(Governance):
    """The matrix (the office's) and the self-assessments (each work-stream's)."""

    async def areas(self, principal: Principal | None, *, everything: bool = False) -> Sequence[MaturityArea]:
        """The matrix's areas in order: the active ones (or, with ``everything``, retired ones too)."""
        if principal is None:
            raise NotSignedIn()
        if not is_staff(principal):
            raise NotAllowed("Only staff read the maturity matrix")
        query = select(MaturityArea).order_by(MaturityArea.position, MaturityArea.title)
        if not everything:
            query = query.where(MaturityArea.active.is_(True))
        return (await self.session.scalars(query)).all()

    def _office_only(self, actor: Principal) -> None:
        if actor.role != Role.COORDINATOR:
            raise NotAllowed("Only the programme office defines the maturity matrix")

    async def add_area(self, actor: Principal, data: AreaIn) -> MaturityArea:
        self._office_only(actor)
        key = data.key.strip().lower()
        raise_if_any(
            [
                None
                if AREA_KEY.fullmatch(key)
                else FieldError("key", "Enter a short key: lower-case letters, digits and hyphens"),
                text_problem(data.title, "title", label="the area's title", max_length=200),
                *descriptor_problems(data.descriptors),
            ]
        )
        if await self.session.scalar(select(MaturityArea.id).where(MaturityArea.key == key)):
            refuse_if_any([BrokenRule("area_key_taken", f"The matrix already has an area with the key '{key}'")])
        last = await self.session.scalar(select(func.max(MaturityArea.position)))
        texts = [d.strip() for d in data.descriptors]
        area = MaturityArea(
            key=key,
            position=(last or 0) + 1,
            title=data.title.strip(),
            active=True,
            level_1=texts[0],
            level_2=texts[1],
            level_3=texts[2],
            level_4=texts[3],
            level_5=texts[4],
        )
        self.session.add(area)
        await self.session.flush()
        await self._audit_area(actor, "maturity_area_added", area, {}, f"Added '{area.title}' to the maturity matrix")
        return area

    async def change_area(self, actor: Principal, area_id: UUID, data: AreaChangeIn) -> MaturityArea:
        self._office_only(actor)
        area = await self.session.get(MaturityArea, area_id)
        if area is None:
            raise NotFound("maturity area", f"id {area_id}")
        title = (data.title if data.title is not None else area.title).strip()
        texts = [d.strip() for d in data.descriptors] if data.descriptors is not None else area.descriptors
        raise_if_any(
            [text_problem(title, "title", label="the area's title", max_length=200), *descriptor_problems(texts)]
        )
        before = area_snapshot(area)
        area.title = title
        area.level_1, area.level_2, area.level_3, area.level_4, area.level_5 = texts
        if data.active is not None:
            area.active = data.active
        await self._audit_area(
            actor, "maturity_area_changed", area, before, f"Changed '{area.title}' in the maturity matrix"
        )
        return area

    async def _audit_area(
        self, actor: Principal, action: str, area: MaturityArea, before: dict[str, Any], summary: str
    ) -> None:
        changes = audit.diff(before, area_snapshot(area))
        if changes:
            await self.audit(actor, action, area, summary, changes)

    async def assessments(
        self, principal: Principal | None, code: str
    ) -> tuple[Workstream, MaturityAssessment | None, MaturityAssessment | None, Sequence[MaturityAssessment]]:
        """The latest signed-off assessment, the one before it, and any drafts."""
        workstream = await self.for_members(principal, code, "see its maturity self-assessments")
        signed = await self._loaded(workstream.id, AssessmentStatus.SIGNED_OFF, limit=2)
        drafts = await self._loaded(workstream.id, AssessmentStatus.DRAFT, limit=5)
        return workstream, (signed[0] if signed else None), (signed[1] if len(signed) > 1 else None), drafts

    async def _loaded(self, workstream_id: UUID, status: AssessmentStatus, limit: int) -> Sequence[MaturityAssessment]:
        rows = await self.session.scalars(
            select(MaturityAssessment)
            .where(MaturityAssessment.workstream_id == workstream_id, MaturityAssessment.status == status)
            .order_by(
                MaturityAssessment.assessed_on.desc(),
                MaturityAssessment.signed_off_at.desc(),
                MaturityAssessment.created_at.desc(),
            )
            .options(selectinload(MaturityAssessment.ratings))
            .limit(limit)
        )
        return rows.all()

    async def assessment(self, principal: Principal | None, code: str, assessment_id: UUID) -> MaturityAssessment:
        workstream = await self.for_members(principal, code, "see its maturity self-assessments")
        return await self._one(workstream, assessment_id)

    async def _one(self, workstream: Workstream, assessment_id: UUID) -> MaturityAssessment:
        found = await self.session.scalar(
            select(MaturityAssessment)
            .where(MaturityAssessment.id == assessment_id, MaturityAssessment.workstream_id == workstream.id)
            .options(selectinload(MaturityAssessment.ratings))
            .execution_options(populate_existing=True)
        )
        if found is None:
            raise NotFound("maturity assessment", f"id {assessment_id}")
        return found

    async def record(self, actor: Principal, code: str, data: AssessmentIn) -> MaturityAssessment:
        """Record a self-assessment as a draft: every area of the matrix with a level, evidence and a next step."""
        workstream = await self.for_runners(actor, code, "record its maturity self-assessment")
        areas = await self.areas(actor)
        raise_if_any(self._problems(areas, data))
        assert data.assessed_on is not None
        by_area = {r.area_id: r for r in data.ratings}
        assessment = MaturityAssessment(
            workstream_id=workstream.id,
            assessed_on=data.assessed_on,
            status=AssessmentStatus.DRAFT,
            assessed_by=actor.label,
            ratings=[
                MaturityRating(
                    area_id=a.id,
                    level=by_area[a.id].level,
                    evidence=by_area[a.id].evidence.strip(),
                    next_step=by_area[a.id].next_step.strip(),
                )
                for a in areas
            ],
        )
        self.session.add(assessment)
        await self.session.flush()
        await self.audit(
            actor,
            "maturity_assessed",
            assessment,
            f"Recorded a maturity self-assessment of {workstream.code} for {data.assessed_on.isoformat()}",
            audit.diff({}, {"assessed_on": data.assessed_on, "levels": {a.key: by_area[a.id].level for a in areas}}),
        )
        return await self._one(workstream, assessment.id)

    def _problems(self, areas: Sequence[MaturityArea], data: AssessmentIn) -> list[FieldError | None]:
        """Every area rated once (by its place in the matrix, as the form lists them), and a date not ahead."""
        problems: list[FieldError | None] = []
        if data.assessed_on is None:
            problems.append(FieldError("assessed_on", "Enter the date of the assessment"))
        elif data.assessed_on > clock.uk_today():
            problems.append(FieldError("assessed_on", "The date of the assessment must be today or in the past"))
        known = {a.id for a in areas}
        stray = [r.area_id for r in data.ratings if r.area_id not in known]
        if stray:
            problems.append(FieldError("ratings", "Rate only the areas of the maturity matrix"))
        given = {r.area_id: r for r in data.ratings}
        for i, area in enumerate(areas):
            rating = given.get(area.id)
            if rating is None or rating.level not in LEVELS:
                problems.append(FieldError(f"ratings[{i}].level", f"Select a level for {area.title}"))
            problems += [
                text_problem(
                    rating.evidence if rating else "",
                    f"ratings[{i}].evidence",
                    label=f"the evidence for {area.title}",
                    max_length=5_000,
                ),
                text_problem(
                    rating.next_step if rating else "",
                    f"ratings[{i}].next_step",
                    label=f"the next step for {area.title}",
                    max_length=5_000,
                ),
            ]
        return problems

    async def sign_off(self, actor: Principal, code: str, assessment_id: UUID) -> MaturityAssessment:
        """A co-chair (or deputy) of this work-stream signs the draft off: then it counts, and the board sees it."""
        workstream = await self.for_members(actor, code, "sign off its maturity self-assessment")
        if actor.role != Role.CO_CHAIR or actor.workstream_id != workstream.id:
            raise NotAllowed("Only this work-stream's co-chairs sign off its maturity self-assessment")
        assessment = await self._one(workstream, assessment_id)
        if assessment.status is AssessmentStatus.SIGNED_OFF:
            refuse_if_any([BrokenRule("already_signed_off", f"Already signed off by {assessment.signed_off_by}")])
        assessment.status = AssessmentStatus.SIGNED_OFF
        assessment.signed_off_by, assessment.signed_off_at = actor.label, clock.now()
        await self.session.flush()
        await self.audit(
            actor,
            "maturity_signed_off",
            assessment,
            f"Signed off the maturity self-assessment of {workstream.code} for {assessment.assessed_on.isoformat()}",
            audit.diff({"status": AssessmentStatus.DRAFT}, {"status": AssessmentStatus.SIGNED_OFF}),
        )
        return assessment

    async def board_levels(self) -> list[tuple[Workstream, MaturityAssessment | None, MaturityAssessment | None]]:
        """Every work-stream with its latest signed-off assessment and the one before (for the board's report)."""
        workstreams = (await self.session.scalars(select(Workstream).order_by(Workstream.position))).all()
        out = []
        for workstream in workstreams:
            signed = await self._loaded(workstream.id, AssessmentStatus.SIGNED_OFF, limit=2)
            out.append((workstream, signed[0] if signed else None, signed[1] if len(signed) > 1 else None))
        return out
