from tests.support import auth_headers


def test_imports_listing_requires_token(api):
    response = api.http.get("/v1/imports")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def test_operator_lists_no_imports(api):
    response = api.http.get("/v1/imports", headers=auth_headers("op-1", operator=True))
    assert response.status_code == 200, response.body
    assert response.json_body == {"items": [], "next_cursor": None}
