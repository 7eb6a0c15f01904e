"""Writes ``infrastructure/generated.json``: the parts of the template that follow from the code.

* one ``AWS::DynamoDB::Table`` per model in ``store.schema.ALL_MODELS``, with the
  same keys and indexes the local stack creates (``Model._get_schema()``, the
  schema PynamoDB's own ``create_table`` uses), TTL where the model has a
  ``TTLAttribute``, on-demand billing, and point-in-time recovery plus
  deletion protection in prod;
* the API's gateway responses (errors API Gateway answers itself, before the
  Lambda runs) as ``application/problem+json`` with the problem types of
  ``chalicelib.errors``.

Run ``python -m infrastructure.generate`` after adding or changing a model or a
problem type, and commit the output; a test fails while the committed file is
stale.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pynamodb.models import Model

from chalicelib.api.http import PROBLEM_CONTENT_TYPE, REQUEST_ID_HEADER, SECURITY_HEADERS
from chalicelib.config import settings
from chalicelib.errors import (
    PROBLEM_BASE,
    BadRequest,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceError,
    Unauthorized,
    UnsupportedMediaType,
)
from chalicelib.store.schema import ALL_MODELS

GENERATED_PATH = Path(__file__).with_name("generated.json")

# Table names in every stage: the prefix the Lambda functions get as TABLE_PREFIX (template.json).
TABLE_NAME_PATTERN = "school-chats-${Stage}-%s"
IS_PROD = "IsProd"

# API Gateway's own error responses → (the problem they are, their HTTP status).
# Statuses are API Gateway's defaults, except an unknown path or method: API
# Gateway calls that MISSING_AUTHENTICATION_TOKEN (403); to a client it is a 404.
GATEWAY_PROBLEMS: dict[str, tuple[type[ServiceError], int, str]] = {
    "BAD_REQUEST_BODY": (BadRequest, 400, "The request body is malformed."),
    "BAD_REQUEST_PARAMETERS": (BadRequest, 400, "The request parameters are malformed."),
    "DEFAULT_4XX": (BadRequest, 400, "The request was rejected."),
    "UNAUTHORIZED": (Unauthorized, 401, "A journal token is required."),
    "ACCESS_DENIED": (Forbidden, 403, "The request is not allowed."),
    "INVALID_API_KEY": (Forbidden, 403, "The request is not allowed."),
    "INVALID_SIGNATURE": (Forbidden, 403, "The request is not allowed."),
    "EXPIRED_TOKEN": (Forbidden, 403, "The request is not allowed."),
    "WAF_FILTERED": (Forbidden, 403, "The request is not allowed."),
    "MISSING_AUTHENTICATION_TOKEN": (NotFound, 404, "No such resource."),
    "RESOURCE_NOT_FOUND": (NotFound, 404, "No such resource."),
    "REQUEST_TOO_LARGE": (PayloadTooLarge, 413, "The request is too large."),
    "UNSUPPORTED_MEDIA_TYPE": (UnsupportedMediaType, 415, "Unsupported media type."),
    "THROTTLED": (RateLimited, 429, "Too many requests; try again shortly."),
    "QUOTA_EXCEEDED": (RateLimited, 429, "Too many requests; try again later."),
    "DEFAULT_5XX": (ServiceError, 500, "An internal error occurred."),
    "API_CONFIGURATION_ERROR": (ServiceError, 500, "An internal error occurred."),
    "AUTHORIZER_FAILURE": (ServiceError, 500, "An internal error occurred."),
    "AUTHORIZER_CONFIGURATION_ERROR": (ServiceError, 500, "An internal error occurred."),
    "INTEGRATION_FAILURE": (ServiceError, 504, "The service did not answer."),
    "INTEGRATION_TIMEOUT": (ServiceError, 504, "The service did not answer in time."),
}


def table_suffix(model: type[Model]) -> str:
    """The part of a model's table name after the configured ``TABLE_PREFIX``."""
    prefix = settings().table_prefix
    name = str(model.Meta.table_name)
    if not name.startswith(prefix):
        raise ValueError(f"{model.__name__}'s table {name!r} does not start with TABLE_PREFIX {prefix!r}")
    return name[len(prefix) :]


def table_logical_id(suffix: str) -> str:
    """The template's name for a table resource: ``link-sessions`` → ``LinkSessionsTable``."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", suffix) if part) + "Table"


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    # CloudFormation wants HASH before RANGE; PynamoDB lists them in no fixed order.
    ordered = sorted(keys, key=lambda key: key["KeyType"] != "HASH")
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def _index(index: dict[str, Any]) -> dict[str, Any]:
    projection = {"ProjectionType": index["projection"]["ProjectionType"]}
    if index["projection"].get("NonKeyAttributes"):
        projection["NonKeyAttributes"] = sorted(index["projection"]["NonKeyAttributes"])
    return {
        "IndexName": index["index_name"],
        "KeySchema": _key_schema(index["key_schema"]),
        "Projection": projection,
    }


def table_resource(model: type[Model]) -> dict[str, Any]:
    """The CloudFormation resource for one model's table."""
    # The schema PynamoDB itself creates tables from (and so the local stack and the tests).
    schema: dict[str, Any] = dict(model._get_schema())
    definitions: dict[str, str] = {}
    for source in (schema, *schema["global_secondary_indexes"], *schema["local_secondary_indexes"]):
        for definition in source.get("attribute_definitions", []):
            definitions[definition["AttributeName"]] = definition["AttributeType"]
    properties: dict[str, Any] = {
        "TableName": {"Fn::Sub": TABLE_NAME_PATTERN % table_suffix(model)},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in sorted(definitions.items())
        ],
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    for kind, prop in (("global", "GlobalSecondaryIndexes"), ("local", "LocalSecondaryIndexes")):
        indexes = sorted(schema[f"{kind}_secondary_indexes"], key=lambda index: str(index["index_name"]))
        if indexes:
            properties[prop] = [_index(index) for index in indexes]
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    properties["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": {"Fn::If": [IS_PROD, True, False]}
    }
    properties["DeletionProtectionEnabled"] = {"Fn::If": [IS_PROD, True, False]}
    # Retained when the stack is deleted or a change would replace it: school data outlives stacks.
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def _problem_template(error: type[ServiceError], status: int, detail: str) -> str:
    """The body API Gateway sends: the same problem document the Lambda would send, plus the request id."""
    document = {
        "type": PROBLEM_BASE + error.slug,
        "title": error.title,
        "status": status,
        "detail": detail,
        "request_id": "$context.requestId",
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def gateway_responses() -> dict[str, Any]:
    """SAM ``GatewayResponses`` for the REST API: every API Gateway error as problem+json."""
    headers = {"Content-Type": f"'{PROBLEM_CONTENT_TYPE}'", "Cache-Control": "'no-store'"}
    headers.update({name: f"'{value}'" for name, value in SECURITY_HEADERS.items()})
    headers[REQUEST_ID_HEADER] = "context.requestId"
    return {
        response_type: {
            "StatusCode": str(status),
            "ResponseParameters": {"Headers": dict(sorted(headers.items()))},
            "ResponseTemplates": {"application/json": _problem_template(error, status, detail)},
        }
        for response_type, (error, status, detail) in sorted(GATEWAY_PROBLEMS.items())
    }


def generated_template(models: list[type[Model]] | None = None) -> dict[str, Any]:
    """The generated merge fragment: the tables and the API's gateway responses."""
    resources: dict[str, Any] = {}
    for model in models if models is not None else ALL_MODELS:
        logical_id = table_logical_id(table_suffix(model))
        if logical_id in resources:
            raise ValueError(f"two models map to the table resource {logical_id}")
        resources[logical_id] = table_resource(model)
    resources["RestAPI"] = {"Properties": {"GatewayResponses": gateway_responses()}}
    return {"Resources": resources}


def render(template: dict[str, Any]) -> str:
    """The file's exact text (stable, so a stale file shows up as a diff)."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write ``generated.json`` (``--check``: only report whether it is up to date)."""
    text = render(generated_template())
    if "--check" in sys.argv[1:]:
        current = GENERATED_PATH.read_text(encoding="utf-8") if GENERATED_PATH.exists() else ""
        if current != text:
            print(f"{GENERATED_PATH} is stale: run python -m infrastructure.generate", file=sys.stderr)
            return 1
        return 0
    GENERATED_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {GENERATED_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
