"""Charts drawn in a process of their own, which goes away when no chart has been asked for a while.

vl-convert draws with an embedded JavaScript engine that, once loaded, holds about 130 MB for the
life of its process (issue 28: the server's peak rose from 261 MB to 402 MB the first time ``/reports``
drew its charts); Altair adds some 30 MB more. So the server imports neither: each chart is built and
drawn in one child process (``python -m stepchange.reports.painter``, started on the first chart asked
for), kept while charts keep being asked for and stopped after ``idle_seconds`` without one, giving its
memory back. Rendered charts are also kept by their data's version (``charts.CACHE``), so the child is
needed only when a chart's figures change.

The child is a plain program reading requests on its standard input (not ``multiprocessing``, which
would import the server's main module again in the child). Each request and answer is a length and a
MessagePack body: the chart's name, its table as Arrow IPC, and the server's clock (the milestones'
"today"); the answer says whether it was drawn and holds the SVG or the error.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import msgspec
import polars as pl

from stepchange.core import clock

IDLE_SECONDS = 120.0
"""How long the drawing process waits for another chart before it stops."""
LENGTH = struct.Struct(">I")


class ChartNotDrawn(RuntimeError):
    """The drawing process failed to draw a chart, or stopped while drawing it."""


def send(pipe: IO[bytes], message: Any) -> None:
    body = msgspec.msgpack.encode(message)
    pipe.write(LENGTH.pack(len(body)) + body)
    pipe.flush()


def receive(pipe: IO[bytes]) -> Any:
    """The next message, or ``None`` when the pipe is closed."""
    head = pipe.read(LENGTH.size)
    if len(head) < LENGTH.size:
        return None
    return msgspec.msgpack.decode(pipe.read(LENGTH.unpack(head)[0]))


class Painter:
    """The one drawing process of a server: started when first needed, stopped when idle. Charts are
    drawn one at a time (each request holds the pipe while its chart is drawn)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._last = 0.0
        self._timer: threading.Timer | None = None

    async def draw(self, name: str, data: pl.DataFrame) -> str:
        """The chart of one table as clean SVG (empty if unsafe: ``charts.clean``), drawn in the child."""
        table = io.BytesIO()
        data.write_ipc(table)
        return await anyio.to_thread.run_sync(self._draw, name, table.getvalue(), clock.now().isoformat())

    @property
    def pid(self) -> int | None:
        """The drawing process's id while it runs (for tests and operators)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def stop(self) -> None:
        """Stop the drawing process now (on shutdown)."""
        with self._lock:
            self._end()

    def _draw(self, name: str, table: bytes, now: str) -> str:
        with self._lock:
            process = self._running()
            assert process.stdin is not None
            assert process.stdout is not None
            try:
                send(process.stdin, (name, table, now))
                answer = receive(process.stdout)
            except OSError as error:
                self._end()
                raise ChartNotDrawn(f"the drawing process stopped: {error}") from error
            finally:
                self._rest()
        if answer is None:
            self.stop()
            raise ChartNotDrawn("the drawing process stopped")
        drawn, svg = answer
        if not drawn:
            raise ChartNotDrawn(svg)
        return str(svg)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            source = str(Path(__file__).resolve().parents[2])  # the same stepchange as the server's
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p)}
            self._process = subprocess.Popen(  # this interpreter, our own module
                [sys.executable, "-m", "stepchange.reports.painter"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        return self._process

    def _rest(self) -> None:
        """After a chart: wait ``idle_seconds`` for the next before stopping (the lock is held)."""
        self._last = time.monotonic()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_seconds, self._stop_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _stop_if_idle(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # drawing: the chart's end starts the wait again
        try:
            if time.monotonic() - self._last >= self.idle_seconds * 0.99:
                self._end()
        finally:
            self._lock.release()

    def _end(self) -> None:
        """Stop the child (the lock is held): it leaves when its input closes, or is killed."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


PAINTER = Painter()


def _stopped(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The drawing process: draw each chart asked for, by the asking server's clock, until input closes."""
    from stepchange.reports import charts

    while (message := receive(requests)) is not None:
        name, table, now = message
        clock.now = _stopped(dt.datetime.fromisoformat(now))  # this process only draws: its clock is the server's
        try:
            answer = (True, charts.render(name, pl.read_ipc(io.BytesIO(table))))
        except Exception as error:  # told to the server, which raises it
            answer = (False, f"{name}: {type(error).__name__}: {error}")
        send(answers, answer)


if __name__ == "__main__":
    answers, sys.stdout = sys.stdout.buffer, sys.stderr  # nothing printed may reach the server's pipe
    serve(sys.stdin.buffer, answers)
