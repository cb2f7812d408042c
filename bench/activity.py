"""The benchmark's clients data: accounts with their history and a month of activity.

Each account belongs to one team lead or member; it has its ownership since it was
created and, for most, an older signed contract. This month (the company's calendar,
up to today) some sign a new contract, have a visit planned (most done by today, a few
cancelled), a ticket with its SLA deadline (resolved in time, late, or still open), a
satisfaction survey, an invoice line falling due (mostly paid) or are lost; last month
has visits and tickets too, so the period's bounds matter. Drawn from a seeded generator:
the same sizes on the same day load the same data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bench.bulk import columns, copy
from shared.periods import Month

SHANGHAI = ZoneInfo("Asia/Shanghai")
INDUSTRIES = columns("电力 通信 金融 医疗 教育 交通 制造 能源 水务 政务")
SEVERITY_HOURS = {"critical": 12, "high": 24, "medium": 56, "low": 120}
Row = tuple[Any, ...]

TABLES = {  # attribute of Activity: (table, columns)
    "accounts": ("clients.accounts", columns(
        "id legal_name status content_class trade_class grade computed_grade grade_source "
        "credit_score owner_id version created_at updated_at credit_code")),
    "ownership": ("clients.ownership_history", columns(
        "id account_id from_employee_id to_employee_id reason changed_at")),
    "status_changes": ("clients.account_status_history", columns(
        "id account_id from_status to_status owner_id changed_at")),
    "contracts": ("clients.contracts", columns(
        "id account_id number title amount currency amount_base base_currency signed_on "
        "start_date end_date status owner_id signed_by version")),
    "visits": ("clients.visits", columns(
        "id account_id owner_id planned_on status visited_on visited_by source version")),
    "tickets": ("clients.tickets", columns(
        "id account_id kind severity channel title status owner_id grade_at_open "
        "response_target_minutes resolution_target_minutes around_the_clock opened_at "
        "respond_by resolve_by resolved_at reopen_count version")),
    "surveys": ("clients.satisfaction_surveys", columns(
        "id account_id period score surveyed_on channel owner_id version")),
    "invoices": ("clients.invoices", columns(
        "id erp_document_no account_id amount currency base_rate amount_base issue_date status "
        "erp_version owner_id")),
    "lines": ("clients.invoice_lines", columns(
        "id invoice_id line_no due_date amount amount_base paid_amount")),
    "payments": ("clients.payments", columns(
        "id erp_ref account_id amount currency amount_base received_on status source "
        "unallocated_amount owner_id")),
    "allocations": ("clients.payment_allocations", columns(
        "id payment_id invoice_line_id amount amount_base")),
}  # fmt: skip


@dataclass
class Activity:
    """The rows of every table the metrics batch reads, built in memory before COPY."""

    accounts: list[Row] = field(default_factory=list)
    ownership: list[Row] = field(default_factory=list)
    status_changes: list[Row] = field(default_factory=list)
    contracts: list[Row] = field(default_factory=list)
    visits: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    surveys: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    allocations: list[Row] = field(default_factory=list)


@dataclass
class _Month:
    """The days the generator draws from, in the company's calendar."""

    period: Month
    today: date
    now: datetime
    so_far: list[date] = field(init=False)
    whole: list[date] = field(init=False)
    previous: list[date] = field(init=False)

    def __post_init__(self) -> None:
        start, last = self.period.start_date, self.period.previous()
        self.so_far = [start + timedelta(days=n) for n in range((self.today - start).days + 1)]
        self.whole = [start + timedelta(days=n) for n in range(self.period.end_date.day)]
        self.previous = [last.start_date + timedelta(days=n) for n in range(last.end_date.day)]


def build_activity(
    holders: Sequence[int], accounts: int, now: datetime, seed: int = 2026
) -> Activity:
    """``accounts`` accounts spread over ``holders`` with this month's (and last's) facts."""
    rng = random.Random(seed)
    today = now.astimezone(SHANGHAI).date()
    days = _Month(Month.of(today), today, now)
    out = Activity()
    for account_id in range(1, accounts + 1):
        owner = holders[rng.randrange(len(holders))]
        _account(out, rng, days, account_id, owner)
    return out


def _account(out: Activity, rng: random.Random, days: _Month, account_id: int, owner: int) -> None:
    created = days.now - timedelta(days=rng.randrange(60, 1100))
    lost_on = rng.choice(days.so_far) if rng.random() < 0.005 else None
    grade = rng.choices("SABC", weights=(2, 8, 30, 60))[0]
    name = f"基准{rng.choice(INDUSTRIES)}客户{account_id:06d}有限公司"
    out.accounts.append((account_id, name, "lost" if lost_on else "active",
                         "resource_enterprise", "existing", grade, grade, "computed", 80, owner,
                         1, created, created, credit_code(account_id)))  # fmt: skip
    out.ownership.append((account_id, account_id, None, owner, "created", created))
    if lost_on:
        out.status_changes.append((len(out.status_changes) + 1, account_id, "active", "lost",
                                   owner, _instant(lost_on, rng)))  # fmt: skip
    if rng.random() < 0.7:
        _contract(out, rng, account_id, owner, (created + timedelta(days=20)).date())
    if rng.random() < 0.08:
        _contract(out, rng, account_id, owner, rng.choice(days.so_far))
    for calendar in (days.whole, days.previous):
        if rng.random() < 0.3:
            _visit(out, rng, account_id, owner, rng.choice(calendar), days.today)
    for calendar in (days.so_far, days.previous):
        if rng.random() < 0.05:
            opened = _instant(rng.choice(calendar), rng)
            _ticket(out, rng, account_id, owner, grade, opened, days.now)
    if rng.random() < 0.1:
        score = Decimal(rng.choice(("3.0", "3.5", "4.0", "4.0", "4.5", "4.5", "5.0")))
        out.surveys.append((len(out.surveys) + 1, account_id, str(days.period), score,
                            rng.choice(days.so_far), "visit", owner, 1))  # fmt: skip
    if rng.random() < 0.2:
        _invoice(out, rng, account_id, owner, rng.choice(days.previous), rng.choice(days.so_far))


def credit_code(account_id: int) -> str:
    """The account's 18-character unified social credit code (what the ERP refers to)."""
    return f"91BENCH{account_id:011d}"


def _instant(day: date, rng: random.Random) -> datetime:
    """A moment of the working day ``day`` (09:00–18:00 in the company's zone), in UTC."""
    moment = datetime.combine(day, time(9), SHANGHAI) + timedelta(minutes=rng.randrange(540))
    return moment.astimezone(UTC)


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high) * 100)


def _contract(out: Activity, rng: random.Random, account_id: int, owner: int, day: date) -> None:
    n = len(out.contracts) + 1
    amount = _amount(rng, 200, 20000)
    out.contracts.append((n, account_id, f"BHT-{n:08d}", "年度服务合同", amount, "CNY", amount,
                          "CNY", day, day, day + timedelta(days=365), "signed", owner, owner,
                          1))  # fmt: skip


def _visit(out: Activity, rng: random.Random, account_id: int, owner: int, day: date,
           today: date) -> None:  # fmt: skip
    roll = rng.random()
    if roll < 0.03:
        status, visited_on = "cancelled", None
    elif day <= today and roll < 0.88:
        status, visited_on = "completed", day
    else:
        status, visited_on = "planned", None
    out.visits.append((len(out.visits) + 1, account_id, owner, day, status, visited_on,
                       owner if visited_on else None, "plan", 1))  # fmt: skip


def _ticket(out: Activity, rng: random.Random, account_id: int, owner: int, grade: str,
            opened: datetime, now: datetime) -> None:  # fmt: skip
    """A complaint with a wall-clock resolution target; resolved in time, late, or open."""
    opened = min(opened, now - timedelta(minutes=5))
    severity = rng.choices(tuple(SEVERITY_HOURS), weights=(1, 3, 4, 2))[0]
    hours = SEVERITY_HOURS[severity]
    resolved_at = opened + timedelta(hours=hours * rng.uniform(0.1, 1.6))
    abandoned = rng.random() < 0.1  # drawn whatever the clock says: same seed, same data
    resolved = None if abandoned or resolved_at > now else resolved_at
    out.tickets.append((len(out.tickets) + 1, account_id, "complaint", severity, "phone",
                        "服务投诉", "resolved" if resolved else "open", owner, grade, 120,
                        hours * 60, severity == "critical", opened, opened + timedelta(hours=2),
                        opened + timedelta(hours=hours), resolved, 0, 1))  # fmt: skip


def _invoice(out: Activity, rng: random.Random, account_id: int, owner: int, issued: date,
             due: date) -> None:  # fmt: skip
    """One invoice with one line due this month; seven in ten paid in full on the due day."""
    n = len(out.invoices) + 1
    amount = _amount(rng, 100, 5000)
    paid = rng.random() < 0.7
    out.invoices.append((n, f"BINV-{n:08d}", account_id, amount, "CNY", Decimal(1), amount,
                         issued, "paid" if paid else "open", 1, owner))  # fmt: skip
    out.lines.append((n, n, 1, due, amount, amount, amount if paid else Decimal(0)))
    if paid:
        out.payments.append((n, f"BPAY-{n:08d}", account_id, amount, "CNY", amount, due,
                             "received", "erp", Decimal(0), owner))  # fmt: skip
        out.allocations.append((len(out.allocations) + 1, n, n, amount, amount))


async def load_activity(conn: asyncpg.Connection, activity: Activity) -> dict[str, int]:
    """COPY every table of ``activity`` (parents first); rows per table."""
    return {
        table: await copy(conn, table, names, getattr(activity, attribute))
        for attribute, (table, names) in TABLES.items()
    }
