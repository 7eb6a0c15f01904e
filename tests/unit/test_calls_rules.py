"""The calls feature without AWS: the pure rules, and the service on its in-memory twin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.calls import rules
from chalicelib.calls.builtin import BuiltinCallProvider
from chalicelib.calls.rules import CallerInChat
from chalicelib.calls.service import ice_servers_from, signal_id
from chalicelib.clock import MovableClock
from chalicelib.errors import Conflict, Forbidden, LinkRequired, NotFound, ReadOnly
from chalicelib.memory.calls import MemoryCallStore
from chalicelib.planning.model import ChatKind

ALL_KINDS = list(ChatKind)


def who(
    kind: ChatKind, *, member: bool = True, moderator: bool = False, archived: bool = False
) -> CallerInChat:
    """A caller's relation to a chat."""
    return CallerInChat(kind=kind, archived=archived, member=member, moderator=moderator)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_moderators_start_calls_everywhere_members_only_in_the_staff_room_and_custom_chats(
    kind: ChatKind,
) -> None:
    assert rules.may_start(who(kind, moderator=True))
    assert rules.may_start(who(kind)) is (kind in {ChatKind.STAFF, ChatKind.CUSTOM})
    assert not rules.may_start(who(kind, member=False))
    assert not rules.may_start(who(kind, moderator=True, archived=True))


def test_joining_needs_membership_and_a_live_chat() -> None:
    rules.require_can_join(who(ChatKind.CLASS))
    with pytest.raises(Forbidden):
        rules.require_can_join(who(ChatKind.CLASS, member=False))
    with pytest.raises(LinkRequired):
        rules.require_can_join(
            CallerInChat(ChatKind.CLASS, False, member=False, moderator=False, linked=False)
        )
    with pytest.raises(ReadOnly):
        rules.require_can_join(who(ChatKind.CLASS, archived=True))


def test_only_moderators_end_a_call_for_everyone() -> None:
    rules.require_can_end(who(ChatKind.STAFF, moderator=True))
    with pytest.raises(Forbidden):
        rules.require_can_end(who(ChatKind.STAFF))


class Opened:
    """What ``open_chat`` returns, as far as the calls service reads it."""

    def __init__(self, kind: ChatKind, person_id: str, moderator: bool) -> None:
        self.chat = type("Chat", (), {"kind": kind.value, "archived": False, "chat_id": "ch_1"})()
        self.membership = type("Membership", (), {"name": person_id.upper(), "person_id": person_id})()
        self.linked = True
        self.is_moderator = moderator


@pytest.fixture
def service() -> Any:
    """The calls service on the in-memory store, the built-in provider (limit 3) and a movable clock."""
    from chalicelib.calls.service import CallService

    roles = {"t-1": True, "s-1": False, "s-2": False, "s-3": False}

    def open_chat(caller: Any, chat_id: str) -> Opened:
        return Opened(ChatKind.CLASS, caller.person_id, roles[caller.person_id])

    return CallService(
        MemoryCallStore(), BuiltinCallProvider(3), MovableClock(), timedelta(hours=3), open_chat
    )


def caller(person_id: str) -> Any:
    """A verified caller."""
    return type("Caller", (), {"person_id": person_id, "is_operator": False})()


def test_the_service_on_the_twin_starts_joins_limits_and_ends(service: Any) -> None:
    with pytest.raises(Forbidden):
        service.start_or_join(caller("s-1"), "ch_1")
    started = service.start_or_join(caller("t-1"), "ch_1")
    assert started.started and started.call.participant_count == 1
    assert not service.start_or_join(caller("s-1"), "ch_1").started
    service.start_or_join(caller("s-2"), "ch_1")
    with pytest.raises(Conflict):
        service.start_or_join(caller("s-3"), "ch_1")
    assert service.summaries(["ch_1", "ch_2"])["ch_1"].participant_count == 3
    service.clock.advance(hours=3)
    assert service.summaries(["ch_1"]) == {}
    assert service.store.current("ch_1") is not None  # still stored until a request finds it over
    assert service.action_for(Opened(ChatKind.CLASS, "s-1", False)) is None
    with pytest.raises(NotFound):
        service.current(caller("s-1"), "ch_1")
    assert service.store.current("ch_1") is None


def test_signal_ids_sort_by_time() -> None:
    clock = MovableClock()
    first = signal_id(clock.now())
    clock.advance(milliseconds=1)
    assert first < signal_id(clock.now())


@pytest.mark.parametrize("config", ['{"urls": "stun:x"}', '[{"username": "u"}]', "[1]", "nonsense"])
def test_ice_servers_must_be_a_list_of_rtc_ice_servers(config: str) -> None:
    with pytest.raises(ValueError):
        ice_servers_from(config)
    assert ice_servers_from('[{"urls": "turn:turn.example:3478", "username": "u", "credential": "c"}]')
