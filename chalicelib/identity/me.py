"""``GET /v1/me`` (SPEC §3, §6): who the journal user is by the rosters, and their link."""

from __future__ import annotations

from typing import Any

from chalicelib.chats.directory import ChatDirectory
from chalicelib.identity.linking import LinkService


def describe_me(person_id: str, service: LinkService, directory: ChatDirectory) -> dict[str, Any]:
    """``{"person_id", "name", "roles", "school_ids", "link"}``.

    Name, roles and schools come from the person's active chat memberships
    (the rosters' view of them); a person with no chats yet has no name and no
    roles, and can still link.
    """
    names: list[str] = []
    roles: set[str] = set()
    schools: set[str] = set()
    for membership in directory.person_memberships(person_id):
        if membership.name:
            names.append(membership.name)
        roles.add(membership.person_role.value)
        schools.add(membership.school_id)
    return {
        "person_id": person_id,
        "name": names[0] if names else None,
        "roles": sorted(roles),
        "school_ids": sorted(schools),
        "link": service.link_of(person_id),
    }
