"""Demo data of the clients service: a few hundred realistic key accounts.

Generated deterministically (the same on every machine), with valid credit codes, so a
second load finds every account already there and adds nothing. Accounts come with 2–4
contacts each (some accounts deliberately without a decision maker, so the coverage alert
shows something), group customers with subsidiaries, grade and ownership histories.
Owners are the staff demo's employees 1..20; the org copy is not needed to load this.
"""

from __future__ import annotations

import random
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import CREDIT_CODE_ALPHABET, credit_code_check_character
from services.clients.calendar.today import company_today
from services.clients.contacts.models import AccountContact, Contact
from services.clients.demo_activity import load_activity_demo
from services.clients.demo_pipeline import load_pipeline_demo
from services.clients.grading.models import GradeChange
from services.clients.ownership.models import OwnershipChange
from services.clients.settings import ClientsSettings

DEMO_ACCOUNT_COUNT = 300
# Active client-facing people of the staff demo (ids follow demo_people.yaml): the
# client-development lead, the key-account managers and the specialists; nobody departed.
DEMO_OWNER_IDS = (2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25)

CITIES = ("上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州",
          "天津", "重庆", "长沙", "郑州", "青岛", "宁波")  # fmt: skip
REGION_OF = {"上海": "华东", "杭州": "华东", "南京": "华东", "苏州": "华东", "宁波": "华东",
             "青岛": "华东", "北京": "华北", "天津": "华北", "郑州": "华中", "武汉": "华中",
             "长沙": "华中", "广州": "华南", "深圳": "华南", "成都": "西南", "重庆": "西南",
             "西安": "西北"}  # fmt: skip
INDUSTRIES = (
    ("电力", ("电力工程", "能源", "供电服务")),
    ("通信", ("信息通信", "网络科技", "数据服务")),
    ("制造", ("精密制造", "重工", "机械装备")),
    ("医疗", ("医疗器械", "医药", "健康管理")),
    ("酒店", ("酒店管理", "旅业", "会展服务")),
    ("物流", ("供应链", "物流", "仓储")),
    ("政府", ("城市建设投资", "公共资源交易中心", "政务服务中心")),
    ("教育", ("教育科技", "职业培训", "学校后勤服务")),
)
SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司")
SOURCES = ("老客户推荐", "展会", "招投标", "电话拓展", "渠道合作", "上级单位介绍")
GROUP_EVERY = 25
"""Every 25th account heads a group; the next three accounts are its subsidiaries."""
SUBSIDIARIES_PER_GROUP = 3
NO_DECISION_MAKER_EVERY = 10
"""Every 10th account (offset 7) has no decision maker: the coverage alert lists it."""
LEGACY_GRADE_REASON = "历史评级迁移（演示数据）"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = ("建国", "志强", "海燕", "丽华", "伟", "静", "敏", "磊", "洋", "芳", "军", "晓东")
TITLES = ("总经理", "副总经理", "采购部经理", "信息中心主任", "财务总监", "办公室主任", "项目经理")
ROLE_SETS = (["user"], ["supporter"], ["user", "supporter"], ["investor"])


def demo_credit_code(rng: random.Random) -> str:
    """A random but valid 18-character unified social credit code."""
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


def demo_accounts(count: int = DEMO_ACCOUNT_COUNT) -> list[Account]:
    """The demo accounts, the same list every time."""
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    accounts = []
    for index in range(count):
        city = CITIES[index % len(CITIES)]
        industry, words = INDUSTRIES[index % len(INDUSTRIES)]
        word = words[(index // len(INDUSTRIES)) % len(words)]
        number = index // (len(CITIES) * len(words))
        prefix = f"{city}{'华信恒通瑞达中联金泰'[number % 10]}{word}"
        public = industry == "政府"
        suffix = "" if public else SUFFIXES[index % len(SUFFIXES)]
        legal_name = prefix + suffix if not public else f"{city}市{word}"
        if public and number:
            legal_name += f"（{number + 1}分部）"
        accounts.append(
            Account(
                legal_name=legal_name,
                short_name=f"{city}{word}"[:20],
                credit_code=demo_credit_code(rng),
                industry=industry,
                region=REGION_OF[city],
                address=f"{city}市{rng.choice(('人民路', '中山路', '建设大道', '科技园路'))}"
                f"{rng.randint(1, 999)}号",
                source=rng.choice(SOURCES),
                content_class="resource_public"
                if public
                else rng.choice(("resource_enterprise", "project_single", "project_multi")),
                trade_class=rng.choice(("existing", "existing", "prospect")),
                grade=rng.choice(("A", "B", "B", "C", "C", "C")),
                credit_score=rng.randint(55, 95),
                owner_id=DEMO_OWNER_IDS[index % len(DEMO_OWNER_IDS)],
                tags=rng.sample(
                    ["重点", "国企", "上市公司", "战略合作", "续约中"], k=rng.randint(0, 2)
                ),
            )
        )
    return accounts


def parent_index(index: int) -> int | None:
    """The index of the group parent of the account at ``index``, if it is a subsidiary."""
    offset = index % GROUP_EVERY
    return index - offset if 1 <= offset <= SUBSIDIARIES_PER_GROUP else None


def demo_contacts(index: int) -> list[tuple[Contact, list[str]]]:
    """2–4 contacts of the account at ``index``, with their roles there."""
    rng = random.Random(7_000_000 + index)  # noqa: S311 - demo data, not security
    contacts = []
    for number in range(rng.randint(2, 4)):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        roles = list(rng.choice(ROLE_SETS))
        if number == 0 and index % NO_DECISION_MAKER_EVERY != 7:
            roles = ["decision_maker", *(["investor"] if rng.random() < 0.2 else [])]
        contacts.append(
            (
                Contact(
                    name=name,
                    title=rng.choice(TITLES),
                    phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                    email=f"contact{index:03d}{number}@example.com",
                    birthday=date(rng.randint(1960, 1992), rng.randint(1, 12), rng.randint(1, 28)),
                    notes=rng.choice(("", "春节前拜访", "关注售后响应速度", "喜欢喝茶")),
                ),
                roles,
            )
        )
    return contacts


def _legacy_grade(account: Account) -> None:
    """Demo grades stand for grades migrated from the old system: an override with reason
    (the computed grade is C until contracts exist), so recomputation keeps them."""
    if account.grade != "C":
        account.grade_override = account.grade
        account.grade_override_reason = LEGACY_GRADE_REASON
        account.grade_source = "override"
    account.computed_grade = "C"


async def load_clients_demo(session: AsyncSession) -> None:
    """Add the demo accounts that are missing (matched by credit code), with their
    contacts, group parents and first history entries, then a year of activity and a few
    sales opportunities."""
    await load_demo_accounts(session)
    settings = ClientsSettings()
    today = company_today(settings.timezone)()
    await load_activity_demo(session, today, settings.timezone)
    await load_pipeline_demo(session, today, settings.timezone)


async def load_demo_accounts(session: AsyncSession) -> None:
    """The demo accounts with their contacts, groups and first history entries."""
    repository = AccountRepository(session)
    accounts = demo_accounts()
    added: dict[int, Account] = {}
    stored: dict[int, Account] = {}
    for index, account in enumerate(accounts):
        assert account.credit_code is not None
        found = await repository.get_by_credit_code(account.credit_code)
        if found is None:
            _legacy_grade(account)
            session.add(account)
            added[index] = account
            stored[index] = account
        else:
            stored[index] = found
    await session.flush()
    links: list[tuple[int, Contact, list[str]]] = []
    for index, account in added.items():
        assert account.id is not None
        parent = parent_index(index)
        if parent is not None:
            account.parent_id = stored[parent].id
        session.add(
            GradeChange(
                account_id=account.id,
                grade=account.grade,
                source=account.grade_source,
                computed_grade=account.computed_grade,
                reason=account.grade_override_reason,
            )
        )
        session.add(
            OwnershipChange(
                account_id=account.id, to_employee_id=account.owner_id, reason="created"
            )
        )
        for contact, roles in demo_contacts(index):
            session.add(contact)
            links.append((account.id, contact, roles))
    await session.flush()
    for account_id, contact, roles in links:
        assert contact.id is not None
        session.add(AccountContact(account_id=account_id, contact_id=contact.id, roles=roles))
    await session.flush()
