from datetime import date

import pytest

from chalicelib.errors import ValidationFailed
from chalicelib.identity.profiles import Gender, validate_profile

TODAY = date(2026, 9, 1)


def make(**overrides):
    fields = {
        "first_name": "Иван",
        "last_name": "Иванов",
        "patronymic": "Петрович",
        "birth_date": "1985-03-14",
        "gender": "male",
        "today": TODAY,
    }
    fields.update(overrides)
    return validate_profile(**fields)


def bad_fields(**overrides):
    with pytest.raises(ValidationFailed) as caught:
        make(**overrides)
    return {e["field"] for e in caught.value.extensions["errors"]}


def test_a_good_profile_is_trimmed_and_typed():
    profile = make(first_name="  Анна-Мария ", patronymic="  ", gender="female")
    assert profile.first_name == "Анна-Мария"
    assert profile.patronymic is None
    assert profile.birth_date == date(1985, 3, 14)
    assert profile.gender is Gender.FEMALE


def test_names_from_other_scripts_and_with_apostrophes_are_fine():
    assert make(first_name="Seán", last_name="O'Neil").last_name == "O'Neil"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": "Ivan2"}, "first_name"),
        ({"last_name": "<script>"}, "last_name"),
        ({"patronymic": "x" * 65}, "patronymic"),
        ({"first_name": "Иван  Иванович"}, "first_name"),
        ({"birth_date": "14.03.1985"}, "birth_date"),
        ({"birth_date": "2023-02-30"}, "birth_date"),
        ({"birth_date": "2026-09-02"}, "birth_date"),
        ({"birth_date": "1890-01-01"}, "birth_date"),
        ({"birth_date": "2023-01-01"}, "birth_date"),
        ({"gender": "m"}, "gender"),
        ({"gender": ""}, "gender"),
    ],
)
def test_each_bad_field_is_named(overrides, field):
    assert bad_fields(**overrides) == {field}


def test_every_bad_field_is_named_at_once():
    assert bad_fields(first_name="", birth_date="soon", gender="x") == {"first_name", "birth_date", "gender"}


def test_age_bounds_are_inclusive_of_plausible_pupils():
    assert make(birth_date="2021-09-01").birth_date == date(2021, 9, 1)  # five today
    assert bad_fields(birth_date="2021-09-02") == {"birth_date"}  # five tomorrow
