"""A year of demo activity on the demo accounts: contracts, visits, tickets, surveys.

Anchored on the company's today so "the last twelve months" always shows something in
every metric. Deterministic for a given day. Loaded once: when the demo contracts are
there already, nothing is added (so ``make run`` twice adds nothing the second time).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account, AccountStatusChange
from services.clients.accounts.rules import Grade
from services.clients.contacts.models import AccountContact
from services.clients.contracts.models import Contract
from services.clients.rates.models import ExchangeRate
from services.clients.surveys.models import SatisfactionSurvey
from services.clients.tickets.models import Ticket
from services.clients.tickets.rules import (
    BusinessCalendar,
    Severity,
    default_sla_policy,
    ticket_deadlines,
)
from services.clients.visits.models import Visit
from services.clients.visits.rules import plan_visits
from shared.periods import Quarter

CONTRACT_PREFIX = "HT-DEMO-"
USD_RATE = Decimal("7.12000000")
AMOUNT_RANGE = {"S": (8_000_000, 15_000_000), "A": (2_000_000, 8_000_000),
                "B": (500_000, 2_000_000), "C": (50_000, 600_000)}  # fmt: skip
PURPOSES = ("季度回访", "需求调研", "续约洽谈", "售后问题跟进", "新产品介绍", "高层拜访")
OUTCOMES = ("客户对服务满意，约定下季度再访", "收集到两项新需求，已转产品支持组",
            "续约意向明确，待报价", "反馈响应偏慢，已协调售后", "引荐了采购部新负责人")  # fmt: skip
TICKET_TITLES = ("系统登录异常", "账单金额核对", "交付延期投诉", "现场服务预约", "发票重开申请",
                 "设备故障报修", "服务人员态度投诉", "数据导出需求")  # fmt: skip
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
SEVERITY_WEIGHTS = (1, 3, 5, 3)
LOST_EVERY = 37
"""Every 37th demo account (offset 11) was lost (流失) during the year."""


@dataclass(frozen=True)
class DemoClock:
    """The day the demo is anchored on, in the company's zone."""

    today: date
    zone: ZoneInfo

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone).astimezone(UTC)

    @property
    def year_ago(self) -> date:
        return self.today - timedelta(days=365)


def _contracts(
    index: int, account: Account, clock: DemoClock, rng: random.Random
) -> list[Contract]:
    if account.trade_class != "existing":
        return []
    assert account.id is not None
    low, high = AMOUNT_RANGE[account.grade]
    contracts = []
    for number in range(rng.randint(1, 3)):
        signed_on = clock.today - timedelta(days=rng.randint(5, 420))
        usd = index % 20 == 3
        amount = Decimal(rng.randrange(low, high, 1000))
        if usd:
            amount = (amount / USD_RATE).quantize(Decimal("1"))
        contracts.append(
            Contract(
                account_id=account.id,
                number=f"{CONTRACT_PREFIX}{index:04d}-{number + 1}",
                title=f"{account.short_name or account.legal_name}年度服务合同",
                amount=amount,
                currency="USD" if usd else "CNY",
                amount_base=(amount * USD_RATE).quantize(Decimal("0.01")) if usd else amount,
                base_currency="CNY",
                signed_on=signed_on,
                start_date=signed_on + timedelta(days=1),
                end_date=signed_on + timedelta(days=365),
                status="signed",
                owner_id=account.owner_id,
                signed_by=account.owner_id,
            )
        )
    return contracts


def _visits(
    account: Account, contact_ids: Sequence[int], clock: DemoClock, rng: random.Random
) -> list[Visit]:
    assert account.id is not None
    visits = []
    for planned_on in plan_visits(clock.today.year, Grade(account.grade)):
        visit = Visit(
            account_id=account.id,
            owner_id=account.owner_id,
            planned_on=planned_on,
            purpose=rng.choice(PURPOSES),
            source="plan",
        )
        if planned_on < clock.today:
            roll = rng.random()
            if roll < 0.82:
                visit.status = "completed"
                visit.visited_on = min(planned_on + timedelta(days=rng.randint(-3, 5)), clock.today)
                visit.visited_by = account.owner_id
                visit.contact_ids = list(contact_ids[:1])
                visit.outcome = rng.choice(OUTCOMES)
                visit.next_step = "按计划安排下次回访"
            elif roll < 0.88:
                visit.status = "cancelled"
                visit.cancel_reason = "客户临时调整日程"
        visits.append(visit)
    return visits


def _tickets(account: Account, clock: DemoClock, rng: random.Random) -> list[Ticket]:
    assert account.id is not None
    policy, calendar = default_sla_policy(), BusinessCalendar(zone=clock.zone)
    tickets = []
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        day = clock.today - timedelta(days=rng.randint(0, 364))
        opened_at = clock.at(day, rng.randint(8, 19), rng.choice((0, 15, 30, 45)))
        severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
        target = policy.target_for(severity, Grade(account.grade))
        deadlines = ticket_deadlines(opened_at, target, calendar)
        assert deadlines.resolve_by is not None
        ticket = Ticket(
            account_id=account.id,
            kind=rng.choice(("complaint", "request", "request", "incident")),
            severity=severity.value,
            channel=rng.choice(("phone", "email", "wechat", "portal")),
            title=rng.choice(TICKET_TITLES),
            owner_id=account.owner_id,
            handler_id=account.owner_id,
            grade_at_open=account.grade,
            response_target_minutes=int(target.response.total_seconds() // 60),
            resolution_target_minutes=int(target.resolution.total_seconds() // 60),
            around_the_clock=target.around_the_clock,
            opened_at=opened_at,
            respond_by=deadlines.respond_by,
            resolve_by=deadlines.resolve_by,
        )
        now = datetime.now(UTC)
        took = (deadlines.resolve_by - opened_at) * rng.choice((0.3, 0.6, 0.9, 1.4))
        if opened_at + took < now - timedelta(days=2):
            ticket.first_response_at = opened_at + (deadlines.respond_by - opened_at) / 2
            ticket.resolved_at = opened_at + took
            ticket.closed_at = ticket.resolved_at + timedelta(days=2)
            ticket.status = "closed"
            ticket.resolution = "已处理并与客户确认"
            ticket.resolution_breached = ticket.resolved_at > deadlines.resolve_by
            ticket.satisfaction_score = rng.choice((3, 4, 4, 5, 5))
        tickets.append(ticket)
    return tickets


def _surveys(account: Account, clock: DemoClock, rng: random.Random) -> list[SatisfactionSurvey]:
    assert account.id is not None
    surveys = []
    quarter = Quarter.of(clock.today).previous()
    for _ in range(4 if account.grade in ("S", "A", "B") else 2):
        if quarter.start_date < clock.year_ago:
            break
        surveys.append(
            SatisfactionSurvey(
                account_id=account.id,
                period=str(quarter),
                score=Decimal(rng.choice(("3.50", "4.00", "4.20", "4.50", "4.80", "5.00"))),
                surveyed_on=quarter.end_date - timedelta(days=rng.randint(0, 20)),
                channel=rng.choice(("phone", "online", "visit")),
                owner_id=account.owner_id,
            )
        )
        quarter = quarter.previous().previous() if account.grade == "C" else quarter.previous()
    return surveys


async def load_activity_demo(session: AsyncSession, today: date, timezone: str) -> bool:
    """Add the year of activity unless it is there already; whether it was added."""
    exists = await session.exec(
        select(col(Contract.id)).where(col(Contract.number).startswith(CONTRACT_PREFIX)).limit(1)
    )
    if exists.first() is not None:
        return False
    clock = DemoClock(today, ZoneInfo(timezone))
    accounts = (await session.exec(select(Account).order_by(col(Account.id)))).all()
    links = (await session.exec(select(AccountContact).order_by(col(AccountContact.id)))).all()
    contacts: dict[int, list[int]] = {}
    for link in links:
        contacts.setdefault(link.account_id, []).append(link.contact_id)
    for currency_day in range(0, 365, 30):
        session.add(
            ExchangeRate(
                currency="USD",
                effective_on=clock.year_ago - timedelta(days=60) + timedelta(days=currency_day),
                rate=USD_RATE,
                source="finance",
            )
        )
    for index, account in enumerate(accounts):
        assert account.id is not None
        rng = random.Random(9_000_000 + account.id)  # noqa: S311 - demo data, not security
        session.add_all(_contracts(index, account, clock, rng))
        session.add_all(_visits(account, contacts.get(account.id, []), clock, rng))
        session.add_all(_tickets(account, clock, rng))
        session.add_all(_surveys(account, clock, rng))
        if index % LOST_EVERY == 11 and account.status == "active":
            account.status = "lost"
            account.version += 1
            session.add(account)
            session.add(
                AccountStatusChange(
                    account_id=account.id,
                    from_status="active",
                    to_status="lost",
                    owner_id=account.owner_id,
                    changed_at=clock.at(clock.today - timedelta(days=rng.randint(10, 300)), 10),
                )
            )
    # The demo accounts predate the activity: their ownership starts two years back, so
    # "accounts held at the start of a month" counts them for every month shown.
    connection = await session.connection()
    await connection.execute(
        text(
            "UPDATE clients.ownership_history SET changed_at = changed_at - interval '2 years' "
            "WHERE reason = 'created' AND from_employee_id IS NULL "
            "AND account_id = ANY(CAST(:ids AS integer[]))"
        ),
        {"ids": [account.id for account in accounts]},
    )
    await session.flush()
    return True
