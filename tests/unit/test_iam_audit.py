"""The least-privilege audit's own rules: how calls map to IAM permissions, and how policies are read."""

from __future__ import annotations

import json

import pytest

from tests.iam_audit import (
    Need,
    Resolver,
    allows,
    function_policy_files,
    list_bucket_findings,
    missing_object_need,
    needs_for_call,
)

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/t-chats"


def statement(
    effect: str, action: str | list[str], resource: str | list[str], **extra: object
) -> dict[str, object]:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def test_an_allow_grants_exactly_its_actions_and_resources() -> None:
    policy = {"Statement": [statement("Allow", ["dynamodb:GetItem"], [TABLE, f"{TABLE}/index/*"])]}
    assert allows(policy, Need("dynamodb:GetItem", TABLE))
    assert allows(policy, Need("dynamodb:getitem", f"{TABLE}/index/by-school"))
    assert not allows(policy, Need("dynamodb:PutItem", TABLE))
    assert not allows(policy, Need("dynamodb:GetItem", TABLE.replace("chats", "links")))


def test_a_deny_wins_and_a_conditional_allow_is_not_counted() -> None:
    allow = statement("Allow", "s3:GetObject", "arn:aws:s3:::b/*")
    assert not allows(
        {"Statement": [allow, statement("Deny", "s3:*", "*")]}, Need("s3:GetObject", "arn:aws:s3:::b/k")
    )
    conditional = {**allow, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert not allows({"Statement": [conditional]}, Need("s3:GetObject", "arn:aws:s3:::b/k"))


def test_not_action_is_refused_rather_than_misread() -> None:
    with pytest.raises(ValueError, match="NotAction"):
        allows(
            {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
            Need("s3:GetObject", "*"),
        )


def test_calls_map_to_the_permissions_iam_checks() -> None:
    region = "us-east-1"
    assert needs_for_call(
        "dynamodb", "Query", {"TableName": "t-chats", "IndexName": "by-school"}, region
    ) == [Need("dynamodb:Query", f"{TABLE}/index/by-school")]
    transaction = {
        "TransactItems": [
            {"Update": {"TableName": "t-chats"}},
            {"ConditionCheck": {"TableName": "t-chats"}},
        ]
    }
    assert needs_for_call("dynamodb", "TransactWriteItems", transaction, region) == [
        Need("dynamodb:UpdateItem", TABLE),
        Need("dynamodb:ConditionCheckItem", TABLE),
    ]
    assert needs_for_call("dynamodb", "BatchWriteItem", {"RequestItems": {"t-chats": []}}, region) == [
        Need("dynamodb:BatchWriteItem", TABLE)
    ]
    assert needs_for_call(
        "s3", "GetObject", {"Bucket": "b", "Key": "rosters/x.csv", "VersionId": "1"}, region
    ) == [Need("s3:GetObjectVersion", "arn:aws:s3:::b/rosters/x.csv")]
    url = "http://127.0.0.1:5000/123456789012/school-syncs"
    assert needs_for_call("sqs", "SendMessageBatch", {"QueueUrl": url, "Entries": []}, region) == [
        Need("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:school-syncs")
    ]
    assert needs_for_call("sqs", "GetQueueUrl", {"QueueName": "dead"}, region) == [
        Need("sqs:GetQueueUrl", "arn:aws:sqs:us-east-1:123456789012:dead")
    ]
    assert needs_for_call("sns", "Publish", {"PhoneNumber": "+79990000000", "Message": "x"}, region) == [
        Need("sns:Publish", "*")
    ]


def test_template_references_resolve_to_the_tests_names() -> None:
    template = {
        "Resources": {
            "ChatsTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {"TableName": {"Fn::Sub": "x-${Stage}-chats"}},
            },
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}},
        }
    }
    resolver = Resolver(template, {"Stage": "dev", "AWS::Region": "eu-central-1"}, {"ChatsTable": "t-chats"})
    assert resolver.resolve({"Fn::Sub": "${ChatsTable.Arn}/index/by-school"}) == (
        "arn:aws:dynamodb:eu-central-1:123456789012:table/t-chats/index/by-school"
    )
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-central-1:123456789012:q"
    assert (
        resolver.resolve({"Fn::Sub": ["${A}-${AWS::AccountId}", {"A": {"Ref": "Stage"}}]})
        == "dev-123456789012"
    )
    with pytest.raises(KeyError, match="Nope"):
        resolver.resolve({"Fn::GetAtt": ["Nope", "Arn"]})


# --- s3:ListBucket only with an s3:prefix condition (#10.7) ------------------------------------------

BUCKET = "arn:aws:s3:::b"


def test_a_prefix_condition_grants_listing_only_under_its_prefixes() -> None:
    listing = statement(
        "Allow", "s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["state/*"]}}
    )
    policy = {"Statement": [listing]}
    assert allows(policy, Need("s3:ListBucket", BUCKET, (("s3:prefix", "state/sch-1.json"),)))
    assert not allows(policy, Need("s3:ListBucket", BUCKET, (("s3:prefix", "reports/imp-1.json"),)))
    # A listing of the whole bucket carries no prefix (or an empty one): never granted.
    assert not allows(policy, Need("s3:ListBucket", BUCKET))
    assert not allows(policy, Need("s3:ListBucket", BUCKET, (("s3:prefix", ""),)))


def test_listing_and_missing_reads_need_list_bucket_for_their_prefix() -> None:
    region = "us-east-1"
    assert needs_for_call("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "state/"}, region) == [
        Need("s3:ListBucket", BUCKET, (("s3:prefix", "state/"),))
    ]
    assert needs_for_call("s3", "ListObjectsV2", {"Bucket": "b"}, region) == [
        Need("s3:ListBucket", BUCKET, (("s3:prefix", ""),))
    ]
    assert missing_object_need("b", "state/sch-9.json") == Need(
        "s3:ListBucket", BUCKET, (("s3:prefix", "state/sch-9.json"),)
    )


def test_an_unconditioned_or_too_wide_list_bucket_is_a_finding() -> None:
    reads = statement("Allow", "s3:GetObject", f"{BUCKET}/state/*")
    wide = statement("Allow", "s3:ListBucket", BUCKET)
    assert list_bucket_findings({"Statement": [reads, wide]}) == [
        "s3:ListBucket on arn:aws:s3:::b without an s3:prefix condition"
    ]
    star = statement("Allow", "s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["*"]}})
    assert list_bucket_findings({"Statement": [reads, star]}) == [
        "s3:ListBucket on arn:aws:s3:::b allows prefix '*', which no s3:GetObject of the policy covers"
    ]
    fitting = statement(
        "Allow", "s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["state/*"]}}
    )
    assert list_bucket_findings({"Statement": [reads, fitting]}) == []


def test_every_function_lists_the_roster_bucket_only_under_the_prefixes_it_reads() -> None:
    for function, path in function_policy_files().items():
        policy = json.loads(path.read_text())
        assert list_bucket_findings(policy) == [], function
    # The API reads school rosters (state/) and attachments (SPEC §10) only: it may not learn which
    # rosters or reports exist.
    api = json.loads(function_policy_files()["api_handler"].read_text())
    grants = [s for s in api["Statement"] if "s3:ListBucket" in s["Action"]]
    assert [g["Condition"]["StringLike"]["s3:prefix"] for g in grants] == [["state/*"], ["attachments/*"]]
