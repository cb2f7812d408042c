"""The per-process stand-in roster: it may skip a query, never grant or keep access."""

from __future__ import annotations

from datetime import date, timedelta

from shared.org_copy.roster import StandInRoster

DAY = date(2026, 12, 7)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Table:
    """The stand-ins per day, and how often the roster asked."""

    def __init__(self) -> None:
        self.by_day: dict[date, frozenset[int]] = {}
        self.loads = 0

    async def load(self, day: date) -> frozenset[int]:
        self.loads += 1
        return self.by_day.get(day, frozenset())


async def test_one_load_answers_every_caller_of_the_day() -> None:
    table, roster = Table(), StandInRoster(ttl_seconds=30, clock=Clock())
    table.by_day[DAY] = frozenset({7})
    answers = [await roster.includes(who, DAY, table.load) for who in (7, 8, 9, 7)]
    assert answers == [True, False, False, True]
    assert table.loads == 1


async def test_a_new_day_reloads_so_access_ends_by_itself() -> None:
    table, roster = Table(), StandInRoster(ttl_seconds=3600, clock=Clock())
    table.by_day[DAY] = frozenset({7})
    assert await roster.includes(7, DAY, table.load)
    assert not await roster.includes(7, DAY + timedelta(days=1), table.load)
    assert table.loads == 2


async def test_a_stand_in_named_elsewhere_is_seen_within_the_ttl() -> None:
    clock = Clock()
    table, roster = Table(), StandInRoster(ttl_seconds=30, clock=clock)
    assert not await roster.includes(7, DAY, table.load)
    table.by_day[DAY] = frozenset({7})
    clock.now = 29.9
    assert not await roster.includes(7, DAY, table.load)
    clock.now = 30.0
    assert await roster.includes(7, DAY, table.load)


async def test_forget_reloads_at_once() -> None:
    table, roster = Table(), StandInRoster(ttl_seconds=3600, clock=Clock())
    assert not await roster.includes(7, DAY, table.load)
    table.by_day[DAY] = frozenset({7})
    roster.forget()
    assert await roster.includes(7, DAY, table.load)
