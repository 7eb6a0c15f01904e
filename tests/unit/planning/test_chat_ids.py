"""Deterministic chat ids: one chat per (school, kind, class), whatever the sync, retry or redelivery."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.planning.model import ChatKind, roster_chat_id
from tests.unit.planning.strategies import PLANNING

CLASS_KINDS = [ChatKind.CLASS, ChatKind.PARENTS, ChatKind.SUBJECT]
# Ids come from uploaded files: include the separator and escape characters a
# naive encoding would confuse.
ids = st.text(alphabet=st.sampled_from("ab5А\x1e\x1f\\|:"), max_size=8)
roster_chats = st.one_of(
    st.tuples(ids, st.just(ChatKind.STAFF), st.none()),
    st.tuples(ids, st.sampled_from(CLASS_KINDS), ids),
)


def test_ids_are_pinned() -> None:
    """Stored chats are found by these ids: changing the derivation would orphan every chat."""
    assert roster_chat_id("s1", ChatKind.STAFF, None) == "ch_smrvmjdvyygvlyrwj4pjby7e"
    assert roster_chat_id("s1", ChatKind.CLASS, "5a") == "ch_thgv2uidfvm7v7bmtjgfv5ji"


@given(roster_chats)
@PLANNING
def test_same_school_kind_and_class_give_the_same_id(chat: tuple[str, ChatKind, str | None]) -> None:
    first = roster_chat_id(*chat)
    assert first == roster_chat_id(*chat)
    assert re.fullmatch(r"ch_[a-z2-7]{24}", first)


@given(roster_chats, roster_chats)
@PLANNING
def test_different_chats_get_different_ids(
    one: tuple[str, ChatKind, str | None], other: tuple[str, ChatKind, str | None]
) -> None:
    assert (roster_chat_id(*one) == roster_chat_id(*other)) == (one == other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(("s1", ChatKind.CLASS, "5a"), ("s2", ChatKind.CLASS, "5a"), id="school"),
        pytest.param(("s1", ChatKind.CLASS, "5a"), ("s1", ChatKind.PARENTS, "5a"), id="class-vs-parents"),
        pytest.param(("s1", ChatKind.CLASS, "5a"), ("s1", ChatKind.SUBJECT, "5a"), id="class-vs-subject"),
        pytest.param(("s1", ChatKind.CLASS, "5a"), ("s1", ChatKind.CLASS, "5b"), id="class"),
        pytest.param(("s1", ChatKind.CLASS, ""), ("s1", ChatKind.STAFF, None), id="blank-class-vs-staff"),
        pytest.param(
            ("a", ChatKind.CLASS, "p\x1fparents\x1fc"),
            ("a\x1fclass\x1fp", ChatKind.PARENTS, "c"),
            id="separator-inside-ids",
        ),
        pytest.param(("a\x1e", ChatKind.CLASS, "b"), ("a", ChatKind.CLASS, "\x1eb"), id="escape-inside-ids"),
    ],
)
def test_ids_differ(one: tuple[str, ChatKind, str | None], other: tuple[str, ChatKind, str | None]) -> None:
    assert roster_chat_id(*one) != roster_chat_id(*other)


@pytest.mark.parametrize(
    ("kind", "class_id"),
    [
        pytest.param(ChatKind.CUSTOM, None, id="custom"),
        pytest.param(ChatKind.CUSTOM, "5a", id="custom-with-class"),
        pytest.param(ChatKind.STAFF, "5a", id="staff-with-class"),
        pytest.param(ChatKind.CLASS, None, id="class-without-class"),
        pytest.param(ChatKind.PARENTS, None, id="parents-without-class"),
        pytest.param(ChatKind.SUBJECT, None, id="subject-without-class"),
    ],
)
def test_rejects_what_has_no_roster_identity(kind: ChatKind, class_id: str | None) -> None:
    with pytest.raises(ValueError):
        roster_chat_id("s1", kind, class_id)
