"""Typed text: characters that hide or disguise what a field says are refused, naming the field."""

from __future__ import annotations

import pytest

from stepchange.core.validation import line_problem, text_problem

DISGUISES = {
    "line break": "Priya Shah\r\nValidated by the office",
    "direction override": "Priya \u202eHAHS",
    "isolate": "Priya \u2066Shah\u2069",
    "zero-width space": "Priya\u200bShah",
    "byte-order mark": "\ufeffPriya Shah",
    "tab": "Priya\tShah",
}


@pytest.mark.parametrize("value", DISGUISES.values(), ids=DISGUISES.keys())
def test_single_line_fields_refuse_disguises(value: str) -> None:
    problem = line_problem(value, "name", label="your full name", max_length=200)
    assert problem is not None
    assert problem.field == "name" and problem.message.startswith("Your full name must not contain")


def test_free_text_keeps_line_breaks_and_emoji_but_not_direction_overrides() -> None:
    assert text_problem("First line\nSecond line\twith a tab", "notes", label="notes", max_length=200) is None
    assert (
        text_problem("Thanks \U0001f468\u200d\U0001f469\u200d\U0001f467", "notes", label="notes", max_length=200)
        is None
    )
    assert text_problem("Pay \u202e0001\u202c", "notes", label="notes", max_length=200) is not None


def test_ordinary_names_in_any_script_pass() -> None:
    for name in ("Zoë Ørsted-Łukasz", "Siobhán O'Neill", "محمد علي", "李小龍", "Jean-Luc Picard"):
        assert line_problem(name, "name", label="your full name", max_length=200) is None, name
