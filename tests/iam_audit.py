"""Least privilege, checked on every test: each AWS call a Lambda function makes must be in its policy.

While any test runs, every botocore API call made inside a Lambda entry point
— the REST API handler (``Chalice.__call__``) or an event handler of
``app.py`` (``EventSourceHandler.__call__``; the function's name is the Lambda's
name) — is mapped to the IAM actions and resource ARNs it needs, and checked
against that function's policy file (``.chalice/config.json`` →
``lambda_functions.<name>.iam_policy_file``). The policy's CloudFormation
references (``Fn::GetAtt``, ``Fn::Sub``, ``Ref``) are resolved against
``infrastructure/`` with the names the test's own tables, bucket and queues
have, found through the environment variables the template gives the
functions (``Globals``). A call to one of the stack's resources that the policy
does not grant fails the test that made it (see ``tests/conftest.py``).

Calls to resources outside the stack (a hostile bucket name in a forged
event, say) are not failures: IAM denying them is the point.

This module is a pytest plugin (``-p tests.iam_audit`` in pyproject.toml): its
autouse fixture checks every test, and after a full run (``make test``) it
lists the policy grants no test exercised, so a grant nothing uses stands out.

Each entry into a function starts with an empty queue-URL cache, as a fresh
Lambda process would: otherwise one function's lookup would hide another's.

A missing S3 object costs one more permission in AWS than here: without
``s3:ListBucket`` on the bucket, S3 answers 403 instead of 404, and code
expecting ``NoSuchKey`` breaks. So a read that found nothing also requires
``s3:ListBucket``, with the object's key as its ``s3:prefix`` (a listing of
that key is what the 404 reveals).

``s3:ListBucket`` is granted only with an ``s3:prefix`` condition (``StringLike``)
naming prefixes the function reads anyway (:func:`list_bucket_findings`): a
function must not learn which rosters, shards or reports exist elsewhere in the
bucket. The audit evaluates ``StringLike``/``StringEquals`` conditions on the
keys a call sets (``s3:prefix``); any other condition does not count as a grant.
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = PROJECT / ".chalice" / "config.json"
API_HANDLER = "api_handler"
ACCOUNT = "123456789012"  # moto's account, on both sides of the comparison
PARTITION = "aws"
# The logical id of the websocket API Chalice generates (the policies' ${WebsocketAPI}).
WEBSOCKET_API = "WebsocketAPI"

# Which setting each resource-naming environment variable of the template holds.
SETTING_FOR_VARIABLE = {
    "ROSTER_BUCKET": "roster_bucket",
    "UPLOAD_QUEUE_NAME": "upload_queue_name",
    "SCHOOL_QUEUE_NAME": "school_queue_name",
    "DEAD_LETTER_QUEUE_NAME": "dead_letter_queue_name",
    "FANOUT_QUEUE_NAME": "fanout_queue_name",
}

_S3_MISSING = {"NoSuchKey", "404", "NotFound"}
_SQS_BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True)
class Need:
    """One permission a call needs: an IAM action on a resource ARN (``*`` when IAM has no ARN for it)."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    """IAM condition keys the request sets (``s3:prefix`` of a listing), as (key, value) pairs."""


# --- resolving the policies ------------------------------------------------------------------


def function_policy_files(config_path: Path = CHALICE_CONFIG) -> dict[str, Path]:
    """Each Lambda function's policy file, from ``.chalice/config.json``."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    return {
        name: config_path.parent / settings["iam_policy_file"]
        for name, settings in config.get("lambda_functions", {}).items()
        if "iam_policy_file" in settings
    }


class Resolver:
    """Resolves the template's intrinsic functions the way CloudFormation would, with test names."""

    def __init__(
        self, template: Mapping[str, Any], parameters: Mapping[str, str], physical: Mapping[str, str]
    ):
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.parameters = parameters
        self.physical = physical

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(name, attribute)
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(item) for key, item in value.items()}

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.parameters["AWS::Region"],
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name == WEBSOCKET_API:  # Chalice's websocket API: its id stands for itself in the audit
            return WEBSOCKET_API
        kind = self._type(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.parameters['AWS::Region']}.amazonaws.com/{ACCOUNT}/{self.name(name)}"
        return self.name(name)

    def get_att(self, name: str, attribute: str) -> str:
        kind, region = self._type(name), self.parameters["AWS::Region"]
        if attribute == "QueueName" and kind == "AWS::SQS::Queue":
            return self.name(name)
        if attribute != "Arn":
            raise KeyError(f"no resolution for {name}.{attribute}")
        if kind == "AWS::DynamoDB::Table":
            return f"arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{self.name(name)}"
        if kind == "AWS::SQS::Queue":
            return f"arn:{PARTITION}:sqs:{region}:{ACCOUNT}:{self.name(name)}"
        if kind == "AWS::S3::Bucket":
            return f"arn:{PARTITION}:s3:::{self.name(name)}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{PARTITION}:logs:{region}:{ACCOUNT}:log-group:{self.name(name)}:*"
        raise KeyError(f"no ARN resolution for {name} ({kind})")

    def name(self, logical_id: str) -> str:
        """A resource's physical name: the test's name where it has one, else the template's."""
        if logical_id in self.physical:
            return self.physical[logical_id]
        properties = self.resources[logical_id].get("Properties", {})
        for key in ("TableName", "QueueName", "BucketName", "LogGroupName", "TopicName"):
            if key in properties:
                return str(self.resolve(properties[key]))
        raise KeyError(f"{logical_id} has no name")

    def _type(self, name: str) -> str:
        if name not in self.resources:
            raise KeyError(f"the template has no resource {name!r}")
        return str(self.resources[name].get("Type", ""))


def physical_names(template: Mapping[str, Any], parameters: Mapping[str, str], config: Any) -> dict[str, str]:
    """Logical id → the name the current test's resource has (``config`` is the app's settings)."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    names: dict[str, str] = {}
    for variable, value in variables.items():
        if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
            logical = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
            if logical in parameters or logical in template.get("Parameters", {}):
                continue
            if variable not in SETTING_FOR_VARIABLE:
                raise KeyError(f"the template names a resource in {variable}; add it to SETTING_FOR_VARIABLE")
            names[logical] = str(getattr(config, SETTING_FOR_VARIABLE[variable]))
    # Tables: the template names each TABLE_PREFIX + suffix, as the code does.
    deployed = Resolver(template, parameters, {})
    deployed_prefix = deployed.resolve(variables["TABLE_PREFIX"])
    for logical, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            table = deployed.name(logical)
            if not table.startswith(deployed_prefix):
                raise ValueError(f"table {table} does not start with TABLE_PREFIX {deployed_prefix}")
            names[logical] = config.table_prefix + table[len(deployed_prefix) :]
    return names


# --- evaluating a policy ---------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """``StringLike``/``StringEquals`` on keys the request sets; anything else is not evaluated (False).
    A key the request does not set fails its condition, as in IAM."""
    for operator, tests in condition.items():
        if operator not in ("StringLike", "StringEquals"):
            return False
        for key, patterns in tests.items():
            value = context.get(key)
            if value is None:
                return False
            if operator == "StringLike" and not any(_matches(p, value) for p in _as_list(patterns)):
                return False
            if operator == "StringEquals" and value not in _as_list(patterns):
                return False
    return True


def allows(policy: Mapping[str, Any], need: Need) -> bool:
    """Whether a resolved policy grants ``need`` (a Deny wins; an Allow with a condition counts only
    when the condition holds for the keys the request sets, see :func:`_condition_holds`)."""
    allowed = False
    for statement in _as_list(policy.get("Statement", [])):
        if "NotAction" in statement or "NotResource" in statement:
            raise ValueError("NotAction/NotResource are not supported here: write what is allowed")
        actions = [a.lower() for a in _as_list(statement.get("Action", []))]
        resources = _as_list(statement.get("Resource", []))
        hit = any(_matches(a, need.action.lower()) for a in actions) and any(
            _matches(r, need.resource) for r in resources
        )
        if not hit:
            continue
        if statement.get("Effect") == "Deny":
            return False
        condition = statement.get("Condition")
        if statement.get("Effect") == "Allow" and (
            not condition or _condition_holds(condition, dict(need.context))
        ):
            allowed = True
    return allowed


def _prefix_covered(prefix_pattern: str, read_patterns: list[str], bucket_arn: str) -> bool:
    """Whether every key a listing pattern matches is under an object pattern the policy reads."""
    stem = prefix_pattern.split("*", 1)[0]
    return bool(stem) and any(
        read.startswith(bucket_arn + "/") and (bucket_arn + "/" + stem).startswith(read.split("*", 1)[0])
        for read in read_patterns
    )


def list_bucket_findings(policy: Mapping[str, Any]) -> list[str]:
    """What is wrong with a policy's ``s3:ListBucket`` grants: each must carry an ``s3:prefix``
    condition whose prefixes lie under objects the same policy may ``s3:GetObject``."""
    statements = _as_list(policy.get("Statement", []))
    reads = [
        _plain(r)
        for s in statements
        if s.get("Effect") == "Allow" and "s3:getobject" in [a.lower() for a in _as_list(s.get("Action", []))]
        for r in _as_list(s.get("Resource", []))
    ]
    findings = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "s3:listbucket" not in [a.lower() for a in _as_list(statement.get("Action", []))]:
            continue
        for resource in _as_list(statement.get("Resource", [])):
            bucket = _plain(resource)
            prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
            if not prefixes:
                findings.append(f"s3:ListBucket on {bucket} without an s3:prefix condition")
                continue
            findings += [
                f"s3:ListBucket on {bucket} allows prefix {p!r}, which no s3:GetObject of the policy covers"
                for p in _as_list(prefixes)
                if not _prefix_covered(p, reads, bucket)
            ]
    return findings


def _plain(resource: Any) -> str:
    """A resource as text: an ARN, or an unresolved reference written out (``${RosterBucket.Arn}``)."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, Mapping) and "Fn::Sub" in resource and isinstance(resource["Fn::Sub"], str):
        return str(resource["Fn::Sub"])
    if isinstance(resource, Mapping) and "Fn::GetAtt" in resource:
        name, attribute = resource["Fn::GetAtt"]
        return f"${{{name}.{attribute}}}"
    return json.dumps(resource, sort_keys=True)


def missing_object_need(bucket: str, key: str) -> Need:
    """What a read of a missing object needs for S3 to answer 404, not 403: listing that key."""
    return Need("s3:ListBucket", f"arn:{PARTITION}:s3:::{bucket}", (("s3:prefix", key),))


# --- mapping calls to permissions ------------------------------------------------------------


def _table_arn(region: str, table: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{table}"


def _queue_arn(region: str, params: Mapping[str, Any]) -> str:
    name = params.get("QueueName") or str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
    return f"arn:{PARTITION}:sqs:{region}:{ACCOUNT}:{name}"


def needs_for_call(service: str, operation: str, params: Mapping[str, Any], region: str) -> list[Need]:
    """The IAM permissions an API call needs (the ones this code base uses, mapped exactly)."""
    if service == "dynamodb":
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [Need(f"dynamodb:{operation}", _table_arn(region, t)) for t in params["RequestItems"]]
        if operation == "TransactWriteItems":
            return [
                Need(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table_arn(region, body["TableName"]))
                for item in params["TransactItems"]
                for kind, body in item.items()
            ]
        if operation == "TransactGetItems":
            return [
                Need("dynamodb:GetItem", _table_arn(region, i["Get"]["TableName"]))
                for i in params["TransactItems"]
            ]
        arn = _table_arn(region, params["TableName"])
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
        return [Need(f"dynamodb:{operation}", arn)]
    if service == "s3":
        bucket = params.get("Bucket", "")
        if operation in ("GetObject", "HeadObject"):
            action = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
            return [Need(action, f"arn:{PARTITION}:s3:::{bucket}/{params['Key']}")]
        if operation in ("PutObject", "DeleteObject"):
            action = (
                f"s3:{operation}Version"
                if operation == "DeleteObject" and params.get("VersionId")
                else f"s3:{operation}"
            )
            return [Need(action, f"arn:{PARTITION}:s3:::{bucket}/{params['Key']}")]
        if operation in ("ListObjects", "ListObjectsV2"):
            return [
                Need(
                    "s3:ListBucket",
                    f"arn:{PARTITION}:s3:::{bucket}",
                    (("s3:prefix", params.get("Prefix", "")),),
                )
            ]
        if operation == "CopyObject":  # IAM: read the source, write the target (there is no s3:CopyObject)
            source = params["CopySource"]
            if isinstance(source, str):
                source_bucket, _, source_key = source.lstrip("/").partition("/")
            else:
                source_bucket, source_key = source["Bucket"], source["Key"]
            return [
                Need("s3:GetObject", f"arn:{PARTITION}:s3:::{source_bucket}/{source_key}"),
                Need("s3:PutObject", f"arn:{PARTITION}:s3:::{bucket}/{params['Key']}"),
            ]
        if operation == "DeleteObjects":  # IAM: s3:DeleteObject on each key (there is no s3:DeleteObjects)
            return [
                Need("s3:DeleteObject", f"arn:{PARTITION}:s3:::{bucket}/{entry['Key']}")
                for entry in params["Delete"]["Objects"]
            ]
        return [Need(f"s3:{operation}", f"arn:{PARTITION}:s3:::{bucket}")]
    if service == "sqs":
        return [Need(f"sqs:{_SQS_BATCH_ACTIONS.get(operation, operation)}", _queue_arn(region, params))]
    if service == "chime" and params.get("MeetingId"):
        # Chime SDK meetings: everything but CreateMeeting acts on a meeting's ARN.
        meeting = f"arn:{PARTITION}:chime:{region}:{ACCOUNT}:meeting/{params['MeetingId']}"
        return [Need(f"chime:{operation}", meeting)]
    if service == "sns" and operation == "Publish":
        target = params.get("TopicArn") or params.get("TargetArn")
        # SMS to a phone number has no ARN: IAM evaluates it against "*".
        return [Need("sns:Publish", str(target) if target else "*")]
    if service == "ssm" and operation in ("GetParameter", "GetParameters"):
        names = params.get("Names") or [params.get("Name", "")]
        return [
            Need(f"ssm:{operation}", f"arn:{PARTITION}:ssm:{region}:{ACCOUNT}:parameter/{str(n).lstrip('/')}")
            for n in names
        ]
    if service == "execute-api" and operation in ("PostToConnection", "GetConnection", "DeleteConnection"):
        # API Gateway's management API: ManageConnections on the connection, in the template's
        # WebsocketAPI (Chalice names it so); the stage is the endpoint's path.
        method = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}[operation]
        arn = f"arn:{PARTITION}:execute-api:{region}:{ACCOUNT}:{WEBSOCKET_API}/*/{method}/@connections/"
        return [Need("execute-api:ManageConnections", arn + str(params.get("ConnectionId", "")))]
    return [Need(f"{service}:{operation}", "*")]


# --- the recorder ----------------------------------------------------------------------------


_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("lambda_function", default=None)


@dataclass
class Call:
    """One AWS call made inside a Lambda entry point."""

    function: str
    service: str
    operation: str
    needs: list[Need]
    granted: bool
    in_stack: bool


@dataclass
class Audit:
    """Everything recorded since the last :meth:`reset` (shared by all threads of the process)."""

    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policy_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forget what was recorded."""
        with self.lock:
            self.calls.clear()
            self.errors.clear()

    def violations(self) -> list[str]:
        """Calls to the stack's resources that the calling function's policy does not grant."""
        with self.lock:
            found = [c for c in self.calls if c.in_stack and not c.granted]
            errors = list(self.errors)
        return sorted(
            {
                f"{c.function} called {c.service}:{c.operation}, needing "
                + ", ".join(f"{n.action} on {n.resource}" for n in c.needs)
                + f", which {policy_file_label(c.function)} does not grant"
                for c in found
            }
        ) + sorted(set(errors))

    def actions_of(self, function: str) -> set[str]:
        """The IAM actions a function's recorded calls needed."""
        with self.lock:
            return {n.action for c in self.calls if c.function == function for n in c.needs}


AUDIT = Audit()
# Every permission used in this process, in deployed terms (stage-independent), for the unused-grant report.
SEEN: set[tuple[str, str, str]] = set()
# Used by Lambda on the function's behalf, never by the code: checked by tests/integration/test_policies.py.
PLATFORM_ACTIONS = frozenset(
    {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }
)


def policy_file_label(function: str) -> str:
    """Where a function's policy lives, for messages."""
    path = function_policy_files().get(function)
    return (
        str(path.relative_to(PROJECT))
        if path
        else f"(no iam_policy_file for {function} in .chalice/config.json)"
    )


@functools.lru_cache(maxsize=1)
def _merge_template_for(stage: str) -> dict[str, Any]:
    from infrastructure.build import merge_template

    return merge_template(stage)


def _load_policies() -> dict[str, dict[str, Any]]:
    return {
        name: json.loads(path.read_text(encoding="utf-8")) for name, path in function_policy_files().items()
    }


@functools.lru_cache(maxsize=32)
def _resolved(
    stage: str, region: str, names: tuple[tuple[str, str], ...], overrides_key: str
) -> dict[str, Any]:
    template = _merge_template_for(stage)
    resolver = Resolver(template, {"Stage": stage, "AWS::Region": region}, dict(names))
    policies = {**_load_policies(), **json.loads(overrides_key)}
    stack_arns = [
        resolver.get_att(logical, "Arn")
        for logical, resource in template["Resources"].items()
        if resource.get("Type") in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")
    ]
    return {"policies": {name: resolver.resolve(doc) for name, doc in policies.items()}, "stack": stack_arns}


def _settings() -> Any:
    """The configuration the calls were made under, read from the environment without fetching
    secrets (the audit also sees the Parameter Store call that ``config.settings()`` makes)."""
    import os

    from chalicelib.config import Settings

    return Settings.from_environment(os.environ)


def current_view() -> dict[str, Any]:
    """The policies resolved for the current test's resource names, and the stack's ARNs."""

    config = _settings()
    template = _merge_template_for(config.stage)
    parameters = {"Stage": config.stage, "AWS::Region": config.region}
    names = physical_names(template, parameters, config)
    overrides_key = json.dumps(AUDIT.policy_overrides, sort_keys=True)
    return _resolved(config.stage, config.region, tuple(sorted(names.items())), overrides_key)


def _in_stack(need: Need, stack_arns: list[str]) -> bool:
    if need.resource == "*":
        return True
    if need.resource.startswith(f"arn:{PARTITION}:chime:"):  # Chime meetings: made by the service at run time
        return True
    if need.resource.startswith(f"arn:{PARTITION}:execute-api:"):  # the stack's websocket API (live delivery)
        return True
    return any(need.resource == arn or need.resource.startswith(arn + "/") for arn in stack_arns)


def _record(function: str, service: str, operation: str, needs: list[Need]) -> None:
    try:
        view = current_view()
        policy = view["policies"].get(function, {})
        granted = all(allows(policy, need) for need in needs)
        in_stack = any(_in_stack(need, view["stack"]) for need in needs)
    except Exception as error:  # the audit itself must not change what the code under test sees
        with AUDIT.lock:
            AUDIT.errors.append(f"could not check {function}'s {service}:{operation}: {error!r}")
        return
    call = Call(function, service, operation, needs, granted=granted, in_stack=in_stack)
    with AUDIT.lock:
        AUDIT.calls.append(call)
        SEEN.update(_deployed_needs(function, needs))


def _install() -> Callable[[], None]:
    """Patch botocore and Chalice's entry points; returns the undo."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError
    from chalice.app import Chalice, EventSourceHandler

    original_call = BaseClient._make_api_call
    original_http = Chalice.__call__
    original_event = EventSourceHandler.__call__

    def make_api_call(client: Any, operation: str, params: Mapping[str, Any]) -> Any:
        function = _function.get()
        if function is None:
            return original_call(client, operation, params)
        service = client.meta.service_model.signing_name or client.meta.service_model.service_name
        region = client.meta.region_name
        needs = needs_for_call(service, operation, params, region)
        try:
            result = original_call(client, operation, params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if service == "s3" and operation in ("GetObject", "HeadObject") and code in _S3_MISSING:
                needs = [*needs, missing_object_need(params.get("Bucket", ""), params.get("Key", ""))]
            _record(function, service, operation, needs)
            raise
        _record(function, service, operation, needs)
        return result

    def in_function(name: str, call: Callable[[], Any]) -> Any:
        from chalicelib.aws import queue_url

        queue_url.cache_clear()
        token = _function.set(name)
        try:
            return call()
        finally:
            _function.reset(token)

    def http(app: Any, event: Any, context: Any) -> Any:
        return in_function(API_HANDLER, lambda: original_http(app, event, context))

    def handle_event(handler: Any, event: Any, context: Any) -> Any:
        return in_function(handler.func.__name__, lambda: original_event(handler, event, context))

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    Chalice.__call__ = http  # type: ignore[method-assign]
    EventSourceHandler.__call__ = handle_event  # type: ignore[method-assign]

    def undo() -> None:
        BaseClient._make_api_call = original_call  # type: ignore[method-assign]
        Chalice.__call__ = original_http  # type: ignore[method-assign]
        EventSourceHandler.__call__ = original_event  # type: ignore[method-assign]

    return undo


_installed: Callable[[], None] | None = None


def ensure_installed() -> None:
    """Start auditing (once per process)."""
    global _installed
    if _installed is None:
        _installed = _install()


def _deployed_needs(function: str, needs: list[Need]) -> set[tuple[str, str, str]]:
    """Needs with the test's resource names swapped for the template's logical ids (``${ChatsTable}``)."""

    names = physical_names(_merge_template_for(_settings().stage), _parameters(), _settings())
    out = set()
    for need in needs:
        resource = need.resource.replace(f":{_settings().region}:", ":${AWS::Region}:")
        for logical, name in sorted(names.items(), key=lambda item: -len(item[1])):
            resource = re.sub(rf"(?<=[:/]){re.escape(name)}(?=$|[/:])", "${" + logical + "}", resource)
        out.add((function, need.action, resource))
    return out


def _parameters() -> dict[str, str]:

    return {"Stage": _settings().stage, "AWS::Region": _settings().region}


def unused_grants(seen: set[tuple[str, str, str]]) -> list[str]:
    """Each function's granted (action, resource) pairs that no recorded call needed."""
    template = _merge_template_for("audit")
    symbolic = {
        logical: "${" + logical + "}"
        for logical, resource in template["Resources"].items()
        if resource.get("Type") in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")
    }
    resolver = Resolver(template, {"Stage": "audit", "AWS::Region": "${AWS::Region}"}, symbolic)
    unused = []
    for function, policy in _load_policies().items():
        for statement in _as_list(resolver.resolve(policy).get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            for action in _as_list(statement.get("Action", [])):
                if action in PLATFORM_ACTIONS:
                    continue
                for resource in _as_list(statement.get("Resource", [])):
                    if not any(
                        f == function and a.lower() == action.lower() and _matches(resource, r)
                        for f, a, r in seen
                    ):
                        unused.append(f"{function}: {action} on {resource} (Sid {statement.get('Sid', '-')})")
    return unused


# --- the pytest plugin --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def least_privilege() -> Iterator[Audit]:
    """Record the test's AWS calls; fail it on any call its Lambda function's policy does not grant."""
    ensure_installed()
    AUDIT.reset()
    yield AUDIT
    problems = AUDIT.violations()
    AUDIT.reset()
    if problems:
        pytest.fail(
            "Least privilege: the code made AWS calls its function's policy does not grant "
            "(add them to the policy file, naming the exact resource):\n  " + "\n  ".join(problems),
            pytrace=False,
        )


_COLLECTED: set[tuple[str, str, str]] = set()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: collect what each worker saw."""
    _COLLECTED.update(tuple(item) for item in node.workeroutput.get("iam_seen", []))


def _full_run(session: Any) -> bool:
    option = session.config.option
    return (
        (not session.config.args or [Path(a).resolve() for a in session.config.args] == [PROJECT / "tests"])
        and not (option.keyword or option.markexpr or getattr(option, "lf", False))
        and session.testsfailed == 0
    )


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Workers hand over what they saw; the controller (or a plain run) reports unused grants."""
    config = session.config
    if hasattr(config, "workerinput"):
        config.workeroutput["iam_seen"] = sorted(SEEN)
        return
    if not _full_run(session):
        return
    unused = unused_grants(SEEN | _COLLECTED)
    if unused:
        config._iam_unused = unused


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the grants no test needed (informational: a skipped test can leave some unused)."""
    unused = getattr(terminalreporter.config, "_iam_unused", None)
    if unused:
        terminalreporter.section("IAM grants no test exercised (remove them, or test the path)")
        for line in unused:
            terminalreporter.line(line)
