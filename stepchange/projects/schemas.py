"""What the project API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.projects.models import ProjectStatus, Rag

Title = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]


class ProjectPublic(msgspec.Struct):
    """What anyone may see of a project (DESIGN.md, "Visibility")."""

    code: str
    workstream: str
    workstream_name: str
    title: str
    action: str
    vision: str
    status: ProjectStatus
    is_priority: bool


class ProjectStaff(ProjectPublic):
    """A project as programme staff see it: with its RAG, content version and the moves open to it."""

    rag: Rag | None
    version: int
    updated_at: dt.datetime
    allowed_moves: list[ProjectStatus]


class StatusUpdateIn(msgspec.Struct, forbid_unknown_fields=True):
    status: ProjectStatus
    rag: Rag
    summary: LongText


class StatusUpdateOut(msgspec.Struct):
    id: UUID
    project: str
    previous_status: ProjectStatus
    status: ProjectStatus
    rag: Rag | None
    """None: an automatic move before anyone reported a RAG."""
    summary: str
    author: str
    created_at: dt.datetime


class AmendmentIn(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=1)]
    title: Title | None = None
    action: LongText | None = None
    vision: LongText | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class VersionOut(msgspec.Struct):
    version: int
    title: str
    action: str
    vision: str
    author: str
    note: str
    created_at: dt.datetime


class PipelineProjectIn(msgspec.Struct, forbid_unknown_fields=True):
    workstream: Annotated[str, msgspec.Meta(max_length=8)]
    title: Title
    action: LongText
    vision: LongText


# --- work-streams and their projects -----------------------------------------------------------


class WorkstreamOut(msgspec.Struct):
    code: str
    name: str
    source_name: str
    summary: str
    project_count: int


class ProjectBrief(msgspec.Struct):
    code: str
    title: str
    status: str


class WorkstreamDetail(WorkstreamOut):
    projects: list[ProjectBrief]
