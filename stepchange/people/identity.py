"""Knowing who people are (DESIGN.md, "Identity confidence"): each step recorded with who, when and how.

submitted → email_confirmed → (organisation_confirmed) → validated, or rejected with a reason. The rules
of which step may follow which live here; the record itself is written by :class:`PeopleService`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit
from stepchange.core.authz import Role
from stepchange.core.errors import BrokenRule, InvalidInput, NotAllowed, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.settings import Settings
from stepchange.core.validation import normalise_email, text_problem
from stepchange.people.facts import INTEREST_FACTS
from stepchange.people.models import Identity, IdentityStep, Organisation, OrganisationDomain, Volunteer, VolunteerNote
from stepchange.people.organisations import OrganisationService, domain_of, is_free_mail, match_key
from stepchange.people.services import THE_PERSON, PeopleService
from stepchange.people.tally import WAITING

RANK = {Identity.SUBMITTED: 0, Identity.EMAIL_CONFIRMED: 1, Identity.ORGANISATION_CONFIRMED: 2, Identity.VALIDATED: 3}
CAN_BE_VALIDATED = frozenset(WAITING)  # the people waiting for validation, as the desk counts them


def can_be_validated(identity: Identity) -> bool:
    """Only people whose address is confirmed can be validated (pages offer it only then)."""
    return identity in CAN_BE_VALIDATED


def _as_said(identity: Identity) -> str:
    return identity.value.replace("_", " ")


class IdentityService:
    """The identity steps a person goes through, and the office's work on people's records."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.people = PeopleService(session=session)

    async def person(self, volunteer_id: UUID) -> Volunteer:
        return await self.people.person(volunteer_id)

    async def history(self, volunteer_id: UUID) -> Sequence[IdentityStep]:
        return await self.people.history(volunteer_id)

    # --- the address and the organisation -----------------------------------------------------------

    async def address_confirmed(self, person: Volunteer) -> None:
        """The person opened the emailed link: the address is theirs. Then see whether its domain also
        confirms their organisation."""
        if person.identity is Identity.SUBMITTED:
            await self.people.step(
                person, Identity.EMAIL_CONFIRMED, how="opened the emailed link and confirmed", by=THE_PERSON
            )
            await self.confirm_organisation_by_domain(person)

    async def confirm_organisation_by_domain(self, person: Volunteer) -> bool:
        """After the address is confirmed: if its domain is registered to the organisation the person named,
        that is organisation confirmed. A free-mail address proves nothing."""
        if person.identity is not Identity.EMAIL_CONFIRMED or is_free_mail(domain_of(person.email)):
            return False
        owner = await OrganisationService(session=self.session).owner_of(person.email)
        if owner is None or owner.match_key != match_key(person.organisation):
            return False
        how = f"the confirmed address's domain {domain_of(person.email)} is registered to {owner.name}"
        await self.people.step(person, Identity.ORGANISATION_CONFIRMED, how=how)
        return True

    async def recheck_domain(self, domain: str) -> int:
        """A domain was added to the register: promote the people it now confirms. Returns how many."""
        people = await self.session.scalars(
            select(Volunteer).where(
                Volunteer.identity == Identity.EMAIL_CONFIRMED, Volunteer.email.endswith(f"@{domain}")
            )
        )
        return sum([await self.confirm_organisation_by_domain(p) for p in people.all()])

    async def register_organisation(
        self, actor: Principal, name: str, domains: Iterable[str] = ()
    ) -> tuple[Organisation, int]:
        """Add an organisation (with its domains) to the register; returns it and how many people waiting
        at email_confirmed its domains now confirm."""
        organisations = OrganisationService(session=self.session)
        organisation = await organisations.add(actor, name, list(domains))
        confirmed = sum([await self.recheck_domain(d.domain) for d in organisation.domains])
        return await organisations.by_id(organisation.id), confirmed

    async def register_domain(
        self, actor: Principal, organisation_id: UUID, domain: str
    ) -> tuple[OrganisationDomain, int]:
        """Add an e-mail domain to an organisation; returns it and how many people waiting at
        email_confirmed it now confirms."""
        entry = await OrganisationService(session=self.session).add_domain(actor, organisation_id, domain)
        return entry, await self.recheck_domain(entry.domain)

    async def vouch(self, actor: Principal, volunteer_id: UUID, note: str) -> Volunteer:
        """A co-chair (of a work-stream the person offered to help) or the office vouches for their organisation."""
        person = await self.person(volunteer_id)
        if problem := text_problem(note, "note", label="how you know them", max_length=2000):
            raise InvalidInput([problem])
        if actor.role != Role.COORDINATOR and not await self._interested_in_workstream(person, actor.workstream_id):
            raise NotAllowed("A co-chair may vouch only for people interested in their own work-stream's projects")
        if person.identity is not Identity.EMAIL_CONFIRMED:
            raise RuleViolation(
                [
                    BrokenRule(
                        "cannot_vouch",
                        f"Only people whose address is confirmed can be vouched for; "
                        f"this person is {_as_said(person.identity)}",
                    )
                ]
            )
        await self.people.step(person, Identity.ORGANISATION_CONFIRMED, how=f"vouched for: {note.strip()}", by=actor)
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

    # --- the office's decision ----------------------------------------------------------------------

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
        if decision is Identity.VALIDATED and not can_be_validated(person.identity):
            raise RuleViolation(
                [
                    BrokenRule(
                        "cannot_validate",
                        f"Only people whose address is confirmed can be validated; this person is "
                        f"{_as_said(person.identity)}",
                    )
                ]
            )
        if person.identity is decision:
            raise RuleViolation([BrokenRule("no_change", f"This person is already {decision.value}")])
        before = person.identity
        await self.people.step(person, decision, how=evidence.strip(), by=actor)
        await audit.record(
            self.session,
            actor,
            f"volunteer.{decision.value}",
            subject_type="volunteer",
            subject_id=person.id,
            changes={"identity": {"before": before.value, "after": decision.value}, "evidence": audit.CHANGED},
        )
        await queue_templated_mail(
            self.session,
            f"identity_{decision.value}",
            to=person.email,
            category=f"identity_{decision.value}",
            full_name=person.name,
        )
        return person

    # --- notes ----------------------------------------------------------------------------------------

    async def add_note(self, actor: Principal, volunteer_id: UUID, text: str) -> VolunteerNote:
        person = await self.person(volunteer_id)
        if problem := text_problem(text, "text", label="the note", max_length=5000):
            raise InvalidInput([problem])
        note = VolunteerNote(volunteer_id=person.id, author_id=actor.id, author=actor.label, text=text.strip())
        self.session.add(note)
        await self.session.flush()  # its time is set when it is written, and the answer shows it
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

    # --- two records of one person ------------------------------------------------------------------

    async def merge(self, actor: Principal, survivor_id: UUID, other_id: UUID) -> Volunteer:
        """Merge two records of one person into ``survivor``: everything that referred to the other record
        moves over and its history is kept; for a call both answered, the later expression stays; the
        survivor stands at the surer identity of the two."""
        if survivor_id == other_id:
            raise InvalidInput.one("other_id", "Choose a different record to merge")
        survivor, other = await self.person(survivor_id), await self.person(other_id)
        surer = max(survivor.identity, other.identity, key=lambda identity: RANK.get(identity, -1))
        return await self.people.merge(actor, survivor, other, identity=surer)

    async def merge_address(self, actor: Principal, survivor_id: UUID, other_email: str) -> Volunteer:
        """Merge the record registered with ``other_email`` into ``survivor`` (the office's people page)."""
        other = await self.people.by_email(normalise_email(other_email))
        if other is None:
            raise InvalidInput.one("other_email", "There is nobody registered with that email address")
        return await self.merge(actor, survivor_id, other.id)
