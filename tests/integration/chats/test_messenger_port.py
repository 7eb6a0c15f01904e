"""The chats API provisions chats and carries messages only through the messenger port (SPEC §2)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.messenger.port import Messenger
from chalicelib.store.messenger import BuiltinMessenger
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


class RecordingMessenger:
    """Another messenger plugged in: here the built-in one, with every call written down."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return record


def test_every_change_the_api_makes_goes_through_the_messenger(services: Any, world: World) -> None:
    recording = RecordingMessenger(BuiltinMessenger())
    services.messenger = recording
    chat = world.chats["custom"]

    message = f"/v1/chats/{chat}/messages/{world.targets['custom']}"
    subject = {"kind": "subject", "class_id": "math-5a"}
    steps: list[tuple[str, Any]] = [
        ("create_chat", lambda: world.post("t-class", "/v1/chats", {"kind": "custom", "title": "Новый"})),
        ("edit_chat", lambda: world.call("t-class", "PATCH", f"/v1/chats/{chat}", {"read_only": True})),
        ("add_members", lambda: world.add_members("t-class", "custom", "t-spare")),
        ("remove_member", lambda: world.call("t-class", "DELETE", f"/v1/chats/{chat}/members/t-spare")),
        ("post_message", lambda: world.send("t-class", "custom", "Объявление")),
        ("list_messages", lambda: world.get("par-1", f"/v1/chats/{chat}/messages")),
        ("delete_message", lambda: world.call("t-class", "DELETE", message)),
        ("archive_chat", lambda: world.call("t-class", "DELETE", f"/v1/chats/{chat}")),
        ("archive_chat", lambda: world.call("t-math", "DELETE", f"/v1/chats/{world.chats['subject']}")),
        ("unarchive_chat", lambda: world.post("t-math", "/v1/chats", subject)),
    ]
    for operation, request in steps:
        recording.calls.clear()
        reply = request()
        assert reply.status < 300, (operation, reply.body)
        assert operation in recording.calls, (operation, recording.calls)
    # The returning subject chat gets its members as the roster says, through the same port.
    assert recording.calls == ["load_chat_state", "unarchive_chat", "load_chat_state", "apply_roster_changes"]
