"""What a school's settings change in the chats (SPEC §10), on the ports it is given.

:class:`SchoolRules` is built per use (``bootstrap.Services.school_rules``, and
inside ``Services.chats``): it remembers the settings it read for the length of
one request, so a check that reads them twice pays once.

* ``ChatService.open_chat`` asks :meth:`SchoolRules.require_visible` and
  ``ChatService.list_chats`` :meth:`SchoolRules.visible_items`: a class or
  parents chat waiting for its class teacher does not exist for its pupils and
  parents (404, as for any chat they are not in). Only a pupil or parent in
  such a chat that nobody opened yet costs a read of the settings.
* ``ChatService.send_message`` asks :meth:`SchoolRules.require_posting_open`:
  outside the posting hours a non-moderator's post to a parents chat is a 403
  ``quiet-hours`` whose Russian ``detail`` says when posting opens; the chat
  shape says it before anyone tries (:meth:`SchoolRules.closed_for_posting`).
* :meth:`SchoolRules.open_for_pupils` — the class teacher's «Открыть чат».
* :meth:`SchoolRules.change` — the school's administrators and operators
  change the settings (the route checks the back office first); every change
  is one audit record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from chalicelib.chats import access
from chalicelib.chats.access import ChatAccess
from chalicelib.chats.directory import Chat, Membership
from chalicelib.clock import Clock, isoformat_utc
from chalicelib.errors import Conflict, NotFound, QuietHours
from chalicelib.identity.journal_token import Caller
from chalicelib.safety.audit import ActorKind, AuditAction, AuditLog, actor_kind_of, write_audit
from chalicelib.schools.settings import (
    HELD_KINDS,
    ClosedForPosting,
    SchoolSettings,
    SchoolSettingsStore,
    SettingsChange,
    apply_change,
    closed_for_posting,
    hidden_from,
    may_wait,
    quiet_hours_apply,
    waits_for_teacher,
)

SAVE_ATTEMPTS = 5


class SchoolRules:
    """Teacher first, quiet hours and the settings behind them."""

    def __init__(
        self,
        store: SchoolSettingsStore,
        clock: Clock,
        audit_log: AuditLog,
        on_opened: Callable[[Chat], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.audit_log = audit_log
        # Told once of each chat its class teacher opens (its members' pages learn it live, SPEC §10).
        self.on_opened = on_opened
        self._read: dict[str, SchoolSettings] = {}

    def settings(self, school_id: str) -> SchoolSettings:
        """The school's settings (read once per :class:`SchoolRules`)."""
        if school_id not in self._read:
            self._read[school_id] = self.store.load(school_id)
        return self._read[school_id]

    # --- settings -----------------------------------------------------------------------

    def change(self, caller: Caller, school_id: str, change: SettingsChange) -> SchoolSettings:
        """Apply a change (the caller's back-office access is checked by the route); one audit record
        per change that changed something. Retried on a concurrent change, so neither is lost."""
        for _ in range(SAVE_ATTEMPTS):
            current = self.store.load(school_id)
            now = self.clock.now()
            updated = apply_change(current, change, caller.person_id, now)
            if updated is current:
                return current
            if self.store.save(updated, current.version):
                self._read[school_id] = updated
                write_audit(
                    self.audit_log,
                    now,
                    school_id,
                    AuditAction.SETTINGS_CHANGED,
                    caller.person_id,
                    actor_kind_of(caller, as_school=True),
                )
                return updated
        raise Conflict("The school's settings are being changed by someone else; try again.")

    # --- teacher first ------------------------------------------------------------------

    def require_visible(self, seen: ChatAccess) -> None:
        """404 for a pupil or parent in a chat that waits for its class teacher (as for no chat at all)."""
        chat, membership = seen.chat, seen.membership
        if may_wait(chat, membership) and hidden_from(chat, membership, self.settings(chat.school_id)):
            raise NotFound("No such chat.")

    def visible_items(self, items: Sequence[tuple[Membership, Chat]]) -> list[tuple[Membership, Chat]]:
        """A chat list without the chats that wait for their class teacher (one read of settings,
        only when the page holds a chat that could be waiting)."""
        waiting = {chat.school_id for row, chat in items if may_wait(chat, row)}
        unread = waiting - set(self._read)
        if unread:
            self._read.update(self.store.load_many(unread))
        return [
            (row, chat)
            for row, chat in items
            if chat.school_id not in waiting or not hidden_from(chat, row, self._read[chat.school_id])
        ]

    def holds_back(self, chat: Chat) -> bool:
        """Whether the chat is hidden from its pupils and parents now (teacher first; settings read only
        for an unopened class or parents chat)."""
        if chat.kind not in HELD_KINDS or chat.opened_at is not None:
            return False
        return waits_for_teacher(chat, self.settings(chat.school_id))

    def awaits_opening(self, opened: ChatAccess) -> bool:
        """Whether the caller could press «Открыть чат»: a moderator of a chat its pupils and parents
        do not see yet."""
        chat = opened.chat
        if not opened.is_moderator or chat.kind not in HELD_KINDS or chat.opened_at is not None:
            return False
        return waits_for_teacher(chat, self.settings(chat.school_id))

    def open_for_pupils(self, opened: ChatAccess) -> ChatAccess:
        """«Открыть чат»: the class teacher (a moderator) shows a class or parents chat to its pupils and
        parents. Opening again changes nothing; the first opening is audited."""
        access.require_moderator(opened)
        chat = opened.chat
        if chat.kind not in HELD_KINDS:
            raise Conflict("Only class and parents chats wait for their class teacher.")
        if chat.opened_at is not None:
            return opened
        now = self.clock.now()
        opened_at = self.store.mark_opened(chat.chat_id, now)
        if opened_at is None:
            raise NotFound("No such chat.")
        if opened_at == now:
            write_audit(
                self.audit_log,
                now,
                chat.school_id,
                AuditAction.CHAT_OPENED,
                opened.caller.person_id,
                ActorKind.MODERATOR,
                chat_id=chat.chat_id,
            )
            if self.on_opened is not None:
                self.on_opened(dataclasses.replace(chat, opened_at=opened_at))
        return dataclasses.replace(opened, chat=dataclasses.replace(chat, opened_at=opened_at))

    # --- quiet hours ----------------------------------------------------------------------

    def posting_closed(self, opened: ChatAccess) -> QuietHours | None:
        """Why the caller may not post now (quiet hours in a parents chat, not a moderator), or None."""
        closed = self.closed_for_posting([(opened.membership, opened.chat)]).get(opened.chat.chat_id)
        if closed is None:
            return None
        return QuietHours(closed.text, opens_at=isoformat_utc(closed.opens_at))

    def closed_for_posting(
        self, items: Sequence[tuple[Membership | None, Chat]]
    ) -> dict[str, ClosedForPosting]:
        """The chats quiet hours close to their member now, by chat id: when each opens and the text.

        The chat shape's ``posting_opens_at``/``posting_notice`` come from here,
        so pages say it before anyone tries. Settings are read (once per school)
        only for parents chats the caller does not moderate.
        """
        schools = {chat.school_id for row, chat in items if quiet_hours_apply(chat, row)}
        unread = schools - set(self._read)
        if unread:
            self._read.update(self.store.load_many(unread))
        now = self.clock.now()
        found: dict[str, ClosedForPosting] = {}
        for row, chat in items:
            if chat.school_id in schools and quiet_hours_apply(chat, row):
                closed = closed_for_posting(self._read[chat.school_id], now)
                if closed is not None:
                    found[chat.chat_id] = closed
        return found

    def require_posting_open(self, opened: ChatAccess) -> None:
        """403 ``quiet-hours`` outside the school's posting hours (parents chats, non-moderators)."""
        closed = self.posting_closed(opened)
        if closed is not None:
            raise closed
