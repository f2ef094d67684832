"""The quick ways through e-mail and phone checks answer exactly as the libraries they stand in for."""

from __future__ import annotations

import random
import string

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from stepchange.core.validation import email_problem
from stepchange.interest.rules import phone_problem

ADDRESSES = [
    "a@b.com",
    "Priya.Shah.12@Example.org",
    "a+tag@x.co.uk",
    "a..b@x.org",
    ".a@x.org",
    "a.@x.org",
    "a@localhost",
    "a@x.test",
    "a@x.local",
    "a@-x.org",
    "a@x",
    "a@x.c",
    "a@[1.2.3.4]",
    '"a b"@x.org',
    "Siobhán.Adeyemi@Example.org",
    "a@ü.de",
    "x" * 64 + "@x.org",
    "x" * 65 + "@x.org",
    "a@" + "b" * 64 + ".org",
    "",
    "a@",
    "@x.org",
    "a@@x.org",
]
PHONES = [
    "07700 900123",
    "07700900123",
    "+44 7700 900123",
    "+447700900123",
    "01632 960 001",
    "020 7946 0000",
    "0161-496-0000",
    "0 7700 900123",
    "+44 0 7700 900123",
    "00447700900123",
    "07700 90012",
    "077009001234",
    "+1 212 555 0100",
    "not a number",
]


def library_accepts_address(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def library_phone(value: str) -> str | None:
    """The rule read by the library alone: a valid number, or a possible UK one of ten digits."""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    uk_ten = number.country_code == 44 and len(str(number.national_number)) == 10
    if not (phonenumbers.is_valid_number(number) or (uk_ten and phonenumbers.is_possible_number(number))):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def generated_addresses(count: int) -> list[str]:
    rng = random.Random(2018)
    alphabet = string.ascii_letters + string.digits + ".-+_@!#ü "
    domains = ["@example.org", "@x.co.uk", "@a-b.com", "", "@x.test", "@1.2", "@-x.org"]
    return ["".join(rng.choices(alphabet, k=rng.randint(1, 12))) + rng.choice(domains) for _ in range(count)]


def generated_phones(count: int) -> list[str]:
    rng = random.Random(2018)
    out = []
    for _ in range(count):
        digits = "".join(rng.choices(string.digits, k=rng.randint(8, 12)))
        groups, at = [], 0
        while at < len(digits):
            size = rng.randint(2, 5)
            groups.append(digits[at : at + size])
            at += size
        out.append(rng.choice(["0", "+44", "+44 ", "0044", "", "0 "]) + rng.choice([" ", "-", "", "."]).join(groups))
    return out


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_is_judged_as_email_validator_judges_it(address: str) -> None:
    assert (email_problem(address) is None) == library_accepts_address(address)


def test_thousands_of_generated_addresses_are_judged_alike() -> None:
    disagreements = [a for a in generated_addresses(5000) if (email_problem(a) is None) != library_accepts_address(a)]
    assert disagreements == []


@pytest.mark.parametrize("number", PHONES)
def test_a_number_is_read_as_phonenumbers_reads_it(number: str) -> None:
    assert phone_problem(number)[0] == library_phone(number)


def test_thousands_of_generated_numbers_are_read_alike() -> None:
    disagreements = [n for n in generated_phones(5000) if phone_problem(n)[0] != library_phone(n)]
    assert disagreements == []


def test_a_refused_address_and_number_name_their_fields() -> None:
    problem = email_problem("a..b@x.org", "contact")
    assert problem is not None and problem.field == "contact"
    number, refusal = phone_problem("12")
    assert number is None and refusal is not None and refusal.field == "phone"
