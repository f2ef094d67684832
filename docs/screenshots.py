"""Takes the README's screenshots: the volunteer form and the board report, in headless Chromium.

    .venv/bin/python docs/screenshots.py

Needs `make setup` and Chromium (`apt-get install chromium`). It builds a throw-away SQLite database
(migrated, seeded, 3,000 synthetic people, a call open now), serves it on a free port with the
`stepchange` command, and writes docs/volunteer-form.png and docs/board-report.png.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
STEPCHANGE = str(Path(sys.executable).with_name("stepchange"))
CHROMIUM = "/usr/bin/chromium"
BOARD = "board@stepchange.example"
PASSWORD = "demo-password-change-me"  # noqa: S105 - the demo accounts' development-only password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(env: dict[str, str]) -> None:
    for command in (
        ["database", "upgrade", "--no-prompt"],
        ["seed"],
        ["demo", "accounts"],
        ["demo", "generate", "--volunteers", "3000", "--seed", "2018"],
        ["demo", "call"],
    ):
        subprocess.run([STEPCHANGE, *command], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


async def shoot(url: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = await browser.new_page(viewport={"width": 1100, "height": 1100}, device_scale_factor=1)
        await page.goto(f"{url}/interest")
        await page.screenshot(path=str(DOCS / "volunteer-form.png"))
        await page.goto(f"{url}/login?next=/reports")
        await page.fill("#email", BOARD)
        await page.fill("#password", PASSWORD)
        await page.click("form[action='/login'] button")
        await page.wait_for_url(f"{url}/reports")
        first = await page.locator(".sc-report-figure").first.bounding_box()  # the summary, down to the charts
        assert first is not None
        clip = {"x": 0, "y": 0, "width": 1100, "height": first["y"]}
        await page.screenshot(path=str(DOCS / "board-report.png"), full_page=True, clip=clip)
        await browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "STEPCHANGE_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/screenshots.db",
            "STEPCHANGE_BASE_URL": url,
            "STEPCHANGE_OUTBOX_DIR": f"{workdir}/outbox",
            "STEPCHANGE_MAIL_SENDER": "0",
        }
        prepare(env)
        server = subprocess.Popen(  # noqa: S603 - our own command line
            [STEPCHANGE, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, start_new_session=True
        )
        try:
            wait_for(url)
            asyncio.run(shoot(url))
        finally:
            server.terminate()
            server.wait(timeout=15)
    print("Wrote docs/volunteer-form.png and docs/board-report.png")


if __name__ == "__main__":
    main()
