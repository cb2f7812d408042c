"""The benchmark's organisation: a key-account department in a realistic tree.

``org_tree(employees)`` is a department of ``employees`` people: its head (大客户部经理), an
appraisal administrator, one regional director per ~100 people, team leads with ~10
members each (大客户经理 / 大客户专员), and the sales VP above the head (in staff only, not
appraised). ``load_org`` writes it into staff (departments, positions with approved
descriptions, employees with explicit department and manager, one login each) and into
both read-only org copies, clients' and kpi's, as staff's events would have.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from bench.bulk import columns, copy

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯"
REGIONS = columns("华北 华东 华南 华中 西南 西北 东北 京津 长三角 珠三角 川渝 闽浙 鲁豫 湘鄂 云贵")
POSITIONS = [  # code, title, reports to, the role of its logins
    ("CO-VP-SALES", "分管销售副总", None, "executive"),
    ("KA-MGR", "大客户部经理", "CO-VP-SALES", "dept_manager"),
    ("KA-APPR", "考核管理专员", "KA-MGR", "appraisal_admin"),
    ("KA-REGION-LEAD", "区域总监", "KA-MGR", "team_lead"),
    ("KA-DEV-LEAD", "客户开发主管", "KA-REGION-LEAD", "team_lead"),
    ("KA-KAM", "大客户经理", "KA-DEV-LEAD", "account_manager"),
    ("KA-SPEC", "大客户专员", "KA-DEV-LEAD", "account_manager"),
]
ROLE_OF = {code: role for code, _, _, role in POSITIONS}
HOLDER_POSITIONS = frozenset({"KA-DEV-LEAD", "KA-KAM", "KA-SPEC"})


@dataclass(frozen=True)
class Person:
    """One employee as staff holds them (department and manager explicit)."""

    id: int
    employee_no: str
    name: str
    position_code: str
    department_id: int
    manager_id: int | None
    role: str


@dataclass(frozen=True)
class Org:
    """Departments, positions and people of the benchmark's company."""

    departments: list[tuple[int, str, str, int | None]]  # id, code, name, parent
    positions: list[tuple[str, str, str | None, int]]  # code, title, reports to, quota
    people: list[Person]
    vp_id: int = 1
    admin_id: int = 3

    @property
    def appraised(self) -> list[Person]:
        """Everyone of the key-account department (the VP above it is not appraised)."""
        return [p for p in self.people if p.id != self.vp_id]

    @property
    def account_holders(self) -> list[int]:
        """Team leads and members: the owners of the accounts."""
        return [p.id for p in self.people if p.position_code in HOLDER_POSITIONS]

    @property
    def appraised_positions(self) -> list[str]:
        return sorted({p.position_code for p in self.appraised})


def org_tree(employees: int, seed: int = 2026) -> Org:
    """The department of ``employees`` people (at least 5), plus the VP above it."""
    if employees < 5:
        raise ValueError("the org tree needs at least 5 employees")
    rng = random.Random(seed)
    regions = max(1, round(employees / 100))
    teams = max(1, (employees - 2 - regions) // 11)
    departments: list[tuple[int, str, str, int | None]] = [
        (1, "CO", "华拓科技有限公司", None),
        (2, "KA", "大客户部", 1),
    ]
    region_ids = [3 + r for r in range(regions)]
    for r, region_id in enumerate(region_ids):
        suffix = "" if r < len(REGIONS) else str(r // len(REGIONS) + 1)
        departments.append((region_id, f"KA-R{r + 1:02d}", f"{REGIONS[r % 15]}{suffix}区域", 2))
    team_ids = [3 + regions + t for t in range(teams)]
    for t, team_id in enumerate(team_ids):
        departments.append(
            (team_id, f"KA-T{t + 1:03d}", f"客户开发{t + 1}组", region_ids[t % regions])
        )

    people: list[Person] = []

    def hire(position: str, department: int, manager: int | None) -> int:
        number = len(people) + 1
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        role = ROLE_OF[position]
        people.append(Person(number, f"B{number:06d}", name, position, department, manager, role))
        return number

    vp = hire("CO-VP-SALES", 1, None)
    head = hire("KA-MGR", 2, vp)
    hire("KA-APPR", 2, head)
    directors = [hire("KA-REGION-LEAD", region, head) for region in region_ids]
    leads = [hire("KA-DEV-LEAD", team, directors[t % regions]) for t, team in enumerate(team_ids)]
    for m in range(employees - 2 - regions - teams):
        team = m % teams
        hire("KA-KAM" if m % 5 < 2 else "KA-SPEC", team_ids[team], leads[team])
    quota = {code: sum(1 for p in people if p.position_code == code) for code, *_ in POSITIONS}
    positions = [(code, title, reports, quota[code]) for code, title, reports, _ in POSITIONS]
    return Org(departments, positions, people)


async def load_org(conn: asyncpg.Connection, org: Org, password_hash: str) -> dict[str, int]:
    """Staff's departments, positions, employees and logins; clients' and kpi's org copies.

    Every login has the same ``password_hash`` (one argon2 hash, computed once).
    """
    approved = datetime.now(UTC) - timedelta(days=200)
    hired = date(2022, 3, 1)
    positions = list(enumerate(org.positions, start=1))
    counts = {
        "staff.departments": await copy(
            conn, "staff.departments", columns("id code name parent_id planned_headcount version"),
            [(*department, 0, 1) for department in org.departments],
        ),
        "staff.positions": await copy(
            conn, "staff.positions", columns("id code"), [(n, p[0]) for n, p in positions]
        ),
        "staff.position_versions": await copy(
            conn, "staff.position_versions",
            columns("id position_id version_no status title department_id reports_to_code "
                    "headcount_quota version approved_at"),
            [(n, n, 1, "approved", title, 1 if code.startswith("CO-") else 2, reports, quota, 1,
              approved) for n, (code, title, reports, quota) in positions],
        ),
        "staff.employees": await copy(
            conn, "staff.employees",
            columns("id employee_no name position_code department_id manager_id hire_date "
                    "status years_experience version"),
            [(p.id, p.employee_no, p.name, p.position_code, p.department_id, p.manager_id,
              hired, "active", 3, 1) for p in org.people],
        ),
        "staff.users": await copy(
            conn, "staff.users",
            columns("id login password_hash active roles employee_id token_version version"),
            [(p.id, f"bench.e{p.id}", password_hash, True, [p.role], p.id, 1, 1)
             for p in org.people],
        ),
    }  # fmt: skip
    # The org copies hold the current state and its dated period, as the services write them.
    copies = columns("employee_id employee_no name position_code department_id manager_id status "
                     "version valid_from")  # fmt: skip
    since = datetime(2000, 1, 1, tzinfo=UTC)
    rows = [(p.id, p.employee_no, p.name, p.position_code, p.department_id, p.manager_id,
             "active", 1, since) for p in org.people]  # fmt: skip
    for schema in ("clients", "kpi"):
        for table in (f"{schema}.org_employees", f"{schema}.org_employee_periods"):
            counts[table] = await copy(conn, table, copies, rows)
    return counts
