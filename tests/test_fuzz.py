"""Fuzzing every operation of /schema/openapi.json with schemathesis, as anonymous and as a coordinator:
no 500s, and responses that match the schema. A bounded run (a few examples per operation) for CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, make_staff
from tests.server import running
from tests.test_interest import open_a_call
from tests.test_resilience import server_env

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = "8"


def schemathesis(url: str, headers: dict[str, str], report: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    command = [
        binary,
        "run",
        f"{url}/schema/openapi.json",
        "--max-examples",
        EXAMPLES_PER_OPERATION,
        "--phases",
        "examples,fuzzing",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--seed",
        "20261122",
        "--request-timeout",
        "30",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    report.write_text(result.stdout + result.stderr)
    return result


async def signed_in_headers(url: str, email: str | None) -> dict[str, str]:
    """The CSRF header and cookies a browser would send (and a session, when someone signs in)."""
    async with httpx.AsyncClient(base_url=url) as client:
        await client.get("/health")
        token = client.cookies["csrftoken"]
        if email is not None:
            response = await client.post(
                "/api/auth/login", json={"email": email, "password": PASSWORD}, headers={"x-csrftoken": token}
            )
            assert response.status_code == 200, response.text
            token = client.cookies["csrftoken"]  # signing in renews the token: it is bound to the session
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {"x-csrftoken": token, "Cookie": cookies}


@pytest.mark.parametrize("who", [None, "office@example.org"], ids=["anonymous", "coordinator"])
async def test_no_operation_answers_500_or_off_schema(
    who: str | None, settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path
) -> None:
    await open_a_call(db_config)
    await make_staff(db_config, "office@example.org", "coordinator")
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        headers = await signed_in_headers(server.url, who)
        result = schemathesis(server.url, headers, tmp_path / "schemathesis.txt")
    assert result.returncode == 0, result.stdout[-6000:]
    assert "generated" in result.stdout
