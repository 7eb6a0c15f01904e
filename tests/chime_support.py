"""Amazon Chime SDK meetings answers for ``botocore.stub.Stubber`` (moto has no Chime)."""

from __future__ import annotations

import uuid
from typing import Any

REGION = "eu-central-1"


def meeting(external_id: str, meeting_id: str | None = None) -> dict[str, Any]:
    """A ``Meeting`` as ``CreateMeeting`` returns it."""
    meeting_id = meeting_id or str(uuid.uuid4())
    host = f"https://{meeting_id[:8]}.k.m1.ec1.app.chime.aws"
    return {
        "MeetingId": meeting_id,
        "ExternalMeetingId": external_id,
        "MediaRegion": REGION,
        "MediaPlacement": {
            "AudioHostUrl": f"{meeting_id[:8]}.k.m1.ec1.app.chime.aws:3478",
            "AudioFallbackUrl": f"wss://haxrp.m1.ec1.app.chime.aws:443/calls/{meeting_id}",
            "SignalingUrl": "wss://signal.m1.ec1.app.chime.aws/control/" + meeting_id,
            "TurnControlUrl": "https://2713.cell.eu-central-1.meetings.chime.aws/v2/turn_sessions",
            "ScreenDataUrl": f"{host}/v2/screen/{meeting_id}",
            "ScreenViewingUrl": f"{host}/ws/connect?passcode=null&X-BitHub-Call-Id={meeting_id}",
            "ScreenSharingUrl": f"{host}/v2/screen/{meeting_id}",
            "EventIngestionUrl": "https://data.svc.ec1.ingest.chime.aws/v1/client-events",
        },
        "MeetingArn": f"arn:aws:chime:{REGION}:123456789012:meeting/{meeting_id}",
    }


def attendee(external_user_id: str) -> dict[str, Any]:
    """An ``Attendee`` as ``CreateAttendee`` returns it (with its join token)."""
    return {
        "ExternalUserId": external_user_id,
        "AttendeeId": str(uuid.uuid4()),
        "JoinToken": "join-" + uuid.uuid4().hex,
    }


def not_found() -> dict[str, Any]:
    """``add_client_error`` arguments for Chime's 404."""
    return {"service_error_code": "NotFoundException", "http_status_code": 404}
