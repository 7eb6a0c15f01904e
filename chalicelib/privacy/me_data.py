"""Export and erasure of what the service holds about the caller (SPEC §11, 152-FZ, GDPR Art. 15/17).

Export: the account (phone masked), the profile, the link, the chats the
person is in, and their own messages. Erasure: the account and its profile,
the link, hosted-page sessions, QR sign-in links, link sessions, throttling
records and every file the person attached (SPEC §10) go; the person's
messages stay in their chats as placeholders without text, signed
«Удалённый пользователь»; each school the person belongs to gets one
``erased`` audit record. The old password then signs nobody in: the account
it belonged to is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.identity import throttle
from chalicelib.identity.linking import password_run_key
from chalicelib.identity.links import find_link, remove_link
from chalicelib.identity.phone import mask_phone
from chalicelib.safety.audit import NO_SCHOOL, ActorKind, AuditAction, AuditEntry
from chalicelib.store import privacy as store

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

DELETED_USER_NAME = "Удалённый пользователь"


def export_data(services: Services, person_id: str) -> dict[str, Any]:
    """Everything held about the person, as JSON (phone masked: the export may be shown on a screen)."""
    link = find_link(person_id)
    account = services.identity_provider.account(link.account_id) if link is not None else None
    memberships = store.memberships_of(person_id)
    messages = store.own_messages(person_id)
    return {
        "person_id": person_id,
        "account": None
        if account is None
        else {"id": account.account_id, "phone_masked": mask_phone(account.phone)},
        "profile": account.profile.to_json() if account is not None and account.profile else None,
        "link": None
        if link is None
        else {"profile_id": link.profile_id, "linked_at": isoformat_utc(link.linked_at)},
        "chats": [
            {
                "id": seat.chat.chat_id,
                "kind": seat.chat.kind.value,
                "title": seat.chat.title,
                "school_id": seat.chat.school_id,
                "chat_role": seat.membership.chat_role.value,
                "name": seat.membership.name,
                "joined_at": isoformat_utc(seat.joined_at) if seat.joined_at else None,
            }
            for seat in memberships
        ],
        "attachments": [
            {
                "id": a.attachment_id,
                "chat_id": a.chat_id,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "message_id": a.message_id,
                "created_at": isoformat_utc(a.created_at),
            }
            for a in services.attachment_records.of_uploader(person_id)
        ],
        "messages": [
            {
                "id": m.message_id,
                "chat_id": m.chat_id,
                "text": "" if m.deleted else m.text,
                "sent_at": isoformat_utc(m.sent_at),
                "deleted": m.deleted,
            }
            for m in messages
        ],
    }


def erase(services: Services, person_id: str) -> None:
    """Erase the person's account and everything tied to it (see the module docstring). Idempotent."""
    now = services.clock.now()
    schools = sorted({seat.chat.school_id for seat in store.memberships_of(person_id)}) or [NO_SCHOOL]
    link = find_link(person_id)
    phone = None
    if link is not None:
        account = services.identity_provider.account(link.account_id)
        phone = account.phone if account is not None else None
        remove_link(person_id)
    if phone is not None:
        store.delete_account(phone)
    store.delete_person_sessions(person_id)
    keys = [throttle.subject_key(kind, person_id) for kind in ("sms-person", "password-person", "qr-person")]
    if phone is not None:
        keys += [throttle.subject_key(kind, phone) for kind in ("sms-phone", "password-phone")]
        # The (phone, journal user) rows: SMS to the pair and the pair's run of wrong passwords.
        keys += [
            throttle.subject_key("sms-pair", f"{phone}\n{person_id}"),
            password_run_key(phone, person_id),
        ]
    store.delete_counters(keys)
    services.attachments(settings()).erase_uploader(person_id)
    for message in store.own_messages(person_id):
        store.scrub_message(message.chat_id, message.message_id, DELETED_USER_NAME, now)
    for school_id in schools:
        services.audit_log.record(
            AuditEntry(
                school_id=school_id,
                action=AuditAction.ERASED,
                actor_id=person_id,
                actor_kind=ActorKind.PERSON,
                at=now,
                target_id=person_id,
            )
        )
