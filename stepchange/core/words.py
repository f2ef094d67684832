"""Stored values as staff pages show them: one place that turns every enum value into words.

Templates use the ``words`` filter (``{{ assignment.status | words }}`` → "Offered"); a value not named
here reads as itself, capitalised, with spaces for underscores ("in_progress" → "In progress").
"""

from __future__ import annotations

import enum

WORDS: dict[str, str] = {
    # places on projects (assignments) and the roles people seek
    "member": "Team member",
    "lead": "Lead",
    # the parts of the tri-partite programme an organisation belongs to
    "private_sector": "Private sector",
    "other_public": "Other public sector",
    # identity
    "email_confirmed": "Email address confirmed",
    "organisation_confirmed": "Organisation confirmed",
    # declarations and their reviews
    "pending": "Waiting for review",
    "no_conflict": "No conflict",
    "managed": "Managed",
    "excluded": "Excluded",
    "financial": "Financial",
    "professional": "Professional (non-financial)",
    "personal": "Personal (non-financial)",
    "indirect": "Indirect (family or close associates)",
    # commercial-advantage reviews of projects
    "cleared_with_conditions": "Cleared with conditions",
    # expressions of interest
    "awaiting_confirmation": "Waiting for the email address to be confirmed",
    # roles and seats
    "co_chair": "Co-chair",
    "coordinator": "Programme office",
    "ethics": "Ethics reviewer",
    "board": "Programme board",
    "business_co_chair": "Business co-chair",
    "police_co_chair": "Police co-chair",
    "business_deputy": "Business deputy",
    "police_deputy": "Police deputy",
}


def words(value: object) -> str:
    """A stored value (an enum member or its value) in words; ``None`` reads as nothing."""
    if value is None:
        return ""
    key = str(value.value if isinstance(value, enum.Enum) else value)
    return WORDS.get(key) or key.replace("_", " ").capitalize()
