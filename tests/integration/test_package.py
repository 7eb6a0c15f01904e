"""``make package`` output: one SAM template that cfn-lint accepts and that has the security properties.

Packages the dev stage once for the module (``chalice package --merge-template``
through ``infrastructure.build``, as ``make package`` does; the first run on a
machine downloads Lambda wheels from PyPI, later runs reuse Chalice's cache).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file

from chalicelib.pipeline import entry
from chalicelib.pipeline.lease import MAX_HEARTBEAT_SECONDS
from chalicelib.pipeline.queue_payloads import ROSTER_PREFIX
from chalicelib.pipeline.schools import HEARTBEAT_SECONDS, LEASE_SECONDS
from chalicelib.store.schema import ALL_MODELS
from infrastructure.build import package
from infrastructure.generate import table_suffix
from tests.iam_audit import Need, Resolver, allows, function_policy_files

pytestmark = pytest.mark.package

STAGE = "dev"
REGION = "eu-central-1"
# IAM has no resource-level permissions for these, so "*" is the only resource they can name.
# Actions IAM evaluates against "*": SMS to a phone number has no ARN, and a Chime meeting has no id
# before CreateMeeting makes it (attendee and delete actions are granted on meetings only).
NO_RESOURCE_ARN = {"sns:SetSMSAttributes", "sns:Publish", "chime:CreateMeeting"}
POLICY_RESOURCES = (
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::IAM::Policy",
)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield package(STAGE, tmp_path_factory.mktemp("package") / STAGE)


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    return dict(json.loads(packaged.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def resolve(template: dict[str, Any]) -> Resolver:
    return Resolver(template, {"Stage": STAGE, "AWS::Region": REGION}, {})


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def chalice_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Chalice's functions by their Chalice name (``api_handler``, ``on_school_sync``, ...)."""
    found = {}
    for resource in resources_of(template, "AWS::Serverless::Function").values():
        handler = resource["Properties"]["Handler"].split(".", 1)[1]
        found["api_handler" if handler == "app" else handler] = resource
    return found


def role_policies(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [p["PolicyDocument"] for p in template["Resources"][role]["Properties"]["Policies"]]


def queue_of_event(event: dict[str, Any]) -> str:
    """The template queue an SQS event source reads (``${UploadQueue.Arn}`` → ``UploadQueue``)."""
    reference = event["Properties"]["Queue"]["Fn::Sub"]
    assert reference.startswith("${") and reference.endswith(".Arn}"), reference
    return str(reference[2:-5])


def sqs_event_sources(template: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (name, function, event)
        for name, function in chalice_functions(template).items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


def all_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents: list[Any] = []
        if resource.get("Type") == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        elif resource.get("Type") in POLICY_RESOURCES:
            documents = [properties["PolicyDocument"]]
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_finds_no_errors(packaged: Path) -> None:
    matches = lint_file(packaged, ManualArgs(regions=["us-east-1", REGION]))
    errors = [f"{m.rule.id} {m.message} ({m.linenumber})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_one_template_for_the_packaged_stage(packaged: Path, template: dict[str, Any]) -> None:
    assert sorted(p.name for p in packaged.parent.iterdir()) == ["deployment.zip", "sam.json"]
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Parameters"]["Stage"]["AllowedValues"] == [STAGE]
    assert set(chalice_functions(template)) == set(function_policy_files())
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as bundle:
        names = bundle.namelist()
    assert "app.py" in names and any(n.startswith("chalicelib/") for n in names)
    assert not any(n.startswith(("tests/", "infrastructure/", ".chalice/")) for n in names)


def test_no_allow_statement_has_a_wildcard_action(template: dict[str, Any]) -> None:
    checked = 0
    for resource, statement in all_statements(template):
        if statement["Effect"] != "Allow":
            continue
        checked += 1
        actions = as_list(statement["Action"])
        assert not any("*" in action or "?" in action for action in actions), (resource, statement)
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= NO_RESOURCE_ARN, (resource, statement)
    assert checked > 10


def test_each_function_runs_with_its_own_hand_written_policy(template: dict[str, Any]) -> None:
    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    files = function_policy_files()
    for name, function in chalice_functions(template).items():
        expected = json.loads(files[name].read_text(encoding="utf-8"))
        assert role_policies(template, function) == [expected], name
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in chalice_functions(template).values()]
    assert len(set(roles)) == len(roles)


def test_every_function_may_write_its_logs_and_consume_its_queue(
    template: dict[str, Any], resolve: Resolver
) -> None:
    log_group = template["Globals"]["Function"]["LoggingConfig"]["LogGroup"]
    assert log_group == {"Ref": "AppLogGroup"}
    stream = resolve.get_att("AppLogGroup", "Arn").replace(":*", ":log-stream:2026/01/01/x")
    functions = [
        *chalice_functions(template).values(),
        *resources_of(template, "AWS::Lambda::Function").values(),
    ]
    for function in functions:
        logging = function["Properties"].get("LoggingConfig", {"LogGroup": log_group})
        assert logging["LogGroup"] == log_group
        policy = resolve.resolve(role_policies(template, function)[0])
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert allows(policy, Need(action, stream)), (function["Properties"].get("Handler"), action)
    for name, function, event in sqs_event_sources(template):
        queue_arn = resolve.get_att(queue_of_event(event), "Arn")
        policy = resolve.resolve(role_policies(template, function)[0])
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
            assert allows(policy, Need(action, queue_arn)), (name, action)


def test_sqs_event_sources_report_partial_batch_failures(template: dict[str, Any]) -> None:
    sources = sqs_event_sources(template)
    assert {name for name, _, _ in sources} == {"on_roster_uploaded", "on_school_sync", "on_message_sent"}
    for name, _, event in sources:
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name
        assert template["Resources"][queue_of_event(event)]["Type"] == "AWS::SQS::Queue"
        concurrency = event["Properties"]["ScalingConfig"]["MaximumConcurrency"]
        if isinstance(concurrency, dict):  # a parameter of the capacity plan
            parameter = template["Parameters"][concurrency["Ref"]]
            assert parameter["MinValue"] >= 2 and parameter["Default"] >= 2, name
        else:
            assert concurrency >= 2, name


def test_the_template_carries_the_capacity_plan(template: dict[str, Any]) -> None:
    """Issue #17: warm throughput and sync concurrency are parameters; stage 1 fits the largest roster."""
    from bench.capacity.plan import ImportSetting
    from chalicelib.config import settings
    from infrastructure.generate import SCHOOL_SYNC_CONCURRENCY, WARM_THROUGHPUT

    parameters = template["Parameters"]
    school_sync = chalice_functions(template)["on_school_sync"]
    event = next(iter(school_sync["Properties"]["Events"].values()))
    assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "SchoolSyncConcurrency"}
    assert parameters["SchoolSyncConcurrency"]["Default"] == SCHOOL_SYNC_CONCURRENCY
    assert ImportSetting().concurrency == SCHOOL_SYNC_CONCURRENCY  # the model plans with the template's
    for suffix, (stem, writes, _) in WARM_THROUGHPUT.items():
        table = template["Resources"][f"{stem}Table"]["Properties"]
        assert parameters[f"{stem}WarmWriteUnits"]["Default"] == writes >= 4000
        for place in (table, *table.get("GlobalSecondaryIndexes", [])):
            assert place["WarmThroughput"]["WriteUnitsPerSecond"] == {"Ref": f"{stem}WarmWriteUnits"}, suffix
    # The largest single roster: refused above ROSTER_MAX_BYTES; below it stage 1 has the room and time.
    upload = chalice_functions(template)["on_roster_uploaded"]["Properties"]
    max_bytes = int(upload["Environment"]["Variables"]["ROSTER_MAX_BYTES"])
    assert max_bytes == settings().roster_max_bytes
    assert upload["EphemeralStorage"]["Size"] * 1024 * 1024 >= 3 * max_bytes  # the file + SQLite (~2×)
    assert upload["MemorySize"] >= 1769  # one full vCPU: stage 1 is CPU-bound
    stage1_cpu_s = ImportSetting().stage1_cpu_s_per_100mb * max_bytes / 100e6
    assert upload["Timeout"] >= 2 * stage1_cpu_s


def test_queues_redrive_to_the_dead_letter_queue_and_outlast_their_functions(
    template: dict[str, Any],
) -> None:
    queues = resources_of(template, "AWS::SQS::Queue")
    for name, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, name
    consumer_timeouts = {
        queue_of_event(event): function["Properties"]["Timeout"]
        for _, function, event in sqs_event_sources(template)
    }
    sources = {name: q for name, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    assert set(sources) == set(consumer_timeouts) == {"UploadQueue", "SchoolQueue", "FanOutQueue"}
    for name, queue in sources.items():
        redrive = queue["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
        # entry.py marks an import failed on the last delivery, so the two must agree.
        assert redrive["maxReceiveCount"] == entry.MAX_RECEIVE_COUNT >= 5
        assert queue["Properties"]["VisibilityTimeout"] >= 6 * consumer_timeouts[name], name
    # A school's sync lease is renewed while the sync runs (pipeline.lease): often enough that
    # one failed renewal does not lose it, and for as long as the function may run.
    assert 2 * HEARTBEAT_SECONDS < LEASE_SECONDS
    assert consumer_timeouts["SchoolQueue"] < MAX_HEARTBEAT_SECONDS
    assert queues["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_dead_letters_raise_an_alarm(template: dict[str, Any]) -> None:
    alarms = resources_of(template, "AWS::CloudWatch::Alarm").values()
    watching = [
        a["Properties"]
        for a in alarms
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
        in a["Properties"]["Dimensions"]
    ]
    assert len(watching) == 1
    alarm = watching[0]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_roster_bucket_is_private_encrypted_versioned_and_notifies_the_upload_queue(
    template: dict[str, Any], resolve: Resolver
) -> None:
    bucket = template["Resources"]["RosterBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ]
    assert encryption["SSEAlgorithm"] in ("AES256", "aws:kms")
    rules = {rule.get("Prefix"): rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["reports/"]["Status"] == "Enabled" and rules["reports/"]["ExpirationInDays"] > 0
    (notification,) = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": ROSTER_PREFIX}]
    assert template["Resources"]["RosterBucket"]["DependsOn"] == "UploadQueuePolicy"

    queue_policy = resolve.resolve(template["Resources"]["UploadQueuePolicy"]["Properties"]["PolicyDocument"])
    (from_s3,) = [s for s in queue_policy["Statement"] if s["Effect"] == "Allow"]
    assert from_s3["Principal"] == {"Service": "s3.amazonaws.com"} and from_s3["Action"] == "sqs:SendMessage"
    assert from_s3["Condition"]["ArnEquals"]["aws:SourceArn"] == resolve.get_att("RosterBucket", "Arn")
    bucket_policy = resolve.resolve(
        template["Resources"]["RosterBucketPolicy"]["Properties"]["PolicyDocument"]
    )
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in bucket_policy["Statement"]
    )


def test_the_bucket_answers_browsers_of_the_allowed_origins_only(template: dict[str, Any]) -> None:
    """Other-origin API clients (a journal on its own origin) upload and fetch attachments: the packaged
    bucket's CORS rule is the AllowedOrigins parameter's origins, POST and GET, and no rule without them."""
    from devstack.resources import CORS_MAX_AGE_S, CORS_METHODS, CORS_RULE_ID

    condition, configuration, otherwise = template["Resources"]["RosterBucket"]["Properties"][
        "CorsConfiguration"
    ]["Fn::If"]
    assert template["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, ""]}]}
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert configuration["CorsRules"] == [
        {
            "Id": CORS_RULE_ID,
            "AllowedMethods": list(CORS_METHODS),
            "AllowedOrigins": {"Fn::Split": [",", {"Ref": "AllowedOrigins"}]},
            "MaxAge": CORS_MAX_AGE_S,
        }
    ]
    assert template["Parameters"]["AllowedOrigins"]["Default"] == ""


def test_tables_are_on_demand_with_recovery_and_deletion_protection_in_prod(template: dict[str, Any]) -> None:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    names = {t["Properties"]["TableName"]["Fn::Sub"] for t in tables.values()}
    assert names == {f"school-chats-${{Stage}}-{table_suffix(m)}" for m in ALL_MODELS}
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    for table in tables.values():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] == {
            "Fn::If": ["IsProd", True, False]
        }
        assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}


def test_functions_find_every_resource_through_their_environment(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["TABLE_PREFIX"] == {"Fn::Sub": "school-chats-${Stage}-"}
    assert variables["ROSTER_BUCKET"] == {"Ref": "RosterBucket"}
    for variable, queue in (
        ("UPLOAD_QUEUE_NAME", "UploadQueue"),
        ("SCHOOL_QUEUE_NAME", "SchoolQueue"),
        ("DEAD_LETTER_QUEUE_NAME", "DeadLetterQueue"),
        ("FANOUT_QUEUE_NAME", "FanOutQueue"),
    ):
        assert variables[variable] == {"Fn::GetAtt": [queue, "QueueName"]}
    for variable in ("JOURNAL_JWT_PUBLIC_KEY", "JOURNAL_JWKS"):
        assert variable in variables
    # Secrets are never plain environment variables: the API names their Parameter Store entries.
    assert not {"JOURNAL_JWT_SECRET", "JOURNAL_JWT_PREVIOUS_SECRET", "OPERATOR_JWT_SECRET"} & set(variables)
    api_variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    for variable in (
        "JOURNAL_JWT_SECRET_PARAMETER",
        "JOURNAL_JWT_PREVIOUS_SECRET_PARAMETER",
        "OPERATOR_JWT_SECRET_PARAMETER",
    ):
        assert variable in api_variables
        assert not {"JOURNAL_JWT_SECRET", "OPERATOR_JWT_SECRET"} & set(api_variables)


def test_sms_settings_are_transactional_with_a_sender_id_and_a_spend_limit(template: dict[str, Any]) -> None:
    (settings,) = resources_of(template, "Custom::SmsSettings").values()
    assert settings["Properties"]["DefaultSMSType"] == "Transactional"
    assert settings["Properties"]["DefaultSenderID"] == {"Ref": "SmsSenderId"}
    assert settings["Properties"]["MonthlySpendLimit"] == {"Ref": "SmsMonthlySpendLimit"}


def test_api_gateway_errors_are_problem_json(template: dict[str, Any]) -> None:
    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for response in responses.values():
        assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'"


def test_a_wrong_method_is_a_405_problem_in_the_packaged_api(template: dict[str, Any]) -> None:
    """Chalice's merge puts an ANY mock method beside each route's own methods (#16: 405, not 403)."""
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path, operations in paths.items():
        own = sorted(method.upper() for method in operations if not method.startswith("x-"))
        assert own, path
        answer = operations["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["responses"]
        allow = answer["default"]["responseParameters"]["method.response.header.Allow"]
        assert set(allow.strip("'").split(", ")) >= set(own) - {"OPTIONS"}, path
        assert answer["default"]["statusCode"] == "405"


def test_an_exhausted_sms_budget_raises_an_alarm(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["SmsBudgetAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("SchoolChats", "SmsBudgetExhausted")
    assert {d["Name"] for d in alarm["Dimensions"]} == {"service", "stage"}
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
