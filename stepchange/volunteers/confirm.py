""" "Are you sure?" before a volunteer withdraws or asks for erasure: what each will do, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from stepchange.core.forms import field

CONFIRMED_FIRST = {"withdraw_project": "withdraw-choice", "withdraw_all": "withdraw-all", "erasure": "erasure"}
"""The record's actions that are confirmed on a page of their own first, and that page's address."""


@dataclass(frozen=True)
class Confirmation:
    action: str
    heading: str
    consequences: tuple[str, ...]
    button: str


def confirm_address(action: str, form: dict[str, Any]) -> str:
    query = {k: field(form, k)[:40] for k in ("call", "project") if field(form, k)}
    return f"/my/confirm/{CONFIRMED_FIRST[action]}" + (f"?{urlencode(query)}" if query else "")


def confirmation(page: str, project: str = "") -> Confirmation | None:
    """What the "Are you sure?" page at ``/my/confirm/{page}`` says."""
    if page == "withdraw-choice":
        return Confirmation(
            "withdraw_project",
            f"Are you sure you want to withdraw from {project}?",
            (
                f"{project} will be taken out of your choices for this call.",
                "If you have been offered or given a place on it, the place ends.",
                "Your other choices stay as they are. To choose it again while the call is open, change your choices.",
            ),
            f"Yes, withdraw from {project}",
        )
    if page == "withdraw-all":
        return Confirmation(
            "withdraw_all",
            "Are you sure you want to withdraw from the programme?",
            (
                "Every expression of interest you have made will be withdrawn.",
                "Any place you have been offered or given ends.",
                "Your record stays, so you can register your interest again in a later call.",
            ),
            "Yes, withdraw from the programme",
        )
    if page == "erasure":
        return Confirmation(
            "erasure",
            "Are you sure you want us to erase your data?",
            (
                "The programme office will erase your name, contact details, experience and declarations.",
                "Once it is done you can no longer sign in to your record, and we keep only anonymous counts.",
                "We email you when it is done. You cannot undo it.",
            ),
            "Yes, erase my data",
        )
    return None
