"""The org chart as JSON: departments → positions → people, with headcount against quota."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PersonNode(BaseModel):
    """Someone holding a position (active or on leave)."""

    id: int
    employee_no: str
    name: str
    status: str


class PositionNode(BaseModel):
    """A position with its quota (定员) and holders.

    Only a description in force (approved) sets a quota; a position that has only a draft
    or a version in review counts 0 and shows what it proposes in ``proposed_quota``.
    """

    code: str
    title: str
    reports_to_code: str | None
    in_force: bool = Field(description="The position has an approved description.")
    quota: int
    proposed_quota: int | None = Field(
        description="The quota a description not yet approved proposes (not counted)."
    )
    headcount: int
    vacancies: int = Field(description="Quota not filled (0 when full or over).")
    over_quota: bool
    people: list[PersonNode]


class DepartmentNode(BaseModel):
    """A department with its positions, people without a position here, and sub-departments.

    ``quota``, ``headcount`` and ``vacancies`` count the whole subtree; vacancies add up per
    position, so a position over quota does not fill another's vacancy.
    """

    id: int
    code: str
    name: str
    planned_headcount: int
    quota: int
    headcount: int
    vacancies: int
    over_quota: bool = Field(description="More people than the positions' quotas in the subtree.")
    over_plan: bool = Field(description="More people than the planned headcount (部门人员编制).")
    quota_over_plan: bool = Field(
        description="The positions' quotas in the subtree exceed the planned headcount."
    )
    positions: list[PositionNode]
    unassigned: list[PersonNode] = Field(
        description="People of this department without a position here."
    )
    children: list[DepartmentNode]


class OrgChart(BaseModel):
    """The tree (or the subtree asked for) and anyone who could not be placed in it."""

    roots: list[DepartmentNode]
    unplaced: list[PersonNode]
