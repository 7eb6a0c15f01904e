"""Behind a send (SPEC §10): the answer costs the same at any chat size; the fan-out queue's consumer
brings members' lists up to date and pushes the message live, idempotently, with a dead-letter path."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.clock import MovableClock
from chalicelib.config import settings
from chalicelib.planning.model import ChatKind, roster_chat_id
from devstack.requests import count_aws_requests
from devstack.worker import LambdaContextStub
from tests.builders import sample_school
from tests.integration.chats.world import World
from tests.support import auth_headers, install_roster, link_person


class RecordingLive:
    """A live-delivery port that remembers every push."""

    def __init__(self) -> None:
        self.pushes: list[tuple[list[str], dict[str, Any]]] = []

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        self.pushes.append((sorted(person_ids), dict(event)))


def fanout_url() -> str:
    return str(client("sqs").get_queue_url(QueueName=settings().fanout_queue_name)["QueueUrl"])


def take_queued() -> list[str]:
    """Every body on the fan-out queue, removed from it (the test delivers them by hand)."""
    sqs, url, bodies = client("sqs"), fanout_url(), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [m["Body"] for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    return bodies


def deliver(application: Any, *bodies: str, receive_count: int = 1) -> dict[str, Any]:
    """One Lambda invocation of the fan-out handler with these bodies (each its own messageId)."""
    event = {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"handle-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{settings().fanout_queue_name}",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
    }
    result = application.handler_map["on_message_sent"](event, LambdaContextStub("on_message_sent"))
    assert isinstance(result, dict)
    return result


def post(world: World, who: str, kind: str, text: str) -> str:
    """Send without running the fan-out; the new message's id."""
    reply = world.post(who, f"/v1/chats/{world.chats[kind]}/messages", {"text": text})
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def test_the_lists_move_behind_the_answer_and_the_message_goes_live_to_members_only(
    world: World, services: Any, application: Any, clock: MovableClock
) -> None:
    clock.advance(minutes=1)
    world.send("t-math", "subject", "Контрольная в пятницу")  # sent, and its fan-out run
    assert world.chat_ids_of("stu-1")[0] == world.chats["subject"]
    live = RecordingLive()
    services.live = live
    clock.advance(minutes=1)
    message_id = post(world, "stu-2", "class", "Кто решил задачу?")
    # Answered: the chat shows its message, but the lists have not moved yet.
    assert world.chat_ids_of("stu-1")[0] == world.chats["subject"]
    assert live.pushes == []
    bodies = take_queued()
    assert len(bodies) == 1

    assert deliver(application, *bodies) == {"batchItemFailures": []}
    assert world.chat_ids_of("stu-1")[0] == world.chats["class"]
    assert world.chat_ids_of("t-class")[0] == world.chats["class"]
    (pushed,) = live.pushes
    assert pushed == (
        sorted(world.member_ids("class")),
        {"type": "message.created", "chat_id": world.chats["class"], "message_id": message_id},
    )
    assert "par-1" not in pushed[0] and "stu-4" not in pushed[0]  # nobody outside the chat


def test_duplicate_and_reordered_deliveries_converge(
    world: World, services: Any, application: Any, clock: MovableClock
) -> None:
    live = RecordingLive()
    services.live = live
    clock.advance(minutes=1)
    first = post(world, "stu-2", "class", "раз")
    clock.advance(minutes=1)
    post(world, "stu-1", "subject", "два")
    clock.advance(minutes=1)
    last = post(world, "stu-2", "class", "три")
    by_message = {json.loads(body)["message_id"]: body for body in take_queued()}
    subject = next(body for message, body in by_message.items() if message not in (first, last))

    # The newest class message arrives first, then the subject message, then the older class
    # message, then everything again: the lists end as if each had arrived once, in order.
    for bodies in ([by_message[last]], [subject], [by_message[first]], list(by_message.values())):
        assert deliver(application, *bodies) == {"batchItemFailures": []}
    assert world.chat_ids_of("stu-1")[:2] == [world.chats["class"], world.chats["subject"]]
    assert world.chat_ids_of("stu-2")[:2] == [world.chats["class"], world.chats["subject"]]
    # Every delivery is pushed (a page knows a message by its id), each to its chat's members.
    assert len(live.pushes) == 6
    assert {event["message_id"] for _, event in live.pushes} == set(by_message)


@pytest.mark.parametrize(
    "hostile",
    [
        "not json at all",
        "[]",
        json.dumps({"chat_id": "ch_x", "message_id": "msg_x"}),
        json.dumps({"chat_id": "ch_x", "message_id": "msg_x", "sent_at": "yesterday"}),
        json.dumps({"chat_id": "../ch", "message_id": "msg_x", "sent_at": "2026-09-01T08:00:00.000Z"}),
        json.dumps({"chat_id": "ch_x", "message_id": "msg_x", "sent_at": "2026-09-01T08:00:00.000Z", "x": 1}),
        "x" * 10_000,
    ],
)
def test_a_malformed_fan_out_message_goes_to_the_dead_letter_queue_untried(
    world: World, services: Any, application: Any, hostile: str
) -> None:
    live = RecordingLive()
    services.live = live
    before = world.chat_ids_of("stu-1")
    assert deliver(application, hostile) == {"batchItemFailures": []}  # no retry can help it
    url = client("sqs").get_queue_url(QueueName=settings().dead_letter_queue_name)["QueueUrl"]
    dead = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in dead] == [hostile[:200_000]]
    assert world.chat_ids_of("stu-1") == before and live.pushes == []


class FailingFor:
    """Chat lists that fail for one chat (a throttled partition, say) and work for the others."""

    def __init__(self, inner: Any, chat_id: str) -> None:
        self.inner, self.chat_id = inner, chat_id

    def bring_up_to_date(self, chat_id: str, last_activity: str) -> list[str]:
        if chat_id == self.chat_id:
            raise RuntimeError("throttled")
        return list(self.inner.bring_up_to_date(chat_id, last_activity))


def test_a_failing_fan_out_is_retried_alone_and_converges_on_redelivery(
    world: World, services: Any, application: Any, clock: MovableClock
) -> None:
    clock.advance(minutes=1)
    post(world, "t-math", "subject", "раз")
    clock.advance(minutes=1)
    post(world, "stu-2", "class", "два")
    bodies = take_queued()
    working = services.chat_lists
    services.chat_lists = FailingFor(working, world.chats["class"])
    result = deliver(application, *bodies)
    assert len(result["batchItemFailures"]) == 1  # the subject message is done, the class one is retried
    assert world.chat_ids_of("stu-1")[0] == world.chats["subject"]

    services.chat_lists = working  # the redelivery (SQS, after the visibility timeout) succeeds
    class_body = next(b for b in bodies if json.loads(b)["chat_id"] == world.chats["class"])
    assert deliver(application, class_body, receive_count=2) == {"batchItemFailures": []}
    assert world.chat_ids_of("stu-1")[0] == world.chats["class"]


def test_a_send_costs_the_same_requests_into_a_chat_of_3_and_of_41(services: Any, api: Any) -> None:
    roster = sample_school("big", classes=1, students=40, parents_per_student=1)
    install_roster(services, roster)
    teacher = "big-c0-t"
    link_person(teacher)
    costs = {}
    for chat_id in (
        roster_chat_id("big", ChatKind.STAFF, None),
        roster_chat_id("big", ChatKind.PARENTS, "big-c0"),
    ):
        with count_aws_requests() as log:
            response = api.http.post(
                f"/v1/chats/{chat_id}/messages",
                headers={**auth_headers(teacher), "Content-Type": "application/json"},
                body=json.dumps({"text": "Собрание в четверг"}),
            )
        assert response.status_code == 201, response.body
        costs[chat_id] = (log.operations, log.of("sqs"))
    (small, small_sqs), (big, big_sqs) = costs.values()
    assert small == big  # the same DynamoDB requests, operation by operation
    assert small["PutItem"] == 1 and small["UpdateItem"] == 1  # the message, the chat
    assert small_sqs["SendMessage"] == big_sqs["SendMessage"] == 1  # the fan-out's message


def test_the_local_stack_redrives_the_fan_out_queue_and_its_worker_consumes_it(
    aws: Any, application: Any
) -> None:
    from devstack.resources import MAX_RECEIVE_COUNT, queue_arn
    from devstack.worker import app_worker

    attributes = client("sqs").get_queue_attributes(QueueUrl=fanout_url(), AttributeNames=["RedrivePolicy"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    dead_letters = client("sqs").get_queue_url(QueueName=settings().dead_letter_queue_name)["QueueUrl"]
    assert redrive["deadLetterTargetArn"] == queue_arn(dead_letters)
    assert int(redrive["maxReceiveCount"]) == MAX_RECEIVE_COUNT
    bound = {b.queue_name: b for b in app_worker(application).bindings}
    assert bound[settings().fanout_queue_name].handler is application.handler_map["on_message_sent"]
