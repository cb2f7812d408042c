"""Benchmark: a team lead's work inbox (``GET /v1/me/inbox``) with stand-in duties.

    .venv/bin/python -m bench.inbox                 # 1,000 people, 100 items each
    .venv/bin/python -m bench.inbox --quick         # 200 people, 20 each, shorter loads

1. A fresh database, migrated; the org tree (bench/org.py) and two years of work items for
   everyone (``--items`` per person: a fifth open, the rest done, dismissed or snoozed),
   with due times on the hour (many ties) and a tenth without one; the team lead of the
   largest team has ``--own-open`` open items of his own and stands in today for
   ``--absent`` of his members (each with ``--absent-open`` open items), beside stand-ins
   of others that ended or were cancelled. All loaded with binary COPY (bench/harness.py).
2. The four real processes with production settings.
3. Through the gateway, as the team lead: his inbox's first page of 50 and a page 90 % down
   (its cursor made from the loaded rows), each checked once against the loaded rows (the
   items, in order by due time then id, none last, and the badge counts per kind), then
   wrk at 1 and 50 connections for ``--seconds`` each.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench import harness
from bench.activity import SHANGHAI
from bench.bulk import columns, copy, load_in_bulk
from bench.kpi_cycle import BENCH_PASSWORD
from bench.org import Org, Person, load_org, org_tree
from deploy.processes import Stack
from services.staff.identity.secrets import hash_password
from services.staff.inbox.kinds import WorkItemKind
from shared.auth.tokens import SigningKey
from shared.pagination import encode_cursor

QUICK = {"employees": 200, "items": 20, "own_open": 150, "absent_open": 60, "requests": 20,
         "seconds": 3}  # fmt: skip
PAGE = 50
ITEM_COLUMNS = columns(
    "id source_service source_key employee_id kind title due_at account_id account_name "
    "record_path severity state snoozed_until created_at updated_at"
)
STAND_IN_COLUMNS = columns(
    "id absent_employee_id stand_in_employee_id starts_on ends_on note named_by cancelled_at "
    "version"
)
KINDS = [kind.value for kind in WorkItemKind]
Row = tuple[Any, ...]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    made = harness.parser("python -m bench.inbox", __doc__, under_load=True)
    made.add_argument("--items", type=int, default=100, help="work items per person, 2 years")
    made.add_argument("--own-open", type=int, default=400, help="the lead's own open items")
    made.add_argument("--absent", type=int, default=3, help="members he stands in for today")
    made.add_argument("--absent-open", type=int, default=150, help="open items of each absent")
    return harness.parse(made, argv, QUICK)


@dataclass(frozen=True)
class Seen:
    """An item as the lead's inbox must show it: the order key and the kind."""

    due_at: datetime | None
    id: int
    kind: str

    def order(self) -> tuple[bool, datetime, int]:
        return (self.due_at is None, self.due_at or datetime.min.replace(tzinfo=UTC), self.id)


@dataclass
class Inbox:
    """The work items and stand-ins to load, and what the lead's open inbox holds."""

    lead: Person
    represented: list[int]
    items: list[Row] = field(default_factory=list)
    stand_ins: list[Row] = field(default_factory=list)
    open_for_lead: list[Seen] = field(default_factory=list)


class Items:
    """Generates work items (seeded): ``add`` one person's, tallying the lead's open ones."""

    def __init__(self, inbox: Inbox, now: datetime, seed: int) -> None:
        self.inbox, self.now, self.rng = inbox, now, random.Random(seed)
        self.readers = {inbox.lead.id, *inbox.represented}

    def add(self, person: int, count: int, state: str | None = None) -> None:
        rng, now = self.rng, self.now
        for _ in range(count):
            n = len(self.inbox.items) + 1
            kind = rng.choice(KINDS)
            hours = rng.randrange(-24 * 60, 24 * 30)  # two months back to one ahead
            due = (
                None
                if rng.random() < 0.1
                else (now + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
            )
            chosen = state or rng.choices(("open", "done", "dismissed", "snoozed"),
                                          weights=(20, 70, 8, 2))[0]  # fmt: skip
            snoozed = None
            if chosen == "snoozed":  # half of them have woken up: open again
                snoozed = now + timedelta(hours=rng.choice((-3, 30)))
            created = now - timedelta(days=rng.randrange(1, 730))
            self.inbox.items.append(
                (n, "clients", f"bench:{n}", person, kind, f"待办事项{n}", due, n % 20_000 + 1,
                 f"基准客户{n % 20_000 + 1:06d}有限公司", f"/accounts/{n % 20_000 + 1}",
                 "urgent" if n % 17 == 0 else "normal", chosen, snoozed, created, created)
            )  # fmt: skip
            awake = chosen == "open" or (snoozed is not None and snoozed <= now)
            if person in self.readers and awake:
                self.inbox.open_for_lead.append(Seen(due, n, kind))


def build(org: Org, args: argparse.Namespace, now: datetime) -> Inbox:
    """The lead of the largest team, the members he stands in for today, and everyone's
    items."""
    members: dict[int, list[int]] = {}
    for person in org.people:
        if person.manager_id is not None and person.position_code in ("KA-KAM", "KA-SPEC"):
            members.setdefault(person.manager_id, []).append(person.id)
    lead_id = max(members, key=lambda lead: (len(members[lead]), -lead))
    lead = next(p for p in org.people if p.id == lead_id)
    absent = members[lead_id][: args.absent]
    inbox = Inbox(lead, absent)
    today = now.astimezone(SHANGHAI).date()
    for n, member in enumerate(members[lead_id]):
        on = n < args.absent
        starts = today - timedelta(days=2 if on else 40)
        ends = today + timedelta(days=5) if on else today - timedelta(days=30)
        inbox.stand_ins.append(_stand_in(len(inbox.stand_ins) + 1, member, lead_id, starts, ends))
    # a stand-in for today, cancelled: it must not show
    inbox.stand_ins.append(
        _stand_in(len(inbox.stand_ins) + 1, members[lead_id][-1], lead_id, today, today, now)
    )
    items = Items(inbox, now, args.seed)
    for person in org.people:
        items.add(person.id, args.items)
    items.add(lead_id, args.own_open, "open")
    for member in absent:
        items.add(member, args.absent_open, "open")
    inbox.open_for_lead.sort(key=Seen.order)
    return inbox


def _stand_in(
    n: int, absent: int, stand_in: int, starts: date, ends: date, cancelled: datetime | None = None
) -> Row:
    return (n, absent, stand_in, starts, ends, "休假", "user:2", cancelled, 1)


async def load(
    admin_url: str, org: Org, args: argparse.Namespace, now: datetime
) -> tuple[dict[str, Any], Inbox]:
    inbox = build(org, args, now)

    async def fill(conn: asyncpg.Connection) -> dict[str, int]:
        counts = await load_org(conn, org, hash_password(BENCH_PASSWORD))
        counts["staff.work_items"] = await copy(conn, "staff.work_items", ITEM_COLUMNS,
                                                inbox.items)  # fmt: skip
        counts["staff.stand_ins"] = await copy(conn, "staff.stand_ins", STAND_IN_COLUMNS,
                                               inbox.stand_ins)  # fmt: skip
        return counts

    return await load_in_bulk(admin_url, "staff", fill, 0.0), inbox


def page_check(want: list[Seen], counts: Counter[str]) -> Any:
    """What a page must hold: ``want``'s ids in that order, and the badges ``counts``."""
    ids = [seen.id for seen in want]

    def check(answer: dict[str, Any]) -> str | None:
        got = [item["id"] for item in answer["items"]]
        if got != ids:
            return f"items {got[:5]}… are not the loaded rows' {ids[:5]}… (by due time, id)"
        if answer["counts"] != dict(counts):
            return f"counts per kind {answer['counts']} are not the loaded rows' {dict(counts)}"
        return None

    return check


async def drive(
    stack: Stack, key: SigningKey, inbox: Inbox, args: argparse.Namespace
) -> dict[str, Any]:
    everything = inbox.open_for_lead
    counts = Counter(seen.kind for seen in everything)
    deep = (int(len(everything) * 0.9) // PAGE) * PAGE
    last = everything[deep - 1]
    due = last.due_at.isoformat() if last.due_at is not None else None
    cursor = encode_cursor({"due": due, "id": last.id})
    headers = harness.bearer(key, inbox.lead)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300) as client:
        for name, params, want in (
            ("inbox, page 1 of 50", {"limit": PAGE}, everything[:PAGE]),
            ("inbox, page 90 % down", {"limit": PAGE, "cursor": cursor},
             everything[deep : deep + PAGE]),
        ):  # fmt: skip
            results |= await harness.checked_under_load(
                stack, client, name, "/v1/me/inbox", params, headers, page_check(want, counts),
                args,
            )  # fmt: skip
    results["verified"] = {"open_items": len(everything), "pages_checked": 2,
                           "represented": len(inbox.represented)}  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    org = org_tree(args.employees, args.seed)
    return harness.run(
        "inbox",
        args,
        f"{args.employees}p",
        lambda admin_url, now: load(admin_url, org, args, now),
        lambda stack, key, inbox: drive(stack, key, inbox, args),
        lambda inbox: (
            f"work inbox of a team lead standing in for {len(inbox.represented)}: "
            f"{len(inbox.open_for_lead):,} open items of {len(inbox.items):,} "
            f"({args.employees:,} people)"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
