"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.clients.accounts.rules import credit_code_error, normalize_credit_code

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


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
    ACTIVE = "active"
    ARCHIVED = "archived"


class AccountCreate(BaseModel):
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
                    "owner_id": 12,
                    "tags": ["重点", "国企"],
                }
            ]
        },
    )

    legal_name: Name
    short_name: Label | None = None
    credit_code: Annotated[str | None, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")] = (
        None
    )
    industry: Label | None = None
    region: Label | None = None
    address: Annotated[str | None, StringConstraints(max_length=300)] = None
    source: Label | None = None
    content_class: ContentClass = ContentClass.PROJECT_SINGLE
    owner_id: int = Field(ge=1, le=2_147_483_647)
    parent_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    tags: list[Label] = Field(default_factory=list, max_length=20)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _valid_credit_code(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        code = normalize_credit_code(value)
        problem = credit_code_error(code)
        if problem:
            raise ValueError(problem)
        return code


class AccountRead(BaseModel):
    """A key account as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

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
    grade: str
    credit_score: int
    owner_id: int
    parent_id: int | None
    tags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
