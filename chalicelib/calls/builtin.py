"""The built-in call provider: browsers connect to each other over WebRTC (a mesh).

This service only relays the signalling — offers, answers and ICE candidates —
between the participants of one call (``CallService.send_signal`` /
``signals``, kept in the calls table with a short TTL); media goes browser to
browser. On one machine no STUN or TURN server is needed; across networks,
configure them (``CALL_ICE_SERVERS``, a JSON list of ``RTCIceServer``). A mesh
sends each stream to every other participant, so it suits small calls only:
``CALL_MAX_PARTICIPANTS`` (default 6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.calls.model import Call, Participant
from chalicelib.calls.port import Admission

NAME = "builtin"


class BuiltinCallProvider:
    """:class:`~chalicelib.calls.port.CallProvider` for WebRTC between browsers."""

    name = NAME

    def __init__(self, max_participants: int, ice_servers: Sequence[Mapping[str, Any]] = ()) -> None:
        self.max_participants = max_participants
        self.ice_servers = [dict(server) for server in ice_servers]

    def open_meeting(self, call_id: str, chat_id: str) -> Mapping[str, str]:
        """Nothing to make: the meeting is the participants' browsers."""
        return {}

    def admit(self, call: Call, person_id: str, name: str) -> Admission:
        """What the browser needs: the ICE servers; signals go through this service."""
        return Admission(join={"provider": NAME, "ice_servers": self.ice_servers})

    def dismiss(self, call: Call, participant: Participant) -> None:
        """Nothing to do: the others' browsers see the participant gone from the call."""

    def close_meeting(self, call: Call) -> None:
        """Nothing to do: the browsers see the call ended."""
