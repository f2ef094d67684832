"""Links that carry their own proof: a volunteer's "stop reminders" link and a team calendar's address.

Each is the subject's id and an HMAC of it under ``STEPCHANGE_SECRET_KEY`` with its purpose, so nothing
is stored and nobody can make one for someone else; what it may still do is checked when it is used.
The whole 64-character HMAC is kept, which the log filter (:mod:`stepchange.core.logs`) blanks as a token.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from stepchange.core.settings import Settings

STOP = "reminders-stop"
TEAM_CALENDAR = "team-calendar"


def _mac(settings: Settings, purpose: str, subject_id: UUID) -> str:
    message = f"{purpose}:{subject_id}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def sign(settings: Settings, purpose: str, subject_id: UUID) -> str:
    return f"{subject_id}.{_mac(settings, purpose, subject_id)}"


def verify(settings: Settings, purpose: str, token: str) -> UUID | None:
    """The subject's id if the token is genuine, else ``None``."""
    raw_id, _, mac = token.partition(".")
    try:
        subject_id = UUID(raw_id)
    except ValueError:
        return None
    return subject_id if hmac.compare_digest(mac, _mac(settings, purpose, subject_id)) else None
