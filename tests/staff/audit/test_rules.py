"""The merge of the audit search across services (services.staff.audit.rules): pages read
each service from where the last one stopped, so the merged list is in order and holds
every entry once, whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.staff.audit.rules import (
    Batch,
    Positions,
    merge_page,
    newest_first,
    next_cursor,
    read_cursor,
)
from shared.errors import BadRequest
from shared.pagination import encode_cursor

SERVICES = ("clients", "staff", "kpi")
START = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    id: int
    occurred_at: datetime
    service: str


def log_of(service: str, gaps: list[int]) -> list[Entry]:
    """A service's log, newest first: ids grow with time (equal instants allowed)."""
    entries, at = [], START
    for number, gap in enumerate(gaps, start=1):
        at += timedelta(seconds=gap)
        entries.append(Entry(number * 3, at, service))  # ids with holes, like rolled-back rows
    return list(reversed(entries))


def fetch(log: list[Entry], position: int | None, limit: int) -> Batch[Entry]:
    """What the service answers after ``position`` (its own keyset page)."""
    older = [e for e in log if position is None or e.id < position][:limit]
    return Batch(log[0].service if log else "", older, len(older) == limit)


def search(logs: dict[str, list[Entry]], limit: int) -> list[list[Entry]]:
    """Every page of the merged search, following the cursors as a client would."""
    pages: list[list[Entry]] = []
    cursor: str | None = None
    names = list(logs)
    for _ in range(1000):
        positions = read_cursor(cursor, names)
        batches = []
        for name in names:
            if name in positions and positions[name] is None:
                continue
            batch = fetch(logs[name], positions.get(name), limit)
            batches.append(Batch(name, batch.entries, batch.full))
        page, after = merge_page(batches, positions, limit)
        pages.append(page)
        cursor = next_cursor(after, names)
        if cursor is None:
            return pages
    raise AssertionError("the search never ended")


gaps = st.lists(st.integers(min_value=0, max_value=5), max_size=25)


@settings(max_examples=300, deadline=None)
@given(
    clients=gaps,
    staff=gaps,
    kpi=gaps,
    limit=st.integers(min_value=1, max_value=12),
    only=st.sets(st.sampled_from(SERVICES), min_size=1),
)
def test_merged_pages_are_in_order_and_hold_every_entry_once(
    clients: list[int], staff: list[int], kpi: list[int], limit: int, only: set[str]
) -> None:
    all_logs = {"clients": log_of("clients", clients), "staff": log_of("staff", staff)}
    all_logs["kpi"] = log_of("kpi", kpi)
    logs = {name: log for name, log in all_logs.items() if name in only}
    pages = search(logs, limit)
    merged = [entry for page in pages for entry in page]
    expected = sorted(
        (e for log in logs.values() for e in log),
        key=lambda e: newest_first(e.service, e),
        reverse=True,
    )
    assert merged == expected
    assert all(len(page) <= limit for page in pages)
    # Only the last page may be short, and an empty page only when nothing matched at all.
    assert all(len(page) == limit for page in pages[:-1])
    assert pages[-1] or not merged or len(merged) % limit == 0


def test_a_service_with_nothing_more_is_marked_done() -> None:
    log = log_of("kpi", [1, 1])
    page, after = merge_page([Batch("kpi", log, False)], {}, 5)
    assert page == log and after == {"kpi": None}
    assert next_cursor(after, ["kpi"]) is None


def test_a_full_service_keeps_its_position_when_another_fills_the_page() -> None:
    older = [Entry(2, START, "clients"), Entry(1, START, "clients")]
    newer = [Entry(9, START + timedelta(hours=1), "kpi")]
    page, after = merge_page([Batch("clients", older, True), Batch("kpi", newer, True)], {}, 1)
    assert page == newer
    assert after == {"kpi": 9}  # clients shown nothing yet: read from its newest next time
    assert read_cursor(next_cursor(after, ["clients", "kpi"]), ["clients", "kpi"]) == after


@pytest.mark.parametrize(
    "position",
    [{"payroll": 3}, {"kpi": 0}, {"kpi": "3"}, {"kpi": 2_147_483_648}, {"kpi": True}],
)
def test_a_cursor_this_search_did_not_make_is_refused(position: dict[str, object]) -> None:
    with pytest.raises(BadRequest):
        read_cursor(encode_cursor(position), list(SERVICES))


def test_positions_survive_the_cursor() -> None:
    positions: Positions = {"clients": 17, "kpi": None}
    assert read_cursor(next_cursor(positions, list(SERVICES)), list(SERVICES)) == positions
