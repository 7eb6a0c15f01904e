"""Calls on AWS through Amazon Chime SDK meetings: one meeting per call, one attendee per participant.

* a call starts: ``CreateMeeting`` (``ExternalMeetingId`` and the idempotency
  token are the call's id, ``MediaRegion`` from ``CALL_MEDIA_REGION``);
* a person joins: ``CreateAttendee`` (``ExternalUserId`` is the person), whose
  join token goes to that person's browser only;
* a person leaves: ``DeleteAttendee``; the call ends: ``DeleteMeeting``.

Exactly these four actions are granted in ``.chalice/policy-api.json``. The
browser joins with the Amazon Chime SDK for JavaScript (``make chime-sdk``).
The client is made lazily; tests give it a ``botocore.stub.Stubber``. An AWS
adapter of the calls provider port (``calls.port.CallProvider``), so it lives with the other adapters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.calls.model import Call, Participant
from chalicelib.calls.port import CHIME, Admission
from chalicelib.ids import derived_id

NAME = CHIME
MAX_ATTENDEES = 250  # an Amazon Chime SDK meeting's limit (video tiles: 25)
_EXTERNAL_ID_CHARS = (2, 64)


def _external_id(value: str) -> str:
    """An id Chime accepts as ``ExternalUserId``/``ExternalMeetingId`` (2-64 characters)."""
    low, high = _EXTERNAL_ID_CHARS
    return value if low <= len(value) <= high else derived_id("ext", value)[:high]


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {"NotFoundException", "NotFound"}


class ChimeCallProvider:
    """:class:`~chalicelib.calls.port.CallProvider` on Amazon Chime SDK meetings."""

    name = NAME

    def __init__(self, client: Callable[[], Any], media_region: str, max_participants: int) -> None:
        self._client = client
        self.media_region = media_region
        self.max_participants = min(max_participants, MAX_ATTENDEES)

    def open_meeting(self, call_id: str, chat_id: str) -> Mapping[str, str]:
        """``CreateMeeting``; keeps the meeting (its media URLs are what every joiner's browser needs)."""
        meeting = self._client().create_meeting(
            ClientRequestToken=_external_id(call_id),
            MediaRegion=self.media_region,
            ExternalMeetingId=_external_id(call_id),
        )["Meeting"]
        return {"meeting_id": meeting["MeetingId"], "meeting": json.dumps(meeting)}

    def admit(self, call: Call, person_id: str, name: str) -> Admission:
        """``CreateAttendee`` for the person; their browser gets the meeting and its attendee (join token)."""
        attendee = self._client().create_attendee(
            MeetingId=call.meeting["meeting_id"], ExternalUserId=_external_id(person_id)
        )["Attendee"]
        return Admission(
            join={"provider": NAME, "meeting": json.loads(call.meeting["meeting"]), "attendee": attendee},
            provider_ref=attendee["AttendeeId"],
        )

    def dismiss(self, call: Call, participant: Participant) -> None:
        """``DeleteAttendee`` (an attendee Chime forgot already is no error)."""
        if participant.provider_ref is None:
            return
        try:
            self._client().delete_attendee(
                MeetingId=call.meeting["meeting_id"], AttendeeId=participant.provider_ref
            )
        except ClientError as error:
            if not _not_found(error):
                raise

    def close_meeting(self, call: Call) -> None:
        """``DeleteMeeting`` (a meeting Chime ended already is no error)."""
        try:
            self._client().delete_meeting(MeetingId=call.meeting["meeting_id"])
        except ClientError as error:
            if not _not_found(error):
                raise
