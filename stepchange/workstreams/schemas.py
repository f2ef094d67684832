"""What the work-stream API sends."""

from __future__ import annotations

import msgspec


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
