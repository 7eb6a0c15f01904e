"""The generated part of the template: committed output current, one table per model, schema faithful."""

from __future__ import annotations

import json

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.errors import PROBLEM_BASE
from chalicelib.store.schema import ALL_MODELS
from infrastructure.generate import (
    GATEWAY_PROBLEMS,
    GENERATED_PATH,
    generated_template,
    render,
    table_logical_id,
    table_resource,
    table_suffix,
)


def session_model() -> type[Model]:
    """A model like the ones other branches add: TTL, a GSI with an INCLUDE projection, an LSI.

    Made when called, so its table is named with the prefix the settings hold at that moment, as a
    store module's model is named with the settings in effect when it is imported.
    """

    class SessionsByPhone(GlobalSecondaryIndex["SessionItem"]):
        class Meta:
            index_name = "by-phone"
            projection = IncludeProjection(["step"])

        phone_hash = UnicodeAttribute(hash_key=True)
        created = NumberAttribute(range_key=True)

    class SessionsByStep(LocalSecondaryIndex["SessionItem"]):
        class Meta:
            index_name = "by-step"
            projection = KeysOnlyProjection()

        session_id = UnicodeAttribute(hash_key=True)
        step = UnicodeAttribute(range_key=True)

    class SessionItem(Model):
        class Meta:
            table_name = settings().table_prefix + "link-sessions"
            region = "us-east-1"

        session_id = UnicodeAttribute(hash_key=True)
        attempt = NumberAttribute(range_key=True)
        phone_hash = UnicodeAttribute()
        created = NumberAttribute()
        step = UnicodeAttribute()
        expires_at = TTLAttribute()

        by_phone = SessionsByPhone()
        by_step = SessionsByStep()

    return SessionItem


def test_the_committed_generated_template_is_current() -> None:
    assert GENERATED_PATH.read_text(encoding="utf-8") == render(generated_template()), (
        "infrastructure/generated.json is stale: run `python -m infrastructure.generate` and commit it"
    )


def test_every_model_in_all_models_has_its_table() -> None:
    committed = json.loads(GENERATED_PATH.read_text(encoding="utf-8"))["Resources"]
    tables = {
        resource["Properties"]["TableName"]["Fn::Sub"]
        for resource in committed.values()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }
    expected = {f"school-chats-${{Stage}}-{table_suffix(model)}" for model in ALL_MODELS}
    assert tables == expected


def test_a_new_model_gets_keys_indexes_ttl_and_the_prod_safeguards() -> None:
    session_item = session_model()
    resource = table_resource(session_item)
    properties = resource["Properties"]
    assert table_logical_id(table_suffix(session_item)) == "LinkSessionsTable"
    assert properties["TableName"] == {"Fn::Sub": "school-chats-${Stage}-link-sessions"}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": "session_id", "KeyType": "HASH"},
        {"AttributeName": "attempt", "KeyType": "RANGE"},
    ]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "attempt", "AttributeType": "N"},
        {"AttributeName": "created", "AttributeType": "N"},
        {"AttributeName": "phone_hash", "AttributeType": "S"},
        {"AttributeName": "session_id", "AttributeType": "S"},
        {"AttributeName": "step", "AttributeType": "S"},
    ]
    assert properties["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "by-phone",
            "KeySchema": [
                {"AttributeName": "phone_hash", "KeyType": "HASH"},
                {"AttributeName": "created", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["step"]},
        }
    ]
    assert properties["LocalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": {"Fn::If": ["IsProd", True, False]}
    }
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_tables_without_ttl_attributes_get_no_ttl() -> None:
    for model in ALL_MODELS:
        has_ttl = any(isinstance(a, TTLAttribute) for a in model.get_attributes().values())
        assert ("TimeToLiveSpecification" in table_resource(model)["Properties"]) == has_ttl


def test_two_models_on_one_table_are_refused() -> None:
    with pytest.raises(ValueError, match="two models"):
        generated_template([ALL_MODELS[0], ALL_MODELS[0]])


def test_gateway_errors_are_problem_documents_of_the_apis_types() -> None:
    responses = generated_template([])["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert set(responses) == set(GATEWAY_PROBLEMS)
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED"} <= set(responses)
    for response_type, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/problem+json'", response_type
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["type"].startswith(PROBLEM_BASE)
        assert body["status"] == int(response["StatusCode"])
        assert set(body) == {"type", "title", "status", "detail", "request_id"}
        # Nothing from the request: $context.error.message repeats an Authorization header verbatim.
        template = response["ResponseTemplates"]["application/json"]
        assert "$input" not in template and "$context.error" not in template, response_type
        assert "$context.authorizer" not in template and "$util" not in template, response_type
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"


def test_a_wrong_method_on_a_known_path_is_a_405_problem_with_allow_not_api_gateways_403() -> None:
    """API Gateway answers a method a path lacks with MISSING_AUTHENTICATION_TOKEN; an ANY method
    with a mock integration on every route path answers 405 problem+json with ``Allow`` instead
    (API Gateway prefers a path's own methods over ANY)."""
    import app as application

    paths = generated_template([])["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    routes = application.app.routes
    assert set(paths) == set(routes)
    for path, methods in routes.items():
        any_method = paths[path]["x-amazon-apigateway-any-method"]
        integration = any_method["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock" and integration["passthroughBehavior"] == "when_no_match"
        answer = integration["responses"]["default"]
        assert answer["statusCode"] == "405"
        parameters = answer["responseParameters"]
        assert parameters["method.response.header.Allow"] == "'" + ", ".join(sorted(methods)) + "'", path
        assert parameters["method.response.header.Content-Type"] == "'application/problem+json'"
        assert parameters["method.response.header.X-Content-Type-Options"] == "'nosniff'"
        body = json.loads(answer["responseTemplates"]["application/json"])
        assert body["type"] == PROBLEM_BASE + "method-not-allowed" and body["status"] == 405
        assert "$input" not in answer["responseTemplates"]["application/json"]
        declared = any_method["responses"]["405"]["headers"]
        assert {name.rsplit(".", 1)[-1] for name in parameters} <= set(declared)
