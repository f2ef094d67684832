"""Settings read once from the ``STEPCHANGE_*`` environment (see the README's table)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

DEVELOPMENT_SECRET = "development-only-secret-key-change-me!!"  # noqa: S105 - a known placeholder
DEVELOPMENT_ENCRYPTION_KEY = "development-only-encryption-key"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

Environment = Literal["development", "production"]
SecondFactor = Literal["required", "optional"]


class SettingsError(RuntimeError):
    """A setting is missing or unsafe: the service refuses to start."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"STEPCHANGE_{name}")
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"STEPCHANGE_{name} must be a whole number, not {raw!r}") from exc


def trusted_proxies_from_env() -> str:
    """``STEPCHANGE_TRUSTED_PROXIES`` without spaces (read alone by the command line, which must pass it to
    uvicorn before any app, and so any full settings check, exists)."""
    return (_env("TRUSTED_PROXIES", "") or "").replace(" ", "")


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    env: Environment = "development"
    database_url: str = "sqlite+aiosqlite:///stepchange.db"
    secret_key: str = DEVELOPMENT_SECRET
    encryption_key: str = DEVELOPMENT_ENCRYPTION_KEY
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "Step-Change <stepchange@localhost>"
    redis_url: str | None = None
    rate_limit_per_minute: int = 20
    session_idle_minutes: int = 60
    session_absolute_minutes: int = 12 * 60
    retention_days: int = 365
    report_cache_seconds: int = 60
    stale_days: int = 30
    """A project without an update for more than this many days is an exception on the board's report."""
    reminder_hour: int = 8
    """The UK hour from which the service sends the day's reminders."""
    inkind_hourly_pence: int = 0
    """The value of an hour donated, for the board's in-kind figures; 0 shows none."""
    team_max_share_percent: int = 40
    """No more than this share of a project's team from one organisation without an override."""
    ethics_service_days: int = 10
    """Working days the ethics reviewers aim to decide a declaration in (the office sets it)."""
    export_direct_rows: int = 5_000
    """Rows up to which an Excel download is written and sent at once; a longer one is prepared in the
    background (a workbook can only be sent once it is written: 100,000 rows take about ten seconds)."""
    password_hash_cost: str = "standard"  # noqa: S105 - "standard" or "fast" (tests), not a secret
    outbox_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "outbox")
    mail_sender_enabled: bool = True
    seeds_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "seeds")
    trusted_proxies: str = ""
    """Comma-separated addresses (or networks) of reverse proxies whose ``X-Forwarded-For`` is believed;
    empty: nobody's, so a client cannot choose the address its rate limits count against."""
    mfa: SecondFactor | None = None
    """``required``: every staff account needs an authenticator-app code (the default in production);
    ``optional``: staff may enrol, and an enrolled account always needs its code (the development default)."""
    api_docs: bool | None = None
    """Serve ``/schema``: on in development, off in production unless ``STEPCHANGE_API_DOCS=1``."""

    @property
    def serves_api_docs(self) -> bool:
        return not self.is_production if self.api_docs is None else self.api_docs

    @property
    def mfa_required(self) -> bool:
        return self.mfa == "required" if self.mfa is not None else self.is_production

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        env = _env("ENV", "development")
        if env not in ("development", "production"):
            raise SettingsError(f"STEPCHANGE_ENV must be 'development' or 'production', not {env!r}")
        mfa = _env("MFA")
        if mfa not in (None, "required", "optional"):
            raise SettingsError(f"STEPCHANGE_MFA must be 'required' or 'optional', not {mfa!r}")
        settings = cls(
            env=env,  # type: ignore[arg-type]
            mfa=mfa,  # type: ignore[arg-type]
            database_url=_env("DATABASE_URL", cls.database_url) or cls.database_url,
            secret_key=_env("SECRET_KEY", DEVELOPMENT_SECRET) or DEVELOPMENT_SECRET,
            encryption_key=_env("ENCRYPTION_KEY", DEVELOPMENT_ENCRYPTION_KEY) or DEVELOPMENT_ENCRYPTION_KEY,
            base_url=(_env("BASE_URL", cls.base_url) or cls.base_url).rstrip("/"),
            smtp_host=_env("SMTP_HOST"),
            smtp_port=_env_int("SMTP_PORT", 25),
            mail_from=_env("MAIL_FROM", cls.mail_from) or cls.mail_from,
            redis_url=_env("REDIS_URL"),
            rate_limit_per_minute=_env_int("RATE_LIMIT_PER_MINUTE", cls.rate_limit_per_minute),
            session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            retention_days=_env_int("RETENTION_DAYS", cls.retention_days),
            report_cache_seconds=_env_int("REPORT_CACHE_SECONDS", cls.report_cache_seconds),
            stale_days=_env_int("STALE_DAYS", cls.stale_days),
            reminder_hour=_env_int("REMINDER_HOUR", cls.reminder_hour),
            inkind_hourly_pence=_env_int("INKIND_HOURLY_PENCE", cls.inkind_hourly_pence),
            team_max_share_percent=_env_int("TEAM_MAX_SHARE_PERCENT", cls.team_max_share_percent),
            ethics_service_days=_env_int("ETHICS_SERVICE_DAYS", cls.ethics_service_days),
            export_direct_rows=_env_int("EXPORT_DIRECT_ROWS", cls.export_direct_rows),
            session_absolute_minutes=_env_int("SESSION_ABSOLUTE_MINUTES", cls.session_absolute_minutes),
            outbox_dir=Path(_env("OUTBOX_DIR") or PROJECT_ROOT / "var" / "outbox"),
            mail_sender_enabled=(_env("MAIL_SENDER", "1") or "1").lower() not in ("0", "off"),
            seeds_dir=Path(_env("SEEDS_DIR") or PROJECT_ROOT / "seeds"),
            trusted_proxies=trusted_proxies_from_env(),
            api_docs=None if _env("API_DOCS") is None else (_env("API_DOCS") or "").lower() in ("1", "on", "yes"),
        )
        if settings.stale_days < 1:
            raise SettingsError(f"STEPCHANGE_STALE_DAYS must be 1 or more, not {settings.stale_days}")
        if not 0 <= settings.reminder_hour <= 23:
            raise SettingsError(f"STEPCHANGE_REMINDER_HOUR must be an hour from 0 to 23, not {settings.reminder_hour}")
        if settings.inkind_hourly_pence < 0:
            raise SettingsError(f"STEPCHANGE_INKIND_HOURLY_PENCE must be 0 or more, not {settings.inkind_hourly_pence}")
        if not 1 <= settings.team_max_share_percent <= 100:
            raise SettingsError(
                f"STEPCHANGE_TEAM_MAX_SHARE_PERCENT must be from 1 to 100, not {settings.team_max_share_percent}"
            )
        if settings.ethics_service_days < 1:
            raise SettingsError(f"STEPCHANGE_ETHICS_SERVICE_DAYS must be 1 or more, not {settings.ethics_service_days}")
        if settings.export_direct_rows < 0:
            raise SettingsError(f"STEPCHANGE_EXPORT_DIRECT_ROWS must be 0 or more, not {settings.export_direct_rows}")
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse unsafe production settings; development runs on the placeholders."""
        if not self.is_production:
            return
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
            raise SettingsError("STEPCHANGE_SECRET_KEY must be set to a random value of 32+ characters")
        if self.encryption_key == DEVELOPMENT_ENCRYPTION_KEY or len(self.encryption_key) < 32:
            raise SettingsError("STEPCHANGE_ENCRYPTION_KEY must be set to a stable random value of 32+ characters")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (tests clear the cache after changing the environment)."""
    return Settings.from_env()
