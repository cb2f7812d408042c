"""Demo logins, one or more per role, so a person can try the scoping in Swagger UI.

Every demo login has the password ``DEMO_PASSWORD`` (documented in the README, for the
demo data set only; production logins are created by administrators).
"""

from __future__ import annotations

from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.identity.models import ApiKey, User
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.secrets import api_key_prefix, hash_password, sha256_hex

DEMO_PASSWORD: Final = "kam-demo-2026"  # noqa: S105 - demo data only, documented
# login, roles, employee id in the demo data (ids follow demo_people.yaml), who they are
DEMO_USERS: Final[tuple[tuple[str, tuple[str, ...], int | None, str], ...]] = (
    ("admin", ("admin",), None, "system administrator"),
    ("zhou.zhenhua", ("dept_manager",), 1, "周振华, 大客户部经理"),
    ("liu.xiaofeng", ("team_lead",), 2, "刘晓峰, 客户开发主管"),
    ("zhang.wei", ("account_manager",), 5, "张伟, 大客户经理"),
    ("li.na", ("account_manager",), 6, "李娜, 大客户经理"),
    ("ma.xiaoyan", ("account_manager",), 13, "马晓燕, 大客户专员"),
    ("yuan.fang", ("appraisal_admin",), 37, "袁芳, 考核管理专员"),
    ("finance", ("finance",), None, "财务部对账人员"),
    ("executive", ("executive",), None, "公司分管副总 (只读)"),
)


# The demo ERP's API key (scope erp:write): the fake ERP that ``make run`` starts sends it
# with its webhooks. Fixed so the runner can configure both sides; demo data only.
DEMO_ERP_API_KEY: Final = "kam_demoerp00001_kam-demo-erp-key-2026-not-for-production"


async def load_identity_demo(session: AsyncSession) -> None:
    """Add the demo logins (by login) and the demo ERP key (by prefix) that are missing."""
    repository = IdentityRepository(session)
    password_hash = hash_password(DEMO_PASSWORD)
    for login, roles, employee_id, _ in DEMO_USERS:
        if await repository.user_by_login(login) is None:
            await repository.add(
                User(
                    login=login,
                    password_hash=password_hash,
                    roles=list(roles),
                    employee_id=employee_id,
                )
            )
    prefix = api_key_prefix(DEMO_ERP_API_KEY)
    assert prefix is not None
    if await repository.api_key_by_prefix(prefix) is None:
        await repository.add(
            ApiKey(
                name="演示ERP (the fake ERP of make run; demo only)",
                prefix=prefix,
                key_hash=sha256_hex(DEMO_ERP_API_KEY),
                scopes=["erp:write"],
                created_by="demo",
            )
        )
