"""What the proposals API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from stepchange.projects.proposals import Comparison
from stepchange.projects.proposals_models import Proposal, ProposalStatus
from stepchange.projects.schemas import LongText, Title


class ProposalIn(msgspec.Struct, forbid_unknown_fields=True):
    rationale: LongText
    version: Annotated[
        int | None, msgspec.Meta(description="The version it was written against (default: the current one)")
    ] = None
    title: Title | None = None
    action: LongText | None = None
    vision: LongText | None = None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["accepted", "rejected"]
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class FieldOut(msgspec.Struct):
    """One field: the current text beside the proposed one."""

    field: str
    current: str
    proposed: str
    changed: bool


class ProposalOut(msgspec.Struct):
    id: UUID
    project: str
    status: ProposalStatus
    version: int
    current_version: int
    rationale: str
    proposer: str
    created_at: dt.datetime
    fields: list[FieldOut]
    decided_by: str
    decided_at: dt.datetime | None
    reason: str
    applied_version: int | None


def proposal_out(code: str, current_version: int, proposal: Proposal, fields: list[Comparison]) -> ProposalOut:
    return ProposalOut(
        id=proposal.id,
        project=code,
        status=proposal.status,
        version=proposal.base_version,
        current_version=current_version,
        rationale=proposal.rationale,
        proposer=proposal.proposer_name,
        created_at=proposal.created_at,
        fields=[FieldOut(c.field, c.current, c.proposed, c.changed) for c in fields],
        decided_by=proposal.decided_by,
        decided_at=proposal.decided_at,
        reason=proposal.reason,
        applied_version=proposal.applied_version,
    )
