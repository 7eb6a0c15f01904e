"""Educational profiles (SPEC §2): what one is, and the rules a new one must meet. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.errors import ValidationFailed

MAX_NAME_LENGTH = 64
# Pupils from the first class (6–7 years old) to the oldest grandparents.
MIN_AGE_YEARS = 5
MAX_AGE_YEARS = 120
# Letters of any script, single spaces, hyphens and apostrophes between them ("Анна-Мария", "O'Neil").
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-’][^\W\d_]+)*$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Gender(StrEnum):
    """A profile's gender."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class ProfileInput:
    """A new profile's fields, already validated."""

    first_name: str
    last_name: str
    patronymic: str | None
    birth_date: date
    gender: Gender


@dataclass(frozen=True)
class Profile:
    """An account's educational profile."""

    profile_id: str
    first_name: str
    last_name: str
    patronymic: str | None
    birth_date: date
    gender: Gender

    @property
    def display_name(self) -> str:
        """The name the journal shows ("Иван Иванов — educational profile")."""
        return f"{self.first_name} {self.last_name}"

    def to_json(self) -> dict[str, Any]:
        """The API shape of a profile (shown only to the account's owner)."""
        return {
            "id": self.profile_id,
            "name": self.display_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat(),
            "gender": self.gender.value,
        }


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _name_problem(value: str, required: bool) -> str | None:
    if not value:
        return "is required" if required else None
    if len(value) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters"
    if not _NAME.match(value):
        return "must be letters, with single spaces, hyphens or apostrophes between them"
    return None


def _birth_date_problem(value: str, today: date) -> tuple[date | None, str | None]:
    if not _ISO_DATE.match(value):
        return None, "must be a date written YYYY-MM-DD"
    try:
        birth = date.fromisoformat(value)
    except ValueError:
        return None, "is not a real date"
    if birth > today:
        return None, "must not be in the future"
    age = _age_on(birth, today)
    if age < MIN_AGE_YEARS or age > MAX_AGE_YEARS:
        return None, f"must give an age between {MIN_AGE_YEARS} and {MAX_AGE_YEARS} years"
    return birth, None


def validate_profile(
    *, first_name: str, last_name: str, patronymic: str | None, birth_date: str, gender: str, today: date
) -> ProfileInput:
    """A new profile from typed-in fields (trimmed), or a 422 naming every field that is wrong."""
    first, last = first_name.strip(), last_name.strip()
    middle = (patronymic or "").strip()
    errors: list[dict[str, str]] = []
    for field, value, required in (
        ("first_name", first, True),
        ("last_name", last, True),
        ("patronymic", middle, False),
    ):
        problem = _name_problem(value, required)
        if problem:
            errors.append({"field": field, "message": problem})
    birth, problem = _birth_date_problem(birth_date.strip(), today)
    if problem:
        errors.append({"field": "birth_date", "message": problem})
    if gender not in {g.value for g in Gender}:
        errors.append({"field": "gender", "message": "must be 'male' or 'female'"})
    if errors or birth is None:
        raise ValidationFailed("Some profile fields are invalid.", errors)
    return ProfileInput(
        first_name=first, last_name=last, patronymic=middle or None, birth_date=birth, gender=Gender(gender)
    )
