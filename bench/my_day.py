"""Benchmark: an account manager's "my day" (``GET /v1/clients/me/day``).

    .venv/bin/python -m bench.my_day                 # 5,000 accounts held
    .venv/bin/python -m bench.my_day --quick         # 500, shorter loads

1. A fresh database, migrated; the org tree (bench/org.py), ``--accounts`` accounts of the
   others with a month of activity (bench/activity.py), and the account manager's own
   ``--held`` accounts, each with a key contact (three in ten with a birthday), a signed
   one-year contract (ending over the coming year; a tenth of those ending within 90 days
   already renewed), a year of completed visits, resolved tickets and paid invoices, and
   what today asks of him: ``--held`` / 625 visits planned today, / 40 overdue, / 80
   unfinished tickets he handles, / 25 overdue invoices. All loaded with binary COPY.
2. The four real processes with production settings.
3. Through the gateway, as the account manager: his day with the default 10 items per list
   and with 50 (the most), each checked once against the loaded rows (every count, and
   each list's items in its order), then wrk at 1 and 50 connections for ``--seconds``.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench import harness
from bench.activity import SHANGHAI, Activity, build_activity, credit_code, load_activity
from bench.bulk import columns, copy, load_in_bulk
from bench.kpi_cycle import BENCH_PASSWORD
from bench.org import Org, Person, load_org, org_tree
from deploy.processes import Stack
from services.clients.my_day.rules import RENEWAL_WINDOW_DAYS, birthday_within, next_birthday
from services.staff.identity.secrets import hash_password
from shared.auth.tokens import SigningKey

QUICK = {"held": 500, "accounts": 2_000, "employees": 200, "seconds": 3}
FIRST_ID = 50_000_000  # above every id the activity generator uses
TICKET_COLUMNS = columns(
    "id account_id kind severity channel title status owner_id handler_id grade_at_open "
    "response_target_minutes resolution_target_minutes around_the_clock opened_at respond_by "
    "resolve_by resolved_at reopen_count version"
)
EXTRA = {
    "contacts": ("clients.contacts", columns("id name title phone birthday version")),
    "account_contacts": ("clients.account_contacts", columns("id account_id contact_id roles "
                                                             "active")),
}  # fmt: skip
Row = tuple[Any, ...]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    made = harness.parser("python -m bench.my_day", __doc__, under_load=True)
    made.add_argument("--held", type=int, default=5000, help="accounts the manager holds")
    return harness.parse(made, argv, QUICK)


@dataclass
class Expected:
    """Each list of the day as its ids, most urgent first, in full (the counts)."""

    visits_today: list[int] = field(default_factory=list)
    visits_overdue: list[tuple[date, int]] = field(default_factory=list)
    tickets_assigned: list[tuple[datetime, int]] = field(default_factory=list)
    invoices_overdue: list[tuple[date, int]] = field(default_factory=list)
    birthdays: list[tuple[int, int]] = field(default_factory=list)
    renewals: list[tuple[date, int]] = field(default_factory=list)

    def ids(self) -> dict[str, list[int]]:
        """The lists by the answer's names, in the order the answer must have."""
        keyed: dict[str, list[tuple[Any, int]]] = {
            "visits_overdue": self.visits_overdue, "tickets_assigned": self.tickets_assigned,
            "invoices_overdue": self.invoices_overdue, "birthdays": self.birthdays,
            "renewals": self.renewals,
        }  # fmt: skip
        ordered = {name: [ident for _, ident in sorted(rows)] for name, rows in keyed.items()}
        return {"visits_today": sorted(self.visits_today), **ordered, "tickets_escalated": []}


@dataclass
class Day:
    """The manager, his rows (added to the activity's tables, or in ``extra``) and what
    his day must show."""

    manager: Person
    extra: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in EXTRA})
    tickets: list[Row] = field(default_factory=list)
    expected: Expected = field(default_factory=Expected)


def build(org: Org, manager: Person, activity: Activity, held: int, now: datetime,
          seed: int) -> Day:  # fmt: skip
    """The manager's ``held`` accounts and their year, appended to ``activity``."""
    rng, day = random.Random(seed), Day(manager)
    today = now.astimezone(SHANGHAI).date()
    me, want = manager.id, day.expected
    for n in range(held):
        a = FIRST_ID + n
        created = now - timedelta(days=rng.randrange(400, 1500))
        grade = rng.choice("ABC")
        activity.accounts.append(
            (a, f"基准专属客户{n:06d}有限公司", "active", "resource_enterprise", "existing",
             grade, grade, "computed", 80, me, 1, created, created, credit_code(a))
        )  # fmt: skip
        birthday = date(1970 + n % 30, 1, 1) + timedelta(days=rng.randrange(365))
        known = rng.random() < 0.3
        day.extra["contacts"].append((a, f"联系人{n}", "总经理", "138-0000-0000",
                                      birthday if known else None, 1))  # fmt: skip
        day.extra["account_contacts"].append((a, a, a, ["decision_maker"], True))
        if known and birthday_within(birthday, today):
            want.birthdays.append(((next_birthday(birthday, today) - today).days, a))
        _contract(activity, want, rng, a, me, today)
        _history(activity, day, rng, a, me, today, now)
    _today(activity, day, rng, held, me, today, now)
    return day


def _contract(activity: Activity, want: Expected, rng: random.Random, a: int, me: int,
              today: date) -> None:  # fmt: skip
    ends = today + timedelta(days=rng.randrange(-30, 365))
    starts = ends - timedelta(days=365)
    amount = Decimal(rng.randrange(200, 20000) * 100)
    activity.contracts.append((a, a, f"BMD-{a}", "年度服务合同", amount, "CNY", amount, "CNY",
                               starts, starts, ends, "signed", me, me, 1))  # fmt: skip
    if not today <= ends <= today + timedelta(days=RENEWAL_WINDOW_DAYS):
        return
    if rng.random() < 0.1:  # already renewed: not up for renewal
        renewed = ends + timedelta(days=365)
        activity.contracts.append((a + 10_000_000, a, f"BMD-{a}-R", "续签合同", amount,
                                   "CNY", amount, "CNY", ends, ends, renewed, "signed", me,
                                   me, 1))  # fmt: skip
    else:
        want.renewals.append((ends, a))


def _history(activity: Activity, day: Day, rng: random.Random, a: int, me: int, today: date,
             now: datetime) -> None:  # fmt: skip
    """A year of finished work on account ``a``: a visit, a ticket, a paid invoice."""
    visited = today - timedelta(days=rng.randrange(1, 365))
    activity.visits.append((a, a, me, visited, "completed", visited, me, "plan", 1))
    opened = now - timedelta(days=rng.randrange(2, 365))
    day.tickets.append(_ticket(a, a, me, opened, opened + timedelta(hours=5)))
    _invoice(activity, a, a, me, today - timedelta(days=rng.randrange(1, 365)), paid=True)


def _today(activity: Activity, day: Day, rng: random.Random, held: int, me: int, today: date,
           now: datetime) -> None:  # fmt: skip
    """What today asks of him, on his accounts: visits, tickets, overdue invoices."""
    want, accounts = day.expected, [FIRST_ID + n for n in range(held)]
    for n in range(max(1, held // 625)):
        v = FIRST_ID + 1_000_000 + n
        activity.visits.append((v, rng.choice(accounts), me, today, "planned", None, None,
                                "plan", 1))  # fmt: skip
        want.visits_today.append(v)
    for n in range(max(1, held // 40)):
        v, planned = FIRST_ID + 2_000_000 + n, today - timedelta(days=rng.randrange(1, 60))
        activity.visits.append((v, rng.choice(accounts), me, planned, "planned", None, None,
                                "plan", 1))  # fmt: skip
        want.visits_overdue.append((planned, v))
    for n in range(max(1, held // 80)):
        t = FIRST_ID + 1_000_000 + n
        opened = now - timedelta(hours=rng.randrange(1, 72))
        due = opened.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        day.tickets.append(_ticket(t, rng.choice(accounts), me, opened, None, due))
        want.tickets_assigned.append((due, t))
    for n in range(max(1, held // 25)):
        i = FIRST_ID + 1_000_000 + n
        due_on = today - timedelta(days=rng.randrange(1, 90))
        _invoice(activity, i, rng.choice(accounts), me, due_on, paid=False)
        want.invoices_overdue.append((due_on, i))


def _ticket(t: int, a: int, me: int, opened: datetime, resolved: datetime | None,
            respond_by: datetime | None = None) -> Row:  # fmt: skip
    respond = respond_by or opened + timedelta(hours=2)
    return (t, a, "complaint", "medium", "phone", "服务投诉", "resolved" if resolved else "open",
            me, me, "B", 120, 3360, False, opened, respond, opened + timedelta(hours=56),
            resolved, 0, 1)  # fmt: skip


def _invoice(activity: Activity, i: int, a: int, me: int, due: date, *, paid: bool) -> None:
    amount = Decimal(1000 + i % 50 * 100)
    issued = due - timedelta(days=30)
    activity.invoices.append((i, f"BMD-INV-{i}", a, amount, "CNY", Decimal(1), amount, issued,
                              "paid" if paid else "open", 1, me))  # fmt: skip
    activity.lines.append((i, i, 1, due, amount, amount, amount if paid else Decimal(0)))


async def load(
    admin_url: str, org: Org, args: argparse.Namespace, now: datetime
) -> tuple[dict[str, Any], Day]:
    manager = next(p for p in org.people if p.position_code == "KA-KAM")
    others = [holder for holder in org.account_holders if holder != manager.id]
    activity = build_activity(others, args.accounts, now, args.seed)
    day = build(org, manager, activity, args.held, now, args.seed)

    async def fill(conn: asyncpg.Connection) -> dict[str, int]:
        counts = await load_org(conn, org, hash_password(BENCH_PASSWORD))
        counts |= await load_activity(conn, activity)
        counts["clients.tickets (his)"] = await copy(
            conn, "clients.tickets", TICKET_COLUMNS, day.tickets
        )
        for name, (table, names) in EXTRA.items():
            counts[table] = await copy(conn, table, names, day.extra[name])
        await conn.execute(
            "UPDATE clients.contracts r SET renewal_of_id = o.id FROM clients.contracts o "
            "WHERE r.number = o.number || '-R'"
        )
        return counts

    return await load_in_bulk(admin_url, "clients", fill, 0.0), day


def day_check(want: Expected, limit: int) -> Any:
    """What the day must hold: every count, and each list's first ``limit`` in order."""
    lists = want.ids()
    id_of = {"birthdays": "contact_id", "renewals": "contract_id"}

    def check(answer: dict[str, Any]) -> str | None:
        for name, ids in lists.items():
            if answer["counts"][name] != len(ids):
                return f"{name}: {answer['counts'][name]} counted, {len(ids)} loaded"
            got = [item[id_of.get(name, "id")] for item in answer[name]]
            if got != ids[:limit]:
                return f"{name}: {got[:5]}… are not the loaded rows' {ids[:5]}…"
        return None

    return check


async def drive(
    stack: Stack, key: SigningKey, day: Day, args: argparse.Namespace
) -> dict[str, Any]:
    headers = harness.bearer(key, day.manager)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300) as client:
        for limit in (10, 50):
            results |= await harness.checked_under_load(
                stack, client, f"my day, {limit} per list", "/v1/clients/me/day",
                {"limit": limit},
                headers, day_check(day.expected, limit), args,
            )  # fmt: skip
    results["verified"] = {name: len(ids) for name, ids in day.expected.ids().items()}
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    org = org_tree(args.employees, args.seed)
    return harness.run(
        "my_day",
        args,
        f"{args.held}h",
        lambda admin_url, now: load(admin_url, org, args, now),
        lambda stack, key, day: drive(stack, key, day, args),
        lambda day: (
            f"my day of an account manager with {args.held:,} accounts "
            f"({args.accounts:,} others' accounts, {args.employees:,} people): "
            + ", ".join(f"{len(ids)} {name}" for name, ids in day.expected.ids().items())
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
