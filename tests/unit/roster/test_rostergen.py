"""The synthetic roster generator: deterministic, realistic, streamable."""

from __future__ import annotations

import io
import zipfile

import pytest

from devstack.rostergen import (
    female_surname,
    flat_csv,
    generate_school,
    oneroster_zip,
    write_flat_csv,
)


def test_the_same_arguments_give_the_same_bytes() -> None:
    assert flat_csv(2, 3, 4, 2, seed=1) == flat_csv(2, 3, 4, 2, seed=1)
    assert flat_csv(2, 3, 4, 2, seed=1) != flat_csv(2, 3, 4, 2, seed=2)
    assert oneroster_zip(2, 3, 4, 2, seed=1) == oneroster_zip(2, 3, 4, 2, seed=1)
    assert oneroster_zip(2, 3, 4, 2, seed=1, version="1.2") == oneroster_zip(
        2, 3, 4, 2, seed=1, version="1.2"
    )


def test_a_school_does_not_depend_on_how_many_schools_are_generated() -> None:
    one = flat_csv(1, 2, 3, 1, seed=9).splitlines()
    three = flat_csv(3, 2, 3, 1, seed=9).splitlines()
    assert three[: len(one)] == one


def test_the_streaming_writer_writes_what_flat_csv_returns() -> None:
    buffer = io.BytesIO()
    write_flat_csv(buffer, 2, 3, 4, 2, seed=4, encoding="cp1251", delimiter=";")
    assert buffer.getvalue() == flat_csv(2, 3, 4, 2, seed=4, encoding="cp1251", delimiter=";")
    assert buffer.getvalue().decode("cp1251").startswith("school_id;school_name;class;role;")


def test_a_school_has_the_people_and_classes_asked_for() -> None:
    school = generate_school(1, classes_per_school=13, students_per_class=5, parents_per_student=3, seed=3)
    assert [h.title for h in school.homerooms][:3] == ["1А", "2А", "3А"]
    assert school.homerooms[11].title == "1Б"
    assert all(len(h.students) == 5 and len(h.guardians) == 15 for h in school.homerooms)
    assert len(school.subject_teachers) == 4 and len(school.subject_classes) == 13
    ids = [p.person_id for h in school.homerooms for p in (h.teacher, *h.students)]
    ids += [g.person.person_id for h in school.homerooms for g in h.guardians]
    assert len(ids) == len(set(ids))
    assert {g.role for h in school.homerooms for g in h.guardians} == {"parent", "relative"}


@pytest.mark.parametrize(
    ("surname", "female"),
    [
        ("Иванов", "Иванова"),
        ("Соловьёв", "Соловьёва"),
        ("Ильин", "Ильина"),
        ("Островский", "Островская"),
        ("Шевченко", "Шевченко"),
    ],
)
def test_female_surnames(surname: str, female: str) -> None:
    assert female_surname(surname) == female


def test_oneroster_versions_put_roles_where_the_version_does() -> None:
    with zipfile.ZipFile(io.BytesIO(oneroster_zip(1, 2, 2, 1, seed=1, version="1.1"))) as archive:
        assert "roles.csv" not in archive.namelist()
        assert ",role," in archive.read("users.csv").decode().splitlines()[0]
    with zipfile.ZipFile(io.BytesIO(oneroster_zip(1, 2, 2, 1, seed=1, version="1.2"))) as archive:
        assert "roles.csv" in archive.namelist()
        assert ",role," not in archive.read("users.csv").decode().splitlines()[0]
        assert "oneroster.version,1.2" in archive.read("manifest.csv").decode()
    with pytest.raises(ValueError, match=r"2\.0"):
        oneroster_zip(1, 1, 1, 1, seed=1, version="2.0")
