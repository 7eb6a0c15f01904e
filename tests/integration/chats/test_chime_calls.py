"""Calls with ``CALL_PROVIDER=chime`` through the HTTP API, Chime answered by botocore's Stubber.

Every Chime request is checked against the service model by the Stubber, and
(being made inside the API's Lambda handler) against the API's IAM policy by
``tests/iam_audit.py``: exactly CreateMeeting, CreateAttendee, DeleteAttendee
and DeleteMeeting, the last three on meetings only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from chalicelib.aws import client
from chalicelib.bootstrap import provider_from_settings
from chalicelib.config import settings
from tests.chime_support import REGION, attendee, meeting
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


@pytest.fixture
def chime(world: World, services: Any, configure: Any) -> Iterator[Stubber]:
    """The service on the Chime provider; its Chime client stubbed."""
    configure(CALL_PROVIDER="chime", CALL_MEDIA_REGION=REGION, CALL_CONTROL_REGION="us-west-2")
    services.call_provider = provider_from_settings(settings())
    with Stubber(client("chime-sdk-meetings", settings().call_control_region)) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_a_call_is_a_chime_meeting_and_each_participant_an_attendee(world: World, chime: Stubber) -> None:
    path = f"/v1/chats/{world.chats['class']}/call"
    made = meeting("call")
    teacher, pupil = attendee("t-class"), attendee("stu-1")
    chime.add_response(
        "create_meeting",
        {"Meeting": made},
        {"ClientRequestToken": ANY, "MediaRegion": REGION, "ExternalMeetingId": ANY},
    )
    chime.add_response(
        "create_attendee",
        {"Attendee": teacher},
        {"MeetingId": made["MeetingId"], "ExternalUserId": "t-class"},
    )
    started = world.post("t-class", path, None)
    assert started.status == 201, started.body
    assert started.body["call"]["provider"] == "chime"
    assert started.body["join"] == {"provider": "chime", "meeting": made, "attendee": teacher}

    chime.add_response(
        "create_attendee", {"Attendee": pupil}, {"MeetingId": made["MeetingId"], "ExternalUserId": "stu-1"}
    )
    joined = world.post("stu-1", path, None)
    assert joined.status == 200 and joined.body["join"]["attendee"] == pupil  # their own join token only
    assert teacher["JoinToken"] not in str(joined.body)

    chime.add_response(
        "delete_attendee", {}, {"MeetingId": made["MeetingId"], "AttendeeId": pupil["AttendeeId"]}
    )
    assert world.call("stu-1", "DELETE", f"{path}/participants/me").status == 204
    chime.add_response("delete_meeting", {}, {"MeetingId": made["MeetingId"]})
    assert world.call("t-class", "DELETE", path).status == 204
    assert world.get("t-class", path).status == 404


def test_the_last_attendee_leaving_deletes_the_meeting(world: World, chime: Stubber) -> None:
    path = f"/v1/chats/{world.chats['staff']}/call"
    made = meeting("call")
    person = attendee("t-other")
    chime.add_response("create_meeting", {"Meeting": made}, None)
    chime.add_response("create_attendee", {"Attendee": person}, None)
    assert world.post("t-other", path, None).status == 201
    chime.add_response(
        "delete_attendee", {}, {"MeetingId": made["MeetingId"], "AttendeeId": person["AttendeeId"]}
    )
    chime.add_response("delete_meeting", {}, {"MeetingId": made["MeetingId"]})
    assert world.call("t-other", "DELETE", f"{path}/participants/me").status == 204


def test_refused_callers_never_reach_chime(world: World, chime: Stubber) -> None:
    # No response is stubbed: any Chime request would fail the test.
    assert world.post("stu-1", f"/v1/chats/{world.chats['class']}/call", None).status == 403
    assert world.post("t-far", f"/v1/chats/{world.chats['class']}/call", None).status == 404
    assert world.post("adm", f"/v1/chats/{world.chats['class']}/call", None).status == 403
