"""Demo sales opportunities on the demo accounts: a few open ones across the stages, one
won with a demo contract, one lost to a named competitor, a quotation and a bid.

Loaded once, after the year of activity (it links the won opportunity to a demo
contract): when the demo products are there already, nothing is added.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.bids.models import Bid
from services.clients.catalogue.models import Product
from services.clients.competitors.models import Competitor
from services.clients.contracts.models import Contract
from services.clients.demo_activity import DemoClock
from services.clients.opportunities.models import Opportunity, OpportunityStageChange
from services.clients.quotations.models import Quotation, QuotationLine

PRODUCT_PREFIX = "DEMO-"
PRODUCTS = (  # code, name, unit, list price (CNY)
    ("DEMO-SDWAN", "SD-WAN组网服务", "套", Decimal("120000.00")),
    ("DEMO-LINE", "企业专线(100M)", "条·年", Decimal("36000.00")),
    ("DEMO-CLOUD", "私有云运维服务", "年", Decimal("280000.00")),
)
COMPETITOR = "华信网络科技有限公司"
# name, stage path (the last is where it stands), product index, quantity
OPEN = (
    ("总部组网改造项目", ("lead",), 0, 1),
    ("分支机构专线扩容", ("lead", "qualified"), 1, 8),
    ("私有云运维外包", ("lead", "qualified", "proposal"), 2, 1),
    ("数据中心互联招标", ("lead", "qualified", "proposal", "negotiation"), 0, 3),
)
PROBABILITY = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75, "won": 100}
QUOTED_DISCOUNT = Decimal("5")


def _month(day: date) -> date:
    return day.replace(day=1)


async def load_pipeline_demo(session: AsyncSession, today: date, timezone: str) -> bool:
    """Add the demo pipeline unless it is there already; whether it was added."""
    exists = await session.exec(
        select(col(Product.id)).where(col(Product.code).startswith(PRODUCT_PREFIX)).limit(1)
    )
    if exists.first() is not None:
        return False
    clock = DemoClock(today, ZoneInfo(timezone))
    products = [
        Product(code=code, name=name, unit=unit, list_price=price, currency="CNY")
        for code, name, unit, price in PRODUCTS
    ]
    competitor = Competitor(name=COMPETITOR, notes="华东地区主要竞争对手,价格偏低")
    session.add_all([*products, competitor])
    await session.flush()
    accounts = (
        await session.exec(
            select(Account).where(col(Account.status) == "active").order_by(col(Account.id))
        )
    ).all()
    prospects = [a for a in accounts if a.trade_class == "prospect"]
    existing = [a for a in accounts if a.trade_class == "existing"]
    if len(prospects) < len(OPEN) + 1 or not existing:
        return True
    for index, (name, path, product_index, quantity) in enumerate(OPEN):
        product = products[product_index]
        opportunity = await _opportunity(
            session, prospects[index], name, product.list_price * quantity, path, clock, index
        )
        if path[-1] == "proposal":
            await _quotation(session, opportunity, product, Decimal(quantity), clock)
        if path[-1] == "negotiation":
            _bid(session, opportunity, clock)
    await _won(session, existing[0], clock)
    lost = await _opportunity(
        session, prospects[len(OPEN)], "办公网络升级项目", Decimal("90000.00"),
        ("lead", "qualified", "proposal"), clock, len(OPEN),
    )  # fmt: skip
    lost.status, lost.stage_code, lost.probability = "lost", "lost", 0
    lost.lost_reason = "对方报价低于我方约15%"
    lost.lost_to_competitor_id = competitor.id
    lost.closed_at = clock.at(today - timedelta(days=3), 15)
    session.add(lost)
    _change(session, lost, "proposal", "lost", 0, clock, today - timedelta(days=3))
    await session.flush()
    return True


async def _opportunity(
    session: AsyncSession,
    account: Account,
    name: str,
    amount: Decimal,
    path: tuple[str, ...],
    clock: DemoClock,
    index: int,
    until: date | None = None,
) -> Opportunity:
    assert account.id is not None
    started = (until or clock.today) - timedelta(days=10 * len(path) + index)
    opportunity = Opportunity(
        account_id=account.id,
        name=name,
        amount=amount,
        currency="CNY",
        expected_close_month=_month(clock.today + timedelta(days=30 * (index % 3))),
        stage_code=path[-1],
        probability=PROBABILITY[path[-1]],
        source="老客户推荐",
        owner_id=account.owner_id,
        next_step="与客户确认需求细节",
        next_step_date=clock.today + timedelta(days=7),
        created_by=account.owner_id,
    )
    session.add(opportunity)
    await session.flush()
    previous: str | None = None
    for step, stage in enumerate(path):
        day = started + timedelta(days=10 * step)
        _change(session, opportunity, previous, stage, PROBABILITY[stage], clock, day)
        previous = stage
    return opportunity


def _change(
    session: AsyncSession,
    opportunity: Opportunity,
    from_stage: str | None,
    to_stage: str,
    probability: int,
    clock: DemoClock,
    day: date,
) -> None:
    assert opportunity.id is not None
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id,
            from_stage_code=from_stage,
            to_stage_code=to_stage,
            probability=probability,
            owner_id=opportunity.owner_id,
            actor_employee_id=opportunity.owner_id,
            changed_at=clock.at(day, 10),
        )
    )


async def _quotation(
    session: AsyncSession,
    opportunity: Opportunity,
    product: Product,
    quantity: Decimal,
    clock: DemoClock,
) -> None:
    assert opportunity.id is not None and product.id is not None
    listed = product.list_price * quantity
    net = (listed * (100 - QUOTED_DISCOUNT) / 100).quantize(Decimal("0.01"))
    quotation = Quotation(
        opportunity_id=opportunity.id,
        account_id=opportunity.account_id,
        title=f"{opportunity.name}报价",
        currency="CNY",
        valid_until=clock.today + timedelta(days=30),
        list_total=listed,
        lines_total=net,
        total=net,
        granted_discount_percent=QUOTED_DISCOUNT,
        author_id=opportunity.owner_id,
    )
    session.add(quotation)
    await session.flush()
    assert quotation.id is not None
    session.add(
        QuotationLine(
            quotation_id=quotation.id,
            position=1,
            product_id=product.id,
            product_code=product.code,
            product_name=product.name,
            unit=product.unit,
            quantity=quantity,
            unit_price=product.list_price,
            discount_percent=QUOTED_DISCOUNT,
            list_amount=listed,
            net_amount=net,
        )
    )


def _bid(session: AsyncSession, opportunity: Opportunity, clock: DemoClock) -> None:
    assert opportunity.id is not None
    session.add(
        Bid(
            opportunity_id=opportunity.id,
            account_id=opportunity.account_id,
            tender_number="ZB-DEMO-0001",
            title=f"{opportunity.name}公开招标",
            issuer="客户采购中心",
            owner_id=opportunity.owner_id,
            questions_deadline=clock.at(clock.today + timedelta(days=3), 17),
            submission_deadline=clock.at(clock.today + timedelta(days=10), 9, 30),
            bond_amount=Decimal("20000.00"),
            bond_currency="CNY",
            documents=[{"name": "营业执照副本", "done": True}, {"name": "技术方案", "done": False}],
        )
    )


async def _won(session: AsyncSession, account: Account, clock: DemoClock) -> None:
    """The account's latest demo contract, won through an opportunity of its amount."""
    contract = (
        await session.exec(
            select(Contract)
            .where(col(Contract.account_id) == account.id)
            .order_by(col(Contract.signed_on).desc())
            .limit(1)
        )
    ).first()
    if contract is None or contract.signed_on is None:
        return
    won = await _opportunity(
        session, account, f"{contract.title}(商机)", contract.amount,
        ("lead", "qualified", "proposal", "negotiation"), clock, 0, contract.signed_on,
    )  # fmt: skip
    won.currency = contract.currency
    won.expected_close_month = _month(contract.signed_on)
    won.status, won.stage_code, won.probability = "won", "won", 100
    won.contract_id = contract.id
    won.closed_at = clock.at(contract.signed_on, 16)
    session.add(won)
    _change(session, won, "negotiation", "won", 100, clock, contract.signed_on)
