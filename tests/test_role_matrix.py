"""The role matrix: every route by every kind of caller, with the answer each should get.

A route added without a row here fails :func:`test_every_route_has_a_row`. "Allowed" means the guard let
the caller through (any answer but 401/403: the request may still be refused for its content); "denied"
means 401 for nobody signed in and 403 for everyone else. Nothing answers 500.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.links import issue_link
from stepchange.core.settings import Settings
from stepchange.interest.rules import CleanSubmission
from stepchange.interest.services import InterestService
from stepchange.volunteers.services import SIGN_IN
from tests.conftest import PASSWORD, Client, make_staff, sign_in

CALLERS = (
    "anonymous",
    "half_code",
    "half_setup",
    "volunteer",
    "board",
    "ethics",
    "co_chair_other",
    "co_chair_own",
    "coordinator",
)
STAFF = {"board", "ethics", "co_chair_other", "co_chair_own", "coordinator"}
NOBODY_YET = {"anonymous", "half_code", "half_setup"}
"""Not signed in: nobody, and staff whose password was right but who still owe a code (``half_code``)
or setting up an authenticator app (``half_setup``). Every route but the public ones and their own next
step answers them 401."""

# Who each kind of route lets through.
POLICIES: dict[str, set[str]] = {
    "public": set(CALLERS),
    "staff": STAFF,
    "coordinator": {"coordinator"},
    "co_chairs": {"co_chair_other", "co_chair_own", "coordinator"},
    "own_workstream": {"co_chair_own", "coordinator"},
    "ethics": {"ethics", "coordinator"},
    "board": {"board", "coordinator"},
    "board_or_own_workstream": {"board", "co_chair_own", "coordinator"},
    "volunteer": {"volunteer"},
    "signed_in": set(CALLERS) - NOBODY_YET,
    "owes_code": {"half_code"},
    "enrolling": STAFF | {"half_setup"},
    "ethics_or_own_workstream": {"ethics", "co_chair_own", "coordinator"},
    "co_chairs_only": {"co_chair_other", "co_chair_own"},
    "ethics_only": {"ethics"},
    "own_co_chair": {"co_chair_own"},
}
SIGN_OUTS = ("POST /api/auth/logout", "POST /logout", "POST /api/me/sign-out", "POST /my/sign-out")

MATRIX: dict[str, str] = {
    # partnership: terms of reference, subgroups, maturity (issue 30)
    "GET /api/maturity/areas": "staff",
    "GET /api/reports/maturity": "board",
    "GET /api/reports/maturity/{filename:str}": "board",
    "GET /api/workstreams/{code:str}/maturity": "own_workstream",
    "GET /api/workstreams/{code:str}/maturity/{assessment_id:uuid}": "own_workstream",
    "GET /api/workstreams/{code:str}/subgroups": "own_workstream",
    "GET /api/workstreams/{code:str}/subgroups/{subgroup_id:uuid}": "own_workstream",
    "GET /api/workstreams/{code:str}/terms": "own_workstream",
    "GET /api/workstreams/{code:str}/terms/versions": "own_workstream",
    "GET /maturity-matrix": "staff",
    "GET /reports/maturity": "board",
    "GET /workstreams/{code:str}/governance/maturity": "own_workstream",
    "GET /workstreams/{code:str}/governance/maturity/new": "own_workstream",
    "GET /workstreams/{code:str}/governance/maturity/{assessment_id:uuid}": "own_workstream",
    "GET /workstreams/{code:str}/governance/subgroups": "own_workstream",
    "GET /workstreams/{code:str}/governance/subgroups/new": "own_workstream",
    "GET /workstreams/{code:str}/governance/subgroups/{subgroup_id:uuid}": "own_workstream",
    "GET /workstreams/{code:str}/governance/terms": "own_workstream",
    "GET /workstreams/{code:str}/governance/terms/edit": "own_workstream",
    "PATCH /api/maturity/areas/{area_id:uuid}": "coordinator",
    "POST /api/maturity/areas": "coordinator",
    "POST /api/workstreams/{code:str}/maturity": "own_workstream",
    "POST /api/workstreams/{code:str}/maturity/{assessment_id:uuid}/sign-off": "own_co_chair",
    "POST /api/workstreams/{code:str}/subgroups": "own_workstream",
    "POST /api/workstreams/{code:str}/subgroups/{subgroup_id:uuid}/meetings": "own_workstream",
    "POST /api/workstreams/{code:str}/subgroups/{subgroup_id:uuid}/members": "own_workstream",
    "POST /api/workstreams/{code:str}/subgroups/{subgroup_id:uuid}/members/{member_id:uuid}/remove": "own_workstream",
    "POST /api/workstreams/{code:str}/terms/acknowledge": "own_workstream",
    "POST /api/workstreams/{code:str}/terms/publish": "own_workstream",
    "POST /maturity-matrix": "coordinator",
    "POST /workstreams/{code:str}/governance/maturity": "own_workstream",
    "POST /workstreams/{code:str}/governance/maturity/{assessment_id:uuid}/sign-off": "own_co_chair",
    "POST /workstreams/{code:str}/governance/subgroups": "own_workstream",
    "POST /workstreams/{code:str}/governance/subgroups/{subgroup_id:uuid}/actions": "own_workstream",
    "POST /workstreams/{code:str}/governance/subgroups/{subgroup_id:uuid}/meetings": "own_workstream",
    "POST /workstreams/{code:str}/governance/subgroups/{subgroup_id:uuid}/members": "own_workstream",
    "POST /workstreams/{code:str}/governance/terms/acknowledge": "own_workstream",
    "POST /workstreams/{code:str}/governance/terms/edit": "own_workstream",
    "POST /workstreams/{code:str}/governance/terms/publish": "own_workstream",
    "PUT /api/workstreams/{code:str}/terms/draft": "own_workstream",
    "DELETE /api/organisations/{organisation_id:uuid}/domains/{domain:str}": "coordinator",
    "GET /": "public",
    "GET /accessibility": "public",
    "GET /account": "staff",
    "GET /account/two-factor": "staff",
    "GET /account/reminders": "staff",
    "POST /account/reminders": "staff",
    "POST /account/calendar": "staff",
    "POST /api/auth/calendar": "staff",
    "GET /calendar/{name:str}": "public",
    "GET /calendar/team/{name:str}": "public",
    "GET /reminders/stop/{token:str}": "public",
    "POST /reminders/stop/{token:str}": "public",
    "GET /account/two-factor/setup": "enrolling",
    "GET /account/forgot-password": "public",
    "GET /account/invitation/{token:str}": "public",
    "GET /account/reset/{token:str}": "public",
    "GET /api/assignments": "coordinator",
    "GET /api/assignments/eligibility": "coordinator",
    "GET /api/assignments/{assignment_id:uuid}": "coordinator",
    "GET /api/audit": "coordinator",
    "GET /api/auth/me": "staff",
    "GET /api/calls": "public",
    "GET /api/conflicts": "ethics",
    "GET /api/conflicts/{declaration_id:uuid}": "ethics",
    "GET /api/desk": "coordinator",
    "GET /api/desk/projects/{code:str}/suggestions": "coordinator",
    "GET /api/desk/projects/{code:str}/team": "own_workstream",
    "GET /api/desk/projects/{code:str}/team.csv": "own_workstream",
    "GET /api/erasure-requests": "coordinator",
    "GET /api/escalations": "board",
    "GET /api/me": "volunteer",
    "GET /api/me/data": "volunteer",
    "GET /api/milestones": "staff",
    "GET /api/organisations": "coordinator",
    "GET /api/project-reviews": "staff",
    "GET /api/projects": "public",
    "GET /api/projects/{code:str}": "public",
    "GET /api/projects/{code:str}/clearance": "ethics_or_own_workstream",
    "GET /api/projects/{code:str}/ethics-reviews": "staff",
    "GET /api/projects/{code:str}/updates": "staff",
    "GET /api/projects/{code:str}/versions": "staff",
    "GET /api/projects/{code:str}/versions/{number:int}": "staff",
    "GET /api/reports/dashboard": "board",
    "GET /api/reports/exceptions": "board",
    "GET /api/reports/register-of-interests": "ethics",
    "GET /api/reports/register-of-interests.csv": "ethics",
    "GET /api/reports/register-of-interests.xlsx": "ethics",
    "GET /api/exports/{job_id:uuid}": "staff",
    "GET /api/reports/workstreams/{code:str}": "board_or_own_workstream",
    "GET /api/reports/workstreams/{code:str}/exceptions": "board_or_own_workstream",
    "GET /api/reports/workstreams/{code:str}/{filename:str}": "board_or_own_workstream",
    "GET /api/reports/{filename:str}": "board",
    "GET /api/users": "coordinator",
    "GET /api/users/{user_id:uuid}": "coordinator",
    "GET /api/volunteers": "coordinator",
    "GET /api/volunteers/export.csv": "coordinator",
    "GET /api/volunteers/{volunteer_id:uuid}": "coordinator",
    "GET /api/workstreams": "public",
    "GET /api/workstreams/{code:str}": "public",
    "GET /api/workstreams/{code:str}/actions": "own_workstream",
    "GET /api/workstreams/{code:str}/actions/{action_id:uuid}": "own_workstream",
    "GET /api/workstreams/{code:str}/appointments": "own_workstream",
    "GET /api/workstreams/{code:str}/meetings": "own_workstream",
    "GET /api/workstreams/{code:str}/meetings/{meeting_id:uuid}": "own_workstream",
    "GET /api/workstreams/{code:str}/meetings/{meeting_id:uuid}/minutes": "own_workstream",
    "GET /api/workstreams/{code:str}/roster": "own_workstream",
    "GET /api/workstreams/{code:str}/roster/{member_id:uuid}": "own_workstream",
    "GET /api/workstreams/{code:str}/standing-items": "own_workstream",
    "GET /assignments": "coordinator",
    "GET /audit": "coordinator",
    "GET /contact": "public",
    "GET /calls": "coordinator",
    "GET /calls/new": "coordinator",
    "GET /calls/{call_id:uuid}": "coordinator",
    "GET /calls/{call_id:uuid}/change": "coordinator",
    "GET /calls/{call_id:uuid}/extend": "coordinator",
    "GET /calls/{call_id:uuid}/close": "coordinator",
    "GET /desk": "coordinator",
    "GET /desk/projects/{code:str}": "own_workstream",
    "GET /dev/mailbox": "coordinator",
    "GET /dev/mailbox/{name:str}": "coordinator",
    "GET /escalations": "board",
    "GET /ethics": "ethics",
    "GET /ethics/declarations/{declaration_id:uuid}": "ethics",
    "GET /ethics/projects": "staff",
    "GET /ethics/projects/{code:str}": "staff",
    "GET /ethics/register": "ethics",
    "GET /ethics/register.xlsx": "ethics",
    "GET /exports/{job_id:uuid}": "staff",
    "GET /exports/{job_id:uuid}/file": "staff",
    "GET /health": "public",
    "GET /home": "staff",
    "GET /interest": "public",
    "GET /interest/check": "public",
    "GET /interest/declarations": "public",
    "GET /interest/declarations/{slot:int}": "public",
    "GET /interest/start": "public",
    "GET /interest/{slug:str}": "public",
    "GET /interest/resend": "public",
    "GET /interest/sent": "public",
    "GET /interest/verify/{token:str}": "public",
    "GET /login": "public",
    "GET /login/code": "owes_code",
    "GET /login/recovery": "owes_code",
    "GET /milestones": "staff",
    "GET /my": "public",
    "GET /my/choices/{call_id:uuid}": "volunteer",
    "GET /my/confirm/{page:str}": "volunteer",
    "GET /my/data": "volunteer",
    "GET /my/declare": "volunteer",
    "GET /my/details": "volunteer",
    "GET /my/email/{token:str}": "public",
    "GET /my/record": "volunteer",
    "GET /my/sign-in/{token:str}": "public",
    "GET /offers/{token:str}": "public",
    "GET /organisations": "coordinator",
    "GET /people": "coordinator",
    "GET /people/{volunteer_id:uuid}": "coordinator",
    "GET /people/{volunteer_id:uuid}/erasure/carry-out": "coordinator",
    "GET /people/{volunteer_id:uuid}/erasure/refuse": "coordinator",
    "GET /privacy": "public",
    "GET /projects": "public",
    "GET /projects/new": "coordinator",
    "GET /projects/{code:str}": "public",
    "GET /projects/{code:str}/amend": "own_workstream",
    "GET /projects/{code:str}/versions": "staff",
    "GET /projects/{code:str}/versions/{number:int}": "staff",
    "GET /reports": "board",
    "GET /reports/board-pack.pdf": "board",
    "GET /reports/my-workstream": "co_chairs_only",
    "GET /reports/workstreams/{code:str}": "board_or_own_workstream",
    "GET /reports/workstreams/{code:str}/board-pack.pdf": "board_or_own_workstream",
    "GET /staff": "coordinator",
    "GET /staff/invite": "coordinator",
    "GET /staff/{user_id:uuid}": "coordinator",
    "GET /workstreams": "public",
    "GET /workstreams/{code:str}": "public",
    "GET /workstreams/{code:str}/governance": "own_workstream",
    "GET /workstreams/{code:str}/governance/actions": "own_workstream",
    "GET /workstreams/{code:str}/governance/actions/{action_id:uuid}": "own_workstream",
    "GET /workstreams/{code:str}/governance/appointments": "own_workstream",
    "GET /workstreams/{code:str}/governance/meetings/new": "own_workstream",
    "GET /workstreams/{code:str}/governance/meetings/{meeting_id:uuid}": "own_workstream",
    "GET /workstreams/{code:str}/governance/meetings/{meeting_id:uuid}/minutes": "own_workstream",
    "GET /workstreams/{code:str}/governance/roster": "own_workstream",
    "GET /workstreams/{code:str}/governance/roster/{member_id:uuid}": "own_workstream",
    "GET /workstreams/{code:str}/governance/standing-items": "own_workstream",
    "PATCH /api/calls/{call_id:uuid}": "coordinator",
    "PATCH /api/conflicts/{declaration_id:uuid}": "ethics",
    "PATCH /api/me/declarations/{declaration_id:uuid}": "volunteer",
    "PATCH /api/me/expressions/{call_id:uuid}": "volunteer",
    "PATCH /api/projects/{code:str}": "co_chairs",
    "PATCH /api/users/{user_id:uuid}": "coordinator",
    "PATCH /api/workstreams/{code:str}/actions/{action_id:uuid}": "own_workstream",
    "PATCH /api/workstreams/{code:str}/appointments/{appointment_id:uuid}": "coordinator",
    "PATCH /api/workstreams/{code:str}/roster/{member_id:uuid}": "own_workstream",
    "POST /account/forgot-password": "public",
    "POST /account/invitation/{token:str}": "public",
    "POST /account/reset/{token:str}": "public",
    "POST /account/two-factor/replace": "staff",
    "POST /account/two-factor/setup": "enrolling",
    "POST /api/assignments": "coordinator",
    "POST /api/auth/invitations/accept": "public",
    "POST /api/auth/login": "public",
    "POST /api/auth/logout": "public",
    "POST /api/auth/mfa": "owes_code",
    "POST /api/auth/mfa/replace": "staff",
    "POST /api/auth/mfa/setup": "enrolling",
    "POST /api/auth/mfa/setup/confirm": "enrolling",
    "POST /api/auth/password-reset": "public",
    "POST /api/auth/password-reset/complete": "public",
    "POST /api/calls": "coordinator",
    "POST /api/calls/{call_id:uuid}/close": "coordinator",
    "POST /api/calls/{call_id:uuid}/extend": "coordinator",
    "POST /api/conflicts/{declaration_id:uuid}/review": "ethics_only",
    "POST /api/desk/assignments/{assignment_id:uuid}/end": "coordinator",
    "POST /api/desk/calls/{call_id:uuid}/finish": "coordinator",
    "POST /api/desk/offers": "coordinator",
    "POST /api/desk/projects/{code:str}/replace-lead": "coordinator",
    "POST /api/erasure-requests/{volunteer_id:uuid}/erase": "coordinator",
    "POST /api/erasure-requests/{volunteer_id:uuid}/refuse": "coordinator",
    "POST /api/interest": "public",
    "POST /api/interest/resend": "public",
    "POST /api/interest/verify": "public",
    "POST /api/me/declarations": "volunteer",
    "POST /api/me/declarations/{declaration_id:uuid}/withdraw": "volunteer",
    "POST /api/me/erasure": "volunteer",
    "POST /api/me/expressions/{call_id:uuid}/withdraw": "volunteer",
    "POST /api/me/sign-in": "public",
    "POST /api/me/sign-in/complete": "public",
    "POST /api/me/sign-out": "public",
    "POST /api/me/withdraw": "volunteer",
    "POST /api/milestones": "co_chairs",
    "POST /api/milestones/{milestone_id:uuid}/done": "co_chairs",
    "POST /api/offers/respond": "public",
    "POST /api/organisations": "coordinator",
    "POST /api/organisations/{organisation_id:uuid}/domains": "coordinator",
    "POST /api/projects": "coordinator",
    "POST /api/projects/{code:str}/ethics-reviews": "ethics_only",
    "POST /api/projects/{code:str}/updates": "co_chairs",
    "POST /api/users": "coordinator",
    "POST /api/users/{user_id:uuid}/deactivate": "coordinator",
    "POST /api/users/{user_id:uuid}/mfa/reset": "coordinator",
    "POST /api/users/{user_id:uuid}/reactivate": "coordinator",
    "POST /api/volunteers/late-entry": "coordinator",
    "POST /api/volunteers/{volunteer_id:uuid}/merge": "coordinator",
    "POST /api/volunteers/{volunteer_id:uuid}/notes": "coordinator",
    "POST /api/volunteers/{volunteer_id:uuid}/validation": "coordinator",
    "POST /api/volunteers/{volunteer_id:uuid}/vouch": "co_chairs",
    "POST /api/workstreams/{code:str}/actions": "own_workstream",
    "POST /api/workstreams/{code:str}/actions/{action_id:uuid}/escalate": "own_workstream",
    "POST /api/workstreams/{code:str}/appointments": "coordinator",
    "POST /api/workstreams/{code:str}/appointments/{appointment_id:uuid}/end": "coordinator",
    "POST /api/workstreams/{code:str}/meetings": "own_workstream",
    "POST /api/workstreams/{code:str}/meetings/{meeting_id:uuid}/attendance": "co_chairs",
    "POST /api/workstreams/{code:str}/meetings/{meeting_id:uuid}/cancel": "own_workstream",
    "POST /api/workstreams/{code:str}/roster": "own_workstream",
    "POST /api/workstreams/{code:str}/roster/{member_id:uuid}/leave": "own_workstream",
    "POST /assignments": "coordinator",
    "POST /calls/new": "coordinator",
    "POST /calls/new/confirm": "coordinator",
    "POST /calls/{call_id:uuid}/change": "coordinator",
    "POST /calls/{call_id:uuid}/extend": "coordinator",
    "POST /calls/{call_id:uuid}/close": "coordinator",
    "POST /desk/projects/{code:str}": "coordinator",
    "POST /ethics/declarations/{declaration_id:uuid}/classification": "ethics",
    "POST /ethics/declarations/{declaration_id:uuid}/review": "ethics_only",
    "POST /ethics/projects/{code:str}": "ethics_only",
    "POST /interest": "public",
    "POST /interest/declarations": "public",
    "POST /interest/declarations/{slot:int}": "public",
    "POST /interest/declarations/{slot:int}/remove": "public",
    "POST /interest/{slug:str}": "public",
    "POST /interest/resend": "public",
    "POST /interest/verify/{token:str}": "public",
    "POST /login": "public",
    "POST /login/code": "owes_code",
    "POST /login/recovery": "owes_code",
    "POST /logout": "public",
    "POST /milestones/{milestone_id:uuid}/done": "co_chairs",
    "POST /my": "public",
    "POST /my/choices/{call_id:uuid}": "volunteer",
    "POST /my/declare": "volunteer",
    "POST /my/details": "volunteer",
    "POST /my/email/{token:str}": "public",
    "POST /my/record": "volunteer",
    "POST /my/sign-in/{token:str}": "public",
    "POST /my/sign-out": "public",
    "POST /offers/{token:str}": "public",
    "POST /organisations": "coordinator",
    "POST /people/{volunteer_id:uuid}": "coordinator",
    "POST /people/selected": "coordinator",
    "POST /people/selected/validate": "coordinator",
    "POST /people/{volunteer_id:uuid}/erasure/carry-out": "coordinator",
    "POST /people/{volunteer_id:uuid}/erasure/refuse": "coordinator",
    "POST /projects/new": "coordinator",
    "POST /projects/{code:str}/amend": "co_chairs",
    "POST /projects/{code:str}/milestones": "co_chairs",
    "POST /projects/{code:str}/milestones/{milestone_id:uuid}/done": "co_chairs",
    "POST /projects/{code:str}/updates": "own_workstream",
    "POST /staff/invite": "coordinator",
    "POST /staff/{user_id:uuid}": "coordinator",
    "POST /workstreams/{code:str}/governance/actions": "own_workstream",
    "POST /workstreams/{code:str}/governance/actions/{action_id:uuid}": "own_workstream",
    "POST /workstreams/{code:str}/governance/actions/{action_id:uuid}/escalate": "own_workstream",
    "POST /workstreams/{code:str}/governance/appointments": "coordinator",
    "POST /workstreams/{code:str}/governance/appointments/{appointment_id:uuid}/end": "coordinator",
    "POST /workstreams/{code:str}/governance/meetings": "own_workstream",
    "POST /workstreams/{code:str}/governance/meetings/{meeting_id:uuid}/attendance": "own_workstream",
    "POST /workstreams/{code:str}/governance/meetings/{meeting_id:uuid}/cancel": "own_workstream",
    "POST /workstreams/{code:str}/governance/meetings/{meeting_id:uuid}/minutes": "own_workstream",
    "POST /workstreams/{code:str}/governance/roster": "own_workstream",
    "POST /workstreams/{code:str}/governance/roster/{member_id:uuid}": "own_workstream",
    "POST /workstreams/{code:str}/governance/standing-items": "own_workstream",
    "PUT /api/workstreams/{code:str}/meetings/{meeting_id:uuid}/minutes": "co_chairs",
    "PUT /api/workstreams/{code:str}/standing-items": "co_chairs",
    # issue 26: proposals, the time ledger, organisations' parts
    "PATCH /api/organisations/{organisation_id:uuid}": "coordinator",
    "GET /api/projects/{code:str}/proposals": "signed_in",
    "POST /api/projects/{code:str}/proposals": "signed_in",
    "GET /api/projects/{code:str}/proposals/{proposal_id:uuid}": "signed_in",
    "POST /api/projects/{code:str}/proposals/{proposal_id:uuid}/decision": "co_chairs",
    "POST /api/me/time": "volunteer",
    "GET /api/me/time": "volunteer",
    "GET /api/time": "co_chairs",
    "POST /api/time/{entry_id:uuid}/review": "co_chairs",
    "GET /api/reports/time": "board",
    "GET /api/reports/time.csv": "board",
    "GET /api/reports/time.xlsx": "board",
    "GET /projects/{code:str}/proposals/new": "own_workstream",
    "POST /projects/{code:str}/proposals/new": "signed_in",
    "GET /projects/{code:str}/proposals": "signed_in",
    "GET /projects/{code:str}/proposals/{proposal_id:uuid}": "signed_in",
    "POST /projects/{code:str}/proposals/{proposal_id:uuid}/decision": "co_chairs",
    "GET /my/time": "volunteer",
    "POST /my/time": "volunteer",
    "GET /time": "co_chairs",
    "POST /time/{entry_id:uuid}/review": "co_chairs",
}
SKIPPED_PREFIXES = ("/static/", "/schema")
"""Files and the API description: public by design, and not application routes."""


def routes(app: Litestar) -> list[str]:
    """Every route, the sign-outs last (they end the callers' sessions)."""
    found = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ()) or ()):
            if method not in ("HEAD", "OPTIONS") and not route.path.startswith(SKIPPED_PREFIXES):
                found.append(f"{method} {route.path}")
    return sorted(found, key=lambda r: (r in SIGN_OUTS, r))


def concrete(path: str) -> str:
    """A real path for a route: the callers' own work-stream (T) and its project T1, unknown ids."""
    workstream_route = path.startswith(
        ("/api/workstreams/{code", "/workstreams/{code", "/api/reports/workstreams/{code", "/reports/workstreams/{code")
    )
    values = {
        "code": "T" if workstream_route else "T1",
        "number": "1",
        "token": "x" * 43,
        "filename": "projects.csv",
        "domain": "example.org",
        "name": "message.eml",
    }
    out = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name, _, kind = part[1:-1].partition(":")
            part = str(uuid.uuid4()) if kind == "uuid" else values.get(name, "x")
        out.append(part)
    return "/".join(out)


async def volunteer_session(config: SQLAlchemyAsyncConfig) -> str:
    """A volunteer's sign-in token, straight from the service (the e-mail is tested elsewhere)."""
    async with session_scope(config) as session:
        service = InterestService(session=session)
        clean = CleanSubmission(
            name="Val",
            email="val@example.org",
            phone="+447700900001",
            organisation="Org",
            job_title="Job",
            sector="Retail",
            hours_per_month=4,
            experience="",
            credentials=[],
            no_conflicts=True,
            choices=[],
        )
        person = await service._new_person(clean)
        return await issue_link(session, SIGN_IN, person.id, lifetime=dt.timedelta(minutes=5))


@pytest.fixture
async def callers(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[dict[str, Client]]:
    """Everyone signed in as far as they can be on an app that requires a second factor (the staff
    through the sign-in helper, which sets up their apps); the two half-signed-in callers stop after
    their password."""
    settings = replace(settings, mfa="required")
    await make_staff(db_config, "owes-code@example.org", "coordinator")
    await make_staff(db_config, "owes-setup@example.org", "coordinator")
    await make_staff(db_config, "board@example.org", "board")
    await make_staff(db_config, "ethics@example.org", "ethics")
    await make_staff(db_config, "other@example.org", "co_chair", workstream="CP")
    await make_staff(db_config, "own@example.org", "co_chair", workstream="T")
    await make_staff(db_config, "office@example.org", "coordinator")
    token = await volunteer_session(db_config)
    emails = {
        "board": "board@example.org",
        "ethics": "ethics@example.org",
        "co_chair_other": "other@example.org",
        "co_chair_own": "own@example.org",
        "coordinator": "office@example.org",
    }
    async with AsyncExitStack() as stack:
        clients = {}
        for caller in CALLERS:
            client = await stack.enter_async_context(Client(app=create_app(settings)))
            if caller in emails:
                assert (await sign_in(client, emails[caller])).status_code == 200
            elif caller in ("half_code", "half_setup"):
                stage = await half_sign_in(stack, settings, caller, client)
                assert stage == ("mfa" if caller == "half_code" else "mfa_setup")
            elif caller == "volunteer":
                response = await client.post(
                    "/api/me/sign-in/complete", json={"token": token}, headers={"x-csrftoken": await client.csrf()}
                )
                assert response.status_code == 200
            clients[caller] = client
        yield clients


async def half_sign_in(stack: AsyncExitStack, settings: Settings, caller: str, client: Client) -> str:
    """The password step only: for ``half_code`` after the account set up its app in another browser."""
    email = "owes-code@example.org" if caller == "half_code" else "owes-setup@example.org"
    if caller == "half_code":
        other = await stack.enter_async_context(Client(app=create_app(settings)))
        assert (await sign_in(other, email)).json()["stage"] == "signed_in"
    response = await client.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD}, headers={"x-csrftoken": await client.csrf()}
    )
    return str(response.json()["stage"])


async def call(client: Client, route: str) -> int:
    method, path = route.split(" ", 1)
    url = concrete(path)
    token = await client.csrf()
    if method == "GET":
        response = await client.get(url)
    elif url.startswith("/api/"):
        response = await client.request(method, url, json={}, headers={"x-csrftoken": token})
    else:
        response = await client.request(method, url, data={"_csrf_token": token})
    return response.status_code


def test_every_route_has_a_row(app: Litestar) -> None:
    missing = [r for r in routes(app) if r not in MATRIX]
    stale = [r for r in MATRIX if r not in routes(app)]
    assert missing == [], f"routes without a row in the role matrix: {missing}"
    assert stale == [], f"rows for routes that no longer exist: {stale}"


async def test_the_role_matrix(callers: dict[str, Client], app: Litestar) -> None:
    wrong: list[str] = []
    for route in routes(app):
        allowed = POLICIES[MATRIX[route]]
        for caller, client in callers.items():
            status = await call(client, route)
            expected = "allowed" if caller in allowed else ("401" if caller in NOBODY_YET else "403")
            got = "allowed" if status not in (401, 403) else str(status)
            if status >= 500 or got != expected:
                wrong.append(f"{route} as {caller}: expected {expected}, got {status}")
    assert wrong == [], "\n".join(wrong)
