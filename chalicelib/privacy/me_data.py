"""Export and erasure of what the service holds about the caller (SPEC §11, 152-FZ, GDPR Art. 15/17).

Export: the account (phone masked), the profile, the link, every chat the
person is or ever was in (left and archived ones too, with when they joined
and left; not a class or parents chat still waiting for its class teacher
— teacher first), every message they wrote (all of them: the stores page internally),
the reports they filed, the consent requests about them or to them, and the
audit records of what they did or what was done to them — each without other
people's data (another person's id in an audit record is left out, a consent
request shows no pupil's name, a report about them by someone else is the
reporter's data and is not exported).

Erasure: the account and its profile, the link, hosted-page sessions, QR
sign-in links, link sessions, throttling records, the consent requests about
them and every file the person attached (SPEC §10) go; the person's messages
stay in their chats as placeholders without text, signed «Удалённый
пользователь»; the reports about their messages are deleted (what they point
at has no text any more), and the reports they filed stay for the moderators
but anonymous (``ERASED_REPORTER``, no reason); each school the person belongs
to gets one ``erased`` audit record. The old password then signs nobody in:
the account it belonged to is gone.
Nothing is found by Scan (``store.privacy``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.identity import throttle
from chalicelib.identity.linking import password_run_key
from chalicelib.identity.links import remove_link
from chalicelib.identity.phone import mask_phone
from chalicelib.privacy.records import PastSeat
from chalicelib.safety.audit import NO_SCHOOL, ActorKind, AuditAction, AuditEntry
from chalicelib.safety.consent import ConsentRequest
from chalicelib.safety.reports import ERASED_REPORTER
from chalicelib.store import privacy as store

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

DELETED_USER_NAME = "Удалённый пользователь"


def export_data(services: Services, person_id: str) -> dict[str, Any]:
    """Everything held about the person, as JSON (phone masked: the export may be shown on a screen)."""
    link = services.links.find(person_id)
    account = services.identity_provider.account(link.account_id) if link is not None else None
    seats = _visible_seats(services, store.seats_of(person_id))
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
                "archived": seat.chat.archived,
                "active": seat.active,
                "chat_role": seat.membership.chat_role.value,
                "name": seat.membership.name,
                "joined_at": isoformat_utc(seat.joined_at) if seat.joined_at else None,
                "left_at": isoformat_utc(seat.left_at) if seat.left_at and not seat.active else None,
            }
            for seat in seats
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
        "reports": [
            {
                "id": report.report_id,
                "chat_id": report.chat_id,
                "message_id": report.message_id,
                "reason": report.reason,
                "created_at": isoformat_utc(report.created_at),
                "status": report.status.value,
            }
            for report in services.reports.filed_by(person_id)
        ],
        "consents": [_consent_json(request, person_id) for request in services.consents.involving(person_id)],
        "audit": [_audit_json(entry, person_id) for entry in services.audit_log.about_person(person_id)],
    }


def _visible_seats(services: Services, seats: list[PastSeat]) -> list[PastSeat]:
    """The seats whose chats the person may see: a class or parents chat still waiting for its class
    teacher (teacher first, SPEC §10) is not revealed to its pupils and parents, here as nowhere else."""
    shown = services.school_rules.visible_items([(seat.membership, seat.chat) for seat in seats])
    kept = {id(membership) for membership, _ in shown}
    return [seat for seat in seats if id(seat.membership) in kept]


def _consent_json(request: ConsentRequest, person_id: str) -> dict[str, Any]:
    """A consent request as the person's export shows it: their side of it, no other person's name."""
    return {
        "id": request.consent_id,
        "role": "pupil" if request.pupil_id == person_id else "guardian",
        "school_id": request.school_id,
        "requested_at": isoformat_utc(request.requested_at),
        "status": request.status.value,
    }


def _audit_json(entry: AuditEntry, person_id: str) -> dict[str, Any]:
    """An audit record about the person: another person's id (actor or target) is left out."""
    return {
        "school_id": entry.school_id,
        "action": entry.action.value,
        "actor_kind": entry.actor_kind.value,
        "actor_id": entry.actor_id if entry.actor_id == person_id else None,
        "target_id": entry.target_id if entry.target_id == person_id else None,
        "chat_id": entry.chat_id,
        "message_id": entry.message_id,
        "at": isoformat_utc(entry.at),
    }


def erase(services: Services, person_id: str) -> None:
    """Erase the person's account and everything tied to it (see the module docstring). Idempotent."""
    now = services.clock.now()
    schools = sorted({seat.chat.school_id for seat in store.memberships_of(person_id)}) or [NO_SCHOOL]
    services.reports.anonymise_reporter(person_id, ERASED_REPORTER)
    services.consents.delete_about_pupil(person_id)
    link = services.links.find(person_id)
    phone = None
    if link is not None:
        account = services.identity_provider.account(link.account_id)
        phone = account.phone if account is not None else None
        remove_link(services.links, person_id)
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
    written: dict[str, set[str]] = {}
    for message in store.own_messages(person_id):
        store.scrub_message(message.chat_id, message.message_id, DELETED_USER_NAME, now)
        written.setdefault(message.chat_id, set()).add(message.message_id)
    for chat_id, message_ids in sorted(written.items()):
        services.reports.delete_about(chat_id, message_ids)
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
