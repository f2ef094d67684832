"""The application factory: wires settings, the database, templates, errors, security and routes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.response import Template
from litestar.static_files import create_static_files_router

from stepchange.core.database import build_database_config
from stepchange.core.errors import Problem, exception_handlers
from stepchange.core.pagination import provide_window
from stepchange.core.security import SecurityHeadersMiddleware
from stepchange.core.settings import Settings, get_settings
from stepchange.core.templating import template_config
from stepchange.programme.pages import ProgrammePages
from stepchange.projects.controllers import ProjectController
from stepchange.projects.pages import ProjectPages
from stepchange.workstreams.controllers import WorkstreamController
from stepchange.workstreams.pages import WorkstreamPages

STATIC_DIR = Path(__file__).resolve().parent / "static"


@get("/health", tags=["Service"], summary="Is the service up?", include_in_schema=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


def render_error_page(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    return Template("errors/problem.html", context={"problem": problem}, status_code=problem.status)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the service; tests pass their own settings, the CLI and servers read the environment."""
    settings = settings or get_settings()
    db_config = build_database_config(settings)
    return Litestar(
        route_handlers=[
            health,
            WorkstreamController,
            ProjectController,
            ProgrammePages,
            WorkstreamPages,
            ProjectPages,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        dependencies={
            "window": Provide(provide_window),
            "settings": Provide(lambda: settings, sync_to_thread=False),
        },
        plugins=[SQLAlchemyPlugin(config=db_config)],
        template_config=template_config(),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.is_production,
            cookie_samesite="lax",
            cookie_httponly=False,
        ),
        middleware=[DefineMiddleware(SecurityHeadersMiddleware, hsts=settings.is_production)],
        exception_handlers=exception_handlers(render_error_page),  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Step-Change",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug" if not settings.is_production else "always",
        ),
        debug=False,
        state=State({"settings": settings}),
    )


logging.getLogger("stepchange").setLevel(logging.INFO)
