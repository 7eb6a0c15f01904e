"""Writes ``infrastructure/generated.json``: the parts of the template that follow from the code.

* one ``AWS::DynamoDB::Table`` per model in ``store.schema.ALL_MODELS``, with the
  same keys and indexes the local stack creates (``Model._get_schema()``, the
  schema PynamoDB's own ``create_table`` uses), TTL where the model has a
  ``TTLAttribute``, on-demand billing, and point-in-time recovery plus
  deletion protection in prod;
* the API's gateway responses (errors API Gateway answers itself, before the
  Lambda runs) as ``application/problem+json`` with the problem types of
  ``chalicelib.errors``;
* on every route path of ``app.py``, an ANY method with a mock integration that
  answers 405 ``method-not-allowed`` problem+json with ``Allow`` (API Gateway
  has no gateway response for a wrong method: it calls it
  MISSING_AUTHENTICATION_TOKEN, and prefers a path's own methods over ANY);
* the capacity plan's parameters (``bench/capacity``, README "Capacity and
  cost"): warm throughput of the tables and indexes a region's first import
  and its evenings load, and how many school syncs run at once.

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
    MethodNotAllowed,
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


# The capacity plan (bench/capacity/ASSUMPTIONS.md): the template's defaults, which the model uses too.
SCHOOL_SYNC_CONCURRENCY = 10
"""School syncs at once (the school queue's ``MaximumConcurrency``; at least 2, SQS's minimum)."""
NEW_TABLE_WRITE_UNITS_S = 4_000
NEW_TABLE_READ_UNITS_S = 12_000
WARM_THROUGHPUT: dict[str, tuple[str, int, int]] = {
    # A first import writes every membership once into the table and each of its two indexes:
    # ten syncs at once need about 10,000 write units/s on each (4,000 would make it wait).
    "memberships": ("Memberships", 10_000, NEW_TABLE_READ_UNITS_S),
}
"""Table suffix → (parameter name stem, default write and read units/s), for the table and every GSI."""


def capacity_parameters() -> dict[str, Any]:
    """The template parameters of the capacity plan, with the model's defaults."""
    parameters: dict[str, Any] = {
        "SchoolSyncConcurrency": {
            "Type": "Number",
            "Default": SCHOOL_SYNC_CONCURRENCY,
            "MinValue": 2,
            "MaxValue": 1000,
            "Description": "School syncs running at once (the school queue's maximum concurrency).",
        }
    }
    for suffix, (stem, writes, reads) in sorted(WARM_THROUGHPUT.items()):
        parameters[f"{stem}WarmWriteUnits"] = {
            "Type": "Number",
            "Default": writes,
            "MinValue": NEW_TABLE_WRITE_UNITS_S,
            "Description": f"Write units/s the {suffix} table and each of its indexes serve at once.",
        }
        parameters[f"{stem}WarmReadUnits"] = {
            "Type": "Number",
            "Default": reads,
            "MinValue": NEW_TABLE_READ_UNITS_S,
            "Description": f"Read units/s the {suffix} table and each of its indexes serve at once.",
        }
    return parameters


def _warm(suffix: str) -> dict[str, Any] | None:
    if suffix not in WARM_THROUGHPUT:
        return None
    stem = WARM_THROUGHPUT[suffix][0]
    return {
        "ReadUnitsPerSecond": {"Ref": f"{stem}WarmReadUnits"},
        "WriteUnitsPerSecond": {"Ref": f"{stem}WarmWriteUnits"},
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


def _index(index: dict[str, Any], warm: dict[str, Any] | None = None) -> dict[str, Any]:
    projection = {"ProjectionType": index["projection"]["ProjectionType"]}
    if index["projection"].get("NonKeyAttributes"):
        projection["NonKeyAttributes"] = sorted(index["projection"]["NonKeyAttributes"])
    resource = {
        "IndexName": index["index_name"],
        "KeySchema": _key_schema(index["key_schema"]),
        "Projection": projection,
    }
    if warm is not None:
        resource["WarmThroughput"] = warm
    return resource


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
    warm = _warm(table_suffix(model))
    if warm is not None:
        properties["WarmThroughput"] = warm
    for kind, prop in (("global", "GlobalSecondaryIndexes"), ("local", "LocalSecondaryIndexes")):
        indexes = sorted(schema[f"{kind}_secondary_indexes"], key=lambda index: str(index["index_name"]))
        if indexes:
            properties[prop] = [_index(index, warm if kind == "global" else None) for index in indexes]
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


def _route_methods() -> dict[str, list[str]]:
    """Every route path of the REST API and its methods (from ``app.py``, as Chalice packages it)."""
    from app import app

    return {path: sorted(methods) for path, methods in sorted(app.routes.items())}


def method_not_allowed(methods: list[str]) -> dict[str, Any]:
    """A path's ANY method: a mock integration answering 405 problem+json, ``Allow`` = its methods."""
    headers = {
        "Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
        "Cache-Control": "'no-store'",
        "Allow": "'" + ", ".join(methods) + "'",
        **{name: f"'{value}'" for name, value in SECURITY_HEADERS.items()},
        REQUEST_ID_HEADER: "context.requestId",
    }
    return {
        "consumes": ["application/json"],
        "produces": [PROBLEM_CONTENT_TYPE],
        "responses": {
            "405": {
                "description": "This method is not allowed here.",
                "headers": {name: {"type": "string"} for name in sorted(headers)},
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "passthroughBehavior": "when_no_match",
            "requestTemplates": {"application/json": '{"statusCode": 405}'},
            "responses": {
                "default": {
                    "statusCode": "405",
                    "responseParameters": {
                        f"method.response.header.{name}": value for name, value in sorted(headers.items())
                    },
                    "responseTemplates": {
                        "application/json": _problem_template(
                            MethodNotAllowed, 405, "This method is not allowed here."
                        )
                    },
                }
            },
        },
    }


def generated_template(models: list[type[Model]] | None = None) -> dict[str, Any]:
    """The generated merge fragment: the tables, the API's gateway responses and its 405 answers."""
    resources: dict[str, Any] = {}
    for model in models if models is not None else ALL_MODELS:
        logical_id = table_logical_id(table_suffix(model))
        if logical_id in resources:
            raise ValueError(f"two models map to the table resource {logical_id}")
        resources[logical_id] = table_resource(model)
    paths = {
        path: {"x-amazon-apigateway-any-method": method_not_allowed(methods)}
        for path, methods in _route_methods().items()
    }
    resources["RestAPI"] = {
        "Properties": {"GatewayResponses": gateway_responses(), "DefinitionBody": {"paths": paths}}
    }
    return {"Parameters": capacity_parameters(), "Resources": resources}


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
