"""Pure rule: build the org chart tree from departments, positions and people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from services.staff.orgchart.schemas import DepartmentNode, OrgChart, PersonNode, PositionNode


@dataclass(frozen=True)
class ChartDepartment:
    id: int
    code: str
    name: str
    parent_id: int | None
    planned_headcount: int


@dataclass(frozen=True)
class ChartPosition:
    """A position by the version that describes it now; ``in_force`` when that version is
    approved. Only a description in force sets a quota (定员): a draft proposes one."""

    code: str
    title: str
    department_id: int
    reports_to_code: str | None
    quota: int
    in_force: bool = True

    @property
    def counted_quota(self) -> int:
        return self.quota if self.in_force else 0


@dataclass(frozen=True)
class ChartPerson:
    id: int
    employee_no: str
    name: str
    status: str
    position_code: str | None
    department_id: int | None


def build_org_chart(
    departments: Sequence[ChartDepartment],
    positions: Sequence[ChartPosition],
    people: Sequence[ChartPerson],
    root_id: int | None = None,
) -> OrgChart:
    """The tree under ``root_id`` (every root when None) with counts at every node.

    A person sits under their position when it is in the chart, else in the ``unassigned``
    list of their department, else in ``unplaced``.
    """
    children: dict[int | None, list[ChartDepartment]] = defaultdict(list)
    for dept in departments:
        children[dept.parent_id].append(dept)
    positions_by_dept: dict[int, list[ChartPosition]] = defaultdict(list)
    for position in positions:
        positions_by_dept[position.department_id].append(position)
    known_positions = {p.code for p in positions}
    known_departments = {d.id for d in departments}
    holders: dict[str, list[PersonNode]] = defaultdict(list)
    unassigned: dict[int, list[PersonNode]] = defaultdict(list)
    unplaced: list[PersonNode] = []
    for person in people:
        node = PersonNode(
            id=person.id, employee_no=person.employee_no, name=person.name, status=person.status
        )
        if person.position_code in known_positions:
            holders[person.position_code or ""].append(node)
        elif person.department_id in known_departments:
            unassigned[person.department_id or 0].append(node)
        else:
            unplaced.append(node)

    def position_node(position: ChartPosition) -> PositionNode:
        people_here = holders[position.code]
        quota = position.counted_quota
        return PositionNode(
            code=position.code,
            title=position.title,
            reports_to_code=position.reports_to_code,
            in_force=position.in_force,
            quota=quota,
            proposed_quota=None if position.in_force else position.quota,
            headcount=len(people_here),
            vacancies=max(quota - len(people_here), 0),
            over_quota=len(people_here) > quota,
            people=people_here,
        )

    def department_node(dept: ChartDepartment) -> DepartmentNode:
        position_nodes = [position_node(p) for p in positions_by_dept[dept.id]]
        child_nodes = [department_node(child) for child in children[dept.id]]
        quota = sum(p.quota for p in position_nodes) + sum(c.quota for c in child_nodes)
        headcount = (
            sum(p.headcount for p in position_nodes)
            + len(unassigned[dept.id])
            + sum(c.headcount for c in child_nodes)
        )
        vacancies = sum(p.vacancies for p in position_nodes) + sum(c.vacancies for c in child_nodes)
        return DepartmentNode(
            id=dept.id,
            code=dept.code,
            name=dept.name,
            planned_headcount=dept.planned_headcount,
            quota=quota,
            headcount=headcount,
            vacancies=vacancies,
            over_quota=headcount > quota,
            over_plan=dept.planned_headcount > 0 and headcount > dept.planned_headcount,
            quota_over_plan=dept.planned_headcount > 0 and quota > dept.planned_headcount,
            positions=position_nodes,
            unassigned=unassigned[dept.id],
            children=child_nodes,
        )

    if root_id is None:
        roots = [department_node(d) for d in children[None]]
    else:
        roots = [department_node(d) for d in departments if d.id == root_id]
    return OrgChart(roots=roots, unplaced=unplaced if root_id is None else [])
