"""Logs carry no names, addresses, phone numbers or tokens: run the main journeys and scan every line."""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import replace
from uuid import uuid4

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.app import create_app
from stepchange.core.logs import EVENTS_LOGGER, JsonFormatter, RedactPersonalData, log_event, redact
from stepchange.core.mail import send_due
from stepchange.core.settings import Settings
from tests.conftest import Client, make_staff, sign_in
from tests.smtp import SmtpServer, plain_text, with_smtp
from tests.test_interest import BASE, open_a_call, submission

SERVICE_LOGGERS = ("stepchange", "litestar", "advanced_alchemy", "sqlalchemy", "aiosqlite", "asyncpg", "uvicorn")


async def test_the_main_journeys_log_nothing_personal(
    settings: Settings, smtp: SmtpServer, db_config: SQLAlchemyAsyncConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the production level, and everything our own code says
    caplog.set_level(logging.DEBUG, logger="stepchange")
    mail_settings = replace(with_smtp(settings, smtp), base_url=BASE)
    await open_a_call(db_config)
    await make_staff(db_config, "office@example.org", "coordinator", name="Olive Office")
    async with Client(app=create_app(mail_settings)) as browser:
        logging.getLogger().addHandler(caplog.handler)  # the app's logging config replaced the root handlers
        headers = {"x-csrftoken": await browser.csrf()}
        await browser.post("/api/interest", json=submission(), headers=headers)
        await browser.post("/api/interest", json=submission(email="bad"), headers=headers)
        await send_due(db_config, mail_settings)
        link = re.findall(r"https://\S+", plain_text(smtp.messages[-1]))[0].removeprefix(BASE)
        await browser.get(link)
        await browser.post(link, data={"_csrf_token": headers["x-csrftoken"]})
        await browser.post("/api/me/sign-in", json={"email": "priya.shah@example.co.uk"}, headers=headers)
        await sign_in(browser, "office@example.org", "a wrong password entirely")
        await sign_in(browser, "office@example.org")
        headers = {"x-csrftoken": await browser.csrf()}  # signing in renews the session's token
        await browser.get("/api/volunteers?email=priya.shah@example.co.uk")
        await browser.post(
            "/api/users", json={"email": "new@example.org", "name": "Nia New", "role": "board"}, headers=headers
        )
        await send_due(db_config, mail_settings)
    tokens = [m.rsplit("/", 1)[1] for msg in smtp.messages for m in re.findall(r"https://\S+", plain_text(msg))]
    secrets = [
        "Priya",
        "priya.shah",
        "7700900123",
        "7700 900123",
        "vetting firm",
        "Olive",
        "Nia New",
        "new@example.org",
        "a wrong password",
        *tokens,
    ]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(SERVICE_LOGGERS)]
    assert any("event=interest.submitted" in line for line in lines), "the service's own lines are scanned"
    assert any("event=sign_in.refused" in line for line in lines)
    assert any("event=staff.created" in line and "subject_type=staff" in line for line in lines), "business events"
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"{secret!r} logged: {line[:200]}"


def test_the_filter_blanks_what_slips_through() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "GET %s HTTP/1.1" 200',
        ("127.0.0.1:5000", "/interest/verify/U4Hgq7Y2vYPFJotKJa77uFD87xF79JsuTZpTSR-p9Gk"),
        None,
    )
    RedactPersonalData().filter(record)
    assert "U4Hgq7Y2" not in record.getMessage()
    assert redact("mail to ann@example.org on 07700 900982") == "mail to [email] on [number]"


def _access_line(path: str) -> tuple[logging.LogRecord, str]:
    """A uvicorn access record for ``path``, filtered then formatted as uvicorn formats it."""
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    RedactPersonalData().filter(record)
    return record, AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(
        record
    )


def test_an_access_line_stays_whole_and_redacted() -> None:
    """The filter keeps the record's arguments (uvicorn's formatter unpacks five of them): the line is still
    written, with the address gone, however it was encoded."""
    record, line = _access_line("/api/volunteers?email=bob%40example.org&limit=50")
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert line.startswith('127.0.0.1:5000 - "GET /api/volunteers?')
    assert "bob" not in line and "example.org" not in line
    assert "limit=50" in line, "harmless paging parameters stay readable"
    assert line.endswith(" 200 OK")


def test_people_searches_are_never_logged() -> None:
    _, line = _access_line("/people?q=Priya+Shah&identity=validated&offset=50")
    assert "Priya" not in line and "Shah" not in line
    assert "q=[redacted]" in line and "offset=50" in line


def test_plain_messages_keep_their_plus_signs() -> None:
    assert redact("2 + 2 hours") == "2 + 2 hours"


def test_business_events_carry_only_allow_listed_fields() -> None:
    """A personal value passed as a field never reaches the JSON line; the allow-listed ones do."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactPersonalData())
    events = logging.getLogger(EVENTS_LOGGER)
    events.addHandler(handler)
    was, events.level = events.level, logging.INFO
    volunteer = uuid4()
    try:
        log_event(
            "volunteer.validated",
            volunteer_id=volunteer,
            outcome="validated",
            count=3,
            email="bob@example.org",  # not a field events may carry
            name="Bob Brown",
            phone="+44 7700 900123",
            evidence="Passport seen on a video call",
            status="Bob Brown at bob@example.org",  # an allowed name, but free text: dropped
        )
    finally:
        events.removeHandler(handler)
        events.level = was
    [line] = output.getvalue().splitlines()
    logged = json.loads(line)
    assert logged["logger"] == EVENTS_LOGGER and logged["level"] == "INFO"
    assert (logged["event"], logged["volunteer_id"], logged["outcome"], logged["count"]) == (
        "volunteer.validated",
        str(volunteer),
        "validated",
        3,
    )
    assert not {"email", "name", "phone", "evidence", "status"} & set(logged)
    for secret in ("bob", "Bob", "7700", "Passport"):
        assert secret not in line, f"{secret!r} logged: {line}"


def test_a_record_made_by_hand_cannot_smuggle_fields_into_the_json_line() -> None:
    record = logging.LogRecord("stepchange.x", logging.INFO, __file__, 1, "done", None, None)
    record.event_fields = {"event": "x.done", "email": "bob@example.org", "count": 2}
    line = json.loads(JsonFormatter().format(record))
    assert (line["event"], line["count"]) == ("x.done", 2) and "email" not in line
