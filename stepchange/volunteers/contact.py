"""A volunteer changing their own contact details: name, telephone, organisation and job title at once; a new
e-mail address only once it is confirmed from that address. The people service writes the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.errors import FieldError, InvalidInput, NotFound
from stepchange.core.links import check_link, issue_link, use_link
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.settings import Settings
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.interest.rules import phone_problem
from stepchange.people.models import ErasureRequest, Volunteer
from stepchange.people.services import PeopleService
from stepchange.volunteers.services import VolunteerPrincipal

EMAIL_CHANGE = "volunteer_email_change"
EMAIL_CHANGE_LIFETIME = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    organisation: str
    job_title: str


def _contact_problems(contact: Contact) -> tuple[str | None, list[FieldError]]:
    """Every problem at once, in the page's order (the same rules as the form's), and the phone in E.164."""
    phone, phone_error = phone_problem(contact.phone)
    checked = (
        text_problem(contact.name, "name", label="your full name", max_length=200),
        phone_error,
        text_problem(contact.organisation, "organisation", label="your organisation", max_length=200),
        text_problem(contact.job_title, "job_title", label="your job title", max_length=200),
    )
    return phone, [problem for problem in checked if problem]


async def change_contact(session: AsyncSession, person: Volunteer, contact: Contact) -> None:
    phone, errors = _contact_problems(contact)
    if errors:
        raise InvalidInput(errors)
    details = {
        "name": contact.name.strip(),
        "phone": phone or "",
        "organisation": contact.organisation.strip(),
        "job_title": contact.job_title.strip(),
    }
    await PeopleService(session=session).change_details(
        VolunteerPrincipal(person.id), person, details, why="Changed their contact details"
    )


async def ask_to_change_email(session: AsyncSession, person: Volunteer, email: str, settings: Settings) -> str:
    """E-mail a link to the new address; the record keeps the old one until it is used. Returns the address."""
    if not email.strip():
        raise InvalidInput.one("email", "Enter your new email address")
    if problem := email_problem(email.strip()):
        raise InvalidInput([problem])
    new = normalise_email(email)
    if new == person.email:
        raise InvalidInput.one("email", "Enter a different email address from the one we have")
    token = await issue_link(session, EMAIL_CHANGE, person.id, lifetime=EMAIL_CHANGE_LIFETIME, payload={"email": new})
    await queue_templated_mail(
        session,
        "email_change",
        to=new,
        category=EMAIL_CHANGE,
        name=person.name,
        hours=EMAIL_CHANGE_LIFETIME // dt.timedelta(hours=1),
        url=f"{settings.base_url}/my/email/{token}",
    )
    return new


async def email_change_for(session: AsyncSession, token: str) -> str:
    """The new address a link would confirm, without using it."""
    link = await check_link(session, EMAIL_CHANGE, token[:200])
    return str(link.payload.get("email", ""))


async def confirm_email_change(session: AsyncSession, token: str) -> str:
    link = await use_link(session, EMAIL_CHANGE, token[:200])
    person = await session.get(Volunteer, link.subject_id)
    if person is None or person.erased_at is not None:
        raise NotFound("link", "that address")
    new = str(link.payload["email"])
    await PeopleService(session=session).change_email(VolunteerPrincipal(person.id), person, new)
    return new


async def erasure_requested_at(session: AsyncSession, volunteer_id: UUID) -> dt.datetime | None:
    """When the person asked for erasure, if they have."""
    return await session.scalar(select(ErasureRequest.created_at).where(ErasureRequest.volunteer_id == volunteer_id))
