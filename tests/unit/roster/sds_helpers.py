"""School Data Sync v2.1 zips for tests, in the column order of Microsoft's samples."""

from __future__ import annotations

from tests.unit.roster.helpers import zip_bytes

HEADERS = {
    "orgs": "sourcedId,name,type,parentSourcedId",
    "users": "sourcedId,username,givenName,familyName,password,activeDirectoryMatchId,email,phone,sms",
    "roles": "userSourcedId,orgSourcedId,role,sessionSourcedId,grade,isPrimary,roleStartDate,roleEndDate",
    "classes": "sourcedId,orgSourcedId,title,sessionSourcedIds,courseSourcedId",
    "enrollments": "classSourcedId,userSourcedId,role",
    "relationships": "userSourcedId,relationshipUserSourcedId,relationshipRole",
}


def sds_user(user_id: str, family: str, given: str) -> str:
    return f"{user_id},{user_id}@school.example,{given},{family},,,{user_id}@school.example,,"


def sds_role(user_id: str, org_id: str, role: str) -> str:
    return f"{user_id},{org_id},{role},y2025,,true,,"


def sds_school() -> dict[str, list[str]]:
    """One school: 5А (homeroom by its title) and a maths class; a guardian from relationships.csv."""
    return {
        "orgs": ["s1,Школа №1,school,", "d1,Район,district,"],
        "users": [
            sds_user("t1", "Смирнова", "Анна"),
            sds_user("t2", "Козлов", "Пётр"),
            sds_user("c1", "Иванов", "Иван"),
            sds_user("c2", "Петрова", "Мария"),
            sds_user("g1", "Иванова", "Ольга"),
            sds_user("a1", "Орлов", "Павел"),
        ],
        "roles": [
            sds_role("t1", "s1", "teacher"),
            sds_role("t2", "s1", "professor"),
            sds_role("c1", "s1", "student"),
            sds_role("c2", "s1", "student"),
            sds_role("a1", "s1", "principal"),
        ],
        "classes": ["k5a,s1,5А,y2025,", "k11b,s1,11 Б,y2025,", "math,s1,Алгебра 7,y2025,"],
        "enrollments": [
            "k5a,t1,teacher",
            "k5a,c1,student",
            "k5a,c2,student",
            "k11b,t2,teacher",
            "math,t2,teacher",
            "math,c1,student",
        ],
        "relationships": ["c1,g1,guardian"],
    }


def sds_zip(files: dict[str, list[str]], *, folder: str = "") -> bytes:
    """An SDS v2.1 zip (no manifest) from row lines; headers added."""
    return zip_bytes(
        {f"{folder}{name}.csv": "\n".join((HEADERS[name], *rows)) + "\n" for name, rows in files.items()}
    )
