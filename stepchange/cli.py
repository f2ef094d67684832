"""The ``stepchange`` command: Litestar's CLI with this app preset, plus the programme's own commands.

Litestar's CLI builds the whole app before it can even list its commands (its plugins may add some), which
takes seconds. So ``stepchange`` and ``stepchange --help`` answer from the table below without importing
the app; any real command goes on to Litestar's CLI, which loads the app and then the command's module.
"""

from __future__ import annotations

import os
import sys

from stepchange.core.settings import trusted_proxies_from_env

APP_PATH = "stepchange.app:create_app"

#: The programme's commands (``stepchange.commands`` and friends take their help from here, so it is said once).
OWN_COMMANDS = {
    "backup": "Back up the database to FILE (safe while the service runs).",
    "data": "Personal data housekeeping.",
    "demo": "Demonstration data for development.",
    "import": "Import expressions of interest from elsewhere.",
    "mail": "The mail outbox.",
    "reminders": "Reminders that chase the right person once, in one digest a day.",
    "restore": "Restore the database from a backup FILE (stop the service first).",
    "rotate-key": "Re-encrypt every encrypted column under a new key, read from standard input "
    "(stop the service first).",
    "seed": "Add the programme's data from seeds/ (idempotent: never overwrites edits).",
    "users": "Manage staff accounts.",
}

#: Litestar's own commands and the database plugin's (their help is theirs: ``stepchange COMMAND --help``).
LITESTAR_COMMANDS = {
    "database": "Migrations and the database (e.g. `database upgrade`); alias db.",
    "info": "Show information about the app.",
    "routes": "Display the app's routes.",
    "run": "Serve the app (uvicorn): --host, --port, --reload, --wc WORKERS.",
    "schema": "Write the OpenAPI schema.",
    "sessions": "Manage server-side sessions.",
    "version": "Show the installed Litestar version.",
}


def overview() -> str:
    """What ``stepchange --help`` prints: every command, without loading the app."""
    commands = sorted({**OWN_COMMANDS, **LITESTAR_COMMANDS}.items())
    width = max(len(name) for name, _ in commands) + 2
    lines = [
        "Usage: stepchange [--app MODULE:FACTORY] COMMAND [ARGS]...",
        "",
        "  Step-Change's command line: Litestar's CLI with the app preset, plus the programme's commands.",
        "  `stepchange COMMAND --help` explains each one.",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}{text}" for name, text in commands),
    ]
    return "\n".join(lines)


def main() -> None:
    """Console script entry point: ``stepchange …``."""
    if sys.argv[1:] in ([], ["--help"], ["-h"]):
        print(overview())
        sys.exit(0)
    os.environ.setdefault("LITESTAR_APP", APP_PATH)
    # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; believe only the proxies the
    # operator names, so a client cannot pick the address its rate limits count against.
    os.environ["FORWARDED_ALLOW_IPS"] = trusted_proxies_from_env()
    from litestar.cli.main import litestar_group

    from stepchange.commands import register
    from stepchange.wiring import wire

    wire()
    register(litestar_group)
    sys.exit(litestar_group())
