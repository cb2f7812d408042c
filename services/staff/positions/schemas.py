"""Request and response bodies of position descriptions (职位说明书).

The structured parts (duties, authorities, collaboration, qualifications, training) reuse
the catalogue's validated models, so a description posted to the API obeys the same rules
as the shipped catalogue (limits on the authorities other services enforce, duty ranks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from services.staff.catalogue.schema import (
    CODE_PATTERN,
    Authorities,
    Collaboration,
    Duty,
    PositionLevel,
    Qualifications,
    Training,
)
from services.staff.positions.models import VersionStatus
from shared.numbers import JsonInt, NotABoolean
from shared.periods import IsoDay

Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

EDITABLE_FIELDS = (
    "title",
    "department_id",
    "reports_to_code",
    "level",
    "purpose",
    "headcount_quota",
    "duties",
    "authorities",
    "collaboration",
    "qualifications",
    "training",
    "basis_documents",
    "approver_code",
    "work_location",
    "job_category",
    "job_family",
    "established_on",
    "peer_codes",
)
"""The fields an editor writes (copied into a new draft)."""

CONTENT_FIELDS = (*EDITABLE_FIELDS, "authoring")
"""The fields a version describes (compared by the diff); the workflow fills ``authoring``."""


class Authoring(BaseModel):
    """编写 / 审核 / 批准 and 编制日期, filled by the workflow, never by the editor.

    ``written_by`` is who submitted the text (``written_on`` is its 编制日期); the single
    review step is the approval, so ``reviewed_by`` and ``approved_by`` name the approver.
    Names are the employee's name, or the login when the caller is not an employee.
    Versions loaded from the catalogue keep the catalogue's position codes.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    written_by: ShortText | None = Field(default=None, examples=["KA-DEV-LEAD"])
    reviewed_by: ShortText | None = Field(default=None, examples=["CO-HR-MGR"])
    approved_by: ShortText | None = Field(default=None, examples=["KA-MGR"])
    written_on: IsoDay | None = None
    reviewed_on: IsoDay | None = None
    approved_on: IsoDay | None = None


def _check_duty_ranks(duties: list[Duty] | None) -> None:
    if not duties:
        return
    ranks = sorted(d.importance for d in duties)
    if ranks != list(range(1, len(ranks) + 1)):
        raise ValueError(f"duty importance must rank 1..{len(ranks)} once each, got {ranks}")


EXAMPLE: JsonDict = {
    "code": "KA-KAM",
    "title": "大客户经理",
    "department_id": 3,
    "reports_to_code": "KA-DEV-LEAD",
    "level": "staff",
    "purpose": "负责所辖大客户的开发、经营和回款。",
    "headcount_quota": 8,
    "duties": [
        {
            "statement": "开发和维护所辖大客户",
            "tasks": ["制定客户开发计划", "按等级执行拜访计划"],
            "measure": {"criterion": "target_attained", "statement": "签约额和回款达成率"},
            "importance": 1,
        }
    ],
    "authorities": {
        "financial": [
            {
                "code": "approve_discount",
                "description": "在授权范围内给予折扣",
                "limits": {"max_discount_percent": "5"},
            }
        ],
        "business": [
            {
                "code": "adjust_credit_score",
                "description": "在规定幅度内调整信用分数",
                "limits": {"max_delta": 5},
            }
        ],
    },
    "qualifications": {"education_level": "bachelor", "min_years_experience": 3},
    "training": {"pre_job": ["公司产品培训"], "on_job": ["商务谈判"]},
    "basis_documents": ["大客户管理办法"],
    "approver_code": "KA-MGR",
    "work_location": "公司总部",
    "job_category": "营销类",
    "job_family": "大客户销售",
    "established_on": "2026-03-06",
    "peer_codes": ["KA-PROD-LEAD"],
}


class PositionContent(BaseModel):
    """What a version of a position description says."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    department_id: JsonInt = Field(ge=1, le=2_147_483_647)
    reports_to_code: Code | None = None
    level: PositionLevel | None = None
    purpose: str = Field(default="", max_length=4000)
    headcount_quota: JsonInt = Field(default=1, ge=0, le=10_000)
    duties: list[Duty] = Field(default_factory=list, max_length=50)
    authorities: Authorities = Field(default_factory=Authorities)
    collaboration: Collaboration = Field(default_factory=Collaboration)
    qualifications: Qualifications | None = None
    training: Training = Field(default_factory=Training)
    basis_documents: list[Line] = Field(default_factory=list, max_length=50)
    approver_code: Code | None = Field(
        default=None,
        description="The position whose holder approves this description (else the "
        "department manager above it).",
    )
    work_location: ShortText | None = Field(default=None, description="工作地点")
    job_category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        Field(default=None, description="职类, e.g. 营销类")
    )
    job_family: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        Field(default=None, description="职种, e.g. 大客户销售")
    )
    established_on: IsoDay | None = Field(default=None, description="职位设立日期")
    peer_codes: list[Code] = Field(
        default_factory=list, max_length=50, description="同僚: peer positions, by code."
    )

    @model_validator(mode="after")
    def _check_duties(self) -> Self:
        _check_duty_ranks(self.duties)
        return self


class PositionCreate(PositionContent):
    """A new position: its code and the content of draft version 1."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    code: Code


class PositionVersionUpdate(BaseModel):
    """A partial change of a draft; only the fields given change (null clears optionals)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    department_id: Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean] | None = None
    reports_to_code: Code | None = None
    level: PositionLevel | None = None
    purpose: str | None = Field(default=None, max_length=4000)
    headcount_quota: Annotated[int, Field(ge=0, le=10_000), NotABoolean] | None = None
    duties: list[Duty] | None = Field(default=None, max_length=50)
    authorities: Authorities | None = None
    collaboration: Collaboration | None = None
    qualifications: Qualifications | None = None
    training: Training | None = None
    basis_documents: list[Line] | None = Field(default=None, max_length=50)
    approver_code: Code | None = None
    work_location: ShortText | None = None
    job_category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        None
    )
    job_family: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        None
    )
    established_on: IsoDay | None = None
    peer_codes: list[Code] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _check_duties(self) -> Self:
        _check_duty_ranks(self.duties)
        return self


class PositionVersionRead(PositionContent):
    """One version of a position description as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    position_id: int
    code: str
    version_no: int
    status: VersionStatus
    authoring: Authoring
    created_by_employee_id: int | None
    submitted_by_employee_id: int | None
    approved_by_employee_id: int | None
    created_by: str | None = Field(description="The login that started this version.")
    submitted_by: str | None = Field(description="The login that submitted it.")
    approved_by: str | None = Field(description="The login that approved it.")
    submitted_at: datetime | None
    approved_at: datetime | None
    retired_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class PositionRead(BaseModel):
    """A position with the version that describes it now (the approved one, else the newest)."""

    id: int
    code: str
    title: str | None
    department_id: int | None
    reports_to_code: str | None
    headcount_quota: int | None
    status: VersionStatus | None = Field(description="Status of the version shown.")
    shown_version_no: int | None
    in_force_version_no: int | None = Field(description="The approved version, if any.")
    created_at: datetime


class FieldChange(BaseModel):
    """One top-level field that differs between two versions.

    For lists, ``added`` / ``removed`` / ``changed`` name the items by their key (duty
    statement, authority group and code, collaboration group and party, or the text itself);
    for nested objects ``changed`` lists the sub-fields that differ.
    """

    field: str
    before: Any = None
    after: Any = None
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class VersionDiff(BaseModel):
    """What changed from one version to another."""

    code: str
    from_version_no: int
    to_version_no: int
    changes: list[FieldChange]


class AcknowledgementRead(BaseModel):
    """本人已阅: the employee has read this version of his position's description."""

    employee_id: int
    position_code: str
    version_no: int
    acknowledged_at: datetime


class OutstandingAcknowledgement(BaseModel):
    """Someone who has not acknowledged the version of his position in force."""

    employee_id: int
    employee_no: str
    name: str
    manager_id: int | None
    position_code: str
    version_no: int = Field(description="The version in force he has to acknowledge.")
    approved_at: datetime | None
