"""The application factory: wires settings, the database, sessions, templates, errors, security and routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_401_UNAUTHORIZED
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.controllers import AuditController, AuthController, StaffController
from stepchange.accounts.pages import AccountPages
from stepchange.accounts.services import STAFF, load_staff_principal
from stepchange.accounts.two_factor_pages import TwoFactorPages
from stepchange.assignments.controllers import AssignmentController, ClearanceController
from stepchange.assignments.pages import AssignmentPages
from stepchange.contributions.controllers import MyTimeController, TimeReportController, TimeReviewController
from stepchange.contributions.pages import TimePages
from stepchange.core import export_jobs
from stepchange.core.bodies import refuse_deep_json
from stepchange.core.counters import build_counter
from stepchange.core.csrf import SessionCSRFMiddleware
from stepchange.core.database import (
    TransactionMiddleware,
    build_database_config,
    one_event_loop,
    periodic_lifespan,
)
from stepchange.core.errors import Problem, exception_handlers
from stepchange.core.fast_path import JSON, AnonymousFastPath, FastAnswer, fixed
from stepchange.core.head import answer_head
from stepchange.core.logs import install_redaction
from stepchange.core.mail import mail_sender_lifespan
from stepchange.core.mailbox import MailboxPages
from stepchange.core.openapi import document_problems, openapi_config
from stepchange.core.pagination import provide_window
from stepchange.core.security import NonceMiddleware, public_rate_limit, security_headers
from stepchange.core.sessions import AuthenticationMiddleware, build_store, session_config, session_cookie
from stepchange.core.settings import Settings, get_settings
from stepchange.core.templating import template_config
from stepchange.core.web import drop_empty_query_values, see_other
from stepchange.desk.controllers import DeskController, OfferAnswerController
from stepchange.desk.pages import DeskPages, OfferPages
from stepchange.ethics.controllers import ConflictController, ProjectReviewController
from stepchange.ethics.pages import EthicsPages
from stepchange.governance.controllers import EscalationController, MaturityMatrixController, governance_api
from stepchange.governance.pages import EscalationPages, MatrixPages, office_pages
from stepchange.homes.pages import ErasurePages, HomePages
from stepchange.interest.call_pages import CallPages
from stepchange.interest.controllers import CallController, InterestController, VolunteerController, VouchController
from stepchange.interest.intake import file_waiting
from stepchange.interest.pages import InterestPages
from stepchange.interest.pages_declarations import DeclarationPages
from stepchange.interest.pages_links import InterestLinkPages
from stepchange.interest.people_pages import PeoplePages
from stepchange.people.controllers import OrganisationController
from stepchange.people.pages import OrganisationPages
from stepchange.programme.controllers import MilestoneController
from stepchange.programme.pages import MilestonePages, ProgrammePages
from stepchange.projects.controllers import ProjectController, WorkstreamController
from stepchange.projects.fast_doors import project_list_doors
from stepchange.projects.pages import ProjectPages, WorkstreamPages
from stepchange.projects.proposals_controllers import ProposalController
from stepchange.projects.proposals_pages import ProposalPages
from stepchange.reminders.controllers import CalendarAddressController, CalendarFeedController, team_calendar_url
from stepchange.reminders.job import reminders_lifespan
from stepchange.reminders.pages import ReminderSettingsPages, StopReminderPages
from stepchange.reports.controllers import ReportController
from stepchange.reports.export_views import ExportController, ExportPages
from stepchange.reports.maturity import MaturityReportController, MaturityReportPages
from stepchange.reports.pages import ReportPages
from stepchange.reports.painter import PAINTER
from stepchange.reports.register_views import RegisterController, RegisterPages
from stepchange.volunteers.controllers import ErasureController, SelfServiceController
from stepchange.volunteers.pages import SelfServicePages
from stepchange.volunteers.record_pages import RecordPages
from stepchange.volunteers.services import load_volunteer_principal
from stepchange.wiring import wire

STATIC_DIR = Path(__file__).resolve().parent / "static"
FILING_SWEEP_SECONDS = 30
COUNTER_PURGE_SECONDS = 60 * 60
MAX_BODY_BYTES = 1_000_000
"""No form or API call needs more; larger bodies are refused with 413 before they are read."""


def file_leftovers(config: SQLAlchemyAsyncConfig, settings: Settings) -> Callable[[AsyncSession], Awaitable[int]]:
    """The background job that files public submissions a crash or a failure left waiting after their answer."""

    async def job(session: AsyncSession) -> int:
        return await file_waiting(session, config, settings)

    return job


HEALTHY = b'{"status":"ok"}'
FAST_PATH = "stepchange_fast_path"


@get("/health", tags=["Service"], summary="Is the service up?")
async def health() -> dict[str, str]:
    """Answered by the anonymous fast path (:data:`HEALTHY`) when the request carries no session."""
    return {"status": "ok"}


def render_error_page(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    """Browsers get a page; one that needs signing in sends them to sign in and brings them back."""
    if problem.status == HTTP_401_UNAUTHORIZED and request.method == "GET":
        if request.url.path.startswith("/my/"):
            return see_other("/my")  # volunteers sign in by link, not password
        return see_other(f"/login?{urlencode({'next': request.url.path})}")
    return Template("errors/problem.html", context={"problem": problem}, status_code=problem.status)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the service; tests pass their own settings, the CLI and servers read the environment."""
    settings = settings or get_settings()
    wire()
    db_config = build_database_config(settings)
    sessions = session_config(settings)
    counter = build_counter(settings, db_config.get_engine())
    app = Litestar(
        route_handlers=[
            health,
            AuthController,
            StaffController,
            AuditController,
            WorkstreamController,
            governance_api,
            EscalationController,
            MaturityMatrixController,
            MaturityReportController,
            MaturityReportPages,
            ProjectController,
            ProposalController,
            MyTimeController,
            TimeReviewController,
            TimeReportController,
            MilestoneController,
            CallController,
            InterestController,
            VolunteerController,
            VouchController,
            OrganisationController,
            SelfServiceController,
            ErasureController,
            ProgrammePages,
            MilestonePages,
            WorkstreamPages,
            office_pages,
            EscalationPages,
            ProposalPages,
            TimePages,
            MatrixPages,
            ProjectPages,
            AccountPages,
            TwoFactorPages,
            InterestPages,
            CallPages,
            DeclarationPages,
            InterestLinkPages,
            PeoplePages,
            OrganisationPages,
            SelfServicePages,
            RecordPages,
            DeskController,
            OfferAnswerController,
            DeskPages,
            OfferPages,
            ConflictController,
            ProjectReviewController,
            RegisterController,
            ExportController,
            AssignmentController,
            ClearanceController,
            EthicsPages,
            AssignmentPages,
            ReportController,
            ReportPages,
            RegisterPages,
            ExportPages,
            MailboxPages,
            CalendarAddressController,
            CalendarFeedController,
            ReminderSettingsPages,
            StopReminderPages,
            HomePages,
            ErasurePages,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        dependencies={
            "window": Provide(provide_window),
            "settings": Provide(lambda: settings, sync_to_thread=False),
        },
        plugins=[SQLAlchemyPlugin(config=db_config)],
        stores={"sessions": build_store(settings, db_config, "sessions")},
        template_config=template_config(auto_reload=not settings.is_production),
        middleware=[
            drop_empty_query_values,
            NonceMiddleware,
            sessions.middleware,
            DefineMiddleware(  # the CSRF token is bound to the session (core/csrf.py)
                SessionCSRFMiddleware,
                secret=settings.secret_key,
                session_cookie=session_cookie(settings),
                secure=settings.is_production,
            ),
            DefineMiddleware(
                AuthenticationMiddleware,
                db_config=db_config,
                settings=settings,
                loaders={STAFF: load_staff_principal, "volunteer": load_volunteer_principal},
                second_factor_kinds=frozenset({STAFF}) if settings.mfa_required else frozenset(),
            ),
            *public_rate_limit(settings.rate_limit_per_minute, counter),
            DefineMiddleware(TransactionMiddleware, finish=db_config.before_send_handler),
        ],
        exception_handlers=exception_handlers(render_error_page),  # type: ignore[arg-type]
        openapi_config=openapi_config("Step-Change", "1.0.0") if settings.serves_api_docs else None,
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            # Database drivers log statements with their parameters (addresses, tokens) at DEBUG.
            loggers={name: {"level": "WARNING"} for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine")},
            log_exceptions="always" if settings.is_production else "debug",
        ),
        lifespan=[
            one_event_loop,
            mail_sender_lifespan(db_config, settings),
            reminders_lifespan(db_config, settings),
            periodic_lifespan(db_config, COUNTER_PURGE_SECONDS, lambda _: counter.purge_expired(), "counter purge"),
            periodic_lifespan(db_config, export_jobs.PURGE_SECONDS, export_jobs.purge_expired, "download purge"),
            *(
                [
                    periodic_lifespan(
                        db_config, FILING_SWEEP_SECONDS, file_leftovers(db_config, settings), "filing submissions"
                    ),
                ]
                if settings.mail_sender_enabled
                else []
            ),
        ],
        before_send=[security_headers(hsts=settings.is_production)],
        before_request=refuse_deep_json,
        on_startup=[install_redaction],
        on_shutdown=[counter.close, PAINTER.stop],
        debug=False,
        request_max_body_size=MAX_BODY_BYTES,
        state=State({"settings": settings, "counter": counter}),
    )
    if settings.serves_api_docs:
        document_problems(app)
    app.template_engine.engine.globals["team_calendar_url"] = lambda assignment_id: team_calendar_url(  # type: ignore[union-attr]
        settings, assignment_id
    )
    fast_path = AnonymousFastPath(
        app.asgi_handler,
        doors={"/health": fixed(FastAnswer(HEALTHY, JSON)), **project_list_doors(app)},
        secret=settings.secret_key,
        session_cookie=session_cookie(settings),
        secure=settings.is_production,
    )
    app.state[FAST_PATH] = fast_path
    app.asgi_handler = answer_head(fast_path)
    return app
