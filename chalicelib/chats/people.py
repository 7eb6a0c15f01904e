"""Who a person is at the school, in the words the school uses (issue #15): names and roles for screens.

Built once from the school's roster (:func:`school_people`), then asked per
person: the full name as the school knows it (adults with their patronymic)
and what they are to the school — «ученик 5А», «классный руководитель 5А»,
«мама Козлова Артёма, 5А», «администрация». Pure: no storage, no HTTP.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.chats.russian_names import Sex, genitive, sex_of
from chalicelib.roster.model import ClassKind, EnrollmentRole, PersonRecord, Role, SchoolRoster


@dataclass(frozen=True)
class PersonAbout:
    """One person as screens show them: ``name`` and ``about`` («мама Козлова Артёма, 5А»)."""

    person_id: str
    name: str
    about: str


@dataclass(frozen=True)
class SchoolPeople:
    """A school's people with the facts their descriptions need (made by :func:`school_people`)."""

    people: Mapping[str, PersonRecord]
    homeroom: Mapping[str, str]  # student id -> homeroom class title
    leads: Mapping[str, tuple[str, ...]]  # teacher id -> homeroom titles they are class teacher of
    children: Mapping[str, tuple[str, ...]]  # parent id -> student ids

    def describe(self, person_id: str) -> PersonAbout | None:
        """The person's name and role in words; None for someone not in the roster."""
        person = self.people.get(person_id)
        if person is None:
            return None
        return PersonAbout(person_id, person.display_name, self._about(person))

    def _about(self, person: PersonRecord) -> str:
        parts: list[str] = []
        sex = sex_of(person.given_name, person.middle_name)
        if Role.ADMIN in person.roles:
            parts.append("администрация")
        if Role.TEACHER in person.roles:
            leads = self.leads.get(person.person_id, ())
            parts.append(f"классный руководитель {', '.join(leads)}" if leads else "учитель")
        if Role.PARENT in person.roles:
            parts.append(self._parent(person, sex))
        if Role.STUDENT in person.roles and not parts:
            word = "ученица" if sex is Sex.FEMALE else "ученик"
            homeroom = self.homeroom.get(person.person_id)
            parts.append(f"{word} {homeroom}" if homeroom else word)
        return "; ".join(parts)

    def _parent(self, person: PersonRecord, sex: Sex) -> str:
        word = {Sex.FEMALE: "мама", Sex.MALE: "папа"}.get(sex, "родитель")
        kids = [self.people[kid] for kid in self.children.get(person.person_id, ()) if kid in self.people]
        if not kids:
            return word
        named = []
        for kid in sorted(kids, key=lambda k: (self.homeroom.get(k.person_id, ""), k.display_name)):
            name = genitive(kid.family_name, kid.given_name, sex_of(kid.given_name, kid.middle_name))
            homeroom = self.homeroom.get(kid.person_id)
            named.append((name, homeroom))
        if len(named) == 1:
            name, homeroom = named[0]
            return f"{word} {name}, {homeroom}" if homeroom else f"{word} {name}"
        listed = [f"{name} ({homeroom})" if homeroom else name for name, homeroom in named]
        return f"{word} " + " и ".join(listed)


def school_people(roster: SchoolRoster) -> SchoolPeople:
    """Index a roster for :meth:`SchoolPeople.describe`: homerooms, class teachers, children."""
    homeroom: dict[str, str] = {}
    leads: dict[str, list[str]] = defaultdict(list)
    for enrollment in roster.enrollments.values():
        school_class = roster.classes.get(enrollment.class_id)
        if school_class is None or school_class.kind is not ClassKind.HOMEROOM:
            continue
        if enrollment.role is EnrollmentRole.STUDENT:
            homeroom[enrollment.person_id] = school_class.title
        elif enrollment.primary:
            leads[enrollment.person_id].append(school_class.title)
    children: dict[str, list[str]] = defaultdict(list)
    for student_id, parents in roster.guardians_by_student().items():
        for parent_id in parents:
            children[parent_id].append(student_id)
    return SchoolPeople(
        people=roster.people,
        homeroom=homeroom,
        leads={teacher: tuple(sorted(titles)) for teacher, titles in leads.items()},
        children={parent: tuple(sorted(kids)) for parent, kids in children.items()},
    )
