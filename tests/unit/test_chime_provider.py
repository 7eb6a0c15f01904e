"""The Chime SDK adapter against botocore's Stubber: every request is checked against the service model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chalicelib.calls.model import Call, Participant
from chalicelib.store.chime import MAX_ATTENDEES, ChimeCallProvider
from tests.chime_support import REGION, attendee, meeting, not_found

NOW = datetime(2026, 9, 1, 8, tzinfo=UTC)


@pytest.fixture
def chime() -> Iterator[tuple[Any, Stubber]]:
    """A Chime SDK meetings client whose every call must be one the test expects."""
    client = boto3.client(
        "chime-sdk-meetings", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def provider(client: Any, limit: int = 6) -> ChimeCallProvider:
    """The adapter over the stubbed client."""
    return ChimeCallProvider(lambda: client, REGION, limit)


def call_with(opened: dict[str, str]) -> Call:
    """A call whose meeting is what ``open_meeting`` returned."""
    return Call("call_abc", "ch_1", "chime", NOW, "t-1", NOW + timedelta(hours=3), (), opened)


def test_a_call_is_one_meeting_a_participant_one_attendee_and_both_go_away(chime: Any) -> None:
    client, stubber = chime
    made = meeting("call_abc")
    stubber.add_response(
        "create_meeting",
        {"Meeting": made},
        {"ClientRequestToken": "call_abc", "MediaRegion": REGION, "ExternalMeetingId": "call_abc"},
    )
    opened = provider(client).open_meeting("call_abc", "ch_1")
    assert opened["meeting_id"] == made["MeetingId"] and json.loads(opened["meeting"]) == made

    person = attendee("t-ivanova")
    stubber.add_response(
        "create_attendee",
        {"Attendee": person},
        {"MeetingId": made["MeetingId"], "ExternalUserId": "t-ivanova"},
    )
    admitted = provider(client).admit(call_with(opened), "t-ivanova", "Иванова Мария")
    assert admitted.provider_ref == person["AttendeeId"]
    assert admitted.join == {"provider": "chime", "meeting": made, "attendee": person}

    stubber.add_response(
        "delete_attendee", {}, {"MeetingId": made["MeetingId"], "AttendeeId": person["AttendeeId"]}
    )
    participant = Participant("t-ivanova", "Иванова Мария", NOW, person["AttendeeId"])
    provider(client).dismiss(call_with(opened), participant)
    stubber.add_response("delete_meeting", {}, {"MeetingId": made["MeetingId"]})
    provider(client).close_meeting(call_with(opened))


class ChimeExternalId:
    """Equal to any id Chime accepts as ``ExternalUserId`` (2 to 64 characters); remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __eq__(self, other: object) -> bool:
        self.seen.append(str(other))
        return isinstance(other, str) and 2 <= len(other) <= 64

    __hash__ = None  # type: ignore[assignment]


def test_ids_chime_would_refuse_are_replaced_by_stable_ones_it_accepts(chime: Any) -> None:
    client, stubber = chime
    made = meeting("call_abc")
    opened = {"meeting_id": made["MeetingId"], "meeting": json.dumps(made)}
    checked = ChimeExternalId()
    for person_id in ("x", "p" * 65, "x"):
        expected = {"MeetingId": made["MeetingId"], "ExternalUserId": checked}
        stubber.add_response("create_attendee", {"Attendee": attendee("ext")}, expected)
        provider(client).admit(call_with(opened), person_id, "Имя")
    first, long, again = checked.seen
    assert first == again != long  # the same person always gets the same id


def test_what_chime_has_forgotten_already_is_no_error_but_other_failures_are(chime: Any) -> None:
    client, stubber = chime
    made = meeting("call_abc")
    opened = {"meeting_id": made["MeetingId"], "meeting": json.dumps(made)}
    stubber.add_client_error("delete_attendee", **not_found())
    provider(client).dismiss(call_with(opened), Participant("t-1", "Имя", NOW, "a-1"))
    stubber.add_client_error("delete_meeting", **not_found())
    provider(client).close_meeting(call_with(opened))
    stubber.add_client_error(
        "delete_meeting", service_error_code="ServiceFailureException", http_status_code=500
    )
    with pytest.raises(ClientError):
        provider(client).close_meeting(call_with(opened))


def test_a_participant_the_builtin_provider_admitted_needs_no_chime_call(chime: Any) -> None:
    client, _ = chime
    provider(client).dismiss(call_with({"meeting_id": "m", "meeting": "{}"}), Participant("t-1", "Имя", NOW))


def test_the_participant_limit_is_at_most_a_chime_meetings(chime: Any) -> None:
    client, _ = chime
    assert provider(client, 10_000).max_participants == MAX_ATTENDEES
    assert provider(client, 30).max_participants == 30
