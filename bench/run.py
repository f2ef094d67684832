"""Benchmarks: what the service sustains, each figure a ratio to a ceiling started in the same run.

    .venv/bin/python -m bench.run [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                                  [--volunteers 10000,100000] [--quick] [--duration S] [--rounds N]

For SQLite (always) and PostgreSQL (with ``--postgres``: databases are created on that server and
dropped at the end) it prints:

1. **Submissions** — ``POST /api/interest`` at 64 connections for ``--duration`` seconds with wrk (a C
   load generator that needs far less CPU per request than any of the servers), every request a new
   person, with the CSRF cookie and header a browser sends; against (a) a bare Litestar + SQLAlchemy
   endpoint inserting one row and (b) a minimal endpoint doing a submission's writes with Core in the
   service's two transactions (stored as received before the answer, filed after it, issue 21), and, for
   scale, (b0) the filed rows alone in one transaction (``bench/ceiling.py``). Requests/s, p50 and p99,
   errors, and the service's peak RSS.
2. **The project list** — ``GET /api/projects`` and ``GET /projects`` against a bare endpoint returning
   the bytes the service served.
3. **The dashboard** — ``GET /api/reports/dashboard``, ``GET /reports``, a work-stream's figures and the
   board pack's PDF (as a board member), median and p95 warm, reports kept a minute and counted afresh
   on every request, on a database with each ``--volunteers`` count made by ``stepchange demo generate``.
4. **Importing** SurveyMonkey rows — by running ``bench/import_100k.py`` (100,000 rows; 10,000 with ``--quick``).

Every server is uvicorn with one worker, started here on a free port, rate limits off and mail kept in
the outbox; targets take turns (``--rounds`` times each) so a noisy machine hits them alike, and the
median of the rounds is reported. The machine is described first, load average included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
WRK = shutil.which("wrk") or "/usr/bin/wrk"
BOARD_EMAIL, BOARD_PASSWORD = "board@bench.example", "steady-harbour-lantern-4096"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

SUBMISSION: dict[str, Any] = {
    "name": "Priya Shah",
    "email": "EMAIL_PLACEHOLDER",
    "phone": "07700 900123",
    "organisation": "Harbour Cruises Ltd",
    "job_title": "Head of Security",
    "sector": "Transport",
    "choices": [{"project": "T1", "rank": 1, "role": "lead"}, {"project": "CP2", "rank": 2, "role": "member"}],
    "hours_per_month": 8,
    "experience": "Twenty years in maritime security.",
    "credentials": ["CSAS", "SIA licence"],
    "no_conflicts": False,
    "conflicts": [
        {
            "kind": "financial",
            "description": "I hold shares in a vetting firm",
            "organisation": "VetCo",
            "projects": ["T1"],
        }
    ],
    "confidentiality_accepted": True,
}

REPORT_LUA = """
function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "status_errors": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
POST_LUA = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  prefix = args[1] .. "t" .. tid .. "n"
  counter = 0
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, nil, string.format(template, prefix .. counter))
end
"""


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One uvicorn process (one worker: the server *is* the process) serving an app factory."""

    def __init__(self, factory: str, env: dict[str, str], log: Path) -> None:
        self.factory, self.env, self.log = factory, env, log
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [sys.executable, "-m", "uvicorn", self.factory, "--factory", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.factory} did not start: {self.log.read_text()[-3000:]}")

    def peak_rss_mb(self) -> float:
        """The process's high-water mark of resident memory (VmHWM) so far."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else float("nan")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the process, all threads, so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def serving(factory: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    server = Server(factory, env, log).start()
    try:
        yield server
    finally:
        server.stop()


def service_env(url: str, work: Path) -> dict[str, str]:
    return {
        "STEPCHANGE_DATABASE_URL": url,
        "STEPCHANGE_RATE_LIMIT_PER_MINUTE": "0",
        "STEPCHANGE_MAIL_SENDER": "0",
        "STEPCHANGE_OUTBOX_DIR": str(work / "outbox"),
        "BENCH_DATABASE_URL": url,
    }


def stepchange(url: str, work: Path, *args: str, stdin: str | None = None) -> str:
    """Run a ``stepchange`` command against the database at ``url``."""
    script = Path(sys.executable).parent / "stepchange"
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from stepchange.cli import main; main()"]
    done = subprocess.run(  # noqa: S603 - our own command line
        [*command, *args],
        cwd=ROOT,
        env={**os.environ, **service_env(url, work)},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"stepchange {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- databases -----------------------------------------------------------------------------------


class Engine:
    """Where the bench databases live: files in a folder, or databases on a PostgreSQL server."""

    label = "SQLite"

    def __init__(self, work: Path) -> None:
        self.work = work

    def url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.work / name}.db"

    def create(self, name: str, template: str | None = None) -> str:
        path = self.work / f"{name}.db"
        if template is not None:
            source = self.work / f"{template}.db"
            with sqlite3.connect(source) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(source, path)
        return self.url(name)

    def count(self, url: str, sql: str) -> int:
        with sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///")) as db:
            return int(db.execute(sql).fetchone()[0])

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def drop_all(self) -> None:
        """Files go with the temporary folder."""


async def scalars(url: str, statements: list[str] | tuple[str, ...]) -> list[Any]:
    """Each statement's first value, run outside any transaction (CREATE and DROP DATABASE need that)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            values = []
            for statement in statements:
                result = await connection.execute(text(statement))
                values.append(result.scalar() if result.returns_rows else None)
            return values
    finally:
        await engine.dispose()


class Postgres(Engine):
    label = "PostgreSQL"

    def __init__(self, work: Path, server_url: str) -> None:
        super().__init__(work)
        self.base = server_url.rsplit("/", 1)[0]
        self.admin = server_url
        self.prefix = f"stepchange_bench_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def _run(self, *statements: str) -> list[Any]:
        return asyncio.run(scalars(self.admin, list(statements)))

    def url(self, name: str) -> str:
        return f"{self.base}/{self.prefix}_{name}"

    def create(self, name: str, template: str | None = None) -> str:
        database = f"{self.prefix}_{name}"
        clause = f' TEMPLATE "{self.prefix}_{template}"' if template else ""
        self._run(f'CREATE DATABASE "{database}"{clause}')
        self.made.append(database)
        return self.url(name)

    def count(self, url: str, sql: str) -> int:
        return int(asyncio.run(scalars(url, [sql]))[0])

    def version(self) -> str:
        return f"PostgreSQL {self._run('SHOW server_version')[0]}"

    def drop_all(self) -> None:
        self._run(*[f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in reversed(self.made)])


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Load:
    """One wrk run."""

    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float = float("nan")
    """The server process's CPU time (all its threads) per request: steadier than rates on a busy machine."""


@dataclass
class Settings:
    duration: int
    warmup: int
    rounds: int
    samples: int
    volunteers: list[int]
    import_rows: int


def wrk(url: str, script: Path, seconds: int, *args: str) -> Load:
    command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run([*command, "--", *args], capture_output=True, text=True, check=False)  # noqa: S603
    found = re.search(r"WRKJSON (\{.*\})", done.stdout)
    if found is None:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    raw = json.loads(found.group(1))
    return Load(
        requests=raw["requests"],
        rate=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=raw["status_errors"] + raw["socket_errors"],
    )


def measured(server: Server, url: str, script: Path, seconds: int, *args: str) -> Load:
    """A wrk run, with the server's CPU time per request; then wait for the server to finish its backlog,
    so that it does not take CPU from the next target's run."""
    before = server.cpu_seconds()
    load = wrk(url, script, seconds, *args)
    load.cpu_ms = (server.cpu_seconds() - before) * 1000 / max(1, load.requests)
    settle(server)
    return load


def settle(server: Server, limit: float = 60.0) -> None:
    """Wait until the server uses (almost) no CPU: requests still in flight when wrk stopped are done."""
    deadline = time.monotonic() + limit
    used = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_seconds()
        if now - used < 0.02:
            return
        used = now


def csrf_token(url: str) -> str:
    response = httpx.get(f"{url}/health", timeout=10)
    return response.cookies.get("csrftoken") or "none"


def post_script(work: Path, token: str) -> Path:
    body = json.dumps(SUBMISSION).replace("%", "%%").replace("EMAIL_PLACEHOLDER", "bench-%s@example.org")
    headers = {"Content-Type": "application/json", "Cookie": f"csrftoken={token}", "x-csrftoken": token}
    lua = f"template = {json.dumps(body)}\nwrk.method = 'POST'\n"
    lua += "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())
    path = work / f"post-{uuid.uuid4().hex[:6]}.lua"
    path.write_text(lua + POST_LUA + REPORT_LUA)
    return path


def get_script(work: Path, token: str) -> Path:
    path = work / f"get-{uuid.uuid4().hex[:6]}.lua"
    path.write_text(f'wrk.headers["Cookie"] = "csrftoken={token}"\n' + REPORT_LUA)
    return path


def median_load(loads: list[Load]) -> Load:
    return Load(
        requests=sum(x.requests for x in loads),
        rate=statistics.median(x.rate for x in loads),
        p50_ms=statistics.median(x.p50_ms for x in loads),
        p99_ms=statistics.median(x.p99_ms for x in loads),
        errors=sum(x.errors for x in loads),
        cpu_ms=statistics.median(x.cpu_ms for x in loads),
    )


# --- reporting -----------------------------------------------------------------------------------


@dataclass
class Goals:
    lines: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, label: str, ok: bool) -> str:
        self.lines.append((label, ok))
        return "met" if ok else "MISSED"


def row(name: str, load: Load) -> str:
    figures = f"{load.rate:>9,.0f} {load.p50_ms:>9.1f} {load.p99_ms:>9.1f} {load.errors:>7} {load.cpu_ms:>10.2f}"
    return f"  {name:<44} {figures}"


def table_head(title: str) -> None:
    print(f"\n{title}")
    print(f"  {'target':<44} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} {'CPU ms/req':>10}")


def describe_machine(engines: list[Engine]) -> None:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1) if found else cpu
    memory = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    wrk_version = subprocess.run(  # noqa: S603 - wrk itself
        [WRK, "-v"], capture_output=True, text=True, check=False
    ).stdout.split("\n")[0]
    print("Machine")
    print(f"  {cpu}, {os.cpu_count()} cores, {int(memory.group(1)) // 1024 // 1024 if memory else '?'} GiB")
    print(f"  {platform.system()} {platform.release()}, Python {platform.python_version()}")
    print(f"  {', '.join(e.version() for e in engines)}; {wrk_version.strip()}")
    print(f"  load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work shares the CPUs)")


# --- the measurements ----------------------------------------------------------------------------


def prepare_template(engine: Engine) -> str:
    url = engine.create("template")
    stepchange(url, engine.work, "database", "upgrade", "--no-prompt")
    stepchange(url, engine.work, "seed")
    stepchange(url, engine.work, "demo", "call")
    return url


def submissions(engine: Engine, settings: Settings, goals: Goals) -> None:
    work = engine.work
    urls = {
        "service": engine.create("service", "template"),
        "core": engine.create("core", "template"),
        "core0": engine.create("core0", "template"),
        "one": engine.create("one"),
    }
    targets = [
        ("(a) bare Litestar + SQLAlchemy, one row", "bench.ceiling:insert_one_row", urls["one"]),
        ("(b) the same writes, Core, received + filed", "bench.ceiling:submission_writes", urls["core"]),
        ("service POST /api/interest", "stepchange.app:create_app", urls["service"]),
        ("(b0) the nine rows alone, Core, one tx", "bench.ceiling:submission_writes_one_transaction", urls["core0"]),
    ]
    results: dict[str, list[Load]] = {name: [] for name, _, _ in targets}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(serving(factory, service_env(url, work), work / f"{engine.label}-{n}.log"))
            for n, (name, factory, url) in enumerate(targets)
        }
        scripts = {name: post_script(work, csrf_token(server.url)) for name, server in servers.items()}
        for round_number in range(settings.rounds):
            for name, server in servers.items():
                label = f"r{round_number}{uuid.uuid4().hex[:4]}"
                wrk(f"{server.url}/api/interest", scripts[name], settings.warmup, f"{label}w")
                settle(server)
                results[name].append(
                    measured(server, f"{server.url}/api/interest", scripts[name], settings.duration, label)
                )
        service = servers["service POST /api/interest"]
        peak = service.peak_rss_mb()
        peaks = {name: server.peak_rss_mb() for name, server in servers.items()}
    stored = engine.count(urls["service"], "SELECT count(*) FROM volunteer WHERE email LIKE 'bench-%'")
    loads = {name: median_load(runs) for name, runs in results.items()}
    table_head(
        f"{engine.label}: submissions at {CONNECTIONS} connections, wrk {settings.duration} s x {settings.rounds} "
        "(median of rounds)"
    )
    for name, load in loads.items():
        print(row(name, load) + f"   peak RSS {peaks[name]:.0f} MB")
    a, b, svc, b0 = (loads[name] for name, _, _ in targets)
    acknowledged = sum(x.requests - x.errors for x in results["service POST /api/interest"])
    print(f"  the service stored {stored:,} people for at least {acknowledged:,} acknowledged submissions (+ warm-ups)")
    to_a, to_b = svc.rate / a.rate, svc.rate / b.rate
    tail = svc.p99_ms / b.p99_ms if svc.requests else float("inf")
    cpu_a, cpu_b = svc.cpu_ms / a.cpu_ms, svc.cpu_ms / b.cpu_ms
    print(f"  CPU per request: the service's is {cpu_a:.1f}x (a)'s and {cpu_b:.1f}x (b)'s")
    verdict = goals.check(f"{engine.label} submissions >= 25 % of (a)", to_a >= 0.25)
    print(f"  service / (a): {to_a:.0%} — goal >= 25 %: {verdict}")
    print(f"    for scale: (b), the same writes with nothing else, reaches {b.rate / a.rate:.0%} of (a)")
    verdict = goals.check(f"{engine.label} submissions >= 90 % of (b)", to_b >= 0.90)
    print(f"  service / (b): {to_b:.0%} — goal >= 90 % (issue 28): {verdict}")
    print(
        f"    for scale: the service reaches {svc.rate / b0.rate:.0%} of (b0), the nine rows without the received"
        f" row and its second transaction (issue 21's price: (b) is {b.rate / b0.rate:.0%} of (b0))"
    )
    verdict = goals.check(f"{engine.label} submissions p99 <= 1.5 x (b)'s", tail <= 1.5)
    print(f"  p99 service / (b): {tail:.2f}x — goal <= 1.5x (issue 28): {verdict}")
    verdict = goals.check(f"{engine.label} service peak RSS < 300 MB", peak < 300)
    print(f"  service peak RSS during the runs: {peak:.0f} MB — goal < 300 MB: {verdict}")


def project_list(engine: Engine, settings: Settings, goals: Goals) -> None:
    work = engine.work
    url = engine.create("lists", "template")
    static = work / f"static-{engine.label}"
    static.mkdir(exist_ok=True)
    with serving("stepchange.app:create_app", service_env(url, work), work / f"{engine.label}-lists.log") as service:
        token = csrf_token(service.url)
        cookies = {"csrftoken": token}
        for path, name in (("/api/projects", "projects.json"), ("/projects", "projects.html")):
            response = httpx.get(f"{service.url}{path}", cookies=cookies, timeout=10)
            response.raise_for_status()
            (static / name).write_bytes(response.content)
        with serving("bench.ceiling:same_bytes", {"BENCH_STATIC_DIR": str(static)}, work / "bytes.log") as bare:
            script = get_script(work, token)
            runs: dict[tuple[str, str], list[Load]] = {}
            for _ in range(settings.rounds):
                for path in ("/api/projects", "/projects", "/health"):
                    for who, server in (("service", service), ("bare", bare)):
                        wrk(f"{server.url}{path}", script, settings.warmup)
                        settle(server)
                        load = measured(server, f"{server.url}{path}", script, settings.duration)
                        runs.setdefault((path, who), []).append(load)
    sizes = {
        p: (static / n).stat().st_size for p, n in (("/api/projects", "projects.json"), ("/projects", "projects.html"))
    }
    table_head(f"{engine.label}: the project list at {CONNECTIONS} connections (median of rounds)")
    for path in ("/api/projects", "/projects"):
        service_load, bare_load = median_load(runs[(path, "service")]), median_load(runs[(path, "bare")])
        print(row(f"service GET {path} ({sizes[path]:,} bytes)", service_load))
        print(row("bare endpoint, the same bytes", bare_load))
        ratio = service_load.rate / bare_load.rate
        print(f"  CPU per request: service / bare {service_load.cpu_ms / bare_load.cpu_ms:.1f}x")
        label = f"{engine.label} GET {path} >= 50 % of the same bytes"
        print(f"  service / bare: {ratio:.0%} — goal >= 50 %: {goals.check(label, ratio >= 0.5)}")
    service_load, bare_load = median_load(runs[("/health", "service")]), median_load(runs[("/health", "bare")])
    print(row("for reference: service GET /health", service_load))
    print(row("bare Litestar GET /health", bare_load))
    print(
        f"  service / bare: {service_load.rate / bare_load.rate:.0%} — the most any endpoint can reach through "
        "the service's middleware (sessions, CSRF, nonce, security headers, transactions)"
    )


def timed(client: httpx.Client, path: str, samples: int) -> list[float]:
    for _ in range(2):  # warm
        client.get(path).raise_for_status()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def dashboard(engine: Engine, settings: Settings, goals: Goals) -> None:
    work = engine.work
    url = engine.create("dashboard", "template")
    stepchange(
        url,
        work,
        "users",
        "create",
        "--email",
        BOARD_EMAIL,
        "--name",
        "Bench Board",
        "--role",
        "board",
        stdin=BOARD_PASSWORD + "\n",
    )
    print(
        f"\n{engine.label}: the dashboard, warm (2 requests first), {settings.samples} requests each, one at a time; "
        "reports are kept a minute (STEPCHANGE_REPORT_CACHE_SECONDS), so also counted afresh on every request"
    )
    made = 0
    for volunteers in settings.volunteers:
        started = time.perf_counter()
        stepchange(url, work, "demo", "generate", "--volunteers", str(volunteers - made))
        print(f"  generated {volunteers - made:,} more people in {time.perf_counter() - started:.0f} s")
        made = volunteers
        kept = dashboard_times(url, work, engine, settings, {})
        afresh = dashboard_times(url, work, engine, settings, {"STEPCHANGE_REPORT_CACHE_SECONDS": "0"})
        if kept is None or afresh is None:
            continue
        for label, times in (("kept a minute", kept), ("counted afresh", afresh)):
            figures = "   ".join(
                f"{name} median {statistics.median(t):6.0f} ms p95 {p95(t):6.0f}" for name, t in times.items()
            )
            print(f"  {volunteers:>7,} volunteers, {label}:  {figures}")
        if volunteers >= 100_000:
            json_median, html_median = (statistics.median(afresh[name]) for name in ("JSON", "HTML report"))
            label = f"{engine.label} dashboard JSON counted afresh median < 300 ms at {volunteers:,}"
            print(f"    JSON goal (afresh) < 300 ms: {goals.check(label, json_median < 300)};", end=" ")
            label = f"{engine.label} HTML report counted afresh < 1 s at {volunteers:,}"
            print(f"HTML goal (afresh) < 1 s: {goals.check(label, html_median < 1000)}")


REPORT_PATHS = {
    "JSON": "/api/reports/dashboard",
    "HTML report": "/reports",
    "work-stream JSON": "/api/reports/workstreams/T",
    "board pack PDF": "/reports/board-pack.pdf",
}
"""What the dashboard part times: the programme's figures and page, a work-stream's figures, the PDF pack."""


def dashboard_times(
    url: str, work: Path, engine: Engine, settings: Settings, env: dict[str, str]
) -> dict[str, list[float]] | None:
    """Each report path timed warm (after two requests), signed in as a board member; the PDF (seconds
    each) a third as often."""
    log = work / f"{engine.label}-dash.log"
    with (
        serving("stepchange.app:create_app", {**service_env(url, work), **env}, log) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        client.get("/health")
        token = client.cookies.get("csrftoken") or ""
        login = client.post(
            "/api/auth/login", json={"email": BOARD_EMAIL, "password": BOARD_PASSWORD}, headers={"x-csrftoken": token}
        )
        login.raise_for_status()
        try:
            return {
                name: timed(client, path, max(3, settings.samples // 3) if path.endswith(".pdf") else settings.samples)
                for name, path in REPORT_PATHS.items()
            }
        except httpx.HTTPStatusError as exc:
            print(f"  not measured: {exc.request.url.path} answered {exc.response.status_code}")
            return None


def importing(settings: Settings, postgres: str | None, goals: Goals) -> None:
    script = ROOT / "bench" / "import_100k.py"
    print(f"\nImporting {settings.import_rows:,} SurveyMonkey rows (bench/import_100k.py)")
    if not script.exists():
        print("  not measured: bench/import_100k.py is not there yet")
        return
    command = [sys.executable, "-m", "bench.import_100k", "--rows", str(settings.import_rows)]
    if postgres:
        command += ["--postgres", postgres]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    print("\n".join(f"  {line}" for line in done.stdout.strip().splitlines()))
    if done.returncode not in (0, 1):
        print(f"  the import benchmark failed: {done.stderr.strip()[-2000:]}")
    for label, rows, seconds in re.findall(r"^(\w+): (\d+) rows in ([\d.]+) s", done.stdout, re.M):
        budget = 20.0 * int(rows) / 100_000
        goals.check(f"{label} import of {int(rows):,} rows < {budget:.0f} s", float(seconds) < budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--volunteers", default=None, help="dashboard sizes, e.g. 10000,100000")
    parser.add_argument("--quick", action="store_true", help="a short smoke run: small sizes, short runs")
    parser.add_argument("--duration", type=int, default=None, help="seconds per load run (default 8; quick 3)")
    parser.add_argument("--rounds", type=int, default=None, help="runs per target, alternating (default 2; quick 1)")
    parser.add_argument("--only", default="submissions,lists,dashboard,import", help="which parts to run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    settings = Settings(
        duration=args.duration or (3 if args.quick else 8),
        warmup=1 if args.quick else 2,
        rounds=args.rounds or (1 if args.quick else 2),
        samples=5 if args.quick else 10,
        volunteers=[int(v) for v in (args.volunteers or ("1000,5000" if args.quick else "10000,100000")).split(",")],
        import_rows=10_000 if args.quick else 100_000,
    )
    parts = set(args.only.split(","))
    goals = Goals()
    with tempfile.TemporaryDirectory(prefix="stepchange-bench-") as folder:
        work = Path(folder)
        engines = [Engine(work / "sqlite")]
        if args.postgres:
            engines.append(Postgres(work / "postgres", args.postgres))
        for engine in engines:
            engine.work.mkdir()
        describe_machine(engines)
        started = time.perf_counter()
        try:
            for engine in engines:
                prepare_template(engine)
                if "submissions" in parts:
                    submissions(engine, settings, goals)
                if "lists" in parts:
                    project_list(engine, settings, goals)
                if "dashboard" in parts:
                    dashboard(engine, settings, goals)
            if "import" in parts:
                importing(settings, args.postgres, goals)
        finally:
            for engine in engines:
                engine.drop_all()
    print(
        f"\nGoals ({time.perf_counter() - started:.0f} s in all; load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    for label, ok in goals.lines:
        print(f"  {'met   ' if ok else 'MISSED'} {label}")


if __name__ == "__main__":
    main()
