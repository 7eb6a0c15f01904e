"""The services' ports that share one store in production share it on the twins too.

``bootstrap.build_services`` reads a school's roster for the chats (``Services.rosters``,
``S3Rosters`` behind ``CachedRosters``) from the bucket the sync saves it to
(``Services.roster_files``, ``S3RosterFiles``). ``tests.twins.twin_services`` once gave
the chats their own roster dict, so a roster a sync (or ``install_roster``) saved was
never seen by them: "only a teacher of the school can create chats" on the twins, while
DynamoDB let the same teacher in. Both are built here and held to the same answers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.builders import sample_school

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["twins", pytest.param("dynamodb", marks=pytest.mark.emulator)])
def services(request: pytest.FixtureRequest) -> Any:
    """The twins' services (nothing may reach AWS), then the production ones on the emulator."""
    if request.param == "twins":
        from tests.twins import twin_services

        request.getfixturevalue("no_aws")
        return twin_services(NOW)
    from chalicelib.bootstrap import build_services
    from chalicelib.config import settings

    request.getfixturevalue("aws")
    return build_services(settings())


def applied(services: Any, roster: Any, import_id: str) -> None:
    """What a sync records once it applied ``roster``: the file, then the fingerprint."""
    key = services.roster_files.save_roster(roster)
    services.schools.record_applied(
        roster.school_id,
        fingerprint=services.roster_files.roster_fingerprint(roster),
        roster_key=key,
        import_id=import_id,
        uploaded_at=None,
        now=NOW,
    )


def test_the_chats_read_the_roster_the_sync_saved_and_then_its_successor(services: Any) -> None:
    assert services.rosters.load_roster("school-1") is None
    first = sample_school("school-1", classes=1, students=2)
    applied(services, first, "imp-1")
    assert services.rosters.load_roster("school-1") == first
    assert services.rosters.load_roster("school-1") == first  # kept while the fingerprint stands
    renamed = replace(first, school_name="Школа № 1 (новое имя)")
    applied(services, renamed, "imp-2")
    assert services.rosters.load_roster("school-1") == renamed
    assert services.rosters.load_roster("school-2") is None
