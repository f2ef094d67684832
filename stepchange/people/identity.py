"""Knowing who people are (DESIGN.md, "Identity confidence"): each step recorded with who, when and how.

submitted → email_confirmed → (organisation_confirmed) → validated, or rejected with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit
from stepchange.core.database import Base
from stepchange.core.errors import BrokenRule, InvalidInput, NotAllowed, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.mail import queue_mail
from stepchange.core.settings import Settings
from stepchange.core.validation import text_problem
from stepchange.people.facts import INTEREST_FACTS
from stepchange.people.models import Identity, IdentityStep, Volunteer, VolunteerNote
from stepchange.people.organisations import OrganisationService, domain_of, is_free_mail, match_key

RANK = {Identity.SUBMITTED: 0, Identity.EMAIL_CONFIRMED: 1, Identity.ORGANISATION_CONFIRMED: 2, Identity.VALIDATED: 3}
CAN_BE_VALIDATED = frozenset({Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED})


class IdentityService:
    """The identity steps a person goes through, and the office's work on people's records."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def person(self, volunteer_id: UUID) -> Volunteer:
        person = await self.session.get(Volunteer, volunteer_id)
        if person is None:
            raise NotFound("volunteer", f"id {volunteer_id}")
        return person

    def _step(self, person: Volunteer, to: Identity, by: Principal | None, how: str) -> None:
        person.identity = to
        self.session.add(
            IdentityStep(
                volunteer_id=person.id,
                step=to,
                by_id=by.id if by else None,
                by=by.label if by else "the service",
                how=how,
            )
        )

    async def history(self, volunteer_id: UUID) -> Sequence[IdentityStep]:
        rows = await self.session.scalars(
            select(IdentityStep).where(IdentityStep.volunteer_id == volunteer_id).order_by(IdentityStep.created_at)
        )
        return rows.all()

    async def confirm_organisation_by_domain(self, person: Volunteer) -> bool:
        """After the address is confirmed: if its domain is registered to the organisation the person named,
        that is organisation confirmed. A free-mail address proves nothing."""
        if person.identity is not Identity.EMAIL_CONFIRMED or is_free_mail(domain_of(person.email)):
            return False
        owner = await OrganisationService(session=self.session).owner_of(person.email)
        if owner is None or owner.match_key != match_key(person.organisation):
            return False
        self._step(
            person,
            Identity.ORGANISATION_CONFIRMED,
            None,
            f"the confirmed address's domain {domain_of(person.email)} is registered to {owner.name}",
        )
        return True

    async def recheck_domain(self, domain: str) -> int:
        """A domain was added to the register: promote the people it now confirms. Returns how many."""
        people = await self.session.scalars(
            select(Volunteer).where(
                Volunteer.identity == Identity.EMAIL_CONFIRMED, Volunteer.email.endswith(f"@{domain}")
            )
        )
        return sum([await self.confirm_organisation_by_domain(p) for p in people.all()])

    async def vouch(self, actor: Principal, volunteer_id: UUID, note: str) -> Volunteer:
        """A co-chair (of a work-stream the person offered to help) or the office vouches for their organisation."""
        person = await self.person(volunteer_id)
        if problem := text_problem(note, "note", label="how you know them", max_length=2000):
            raise InvalidInput([problem])
        if actor.role != "coordinator" and not await self._interested_in_workstream(person, actor.workstream_id):
            raise NotAllowed("A co-chair may vouch only for people interested in their own work-stream's projects")
        if person.identity is not Identity.EMAIL_CONFIRMED:
            raise RuleViolation(
                [
                    BrokenRule(
                        "cannot_vouch",
                        f"Only people whose address is confirmed can be vouched for; "
                        f"this person is {person.identity.value.replace('_', ' ')}",
                    )
                ]
            )
        self._step(person, Identity.ORGANISATION_CONFIRMED, actor, f"vouched for: {note.strip()}")
        await audit.record(
            self.session,
            actor,
            "volunteer.vouched",
            subject_type="volunteer",
            subject_id=person.id,
            changes={"identity": {"before": "email_confirmed", "after": "organisation_confirmed"}},
        )
        return person

    async def _interested_in_workstream(self, person: Volunteer, workstream_id: UUID | None) -> bool:
        if workstream_id is None:
            return False
        return await INTEREST_FACTS().interested_in_workstream(self.session, person.id, workstream_id)

    async def decide(
        self, actor: Principal, volunteer_id: UUID, decision: Identity, evidence: str, settings: Settings
    ) -> Volunteer:
        """The office validates a person (evidence written down) or rejects them (with a reason); they are told."""
        person = await self.person(volunteer_id)
        label = "the evidence you checked" if decision is Identity.VALIDATED else "the reason"
        if problem := text_problem(evidence, "evidence", label=label, max_length=2000):
            raise InvalidInput([problem])
        if decision not in (Identity.VALIDATED, Identity.REJECTED):
            raise InvalidInput.one("decision", "Choose validated or rejected")
        if decision is Identity.VALIDATED and person.identity not in CAN_BE_VALIDATED:
            raise RuleViolation(
                [
                    BrokenRule(
                        "cannot_validate",
                        f"Only people whose address is confirmed can be validated; this person is "
                        f"{person.identity.value.replace('_', ' ')}",
                    )
                ]
            )
        if person.identity is decision:
            raise RuleViolation([BrokenRule("no_change", f"This person is already {decision.value}")])
        before = person.identity
        self._step(person, decision, actor, evidence.strip())
        await audit.record(
            self.session,
            actor,
            f"volunteer.{decision.value}",
            subject_type="volunteer",
            subject_id=person.id,
            changes={"identity": {"before": before.value, "after": decision.value}, "evidence": audit.CHANGED},
        )
        await self._tell(person, decision, settings)
        return person

    async def _tell(self, person: Volunteer, decision: Identity, settings: Settings) -> None:
        if decision is Identity.VALIDATED:
            subject = "You are validated to take part in Step-Change"
            body = (
                f"Dear {person.name},\n\nThank you for your patience. The programme office has checked your details "
                "and you are now validated to take part in Step-Change.\n\nWhat happens next: the office matches "
                "people to the projects they chose, once any conflicts of interest have been reviewed. You will get "
                "an email offering you a place, which you can accept or decline.\n"
            )
        else:
            subject = "About your offer to help Step-Change"
            body = (
                f"Dear {person.name},\n\nThank you very much for offering your time to Step-Change. We have not "
                "been able to confirm the details we need to include you in the programme at the moment, so we "
                "cannot take your offer further.\n\nIf you think we have got something wrong, or your details have "
                "changed, please reply to the programme office at stepchange@met.police.uk and we will look again.\n"
            )
        await queue_mail(
            self.session, to=person.email, subject=subject, text=body, category=f"identity_{decision.value}"
        )

    async def add_note(self, actor: Principal, volunteer_id: UUID, text: str) -> VolunteerNote:
        person = await self.person(volunteer_id)
        if problem := text_problem(text, "text", label="the note", max_length=5000):
            raise InvalidInput([problem])
        note = VolunteerNote(volunteer_id=person.id, author_id=actor.id, author=actor.label, text=text.strip())
        self.session.add(note)
        await audit.record(
            self.session,
            actor,
            "volunteer.note_added",
            subject_type="volunteer",
            subject_id=person.id,
            changes={"note": audit.CHANGED},
        )
        return note

    async def notes(self, volunteer_id: UUID) -> Sequence[VolunteerNote]:
        rows = await self.session.scalars(
            select(VolunteerNote).where(VolunteerNote.volunteer_id == volunteer_id).order_by(VolunteerNote.created_at)
        )
        return rows.all()

    async def merge(self, actor: Principal, survivor_id: UUID, other_id: UUID) -> Volunteer:
        """Merge two records of one person into ``survivor``: everything that referred to the other record
        moves over and its history is kept; for a call both answered, the later expression stays."""
        if survivor_id == other_id:
            raise InvalidInput.one("other_id", "Choose a different record to merge")
        survivor, other = await self.person(survivor_id), await self.person(other_id)
        await INTEREST_FACTS().before_merge(self.session, survivor.id, other.id)
        for table in self._tables_pointing_at_volunteers():
            column = next(c for c in table.c if any(fk.column.table.name == "volunteer" for fk in c.foreign_keys))
            await self.session.execute(update(table).where(column == other.id).values({column.name: survivor.id}))
        if RANK.get(other.identity, -1) > RANK.get(survivor.identity, -1):
            survivor.identity = other.identity
        survivor.hours_per_month = max(survivor.hours_per_month, other.hours_per_month)
        self.session.add(
            IdentityStep(
                volunteer_id=survivor.id,
                step=survivor.identity,
                by_id=actor.id,
                by=actor.label,
                how=f"merged with the record for {other.email}",
            )
        )
        await self.session.execute(delete(Volunteer).where(Volunteer.id == other.id))
        await audit.record(
            self.session,
            actor,
            "volunteer.merged",
            subject_type="volunteer",
            subject_id=survivor.id,
            summary=f"Merged record {other.id} into {survivor.id}",
        )
        self.session.expire_all()
        return await self.session.get_one(Volunteer, survivor_id, populate_existing=True)

    @staticmethod
    def _tables_pointing_at_volunteers() -> list[Table]:
        """Every table with a foreign key to a volunteer, now and as features add them."""
        return [
            t
            for t in Base.metadata.sorted_tables
            if t.name != "volunteer" and any(fk.column.table.name == "volunteer" for fk in t.foreign_keys)
        ]
