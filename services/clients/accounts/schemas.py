"""Request and response bodies of the accounts API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.clients.accounts.rules import Grade, credit_code_error, normalize_credit_code
from shared.money import Money
from shared.numbers import NotABoolean

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
DuplicateReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
AccountId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
CreditCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]


class ContentClass(StrEnum):
    """客户分类 by content: resource (行政事业 / 企业类) or project (单项目 / 多项目)."""

    RESOURCE_PUBLIC = "resource_public"
    RESOURCE_ENTERPRISE = "resource_enterprise"
    PROJECT_SINGLE = "project_single"
    PROJECT_MULTI = "project_multi"


class TradeClass(StrEnum):
    """客户分类 by trade: existing (已有客户) or prospect (潜在客户)."""

    EXISTING = "existing"
    PROSPECT = "prospect"


class AccountStatus(StrEnum):
    """活跃 / 休眠 / 流失, and 已归档 (soft-deleted; only archive and restore set it)."""

    ACTIVE = "active"
    DORMANT = "dormant"
    LOST = "lost"
    ARCHIVED = "archived"


class WorkingStatus(StrEnum):
    """The statuses a person may set directly (archiving has its own endpoint)."""

    ACTIVE = "active"
    DORMANT = "dormant"
    LOST = "lost"


class AccountSort(StrEnum):
    """Sort orders of the account list (each backed by an index); ``-`` is descending."""

    ID = "id"
    ID_DESC = "-id"
    LEGAL_NAME = "legal_name"
    LEGAL_NAME_DESC = "-legal_name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    GRADE = "grade"
    GRADE_DESC = "-grade"
    CREDIT_SCORE = "credit_score"
    CREDIT_SCORE_DESC = "-credit_score"


def _checked_credit_code(value: object) -> object:
    if not isinstance(value, str):
        return value
    code = normalize_credit_code(value)
    if code == "":
        return None
    problem = credit_code_error(code)
    if problem:
        raise ValueError(problem)
    return code


class AccountFields(BaseModel):
    """The descriptive fields shared by create, import and update."""

    model_config = ConfigDict(extra="forbid")

    short_name: ShortName | None = None
    credit_code: CreditCode | None = Field(
        default=None, description="统一社会信用代码: 18 characters with a valid check character."
    )
    industry: Label | None = None
    region: Label | None = None
    address: Address | None = None
    source: Label | None = None
    tags: list[Label] = Field(default_factory=list, max_length=20)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _valid_credit_code(cls, value: object) -> object:
        return _checked_credit_code(value)

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class AccountCreate(AccountFields):
    """A new key account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "legal_name": "华东电网建设集团有限公司",
                    "short_name": "华东电建",
                    "credit_code": "91310000132200321J",
                    "industry": "电力",
                    "region": "华东",
                    "address": "上海市浦东新区世纪大道100号",
                    "source": "展会",
                    "content_class": "resource_enterprise",
                    "trade_class": "existing",
                    "owner_id": 12,
                    "tags": ["重点", "国企"],
                }
            ]
        },
    )

    legal_name: Name
    content_class: ContentClass = ContentClass.PROJECT_SINGLE
    trade_class: TradeClass = TradeClass.PROSPECT
    status: WorkingStatus = WorkingStatus.ACTIVE
    owner_id: EmployeeId
    parent_id: AccountId | None = None
    duplicate_reason: DuplicateReason | None = Field(
        default=None,
        description="Why this is another company although accounts with a name alike exist "
        "(send it after a 409 possible-duplicate; audited). Not stored on the account.",
    )


class AccountUpdate(BaseModel):
    """A partial update; only the fields given change. The owner changes by transfer,
    the grade by recomputation or override, the credit score by adjustment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"short_name": "华东电网建设", "tags": ["重点", "续约中"]}]
        },
    )

    legal_name: Name | None = None
    short_name: ShortName | None = None
    credit_code: CreditCode | None = None
    industry: Label | None = None
    region: Label | None = None
    address: Address | None = None
    source: Label | None = None
    content_class: ContentClass | None = None
    trade_class: TradeClass | None = None
    status: WorkingStatus | None = None
    parent_id: AccountId | None = Field(
        default=None, description="The group parent (集团客户); null detaches the account."
    )
    tags: list[Label] | None = Field(default=None, max_length=20)
    duplicate_reason: DuplicateReason | None = Field(
        default=None,
        description="Why this is another company although accounts with a name alike exist "
        "(send it after a 409 possible-duplicate; audited). Not stored on the account.",
    )

    @field_validator("credit_code", mode="before")
    @classmethod
    def _valid_credit_code(cls, value: object) -> object:
        return _checked_credit_code(value)


class AccountRead(BaseModel):
    """A key account as the API shows it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "legal_name": "华东电网建设集团有限公司",
                    "short_name": "华东电建",
                    "credit_code": "91310000132200321J",
                    "industry": "电力",
                    "region": "华东",
                    "address": "上海市浦东新区世纪大道100号",
                    "source": "展会",
                    "status": "active",
                    "content_class": "resource_enterprise",
                    "trade_class": "existing",
                    "grade": "A",
                    "grade_source": "override",
                    "computed_grade": "B",
                    "grade_override_reason": "战略客户，集团重点保障",
                    "grade_override_expires_on": "2027-06-30",
                    "credit_score": 82,
                    "owner_id": 12,
                    "parent_id": None,
                    "tags": ["重点", "国企"],
                    "archived_at": None,
                    "version": 3,
                    "created_at": "2026-11-23T02:30:00+00:00",
                    "updated_at": "2026-11-23T08:15:00+00:00",
                }
            ]
        },
    )

    id: int
    legal_name: str
    short_name: str | None
    credit_code: str | None
    industry: str | None
    region: str | None
    address: str | None
    source: str | None
    status: AccountStatus
    content_class: ContentClass
    trade_class: TradeClass
    grade: Grade
    grade_source: str
    computed_grade: Grade
    grade_override_reason: str | None
    grade_override_expires_on: date | None
    credit_score: int
    owner_id: int
    parent_id: int | None
    tags: list[str]
    archived_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class GroupSummary(BaseModel):
    """Roll-up of a group customer (集团客户) at its parent, over the subsidiaries in scope."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "direct_subsidiaries": 3,
                    "subsidiaries": 5,
                    "active_subsidiaries": 4,
                    "grade_distribution": {"A": 1, "B": 2, "C": 2},
                    "best_grade": "A",
                    "owner_ids": [12, 15],
                    "contract_value_12m": {"amount": "0.00", "currency": "CNY"},
                }
            ]
        }
    )

    account_id: int
    direct_subsidiaries: int
    subsidiaries: int = Field(description="All levels below the parent (not counting it).")
    active_subsidiaries: int
    grade_distribution: dict[str, int] = Field(description="Grades of the whole group.")
    best_grade: Grade
    owner_ids: list[int]
    contract_value_12m: Money = Field(
        description="Trailing-12-month signed contract value of the whole group."
    )


@dataclass(frozen=True)
class AccountQuery:
    """Filters of the account list (every one optional; all given must match)."""

    owner_ids: list[int] | None = None
    team_of: int | None = None
    grades: list[str] | None = None
    content_classes: list[str] | None = None
    trade_classes: list[str] | None = None
    industry: str | None = None
    region: str | None = None
    tags: list[str] = field(default_factory=list)
    statuses: list[str] | None = None
    parent_id: int | None = None
    text: str | None = None
    ids: list[int] | None = None
