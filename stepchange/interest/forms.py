"""The public form's fields turned into the same submission the API takes, and its errors back into fields.

The form has numbered slots (five project choices, three declarations); people may leave gaps, so the
API's list positions are mapped back to the slots they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from stepchange.core.errors import FieldError, field_error
from stepchange.core.forms import field, fields
from stepchange.ethics.models import ConflictKind
from stepchange.interest.schemas import SubmissionIn

CHOICE_SLOTS = 5
DECLARATION_SLOTS = 20
"""As many declarations as the API takes; the question pages add them one at a time."""
DECLARED = "conflicts.count"
"""How many declarations the question pages hold: each of those slots is checked even if left empty."""
TEXT_FIELDS = ("name", "email", "phone", "organisation", "job_title", "sector", "hours_per_month", "experience")
CONFLICT_KINDS = frozenset(kind.value for kind in ConflictKind)
_INDEXED = re.compile(r"^(choices|conflicts)\[(\d+)\]")


@dataclass
class FormSubmission:
    """A form's answers: what the service checks, what the page shows again, and where errors belong."""

    submission: SubmissionIn | None
    values: dict[str, Any]
    errors: list[FieldError]
    choice_slots: list[int]
    declaration_slots: list[int]

    def place(self, errors: list[FieldError]) -> list[FieldError]:
        """API field names (``choices[0].project``) as the form's slots (``choices[2].project``)."""
        placed = []
        for error in errors:
            match = _INDEXED.match(error.field)
            if match:
                slots = self.choice_slots if match.group(1) == "choices" else self.declaration_slots
                index = int(match.group(2))
                slot = slots[index] if index < len(slots) else index
                error = FieldError(f"{match.group(1)}[{slot}]{error.field[match.end() :]}", error.message)
            placed.append(error)
        return placed


def read_form(form: dict[str, Any]) -> FormSubmission:
    values: dict[str, Any] = {name: field(form, name) for name in TEXT_FIELDS}
    values["credentials"] = fields(form, "credentials")
    values["other_credential"] = field(form, "other_credential")
    values["has_conflicts"] = field(form, "has_conflicts")
    values["confidentiality_accepted"] = field(form, "confidentiality_accepted") == "yes"
    errors: list[FieldError] = []
    choices: list[dict[str, Any]] = []
    choice_slots: list[int] = []
    for slot in range(CHOICE_SLOTS):
        project, role = field(form, f"choices[{slot}].project"), field(form, f"choices[{slot}].role") or "member"
        values[f"choices[{slot}].project"], values[f"choices[{slot}].role"] = project, role
        if project:
            choices.append({"project": project[:8], "rank": slot + 1, "role": role})
            choice_slots.append(slot)
    conflicts, declaration_slots = _declarations(form, values, errors)
    if values["has_conflicts"] not in ("yes", "no"):
        errors.append(FieldError("has_conflicts", "Select yes if you have any interests to declare"))
    elif values["has_conflicts"] == "yes" and not conflicts and not errors:
        errors.append(FieldError("conflicts[0].description", "Describe the interest, or answer no"))
    hours = values["hours_per_month"]
    if not hours:
        errors.append(FieldError("hours_per_month", "Enter the hours you can offer a month"))
    elif not hours.isdigit():
        errors.append(FieldError("hours_per_month", "Enter the hours you can offer a month as a number, like 8"))
    credentials = [c for c in values["credentials"] if c != "Other"]
    if "Other" in values["credentials"]:
        if not values["other_credential"]:
            errors.append(FieldError("other_credential", "Enter the name of your other qualification or scheme"))
        credentials.append(f"Other: {values['other_credential'] or '-'}")
    submission = None
    try:
        submission = msgspec.convert(
            {
                **{k: values[k][:5000] for k in TEXT_FIELDS if k != "hours_per_month"},
                "hours_per_month": int(hours) if hours.isdigit() else 0,
                "choices": choices,
                "conflicts": conflicts,
                "no_conflicts": values["has_conflicts"] == "no",
                "credentials": credentials[:10],
                "confidentiality_accepted": values["confidentiality_accepted"],
            },
            type=SubmissionIn,
        )
    except msgspec.ValidationError as exc:
        errors.append(field_error(str(exc)))
    return FormSubmission(submission, values, errors, choice_slots, declaration_slots)


def _declarations(
    form: dict[str, Any], values: dict[str, Any], errors: list[FieldError]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The declarations in the form's slots, when the answer is yes: a slot the question pages hold, or any
    slot with something typed in it. A slot without a kind is still checked (as if personal), so that
    every one of its fields is named at once."""
    held = int(field(form, DECLARED)) if field(form, DECLARED).isdigit() else 0
    conflicts: list[dict[str, Any]] = []
    slots: list[int] = []
    for slot in range(DECLARATION_SLOTS):
        parts = {k: field(form, f"conflicts[{slot}].{k}") for k in ("kind", "description", "organisation", "projects")}
        values.update({f"conflicts[{slot}].{k}": v for k, v in parts.items()})
        if values["has_conflicts"] != "yes" or not (slot < held or parts["description"] or parts["kind"]):
            continue
        if parts["kind"] not in CONFLICT_KINDS:
            errors.append(FieldError(f"conflicts[{slot}].kind", "Select the kind of interest"))
            parts["kind"] = ConflictKind.PERSONAL.value
        codes = [c[:8] for c in re.split(r"[\s,;]+", parts["projects"].upper()) if c][:40]
        conflicts.append({**parts, "description": parts["description"][:5000], "projects": codes})
        slots.append(slot)
    return conflicts, slots
