"""Staff paths at national scale: every staff page, list API and export, timed one request at a time.

    .venv/bin/python -m bench.staff --volunteers 100000 [--postgres [URL]] [--samples 20] [--only desk,people]

Generates the data once (``stepchange demo generate``) and keeps it for the next run: a SQLite file
under ``var/bench/`` or a PostgreSQL database named after the size, so re-running after a change only
serves and measures. One uvicorn worker, the report cache off (``STEPCHANGE_REPORT_CACHE_SECONDS=0``),
each path requested warm (once first) then ``--samples`` times, each time after a ``/health`` request
(the same loop's floor). Exports are read as a stream: the first byte's time and the whole. The server's
peak resident memory (VmHWM) is read after each path, so the path that raised it shows.
Goals (issue 28): pages and list APIs p95 < 200 ms; reports < 300 ms; an export's first byte < 300 ms;
server peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.run import DEFAULT_PG, ROOT, Server, p95, scalars, service_env, serving, stepchange

DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 - the demo accounts' development-only password


SLOW_MS = 2_000.0


@dataclass(frozen=True)
class StaffPath:
    role: str  # which demo account asks
    path: str  # may name {volunteer}, {register_after} or {subgroup} (one of CP's), filled from the data
    goal_ms: float = 200.0
    export: bool = False


COORDINATOR, ETHICS, CO_CHAIR, BOARD = (
    "coordinator@stepchange.example",
    "ethics@stepchange.example",
    "co-chair.cp@stepchange.example",
    "board@stepchange.example",
)
PATHS = (
    StaffPath(COORDINATOR, "/home"),
    StaffPath(COORDINATOR, "/desk"),
    StaffPath(COORDINATOR, "/api/desk"),
    StaffPath(COORDINATOR, "/desk/projects/SR2"),
    StaffPath(COORDINATOR, "/api/desk/projects/SR2/suggestions"),
    StaffPath(COORDINATOR, "/api/desk/projects/SR2/team"),
    StaffPath(COORDINATOR, "/people"),
    StaffPath(COORDINATOR, "/people?page=50"),
    StaffPath(COORDINATOR, "/people?page=1800"),
    StaffPath(COORDINATOR, "/people?q=smith"),
    StaffPath(COORDINATOR, "/people/{volunteer}"),
    StaffPath(COORDINATOR, "/api/volunteers?limit=50"),
    StaffPath(COORDINATOR, "/api/volunteers?limit=50&offset=90000"),
    StaffPath(COORDINATOR, "/api/volunteers/{volunteer}"),
    StaffPath(COORDINATOR, "/organisations"),
    StaffPath(COORDINATOR, "/organisations?page=100"),
    StaffPath(COORDINATOR, "/api/organisations"),
    StaffPath(COORDINATOR, "/assignments"),
    StaffPath(COORDINATOR, "/api/assignments"),
    StaffPath(COORDINATOR, "/escalations"),
    StaffPath(COORDINATOR, "/api/escalations"),
    StaffPath(COORDINATOR, "/api/erasure-requests"),
    StaffPath(COORDINATOR, "/calls"),
    StaffPath(COORDINATOR, "/time"),
    StaffPath(COORDINATOR, "/api/time"),
    StaffPath(COORDINATOR, "/audit"),
    StaffPath(COORDINATOR, "/audit?q=smith"),
    StaffPath(COORDINATOR, "/audit?page=4000"),
    StaffPath(COORDINATOR, "/api/audit?limit=50&offset=200000"),
    StaffPath(COORDINATOR, "/api/audit"),
    StaffPath(COORDINATOR, "/staff"),
    StaffPath(ETHICS, "/ethics"),
    StaffPath(ETHICS, "/ethics/register"),
    StaffPath(ETHICS, "/ethics/projects"),
    StaffPath(ETHICS, "/api/conflicts"),
    StaffPath(ETHICS, "/api/reports/register-of-interests?limit=50"),
    StaffPath(ETHICS, "/ethics/register?page=1800"),
    StaffPath(ETHICS, "/ethics/register?page=1801&after={register_after}"),
    StaffPath(ETHICS, "/api/reports/register-of-interests?limit=50&offset=90000"),
    StaffPath(ETHICS, "/api/reports/register-of-interests?limit=50&offset=50000"),
    StaffPath(ETHICS, "/api/reports/register-of-interests?limit=50&offset=90000&after={register_after}"),
    StaffPath(CO_CHAIR, "/home"),
    StaffPath(CO_CHAIR, "/projects"),
    StaffPath(CO_CHAIR, "/reports/my-workstream", goal_ms=300),  # the way to CP's report: a work-stream report
    StaffPath(CO_CHAIR, "/time"),
    StaffPath(CO_CHAIR, "/api/time"),
    StaffPath(CO_CHAIR, "/projects/CP1/proposals"),
    StaffPath(CO_CHAIR, "/api/projects/CP1/proposals"),
    StaffPath(COORDINATOR, "/api/projects/CP1/proposals?status=open"),
    StaffPath(CO_CHAIR, "/workstreams/CP/governance"),
    StaffPath(CO_CHAIR, "/workstreams/CP/governance/terms"),
    StaffPath(CO_CHAIR, "/api/workstreams/CP/terms"),
    StaffPath(CO_CHAIR, "/api/workstreams/CP/terms/versions"),
    StaffPath(CO_CHAIR, "/workstreams/CP/governance/subgroups"),
    StaffPath(CO_CHAIR, "/api/workstreams/CP/subgroups"),
    StaffPath(CO_CHAIR, "/workstreams/CP/governance/subgroups/{subgroup}"),
    StaffPath(CO_CHAIR, "/api/workstreams/CP/subgroups/{subgroup}"),
    StaffPath(CO_CHAIR, "/workstreams/CP/governance/maturity"),
    StaffPath(CO_CHAIR, "/api/workstreams/CP/maturity"),
    StaffPath(COORDINATOR, "/maturity-matrix"),
    StaffPath(CO_CHAIR, "/account/reminders"),
    StaffPath(BOARD, "/api/reports/dashboard", goal_ms=300),
    StaffPath(BOARD, "/reports", goal_ms=300),
    StaffPath(BOARD, "/reports/workstreams/SR", goal_ms=300),
    StaffPath(BOARD, "/api/reports/workstreams/SR", goal_ms=300),
    StaffPath(BOARD, "/api/reports/time", goal_ms=300),
    StaffPath(COORDINATOR, "/api/volunteers/export.csv", goal_ms=300, export=True),
    StaffPath(ETHICS, "/api/reports/register-of-interests.csv", goal_ms=300, export=True),
    StaffPath(ETHICS, "/api/reports/register-of-interests.xlsx", goal_ms=300, export=True),
    StaffPath(COORDINATOR, "/api/desk/projects/SR2/team.csv", goal_ms=300, export=True),
    StaffPath(BOARD, "/api/reports/time.csv", goal_ms=300, export=True),
    StaffPath(BOARD, "/api/reports/time.xlsx", goal_ms=300, export=True),
)


@dataclass
class Figures:
    path: StaffPath
    times: list[float]
    health: list[float]
    size: int
    peak_rss_mb: float
    status: int
    whole_ms: float = 0.0  # exports: the whole body; ``times`` hold the first byte

    @property
    def met(self) -> bool:
        return self.status == 200 and p95(self.times) < self.path.goal_ms


def national_data(volunteers: int, postgres: str | None, *, upgrade: bool = True) -> tuple[str, Path]:
    """The database with ``volunteers`` people, generated the first time it is asked for (brought up to
    the code's migrations unless ``upgrade`` is false: a working copy is measured instead)."""
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    if postgres:
        name = f"stepchange_staff_{volunteers}"
        base = postgres.rsplit("/", 1)[0]
        url = f"{base}/{name}"
        query = f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - our own name
        exists = asyncio.run(scalars(postgres, [query]))[0]
        if exists and _has_people(url):
            return (_up_to_date(url, work, postgres=True) if upgrade else url), work
        asyncio.run(scalars(postgres, [f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"']))
    else:
        path = work / f"national-{volunteers}.db"
        url = f"sqlite+aiosqlite:///{path}"
        if path.exists() and _has_people(url):
            return (_up_to_date(url, work, postgres=False) if upgrade else url), work
        for stale in work.glob(f"national-{volunteers}.db*"):
            stale.unlink()
    started = time.perf_counter()
    stepchange(url, work, "database", "upgrade", "--no-prompt")
    stepchange(url, work, "seed")
    stepchange(url, work, "demo", "generate", "--volunteers", str(volunteers), "--today", "2026-12-01")
    stepchange(url, work, "demo", "accounts")
    print(f"generated {volunteers:,} people in {time.perf_counter() - started:.0f} s ({url})")
    return _up_to_date(url, work, postgres=bool(postgres)), work


def working_copy(url: str, work: Path, name: str, *, postgres: bool) -> str:
    """A copy of the generated database named ``name``, made from it the first time (PostgreSQL: a
    database created from it as a template; SQLite: the file, by the online backup API)."""
    if postgres:
        copy = f"{url.rsplit('/', 1)[0]}/{name}"
        query = f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - our own name
        if not asyncio.run(scalars(url, [query]))[0]:
            asyncio.run(
                scalars(
                    url.rsplit("/", 1)[0] + "/postgres",
                    [f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"'],
                )
            )
        return _up_to_date(copy, work, postgres=True)
    source = Path(url.removeprefix("sqlite+aiosqlite:///"))
    target = work / f"{name}.db"
    if not target.exists():  # SQLite's online backup: one consistent snapshot even while another run writes
        with sqlite3.connect(source) as connection, sqlite3.connect(target) as snapshot:
            connection.backup(snapshot)
    return _up_to_date(f"sqlite+aiosqlite:///{target}", work, postgres=False)


def _up_to_date(url: str, work: Path, *, postgres: bool) -> str:
    """Migrated to the code's head, and with fresh planner statistics (a live PostgreSQL database has
    autovacuum; one just filled by the generator has not run it yet)."""
    stepchange(url, work, "database", "upgrade", "--no-prompt")
    asyncio.run(scalars(url, ["VACUUM ANALYZE" if postgres else "ANALYZE"]))
    return url


def _has_people(url: str) -> bool:
    try:
        return int(asyncio.run(scalars(url, ["SELECT count(*) FROM staff_user"]))[0]) > 0
    except Exception:  # a half-made database is made again
        return False


def signed_in(server: Server, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=600, follow_redirects=True)
    client.get("/health")
    token = client.cookies.get("csrftoken") or ""
    answer = client.post(
        "/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}, headers={"x-csrftoken": token}
    )
    answer.raise_for_status()
    return client


def timed_get(client: httpx.Client, path: str, *, export: bool) -> tuple[float, float, int, int]:
    """(first byte or whole answer ms, whole answer ms, bytes, status)."""
    started = time.perf_counter()
    with client.stream("GET", path) as answer:
        first = None
        size = 0
        for chunk in answer.iter_raw():
            if first is None:
                first = (time.perf_counter() - started) * 1000
            size += len(chunk)
        whole = (time.perf_counter() - started) * 1000
    status = answer.status_code
    if export and status == 202:  # prepared by a job: "whole" is until the file has been fetched
        size, status = _fetched_when_ready(client, answer.headers["location"])
        whole = (time.perf_counter() - started) * 1000
    return (first or whole) if export else whole, whole, size, status


def _fetched_when_ready(client: httpx.Client, address: str) -> tuple[int, int]:
    """(bytes, status) of a background job's file, asked for until it is no longer being prepared."""
    while (answer := client.get(address)).status_code == 202:
        time.sleep(0.2)
    return len(answer.content), answer.status_code


def measure(server: Server, clients: dict[str, httpx.Client], item: StaffPath, path: str, samples: int) -> Figures:
    client = health = clients[item.role]
    warm = timed_get(client, path, export=item.export)[1]
    if warm > SLOW_MS or item.export:  # a path far outside its goal is timed a few times, not twenty
        samples = min(samples, 3)
    times, wholes, floor = [], [], []
    size, status = 0, 0
    for _ in range(samples):
        floor.append(timed_get(health, "/health", export=False)[0])
        first, whole, size, status = timed_get(client, path, export=item.export)
        times.append(first)
        wholes.append(whole)
    return Figures(item, times, floor, size, server.peak_rss_mb(), status, statistics.median(wholes))


def _register_after(client: httpx.Client) -> str:
    """The position of the register's 90,000th row (the next page's ``Link`` carries it)."""
    answer = client.get("/api/reports/register-of-interests?limit=50&offset=89950")
    return str(httpx.URL(answer.links["next"]["url"]).params["after"])


def report(label: str, figures: list[Figures]) -> None:
    print(f"\n{label}: median and p95 of each path (ms), /health in the same loop, bytes, server peak RSS after it")
    print("| path | as | median | p95 | goal | /health | size | peak RSS MB | |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in figures:
        shown = f.path.path + (f" (first byte; whole {f.whole_ms:,.0f} ms)" if f.path.export else "")
        verdict = "met" if f.met else ("**missed**" if f.status == 200 else f"**{f.status}**")
        print(
            f"| `{shown}` | {f.path.role.split('@')[0]} | {statistics.median(f.times):,.0f} | {p95(f.times):,.0f} "
            f"| {f.path.goal_ms:.0f} | {statistics.median(f.health):.1f} | {f.size:,} "
            f"| {f.peak_rss_mb:.0f} | {verdict} |"
        )
    peak = max(f.peak_rss_mb for f in figures)
    print(f"server peak RSS {peak:.0f} MB (goal < 300): {'met' if peak < 300 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, metavar="URL", help="on PostgreSQL, not SQLite")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated parts of paths to measure (default every path)")
    parser.add_argument(
        "--copy",
        default="",
        metavar="NAME",
        help="measure a working copy of the generated data, made once under this name (a branch's own migrations "
        "then change only its copy)",
    )
    args = parser.parse_args()
    url, work = national_data(args.volunteers, args.postgres, upgrade=not args.copy)
    if args.copy:
        url = working_copy(url, work, args.copy, postgres=bool(args.postgres))
    wanted = [p for p in PATHS if not args.only or any(part in p.path for part in args.only.split(","))]
    if not wanted:
        parser.error(f"no staff path contains any of {args.only!r}: the data is ready, nothing was measured")
    env = {**service_env(url, work), "STEPCHANGE_REPORT_CACHE_SECONDS": "0"}
    with serving("stepchange.app:create_app", env, work / "staff-server.log") as server:
        clients = {role: signed_in(server, role) for role in {p.role for p in wanted}}
        anyone = clients[COORDINATOR] if COORDINATOR in clients else signed_in(server, COORDINATOR)
        fills = {"volunteer": anyone.get("/api/volunteers?limit=1").json()["items"][0]["id"], "register_after": ""}
        if any("{register_after}" in p.path for p in wanted):
            fills["register_after"] = _register_after(clients[ETHICS])
        if CO_CHAIR in clients:
            subgroups = clients[CO_CHAIR].get("/api/workstreams/CP/subgroups").json()
            fills["subgroup"] = subgroups[0]["id"] if subgroups else "none"
        figures = []
        for item in wanted:
            path = item.path.format(**fills)
            figures.append(measure(server, clients, item, path, args.samples))
            print(f"  {path}: median {statistics.median(figures[-1].times):,.0f} ms", flush=True)
    label = f"{'PostgreSQL' if args.postgres else 'SQLite'}, {args.volunteers:,} people, load {os.getloadavg()[0]:.2f}"
    report(label, figures)


if __name__ == "__main__":
    main()
