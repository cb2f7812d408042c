"""The large data set of issue 9 around bench/activity.py's month: history, contacts, a
big book of accounts for one person.

``build_volume`` adds to an :class:`~bench.activity.Activity` (whose accounts are already
drawn) older visits until there are ``visits`` in all, older paid invoices until there
are ``invoices``, and ``contacts`` people linked to the accounts; ``concentrate`` gives
one account manager ``accounts`` of the book (with their activity), so the offboarding
handover and the deep list pages have something to work on. History lies before last
month, so the KPI month is what bench/activity.py made it. Loaded with COPY like the rest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import asyncpg

from bench.activity import TABLES, Activity, Row
from bench.bulk import columns, copy
from bench.org import SURNAMES

CONTACT_TITLES = ("总经理", "采购总监", "信息中心主任", "财务经理", "项目经理", "副总裁")
CONTACT_ROLES = ("decision_maker", "user", "supporter", "investor")

EXTRA_TABLES = {
    "contacts": ("clients.contacts", columns("id name title phone email version")),
    "account_contacts": ("clients.account_contacts", columns(
        "id account_id contact_id roles active")),
}  # fmt: skip


@dataclass
class Volume:
    """Rows beyond the month: contacts and their links (history goes into the Activity)."""

    contacts: list[Row] = field(default_factory=list)
    account_contacts: list[Row] = field(default_factory=list)


def concentrate(activity: Activity, accounts: int, owner: int) -> int:
    """Give accounts 1..``accounts`` (and their month's activity) to ``owner``."""
    moved = 0
    for attribute, (_, names) in TABLES.items():
        key = "id" if attribute == "accounts" else "account_id"
        if key not in names:
            continue
        account_at = names.index(key)
        targets = [names.index(n) for n in ("owner_id", "to_employee_id") if n in names]
        rows: list[Row] = getattr(activity, attribute)
        for n, row in enumerate(rows):
            if row[account_at] <= accounts and targets:
                changed = list(row)
                for at in targets:
                    changed[at] = owner
                rows[n] = tuple(changed)
                moved += attribute == "accounts"
    return moved


def build_volume(
    activity: Activity, *, contacts: int, visits: int, invoices: int, today: date, seed: int
) -> Volume:
    """Add history to ``activity`` up to the sizes asked; the contacts come back apart."""
    rng = random.Random(seed + 1)
    owners = [row[9] for row in activity.accounts]  # accounts' owner_id
    count = len(owners)
    history_end = today.replace(day=1) - timedelta(days=40)  # before last month
    days = [history_end - timedelta(days=n) for n in range(1, 1000)]
    next_id = len(activity.visits) + 1
    for n in range(next_id, max(visits, next_id - 1) + 1):
        account = rng.randrange(count)
        owner = owners[account]
        day = days[rng.randrange(len(days))]
        done = rng.random() < 0.9
        status = "completed" if done else "cancelled"
        activity.visits.append((n, account + 1, owner, day, status, day if done else None,
                                owner if done else None, "plan", 1))  # fmt: skip
    first = len(activity.invoices) + 1
    for n in range(first, max(invoices, first - 1) + 1):
        account = rng.randrange(count)
        amount = Decimal(rng.randrange(100, 5000) * 100)
        issued = days[rng.randrange(60, len(days))]
        activity.invoices.append((n, f"BINV-{n:08d}", account + 1, amount, "CNY", Decimal(1),
                                  amount, issued, "paid", 1, owners[account]))  # fmt: skip
        activity.lines.append((n, n, 1, issued + timedelta(days=30), amount, amount, amount))
    volume = Volume()
    for n in range(1, contacts + 1):
        name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞")
        volume.contacts.append((n, name, rng.choice(CONTACT_TITLES), f"1380000{n:07d}"[-11:],
                                f"c{n}@bench.example.cn", 1))  # fmt: skip
        volume.account_contacts.append(
            (n, (n - 1) % count + 1, n, [rng.choice(CONTACT_ROLES)], True)
        )
    return volume


async def load_volume(conn: asyncpg.Connection, volume: Volume) -> dict[str, int]:
    """COPY the contacts and their links (after the accounts)."""
    return {
        table: await copy(conn, table, names, getattr(volume, attribute))
        for attribute, (table, names) in EXTRA_TABLES.items()
    }
