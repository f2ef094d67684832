"""What an import did, row by row: each row's outcome, the report the command prints, and the progress
it shows while it works."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

__all__ = ("APPLIED", "ImportReport", "Outcome", "Progress", "RowResult", "no_progress")


class Outcome(enum.StrEnum):
    """What became of one row; every row has exactly one."""

    IMPORTED = "imported"
    """A new person, with their expression of interest."""
    MERGED = "merged"
    """An address already held: that person's details updated and this call's choices replaced."""
    UPDATED = "updated"
    """Imported before, but the answer has changed in the survey since: applied again."""
    SUPERSEDED = "superseded"
    """A later answer from the same address (in the file, or already recorded) stands instead."""
    LATE = "late"
    """Outside the call's window and not imported (``--accept-late`` imports it, marked late)."""
    REFUSED = "refused"
    SKIPPED = "skipped"
    """Imported before, unchanged."""


APPLIED = (Outcome.IMPORTED, Outcome.MERGED, Outcome.UPDATED)


@dataclass
class RowResult:
    row: int
    label: str
    outcome: Outcome
    reason: str = ""
    late: str = ""
    """Why the row is outside the call's window, if it is (imported or not)."""


@dataclass
class ImportReport:
    """What an import did, row by row; :meth:`lines` is what the command prints."""

    survey: str
    call: str
    results: list[RowResult]
    confirmations: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    def counts(self) -> dict[str, int]:
        return {outcome.value: self.count(outcome) for outcome in Outcome}

    @property
    def changed(self) -> bool:
        return any(r.outcome in APPLIED for r in self.results)

    def lines(self) -> list[str]:
        late_applied = sum(1 for r in self.results if r.late and r.outcome in APPLIED)
        late_waiting = self.count(Outcome.LATE)
        out = [
            f"SurveyMonkey import of {self.survey!r} into {self.call}: {len(self.results)} rows",
            f"  imported:   {self.count(Outcome.IMPORTED)} new people",
            f"  merged:     {self.count(Outcome.MERGED)} people already held: details updated, choices replaced",
            f"  updated:    {self.count(Outcome.UPDATED)} changed in the survey since the last import",
            f"  superseded: {self.count(Outcome.SUPERSEDED)} replaced by a later answer from the same address",
            f"  late:       {late_waiting} outside the call's window, not imported"
            + (" (--accept-late imports them)" if late_waiting else "")
            + (f"; {late_applied} imported marked late" if late_applied else ""),
            f"  refused:    {self.count(Outcome.REFUSED)}",
            f"  skipped:    {self.count(Outcome.SKIPPED)} already imported, unchanged",
        ]
        if self.confirmations:
            out.append(f"  confirmation e-mails queued: {self.confirmations}")
        refused = [f"  {r.label}: {r.reason}" for r in self.results if r.outcome is Outcome.REFUSED]
        late = [
            f"  {r.label}: {r.late}"
            + (
                ""
                if r.outcome is Outcome.LATE
                else f" ({r.outcome.value}{', marked late' if r.outcome in APPLIED else ''})"
            )
            for r in self.results
            if r.late
        ]
        superseded = [f"  {r.label}: {r.reason}" for r in self.results if r.outcome is Outcome.SUPERSEDED]
        for title, rows in (("Refused", refused), ("Late", late), ("Superseded", superseded)):
            if rows:
                out.extend([f"{title} rows (respondent id: reason):", *rows])
        return out


class Progress(Protocol):
    """Shows progress through one stage: ``with progress(label, total) as advance: advance(n)``."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


@contextmanager
def no_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None
