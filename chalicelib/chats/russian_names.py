"""Russian personal names in the genitive case («мама Козлова Артёма»), and a person's sex from the name.

Pure rules for the common patterns of Russian family and given names (the
roster's names are Russian); anything they do not recognise stays as written,
which reads acceptably («мама Ким Артёма»). No dictionary: the few male given
names ending in -а/-я are listed.
"""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """What the name says about the person (``unknown`` when it does not say)."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


# Male given names that end like female ones.
_MALE_IN_A = frozenset(
    [
        "никита",
        "илья",
        "кузьма",
        "фома",
        "лука",
        "савва",
        "данила",
        "гаврила",
        "фока",
        "еремей",
        "лёва",
        "миша",
        "паша",
        "ваня",
        "дима",
        "вова",
        "коля",
        "серёжа",
        "алёша",
        "петя",
        "гоша",
        "вася",
        "слава",
    ]
)
_FEMALE_IN_SOFT_SIGN = frozenset(["любовь", "нинель", "адель", "юдифь", "руфь", "айгуль", "гуль"])
_HUSHING_OR_VELAR = tuple("гкхжшщч")
# Names either sex bears: the patronymic must tell.
_EITHER_SEX = frozenset(["саша", "женя", "валя", "шура", "слава"])
# Male given names whose stem changes (a fleeting vowel, ё that goes).
_GENITIVE_GIVEN = {"пётр": "Петра", "лев": "Льва", "павел": "Павла"}


def sex_of(given_name: str, middle_name: str = "") -> Sex:
    """The sex a Russian name shows: by the patronymic (-ич / -на, -оглы / -кызы), else by the given name."""
    middle = middle_name.strip().lower()
    if middle.endswith(("ич", "оглы", "улы")):
        return Sex.MALE
    if middle.endswith(("на", "кызы", "гызы")):
        return Sex.FEMALE
    given = given_name.strip().lower()
    if not given:
        return Sex.UNKNOWN
    if given in _EITHER_SEX:
        return Sex.UNKNOWN
    if given in _MALE_IN_A:
        return Sex.MALE
    if given in _FEMALE_IN_SOFT_SIGN:
        return Sex.FEMALE
    if given.endswith(("а", "я")):
        return Sex.FEMALE
    return Sex.MALE


def _after_a(stem: str) -> str:
    return stem + ("и" if stem.lower().endswith(_HUSHING_OR_VELAR) else "ы")


def genitive_given(name: str, sex: Sex) -> str:
    """A given name in the genitive: Артём → Артёма, Андрей → Андрея, Анна → Анны, Мария → Марии."""
    lower = name.lower()
    if not name or sex is Sex.UNKNOWN:
        return name
    if sex is Sex.MALE and lower in _GENITIVE_GIVEN:
        return _GENITIVE_GIVEN[lower]
    if lower.endswith("а"):
        return _after_a(name[:-1])
    if lower.endswith("я"):
        return name[:-1] + "и"
    if sex is Sex.FEMALE:
        return name[:-1] + "и" if lower.endswith("ь") else name
    if lower.endswith(("й", "ь")):
        return name[:-1] + "я"
    if lower[-1] in "оеиуыэю":
        return name
    return name + "а"


def genitive_family(name: str, sex: Sex) -> str:
    """A family name in the genitive: Козлов → Козлова, Козлова → Козловой, Толстой → Толстого."""
    lower = name.lower()
    if not name or sex is Sex.UNKNOWN or lower.endswith(("ых", "их", "ко", "аго", "яго")):
        return name
    if sex is Sex.FEMALE:
        if lower.endswith(("ова", "ева", "ёва", "ина", "ына", "ая")):
            return name[:-1] + "ой"
        if lower.endswith("яя"):
            return name[:-2] + "ей"
        if lower.endswith("а"):
            return _after_a(name[:-1])
        return name
    if lower.endswith(("ский", "цкий", "кий", "гий", "хий", "ый", "ой")):
        return name[:-2] + "ого"
    if lower.endswith("ий"):
        return name[:-2] + "его"
    if lower.endswith("а"):
        return _after_a(name[:-1])
    if lower.endswith("я"):
        return name[:-1] + "и"
    if lower.endswith(("й", "ь")):
        return name[:-1] + "я"
    if lower[-1] in "оеиуыэю":
        return name
    return name + "а"


def genitive(family_name: str, given_name: str, sex: Sex) -> str:
    """«Козлова Артёма»: family and given name in the genitive (the order the school lists them in)."""
    parts = (genitive_family(family_name, sex), genitive_given(given_name, sex))
    return " ".join(part for part in parts if part)
