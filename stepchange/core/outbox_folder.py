"""The development outbox folder: without an SMTP server every message is written here as an ``.eml`` file
(the e-mail itself) and listed by the development mailbox page.

A file is named ``{time}-{message id}.eml``, so the copies of one outbox message can be found and removed
when the person it was sent to is erased. All of this is blocking file I/O: callers run it in a thread.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from uuid import UUID

from stepchange.core.errors import NotFound
from stepchange.core.settings import Settings

SUFFIX = ".eml"


@dataclass(frozen=True)
class MailboxEntry:
    """One ``.eml`` file of the development outbox, parsed."""

    name: str
    date: dt.datetime | None
    to: str
    subject: str
    text: str


def file_name(message_id: UUID, now: dt.datetime) -> str:
    """Sortable by time (the mailbox lists the newest first), and ending with the message's id."""
    return f"{now:%Y%m%dT%H%M%S%fZ}-{message_id}{SUFFIX}"


def write_eml(directory: Path, name: str, data: bytes) -> None:
    """Write atomically, so the development mailbox never lists half a message."""
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{name}.partial"
    partial.write_bytes(data)
    os.replace(partial, directory / name)


def remove_copies(directory: Path, message_ids: Iterable[UUID]) -> int:
    """Delete every file written for these messages (erasure); returns how many went."""
    endings = {f"-{message_id}{SUFFIX}" for message_id in message_ids}
    if not endings or not directory.is_dir():
        return 0
    width = len(next(iter(endings)))
    removed = 0
    for path in directory.iterdir():
        if path.name[-width:] in endings or path.name.removesuffix(".partial")[-width:] in endings:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _parse_eml(path: Path) -> MailboxEntry:
    with path.open("rb") as handle:
        email = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(email, EmailMessage)
    body = email.get_body(preferencelist=("plain",))
    date = email["Date"]
    return MailboxEntry(
        name=path.name,
        date=date.datetime if date is not None else None,
        to=str(email["To"] or ""),
        subject=str(email["Subject"] or ""),
        text=body.get_content() if isinstance(body, EmailMessage) else "",
    )


def list_mailbox(settings: Settings, *, limit: int = 200) -> list[MailboxEntry]:
    """The newest ``limit`` messages written to the outbox folder, newest first."""
    if not settings.outbox_dir.is_dir():
        return []
    names = sorted((p.name for p in settings.outbox_dir.glob(f"*{SUFFIX}") if not p.name.startswith(".")), reverse=True)
    return [_parse_eml(settings.outbox_dir / name) for name in names[:limit]]


def read_mailbox(settings: Settings, name: str) -> MailboxEntry:
    """One message by file name; anything but a plain ``*.eml`` name in the folder is not found."""
    path = settings.outbox_dir / name
    plain = name == Path(name).name and "\\" not in name and not name.startswith(".")
    if not (plain and name.endswith(SUFFIX) and path.is_file()):
        raise NotFound("message", "that name")
    return _parse_eml(path)
