"""The timeline's keyset, as a pure model of its query: each source cut below the cursor
by :func:`bound_for` and limited to the page size, the union ordered and cut again. Pages
concatenated are the whole ordered list, with no repeat and no gap, however many entries
share an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.timeline.rules import (
    Bound,
    Position,
    bound_for,
    comes_after,
    decode_position,
    encode_position,
    entry_title,
)
from shared.errors import BadRequest
from shared.pagination import encode_cursor

KINDS = ("contact_change", "note", "opportunity", "ticket", "visit")
START = datetime(2026, 11, 1, tzinfo=UTC)

positions = st.lists(
    st.builds(
        Position,
        # few instants, so many entries tie on the instant (one transaction's now())
        st.integers(0, 3).map(lambda n: START + timedelta(seconds=n)),
        st.sampled_from(KINDS),
        st.integers(1, 40),
    ),
    max_size=40,
    unique_by=lambda p: (p.kind, p.id),  # an id is unique within its source
)


def one_page(entries: list[Position], after: Position | None, limit: int) -> list[Position]:
    """What the query returns: per source, its ``limit`` newest below the cursor; then the
    union's ``limit`` newest."""
    union: list[Position] = []
    for kind in KINDS:
        source = [e for e in entries if e.kind == kind]
        if after is not None:
            bound = bound_for(kind, after)
            source = [e for e in source if comes_after(e, after, bound)]
        union += sorted(source, key=lambda e: (e.occurred_at, e.id), reverse=True)[:limit]
    return sorted(union, reverse=True)[:limit]


@given(positions, st.integers(1, 6))
def test_pages_concatenated_are_the_whole_ordered_list(entries: list[Position], limit: int) -> None:
    seen: list[Position] = []
    after = None
    for _ in range(len(entries) + 2):
        page = one_page(entries, after, limit)
        seen += page
        if len(page) < limit:
            break
        after = decode_position(encode_position(page[-1]), frozenset(KINDS))
    assert seen == sorted(entries, reverse=True)


@given(st.sampled_from(KINDS), st.sampled_from(KINDS))
def test_the_bound_compares_kinds_as_the_order_does(kind: str, cursor_kind: str) -> None:
    after = Position(START, cursor_kind, 5)
    same_instant = Position(START, kind, 9)
    assert comes_after(same_instant, after, bound_for(kind, after)) == (same_instant < after)
    assert bound_for(kind, after) is (
        Bound.AT_OR_BEFORE if kind < cursor_kind else
        Bound.BEFORE_BY_ID if kind == cursor_kind else Bound.BEFORE
    )  # fmt: skip


def test_a_cursor_round_trips_and_a_foreign_one_is_a_400() -> None:
    position = Position(START + timedelta(microseconds=7), "note", 12)
    assert decode_position(encode_position(position), frozenset(KINDS)) == position
    assert decode_position(None, frozenset(KINDS)) is None
    for foreign in (
        encode_cursor({"id": 42}),
        encode_cursor({"at": START.isoformat(), "kind": "gossip", "id": 1}),
        encode_cursor({"at": "2026-11-01T00:00:00", "kind": "note", "id": 1}),
        encode_cursor({"at": "yesterday", "kind": "note", "id": 1}),
        "not base64 at all!",
    ):
        with pytest.raises(BadRequest):
            decode_position(foreign, frozenset(KINDS))


def test_titles_follow_the_language() -> None:
    assert entry_title("ticket_opened", "变电站跳闸", "zh-CN") == "新建工单：变电站跳闸"
    assert entry_title("ticket_opened", "变电站跳闸", "en") == "Ticket opened: 变电站跳闸"
    assert entry_title("owner_changed", None, "en") == "Owner changed"
