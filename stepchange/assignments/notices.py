"""What people are told about a place: the person its offer (with a single-use link to answer it), the
project's co-chairs each change to their team. The words live in ``templates/mail/``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment
from stepchange.assignments.terms import offer_terms
from stepchange.core import clock
from stepchange.core.authz import StaffRole
from stepchange.core.links import issue_link
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.settings import Settings
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project

OFFER = "offer_response"
"""The purpose of an offer's link, and the category of its e-mail."""
OFFER_LIFETIME = dt.timedelta(days=14)
CO_CHAIR_NOTICE = "co_chair_notice"


async def email_offer(
    session: AsyncSession, person: Volunteer, project: Project, assignment: Assignment, settings: Settings
) -> None:
    """E-mail the person their offer with a link to accept or decline it."""
    token = await issue_link(session, OFFER, assignment.id, lifetime=OFFER_LIFETIME)
    terms = await offer_terms(session, assignment, project, clock.now() + OFFER_LIFETIME)
    await queue_templated_mail(
        session,
        "place_offered",
        to=person.email,
        category=OFFER,
        person=person,
        role=assignment.role.value,
        code=project.code,
        title=project.title,
        hours=assignment.hours,
        days=OFFER_LIFETIME.days,
        terms=terms,
        url=f"{settings.base_url}/offers/{token}",
    )


async def tell_co_chairs(session: AsyncSession, project: Project, assignment: Assignment, settings: Settings) -> None:
    """Tell the project's work-stream co-chairs what has just happened to a place on its team."""
    chairs = await session.scalars(
        select(StaffUser).where(
            StaffUser.role == StaffRole.CO_CHAIR,
            StaffUser.workstream_id == project.workstream_id,
            StaffUser.is_active,
        )
    )
    for chair in chairs.all():
        await queue_templated_mail(
            session,
            CO_CHAIR_NOTICE,
            to=chair.email,
            category=CO_CHAIR_NOTICE,
            chair=chair,
            status=assignment.status.value,
            role=assignment.role.value,
            code=project.code,
            url=f"{settings.base_url}/desk/projects/{project.code}",
        )
