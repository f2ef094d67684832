"""Benchmark: import a 100,000-row SurveyMonkey export (the standard questionnaire) into a fresh database.

    .venv/bin/python -m bench.import_100k [--rows N] [--compare] [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

Generates the export into a temporary folder (byte-order mark, two header rows, quoted multi-line
answers), migrates and seeds a fresh SQLite database (and a fresh PostgreSQL database on the given
server when ``--postgres`` is given), then times reading and importing it and prints rows/s.
The budget is 20 seconds for 100,000 rows.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from advanced_alchemy.alembic.commands import AlembicCommands
from sqlalchemy import func, select, text

from stepchange.core.database import build_database_config, session_scope
from stepchange.core.settings import PROJECT_ROOT, Settings
from stepchange.ethics.models import Declaration
from stepchange.interest import importing as importing_module
from stepchange.interest.importing import SurveyImporter
from stepchange.interest.models import Choice
from stepchange.interest.rules import SECTORS
from stepchange.interest.survey_mapping import load_mapping
from stepchange.interest.surveymonkey import ExportReader
from stepchange.people.models import Volunteer
from stepchange.seeds import seed

BUDGET_SECONDS = 20.0
PROJECTS = [
    ("T1", "Insider threat and vetting of staff and guests"),
    ("T2", "Highlighting the cost of not investing in security"),
    ("T3", "Training and equipping guard force workers"),
    ("T4", "Security requirements in service contracts and tenders"),
    ("T5", "Protective security in inspectorate regimes"),
    ("CP1", "Review of crowded places governance"),
    ("CP2", "Simple access to information for partnerships"),
    ("CP3", "Educating and mobilising business on mitigation"),
    ("CP4", "Supervision standards in the security industry"),
    ("CP5", "Licensing and oversight of crowded place events"),
    ("TT1", "Wider reach for FCO travel advice"),
    ("TT2", "Supplier security guide (Blue book) roll-out and audit"),
    ("TT3", "Educating customers: z-card, website and mobile"),
    ("TT4", "Cross-sector learning through one ACT framework"),
    ("TT5", "Level playing field for health and safety issues"),
    ("CF1", "Amalgamating public-facing engagement platforms"),
    ("CF2", "Civilian cyber experts as police volunteers"),
    ("CF3", "Delivering NCSC cyber protect products"),
    ("CF4", "Cyber insurance for SMEs and micro businesses"),
    ("CF5", "Recognising products that add value to partnerships"),
    ("SR1", "Security support from larger businesses to SMEs"),
    ("SR2", "CT elements in SIA and steward training standards"),
    ("SR3", "Accreditation schemes for private protective security"),
    ("SR4", "Information and engagement hub for private security"),
    ("SR5", "Wider adoption and use of CSAS"),
]
STATEMENT = (
    "Work undertaken for Step-Change is not classified, but it is in confidence. I will not share what I "
    "learn through the programme outside it without the programme office's agreement."
)
RESPONDENT = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]
CONTACT = [
    "Name",
    "Company",
    "Address",
    "Address 2",
    "City/Town",
    "State/Province",
    "ZIP/Postal Code",
    "Country",
    "Email Address",
    "Phone Number",
]
CREDENTIALS = ["SIA licence", "CSAS", "CPIW", "CTSSR", "Other (please specify)"]
QUESTIONS: list[tuple[str, list[str]]] = [
    *((q, [""]) for q in RESPONDENT),
    ("Your contact details", CONTACT),
    ("What is your job title?", ["Open-Ended Response"]),
    ("Which sector does your organisation work in?", ["Response"]),
    (
        "Rank the projects you would like to join, 1 being your first choice (leave the rest as N/A)",
        [f"{code} \u2013 {title}" for code, title in PROJECTS],
    ),
    ("Would you be willing to lead a project?", ["Response"]),
    ("How many hours a month could you give to Step-Change?", ["Response"]),
    ("Tell us about the experience you would bring", ["Open-Ended Response"]),
    ("Which of these do you hold?", CREDENTIALS),
    ("Do you have any conflicts of interest to declare?", ["Response"]),
    (
        "If you answered yes, describe each conflict and name the projects it touches by their codes (for example T3)",
        ["Open-Ended Response"],
    ),
    (STATEMENT, ["Response"]),
]
FIRST = ["Priya", "Tom", "Dana", "Sam", "Zoë", "Morgan", "Alex", "Ravi", "Siobhán", "Chen", "Olu", "Marta"]
LAST = ["Shah", "O'Neill", "Fox", "Jones", "Ní Bhriain", "Lee", "Kim", "Patel", "Murphy", "Wei", "Adeyemi", "Nowak"]
BANDS = ["1-5", "6-10", "11-20", "20+"]


def generate(path: Path, rows: int, rng: random.Random) -> None:
    """A standard-questionnaire export of ``rows`` distinct people, all inside the seeded 2018 call."""
    header1 = [q if i == 0 else "" for q, options in QUESTIONS for i, _ in enumerate(options)]
    header2 = [o for _, options in QUESTIONS for o in options]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header1)
        writer.writerow(header2)
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            day, minute = 1 + n % 24, n % (24 * 60)
            clock = f"{(minute // 60) % 12 or 12:02d}:{minute % 60:02d}:{n % 60:02d} {'AM' if minute < 720 else 'PM'}"
            end = f"05/{day:02d}/2018 {clock}"
            ranked = rng.sample(range(len(PROJECTS)), rng.randint(1, 4))
            ranks = [""] * len(PROJECTS)
            for rank, index in enumerate(ranked, 1):
                ranks[index] = str(rank)
            conflict = rng.random() < 0.1
            codes = " and ".join(PROJECTS[i][0] for i in rng.sample(range(len(PROJECTS)), 2))
            credentials = [c if rng.random() < 0.2 else "" for c in CREDENTIALS[:4]] + [""]
            writer.writerow(
                [
                    str(110_000_000 + n),
                    "214365870",
                    end,
                    end,
                    f"203.0.113.{n % 250}",
                    "",
                    "",
                    "",
                    "",
                    f"{first} {last}",
                    f"Org {n % 5000}, Ltd",
                    f"{n} High Street",
                    "",
                    "London",
                    "",
                    "SW1A 1AA",
                    "United Kingdom",
                    f"{first}.{last}.{n}@Example.org".replace(" ", "").replace("'", ""),
                    f"07700 9{n % 100000:05d}",
                    "Security Manager",
                    rng.choice(SECTORS),
                    *ranks,
                    rng.choice(["Yes", "No"]),
                    rng.choice(BANDS),
                    f'Experience, "quoted", over\nseveral lines: {n}',
                    *credentials,
                    "Yes" if conflict else "No",
                    f"I advise a supplier to {codes}." if conflict else "",
                    "I accept",
                ]
            )


async def prepare(url: str) -> None:
    config = build_database_config(Settings(database_url=url))
    async with session_scope(config) as session:
        await seed(session, PROJECT_ROOT / "seeds")
    await config.get_engine().dispose()


def migrate(url: str) -> None:
    AlembicCommands(sqlalchemy_config=build_database_config(Settings(database_url=url))).upgrade(revision="head")


def server_seconds(pid: int | None) -> float:
    """Processor time used so far by a PostgreSQL backend on this machine (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(url: str, export_path: Path) -> tuple[float, float, float, str]:
    settings = Settings(database_url=url)
    config = build_database_config(settings)
    started = time.perf_counter()
    reader = ExportReader(export_path, load_mapping())
    read_done = time.perf_counter()
    async with session_scope(config) as session:
        backend = await session.scalar(text("SELECT pg_backend_pid()")) if url.startswith("postgresql") else None
        server_before = server_seconds(backend)
        report = await SurveyImporter(session, settings).run(reader)
        server = server_seconds(backend) - server_before
    finished = time.perf_counter()
    async with session_scope(config) as session:
        people = await session.scalar(select(func.count()).select_from(Volunteer))
        choices = await session.scalar(select(func.count()).select_from(Choice))
        declarations = await session.scalar(select(func.count()).select_from(Declaration))
    await config.get_engine().dispose()
    counts = ", ".join(f"{k} {v}" for k, v in report.counts().items() if v)
    summary = f"{counts}; in the database: {people} people, {choices} choices, {declarations} declarations"
    return read_done - started, finished - read_done, server, summary


def cpu_seconds() -> tuple[float, float]:
    """Processor time used so far by this process and by its finished children (the checking worker)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def measure(label: str, url: str, export_path: Path, rows: int, *, defer: bool = True) -> bool:
    """Import into a fresh database at ``url``; ``defer=False`` keeps every index up to date as rows go in
    (the way before indexes were built after large loads), for a before/after in one run."""
    migrate(url)
    asyncio.run(prepare(url))
    own_before, children_before = cpu_seconds()
    threshold = importing_module.DEFER_INDEXES_FROM
    importing_module.DEFER_INDEXES_FROM = threshold if defer else sys.maxsize
    try:
        reading, importing, server, summary = asyncio.run(run(url, export_path))
    finally:
        importing_module.DEFER_INDEXES_FROM = threshold
    own_after, children_after = cpu_seconds()
    total = reading + importing
    label = f"{label} ({'indexes built after the load' if defer else 'indexes kept up to date row by row'})"
    print(f"{label}: {rows} rows in {total:.1f} s ({rows / total:,.0f} rows/s)")
    print(f"  reading the CSV {reading:.1f} s, checking and writing {importing:.1f} s")
    print(
        f"  processor time: {own_after - own_before:.1f} s in this process (with the database's thread), "
        f"{children_after - children_before:.1f} s in the checking worker"
        + (f", {server:.1f} s in the PostgreSQL backend" if server else "")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {summary}")
    ok = total < BUDGET_SECONDS * rows / 100_000
    print(f"  {'within' if ok else 'OVER'} the budget of {BUDGET_SECONDS * rows / 100_000:.1f} s")
    return ok


async def _pg(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def measure_postgres(admin_url: str, export_path: Path, rows: int, *, defer: bool) -> bool:
    """:func:`measure` in a database made for it on the server at ``admin_url``, dropped after."""
    name = f"stepchange_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        return measure("PostgreSQL", admin_url.rsplit("/", 1)[0] + "/" + name, export_path, rows, defer=defer)
    finally:
        asyncio.run(_pg(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to benchmark too (a database is made)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument(
        "--compare", action="store_true", help="also import with every index kept up to date row by row (the old way)"
    )
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="stepchange-bench-") as folder:
        export_path = Path(folder) / "responses.csv"
        started = time.perf_counter()
        generate(export_path, args.rows, random.Random(args.seed))  # noqa: S311 - test data, not secrets
        size = export_path.stat().st_size / 1e6
        print(f"generated {args.rows} rows ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")
        for defer in (True, False) if args.compare else (True,):
            database = Path(folder) / f"bench-{defer}.db"
            ok &= measure("SQLite", f"sqlite+aiosqlite:///{database}", export_path, args.rows, defer=defer) or not defer
            if args.postgres:
                ok &= measure_postgres(args.postgres, export_path, args.rows, defer=defer) or not defer
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
