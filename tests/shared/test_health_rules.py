"""Readiness and migrations: at head or ahead is ready (rolling updates), behind is not."""

from shared.health import migration_check
from shared.migrations import head_revision, older_revisions

OLDER = frozenset({"a1", "b2"})


def test_at_head_is_ready() -> None:
    assert migration_check("c3", "c3", OLDER) == "ok"


def test_a_newer_release_ahead_keeps_the_old_pods_ready() -> None:
    assert migration_check("d4-from-the-next-release", "c3", OLDER) == "ok"


def test_behind_or_empty_is_not_ready() -> None:
    assert migration_check("b2", "c3", OLDER) == "at b2, want c3"
    assert migration_check(None, "c3", OLDER) == "at None, want c3"


def test_every_service_knows_its_older_revisions() -> None:
    for service in ("clients", "staff", "kpi"):
        older = older_revisions(service)
        assert older, service
        assert head_revision(service) not in older
    assert "5d0c1a7e2b01" in older_revisions("clients")
