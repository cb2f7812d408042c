"""Demo data of the staff service: the shipped key-account department catalogue.

Departments, then positions (each as an approved version 1; the catalogue's company-level
positions as quota-0 positions of the company so reporting lines resolve), then the demo
people as employees in the order of ``demo_people.yaml`` (ids 1..N in a fresh database,
which the clients demo data relies on for owners). Every step adds only what is missing.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.catalogue.loader import load_catalogue, load_demo_people
from services.staff.catalogue.schema import Catalogue, DemoPeople
from services.staff.departments.models import Department
from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.models import Employee
from services.staff.employees.repository import EmployeeRepository
from services.staff.positions.models import Position, PositionVersion, VersionStatus
from services.staff.positions.repository import PositionRepository

CATALOGUE_VERSION_FIELDS = {
    "title", "reports_to", "level", "purpose", "headcount_quota", "duties", "authorities",
    "collaboration", "qualifications", "training", "basis_documents", "authoring",
}  # fmt: skip

WORK_LOCATION = "公司总部"
JOB_FAMILIES = {
    "CO": ("管理类", "公司管理"),
    "KA": ("管理类", "经营管理"),
    "KA-DEV": ("营销类", "大客户销售"),
    "KA-PROD": ("技术类", "产品支持"),
    "KA-SVC": ("服务类", "售后服务"),
    "KA-OPS": ("职能类", "综合管理"),
}
"""职类/职种 by department; managers and leads are 管理类 whatever their family."""


def seed_fields(catalogue: Catalogue, code: str) -> dict[str, object]:
    """工作地点, 职类/职种, 职位设立日期, 同僚 and the named approver of a catalogue position:
    peers are the positions under the same superior; the position was set up the day its
    first description was approved, by the approver that description names."""
    spec = next(p for p in catalogue.positions if p.code == code)
    category, family = JOB_FAMILIES.get(spec.department_code, ("职能类", "综合管理"))
    if spec.level.value in ("manager", "lead"):
        category = "管理类"
    known = {p.code for p in catalogue.positions} | {p.code for p in catalogue.external_positions}
    approver = spec.authoring.approved_by
    return {
        "work_location": WORK_LOCATION,
        "job_category": category,
        "job_family": family,
        "established_on": spec.authoring.approved_on,
        "peer_codes": [
            p.code for p in catalogue.positions if p.reports_to == spec.reports_to and p != spec
        ],
        "approver_code": approver if approver in known else None,
    }


async def load_staff_demo(session: AsyncSession) -> None:
    """Add the catalogue's departments that are missing (by code), parents first."""
    catalogue = load_catalogue()
    repository = DepartmentRepository(session)
    ids_by_code: dict[str, int] = {}
    pending = list(catalogue.departments)
    while pending:
        remaining = []
        for spec in pending:
            if spec.parent_code is not None and spec.parent_code not in ids_by_code:
                remaining.append(spec)
                continue
            existing = await repository.get_by_code(spec.code)
            if existing is None:
                existing = await repository.add(
                    Department(
                        code=spec.code,
                        name=spec.name,
                        parent_id=ids_by_code.get(spec.parent_code or ""),
                        charter=spec.charter,
                        functions=[f.model_dump(mode="json") for f in spec.functions],
                        head_position_code=spec.head_position_code,
                        planned_headcount=spec.planned_headcount or 0,
                    )
                )
            assert existing.id is not None
            ids_by_code[spec.code] = existing.id
        if len(remaining) == len(pending):
            raise ValueError("the catalogue's departments do not form a tree")
        pending = remaining
    await load_demo_positions(session, catalogue, ids_by_code)
    await load_demo_employees(session, load_demo_people(catalogue=catalogue))


async def load_demo_positions(
    session: AsyncSession, catalogue: Catalogue, department_ids: dict[str, int]
) -> None:
    """Add missing positions (by code), each with an approved version 1."""
    repository = PositionRepository(session)
    specs: list[tuple[str, dict[str, object]]] = [
        (
            external.code,
            {
                "title": external.title,
                "department_id": department_ids[external.department_code],
                "purpose": "公司级职位，不在大客户部编制内。",
                "headcount_quota": 0,
                "work_location": WORK_LOCATION,
                "job_category": JOB_FAMILIES["CO"][0],
                "job_family": JOB_FAMILIES["CO"][1],
            },
        )
        for external in catalogue.external_positions
    ]
    specs += [
        (
            spec.code,
            spec.model_dump(
                mode="json",
                include=CATALOGUE_VERSION_FIELDS,
            )
            | {"department_id": department_ids[spec.department_code]}
            | seed_fields(catalogue, spec.code),
        )
        for spec in catalogue.positions
    ]
    created: list[tuple[Position, dict[str, object]]] = []
    for code, content in specs:
        if await repository.get_by_code(code) is None:
            position = Position(code=code)
            await repository.add(position)
            created.append((position, content))
    for position, content in created:
        assert position.id is not None
        values = dict(content)
        values["reports_to_code"] = values.pop("reports_to", None)
        await repository.add(
            PositionVersion.model_validate(
                values
                | {
                    "position_id": position.id,
                    "version_no": 1,
                    "status": VersionStatus.APPROVED.value,
                }
            )
        )


async def load_demo_employees(session: AsyncSession, demo: DemoPeople) -> None:
    """Add missing employees (by number) in file order, then their org events."""
    repository = EmployeeRepository(session)
    created: list[Employee] = []
    for person in demo.people:
        if await repository.get_by_no(person.employee_no) is not None:
            continue
        employee = Employee.model_validate(
            person.model_dump(mode="json", exclude={"successor_employee_no"})
        )
        created.append(await repository.add(employee))
    if created:
        await OrgEventPublisher(session).publish(created)
