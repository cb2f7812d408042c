"""Demo data of the clients service: a few hundred realistic key accounts.

Generated deterministically (the same on every machine), with valid credit codes, so a
second load finds every account already there and adds nothing.
"""

from __future__ import annotations

import random

from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import CREDIT_CODE_ALPHABET, credit_code_check_character

DEMO_ACCOUNT_COUNT = 300
DEMO_OWNER_IDS = tuple(range(1, 21))

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


async def load_clients_demo(session: AsyncSession) -> None:
    """Add the demo accounts that are missing (matched by credit code)."""
    repository = AccountRepository(session)
    for account in demo_accounts():
        assert account.credit_code is not None
        if await repository.get_by_credit_code(account.credit_code) is None:
            session.add(account)
    await session.flush()
