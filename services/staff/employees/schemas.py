"""Request and response bodies of the employees API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.staff.catalogue.schema import CODE_PATTERN, EducationLevel, EmploymentStatus
from shared.numbers import NotABoolean
from shared.periods import IsoDay

Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
EmployeeNo = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,15}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Id = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


WorkEmail = Annotated[
    str,
    Field(
        max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["zhang.wei@example.com"]
    ),
]
Mobile = Annotated[str, Field(pattern=r"^\+?[0-9]{6,20}$", examples=["13800138000"])]
ChannelUserId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._@-]+$",
        description="企业微信/钉钉 user id.",
    ),
]


class WorkingStatus(StrEnum):
    """The statuses an employee can be given directly; departing goes through a departure."""

    ACTIVE = "active"
    ON_LEAVE = "on_leave"


class EmployeeCreate(BaseModel):
    """A new employee."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employee_no": "E0042",
                    "name": "王磊",
                    "position_code": "KA-KAM",
                    "hire_date": "2026-03-01",
                    "education_level": "bachelor",
                    "major": "市场营销",
                    "years_experience": 4,
                    "skills": ["大客户开发"],
                    "certifications": [],
                }
            ]
        },
    )

    employee_no: EmployeeNo
    name: Name
    position_code: Code | None = None
    department_id: Id | None = Field(default=None, description="Only to override the position's.")
    manager_id: Id | None = Field(default=None, description="Only to override the position tree.")
    hire_date: IsoDay
    status: WorkingStatus = WorkingStatus.ACTIVE
    education_level: EducationLevel | None = None
    major: Tag | None = None
    years_experience: int = Field(default=0, ge=0, le=80, strict=True)
    skills: list[Tag] = Field(default_factory=list, max_length=50)
    certifications: list[Tag] = Field(default_factory=list, max_length=50)
    work_email: WorkEmail | None = None
    mobile: Mobile | None = None
    wecom_user_id: ChannelUserId | None = None
    dingtalk_user_id: ChannelUserId | None = None


class EmployeeUpdate(BaseModel):
    """A partial update; only the fields given change. Null clears an override."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    position_code: Code | None = None
    department_id: Id | None = None
    manager_id: Id | None = None
    hire_date: IsoDay | None = None
    status: WorkingStatus | None = None
    education_level: EducationLevel | None = None
    major: Tag | None = None
    years_experience: int | None = Field(default=None, ge=0, le=80, strict=True)
    skills: list[Tag] | None = Field(default=None, max_length=50)
    certifications: list[Tag] | None = Field(default=None, max_length=50)
    work_email: WorkEmail | None = None
    mobile: Mobile | None = None
    wecom_user_id: ChannelUserId | None = None
    dingtalk_user_id: ChannelUserId | None = None


class EmployeeRead(BaseModel):
    """An employee with the effective department and manager."""

    id: int
    employee_no: str
    name: str
    position_code: str | None
    department_id: int | None = Field(description="Effective: the override, else the position's.")
    department_explicit: bool
    manager_id: int | None = Field(description="Effective: the override, else the position tree.")
    manager_explicit: bool
    hire_date: date
    status: EmploymentStatus
    departure_date: date | None
    education_level: EducationLevel | None
    major: str | None
    years_experience: int
    skills: list[str]
    certifications: list[str]
    work_email: str | None = None
    mobile: str | None = None
    wecom_user_id: str | None = None
    dingtalk_user_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
