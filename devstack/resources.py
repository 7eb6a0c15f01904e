"""Creating the service's AWS resources on an emulator (the local stack and the tests).

In AWS these come from ``infrastructure/``; here they are made with the same
names and wiring: the tables, the roster bucket with its ``ObjectCreated``
notification on ``rosters/`` to the upload queue, the school-sync queue, the
fan-out queue (sends → members' lists), and the dead-letter queue they all
redrive to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.aws import client
from chalicelib.config import Settings
from chalicelib.store.schema import create_tables

ROSTER_PREFIX = "rosters/"
MAX_RECEIVE_COUNT = 5
# ≥ 6 × the worker's function timeout in AWS; locally it only delays redelivery of a failure.
LOCAL_VISIBILITY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Queues:
    """The URLs of the pipeline's queues."""

    upload: str
    school: str
    dead_letter: str
    fanout: str


def queue_arn(url: str) -> str:
    """The ARN of the queue at ``url``."""
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def create_queues(config: Settings, visibility_timeout_s: int = LOCAL_VISIBILITY_TIMEOUT_S) -> Queues:
    """The upload, school-sync and fan-out queues, each redriving to the dead-letter queue."""
    sqs = client("sqs")
    dead_letter = sqs.create_queue(QueueName=config.dead_letter_queue_name)["QueueUrl"]
    redrive = json.dumps(
        {"deadLetterTargetArn": queue_arn(dead_letter), "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    )
    attributes = {"RedrivePolicy": redrive, "VisibilityTimeout": str(visibility_timeout_s)}
    upload = sqs.create_queue(QueueName=config.upload_queue_name, Attributes=attributes)["QueueUrl"]
    school = sqs.create_queue(QueueName=config.school_queue_name, Attributes=attributes)["QueueUrl"]
    fanout = sqs.create_queue(QueueName=config.fanout_queue_name, Attributes=attributes)["QueueUrl"]
    return Queues(upload=upload, school=school, dead_letter=dead_letter, fanout=fanout)


def create_roster_bucket(config: Settings, upload_queue_url: str) -> None:
    """The roster bucket, sending ``ObjectCreated`` events under ``rosters/`` to the upload queue."""
    s3 = client("s3")
    if config.region == "us-east-1":
        s3.create_bucket(Bucket=config.roster_bucket)
    else:
        s3.create_bucket(
            Bucket=config.roster_bucket,
            CreateBucketConfiguration={"LocationConstraint": config.region},
        )
    upload_arn = queue_arn(upload_queue_url)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": upload_arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{config.roster_bucket}"}},
            }
        ],
    }
    client("sqs").set_queue_attributes(QueueUrl=upload_queue_url, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(
        Bucket=config.roster_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": upload_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": ROSTER_PREFIX}]}},
                }
            ]
        },
    )


CORS_RULE_ID = "AttachmentsFromAllowedOrigins"
CORS_METHODS = ("POST", "GET")
CORS_MAX_AGE_S = 600


def bucket_cors_rules(origins: tuple[str, ...]) -> list[dict[str, Any]]:
    """The bucket's CORS rule, as ``infrastructure/template.json`` gives it (``AllowedOrigins``
    parameter): other-origin clients of these origins may POST uploads and GET attachment links."""
    if not origins:
        return []
    return [
        {
            "ID": CORS_RULE_ID,
            "AllowedMethods": list(CORS_METHODS),
            "AllowedOrigins": list(origins),
            "MaxAgeSeconds": CORS_MAX_AGE_S,
        }
    ]


def apply_bucket_cors(config: Settings) -> None:
    """Give the bucket the CORS rule for ``ALLOWED_ORIGINS`` (none: no rule at all, as in the template)."""
    rules = bucket_cors_rules(config.allowed_origins)
    if rules:  # a new bucket has no CORS rule
        client("s3").put_bucket_cors(Bucket=config.roster_bucket, CORSConfiguration={"CORSRules": rules})


def provision(config: Settings, visibility_timeout_s: int = LOCAL_VISIBILITY_TIMEOUT_S) -> Queues:
    """Every resource the service needs, on whatever endpoint the clients point at."""
    create_tables()
    queues = create_queues(config, visibility_timeout_s)
    create_roster_bucket(config, queues.upload)
    apply_bucket_cors(config)
    return queues
