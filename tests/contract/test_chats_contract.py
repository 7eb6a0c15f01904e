"""The messenger and chat directory ports: what every implementation must do (twin and DynamoDB alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.chats.directory import Chat
from chalicelib.clock import isoformat_utc
from chalicelib.messenger.port import ChatEdit, ChatIdTaken, NewChat, NewMember, read_position
from chalicelib.planning.diff import apply_changes, diff
from chalicelib.planning.model import ChatKind, ChatRole, MemberSource, roster_chat_id
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import Role
from tests.builders import sample_school
from tests.contract.conftest import ChatPorts

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SCHOOL = "school-1"


def sync(ports: ChatPorts, roster: object, now: datetime = T0) -> None:
    state = ports.messenger.load_school_state(SCHOOL)
    plan = plan_school(roster, state.followed_subject_classes())  # type: ignore[arg-type]
    ports.messenger.apply_roster_changes(state, diff(plan, state), now)


def custom_chat(ports: ChatPorts, chat_id: str = "ch_custom", digest: str | None = "d1") -> Chat:
    ports.messenger.create_chat(
        NewChat(chat_id, SCHOOL, ChatKind.CUSTOM, "Кружок", "t-1", request_digest=digest),
        [
            NewMember("t-1", "Учитель", Role.TEACHER, ChatRole.MODERATOR),
            NewMember("s-1", "Ученик 1", Role.STUDENT),
            NewMember("s-2", "Ученик 2", Role.STUDENT),
        ],
        T0,
    )
    found = ports.directory.lookup("t-1", chat_id).chat
    assert found is not None
    return found


def test_a_roster_sync_is_stored_as_apply_changes_says(ports: ChatPorts) -> None:
    roster = sample_school(SCHOOL, classes=2, students=3, parents_per_student=1)
    before = ports.messenger.load_school_state(SCHOOL)
    changes = diff(plan_school(roster, {}), before)
    ports.messenger.apply_roster_changes(before, changes, T0)
    assert ports.messenger.load_school_state(SCHOOL) == apply_changes(before, changes)

    smaller = sample_school(SCHOOL, classes=1, students=2, parents_per_student=1)
    state = ports.messenger.load_school_state(SCHOOL)
    changes = diff(plan_school(smaller, {}), state)
    ports.messenger.apply_roster_changes(state, changes, T0 + timedelta(hours=1))
    after = ports.messenger.load_school_state(SCHOOL)
    assert after == apply_changes(state, changes)
    chats = {chat.chat_id: chat for chat in ports.directory.school_chats(SCHOOL, 100, None).items}
    for chat_id, existing in after.chats.items():
        active = sum(1 for m in after.members.values() if m.chat_id == chat_id and m.active)
        assert chats[chat_id].archived is existing.archived
        assert chats[chat_id].member_count == (0 if existing.archived else active)
        assert chats[chat_id].managed_by_roster


def test_the_directory_pages_a_schools_chats_and_a_chats_members(ports: ChatPorts) -> None:
    sync(ports, sample_school(SCHOOL, classes=2, students=3, parents_per_student=1))
    seen, after = [], None
    while True:
        page = ports.directory.school_chats(SCHOOL, 2, after)
        seen += [chat.chat_id for chat in page.items]
        if page.after is None:
            break
        after = page.after
    assert seen == sorted(seen) and len(seen) == len(set(seen)) > 2

    class_chat = next(c for c in seen if ports.directory.lookup("x", c).chat.kind is ChatKind.CLASS)  # type: ignore[union-attr]
    members, after = [], None
    while True:
        member_page = ports.directory.members(class_chat, 2, after)
        members += [m.person_id for m in member_page.items]
        if member_page.after is None:
            break
        after = member_page.after
    assert members == sorted(members) and len(members) > 2
    assert set(ports.directory.memberships(class_chat, members[:2])) == set(members[:2])
    assert ports.directory.active_moderator_ids(class_chat)
    assert ports.directory.teaching_school_ids(
        next(iter(ports.directory.active_moderator_ids(class_chat)))
    ) == {SCHOOL}


def test_a_custom_chat_is_made_once_per_request(ports: ChatPorts) -> None:
    chat = custom_chat(ports)
    assert chat.member_count == 3 and not chat.managed_by_roster and chat.kind is ChatKind.CUSTOM
    again = NewChat("ch_custom", SCHOOL, ChatKind.CUSTOM, "Кружок", "t-1", request_digest="d1")
    assert ports.messenger.create_chat(again, [NewMember("s-3", "Ученик 3", Role.STUDENT)], T0) is False
    assert ports.directory.membership("ch_custom", "s-3") is not None  # the retry finished the rows
    other = NewChat("ch_custom", SCHOOL, ChatKind.CUSTOM, "Другой", "t-1", request_digest="d2")
    with pytest.raises(ChatIdTaken):
        ports.messenger.create_chat(other, [], T0)


def test_members_are_added_once_and_removed_once(ports: ChatPorts) -> None:
    chat = custom_chat(ports).as_existing()
    added = ports.messenger.add_members(
        chat, [NewMember("s-1", "Ученик 1", Role.STUDENT), NewMember("s-9", "Ученик 9", Role.STUDENT)], T0
    )
    assert added == ["s-9"]
    assert ports.messenger.remove_member(chat, "s-9", exclude=True, now=T0) is True
    assert ports.messenger.remove_member(chat, "s-9", exclude=True, now=T0) is False
    ended = ports.directory.membership("ch_custom", "s-9")
    assert ended is not None and not ended.active
    state = ports.messenger.load_chat_state(SCHOOL, "ch_custom")
    assert state.members[("ch_custom", "s-9")].excluded
    assert state.members[("ch_custom", "s-1")].source is MemberSource.MANUAL
    assert ports.directory.lookup("t-1", "ch_custom").chat.member_count == 3  # type: ignore[union-attr]
    assert [c.chat_id for _, c in ports.directory.chats_of("s-9", 10, None).items] == []


def test_edits_and_archiving_are_stored(ports: ChatPorts) -> None:
    custom_chat(ports)
    ports.messenger.edit_chat("ch_custom", ChatEdit(title="Новое", read_only=True))
    ports.messenger.archive_chat("ch_custom")
    chat = ports.directory.lookup("t-1", "ch_custom").chat
    assert chat is not None
    assert (chat.title, chat.title_locked, chat.read_only, chat.archived, chat.archived_by_user) == (
        "Новое",
        True,
        True,
        True,
        True,
    )
    ports.messenger.unarchive_chat("ch_custom")
    chat = ports.directory.lookup("t-1", "ch_custom").chat
    assert chat is not None and not chat.archived and not chat.archived_by_user


def test_a_send_is_idempotent_and_its_fan_out_moves_the_chat_up(ports: ChatPorts) -> None:
    first = custom_chat(ports, "ch_a")
    custom_chat(ports, "ch_b")
    ports.link("s-1")
    assert [c.chat_id for _, c in ports.directory.chats_of("s-1", 10, None).items] == ["ch_b", "ch_a"]

    sent = ports.messenger.post_message(
        first.as_existing(), "s-1", "Ученик 1", "привет", "c-1", T0 + timedelta(1)
    )
    retry = ports.messenger.post_message(
        first.as_existing(), "s-1", "Ученик 1", "привет", "c-1", T0 + timedelta(2)
    )
    assert sent.created and not retry.created and retry.message == sent.message
    # The send leaves lists as they were; the fan-out behind it moves the chat up.
    assert [c.chat_id for _, c in ports.directory.chats_of("s-1", 10, None).items] == ["ch_b", "ch_a"]
    reached = ports.lists.bring_up_to_date("ch_a", isoformat_utc(sent.message.sent_at))
    assert sorted(reached) == ["s-1", "s-2", "t-1"]
    page = ports.directory.chats_of("s-1", 1, None)
    assert page.linked and [c.chat_id for _, c in page.items] == ["ch_a"] and page.before is not None
    assert [c.chat_id for _, c in ports.directory.chats_of("s-1", 1, page.before).items] == ["ch_b"]
    shown = page.items[0][1].last_message
    assert shown is not None and shown.text == "привет"

    later = ports.directory.lookup("s-1", "ch_a").chat
    assert later is not None
    second = ports.messenger.post_message(
        later.as_existing(), "t-1", "Учитель", "ответ", None, T0 + timedelta(3)
    )
    newest = ports.messenger.list_messages("ch_a", 1, None)
    assert [m.message_id for m in newest.items] == [second.message.message_id] and newest.before is not None
    older = ports.messenger.list_messages("ch_a", 1, newest.before)
    assert [m.message_id for m in older.items] == [sent.message.message_id] and older.before is None

    deleted = ports.messenger.delete_message("ch_a", second.message.message_id, "t-1", T0 + timedelta(4))
    assert deleted.deleted and deleted.text == ""
    assert ports.messenger.get_message("ch_a", second.message.message_id) == deleted
    last = ports.directory.lookup("s-1", "ch_a").chat.last_message  # type: ignore[union-attr]
    assert last is not None and last.deleted and last.text == ""


def test_lookup_tells_linked_from_unlinked(ports: ChatPorts) -> None:
    custom_chat(ports)
    assert not ports.directory.lookup("s-1", "ch_custom").linked
    assert not ports.directory.is_linked("s-1")
    ports.link("s-1")
    found = ports.directory.lookup("s-1", "ch_custom")
    assert found.linked and ports.directory.is_linked("s-1")
    assert found.membership is not None and found.membership.person_role is Role.STUDENT
    missing = ports.directory.lookup("s-1", "ch_none")
    assert missing.chat is None and missing.membership is None


def test_a_link_carries_its_guardian_consent_and_students_know_their_schools(ports: ChatPorts) -> None:
    custom_chat(ports)
    assert ports.directory.link_consent("s-1") == (False, None)
    ports.link("s-1")
    ports.link("s-2", consent="pending")
    assert ports.directory.link_consent("s-1") == (True, None)
    assert ports.directory.link_consent("s-2") == (True, "pending")
    assert ports.directory.lookup("s-1", "ch_custom").consent is None
    assert ports.directory.lookup("s-2", "ch_custom").consent == "pending"
    assert ports.directory.chats_of("s-2", 10, None).consent == "pending"
    assert ports.directory.chats_of("s-1", 10, None).consent is None
    assert ports.directory.student_school_ids("s-1") == {SCHOOL}
    assert ports.directory.student_school_ids("t-1") == set()


def test_staff_room_membership_marks_administrators(ports: ChatPorts) -> None:
    sync(ports, sample_school(SCHOOL, classes=1, students=1, parents_per_student=1))
    staff = roster_chat_id(SCHOOL, ChatKind.STAFF, None)
    roles = {m.person_role for m in ports.directory.members(staff, 100, None).items}
    assert Role.ADMIN in roles


def test_read_positions_move_forward_only_and_count_what_others_wrote(ports: ChatPorts) -> None:
    chat = custom_chat(ports, "ch_r")
    sent = []
    for minutes, author in enumerate(["t-1", "s-1", "t-1", "s-2"], start=1):
        current = ports.directory.lookup("t-1", "ch_r").chat
        assert current is not None
        sent.append(
            ports.messenger.post_message(
                current.as_existing(), author, author, f"m{minutes}", None, T0 + timedelta(minutes=minutes)
            ).message
        )
    assert chat.chat_id == "ch_r"
    assert ports.messenger.count_unread("ch_r", "s-1", "") == 3  # every message but its own
    assert ports.messenger.count_unread("ch_r", "s-1", read_position(sent[1])) == 2

    ports.messenger.mark_read("ch_r", "s-1", read_position(sent[2]))
    ports.messenger.mark_read("ch_r", "s-1", read_position(sent[0]))  # older: no change
    member = ports.directory.membership("ch_r", "s-1")
    assert member is not None and member.read_up_to == read_position(sent[2])
    assert ports.messenger.count_unread("ch_r", "s-1", member.read_up_to) == 1

    ports.messenger.delete_message("ch_r", sent[3].message_id, "s-2", T0 + timedelta(hours=1))
    assert ports.messenger.count_unread("ch_r", "s-1", member.read_up_to) == 0

    ports.messenger.remove_member(chat.as_existing(), "s-2", exclude=False, now=T0 + timedelta(hours=2))
    ports.messenger.mark_read("ch_r", "s-2", read_position(sent[3]))  # an ended membership: not revived
    gone = ports.directory.membership("ch_r", "s-2")
    assert gone is not None and not gone.active and gone.read_up_to == ""


def test_a_reply_keeps_the_message_it_answers(ports: ChatPorts) -> None:
    chat = custom_chat(ports, "ch_r")
    asked = ports.messenger.post_message(chat.as_existing(), "s-1", "Ученик 1", "Когда экскурсия?", None, T0)
    answer = ports.messenger.post_message(
        chat.as_existing(), "t-1", "Учитель", "В пятницу", None, T0 + timedelta(1), asked.message.message_id
    )
    assert answer.message.reply_to == asked.message.message_id and asked.message.reply_to is None
    assert ports.messenger.get_message("ch_r", answer.message.message_id) == answer.message
    newest = ports.messenger.list_messages("ch_r", 1, None).items[0]
    assert newest.reply_to == asked.message.message_id
    # Deleting the answer keeps what it answered (a placeholder still shows where it stood).
    deleted = ports.messenger.delete_message("ch_r", answer.message.message_id, "t-1", T0 + timedelta(2))
    assert deleted.reply_to == asked.message.message_id


def test_a_sync_that_rewrites_a_membership_keeps_its_read_position(ports: ChatPorts) -> None:
    """A roster change to a member (a new name, a new role) must not make their chat unread again."""
    import dataclasses

    roster = sample_school(SCHOOL, classes=1, students=2, parents_per_student=1)
    sync(ports, roster)
    chat_id = roster_chat_id(SCHOOL, ChatKind.CLASS, f"{SCHOOL}-c0")
    pupil = f"{SCHOOL}-c0-s0"
    chat = ports.directory.lookup(pupil, chat_id).chat
    assert chat is not None
    sent = ports.messenger.post_message(
        chat.as_existing(), f"{SCHOOL}-c0-t", "Учитель", "домашнее задание", None, T0 + timedelta(minutes=1)
    ).message
    ports.messenger.mark_read(chat_id, pupil, read_position(sent))

    state = ports.messenger.load_school_state(SCHOOL)
    plan = plan_school(roster, state.followed_subject_classes())
    renamed = {
        key: dataclasses.replace(member, name="Новая Фамилия") if member.person_id == pupil else member
        for key, member in plan.members.items()
    }
    changes = diff(dataclasses.replace(plan, members=renamed), state)
    assert {m.person_id for m in changes.members_to_update} == {pupil}  # the row is rewritten
    ports.messenger.apply_roster_changes(state, changes, T0 + timedelta(hours=1))

    member = ports.directory.membership(chat_id, pupil)
    assert member is not None and member.active and member.name == "Новая Фамилия"
    assert member.read_up_to == read_position(sent)
    ports.link(pupil)
    listed = dict((c.chat_id, c) for _, c in ports.directory.chats_of(pupil, 10, None).items)
    assert chat_id in listed  # still in the person's list after the rewrite


def _send(ports: ChatPorts, chat_id: str, text: str, at: datetime) -> str:
    """Post into the chat as its teacher; the message's send time, as the fan-out queue carries it."""
    chat = ports.directory.lookup("t-1", chat_id).chat
    assert chat is not None
    sent = ports.messenger.post_message(chat.as_existing(), "t-1", "Учитель", text, None, at)
    return isoformat_utc(sent.message.sent_at)


def _order(ports: ChatPorts, person_id: str) -> list[str]:
    return [c.chat_id for _, c in ports.directory.chats_of(person_id, 10, None).items]


@pytest.mark.parametrize(
    "deliveries",
    [
        ["a1", "b", "a2"],  # in order
        ["a2", "b", "a1"],  # the older message of a arrives last
        ["b", "a2", "a1", "a2", "b", "a1"],  # duplicates, shuffled
        ["a1", "a1", "b", "b", "a2", "a2"],  # every delivery twice
    ],
)
def test_the_fan_out_converges_whatever_order_and_duplicates(ports: ChatPorts, deliveries: list[str]) -> None:
    custom_chat(ports, "ch_a")
    custom_chat(ports, "ch_b")
    ports.link("s-1")
    times = {
        "a1": _send(ports, "ch_a", "раз", T0 + timedelta(minutes=1)),
        "b": _send(ports, "ch_b", "два", T0 + timedelta(minutes=2)),
        "a2": _send(ports, "ch_a", "три", T0 + timedelta(minutes=3)),
    }
    chats = {"a1": "ch_a", "a2": "ch_a", "b": "ch_b"}
    for name in deliveries:
        ports.lists.bring_up_to_date(chats[name], times[name])
    assert _order(ports, "s-1") == ["ch_a", "ch_b"]  # a's newest message is the newest of all


def test_an_old_delivery_neither_moves_a_list_back_nor_revives_a_member(ports: ChatPorts) -> None:
    chat = custom_chat(ports, "ch_a")
    custom_chat(ports, "ch_b")
    ports.link("s-1")
    first = _send(ports, "ch_a", "раз", T0 + timedelta(minutes=1))
    ports.lists.bring_up_to_date("ch_b", _send(ports, "ch_b", "два", T0 + timedelta(minutes=2)))
    assert _order(ports, "s-1") == ["ch_b", "ch_a"]
    # A delivery is brought up to the chat's own last activity: a late, older message still counts.
    ports.messenger.remove_member(chat.as_existing(), "s-2", exclude=False, now=T0 + timedelta(minutes=3))
    ports.link("s-2")
    last = _send(ports, "ch_a", "три", T0 + timedelta(minutes=4))
    reached = ports.lists.bring_up_to_date("ch_a", first)  # the older message's delivery comes first
    assert sorted(reached) == ["s-1", "t-1"]  # the member who left is not reached
    assert _order(ports, "s-1") == ["ch_a", "ch_b"]
    assert _order(ports, "s-2") == ["ch_b"]  # and not put back in the chat
    ports.lists.bring_up_to_date("ch_a", last)
    assert _order(ports, "s-1") == ["ch_a", "ch_b"]
    assert ports.lists.bring_up_to_date("ch_none", last) == []


def test_a_member_who_leaves_and_comes_back_keeps_the_read_position(ports: ChatPorts) -> None:
    """Leaving and rejoining rewrite the row whole; the position the member had read to stays."""
    sync(ports, sample_school(SCHOOL, classes=1, students=2, parents_per_student=1))
    chat_id = roster_chat_id(SCHOOL, ChatKind.CLASS, f"{SCHOOL}-c0")
    pupil = f"{SCHOOL}-c0-s1"
    chat = ports.directory.lookup(pupil, chat_id).chat
    assert chat is not None
    sent = ports.messenger.post_message(
        chat.as_existing(), f"{SCHOOL}-c0-t", "Учитель", "задание", None, T0 + timedelta(minutes=1)
    ).message
    ports.messenger.mark_read(chat_id, pupil, read_position(sent))

    sync(ports, sample_school(SCHOOL, classes=1, students=1, parents_per_student=1), T0 + timedelta(days=1))
    gone = ports.directory.membership(chat_id, pupil)
    assert gone is not None and not gone.active and gone.read_up_to == read_position(sent)
    sync(ports, sample_school(SCHOOL, classes=1, students=2, parents_per_student=1), T0 + timedelta(days=2))
    back = ports.directory.membership(chat_id, pupil)
    assert back is not None and back.active and back.read_up_to == read_position(sent)
