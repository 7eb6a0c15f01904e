"""The import report API and the back office over HTTP: who sees what, and hostile input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import bulk_update, sample_school, stage_import
from tests.support import auth_headers, token_for

OPERATOR = {"operator": True}


@pytest.fixture
def two_schools(services: Any, application: Any) -> dict[str, str]:
    from devstack.worker import app_worker

    first = stage_import(
        services,
        [bulk_update(sample_school("school-1")), bulk_update(sample_school("school-2"))],
        key="rosters/both.csv",
        uploaded_at="2026-09-01T08:00:00.000Z",
    )
    second = stage_import(
        services,
        [bulk_update(sample_school("school-1", classes=1, students=4))],
        key="rosters/one.csv",
        uploaded_at="2026-09-02T08:00:00.000Z",
    )
    app_worker(application, school_concurrency=1).drain()
    return {"first": first, "second": second}


def test_every_api_route_needs_a_journal_token(api: Any) -> None:
    for path in ("/v1/imports", "/v1/imports/imp_x", "/v1/schools/school-1/chats", "/v1/chats/ch_x/members"):
        response = api.http.get(path)
        assert response.status_code == 401, path
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = response.json_body
        assert problem["type"].endswith("/unauthorized") and problem["status"] == 401 and problem["detail"]


def test_an_expired_or_foreign_token_is_refused(api: Any) -> None:
    expired = token_for("op", operator=True, issued_at=1_600_000_000)
    response = api.http.get("/v1/imports", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.json_body["detail"]
    foreign = token_for("op", operator=True, secret="someone-elses-secret-0123456789abcdef")
    assert api.http.get("/v1/imports", headers={"Authorization": f"Bearer {foreign}"}).status_code == 401


def test_operators_list_imports_newest_first_page_by_page(api: Any, two_schools: dict[str, str]) -> None:
    first_page = api.http.get("/v1/imports?limit=1", headers=auth_headers("op", **OPERATOR))
    assert first_page.status_code == 200, first_page.body
    body = first_page.json_body
    assert [i["source_key"] for i in body["items"]] == ["rosters/one.csv"]
    assert body["next_cursor"]
    rest = api.http.get(
        f"/v1/imports?limit=1&cursor={body['next_cursor']}", headers=auth_headers("op", **OPERATOR)
    )
    assert [i["source_key"] for i in rest.json_body["items"]] == ["rosters/both.csv"]


def test_the_report_has_the_spec_shape(api: Any, two_schools: dict[str, str]) -> None:
    response = api.http.get(f"/v1/imports/{two_schools['first']}", headers=auth_headers("op", **OPERATOR))
    report = response.json_body
    assert {
        "id",
        "source_key",
        "format",
        "status",
        "started_at",
        "finished_at",
        "counts",
        "errors",
        "warnings",
    } <= set(report)
    assert set(report["counts"]) == {
        "schools",
        "classes",
        "people",
        "chats_created",
        "chats_archived",
        "memberships_added",
        "memberships_removed",
        "rows_skipped",
    }
    assert report["status"] == "succeeded" and report["counts"]["schools"] == 2
    assert sorted(p["school_id"] for p in report["schools"]) == ["school-1", "school-2"]


def test_a_school_administrator_sees_only_their_schools_part(api: Any, two_schools: dict[str, str]) -> None:
    admin = auth_headers("admin-school-2")
    report = api.http.get(f"/v1/imports/{two_schools['first']}", headers=admin).json_body
    assert [p["school_id"] for p in report["schools"]] == ["school-2"]
    assert report["counts"]["chats_created"] == 5
    # the other import touched only school-1
    assert api.http.get(f"/v1/imports/{two_schools['second']}", headers=admin).status_code == 404
    listing = api.http.get("/v1/imports?school_id=school-2", headers=admin).json_body
    assert [i["source_key"] for i in listing["items"]] == ["rosters/both.csv"]
    assert api.http.get("/v1/imports?school_id=school-1", headers=admin).status_code == 404
    assert api.http.get("/v1/imports", headers=admin).status_code == 403


def test_teachers_parents_and_students_see_no_back_office(api: Any, two_schools: dict[str, str]) -> None:
    for person in ("school-1-c0-t", "school-1-c0-s0-p0", "school-1-c0-s0", "nobody"):
        headers = auth_headers(person)
        assert api.http.get("/v1/schools/school-1/chats", headers=headers).status_code == 404
        assert api.http.get(f"/v1/imports/{two_schools['first']}", headers=headers).status_code == 404
        assert api.http.post(f"/v1/imports/{two_schools['first']}/force", headers=headers).status_code == 404


def test_an_administrator_sees_their_schools_chats_and_not_anothers(
    api: Any, two_schools: dict[str, str]
) -> None:
    mine = api.http.get("/v1/schools/school-2/chats", headers=auth_headers("admin-school-2"))
    assert mine.status_code == 200
    assert {c["school_id"] for c in mine.json_body["items"]} == {"school-2"}
    assert (
        api.http.get("/v1/schools/school-1/chats", headers=auth_headers("admin-school-2")).status_code == 404
    )


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "cursor=%%%",
        "cursor=bm90LWpzb24",
        "cursor=" + "A" * 3000,
    ],
)
def test_hostile_paging_parameters_get_a_clear_error(api: Any, query: str) -> None:
    response = api.http.get(f"/v1/imports?{query}", headers=auth_headers("op", **OPERATOR))
    assert response.status_code in (400, 422), response.body
    assert response.headers["Content-Type"] == "application/problem+json"


def test_unknown_ids_and_hostile_paths_are_404(api: Any) -> None:
    for path in ("/v1/imports/imp_nope", "/v1/imports/" + "x" * 500, "/v1/imports/%00"):
        response = api.http.get(path, headers=auth_headers("op", **OPERATOR))
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_wrong_method_is_a_problem_too(api: Any) -> None:
    response = api.http.delete("/v1/imports", headers=auth_headers("op", **OPERATOR))
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["type"].endswith("/method-not-allowed")


def test_force_refuses_a_body_that_is_not_json(api: Any, two_schools: dict[str, str]) -> None:
    response = api.http.post(
        f"/v1/imports/{two_schools['first']}/force", headers=auth_headers("op", **OPERATOR), body=b"{not json"
    )
    assert response.status_code == 400
    assert response.json_body["type"].endswith("/bad-request")
