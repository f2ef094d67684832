"""A real server process (uvicorn) for the resilience tests, started and killed like production's."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from stepchange.core.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One uvicorn process tree serving the app on a free port."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log: Path, via_cli: bool = False) -> None:
        self.via_cli = via_cli
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.via_cli:  # as an operator starts it: the stepchange command, with its own settings applied
            stepchange = str(Path(sys.executable).with_name("stepchange"))
            return [stepchange, "run", "--host", "127.0.0.1", "--port", str(self.port), "--wc", str(self.workers)]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "stepchange.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
        ]

    def start(self) -> None:
        command = self.command()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command, cwd=PROJECT_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60  # a busy machine starts a worker slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9 the whole process group: no shutdown, no flush, as a power cut would."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


@contextmanager
def running(env: dict[str, str], *, workers: int = 1, log: Path, via_cli: bool = False) -> Iterator[Server]:
    server = Server(env, workers=workers, log=log, via_cli=via_cli)
    try:
        server.start()  # a server that does not start in time is stopped too, not left running
        yield server
    finally:
        server.stop()
