"""What the project API receives and sends."""

from __future__ import annotations

import datetime as dt

import msgspec


class ProjectPublic(msgspec.Struct):
    """What anyone may see of a project (DESIGN.md, "Visibility")."""

    code: str
    workstream: str
    workstream_name: str
    title: str
    action: str
    vision: str
    status: str
    is_priority: bool


class ProjectStaff(ProjectPublic):
    """A project as programme staff see it."""

    rag: str | None
    version: int
    updated_at: dt.datetime
